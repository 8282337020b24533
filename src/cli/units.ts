// docker/go-units (sizes and human durations), Go's time.Duration parsing and printing, and
// docker's short IDs.
//
//   humanSize(1234567)        // "1.23MB"   (docker images SIZE column)
//   bytesSize(1536)           // "1.5KiB"
//   ramInBytes('64m')         // 67108864   (--memory)
//   humanDuration(90_000)     // "About a minute"
//   timeAgo(created)          // "3 days ago"
//   truncateId('sha256:4d5e6f...')  // 12 hex chars

import { formatFloat, sprintf } from './template/fmt.js';
import { humanDuration } from '../common/human-duration.js';

const DECIMAL_ABBRS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY_ABBRS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

export const KB = 1000;
export const MB = 1000 * KB;
export const GB = 1000 * MB;
export const TB = 1000 * GB;
export const PB = 1000 * TB;
export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;
export const PiB = 1024 * TiB;

function sizeAndUnit(size: number, base: number, units: readonly string[]): [number, string] {
  let i = 0;
  const limit = units.length - 1;
  while (size >= base && i < limit) {
    size /= base;
    i++;
  }
  return [size, units[i]!];
}

/** units.CustomSize: `format` is a Go format taking the scaled size (float64) and the unit. */
export function customSize(format: string, size: number, base: number, units: readonly string[]): string {
  const [s, unit] = sizeAndUnit(size, base, units);
  return sprintf(format, [s, unit]);
}

/** units.HumanSizeWithPrecision: decimal units, `precision` significant digits (%.*g). */
export function humanSizeWithPrecision(size: number, precision: number): string {
  const [s, unit] = sizeAndUnit(size, 1000, DECIMAL_ABBRS);
  return formatFloat(s, 'g', precision) + unit;
}

/** Docker's size column: units.HumanSizeWithPrecision(size, 3), e.g. "1.23MB", "4.26kB", "0B".
 * With mode "binary" it is units.BytesSize instead (docker info's "Total Memory: 15.5GiB"). */
export function humanSize(size: number, mode: 'decimal' | 'binary' = 'decimal'): string {
  return mode === 'binary' ? bytesSize(size) : humanSizeWithPrecision(size, 3);
}

/** units.HumanSize: four significant digits, e.g. "2.746MB". */
export function humanSize4(size: number): string {
  return humanSizeWithPrecision(size, 4);
}

/** units.BytesSize: binary units, four significant digits, e.g. "44KiB", "17.5MiB". */
export function bytesSize(size: number): string {
  const [s, unit] = sizeAndUnit(size, 1024, BINARY_ABBRS);
  return formatFloat(s, 'g', 4) + unit;
}

const SIZE_RE = /^(\d+(\.\d+)*) ?([kmgtp])?i?b?$/i;

function parseSize(sizeStr: string, binary: boolean): number {
  const m = SIZE_RE.exec(sizeStr);
  if (!m) throw new Error(`invalid size: '${sizeStr}'`);
  if (!/^\d+(\.\d+)?$/.test(m[1]!)) throw new Error(`strconv.ParseFloat: parsing "${m[1]}": invalid syntax`);
  let size = Number(m[1]);
  const prefix = (m[3] ?? '').toLowerCase();
  const mul = binary
    ? { k: KiB, m: MiB, g: GiB, t: TiB, p: PiB }[prefix as 'k']
    : { k: KB, m: MB, g: GB, t: TB, p: PB }[prefix as 'k'];
  if (mul !== undefined) size *= mul;
  return Math.trunc(size);
}

/** units.RAMInBytes: "64m" -> 67108864 (binary multiples, case-insensitive, optional "b"/"ib").
 * Throws `invalid size: '...'` as go-units does. */
export function ramInBytes(size: string): number {
  return parseSize(size, true);
}

/** units.FromHumanSize: "44kB" -> 44000 (decimal multiples). */
export function fromHumanSize(size: string): number {
  return parseSize(size, false);
}

/** Alias of ramInBytes, the parser docker's `--memory`, `--shm-size` etc. use. */
export const parseBytes = ramInBytes;

/** units.HumanDuration for a duration in milliseconds: "Less than a second", "About a minute", "3 days"… */
export { humanDuration };

/** Docker's "CREATED" column: HumanDuration(now - t) + " ago". `t` is a Date, ms epoch, or seconds
 * epoch when `unit` is "s" (the Engine API's `Created` in image and container lists). */
export function timeAgo(t: Date | number, now: number = Date.now(), unit: 'ms' | 's' = 'ms'): string {
  const ms = t instanceof Date ? t.getTime() : unit === 's' ? t * 1000 : t;
  return humanDuration(now - ms) + ' ago';
}

/** stringid.TruncateID: drops any "algo:" prefix and keeps 12 characters. */
export function truncateId(id: string): string {
  const i = id.indexOf(':');
  if (i >= 0) id = id.slice(i + 1);
  return id.length > 12 ? id.slice(0, 12) : id;
}

// ---- time.Duration (nanoseconds)

const NS = 1;
const US = 1000 * NS;
const MS = 1000 * US;
const SEC = 1000 * MS;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;

const DURATION_UNITS: Record<string, number> = {
  ns: NS,
  us: US,
  'µs': US, // U+00B5
  'μs': US, // U+03BC
  ms: MS,
  s: SEC,
  m: MIN,
  h: HOUR,
};

function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** time.ParseDuration: "1h30m", "1.5s", "300ms", "-2m" -> nanoseconds. Throws Go's error text. */
export function parseDuration(s: string): number {
  const orig = s;
  let d = 0;
  let neg = false;
  if (s !== '') {
    const c = s[0];
    if (c === '-' || c === '+') {
      neg = c === '-';
      s = s.slice(1);
    }
  }
  if (s === '0') return 0;
  if (s === '') throw new Error(`time: invalid duration ${goQuote(orig)}`);
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const intPart = m[1]!;
    const frac = m[2];
    if (intPart === '' && (frac === undefined || frac === '')) {
      throw new Error(`time: invalid duration ${goQuote(orig)}`);
    }
    s = s.slice(m[0].length);
    const u = /^[^0-9.]*/.exec(s)![0];
    if (u === '') throw new Error(`time: missing unit in duration ${goQuote(orig)}`);
    const unit = DURATION_UNITS[u];
    if (unit === undefined) throw new Error(`time: unknown unit ${goQuote(u)} in duration ${goQuote(orig)}`);
    s = s.slice(u.length);
    let v = Number(intPart || '0') * unit;
    if (frac) v += Math.trunc(Number(frac) * (unit / 10 ** frac.length));
    d += v;
    if (d > 2 ** 63) throw new Error(`time: invalid duration ${goQuote(orig)}`);
  }
  return neg ? -d : d;
}

export { formatDuration } from '../common/go-duration.js';
