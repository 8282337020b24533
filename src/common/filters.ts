// Engine API filters: a port of moby's api/types/filters (parse.go, errors.go), the CLI's
// `--filter key=value` parsing (docker/cli opts.FilterOpt), and moby's api/types/time GetTimestamp /
// ParseTimestamps used by `until=` / `since=` (with Go's time.ParseDuration and the time.Parse layouts
// that GetTimestamp relies on).
//
// Errors are BerthErrors with code 'InvalidParameter' and moby's text.

import { invalidParameter } from './errors.js';

/** moby's invalidFilter.Error(): `invalid filter`, `invalid filter 'key'`, `invalid filter 'key=[a b]'`. */
function invalidFilterMessage(filter?: string, values?: string[]): string {
  let msg = 'invalid filter';
  if (filter) {
    msg += ` '${filter}`;
    if (values !== undefined) msg += `=[${values.join(' ')}]`;
    msg += "'";
  }
  return msg;
}

/** The CLI's error for a `--filter` value without `=`. */
export const BAD_FILTER_FORMAT = 'bad format of filter (expected name=value)';

/**
 * moby's filters.Args: a mapping of keys to sets of values. Values carry the boolean of the wire form
 * (`{"key":{"value":true}}`); `get` lists every value whatever its boolean (as moby), exact matching
 * honours it (as moby's map lookup does).
 */
export class Filters {
  private readonly fields = new Map<string, Map<string, boolean>>();
  private regexCache?: Map<string, RegExp | null>;

  constructor(init?: Iterable<readonly [string, string]> | Record<string, Iterable<string>>) {
    if (init === undefined) return;
    if (Symbol.iterator in Object(init)) {
      for (const [k, v] of init as Iterable<readonly [string, string]>) this.add(k, v);
    } else {
      for (const [k, vs] of Object.entries(init as Record<string, Iterable<string>>)) {
        this.fields.set(k, new Map());
        for (const v of vs) this.add(k, v);
      }
    }
  }

  /** Args.Keys. */
  keys(): string[] {
    return [...this.fields.keys()];
  }

  /** Args.Len: the number of keys. */
  len(): number {
    return this.fields.size;
  }

  /** Args.Get: the values of `key` ([] when absent). */
  get(key: string): string[] {
    const values = this.fields.get(key);
    return values ? [...values.keys()] : [];
  }

  /** Args.Add. */
  add(key: string, value: string): this {
    let values = this.fields.get(key);
    if (!values) this.fields.set(key, (values = new Map()));
    values.set(value, true);
    return this;
  }

  /** Args.Del: removes a value, and the key once it has none. */
  del(key: string, value: string): this {
    const values = this.fields.get(key);
    if (values) {
      values.delete(value);
      if (values.size === 0) this.fields.delete(key);
    }
    return this;
  }

  /** Args.Contains: whether the key is present (even with no values). */
  contains(key: string): boolean {
    return this.fields.has(key);
  }

  /** Alias of `contains`. */
  has(key: string): boolean {
    return this.fields.has(key);
  }

  /** Args.ExactMatch: true when no values are set for `key`, or `source` is one of them. */
  exactMatch(key: string, source: string): boolean {
    const values = this.fields.get(key);
    if (!values || values.size === 0) return true;
    return values.get(source) === true;
  }

  /** Args.UniqueExactMatch: true when no values are set, or there is exactly one and it is `source`. */
  uniqueExactMatch(key: string, source: string): boolean {
    const values = this.fields.get(key);
    if (!values || values.size === 0) return true;
    if (values.size !== 1) return false;
    return values.get(source) === true;
  }

  /** Args.FuzzyMatch: exact match, or `source` starts with one of the values. */
  fuzzyMatch(key: string, source: string): boolean {
    if (this.exactMatch(key, source)) return true;
    for (const prefix of this.fields.get(key)?.keys() ?? []) {
      if (source.startsWith(prefix)) return true;
    }
    return false;
  }

