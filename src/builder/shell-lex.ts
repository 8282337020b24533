// Dockerfile word processing as BuildKit's shell lexer does it (frontend/dockerfile/shell/lex.go):
// quotes, the escape token, `$VAR`/`${VAR…}` expansion with its modifiers, and word splitting.
// The builder expands instruction arguments with it; the parser uses its raw modes to find
// heredoc markers. Errors are wrapped as BuildKit wraps them, `failed to process "<word>":
// <reason>`; the reasons are BuildKit's, except where the reference dockerd (20.10, whose lexer
// knew only `${VAR:-w}`, `${VAR:+w}` and `${VAR:?w}`) rejects the input too: there its words.
import { invalidParameter } from '../common/errors.js';
import { goQuote } from './go-format.js';

export type EnvLookup = (name: string) => string | undefined;

/** The switches BuildKit flips on its Lex for special callers (heredoc detection and bodies). */
export interface LexOptions {
  /** Keep quote characters in the result (heredoc marker detection). */
  rawQuotes?: boolean;
  /** Keep escape tokens in the result (heredoc marker detection). */
  rawEscapes?: boolean;
  /** Treat quotes as plain characters (expanding a heredoc body, which is shell text). */
  skipProcessQuotes?: boolean;
  /** Leave references to unset variables as written instead of expanding them to nothing. */
  skipUnsetEnv?: boolean;
}

/** A lexer failure before it is wrapped with the word it happened in. */
class LexError extends Error {}

/** unicode.IsSpace: Go's notion of white space, which both the lexer and the parser use. */
export function isGoSpace(ch: string): boolean {
  switch (ch) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case '\u0085': case '\u00a0': case '\u1680': case '\u2028': case '\u2029':
    case '\u202f': case '\u205f': case '\u3000':
      return true;
    default:
      return ch >= '\u2000' && ch <= '\u200a';
  }
}

const isLetter = (ch: string) => /^\p{L}$/u.test(ch);
const isDigit = (ch: string) => /^\p{Nd}$/u.test(ch);

/** Characters that are whole parameter names after `$` (POSIX special parameters). */
const SPECIAL_PARAMS = new Set(['@', '*', '#', '?', '-', '$', '!', '0']);

/** Go's text/scanner over code points: `undefined` is EOF, and a leading BOM is skipped. */
class Scanner {
  private readonly chars: string[];
  private pos = 0;
  constructor(text: string) {
    this.chars = Array.from(text);
    if (this.chars[0] === '\ufeff') this.pos = 1;
  }
  peek(): string | undefined {
    return this.chars[this.pos];
  }
  next(): string | undefined {
    return this.pos < this.chars.length ? this.chars[this.pos++] : undefined;
  }
}

/**
 * Collects split words. BuildKit shares one word buffer per lexer call between nested
 * `processStopOn` calls (a `${…}` operand resets it), so a word in progress before `${X:-y}`
 * is dropped from ProcessWords' result; the shared `buf` reproduces that.
 */
class Words {
  readonly words: string[] = [];
  private inWord = false;
  constructor(private readonly buf: { text: string }) {}

  addChar(ch: string): void {
    if (isGoSpace(ch) && this.inWord) {
      if (this.buf.text.length !== 0) {
        this.words.push(this.buf.text);
        this.buf.text = '';
        this.inWord = false;
      }
    } else if (!isGoSpace(ch)) {
      this.addRawChar(ch);
    }
  }
  addRawChar(ch: string): void {
    this.buf.text += ch;
    this.inWord = true;
  }
  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }
  addRawString(s: string): void {
    this.buf.text += s;
    this.inWord = true;
  }
  finish(): string[] {
    if (this.buf.text.length > 0) {
      this.words.push(this.buf.text);
      this.buf.text = '';
      this.inWord = false;
    }
    return this.words;
  }
}

/** One lexer run over one word (BuildKit's shellWord). */
class ShellWord {
  private readonly scanner: Scanner;
  private readonly wordsBuffer = { text: '' };
  private rawEscapes: boolean;

  constructor(
    text: string,
    private readonly escapeToken: string,
    private readonly opts: LexOptions,
    private readonly env: EnvLookup,
  ) {
    this.scanner = new Scanner(text);
    this.rawEscapes = opts.rawEscapes ?? false;
  }

