// A blob download that survives a dropped connection: when the body ends early or errors, the
// next request asks for `Range: bytes=<received>-` and the stream continues where it stopped (a
// server that ignores Range and answers 200 has the received prefix skipped). A few attempts with
// backoff; never more bytes than the descriptor's size. The consumer sees one continuous stream
// and verifies the digest of all of it.
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { BerthError, invalidParameter } from '../common/errors.js';
import { TransportError } from './errors.js';

export interface BlobReaderOptions {
  /** Resumptions allowed after the first request (default 5). */
  retries?: number;
  /** First backoff; doubled each attempt (default 200 ms). */
  backoffMs?: number;
  signal?: AbortSignal;
  /** Called with every chunk's length as it is delivered. */
  onBytes?(n: number): void;
  /** Called when a resumption starts (offset reached so far). */
  onResume?(offset: number, error: unknown): void;
}

/**
 * `fetch(offset)` issues the GET (with a Range header when offset > 0) and resolves with a
 * successful response (200 or 206), or rejects.
 */
/**
 * Socket reads arrive in 64 KiB pieces; passed on in 1 MiB ones, every stage after this one
 * (digest, gunzip, tar parsing, file writes) does a sixteenth of the per-chunk work.
 */
const COALESCE = 1 << 20;

export function resumableBlob(digest: string, size: number, fetch: (offset: number) => Promise<IncomingMessage>, opts: BlobReaderOptions = {}): Readable {
  const retries = opts.retries ?? 5;
  const backoff = opts.backoffMs ?? 200;
  let current: IncomingMessage | undefined;
  async function* chunks(): AsyncGenerator<Buffer> {
    let offset = 0;
    let failures = 0;
    let buf = Buffer.allocUnsafe(Math.min(COALESCE, size || 1));
    let pos = 0;
    while (true) {
      let res: IncomingMessage;
      try {
        res = await fetch(offset);
      } catch (e) {
        if (!retryable(e) || failures >= retries || opts.signal?.aborted) throw e;
        opts.onResume?.(offset, e);
        await sleep(backoff * 2 ** failures++, opts.signal);
        continue;
      }
      current = res;
      let skip = 0;
      if (offset > 0) {
        if (res.statusCode === 206) {
          const m = /^bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''));
          if (!m || Number(m[1]) !== offset) { res.destroy(); throw invalidParameter(`failed to resume download of ${digest}: server sent range ${res.headers['content-range'] ?? '(none)'} for offset ${offset}`); }
        } else {
          skip = offset; // no Range support: the whole blob again
        }
      }
      try {
        for await (const c of res) {
          let chunk = c as Buffer;
          if (skip > 0) {
            if (chunk.length <= skip) { skip -= chunk.length; continue; }
            chunk = chunk.subarray(skip);
            skip = 0;
          }
          if (offset + chunk.length > size) {
            res.destroy();
            throw invalidParameter(`filesystem layer verification failed for digest ${digest}`);
          }
          offset += chunk.length;
          opts.onBytes?.(chunk.length);
          for (let at = 0; at < chunk.length;) {
            const n = Math.min(chunk.length - at, buf.length - pos);
            chunk.copy(buf, pos, at, at + n);
            pos += n;
            at += n;
            if (pos === buf.length) {
              yield buf;
              buf = Buffer.allocUnsafe(Math.min(COALESCE, Math.max(1, size - offset + (chunk.length - at))));
              pos = 0;
            }
          }
        }
        if (offset === size) {
          if (pos > 0) yield buf.subarray(0, pos);
          return;
        }
        throw Object.assign(new Error('unexpected EOF'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
      } catch (e) {
        if (e instanceof BerthError && !(e instanceof TransportError)) throw e;
        if (opts.signal?.aborted || failures >= retries) throw e instanceof Error && e.message === 'aborted' ? new Error('unexpected EOF') : e;
        opts.onResume?.(offset, e);
        await sleep(backoff * 2 ** failures++, opts.signal);
      } finally {
        current = undefined;
      }
    }
  }
  const gen = chunks();
  const out = Readable.from(gen, { objectMode: false, highWaterMark: 1 << 20 });
  out.on('close', () => { current?.destroy(); });
  return out;
}

function retryable(e: unknown): boolean {
  if (e instanceof TransportError) return true;
  if (e instanceof BerthError) {
    const status = (e as { status?: number }).status;
    return status !== undefined && (status >= 500 || status === 408 || status === 429);
  }
  return true;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(signal.reason ?? new Error('context canceled')); return; }
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(t); reject(signal?.reason ?? new Error('context canceled')); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
