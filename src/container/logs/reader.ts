// Reads a container's k8s-file log and its rotated copies as Docker log messages: `logs` with
// --tail, --since, --until and --follow.
//
// Cost is independent of the log's size wherever Docker's semantics allow: --tail reads blocks
// backwards from the end, --since binary-searches byte offsets (timestamps never decrease within
// a file, and rotated files are older than the current one). Only the entries returned are read
// sequentially, in large chunks that the entries then point into (no copy per line).
//
// Docker semantics (moby daemon/logger/loggerutils/logfile.go, tailFiles + forwarder.Do):
// - tail counts records (a P record is a message of its own) over both streams, from the end of
//   all files; since/until then filter what the tail selected, and the stream filter comes last
//   (api/server/httputils/write_log_stream.go), so `--tail 5` with stdout only may show fewer.
// - since is inclusive: records before it are skipped until the first one at or after it, after
//   which since is no longer checked (timestamps need not be monotonic across streams).
// - until is inclusive: the first record after it ends the whole read, following included.
// - tail 0 reads nothing old; follow then shows only new records.
//
// Following tails the file as conmon writes it and survives rotation: the rotator renames the log
// to path.1 and conmon reopens (creates) path. When path names another file than the one being
// read, conmon has already closed the old one (its reopen closes before it creates), so the old
// file is drained to its end and the files written after it are read in order, found by inode,
// even when several rotations happened meanwhile.
import { type FileHandle, open, stat } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { type DecodedHeader, type LogStream, RecordDecoder } from './k8s-file.js';

export interface LogFiles {
  /** The current log; rotated copies are path.1 (newest) … path.(maxFiles-1). */
  path: string;
  maxFiles: number;
}

export interface ReadOptions {
  /** Records from the end; undefined or negative = all. */
  tail?: number;
  /** Nanoseconds since the epoch, inclusive. */
  since?: bigint;
  /** Nanoseconds since the epoch, inclusive. */
  until?: bigint;
  follow: boolean;
  stdout: boolean;
  stderr: boolean;
  signal?: AbortSignal;
  /** Resolves when the container has exited and conmon has drained its output: following then
   *  reads to the end and stops. */
  stopped?: Promise<void>;
}

export interface LogEntry {
  stream: LogStream;
  timeNs: bigint;
  /** One Docker log message: an F record's content plus '\n'; a P record's content alone. */
  line: Buffer;
}

const NL = 0x0a;
const CHUNK = 512 * 1024;
const FIRST_CHUNK = 64 * 1024;
const BACK_BLOCK = 64 * 1024;
const PROBE = 4096;
const HEADER = 64;
/** Below this the since search stops probing and the filter skips the rest. */
const LINEAR_SCAN = 64 * 1024;
const POLL_MS = 250;
/** Once the clock is this far past `until`, no record conmon still writes can be inside it. */
const UNTIL_GRACE_NS = 1_000_000_000n;

interface Segment {
  fh: FileHandle;
  dev: bigint;
  ino: bigint;
  /** Size when opened: where reading stops when not following. */
  size: number;
}

async function readAt(fh: FileHandle, buf: Buffer, pos: number, len: number): Promise<number> {
  const { bytesRead } = await fh.read(buf, 0, Math.min(len, buf.length), pos);
  return bytesRead;
}