  /**
   * Args.Match: exact match, or one of the values, as an (unanchored) regular expression, matches
   * `source`. Values that are not valid expressions are skipped. JavaScript RegExp syntax stands in for
   * Go's RE2 (the common subset behaves the same).
   */
  match(key: string, source: string): boolean {
    if (this.exactMatch(key, source)) return true;
    for (const pattern of this.fields.get(key)?.keys() ?? []) {
      const re = this.regex(pattern);
      if (re && re.test(source)) return true;
    }
    return false;
  }

  private regex(pattern: string): RegExp | null {
    this.regexCache ??= new Map();
    let re = this.regexCache.get(pattern);
    if (re === undefined) {
      try {
        re = new RegExp(pattern);
      } catch {
        re = null;
      }
      this.regexCache.set(pattern, re);
    }
    return re;
  }

  /**
   * Args.MatchKVList (label filters): true when no values are set for `key`; otherwise every value
   * `k` or `k=v` must be satisfied by `sources`.
   */
  matchKVList(key: string, sources: Record<string, string> | Map<string, string> | undefined): boolean {
    const values = this.fields.get(key);
    if (!values || values.size === 0) return true;
    const map = sources instanceof Map ? sources : new Map(Object.entries(sources ?? {}));
    if (map.size === 0) return false;
    for (const value of values.keys()) {
      const eq = value.indexOf('=');
      const testK = eq < 0 ? value : value.slice(0, eq);
      if (!map.has(testK)) return false;
      if (eq >= 0 && value.slice(eq + 1) !== map.get(testK)) return false;
    }
    return true;
  }

  /**
   * Args.GetBoolOrDefault: `def` when the key is absent; true for `1`/`true`, false for `0`/`false`.
   * No values, or neither/both kinds → `invalid filter 'key'` / `invalid filter 'key=[v ...]'`.
   */
  getBoolOrDefault(key: string, def: boolean): boolean {
    const values = this.fields.get(key);
    if (!values) return def;
    if (values.size === 0) throw invalidParameter(invalidFilterMessage(key));
    const isFalse = values.get('0') === true || values.get('false') === true;
    const isTrue = values.get('1') === true || values.get('true') === true;
    if (isFalse === isTrue) throw invalidParameter(invalidFilterMessage(key, this.get(key)));
    return isTrue;
  }

  /** Args.Validate: every key must be accepted, else `invalid filter 'key'`. */
  validate(accepted: Iterable<string> | Record<string, boolean>): void {
    const ok =
      Symbol.iterator in Object(accepted)
        ? new Set(accepted as Iterable<string>)
        : new Set(Object.entries(accepted as Record<string, boolean>).filter(([, v]) => v).map(([k]) => k));
    for (const key of this.fields.keys()) {
      if (!ok.has(key)) throw invalidParameter(invalidFilterMessage(key));
    }
  }

  /** Args.WalkValues: calls `op` for each value of `key`; an exception stops the walk. */
  walkValues(key: string, op: (value: string) => void): void {
    for (const v of this.get(key)) op(v);
  }

  /** Args.Clone. */
  clone(): Filters {
    const out = new Filters();
    for (const [k, values] of this.fields) out.fields.set(k, new Map(values));
    return out;
  }

  /** The wire form `{"key":{"value":true}}`, keys sorted as Go's encoding/json does. */
  toObject(): Record<string, Record<string, boolean>> {
    const out: Record<string, Record<string, boolean>> = {};
    for (const k of [...this.fields.keys()].sort()) {
      const inner: Record<string, boolean> = {};
      for (const v of [...this.fields.get(k)!.keys()].sort()) inner[v] = this.fields.get(k)!.get(v)!;
      out[k] = inner;
    }
    return out;
  }

  /** Args.MarshalJSON (`{}` when empty). */
  toJSON(): Record<string, Record<string, boolean>> {
    return this.toObject();
  }

  /** @internal Used by parseFilters. */
  static fromFields(fields: Map<string, Map<string, boolean>>): Filters {
    const out = new Filters();
    for (const [k, v] of fields) out.fields.set(k, v);
    return out;
  }
}

