// Go's fmt verbs as moby's builder uses them in history comments (`CMD %q`, `HEALTHCHECK %q`,
// `VOLUME %v`), so created_by reads as Docker writes it.
import { formatDuration } from '../common/go-duration.js';

/** strconv.Quote for the strings a Dockerfile holds. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

/** `%q` of a []string: `["a" "b"]`. */
export function goQuoteList(list: readonly string[] | null | undefined): string {
  return `[${(list ?? []).map(goQuote).join(' ')}]`;
}

/** `%q` of an int: a rune literal, as strconv.QuoteRune writes it. */
export function goQuoteRune(n: number): string {
  if (n === 0x27) return "'\\''";
  if (n === 0x5c) return "'\\\\'";
  if (n >= 0x20 && n < 0x7f) return `'${String.fromCodePoint(n)}'`;
  if (n === 7) return "'\\a'";
  if (n === 8) return "'\\b'";
  if (n === 12) return "'\\f'";
  if (n === 10) return "'\\n'";
  if (n === 13) return "'\\r'";
  if (n === 9) return "'\\t'";
  if (n === 11) return "'\\v'";
  if (n < 0x80) return `'\\x${n.toString(16).padStart(2, '0')}'`;
  if (n < 0x10000) return `'\\u${n.toString(16).padStart(4, '0')}'`;
  return `'\\U${n.toString(16).padStart(8, '0')}'`;
}

export interface Healthcheck { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; StartInterval?: number; Retries?: number }

/** `HEALTHCHECK %q` of a *container.HealthConfig. */
export function goQuoteHealthcheck(h: Healthcheck): string {
  const d = (ns: number | undefined) => goQuote(formatDuration(ns ?? 0));
  // Docker 20.10's HealthConfig has no StartInterval; it shows only when a Dockerfile sets one.
  const startInterval = h.StartInterval ? ` ${d(h.StartInterval)}` : '';
  return `&{${goQuoteList(h.Test)} ${d(h.Interval)} ${d(h.Timeout)} ${d(h.StartPeriod)}${startInterval} ${goQuoteRune(h.Retries ?? 0)}}`;
}
