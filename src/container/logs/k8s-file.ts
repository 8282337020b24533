// conmon's "k8s-file" log records and the timestamps around them.
//
//   2026-11-23T08:50:37.675284610+00:00 stdout F out1\n
//   <local time, numeric offset, 9 fraction digits> <stream> <F|P> <content>\n
//
// F = the content was a full line (its '\n' is the record's own terminator); P = the read ended
// mid-line. Timestamps become nanoseconds since the epoch as bigint: a Number cannot hold them.
// Parsing is on the hot path of `logs` (hundreds of thousands of records per second), so it works
// on bytes in place and caches the last timestamp: every line from one conmon read (up to 8 KiB)
// shares one, so consecutive records usually repeat it byte for byte.

export type LogStream = 'stdout' | 'stderr';

/** One record, for callers outside the read loop. `content` excludes the record's '\n'. */
export interface K8sRecord {
  timeNs: bigint;
  stream: LogStream;
  partial: boolean;
  content: Buffer;
}

/** Filled in place by RecordDecoder.decode, so the read loop allocates only what it emits. */
export interface DecodedHeader {
  timeNs: bigint;
  stream: LogStream;
  partial: boolean;
  /** Offset of the content in the buffer; it runs up to the record's '\n'. */
  contentStart: number;
}

const NL = 0x0a;
const SP = 0x20;
const D0 = 0x30;
const NS_PER_SEC = 1_000_000_000n;

