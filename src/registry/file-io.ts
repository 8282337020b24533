// Streaming file I/O for blobs: append a request body to a file while hashing it, hash a file
// already on disk. Nothing here holds more than a stream's buffers in memory.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Algorithm } from './names.js';

/**
 * Writes `input` to `fh` from `position` on, feeding `hash` (when given) as it goes; resolves to
 * the number of bytes written. When it rejects, no write to `fh` is still in flight, so the
 * caller may truncate the file back safely.
 */
export async function appendStream(fh: FileHandle, position: number, input: Readable, hash?: Hash): Promise<number> {
  let pos = position;
  let inflight: Promise<unknown> = Promise.resolve();
  const write = (bufs: Buffer[]): Promise<void> => {
    const p = (async () => {
      for (let off = 0; off < bufs.length;) {
        // writev may write less than asked; go on from where it stopped.
        const { bytesWritten } = await fh.writev(bufs.slice(off), pos);
        pos += bytesWritten;
        let n = bytesWritten;
        while (off < bufs.length && n >= bufs[off]!.length) n -= bufs[off++]!.length;
        if (n > 0) { bufs[off] = bufs[off]!.subarray(n); }
      }
    })();
    inflight = p.catch(() => {});
    return p;
  };
  const sink = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _enc, cb) {
      hash?.update(chunk);
      write([chunk]).then(() => cb(), cb);
    },
    writev(chunks, cb) {
      const bufs = chunks.map((c) => c.chunk as Buffer);
      for (const b of bufs) hash?.update(b);
      write(bufs).then(() => cb(), cb);
    },
  });
  try {
    await pipeline(input, sink);
  } finally {
    await inflight;
  }
  return pos - position;
}

/** The digest hex of a file's content. */
export async function hashFile(path: string, algorithm: Algorithm): Promise<string> {
  const h = createHash(algorithm);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}