/** Go's encoding/json escapes <, >, & and U+2028/U+2029. */
function goJSON(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * filters.FromJSON: '' / undefined → no filters; the modern form `{"key":{"value":true}}` or the legacy
 * one `{"key":["value"]}` (API < 1.22); anything else → `invalid filter`. JSON nulls decode as Go
 * would (a null set is an empty set; a null boolean is false; a null string is '').
 */
export function parseFilters(json: string | undefined | null): Filters {
  if (json === undefined || json === null || json === '') return new Filters();
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw invalidParameter(invalidFilterMessage());
  }
  if (raw === null) return new Filters();
  if (!isPlainObject(raw)) throw invalidParameter(invalidFilterMessage());

  // Modern form: map[string]map[string]bool.
  const modern = new Map<string, Map<string, boolean>>();
  let modernOk = true;
  for (const [k, v] of Object.entries(raw)) {
    if (v === null) {
      modern.set(k, new Map());
      continue;
    }
    if (!isPlainObject(v)) {
      modernOk = false;
      break;
    }
    const values = new Map<string, boolean>();
    for (const [vk, b] of Object.entries(v)) {
      if (b === null) values.set(vk, false);
      else if (typeof b === 'boolean') values.set(vk, b);
      else {
        modernOk = false;
        break;
      }
    }
    if (!modernOk) break;
    modern.set(k, values);
  }
  if (modernOk) return Filters.fromFields(modern);

  // Legacy form: map[string][]string.
  const legacy = new Map<string, Map<string, boolean>>();
  for (const [k, v] of Object.entries(raw)) {
    const values = new Map<string, boolean>();
    if (v !== null) {
      if (!Array.isArray(v)) throw invalidParameter(invalidFilterMessage());
      for (const s of v) {
        if (s === null) values.set('', true);
        else if (typeof s === 'string') values.set(s, true);
        else throw invalidParameter(invalidFilterMessage());
      }
    }
    legacy.set(k, values);
  }
  return Filters.fromFields(legacy);
}

/**
 * filters.ToJSON: '' when there are no filters, else `{"key":{"value":true}}` (sorted keys, Go
 * escaping). With `legacy` (filters.ToParamWithVersion for API < 1.22): `{"key":["value"]}`, listing
 * only values whose boolean is true.
 */
export function encodeFilters(
  filters: Filters | Record<string, Iterable<string>> | Map<string, Iterable<string>>,
  opts: { legacy?: boolean } = {},
): string {
  const f =
    filters instanceof Filters ? filters : new Filters(filters instanceof Map ? Object.fromEntries(filters) : filters);
  if (f.len() === 0) return '';
  const obj = f.toObject();
  if (opts.legacy) {
    const legacy: Record<string, string[]> = {};
    for (const [k, values] of Object.entries(obj)) legacy[k] = Object.keys(values).filter((v) => values[v]);
    return goJSON(legacy);
  }
  return goJSON(obj);
}

/**
 * The CLI's `--filter key=value` (opts.FilterOpt.Set): '' is ignored; no `=` → `bad format of filter
 * (expected name=value)`; the key is trimmed and lowercased, the value trimmed. Adds to (and returns)
 * `prev`, or a new Filters.
 */
export function parseFilterFlag(arg: string, prev: Filters = new Filters()): Filters {
  if (arg === '') return prev;
  const eq = arg.indexOf('=');
  if (eq < 0) throw invalidParameter(BAD_FILTER_FORMAT);
  const name = arg.slice(0, eq).trim().toLowerCase();
  const value = arg.slice(eq + 1).trim();
  return prev.add(name, value);
}

// ---------------------------------------------------------------------------------------------
// Timestamps (moby api/types/time)

const NS_PER = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 micro sign
  'μs': 1_000n, // U+03BC Greek small letter mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
} as const satisfies Record<string, bigint>;

