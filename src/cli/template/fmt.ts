// A port of the parts of Go's fmt and strconv that templates reach: Sprint, Sprintln, Sprintf (verbs
// v s d q t x X o O b c U e E f F g G T and %%, flags "+-# 0", width, precision, `*` and [n]
// argument indexes, and Go's %!verb(type=value) error forms), FormatFloat and Quote.

import { goTypeName, kindOf, mapKeysSorted, structTypeName } from './value.js';

// ---------------------------------------------------------------------------------------------
// strconv.FormatFloat

interface Digits {
  d: string; // significant decimal digits, no leading zeros; '' for zero
  dp: number; // position of the decimal point relative to d
}

/** Shortest digits that round-trip (what Go's strconv produces with precision -1). */
function shortestDigits(x: number): Digits {
  if (x === 0) return { d: '', dp: 0 };
  const s = Math.abs(x).toExponential(); // "1.2345e+5": shortest round-trip digits
  const e = s.indexOf('e');
  const mant = s.slice(0, e).replace('.', '');
  const exp = Number(s.slice(e + 1));
  return { d: mant.replace(/0+$/, ''), dp: exp + 1 };
}

/** All digits of the exact binary value of |x|. */
function exactDigits(x: number): Digits {
  if (x === 0) return { d: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const bexp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (bexp === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = bexp - 1075;
  }
  let digits: string;
  let dp: number;
  if (e2 >= 0) {
    digits = (mant << BigInt(e2)).toString();
    dp = digits.length;
  } else {
    digits = (mant * 5n ** BigInt(-e2)).toString();
    dp = digits.length + e2;
  }
  const trimmed = digits.replace(/0+$/, '');
  return { d: trimmed, dp };
}

/** Rounds to nd significant digits, half to even on exact ties (strconv's decimal.Round). */
function roundDigits(a: Digits, nd: number): Digits {
  if (nd < 0) return { d: '', dp: a.dp };
  if (nd >= a.d.length) return a;
  let up: boolean;
  if (a.d[nd] === '5' && nd + 1 === a.d.length) {
    up = nd > 0 && (a.d.charCodeAt(nd - 1) - 48) % 2 === 1;
  } else {
    up = a.d[nd]! >= '5';
  }
  if (!up) {
    return { d: a.d.slice(0, nd).replace(/0+$/, ''), dp: nd === 0 ? 0 : a.dp };
  }
  // round up
  let i = nd - 1;
  while (i >= 0 && a.d[i] === '9') i--;
  if (i < 0) return { d: '1', dp: a.dp + 1 };
  return { d: a.d.slice(0, i) + String.fromCharCode(a.d.charCodeAt(i) + 1), dp: a.dp };
}

function fmtE(neg: boolean, d: Digits, prec: number, fmt: string): string {
  let out = neg ? '-' : '';
  out += d.d.length ? d.d[0] : '0';
  if (prec > 0) {
    out += '.';
    const frac = d.d.slice(1, Math.min(d.d.length, prec + 1));
    out += frac + '0'.repeat(prec - frac.length);
  }
  out += fmt;
  let exp = d.d.length === 0 ? 0 : d.dp - 1;
  out += exp < 0 ? '-' : '+';
  exp = Math.abs(exp);
  out += exp < 10 ? '0' + exp : String(exp);
  return out;
}

function fmtF(neg: boolean, d: Digits, prec: number): string {
  let out = neg ? '-' : '';
  if (d.dp > 0) {
    const m = Math.min(d.d.length, d.dp);
    out += d.d.slice(0, m) + '0'.repeat(d.dp - m);
  } else {
    out += '0';
  }
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) {
      const j = d.dp + i - 1;
      out += j >= 0 && j < d.d.length ? d.d[j] : '0';
    }
  }
  return out;
}

