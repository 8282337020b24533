// Template functions: Go's text/template builtins plus the ones docker/cli's templates package adds
// (json, split, join, title, lower, upper, pad, truncate), and docker's header variants used to
// render table headers.

import { type FuncDef, type FuncMap, evalArgsString } from './exec.js';
import { formatValue, sprint, sprintf, sprintln } from './fmt.js';
import { goJson } from './json.js';
import { goTypeName, isTrue, kindOf, objectKeys, utf8Length } from './value.js';

// ---- comparison (text/template funcs.go)

type BasicKind = 'bool' | 'number' | 'string' | 'invalid' | 'other';

function basicKind(v: unknown): BasicKind {
  switch (kindOf(v)) {
    case 'bool':
      return 'bool';
    case 'int':
    case 'float':
      return 'number';
    case 'string':
      return 'string';
    case 'invalid':
    case 'nil':
      return 'invalid';
    default:
      return 'other';
  }
}

const errBadComparisonType = 'invalid type for comparison';
const errBadComparison = 'incompatible types for comparison';
const errNoComparison = 'missing argument for comparison';

function numeric(v: unknown): number | bigint {
  return typeof v === 'bigint' ? v : (v as number);
}

function eq(arg1: unknown, ...arg2: unknown[]): boolean {
  if (arg2.length === 0) throw new Error(errNoComparison);
  const k1 = basicKind(arg1);
  for (const arg of arg2) {
    const k2 = basicKind(arg);
    let truth = false;
    if (k1 !== k2) {
      if (k1 !== 'invalid' && k2 !== 'invalid') throw new Error(errBadComparison);
    } else {
      switch (k1) {
        case 'bool':
        case 'string':
          truth = arg1 === arg;
          break;
        case 'number':
          truth = numeric(arg1) == numeric(arg); // loose: 1n == 1
          break;
        case 'invalid':
          truth = true;
          break;
        default: {
          const k = kindOf(arg);
          if (k === 'slice' || k === 'map' || k === 'func') {
            throw new Error(`non-comparable type ${sprintf('%s', [arg])}: ${goTypeName(arg)}`);
          }
          if (kindOf(arg1) === 'time' && k === 'time') truth = (arg1 as Date).getTime() === (arg as Date).getTime();
          else truth = arg1 === arg;
        }
      }
    }
    if (truth) return true;
  }
  return false;
}

function lt(arg1: unknown, arg2: unknown): boolean {
  const k1 = basicKind(arg1);
  if (k1 === 'invalid' || k1 === 'other') throw new Error(errBadComparisonType);
  const k2 = basicKind(arg2);
  if (k2 === 'invalid' || k2 === 'other') throw new Error(errBadComparisonType);
  if (k1 !== k2) throw new Error(errBadComparison);
  if (k1 === 'bool') throw new Error(errBadComparisonType);
  if (k1 === 'number') return numeric(arg1) < numeric(arg2);
  return (arg1 as string) < (arg2 as string);
}

function le(a: unknown, b: unknown): boolean {
  return lt(a, b) || eq(a, b);
}

// ---- index / slice / len

function indexArg(index: unknown, cap: number): number {
  let x: number;
  if (typeof index === 'number' && Number.isInteger(index)) x = index;
  else if (typeof index === 'bigint') x = Number(index);
  else if (index === undefined || index === null) throw new Error('cannot index slice/array with nil');
  else throw new Error(`cannot index slice/array with type ${goTypeName(index)}`);
  if (x < 0 || x > cap) throw new Error(`index out of range: ${x}`);
  return x;
}

