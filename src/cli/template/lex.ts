// Lexer for Go's text/template syntax: a port of text/template/parse/lex.go (Go 1.24), including
// trim markers ("{{- " and " -}}"), comments, and newlines inside actions.

import { quote } from './fmt.js';

export enum T {
  Error,
  Bool,
  Char,
  CharConstant,
  Comment,
  Complex,
  Assign,
  Declare,
  EOF,
  Field,
  Identifier,
  LeftDelim,
  LeftParen,
  Number,
  Pipe,
  RawString,
  RightDelim,
  RightParen,
  Space,
  String,
  Text,
  Variable,
  // Keywords appear after all the rest.
  Keyword,
  Block,
  Break,
  Continue,
  Dot,
  Define,
  Else,
  End,
  If,
  Nil,
  Range,
  Template,
  With,
}

export interface Item {
  typ: T;
  pos: number; // offset in the input (UTF-16 code units)
  val: string;
  line: number;
}

const KEY: Record<string, T> = {
  '.': T.Dot,
  block: T.Block,
  break: T.Break,
  continue: T.Continue,
  define: T.Define,
  else: T.Else,
  end: T.End,
  if: T.If,
  range: T.Range,
  nil: T.Nil,
  template: T.Template,
  with: T.With,
};

/** item.String() as Go prints tokens in parse errors. */
export function itemString(i: Item): string {
  if (i.typ === T.EOF) return 'EOF';
  if (i.typ === T.Error) return i.val;
  if (i.typ > T.Keyword) return `<${i.val}>`;
  const runes = Array.from(i.val);
  if (runes.length > 10) return quote(runes.slice(0, 10).join('')) + '...';
  return quote(i.val);
}

const LEFT_DELIM = '{{';
const RIGHT_DELIM = '}}';
const LEFT_COMMENT = '/*';
const RIGHT_COMMENT = '*/';
const SPACE_CHARS = ' \t\r\n';
const TRIM_MARKER_LEN = 2;
const EOF_RUNE = '';

function isSpace(r: string): boolean {
  return r === ' ' || r === '\t' || r === '\r' || r === '\n';
}

function isAlphaNumeric(r: string): boolean {
  return r === '_' || /^[\p{L}\p{Nd}]$/u.test(r);
}

function hasLeftTrimMarker(s: string, at: number): boolean {
  return s.length - at >= 2 && s[at] === '-' && isSpace(s[at + 1]!);
}