/** strconv.FormatFloat(x, fmt, prec, 64) for fmt in e E f g G; prec -1 means shortest. */
export function formatFloat(x: number, fmt: 'e' | 'E' | 'f' | 'g' | 'G', prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  const shortest = prec < 0;
  let digs: Digits;
  if (shortest) {
    digs = shortestDigits(x);
    switch (fmt) {
      case 'e':
      case 'E':
        prec = Math.max(digs.d.length - 1, 0);
        break;
      case 'f':
        prec = Math.max(digs.d.length - digs.dp, 0);
        break;
      default:
        prec = digs.d.length;
    }
  } else {
    const exact = exactDigits(x);
    if (fmt === 'f') {
      digs = roundDigits(exact, exact.dp + prec);
    } else {
      let n = prec;
      if (fmt === 'e' || fmt === 'E') n++;
      else if (prec === 0) prec = n = 1;
      digs = roundDigits(exact, n);
    }
  }
  switch (fmt) {
    case 'e':
    case 'E':
      return fmtE(neg, digs, prec, fmt);
    case 'f':
      return fmtF(neg, digs, prec);
    default: {
      let eprec = prec;
      if (eprec > digs.d.length && digs.d.length >= digs.dp) eprec = digs.d.length;
      if (shortest) eprec = 6;
      const exp = digs.dp - 1;
      if (exp < -4 || exp >= eprec) {
        if (prec > digs.d.length) prec = digs.d.length;
        return fmtE(neg, digs, prec - 1, fmt === 'g' ? 'e' : 'E');
      }
      if (prec > digs.dp) prec = digs.d.length;
      return fmtF(neg, digs, Math.max(prec - digs.dp, 0));
    }
  }
}

/** strconv.FormatFloat(x, 'x', prec, 64): hexadecimal mantissa and binary exponent. */
export function formatHexFloat(x: number, prec: number, upper = false): string {
  let out: string;
  if (Number.isNaN(x)) out = 'NaN';
  else if (!Number.isFinite(x)) out = x > 0 ? '+Inf' : '-Inf';
  else {
    const neg = x < 0 || Object.is(x, -0);
    let mant = 0n;
    let exp = 0;
    if (x !== 0) {
      const view = new DataView(new ArrayBuffer(8));
      view.setFloat64(0, Math.abs(x));
      const hi = view.getUint32(0);
      const bexp = (hi >>> 20) & 0x7ff;
      mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(view.getUint32(4));
      if (bexp === 0) {
        exp = -1022;
        while (mant < 1n << 52n) {
          mant <<= 1n;
          exp--;
        }
      } else {
        mant |= 1n << 52n;
        exp = bexp - 1023;
      }
    }
    // mant is 1.xxx (53 bits, leading bit 52); round the 52 fraction bits to prec hex digits.
    if (prec >= 0 && prec < 13) {
      const shift = BigInt(52 - 4 * prec);
      const half = 1n << (shift - 1n);
      const rem = mant & ((1n << shift) - 1n);
      mant >>= shift;
      if (rem > half || (rem === half && (mant & 1n) === 1n)) mant++;
      if (mant >> BigInt(4 * prec) === 2n) {
        mant >>= 1n;
        exp++;
      }
      mant <<= shift;
    }
    let frac = (mant & ((1n << 52n) - 1n)).toString(16).padStart(13, '0');
    if (prec < 0) frac = frac.replace(/0+$/, '');
    else frac = frac.slice(0, prec).padEnd(prec, '0');
    const lead = x === 0 ? '0' : '1';
    const e = Math.abs(exp);
    out = (neg ? '-' : '') + '0x' + lead + (frac ? '.' + frac : '') + 'p' + (exp < 0 ? '-' : '+') + (e < 10 ? '0' : '') + e;
  }
  return upper ? out.toUpperCase() : out;
}

// ---------------------------------------------------------------------------------------------
// strconv.Quote

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}\u0020]$/u;

function isPrint(ch: string): boolean {
  return PRINTABLE.test(ch);
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

function escapeRune(ch: string, quote: string, asciiOnly: boolean): string {
  const r = ch.codePointAt(0)!;
  if (ch === quote || ch === '\\') return '\\' + ch;
  if (asciiOnly ? r < 0x80 && isPrint(ch) : isPrint(ch)) return ch;
  switch (ch) {
    case '\x07':
      return '\\a';
    case '\b':
      return '\\b';
    case '\f':
      return '\\f';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    case '\v':
      return '\\v';
  }
  if (r < 0x20 || r === 0x7f) return '\\x' + hex(r, 2);
  if (r >= 0xd800 && r <= 0xdfff) return '\\ufffd'; // lone surrogate: invalid UTF-8 in Go terms
  if (r < 0x10000) return '\\u' + hex(r, 4);
  return '\\U' + hex(r, 8);
}

/** strconv.Quote (or QuoteToASCII when asciiOnly). */
export function quote(s: string, asciiOnly = false): string {
  let out = '"';
  for (const ch of s) out += escapeRune(ch, '"', asciiOnly);
  return out + '"';
}

/** strconv.QuoteRune. */
export function quoteRune(r: number, asciiOnly = false): string {
  if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff) || r < 0) r = 0xfffd;
  return "'" + escapeRune(String.fromCodePoint(r), "'", asciiOnly) + "'";
}