  run(): { result: string; words: string[] } {
    return this.processStopOn(undefined, this.rawEscapes);
  }

  /** Processes up to `stop` (undefined: end of input), which is consumed. */
  private processStopOn(stop: string | undefined, rawEscapes: boolean): { result: string; words: string[] } {
    this.wordsBuffer.text = '';
    const words = new Words(this.wordsBuffer);
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      let result = '';
      for (let ch = this.scanner.peek(); ch !== undefined; ch = this.scanner.peek()) {
        if (stop !== undefined && ch === stop) {
          this.scanner.next();
          return { result, words: words.finish() };
        }
        const special = this.special(ch);
        if (special) {
          const tmp = special();
          result += tmp;
          if (ch === '$') words.addString(tmp);
          else words.addRawString(tmp);
          continue;
        }
        let c = this.scanner.next()!;
        if (c === this.escapeToken) {
          if (this.rawEscapes) {
            words.addRawChar(c);
            result += c;
          }
          // The escape token escapes the next character; at the end of input it is dropped.
          const escaped = this.scanner.next();
          if (escaped === undefined) break;
          c = escaped;
          words.addRawChar(c);
        } else {
          words.addChar(c);
        }
        result += c;
      }
      if (stop !== undefined) throw new LexError(`unexpected end of statement while looking for matching ${stop}`);
      return { result, words: words.finish() };
    } finally {
      this.rawEscapes = saved;
    }
  }

  private special(ch: string): (() => string) | undefined {
    if (ch === '$') return () => this.processDollar();
    if (ch === '<') return () => this.processPossibleHeredoc();
    if (this.opts.skipProcessQuotes) return undefined;
    if (ch === "'") return () => this.processSingleQuote();
    if (ch === '"') return () => this.processDoubleQuote();
    return undefined;
  }

  /** Single quotes keep everything literally; nothing can be escaped inside them. */
  private processSingleQuote(): string {
    const open = this.scanner.next()!;
    let result = this.opts.rawQuotes ? open : '';
    for (;;) {
      const ch = this.scanner.next();
      if (ch === undefined) throw new LexError('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") return this.opts.rawQuotes ? result + ch : result;
      result += ch;
    }
  }

  /** Double quotes expand `$` and let the escape token escape only `"`, `$` and itself. */
  private processDoubleQuote(): string {
    const open = this.scanner.next()!;
    let result = this.opts.rawQuotes ? open : '';
    for (;;) {
      const peek = this.scanner.peek();
      if (peek === undefined) throw new LexError('unexpected end of statement while looking for matching double-quote');
      if (peek === '"') {
        const close = this.scanner.next()!;
        return this.opts.rawQuotes ? result + close : result;
      }
      if (peek === '$') {
        result += this.processDollar();
        continue;
      }
      let ch = this.scanner.next()!;
      if (ch === this.escapeToken) {
        if (this.rawEscapes) result += ch;
        const after = this.scanner.peek();
        if (after === undefined) continue;
        if (after === '"' || after === '$' || after === this.escapeToken) ch = this.scanner.next()!;
      }
      result += ch;
    }
  }

  /** `<<` keeps the blanks after it, so `<< EOF` stays one word for heredoc detection. */
  private processPossibleHeredoc(): string {
    this.scanner.next();
    if (this.scanner.peek() !== '<') return '<';
    this.scanner.next();
    let result = '<<';
    for (let ch = this.scanner.peek(); ch === ' ' || ch === '\t' || ch === '\r'; ch = this.scanner.peek()) {
      result += this.scanner.next();
    }
    return result;
  }

  private processDollar(): string {
    this.scanner.next();
    if (this.scanner.peek() !== '{') {
      const name = this.processName();
      if (name === '') return '$';
      const value = this.env(name);
      if (value === undefined && this.opts.skipUnsetEnv) return '$' + name;
      return value ?? '';
    }
    this.scanner.next();
    const first = this.scanner.peek();
    if (first === undefined) throw new LexError("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new LexError('syntax error: bad substitution');
    const name = this.processName();
    const ch = this.scanner.next();
    switch (ch) {
      case '}': {
        const value = this.env(name);
        if (value === undefined && this.opts.skipUnsetEnv) return `\${${name}}`;
        return value ?? '';
      }
      case ':': {
        const modifier = this.scanner.next();
        if (modifier === '-' || modifier === '+' || modifier === '?') return this.processModifier(name, ':' + modifier, modifier, true);
        // The reference dockerd reads the operand before rejecting the modifier (BuildKit
        // now rejects `:#`/`:%` first and says `(:x)`).
        this.operand('}', false, "syntax error: missing '}'");
        throw new LexError(`unsupported modifier (${runeText(modifier)}) in substitution`);
      }
      case '+': case '-': case '?': case '#': case '%':
        return this.processModifier(name, ch, ch, false);
      case '/':
        return this.processReplace(name);
      default:
        // The reference dockerd's text (BuildKit now says `unsupported modifier (x) in substitution`).
        throw new LexError("missing ':' in substitution");
    }
  }

  /** `${name<op>word}` for the default, alternative, required and trim operators. */
  private processModifier(name: string, chs: string, op: string, nullIsUnset: boolean): string {
    // Trim patterns keep their escapes so `\*` and `\}` reach the pattern compiler.
    const rawEscapes = op === '#' || op === '%';
    const word = this.operand('}', rawEscapes, "syntax error: missing '}'");
    const value = this.env(name);
    if (value === undefined && this.opts.skipUnsetEnv) return `\${${name}${chs}${word}}`;
    const unset = value === undefined || (nullIsUnset && value === '');
    switch (op) {
      case '-':
        return unset ? word : value!;
      case '+':
        return unset ? '' : word;
      case '?':
        if (value === undefined) throw new LexError(`${name}: ${word || 'is not allowed to be unset'}`);
        if (nullIsUnset && value === '') throw new LexError(`${name}: ${word || 'is not allowed to be empty'}`);
        return value;
      default: {
        // `#`/`%` remove the shortest match, `##`/`%%` the longest.
        const greedy = word.startsWith(op);
        const pattern = greedy ? word.slice(1) : word;
        return op === '%' ? trimSuffix(pattern, value ?? '', greedy) : trimPrefix(pattern, value ?? '', greedy);
      }
    }
  }

  /** `${name/pattern/replacement}` (first match) and `${name//pattern/replacement}` (all). */
  private processReplace(name: string): string {
    const all = this.scanner.peek() === '/';
    if (all) this.scanner.next();
    const pattern = this.operand('/', true, "syntax error: missing '/' in ${}");
    const replacement = this.operand('}', true, "syntax error: missing '}'");
    const value = this.env(name);
    if (value === undefined && this.opts.skipUnsetEnv) return `\${${name}/${pattern}/${replacement}}`;
    const re = compilePattern(pattern, true, false);
    const subject = value ?? '';
    if (all) return replaceAllGo(re, subject, replacement);
    const m = new RegExp(re.source, 'u').exec(subject);
    return m ? subject.slice(0, m.index) + replacement + subject.slice(m.index + m[0].length) : subject;
  }

  /** The text of a `${…}` operand up to `stop`; running out of input is `missing`. */
  private operand(stop: string, rawEscapes: boolean, missing: string): string {
    try {
      return this.processStopOn(stop, rawEscapes).result;
    } catch (e) {
      if (this.scanner.peek() === undefined) throw new LexError(missing);
      throw e;
    }
  }

  /** A variable name: letters, digits and `_`; or all-digit positional; or one special character. */
  private processName(): string {
    let name = '';
    for (let ch = this.scanner.peek(); ch !== undefined; ch = this.scanner.peek()) {
      if (name === '' && isDigit(ch)) {
        while (this.scanner.peek() !== undefined && isDigit(this.scanner.peek()!)) name += this.scanner.next();
        return name;
      }
      if (name === '' && SPECIAL_PARAMS.has(ch)) return this.scanner.next()!;
      if (!isLetter(ch) && !isDigit(ch) && ch !== '_') break;
      name += this.scanner.next();
    }
    return name;
  }
}

/** Go's string(rune) of what the scanner returned: EOF (-1) prints as U+FFFD. */
function runeText(ch: string | undefined): string {
  return ch ?? '\ufffd';
}

const REGEX_SPECIALS = new Set(['[', ']', '{', '}', '.', '+', '(', ')', '|', '^', '$']);

/**
 * convertShellPatternToRegex: `*` any text (shortest unless greedy), `?` one character, and
 * `\*`, `\?`, `\\` literal; `\}` and `\/` are the characters themselves. No bracket expressions.
 * Go's `.` is any character but a newline, hence `[^\n]`.
 */
function compilePattern(pattern: string, greedy: boolean, anchored: boolean): RegExp {
  const chars = Array.from(pattern);
  let out = anchored ? '^' : '';
  for (let i = 0; i < chars.length; i++) {
    const tok = chars[i]!;
    if (tok === '*') out += greedy ? '[^\\n]*' : '[^\\n]*?';
    else if (tok === '?') out += '[^\\n]';
    else if (tok === '\\') {
      const next = chars[i + 1];
      if (next === '}' || next === '/') continue;
      i++;
      if (next !== '*' && next !== '?' && next !== '\\') {
        throw new LexError(`invalid pattern (${pattern}) in substitution: invalid escape '\\${runeText(next)}'`);
      }
      out += '\\' + next;
    } else {
      out += REGEX_SPECIALS.has(tok) ? '\\' + tok : tok;
    }
  }
  return new RegExp(out, 'gu');
}

function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const m = new RegExp(compilePattern(pattern, greedy, true).source, 'u').exec(value);
  return m ? value.slice(m.index + m[0].length) : value;
}