async function tryOpen(name: string): Promise<Segment | null> {
  let fh: FileHandle;
  try {
    fh = await open(name, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const st = await fh.stat({ bigint: true });
    return { fh, dev: st.dev, ino: st.ino, size: Number(st.size) };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/**
 * Opens every existing log file, oldest first, as one consistent generation: a rotation racing
 * the opens shows as a name whose file changed after it was opened, and the opens are retried.
 */
async function openAll(files: LogFiles): Promise<Segment[]> {
  const names: string[] = [];
  for (let i = Math.max(1, files.maxFiles) - 1; i >= 1; i--) names.push(`${files.path}.${i}`);
  names.push(files.path);
  for (let attempt = 0; ; attempt++) {
    const settled = await Promise.allSettled(names.map(tryOpen));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    const segs = settled.map((r) => (r.status === 'fulfilled' ? r.value : null));
    if (failed) {
      // An unreadable file (EACCES…) fails the read; close what did open.
      await Promise.all(segs.map((s) => s?.fh.close()));
      throw failed.reason;
    }
    const now = await Promise.all(names.map((n) => stat(n, { bigint: true }).catch(() => null)));
    const seen = new Set<bigint>();
    let ok = true;
    for (let i = 0; i < names.length; i++) {
      const s = segs[i];
      const n = now[i];
      if ((s === null) !== (n === null) || (s && n && (s.ino !== n.ino || s.dev !== n.dev)) || (s && seen.has(s.ino))) ok = false;
      if (s) seen.add(s.ino);
    }
    if (ok || attempt >= 20) return segs.filter((s): s is Segment => s !== null);
    await Promise.all(segs.map((s) => s?.fh.close()));
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Offset just past the last '\n' before `pos`, or 0. */
async function lineStartBefore(seg: Segment, pos: number, scratch: Buffer): Promise<number> {
  let end = pos;
  while (end > 0) {
    const from = Math.max(0, end - scratch.length);
    const n = await readAt(seg.fh, scratch, from, end - from);
    const i = scratch.subarray(0, n).lastIndexOf(NL);
    if (i >= 0) return from + i + 1;
    end = from;
  }
  return 0;
}

/** The first record starting at or after `x`, with its timestamp (null if malformed). */
async function recordAtOrAfter(seg: Segment, x: number, scratch: Buffer, dec: RecordDecoder): Promise<{ start: number; ts: bigint | null } | null> {
  let start = 0;
  if (x > 0) {
    let pos = x - 1;
    for (;;) {
      if (pos >= seg.size) return null;
      const n = await readAt(seg.fh, scratch, pos, PROBE);
      if (n === 0) return null;
      const i = scratch.subarray(0, n).indexOf(NL);
      if (i >= 0) {
        start = pos + i + 1;
        break;
      }
      pos += n;
    }
  }
  if (start >= seg.size) return null;
  const n = await readAt(seg.fh, scratch, start, HEADER);
  return { start, ts: dec.timeOf(scratch, 0, n) };
}

/** Timestamp of the last complete record, or null when there is none. */
async function lastRecordTime(seg: Segment, scratch: Buffer, dec: RecordDecoder): Promise<bigint | null> {
  // Records are short: small blocks (lineStartBefore reads more of them when one is not).
  scratch = scratch.subarray(0, PROBE);
  const end = await lineStartBefore(seg, seg.size, scratch);
  if (end === 0) return null;
  const start = await lineStartBefore(seg, end - 1, scratch);
  const n = await readAt(seg.fh, scratch, start, HEADER);
  return dec.timeOf(scratch, 0, n);
}

/** Where the first record at or after `since` starts (or may start: the filter skips the rest). */
async function seekSince(seg: Segment, since: bigint, scratch: Buffer, dec: RecordDecoder): Promise<number> {
  // Smallest x whose first record at or after it is >= since; records before lo are < since.
  let lo = 0;
  let hi = seg.size;
  while (hi - lo > LINEAR_SCAN) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const r = await recordAtOrAfter(seg, mid, scratch, dec);
    if (r === null || (r.ts !== null && r.ts >= since)) hi = mid;
    else lo = r.start + 1;
  }
  const r = await recordAtOrAfter(seg, lo, scratch, dec);
  return r === null ? seg.size : r.start;
}

/**
 * Start offsets per segment (oldest first) for --tail: the n-th complete record from the end,
 * counted backwards across files. -1 = not needed.
 */
async function seekTail(segs: Segment[], n: number, scratch: Buffer): Promise<number[]> {
  const starts = segs.map(() => -1);
  let want = n;
  for (let k = segs.length - 1; k >= 0 && want > 0; k--) {
    const seg = segs[k]!;
    // The record ending at the last '\n' is the 1st; the start of the n-th follows the (n+1)-th.
    let found = 0;
    let start = 0;
    let end = seg.size;
    search: while (end > 0) {
      const from = Math.max(0, end - scratch.length);
      const got = await readAt(seg.fh, scratch, from, end - from);
      const view = scratch.subarray(0, got);
      let i = got;
      while (i > 0) {
        const j = view.lastIndexOf(NL, i - 1);
        if (j < 0) break;
        if (++found === want + 1) {
          start = from + j + 1;
          found = want;
          break search;
        }
        i = j;
      }
      end = from;
    }
    starts[k] = start;
    want -= found;
  }
  return starts;
}

/** Sequential reads of one file into chunks that the emitted lines point into. */
class SegmentReader {
  private buf: Buffer = Buffer.alloc(0);
  private fill = 0;
  /** Start of the first record not yet emitted (possibly incomplete). */
  private rec = 0;
  private lastFull = false;

  constructor(readonly seg: Segment, private pos: number, readonly filter: Filter) {}

  /** Entries from the next read, or null at end of file (or at `limit`). */
  async next(limit: number): Promise<LogEntry[] | null> {
    if (this.pos >= limit) return null;
    if (this.buf.length - this.fill < this.buf.length / 4 || this.buf.length === 0) this.compact();
    const want = Math.min(this.buf.length - this.fill, limit - this.pos);
    const { bytesRead } = await this.seg.fh.read(this.buf, this.fill, want, this.pos);
    if (bytesRead === 0) return null;
    // Data is arriving faster than the buffer holds: grow it at the next compaction.
    this.lastFull = bytesRead === this.buf.length - this.fill;
    this.fill += bytesRead;
    this.pos += bytesRead;
    const out: LogEntry[] = [];
    this.parse(out);
    return out;
  }

  /** Moves the unfinished record to a fresh buffer; emitted lines keep the old one alive. */
  private compact(): void {
    const rem = this.fill - this.rec;
    let size = this.buf.length === 0 ? FIRST_CHUNK : this.lastFull ? Math.min(CHUNK, this.buf.length * 2) : this.buf.length;
    while (size < rem * 2) size *= 2;
    const nb = Buffer.allocUnsafe(size);
    this.buf.copy(nb, 0, this.rec, this.fill);
    this.buf = nb;
    this.fill = rem;
    this.rec = 0;
  }

  private parse(out: LogEntry[]): void {
    const buf = this.buf;
    // A view ending at `fill`, so indexOf never finds stale bytes of the unused tail.
    const view = buf.subarray(0, this.fill);
    const f = this.filter;
    const h = f.h;
    let p = this.rec;
    for (;;) {
      const nl = view.indexOf(NL, p);
      if (nl < 0) break;
      if (f.dec.decode(buf, p, nl, h)) {
        const t = h.timeNs;
        if (f.since !== undefined) {
          if (t < f.since) {
            p = nl + 1;
            continue;
          }
          f.since = undefined;
        }
        if (f.until !== undefined && t > f.until) {
          f.done = true;
          break;
        }
        if (h.stream === 'stdout' ? f.stdout : f.stderr) {
          out.push({ stream: h.stream, timeNs: t, line: buf.subarray(h.contentStart, h.partial ? nl : nl + 1) });
        }
      }
      p = nl + 1;
    }
    this.rec = p;
  }
}

class Filter {
  readonly dec = new RecordDecoder();
  readonly h: DecodedHeader = { timeNs: 0n, stream: 'stdout', partial: false, contentStart: 0 };
  since: bigint | undefined;
  readonly until: bigint | undefined;
  readonly stdout: boolean;
  readonly stderr: boolean;
  /** A record after `until` was seen: nothing more will be emitted. */
  done = false;
  constructor(o: ReadOptions) {
    this.since = o.since;
    this.until = o.until;
    this.stdout = o.stdout;
    this.stderr = o.stderr;
  }
}

/** Wakes the follower on a change near the log (inotify on its directory), a poll, stop or abort. */
class Waker {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private resolve: (() => void) | undefined;
  private pending = false;
  stopped = false;

  constructor(path: string, private readonly signal: AbortSignal | undefined, stopped: Promise<void> | undefined) {
    const base = basename(path);
    try {
      // The directory rather than the file: the watch must see the new file after a rotation.
      this.watcher = watch(dirname(path), { persistent: false }, (_ev, name) => {
        if (name == null || String(name).startsWith(base)) this.kick();
      });
      this.watcher.on('error', () => this.closeWatcher());
    } catch {
      this.watcher = undefined; // polling still works
    }
    signal?.addEventListener('abort', this.kick);
    stopped?.then(
      () => { this.stopped = true; this.kick(); },
      () => { this.stopped = true; this.kick(); },
    );
  }

  readonly kick = (): void => {
    const r = this.resolve;
    if (r) {
      this.resolve = undefined;
      clearTimeout(this.timer);
      r();
    } else {
      this.pending = true;
    }
  };

  wait(): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((r) => {
      this.resolve = r;
      this.timer = setTimeout(() => {
        this.resolve = undefined;
        r();
      }, POLL_MS);
    });
  }

  private closeWatcher(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  close(): void {
    this.closeWatcher();
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.kick);
    this.resolve?.();
    this.resolve = undefined;
  }
}

/** Yields a file's batches up to `limit` or its end; false when the whole read must end. */
async function* drain(r: SegmentReader, limit: number, signal: AbortSignal | undefined): AsyncGenerator<LogEntry[], boolean, undefined> {
  for (;;) {
    const b = await r.next(limit);
    if (b === null) return true;
    if (b.length) yield b;
    if (r.filter.done || signal?.aborted) return false;
  }
}

/**
 * The log as batches of entries (one per read of the file), in order. Batching is what makes a
 * full read fast; `readLogs` is the same one entry at a time.
 */
export async function* readLogBatches(files: LogFiles, opts: ReadOptions): AsyncGenerator<LogEntry[], void, undefined> {
  const f = new Filter(opts);
  const signal = opts.signal;
  if (signal?.aborted) return;
  const open = new Set<Segment>();
  const waker = opts.follow ? new Waker(files.path, signal, opts.stopped) : undefined;
  const closeSeg = async (s: Segment) => {
    if (open.delete(s)) await s.fh.close().catch(() => {});
  };
  try {
    const segs = await openAll(files);
    for (const s of segs) open.add(s);
    const scratch = Buffer.allocUnsafe(BACK_BLOCK);
    const starts = await planStarts(segs, opts, f, scratch);
    let live: SegmentReader | null = null;

    for (let k = 0; k < segs.length; k++) {
      const seg = segs[k]!;
      const isLive = opts.follow && k === segs.length - 1;
      if (isLive && starts[k]! < 0) starts[k] = seg.size;
      if (starts[k]! < 0) {
        if (!isLive) await closeSeg(seg);
        continue;
      }
      const r = new SegmentReader(seg, starts[k]!, f);
      if (!(yield* drain(r, isLive ? Infinity : seg.size, signal))) return;
      if (isLive) live = r;
      else await closeSeg(seg);
    }
    if (!waker) return;

    const untilPassed = () => f.until !== undefined && BigInt(Date.now()) * 1_000_000n > f.until + UNTIL_GRACE_NS;
    for (;;) {
      // Decided before the read: after stop, one more read to the end is the last.
      const last = waker.stopped || untilPassed();
      if (live && !(yield* drain(live, Infinity, signal))) return;
      const cur = await stat(files.path, { bigint: true }).catch(() => null);
      if (cur && (!live || cur.ino !== live.seg.ino || cur.dev !== live.seg.dev)) {
        // Rotated, and conmon has reopened: the old file is complete. Finish it, then move on.
        if (live && !(yield* drain(live, Infinity, signal))) return;
        // Still open, so its inode cannot have been reused by one of the newer files.
        const next = await newerThan(files, live?.seg ?? null);
        if (next.length === 0) {
          if (last || signal?.aborted) return;
          await waker.wait();
          continue;
        }
        if (live) await closeSeg(live.seg);
        for (const s of next) open.add(s);
        live = null;
        for (let k = 0; k < next.length; k++) {
          const r = new SegmentReader(next[k]!, 0, f);
          if (k === next.length - 1) {
            live = r;
            break; // read at the top of the loop
          }
          if (!(yield* drain(r, Infinity, signal))) return;
          await closeSeg(next[k]!);
        }
        continue;
      }
      if (last || signal?.aborted) return;
      await waker.wait();
      if (signal?.aborted) return;
    }
  } finally {
    waker?.close();
    await Promise.all([...open].map((s) => s.fh.close().catch(() => {})));
  }
}

/** Entries one at a time, and the same as batches for writers that can use them. Each iteration
 *  reads the log anew. */
export interface LogEntries extends AsyncIterable<LogEntry> {
  batches(): AsyncGenerator<LogEntry[], void, undefined>;
}

export function readLogs(files: LogFiles, opts: ReadOptions): LogEntries {
  return {
    batches: () => readLogBatches(files, opts),
    // By hand: `yield*` over each batch in an async generator costs several promise turns per
    // entry (0.2 M entries/s); this costs one.
    [Symbol.asyncIterator](): AsyncIterator<LogEntry> {
      const gen = readLogBatches(files, opts);
      let batch: LogEntry[] = [];
      let i = 0;
      return {
        async next(): Promise<IteratorResult<LogEntry>> {
          while (i >= batch.length) {
            const r = await gen.next();
            if (r.done) return { done: true, value: undefined };
            batch = r.value;
            i = 0;
          }
          return { done: false, value: batch[i++]! };
        },
        async return(): Promise<IteratorResult<LogEntry>> {
          await gen.return();
          return { done: true, value: undefined };
        },
      };
    },
  };
}

export function hasBatches(x: AsyncIterable<LogEntry>): x is LogEntries {
  return typeof (x as Partial<LogEntries>).batches === 'function';
}

async function planStarts(segs: Segment[], opts: ReadOptions, f: Filter, scratch: Buffer): Promise<number[]> {
  if (segs.length === 0) return [];
  const lastK = segs.length - 1;
  if (opts.tail !== undefined && opts.tail >= 0) {
    if (Math.trunc(opts.tail) === 0) {
      // Nothing old; a follower starts after the last complete record.
      const starts = segs.map(() => -1);
      if (opts.follow) starts[lastK] = await lineStartBefore(segs[lastK]!, segs[lastK]!.size, scratch.subarray(0, PROBE));
      return starts;
    }
    return seekTail(segs, Math.trunc(opts.tail), scratch);
  }
  if (opts.since === undefined) return segs.map(() => 0);
  const starts = segs.map(() => -1);
  for (let k = 0; k < segs.length; k++) {
    const seg = segs[k]!;
    if (k < lastK) {
      const t = await lastRecordTime(seg, scratch, f.dec);
      if (t === null || t < opts.since) continue;
    }
    starts[k] = await seekSince(seg, opts.since, scratch, f.dec);
    for (let j = k + 1; j < segs.length; j++) starts[j] = 0;
    break;
  }
  return starts;
}

/** The files written after `prev` (by inode), oldest first; all of them if prev is gone. */
async function newerThan(files: LogFiles, prev: Segment | null): Promise<Segment[]> {
  const all = await openAll(files);
  const i = prev ? all.findIndex((s) => s.ino === prev.ino && s.dev === prev.dev) : -1;
  await Promise.all(all.slice(0, i + 1).map((s) => s.fh.close()));
  return all.slice(i + 1);
}
