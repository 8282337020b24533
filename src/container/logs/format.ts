// The body of GET /containers/{id}/logs, as Docker writes it
// (api/server/httputils/write_log_stream.go): each message raw for a TTY container, otherwise in
// its own stdcopy frame (stdout 1, stderr 2); with timestamps=1 each message is prefixed by its
// time in RFC3339NanoFixed UTC and a space, inside the frame. A read error ends the stream with
// a systemerr frame "Error grabbing logs: …".
//
// Throughput comes from encoding a whole batch (one file read: thousands of messages) into one
// buffer and one write, and from waiting for 'drain' rather than letting the response buffer grow.
import type { Writable } from 'node:stream';
import { frame, frameHeader, HEADER_LEN, STDERR, STDOUT, SYSTEMERR } from '../../common/stdcopy.js';
import { formatRFC3339NanoFixed } from './k8s-file.js';
import { hasBatches, type LogEntry, type LogFiles, type ReadOptions, readLogs } from './reader.js';

export interface LogFormat {
  /** The container has a TTY: no framing. */
  tty: boolean;
  timestamps: boolean;
}

/** "2026-11-23T08:50:37.675284610Z " */
const TS_LEN = 31;

/** Encodes entries into one buffer. */
export function encodeEntries(entries: readonly LogEntry[], fmt: LogFormat): Buffer {
  const framed = !fmt.tty;
  const prefix = fmt.timestamps ? TS_LEN : 0;
  let total = 0;
  for (const e of entries) total += e.line.length;
  total += entries.length * ((framed ? HEADER_LEN : 0) + prefix);
  const out = Buffer.allocUnsafe(total);
  let off = 0;
  // Messages of one conmon read share a timestamp: render it once.
  let lastNs = -1n;
  let ts = '';
  for (const e of entries) {
    const len = e.line.length + prefix;
    if (framed) {
      frameHeader(e.stream === 'stderr' ? STDERR : STDOUT, len, out, off);
      off += HEADER_LEN;
    }
    if (prefix) {
      if (e.timeNs !== lastNs) {
        lastNs = e.timeNs;
        ts = formatRFC3339NanoFixed(e.timeNs) + ' ';
      }
      // Years beyond 9999 would be longer; write() clips rather than overruns.
      off += out.write(ts, off, TS_LEN, 'latin1');
    }
    off += e.line.copy(out, off);
  }
  return off === total ? out : out.subarray(0, off);
}

function drained(out: Writable): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      out.off('drain', onDrain);
      out.off('close', onClose);
      out.off('error', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    out.on('drain', onDrain);
    out.on('close', onClose);
    out.on('error', onClose);
  });
}

/** Largest buffer written at once; bigger batches are split so memory stays bounded. */
const MAX_WRITE = 1 << 20;

/**
 * Writes batches to `out` until they end or `out` closes; false if `out` went away first.
 * Errors of the source propagate. Does not end `out`.
 */
export async function writeLogBatches(out: Writable, batches: AsyncIterable<readonly LogEntry[]>, fmt: LogFormat): Promise<boolean> {
  for await (const batch of batches) {
    if (out.destroyed || out.writableEnded) return false;
    let from = 0;
    while (from < batch.length) {
      let to = from;
      let bytes = 0;
      while (to < batch.length && (bytes < MAX_WRITE || to === from)) bytes += batch[to++]!.line.length + 48;
      const buf = encodeEntries(from === 0 && to === batch.length ? batch : batch.slice(from, to), fmt);
      from = to;
      if (!out.write(buf) && !(await drained(out))) return false;
    }
  }
  // The reader also ends when a close aborted it.
  return !out.destroyed;
}

async function* single(entries: AsyncIterable<LogEntry>): AsyncGenerator<LogEntry[]> {
  for await (const e of entries) yield [e];
}

/**
 * The body of GET /containers/{id}/logs from `entries` (best from readLogs, whose batches are
 * written whole). A read error is reported in the stream as Docker does, not thrown; false if
 * `out` went away first. Does not end `out`. Pass the same AbortSignal to readLogs that the
 * response's 'close' aborts, or a follower idle on an unchanged log notices only at its next line.
 */
export async function writeLogEntries(out: Writable, entries: AsyncIterable<LogEntry>, fmt: LogFormat): Promise<boolean> {
  try {
    return await writeLogBatches(out, hasBatches(entries) ? entries.batches() : single(entries), fmt);
  } catch (e) {
    if (out.destroyed || out.writableEnded) return false;
    const msg = Buffer.from(`Error grabbing logs: ${(e as Error).message}\n`);
    out.write(fmt.tty ? msg : frame(SYSTEMERR, msg));
    return true;
  }
}

/**
 * readLogs + writeLogEntries, with reading stopped when `res` closes (the client went away).
 * Status and headers are the caller's; does not end `res`.
 */
export async function streamLogs(res: Writable, files: LogFiles, opts: ReadOptions, fmt: LogFormat): Promise<boolean> {
  const ac = new AbortController();
  const onClose = () => ac.abort();
  res.once('close', onClose);
  const signal = opts.signal ? AbortSignal.any([opts.signal, ac.signal]) : ac.signal;
  try {
    return await writeLogEntries(res, readLogs(files, { ...opts, signal }), fmt);
  } finally {
    res.off('close', onClose);
  }
}