const MAX_INT64 = (1n << 63n) - 1n;
/** The time package's quote(): `"` and `\` escaped, bytes of control and non-ASCII characters as `\xNN`. */
function goQuote(s: string): string {
  let out = '"';
  for (const c of s) {
    const cp = c.codePointAt(0)!;
    if (cp >= 0x80 || cp < 0x20) {
      for (const b of Buffer.from(c, 'utf8')) out += '\\x' + b.toString(16).padStart(2, '0');
    } else {
      if (c === '"' || c === '\\') out += '\\';
      out += c;
    }
  }
  return out + '"';
}

/**
 * Go's time.ParseDuration, in nanoseconds: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+` with units ns, us/µs/μs,
 * ms, s, m, h (`1h30m`, `1.5h`, `-10m`, `0`). Errors carry Go's text (`time: invalid duration "x"`,
 * `time: missing unit in duration "1"`, `time: unknown unit "d" in duration "1d"`).
 */
export function parseGoDuration(s: string): bigint {
  const orig = s;
  const invalid = () => invalidParameter(`time: invalid duration ${goQuote(orig)}`);
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let d = 0n;
  const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) throw invalid();
    // [0-9]*
    let i = 0;
    while (isDigit(s[i])) i++;
    const pre = i > 0;
    let v = pre ? BigInt(s.slice(0, i)) : 0n;
    if (v > 1n << 63n) throw invalid(); // leadingInt overflow
    s = s.slice(i);
    // (\.[0-9]*)?
    let post = false;
    let frac = '';
    if (s !== '' && s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      while (isDigit(s[j])) j++;
      post = j > 0;
      frac = s.slice(0, j);
      s = s.slice(j);
    }
    if (!pre && !post) throw invalid();
    // unit
    let u = 0;
    while (u < s.length && !(s[u] === '.' || isDigit(s[u]))) u++;
    if (u === 0) throw invalidParameter(`time: missing unit in duration ${goQuote(orig)}`);
    const unitName = s.slice(0, u);
    s = s.slice(u);
    const unit = (NS_PER as Record<string, bigint>)[unitName];
    if (unit === undefined) {
      throw invalidParameter(`time: unknown unit ${goQuote(unitName)} in duration ${goQuote(orig)}`);
    }
    if (v > (1n << 63n) / unit) throw invalid();
    v *= unit;
    if (frac !== '') {
      // leadingFraction: a uint64 that keeps digits while they fit, then float64 math as Go does.
      let f = 0n;
      let scale = 1;
      let overflow = false;
      for (const c of frac) {
        if (overflow) continue;
        if (f > MAX_INT64 / 10n) {
          overflow = true;
          continue;
        }
        const y = f * 10n + BigInt(c.charCodeAt(0) - 48);
        if (y > 1n << 63n) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      if (f > 0n) {
        v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
        if (v > 1n << 63n) throw invalid();
      }
    }
    d += v;
    if (d > 1n << 63n) throw invalid();
  }
  if (neg) return -d;
  if (d > MAX_INT64) throw invalid();
  return d;
}

// time.Parse layouts used by GetTimestamp, as token lists.
type Std = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'frac9' | 'tz';
type Tok = { lit: string } | { std: Std; str: string };
const STD: Record<string, Std> = {
  '2006': 'year',
  '01': 'month',
  '02': 'day',
  '15': 'hour',
  '04': 'minute',
  '05': 'second',
  '.999999999': 'frac9',
  'Z07:00': 'tz',
};

function tokenize(layout: string): Tok[] {
  const out: Tok[] = [];
  const re = /2006|01|02|15|04|05|\.999999999|Z07:00/g;
  let last = 0;
  for (let m = re.exec(layout); m; m = re.exec(layout)) {
    if (m.index > last) out.push({ lit: layout.slice(last, m.index) });
    out.push({ std: STD[m[0]], str: m[0] });
    last = m.index + m[0].length;
  }
  if (last < layout.length) out.push({ lit: layout.slice(last) });
  return out;
}