/** Regular expressions cannot find the shortest rightmost match, so both sides are reversed. */
function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  const reversed = trimPrefix(reversePattern(pattern), reverseString(value), greedy);
  return reverseString(reversed);
}

function reverseString(s: string): string {
  return Array.from(s).reverse().join('');
}

/** Reverses a pattern but keeps each escape before the character it escapes. */
function reversePattern(pattern: string): string {
  const chars = Array.from(pattern);
  const out: string[] = new Array<string>(chars.length);
  const last = chars.length - 1;
  for (let i = 0; i <= last; ) {
    const at = last - i;
    if (chars[i] === '\\' && i !== last) {
      out[at - 1] = '\\';
      out[at] = chars[i + 1]!;
      i += 2;
    } else {
      out[at] = chars[i]!;
      i++;
    }
  }
  return out.join('');
}

/**
 * Go's Regexp.ReplaceAllString: empty matches right after a match are skipped, and the
 * replacement is a template (`$0`/`${0}` the match, other names empty, `$$` a dollar).
 */
function replaceAllGo(re: RegExp, src: string, template: string): string {
  let out = '';
  let lastEnd = 0;
  let search = 0;
  while (search <= src.length) {
    re.lastIndex = search;
    const m = re.exec(src);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    out += src.slice(lastEnd, start);
    if (end > lastEnd || start === 0) out += expandTemplate(template, m[0]);
    lastEnd = end;
    const width = search < src.length ? String.fromCodePoint(src.codePointAt(search)!).length : 0;
    if (search + width > end) search += width;
    else if (search + 1 > end) search++;
    else search = end;
  }
  return out + src.slice(lastEnd);
}