function canBackquote(s: string): boolean {
  for (const ch of s) {
    if (ch === '`' || ch === '\ufffd') return false;
    const r = ch.codePointAt(0)!;
    if (r < 0x20 && ch !== '\t') return false;
    if (r === 0x7f) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Value formatting (fmt's printer)

function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  plusV: boolean;
  sharpV: boolean;
  wid: number;
  widPresent: boolean;
  prec: number;
  precPresent: boolean;
}

function newFlags(): Flags {
  return {
    plus: false,
    minus: false,
    sharp: false,
    space: false,
    zero: false,
    plusV: false,
    sharpV: false,
    wid: 0,
    widPresent: false,
    prec: 0,
    precPresent: false,
  };
}

/** Go time.Time.String() for a Date, in UTC. */
export function formatGoTime(d: Date): string {
  if (Number.isNaN(d.getTime())) return '0001-01-01 00:00:00 +0000 UTC';
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  let s =
    `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
  const ms = d.getUTCMilliseconds();
  if (ms) s += '.' + p(ms, 3).replace(/0+$/, '');
  return s + ' +0000 UTC';
}

class Printer {
  buf = '';
  f: Flags = newFlags();

  // --- padding (fmt.pad / writePadding)
  private padding(n: number): string {
    if (n <= 0) return '';
    return (this.f.zero && !this.f.minus ? '0' : ' ').repeat(n);
  }

  pad(s: string): void {
    if (!this.f.widPresent || this.f.wid === 0) {
      this.buf += s;
      return;
    }
    const width = this.f.wid - runeCount(s);
    if (!this.f.minus) this.buf += this.padding(width) + s;
    else this.buf += s + ' '.repeat(Math.max(width, 0));
  }

  private truncate(s: string): string {
    if (this.f.precPresent) {
      const runes = Array.from(s);
      if (runes.length > this.f.prec) return runes.slice(0, this.f.prec).join('');
    }
    return s;
  }

  // --- scalars
  fmtBool(v: boolean, verb: string): void {
    if (verb === 't' || verb === 'v') this.pad(v ? 'true' : 'false');
    else this.badVerb(verb, v);
  }

  fmtInteger(v: bigint, verb: string, orig: unknown = v): void {
    switch (verb) {
      case 'v':
      case 'd':
        return this.integer(v, 10, verb, '0123456789abcdef');
      case 'b':
        return this.integer(v, 2, verb, '0123456789abcdef');
      case 'o':
      case 'O':
        return this.integer(v, 8, verb, '0123456789abcdef');
      case 'x':
        return this.integer(v, 16, verb, '0123456789abcdef');
      case 'X':
        return this.integer(v, 16, verb, '0123456789ABCDEF');
      case 'c':
        return this.pad(String.fromCodePoint(validRune(v)));
      case 'q':
        return this.pad(quoteRune(Number(v), this.f.plus));
      case 'U': {
        let s = 'U+' + (v < 0n ? '-' : '') + (v < 0n ? -v : v).toString(16).toUpperCase().padStart(4, '0');
        if (this.f.sharp && v >= 0n && v <= 0x10ffffn && isPrint(String.fromCodePoint(Number(v)))) {
          s += " '" + String.fromCodePoint(Number(v)) + "'";
        }
        return this.pad(s);
      }
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G':
        // Go rejects these for integers; JS cannot tell 2.0 from 2, so treat the number as a float.
        return this.fmtFloat(Number(v), verb);
      default:
        return this.badVerb(verb, orig);
    }
  }

  private integer(v: bigint, base: number, verb: string, digits: string): void {
    const f = this.f;
    const negative = v < 0n;
    let u = negative ? -v : v;
    let prec = 0;
    if (f.precPresent) {
      prec = f.prec;
      if (prec === 0 && u === 0n) {
        const oldZero = f.zero;
        f.zero = false;
        this.buf += this.padding(f.wid);
        f.zero = oldZero;
        return;
      }
    } else if (f.zero && !f.minus && f.widPresent) {
      prec = f.wid;
      if (negative || f.plus || f.space) prec--;
    }
    let s = '';
    const b = BigInt(base);
    if (u === 0n) s = '0';
    while (u > 0n) {
      s = digits[Number(u % b)] + s;
      u /= b;
    }
    if (s.length < prec) s = '0'.repeat(prec - s.length) + s;
    if (f.sharp) {
      if (base === 2) s = '0b' + s;
      else if (base === 8 && s[0] !== '0') s = '0' + s;
      else if (base === 16) s = (verb === 'X' ? '0X' : '0x') + s;
    }
    if (verb === 'O') s = '0o' + s;
    if (negative) s = '-' + s;
    else if (f.plus) s = '+' + s;
    else if (f.space) s = ' ' + s;
    const oldZero = f.zero;
    f.zero = false;
    this.pad(s);
    f.zero = oldZero;
  }

  fmtFloat(v: number, verb: string): void {
    let fmtc: 'e' | 'E' | 'f' | 'g' | 'G';
    let prec: number;
    switch (verb) {
      case 'v':
        fmtc = 'g';
        prec = -1;
        break;
      case 'g':
      case 'G':
        fmtc = verb;
        prec = -1;
        break;
      case 'e':
      case 'E':
        fmtc = verb;
        prec = 6;
        break;
      case 'f':
      case 'F':
        fmtc = 'f';
        prec = 6;
        break;
      case 'x':
      case 'X': {
        let num = formatHexFloat(v, this.f.precPresent ? this.f.prec : -1, verb === 'X');
        if (num[0] !== '-' && num[0] !== '+') num = (this.f.plus ? '+' : this.f.space ? ' ' : '') + num;
        return this.pad(num);
      }
      case 'd':
        if (Number.isInteger(v)) return this.fmtInteger(BigInt(v), verb);
        return this.badVerb(verb, v);
      default:
        return this.badVerb(verb, v);
    }
    if (this.f.precPresent) prec = this.f.prec;
    let num = formatFloat(v, fmtc, prec);
    if (num[0] !== '-' && num[0] !== '+') num = '+' + num;
    if (this.f.space && num[0] === '+' && !this.f.plus) num = ' ' + num.slice(1);
    if (num[1] === 'I' || num[1] === 'N') {
      const oldZero = this.f.zero;
      this.f.zero = false;
      if (num[1] === 'N' && !this.f.space && !this.f.plus) num = num.slice(1);
      this.pad(num);
      this.f.zero = oldZero;
      return;
    }
    if (this.f.sharp && !num.slice(1).includes('.')) {
      // %#g etc. keep the decimal point; a simplified version of Go's handling.
      const e = num.search(/[eE]/);
      num = e < 0 ? num + '.' : num.slice(0, e) + '.' + num.slice(e);
    }
    if (this.f.plus || num[0] !== '+') {
      if (this.f.zero && !this.f.minus && this.f.widPresent && this.f.wid > num.length) {
        this.buf += num[0];
        this.buf += '0'.repeat(this.f.wid - num.length);
        this.buf += num.slice(1);
        return;
      }
      this.pad(num);
      return;
    }
    this.pad(num.slice(1));
  }

  fmtString(v: string, verb: string): void {
    switch (verb) {
      case 'v':
        if (this.f.sharpV) return this.pad(quote(v));
        return this.pad(this.truncate(v));
      case 's':
        return this.pad(this.truncate(v));
      case 'q': {
        const s = this.truncate(v);
        if (this.f.sharp && canBackquote(s)) return this.pad('`' + s + '`');
        return this.pad(quote(s, this.f.plus));
      }
      case 'x':
      case 'X': {
        let bytes = Buffer.from(v, 'utf8');
        if (this.f.precPresent && this.f.prec < bytes.length) bytes = bytes.subarray(0, this.f.prec);
        let out = '';
        bytes.forEach((b, i) => {
          if (this.f.space && i > 0) out += ' ';
          if (this.f.sharp && (this.f.space || i === 0)) out += verb === 'x' ? '0x' : '0X';
          const h = hex(b, 2);
          out += verb === 'X' ? h.toUpperCase() : h;
        });
        return this.pad(out);
      }
      default:
        return this.badVerb(verb, v);
    }
  }

  badVerb(verb: string, v: unknown): void {
    this.buf += '%!' + verb + '(';
    if (v === undefined || v === null) {
      this.buf += '<nil>';
    } else {
      this.buf += goTypeName(v) + '=';
      const saved = this.f;
      this.f = newFlags();
      this.printValue(v, 'v', 1);
      this.f = saved;
    }
    this.buf += ')';
  }

  /** printArg: top-level argument. */
  printArg(v: unknown, verb: string): void {
    if (v === undefined || v === null) {
      if (verb === 'T' || verb === 'v') this.pad('<nil>');
      else this.badVerb(verb, v);
      return;
    }
    if (verb === 'T') {
      this.fmtStringPlain(goTypeName(v));
      return;
    }
    if (verb === 'p') {
      this.badVerb(verb, v);
      return;
    }
    this.printValue(v, verb, 0);
  }

  private fmtStringPlain(s: string): void {
    this.pad(this.truncate(s));
  }

  printValue(v: unknown, verb: string, depth: number): void {
    switch (kindOf(v)) {
      case 'invalid':
        if (depth === 0) this.buf += '<invalid reflect.Value>';
        else if (verb === 'v') this.buf += '<nil>';
        else this.badVerb(verb, undefined);
        return;
      case 'nil':
        if (depth === 0) this.printArg(null, verb);
        else this.buf += '<nil>';
        return;
      case 'bool':
        return this.fmtBool(v as boolean, verb);
      case 'int':
        return this.fmtInteger(typeof v === 'bigint' ? v : BigInt(v as number), verb, v);
      case 'float':
        return this.fmtFloat(v as number, verb);
      case 'string':
        return this.fmtString(String(v), verb);
      case 'time':
        return this.fmtString(formatGoTime(v as Date), verb === 'v' ? 's' : verb);
      case 'func':
        if (verb === 'v' || verb === 'p') this.pad('0xc000000000');
        else this.badVerb(verb, v);
        return;
      case 'slice': {
        const arr = v as unknown[];
        if (this.f.sharpV) {
          this.buf += goTypeName(v) + '{';
          arr.forEach((e, i) => {
            if (i > 0) this.buf += ', ';
            this.printValue(e, verb, depth + 1);
          });
          this.buf += '}';
          return;
        }
        this.buf += '[';
        arr.forEach((e, i) => {
          if (i > 0) this.buf += ' ';
          this.printValue(e, verb, depth + 1);
        });
        this.buf += ']';
        return;
      }
      case 'map': {
        const obj = v as Record<string, unknown>;
        this.buf += this.f.sharpV ? goTypeName(v) + '{' : 'map[';
        mapKeysSorted(obj).forEach((k, i) => {
          if (i > 0) this.buf += this.f.sharpV ? ', ' : ' ';
          this.printValue(k, verb, depth + 1);
          this.buf += ':';
          this.printValue(obj[k], verb, depth + 1);
        });
        this.buf += this.f.sharpV ? '}' : ']';
        return;
      }
      case 'struct': {
        const obj = v as Record<string, unknown>;
        if (this.f.sharpV) this.buf += structTypeName(v);
        this.buf += '{';
        mapKeysSorted(obj).forEach((k, i) => {
          if (i > 0) this.buf += this.f.sharpV ? ', ' : ' ';
          if (this.f.plusV || this.f.sharpV) this.buf += k + ':';
          this.printValue(obj[k], verb, depth + 1);
        });
        this.buf += '}';
        return;
      }
    }
  }
}

function validRune(v: bigint): number {
  if (v < 0n || v > 0x10ffffn || (v >= 0xd800n && v <= 0xdfffn)) return 0xfffd;
  return Number(v);
}

function isStringArg(v: unknown): boolean {
  return typeof v === 'string';
}

/** fmt.Sprint: operands formatted with %v, spaces between operands when neither is a string. */
export function sprint(args: unknown[]): string {
  const p = new Printer();
  let prevString = false;
  args.forEach((a, i) => {
    const isString = isStringArg(a);
    if (i > 0 && !isString && !prevString) p.buf += ' ';
    p.printArg(a, 'v');
    prevString = isString;
  });
  return p.buf;
}

/** fmt.Sprintln: spaces always between operands, and a trailing newline. */
export function sprintln(args: unknown[]): string {
  const p = new Printer();
  args.forEach((a, i) => {
    if (i > 0) p.buf += ' ';
    p.printArg(a, 'v');
  });
  return p.buf + '\n';
}

/** %v of one value, as template actions print it. */
export function formatValue(v: unknown): string {
  const p = new Printer();
  p.printArg(v, 'v');
  return p.buf;
}

function parseNum(s: string, start: number): { num: number; ok: boolean; end: number } {
  let i = start;
  let num = 0;
  while (i < s.length && s[i]! >= '0' && s[i]! <= '9') {
    if (num > 1e6) return { num: 0, ok: false, end: s.length };
    num = num * 10 + (s.charCodeAt(i) - 48);
    i++;
  }
  return { num, ok: i > start, end: i };
}

/** fmt.Sprintf. */
export function sprintf(format: string, args: unknown[]): string {
  const p = new Printer();
  let argNum = 0;
  let reordered = false;
  let goodArgNum = true;
  const end = format.length;

  const argNumber = (i: number): { i: number; found: boolean } => {
    // [n] argument index
    if (i >= end || format[i] !== '[') return { i, found: false };
    reordered = true;
    const close = format.indexOf(']', i + 1);
    if (close < 0) {
      goodArgNum = false;
      return { i: end, found: false };
    }
    const n = parseNum(format, i + 1);
    if (!n.ok || n.end !== close) {
      goodArgNum = false;
      return { i: close + 1, found: false };
    }
    const idx = n.num - 1;
    if (idx >= 0 && idx <= args.length) {
      argNum = idx;
      return { i: close + 1, found: true };
    }
    goodArgNum = false;
    return { i: close + 1, found: true };
  };

  const intFromArg = (): { n: number; ok: boolean } => {
    if (argNum >= args.length) return { n: 0, ok: false };
    const a = args[argNum]!;
    argNum++;
    if (typeof a === 'number' && Number.isInteger(a)) {
      if (Math.abs(a) > 1e6) return { n: 0, ok: false };
      return { n: a, ok: true };
    }
    if (typeof a === 'bigint') return { n: Number(a), ok: a >= -1000000n && a <= 1000000n };
    return { n: 0, ok: false };
  };

  let i = 0;
  while (i < end) {
    goodArgNum = true;
    const lasti = i;
    while (i < end && format[i] !== '%') i++;
    if (i > lasti) p.buf += format.slice(lasti, i);
    if (i >= end) break;
    i++; // skip %
    p.f = newFlags();
    const f = p.f;
    // flags
    flags: for (; i < end; i++) {
      switch (format[i]) {
        case '#':
          f.sharp = true;
          break;
        case '0':
          f.zero = true;
          break;
        case '+':
          f.plus = true;
          break;
        case '-':
          f.minus = true;
          break;
        case ' ':
          f.space = true;
          break;
        default:
          break flags;
      }
    }
    // argument index and width
    let r = argNumber(i);
    i = r.i;
    let afterIndex = r.found;
    if (i < end && format[i] === '*') {
      i++;
      const w = intFromArg();
      f.wid = w.n;
      f.widPresent = w.ok;
      if (!w.ok) p.buf += '%!(BADWIDTH)';
      if (f.wid < 0) {
        f.wid = -f.wid;
        f.minus = true;
        f.zero = false;
      }
      afterIndex = false;
    } else {
      const n = parseNum(format, i);
      f.wid = n.num;
      f.widPresent = n.ok;
      i = n.end;
      if (afterIndex && f.widPresent) goodArgNum = false;
    }
    // precision
    if (i + 1 <= end && format[i] === '.') {
      i++;
      if (afterIndex) goodArgNum = false;
      r = argNumber(i);
      i = r.i;
      afterIndex = r.found;
      if (i < end && format[i] === '*') {
        i++;
        const pr = intFromArg();
        f.prec = pr.n;
        f.precPresent = pr.ok;
        if (f.prec < 0) {
          f.prec = 0;
          f.precPresent = false;
        }
        if (!pr.ok) p.buf += '%!(BADPREC)';
        afterIndex = false;
      } else {
        const n = parseNum(format, i);
        f.prec = n.num;
        f.precPresent = true;
        i = n.end;
      }
    }
    if (!afterIndex) {
      r = argNumber(i);
      i = r.i;
      afterIndex = r.found;
    }
    if (i >= end) {
      p.buf += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      p.buf += '%';
      continue;
    }
    if (!goodArgNum) {
      p.buf += '%!' + verb + '(BADINDEX)';
      continue;
    }
    if (argNum >= args.length) {
      p.buf += '%!' + verb + '(MISSING)';
      continue;
    }
    if (verb === 'v') {
      if (f.sharp) {
        f.sharp = false;
        f.sharpV = true;
      }
      if (f.plus) {
        f.plus = false;
        f.plusV = true;
      }
    }
    p.printArg(args[argNum], verb);
    argNum++;
  }
  if (!reordered && argNum < args.length) {
    p.f = newFlags();
    p.buf += '%!(EXTRA ';
    args.slice(argNum).forEach((a, k) => {
      if (k > 0) p.buf += ', ';
      if (a === undefined || a === null) p.buf += '<nil>';
      else {
        p.buf += goTypeName(a) + '=';
        p.printArg(a, 'v');
      }
    });
    p.buf += ')';
  }
  return p.buf;
}