function hasRightTrimMarker(s: string, at: number): boolean {
  return s.length - at >= 2 && isSpace(s[at]!) && s[at + 1] === '-';
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

function describeRune(r: string): string {
  // Go's %#U: U+007D '}'
  const cp = r.codePointAt(0)!;
  const u = 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(r) ? `${u} '${r}'` : u;
}

type StateFn = ((l: Lexer) => StateFn) | null;

export interface LexOptions {
  breakOK: boolean;
  continueOK: boolean;
}

class Lexer {
  input: string;
  pos = 0;
  start = 0;
  atEOF = false;
  parenDepth = 0;
  line = 1;
  startLine = 1;
  items: Item[] = [];
  insideAction = false;
  constructor(
    input: string,
    readonly options: LexOptions,
  ) {
    this.input = input;
  }

  next(): string {
    if (this.pos >= this.input.length) {
      this.atEOF = true;
      return EOF_RUNE;
    }
    const cp = this.input.codePointAt(this.pos)!;
    const r = String.fromCodePoint(cp);
    this.pos += r.length;
    if (r === '\n') this.line++;
    return r;
  }

  peek(): string {
    if (this.pos >= this.input.length) return EOF_RUNE;
    return String.fromCodePoint(this.input.codePointAt(this.pos)!);
  }

  backup(): void {
    if (!this.atEOF && this.pos > 0) {
      let w = 1;
      const c = this.input.charCodeAt(this.pos - 1);
      if (c >= 0xdc00 && c <= 0xdfff && this.pos >= 2) {
        const h = this.input.charCodeAt(this.pos - 2);
        if (h >= 0xd800 && h <= 0xdbff) w = 2;
      }
      this.pos -= w;
      if (c === 10) this.line--;
    }
    this.atEOF = false;
  }

  thisItem(t: T): Item {
    const i: Item = { typ: t, pos: this.start, val: this.input.slice(this.start, this.pos), line: this.startLine };
    this.start = this.pos;
    this.startLine = this.line;
    return i;
  }

  emit(t: T): void {
    this.emitItem(this.thisItem(t));
  }

  emitItem(i: Item): void {
    this.items.push(i);
  }

  ignore(): void {
    this.line += countNewlines(this.input.slice(this.start, this.pos));
    this.start = this.pos;
    this.startLine = this.line;
  }

  accept(valid: string): boolean {
    const r = this.next();
    if (r !== EOF_RUNE && valid.includes(r)) return true;
    this.backup();
    return false;
  }

  acceptRun(valid: string): void {
    for (;;) {
      const r = this.next();
      if (r === EOF_RUNE || !valid.includes(r)) break;
    }
    this.backup();
  }

  errorf(msg: string): StateFn {
    this.items.push({ typ: T.Error, pos: this.start, val: msg, line: this.startLine });
    this.start = 0;
    this.pos = 0;
    this.input = '';
    return null;
  }

  atRightDelim(): { delim: boolean; trimSpaces: boolean } {
    if (
      hasRightTrimMarker(this.input, this.pos) &&
      this.input.startsWith(RIGHT_DELIM, this.pos + TRIM_MARKER_LEN)
    ) {
      return { delim: true, trimSpaces: true };
    }
    if (this.input.startsWith(RIGHT_DELIM, this.pos)) return { delim: true, trimSpaces: false };
    return { delim: false, trimSpaces: false };
  }

  atTerminator(): boolean {
    const r = this.peek();
    if (isSpace(r)) return true;
    switch (r) {
      case EOF_RUNE:
      case '.':
      case ',':
      case '|':
      case ':':
      case ')':
      case '(':
        return true;
    }
    return this.input.startsWith(RIGHT_DELIM, this.pos);
  }

  scanNumber(): boolean {
    this.accept('+-');
    let digits = '0123456789_';
    if (this.accept('0')) {
      if (this.accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (this.accept('oO')) digits = '01234567_';
      else if (this.accept('bB')) digits = '01_';
    }
    this.acceptRun(digits);
    if (this.accept('.')) this.acceptRun(digits);
    if (digits.length === 10 + 1 && this.accept('eE')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    if (digits.length === 16 + 6 + 1 && this.accept('pP')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    this.accept('i');
    if (isAlphaNumeric(this.peek())) {
      this.next();
      return false;
    }
    return true;
  }
}

function lexText(l: Lexer): StateFn {
  const x = l.input.indexOf(LEFT_DELIM, l.pos);
  if (x >= 0) {
    if (x > l.pos) {
      l.pos = x;
      let trimLength = 0;
      const delimEnd = l.pos + LEFT_DELIM.length;
      if (hasLeftTrimMarker(l.input, delimEnd)) {
        const text = l.input.slice(l.start, l.pos);
        trimLength = text.length - trimRight(text).length;
      }
      l.pos -= trimLength;
      l.line += countNewlines(l.input.slice(l.start, l.pos));
      const i = l.thisItem(T.Text);
      l.pos += trimLength;
      l.ignore();
      if (i.val.length > 0) l.emitItem(i);
    }
    return lexLeftDelim;
  }
  l.pos = l.input.length;
  if (l.pos > l.start) {
    l.line += countNewlines(l.input.slice(l.start, l.pos));
    l.emit(T.Text);
  }
  l.emit(T.EOF);
  return null;
}

function trimRight(s: string): string {
  let e = s.length;
  while (e > 0 && SPACE_CHARS.includes(s[e - 1]!)) e--;
  return s.slice(0, e);
}

function leftTrimLength(s: string, at: number): number {
  let i = at;
  while (i < s.length && SPACE_CHARS.includes(s[i]!)) i++;
  return i - at;
}

function lexLeftDelim(l: Lexer): StateFn {
  l.pos += LEFT_DELIM.length;
  const trimSpace = hasLeftTrimMarker(l.input, l.pos);
  const afterMarker = trimSpace ? TRIM_MARKER_LEN : 0;
  if (l.input.startsWith(LEFT_COMMENT, l.pos + afterMarker)) {
    l.pos += afterMarker;
    l.ignore();
    return lexComment(l);
  }
  const i = l.thisItem(T.LeftDelim);
  l.insideAction = true;
  l.pos += afterMarker;
  l.ignore();
  l.parenDepth = 0;
  l.emitItem(i);
  return lexInsideAction;
}

function lexComment(l: Lexer): StateFn {
  l.pos += LEFT_COMMENT.length;
  const x = l.input.indexOf(RIGHT_COMMENT, l.pos);
  if (x < 0) return l.errorf('unclosed comment');
  l.pos = x + RIGHT_COMMENT.length;
  const { delim, trimSpaces } = l.atRightDelim();
  if (!delim) return l.errorf('comment ends before closing delimiter');
  l.line += countNewlines(l.input.slice(l.start, l.pos));
  l.thisItem(T.Comment); // comments are not emitted
  if (trimSpaces) l.pos += TRIM_MARKER_LEN;
  l.pos += RIGHT_DELIM.length;
  if (trimSpaces) l.pos += leftTrimLength(l.input, l.pos);
  l.ignore();
  return lexText;
}

function lexRightDelim(l: Lexer): StateFn {
  const { trimSpaces } = l.atRightDelim();
  if (trimSpaces) {
    l.pos += TRIM_MARKER_LEN;
    l.ignore();
  }
  l.pos += RIGHT_DELIM.length;
  const i = l.thisItem(T.RightDelim);
  if (trimSpaces) {
    l.pos += leftTrimLength(l.input, l.pos);
    l.ignore();
  }
  l.insideAction = false;
  l.emitItem(i);
  return lexText;
}

function lexInsideAction(l: Lexer): StateFn {
  const { delim } = l.atRightDelim();
  if (delim) {
    if (l.parenDepth === 0) return lexRightDelim(l);
    return l.errorf('unclosed left paren');
  }
  const r = l.next();
  if (r === EOF_RUNE) return l.errorf('unclosed action');
  if (isSpace(r)) {
    l.backup();
    return lexSpace(l);
  }
  switch (r) {
    case '=':
      l.emit(T.Assign);
      return lexInsideAction;
    case ':':
      if (l.next() !== '=') return l.errorf('expected :=');
      l.emit(T.Declare);
      return lexInsideAction;
    case '|':
      l.emit(T.Pipe);
      return lexInsideAction;
    case '"':
      return lexQuote(l);
    case '`':
      return lexRawQuote(l);
    case '$':
      return lexVariable(l);
    case "'":
      return lexChar(l);
    case '.':
      if (l.pos < l.input.length) {
        const c = l.input[l.pos]!;
        if (c < '0' || c > '9') return lexField(l);
      }
      l.backup();
      return lexNumber(l);
    case '(':
      l.emit(T.LeftParen);
      l.parenDepth++;
      return lexInsideAction;
    case ')':
      if (l.parenDepth === 0) return l.errorf('unexpected right paren');
      l.parenDepth--;
      l.emit(T.RightParen);
      return lexInsideAction;
  }
  if (r === '+' || r === '-' || (r >= '0' && r <= '9')) {
    l.backup();
    return lexNumber(l);
  }
  if (isAlphaNumeric(r)) {
    l.backup();
    return lexIdentifier(l);
  }
  const cp = r.codePointAt(0)!;
  if (cp <= 0x7f && cp >= 0x20 && cp !== 0x7f) {
    l.emit(T.Char);
    return lexInsideAction;
  }
  return l.errorf(`unrecognized character in action: ${describeRune(r)}`);
}

function lexSpace(l: Lexer): StateFn {
  let numSpaces = 0;
  for (;;) {
    const r = l.peek();
    if (!isSpace(r)) break;
    l.next();
    numSpaces++;
  }
  if (hasRightTrimMarker(l.input, l.pos - 1) && l.input.startsWith(RIGHT_DELIM, l.pos - 1 + TRIM_MARKER_LEN)) {
    l.backup();
    if (numSpaces === 1) return lexRightDelim(l);
  }
  l.emit(T.Space);
  return lexInsideAction;
}

function lexIdentifier(l: Lexer): StateFn {
  for (;;) {
    const r = l.next();
    if (r !== EOF_RUNE && isAlphaNumeric(r)) continue;
    l.backup();
    const word = l.input.slice(l.start, l.pos);
    if (!l.atTerminator()) return l.errorf(`bad character ${describeRune(r || '\u0000')}`);
    const key = KEY[word];
    if (key !== undefined && key > T.Keyword) {
      if ((key === T.Break && !l.options.breakOK) || (key === T.Continue && !l.options.continueOK)) {
        l.emit(T.Identifier);
      } else {
        l.emit(key);
      }
    } else if (word[0] === '.') {
      l.emit(T.Field);
    } else if (word === 'true' || word === 'false') {
      l.emit(T.Bool);
    } else {
      l.emit(T.Identifier);
    }
    return lexInsideAction;
  }
}

function lexField(l: Lexer): StateFn {
  return lexFieldOrVariable(l, T.Field);
}

function lexVariable(l: Lexer): StateFn {
  if (l.atTerminator()) {
    l.emit(T.Variable);
    return lexInsideAction;
  }
  return lexFieldOrVariable(l, T.Variable);
}

function lexFieldOrVariable(l: Lexer, typ: T): StateFn {
  if (l.atTerminator()) {
    l.emit(typ === T.Variable ? T.Variable : T.Dot);
    return lexInsideAction;
  }
  let r: string;
  for (;;) {
    r = l.next();
    if (r === EOF_RUNE || !isAlphaNumeric(r)) {
      l.backup();
      break;
    }
  }
  if (!l.atTerminator()) return l.errorf(`bad character ${describeRune(r || '\u0000')}`);
  l.emit(typ);
  return lexInsideAction;
}

function lexChar(l: Lexer): StateFn {
  for (;;) {
    let r = l.next();
    if (r === '\\') {
      r = l.next();
      if (r !== EOF_RUNE && r !== '\n') continue;
      return l.errorf('unterminated character constant');
    }
    if (r === EOF_RUNE || r === '\n') return l.errorf('unterminated character constant');
    if (r === "'") break;
  }
  l.emit(T.CharConstant);
  return lexInsideAction;
}

function lexNumber(l: Lexer): StateFn {
  if (!l.scanNumber()) return l.errorf(`bad number syntax: ${quote(l.input.slice(l.start, l.pos))}`);
  const sign = l.peek();
  if (sign === '+' || sign === '-') {
    if (!l.scanNumber() || l.input[l.pos - 1] !== 'i') {
      return l.errorf(`bad number syntax: ${quote(l.input.slice(l.start, l.pos))}`);
    }
    l.emit(T.Complex);
  } else {
    l.emit(T.Number);
  }
  return lexInsideAction;
}

function lexQuote(l: Lexer): StateFn {
  for (;;) {
    let r = l.next();
    if (r === '\\') {
      r = l.next();
      if (r !== EOF_RUNE && r !== '\n') continue;
      return l.errorf('unterminated quoted string');
    }
    if (r === EOF_RUNE || r === '\n') return l.errorf('unterminated quoted string');
    if (r === '"') break;
  }
  l.emit(T.String);
  return lexInsideAction;
}

function lexRawQuote(l: Lexer): StateFn {
  for (;;) {
    const r = l.next();
    if (r === EOF_RUNE) return l.errorf('unterminated raw quoted string');
    if (r === '`') break;
  }
  l.emit(T.RawString);
  return lexInsideAction;
}

/** Scans the whole input. The token list ends with an EOF or an Error item. */
export function lex(input: string, options: LexOptions): Item[] {
  const l = new Lexer(input, options);
  let state: StateFn = lexText;
  while (state) state = state(l);
  return l.items;
}