/** Zero value for a missing key: "" for string-valued maps (Go's map[string]string, e.g. labels). */
function missingMapValue(obj: Record<string, unknown>): unknown {
  const keys = objectKeys(obj, false);
  return keys.every((k) => typeof obj[k] === 'string') ? '' : undefined;
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined) throw new Error('index of untyped nil');
  for (const idx of indexes) {
    if (item === undefined) throw new Error('index of nil pointer');
    switch (kindOf(item)) {
      case 'slice':
      case 'string': {
        const isString = typeof item === 'string';
        const len = isString ? utf8Length(item as string) : (item as unknown[]).length;
        const x = indexArg(idx, len);
        if (x === len) throw new Error(`reflect: ${isString ? 'string' : 'slice'} index out of range`);
        item = isString ? Buffer.from(item as string, 'utf8')[x] : (item as unknown[])[x];
        break;
      }
      case 'map':
      case 'struct': {
        if (typeof idx !== 'string') {
          if (idx === undefined || idx === null) throw new Error('value is nil; should be of type string');
          throw new Error(`value has type ${goTypeName(idx)}; should be string`);
        }
        const obj = item as Record<string, unknown>;
        const v = Object.prototype.hasOwnProperty.call(obj, idx) ? obj[idx] : undefined;
        item = v !== undefined ? v : missingMapValue(obj);
        break;
      }
      case 'nil':
        // A nil map (JSON null): every key is missing.
        if (typeof idx === 'string') {
          item = '';
          break;
        }
        throw new Error(`index out of range: ${formatValue(idx)}`);
      default:
        throw new Error(`can't index item of type ${goTypeName(item)}`);
    }
  }
  return item;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  let len: number;
  if (typeof item === 'string') {
    if (indexes.length === 3) throw new Error('cannot 3-index slice a string');
    len = utf8Length(item);
  } else if (Array.isArray(item)) {
    len = item.length;
  } else {
    throw new Error(`can't slice item of type ${goTypeName(item)}`);
  }
  const idx = [0, len, len];
  indexes.forEach((x, i) => (idx[i] = indexArg(x, len)));
  if (idx[0]! > idx[1]!) throw new Error(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1]! > idx[2]!) throw new Error(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (typeof item === 'string') return Buffer.from(item, 'utf8').subarray(idx[0], idx[1]).toString('utf8');
  return item.slice(idx[0], idx[1]);
}

function length(item: unknown): number {
  switch (kindOf(item)) {
    case 'string':
      return utf8Length(item as string);
    case 'slice':
      return (item as unknown[]).length;
    case 'map':
      return objectKeys(item as object, false).length;
    case 'nil':
      return 0;
    case 'invalid':
      throw new Error('reflect: call of reflect.Value.Type on zero Value');
    default:
      throw new Error(`len of type ${goTypeName(item)}`);
  }
}

function call(name: string, fn: unknown, ...args: unknown[]): unknown {
  if (fn === undefined || fn === null) throw new Error('call of nil');
  if (typeof fn !== 'function') throw new Error(`non-function ${name} of type ${goTypeName(fn)}`);
  return (fn as (...a: unknown[]) => unknown)(...args);
}

// ---- escaping

function htmlEscape(s: string): string {
  return s.replace(/[<>&'"\0]/g, (c) =>
    c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : c === "'" ? '&#39;' : c === '"' ? '&#34;' : '\ufffd',
  );
}

function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    switch (ch) {
      case '\\':
        out += '\\\\';
        continue;
      case "'":
        out += "\\'";
        continue;
      case '"':
        out += '\\"';
        continue;
      case '<':
        out += '\\u003C';
        continue;
      case '>':
        out += '\\u003E';
        continue;
      case '&':
        out += '\\u0026';
        continue;
      case '=':
        out += '\\u003D';
        continue;
    }
    if (r < 0x20) out += '\\u00' + r.toString(16).toUpperCase().padStart(2, '0');
    else if (r >= 0x80 && !/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) {
      out += '\\u' + r.toString(16).toUpperCase().padStart(4, '0');
    } else out += ch;
  }
  return out;
}

function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

// ---- strings (Go's strings package, rune by rune)

function mapRunes(s: string, f: (ch: string) => string): string {
  let out = '';
  for (const ch of s) {
    const m = f(ch);
    out += Array.from(m).length === 1 ? m : ch; // Go maps single runes; no "ß" -> "SS" expansion
  }
  return out;
}

function isSeparator(ch: string): boolean {
  const r = ch.codePointAt(0)!;
  if (r <= 0x7f) return !/[0-9A-Za-z_]/.test(ch);
  if (/[\p{L}\p{Nd}]/u.test(ch)) return false;
  return /\s/u.test(ch);
}

