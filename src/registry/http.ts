// Pure request helpers: Range and Content-Range headers, `n`/`last` pagination and its Link.
import { regError } from './errors.js';
import type { ChunkRange } from './uploads.js';

export type ByteRange = { start: number; end: number };

/**
 * A GET's `Range: bytes=…` against a blob of `size` bytes: the one range to serve, null to serve
 * everything (no header, a form we don't serve such as several ranges), or 'unsatisfiable'.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | null | 'unsatisfiable' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    // A suffix: the last n bytes.
    const n = Number(m[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

/** A PATCH's `Content-Range: <start>-<end>` (the spec's form; `bytes ` / `bytes=` tolerated). */
export function parseContentRange(header: string | undefined): ChunkRange | undefined {
  if (header === undefined) return undefined;
  const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!m) throw regError('RANGE_INVALID', null, `invalid Content-Range ${JSON.stringify(header)}`);
  return { start: Number(m[1]), end: Number(m[2]) };
}

/** A Content-Length header as a number, or undefined (chunked). */
export function contentLength(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d+$/.test(header)) return undefined;
  return Number(header);
}

/** The `n` query parameter: undefined when absent, PAGINATION_NUMBER_INVALID unless 0 ≤ n. */
export function parsePageSize(v: string | null): number | undefined {
  if (v === null || v === '') return undefined;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw regError('PAGINATION_NUMBER_INVALID', { n: v });
  return Number(v);
}

/**
 * One page of a sorted list: the entries after `last`, at most `n` of them, and the `last` to
 * ask for next when more remain.
 */
export function paginate(sorted: string[], n: number | undefined, last: string | undefined): { page: string[]; next?: string } {
  const rest = last ? sorted.filter((s) => s > last) : sorted;
  if (n === undefined || rest.length <= n) return { page: n === 0 ? [] : rest };
  const page = rest.slice(0, n);
  return n === 0 ? { page } : { page, next: page[page.length - 1]! };
}

/** The `Link` header for the next page, as distribution writes it. */
export function nextLink(path: string, n: number, last: string): string {
  return `<${path}?last=${encodeURIComponent(last)}&n=${n}>; rel="next"`;
}