const LAYOUTS = {
  rfc3339Local: '2006-01-02T15:04:05',
  rfc3339NanoLocal: '2006-01-02T15:04:05.999999999',
  dateWithZone: '2006-01-02Z07:00',
  dateLocal: '2006-01-02',
  rfc3339: '2006-01-02T15:04:05Z07:00',
  rfc3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
} as const;

const isDigitAt = (s: string, i: number) => i < s.length && s[i] >= '0' && s[i] <= '9';
const commaOrPeriod = (c: string | undefined) => c === '.' || c === ',';

function daysIn(month: number, year: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

/** Days since 1970-01-01 of a proleptic Gregorian date. */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

class GoParseError extends Error {}

/**
 * Go's time.Parse / time.ParseInLocation (with a fixed zone of `defaultOffset` seconds east of UTC) for
 * the numeric layouts above. Returns Unix seconds and nanoseconds (0 ≤ nanos < 1e9).
 */
function goParseTime(layout: string, value: string, defaultOffset: number): { sec: number; nsec: number } {
  const toks = tokenize(layout);
  const avalue = value;
  const parseErr = (layoutElem: string, valueElem: string) =>
    new GoParseError(
      `parsing time ${goQuote(avalue)} as ${goQuote(layout)}: cannot parse ${goQuote(valueElem)} as ${goQuote(layoutElem)}`,
    );
  const msgErr = (msg: string) => new GoParseError(`parsing time ${goQuote(avalue)}${msg}`);
  let year = 0;
  let month = -1;
  let day = -1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nsec = 0;
  let zoneOffset: number | undefined;
  const getnum = (s: string, fixed: boolean): [number, string] | undefined => {
    if (!isDigitAt(s, 0)) return undefined;
    if (!isDigitAt(s, 1)) return fixed ? undefined : [s.charCodeAt(0) - 48, s.slice(1)];
    return [(s.charCodeAt(0) - 48) * 10 + (s.charCodeAt(1) - 48), s.slice(2)];
  };
  const parseNanos = (v: string, nbytes: number): number | undefined => {
    if (!commaOrPeriod(v[0])) return undefined;
    if (nbytes > 10) nbytes = 10;
    const digits = v.slice(1, nbytes);
    if (!/^[0-9]+$/.test(digits)) return undefined;
    return Number(digits) * 10 ** (10 - nbytes);
  };

  let i = 0;
  for (;;) {
    // literal prefix
    let prefix = '';
    while (i < toks.length && 'lit' in toks[i]) prefix += (toks[i++] as { lit: string }).lit;
    for (let k = 0; k < prefix.length; k++) {
      if (value.length === 0 || value[0] !== prefix[k]) throw parseErr(prefix, value);
      value = value.slice(1);
    }
    if (i >= toks.length) {
      if (value.length !== 0) throw msgErr(`: extra text: ${goQuote(value)}`);
      break;
    }
    const tok = toks[i++] as { std: Std; str: string };
    const hold = value;
    let bad = false;
    let rangeErr = '';
    switch (tok.std) {
      case 'year': {
        if (value.length < 4 || !/^[0-9]{4}/.test(value)) {
          bad = true;
          break;
        }
        year = Number(value.slice(0, 4));
        value = value.slice(4);
        break;
      }
      case 'month': {
        const r = getnum(value, true);
        if (!r) {
          bad = true;
          break;
        }
        [month, value] = r;
        if (month <= 0 || month > 12) rangeErr = 'month';
        break;
      }
      case 'day': {
        const r = getnum(value, true);
        if (!r) {
          bad = true;
          break;
        }
        [day, value] = r;
        break;
      }
      case 'hour': {
        const r = getnum(value, false);
        if (!r) {
          bad = true;
          break;
        }
        [hour, value] = r;
        if (hour < 0 || hour >= 24) rangeErr = 'hour';
        break;
      }
      case 'minute': {
        const r = getnum(value, true);
        if (!r) {
          bad = true;
          break;
        }
        [min, value] = r;
        if (min < 0 || min >= 60) rangeErr = 'minute';
        break;
      }
      case 'second': {
        const r = getnum(value, true);
        if (!r) {
          bad = true;
          break;
        }
        [sec, value] = r;
        if (sec < 0 || sec >= 60) {
          rangeErr = 'second';
          break;
        }
        // A fractional second in the value but not in the layout is accepted.
        if (value.length >= 2 && commaOrPeriod(value[0]) && isDigitAt(value, 1)) {
          const nextStd = toks.slice(i).find((t): t is { std: Std; str: string } => 'std' in t);
          if (nextStd?.std === 'frac9') break;
          let n = 2;
          while (n < value.length && isDigitAt(value, n)) n++;
          const ns = parseNanos(value, n);
          if (ns === undefined) {
            bad = true;
            break;
          }
          nsec = ns;
          value = value.slice(n);
        }
        break;
      }
      case 'frac9': {
        if (value.length < 2 || !commaOrPeriod(value[0]) || value[1] < '0' || value[1] > '9') break; // omitted
        let n = 0;
        while (n + 1 < value.length && value[n + 1] >= '0' && value[n + 1] <= '9') n++;
        const ns = parseNanos(value, 1 + n);
        if (ns === undefined) {
          bad = true;
          break;
        }
        nsec = ns;
        value = value.slice(1 + n);
        break;
      }
      case 'tz': {
        if (value.length >= 1 && value[0] === 'Z') {
          value = value.slice(1);
          zoneOffset = 0;
          break;
        }
        if (value.length < 6 || value[3] !== ':') {
          bad = true;
          break;
        }
        const sign = value[0];
        const hh = getnum(value.slice(1, 3), true);
        const mm = hh ? getnum(value.slice(4, 6), true) : undefined;
        value = value.slice(6);
        const hr = hh ? hh[0] : 0;
        const mi = mm ? mm[0] : 0;
        if (!hh || !mm) bad = true;
        if (hr > 24) rangeErr = 'time zone offset hour';
        if (mi > 60) rangeErr = 'time zone offset minute';
        let off = (hr * 60 + mi) * 60;
        if (sign === '-') off = -off;
        else if (sign !== '+') bad = true;
        zoneOffset = off;
        break;
      }
    }
    if (rangeErr) throw msgErr(`: ${rangeErr} out of range`);
    if (bad) throw parseErr(tok.str, hold);
  }
  if (day < 1 || day > daysIn(month, year)) throw msgErr(': day out of range');
  const offset = zoneOffset ?? defaultOffset;
  const unix = daysFromCivil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec - offset;
  return { sec: unix, nsec };
}

const toMs = (now: number | Date | undefined) => (now === undefined ? Date.now() : now instanceof Date ? now.getTime() : now);

/**
 * moby's timetypes.GetTimestamp, the CLI-side normalisation of `--since` / `--until` / `until=`:
 * a Go duration (`10m`, `1h30m`, not `0`) → now minus it, in whole Unix seconds (`"1700000000"`);
 * RFC3339-like dates (`2006-01-02`, `2006-01-02T15:04`, `2006-01-02T15:04:05.5Z`, `...+07:00`) →
 * `"<sec>.<9-digit nanos>"` — without a zone they are read in the local zone's current offset;
 * a Unix timestamp (`1136073600`, `1136073600.5`) is returned unchanged. Errors: Go's time parse error
 * for values containing `-`, else `failed to parse value as time or duration: "x"`.
 */
export function getTimestamp(value: string, now?: number | Date, localOffsetSeconds?: number): string {
  const nowMs = toMs(now);
  if (value !== '0') {
    let d: bigint | undefined;
    try {
      d = parseGoDuration(value);
    } catch {
      d = undefined;
    }
    if (d !== undefined) {
      const ns = BigInt(Math.floor(nowMs)) * 1_000_000n - d;
      let secs = ns / 1_000_000_000n;
      if (ns % 1_000_000_000n < 0n) secs -= 1n; // floor, as Time.Unix
      return secs.toString();
    }
  }
  const offset = localOffsetSeconds ?? -new Date(nowMs).getTimezoneOffset() * 60;
  const parseInLocation = !/[zZ+]/.test(value) && value.split('-').length - 1 !== 3;
  let format: string;
  if (value.includes('.')) {
    format = parseInLocation ? LAYOUTS.rfc3339NanoLocal : LAYOUTS.rfc3339Nano;
  } else if (value.includes('T')) {
    let tcolons = value.split(':').length - 1;
    if (!parseInLocation && !/[zZ]/.test(value) && tcolons > 0) tcolons--;
    if (parseInLocation) {
      format = tcolons === 0 ? '2006-01-02T15' : tcolons === 1 ? '2006-01-02T15:04' : LAYOUTS.rfc3339Local;
    } else {
      format = tcolons === 0 ? '2006-01-02T15Z07:00' : tcolons === 1 ? '2006-01-02T15:04Z07:00' : LAYOUTS.rfc3339;
    }
  } else {
    format = parseInLocation ? LAYOUTS.dateLocal : LAYOUTS.dateWithZone;
  }
  try {
    const t = goParseTime(format, value, parseInLocation ? offset : 0);
    return `${t.sec}.${String(t.nsec).padStart(9, '0')}`;
  } catch (e) {
    if (!(e instanceof GoParseError)) throw e;
    if (value.includes('-')) throw invalidParameter(e.message);
    try {
      parseTimestamp(value);
    } catch {
      throw invalidParameter(`failed to parse value as time or duration: ${goQuote(value)}`);
    }
    return value;
  }
}

function goParseInt(s: string): bigint {
  if (!/^[+-]?[0-9]+$/.test(s)) throw invalidParameter(`strconv.ParseInt: parsing ${goQuote(s)}: invalid syntax`);
  const v = BigInt(s);
  if (v > MAX_INT64 || v < -(1n << 63n)) {
    throw invalidParameter(`strconv.ParseInt: parsing ${goQuote(s)}: value out of range`);
  }
  return v;
}

function parseTimestamp(value: string): { seconds: number; nanos: number } {
  const dot = value.indexOf('.');
  const s = dot < 0 ? value : value.slice(0, dot);
  const seconds = Number(goParseInt(s));
  if (dot < 0) return { seconds, nanos: 0 };
  const n = value.slice(dot + 1);
  const nsec = Number(goParseInt(n));
  return { seconds, nanos: Math.trunc(nsec * Math.pow(10, 9 - n.length)) };
}

/**
 * moby's timetypes.ParseTimestamps: `"<sec>[.<frac>]"` (GetTimestamp's output) → seconds and
 * nanoseconds; `defaultSeconds` when `value` is ''. Errors carry strconv's text.
 */
export function parseTimestamps(value: string, defaultSeconds: number): { seconds: number; nanos: number } {
  if (value === '') return { seconds: defaultSeconds, nanos: 0 };
  return parseTimestamp(value);
}

/**
 * GetTimestamp then ParseTimestamps, as the daemon does for `until=` (and events/logs since/until):
 * milliseconds since the epoch, possibly with a fractional part (sub-millisecond precision).
 */
export function parseTimestampMs(value: string, now?: number | Date, localOffsetSeconds?: number): number {
  const ts = getTimestamp(value, now, localOffsetSeconds);
  const { seconds, nanos } = parseTimestamps(ts, 0);
  return seconds * 1000 + nanos / 1e6;
}

/**
 * The prune routes' getUntilFromPruneFilters: undefined without `until`; more than one value →
 * `more than one until filter specified`; else the cut-off in epoch milliseconds.
 */
export function untilFromFilters(f: Filters, now?: number | Date, localOffsetSeconds?: number): number | undefined {
  if (!f.contains('until')) return undefined;
  const values = f.get('until');
  if (values.length > 1) throw invalidParameter('more than one until filter specified');
  // moby indexes values[0] unguarded (a present-but-empty key would panic); treat it as an invalid filter.
  if (values.length === 0) throw invalidParameter("invalid filter 'until'");
  return parseTimestampMs(values[0], now, localOffsetSeconds);
}