function expandTemplate(template: string, match: string): string {
  let out = '';
  let rest = template;
  for (let i = rest.indexOf('$'); i >= 0; i = rest.indexOf('$')) {
    out += rest.slice(0, i);
    rest = rest.slice(i + 1);
    if (rest.startsWith('$')) {
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    const ref = /^(?:\{([\p{L}\p{Nd}_]+)\}|([\p{L}\p{Nd}_]+))/u.exec(rest);
    if (!ref) {
      out += '$';
      continue;
    }
    rest = rest.slice(ref[0].length);
    const name = ref[1] ?? ref[2]!;
    if (name === '0') out += match;
  }
  return out + rest;
}

/** Shell-like word processing with a Dockerfile's escape token (`\` or backtick). */
export class ShellLex {
  constructor(
    readonly escapeToken: '\\' | '`',
    private readonly opts: LexOptions = {},
  ) {}

  /** One word: quotes removed, escapes processed, variables expanded (ProcessWord). */
  processWord(word: string, env: EnvLookup): string {
    return this.process(word, env).result;
  }

  /** The word split into words after expansion, quotes protecting spaces (ProcessWords). */
  processWords(word: string, env: EnvLookup): string[] {
    return this.process(word, env).words;
  }

  private process(word: string, env: EnvLookup): { result: string; words: string[] } {
    try {
      return new ShellWord(word, this.escapeToken, this.opts, env).run();
    } catch (e) {
      if (e instanceof LexError) throw invalidParameter(`failed to process ${goQuote(word)}: ${e.message}`);
      throw e;
    }
  }
}