/** strings.Title: upper-cases the first letter of each word. */
export function goTitle(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    if (isSeparator(prev)) {
      const u = ch.toUpperCase();
      out += Array.from(u).length === 1 ? u : ch;
    } else out += ch;
    prev = ch;
  }
  return out;
}

function goSplit(s: string, sep: string): string[] {
  if (sep === '') return Array.from(s);
  return s.split(sep);
}

function repeat(s: string, n: number): string {
  if (n < 0) throw new Error('strings: negative Repeat count');
  return s.repeat(n);
}

function truncateBytes(source: string, length: number): string {
  const b = Buffer.from(source, 'utf8');
  if (b.length < length) return source;
  if (length < 0) throw new Error(`runtime error: slice bounds out of range [:${length}]`);
  return b.subarray(0, length).toString('utf8');
}

/** docker's `json` template function: compact, no HTML escaping; "" when the value can't be encoded. */
function dockerJson(v: unknown): string {
  try {
    return goJson(v === undefined ? null : v, { escapeHTML: false });
  } catch {
    return '';
  }
}

const f = (params: FuncDef['params'], fn: FuncDef['fn'], variadic?: FuncDef['variadic']): FuncDef =>
  variadic === undefined ? { params, fn } : { params, fn, variadic };

/** text/template's predefined functions. */
export const builtinFuncs: FuncMap = {
  and: f(['value'], () => undefined, 'value'), // short-circuited by the executor
  or: f(['value'], () => undefined, 'value'),
  call: f(['value'], (name: string, fn: unknown, ...args: unknown[]) => call(name, fn, ...args), 'value'),
  html: f([], (...a: unknown[]) => htmlEscape(evalArgsString(a)), 'any'),
  index: f(['value'], index, 'value'),
  slice: f(['value'], slice, 'value'),
  js: f([], (...a: unknown[]) => jsEscape(evalArgsString(a)), 'any'),
  len: f(['value'], length),
  not: f(['value'], (v: unknown) => !isTrue(v)),
  print: f([], (...a: unknown[]) => sprint(a), 'any'),
  printf: f(['string'], (format: string, ...a: unknown[]) => sprintf(format, a), 'any'),
  println: f([], (...a: unknown[]) => sprintln(a), 'any'),
  urlquery: f([], (...a: unknown[]) => queryEscape(evalArgsString(a)), 'any'),
  eq: f(['value'], eq, 'value'),
  ge: f(['value', 'value'], (a: unknown, b: unknown) => !lt(a, b)),
  gt: f(['value', 'value'], (a: unknown, b: unknown) => !le(a, b)),
  le: f(['value', 'value'], le),
  lt: f(['value', 'value'], lt),
  ne: f(['value', 'value'], (a: unknown, b: unknown) => !eq(a, b)),
};

/** docker/cli templates.basicFunctions. */
export const dockerFuncs: FuncMap = {
  json: f(['any'], dockerJson),
  split: f(['string', 'string'], goSplit),
  join: f(['strings', 'string'], (elems: string[] | null, sep: string) => (elems ?? []).join(sep)),
  title: f(['string'], goTitle),
  lower: f(['string'], (s: string) => mapRunes(s, (c) => c.toLowerCase())),
  upper: f(['string'], (s: string) => mapRunes(s, (c) => c.toUpperCase())),
  pad: f(['string', 'int', 'int'], (s: string, prefix: number, suffix: number) =>
    s === '' ? s : repeat(' ', prefix) + s + repeat(' ', suffix),
  ),
  truncate: f(['string', 'int'], truncateBytes),
};

/** docker/cli templates.HeaderFunctions: keep header names intact when a column uses a function. */
export const headerFuncs: FuncMap = {
  json: f(['string'], (v: string) => v),
  split: f(['string', 'string'], (v: string) => v),
  join: f(['string', 'string'], (v: string) => v),
  title: f(['string'], (v: string) => v),
  lower: f(['string'], (v: string) => v),
  upper: f(['string'], (v: string) => v),
  truncate: f(['string', 'int'], (v: string) => v),
};