function digits(buf: Buffer, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = buf[i]! - D0;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * RFC 3339 with any fraction (conmon always writes 9 digits) and `Z` or a numeric offset.
 * Returns null for anything else, so one corrupt record is skipped rather than ending a read.
 */
export function parseTimestamp(buf: Buffer, start: number, end: number): bigint | null {
  if (end - start < 20) return null;
  const y = digits(buf, start, 4);
  const mo = digits(buf, start + 5, 2);
  const d = digits(buf, start + 8, 2);
  const h = digits(buf, start + 11, 2);
  const mi = digits(buf, start + 14, 2);
  const s = digits(buf, start + 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60) return null;
  if (buf[start + 4] !== 0x2d || buf[start + 7] !== 0x2d || buf[start + 13] !== 0x3a || buf[start + 16] !== 0x3a) return null;
  const t = buf[start + 10];
  if (t !== 0x54 && t !== 0x74 && t !== SP) return null;
  let p = start + 19;
  let frac = 0;
  if (buf[p] === 0x2e) {
    p++;
    let n = 0;
    while (p < end && buf[p]! >= D0 && buf[p]! <= 0x39) {
      if (n < 9) frac = frac * 10 + (buf[p]! - D0);
      n++;
      p++;
    }
    if (n === 0) return null;
    for (; n < 9; n++) frac *= 10;
  }
  let offsetSec = 0;
  const z = buf[p];
  if ((z === 0x5a || z === 0x7a) && p + 1 === end) {
    // UTC
  } else if ((z === 0x2b || z === 0x2d) && (end - p === 6 || end - p === 5)) {
    const oh = digits(buf, p + 1, 2);
    const om = digits(buf, end - 2, 2);
    if (oh < 0 || om < 0 || (end - p === 6 && buf[p + 3] !== 0x3a)) return null;
    offsetSec = (oh * 3600 + om * 60) * (z === 0x2d ? -1 : 1);
  } else {
    return null;
  }
  const sec = Date.UTC(y, mo - 1, d, h, mi, s) / 1000 - offsetSec;
  return BigInt(sec) * NS_PER_SEC + BigInt(frac);
}

/** An RFC 3339 time (any fraction, Z or an offset) as nanoseconds; undefined if it is not one. */
export function parseTimestampNs(s: string): bigint | undefined {
  const b = Buffer.from(s, 'latin1');
  return parseTimestamp(b, 0, b.length) ?? undefined;
}

let fmtSec = NaN;
let fmtPrefix = '';
function secondsPrefix(sec: number): string {
  // Output of one read shares its second; toISOString is the slow part, so cache it.
  if (sec !== fmtSec) {
    fmtSec = sec;
    fmtPrefix = new Date(sec * 1000).toISOString().slice(0, 19);
  }
  return fmtPrefix;
}

function split(ns: bigint): [number, number] {
  let sec = ns / NS_PER_SEC;
  let frac = ns % NS_PER_SEC;
  if (frac < 0n) {
    frac += NS_PER_SEC;
    sec -= 1n;
  }
  return [Number(sec), Number(frac)];
}

/**
 * Go's `2006-01-02T15:04:05.000000000Z07:00` in UTC: what `docker logs -t` prints
 * (daemon/server/httputils/write_log_stream.go formats with jsonmessage.RFC3339NanoFixed, so the
 * fraction keeps its trailing zeros and every prefix has the same width: 30 characters).
 */
export function formatRFC3339NanoFixed(ns: bigint): string {
  const [sec, frac] = split(ns);
  return `${secondsPrefix(sec)}.${String(frac).padStart(9, '0')}Z`;
}

/** Go's time.RFC3339Nano in UTC: trailing zeros of the fraction trimmed, no fraction when zero. */
export function formatRFC3339Nano(ns: bigint): string {
  const [sec, frac] = split(ns);
  if (frac === 0) return `${secondsPrefix(sec)}Z`;
  return `${secondsPrefix(sec)}.${String(frac).padStart(9, '0').replace(/0+$/, '')}Z`;
}

/** conmon's own rendering (local time in conmon; here any fixed offset), for writing test logs. */
export function formatK8sTimestamp(ns: bigint, offsetMinutes = 0): string {
  const [sec, frac] = split(ns + BigInt(offsetMinutes) * 60n * NS_PER_SEC);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const a = Math.abs(offsetMinutes);
  const off = `${sign}${String(Math.trunc(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
  return `${new Date(sec * 1000).toISOString().slice(0, 19)}.${String(frac).padStart(9, '0')}${off}`;
}

/** One record as conmon writes it. */
export function encodeRecord(stream: LogStream, partial: boolean, content: Buffer | string, timeNs: bigint, offsetMinutes = 0): Buffer {
  const head = `${formatK8sTimestamp(timeNs, offsetMinutes)} ${stream} ${partial ? 'P' : 'F'} `;
  const c = typeof content === 'string' ? Buffer.from(content) : content;
  const out = Buffer.allocUnsafe(head.length + c.length + 1);
  out.write(head, 0, 'latin1');
  c.copy(out, head.length);
  out[out.length - 1] = NL;
  return out;
}

/**
 * Decodes record headers in place. Holds the timestamp cache, so use one per reader.
 */
export class RecordDecoder {
  private lastTs: Buffer = Buffer.alloc(64);
  private lastTsLen = 0;
  private lastNs = 0n;

  /**
   * Decodes the record in buf[start, nl) (nl is its '\n') into `out`. False for a malformed record.
   */
  decode(buf: Buffer, start: number, nl: number, out: DecodedHeader): boolean {
    // conmon's timestamps are 35 bytes; look there before searching.
    let sp = start + 35;
    if (sp >= nl || buf[sp] !== SP) {
      sp = buf.indexOf(SP, start);
      if (sp < 0 || sp >= nl) return false;
    }
    const tsLen = sp - start;
    let ns: bigint | null;
    if (tsLen === this.lastTsLen && tsLen <= 64 && this.sameTs(buf, start, tsLen)) {
      ns = this.lastNs;
    } else {
      ns = parseTimestamp(buf, start, sp);
      if (ns === null) return false;
      if (tsLen <= 64) {
        buf.copy(this.lastTs, 0, start, sp);
        this.lastTsLen = tsLen;
        this.lastNs = ns;
      }
    }
    // "stdout"/"stderr" differ at their fourth byte; then " F " or " P ".
    const s = sp + 1;
    if (s + 7 > nl || buf[s + 6] !== SP || buf[s] !== 0x73 || buf[s + 1] !== 0x74 || buf[s + 2] !== 0x64) return false;
    const c4 = buf[s + 3];
    let stream: LogStream;
    if (c4 === 0x6f && buf[s + 4] === 0x75 && buf[s + 5] === 0x74) stream = 'stdout';
    else if (c4 === 0x65 && buf[s + 4] === 0x72 && buf[s + 5] === 0x72) stream = 'stderr';
    else return false;
    const tag = s + 7;
    if (tag >= nl) return false;
    // The tag may in principle carry more flags (CRI allows "F:x"); only P means partial.
    let tagEnd = tag;
    while (tagEnd < nl && buf[tagEnd] !== SP) tagEnd++;
    out.timeNs = ns;
    out.stream = stream;
    out.partial = buf[tag] === 0x50 && tagEnd === tag + 1;
    out.contentStart = tagEnd < nl ? tagEnd + 1 : nl;
    return true;
  }

  private sameTs(buf: Buffer, start: number, len: number): boolean {
    // Back to front: timestamps of different reads differ first near the end of the fraction.
    const last = this.lastTs;
    for (let i = len - 1; i >= 0; i--) if (buf[start + i] !== last[i]) return false;
    return true;
  }

  /** Timestamp of the record in buf[start, nl), or null. For probes that need nothing else. */
  timeOf(buf: Buffer, start: number, nl: number): bigint | null {
    const sp = buf.indexOf(SP, start);
    if (sp < 0 || sp >= nl) return null;
    return parseTimestamp(buf, start, sp);
  }
}

/** Parses one record; `end` is the index of its '\n' (or the end of the text). */
export function parseRecord(buf: Buffer, start = 0, end = buf.length): K8sRecord | null {
  if (end > start && buf[end - 1] === NL) end--;
  const h: DecodedHeader = { timeNs: 0n, stream: 'stdout', partial: false, contentStart: 0 };
  if (!new RecordDecoder().decode(buf, start, end, h)) return null;
  return { timeNs: h.timeNs, stream: h.stream, partial: h.partial, content: buf.subarray(h.contentStart, end) };
}

/**
 * Splits a byte stream into records for callers that receive the log in arbitrary chunks (a pipe,
 * a socket). Only complete records come out; `pending` is the start of one still being written.
 */
export class RecordSplitter {
  private rest: Buffer = Buffer.alloc(0);
  private readonly dec = new RecordDecoder();
  private readonly h: DecodedHeader = { timeNs: 0n, stream: 'stdout', partial: false, contentStart: 0 };
  /** Malformed records skipped so far. */
  skipped = 0;

  push(chunk: Buffer): K8sRecord[] {
    const buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    const out: K8sRecord[] = [];
    let p = 0;
    for (;;) {
      const nl = buf.indexOf(NL, p);
      if (nl < 0) break;
      if (this.dec.decode(buf, p, nl, this.h)) {
        out.push({ timeNs: this.h.timeNs, stream: this.h.stream, partial: this.h.partial, content: buf.subarray(this.h.contentStart, nl) });
      } else {
        this.skipped++;
      }
      p = nl + 1;
    }
    // Copy the tail so the caller's chunk is not pinned by a few leftover bytes.
    this.rest = p < buf.length ? Buffer.from(buf.subarray(p)) : Buffer.alloc(0);
    return out;
  }

  get pending(): number {
    return this.rest.length;
  }
}
