// A parallel gzip compressor for pushing layers (pigz's scheme): the input is cut into fixed 1 MiB
// chunks, each compressed on libuv's thread pool as raw deflate primed with the previous chunk's
// last 32 KiB and ended by a sync flush, and the pieces are concatenated in order between one gzip
// header and trailer (CRC-32 of the whole input, its length). A chunk whose samples do not compress
// (already-compressed or random data) is written as stored blocks instead of being run through
// deflate for nothing, as fast compressors do. The output is one ordinary gzip member any gunzip
// reads, and it depends only on the input, so the same layer always gets the same digest.
import { availableParallelism } from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';

export interface GzipOptions {
  /** deflate level for compressible chunks (default 6, gzip's and dockerd's default). */
  level?: number;
  /** Chunk size (default 1 MiB). */
  chunkSize?: number;
}

const WINDOW = 32 * 1024;
const STORED_MAX = 65535;
const HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff]);
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);

/** Compression jobs running at once, daemon-wide: leaves a pool thread for file I/O. */
const MAX_JOBS = Math.max(1, Math.min(availableParallelism(), 3));
let running = 0;
const waiting: Array<() => void> = [];
async function acquire(): Promise<void> {
  if (running < MAX_JOBS) { running++; return; }
  await new Promise<void>((r) => waiting.push(r));
}
function release(): void {
  const next = waiting.shift();
  if (next) next();
  else running--;
}

/** Whether deflate would gain nothing on `chunk` (two 4 KiB samples barely shrink at level 1). */
export function looksIncompressible(chunk: Buffer): boolean {
  if (chunk.length < 64 * 1024) return false;
  const sample = (at: number) => chunk.subarray(at, at + 4096);
  for (const s of [sample(chunk.length >> 2), sample((chunk.length * 3) >> 2)]) {
    if (zlib.deflateRawSync(s, { level: 1 }).length < s.length * 0.98) return false;
  }
  return true;
}

/** `data` as stored (uncompressed) deflate blocks, none final, in one buffer. */
export function storedBlocks(data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length + 5 * Math.ceil(data.length / STORED_MAX));
  let o = 0;
  for (let off = 0; off < data.length; off += STORED_MAX) {
    const len = Math.min(STORED_MAX, data.length - off);
    out[o] = 0x00; // BFINAL=0, BTYPE=00; the stream is byte-aligned after a sync flush
    out.writeUInt16LE(len, o + 1);
    out.writeUInt16LE(~len & 0xffff, o + 3);
    data.copy(out, o + 5, off, off + len);
    o += 5 + len;
  }
  return out;
}

function deflateChunk(data: Buffer, dictionary: Buffer | undefined, level: number): Promise<Buffer> {
  if (looksIncompressible(data)) return Promise.resolve(storedBlocks(data));
  return new Promise((resolve, reject) => {
    const opts: zlib.ZlibOptions = { level, finishFlush: zlib.constants.Z_SYNC_FLUSH };
    if (dictionary) opts.dictionary = dictionary;
    zlib.deflateRaw(data, opts, (err, out) => (err ? reject(err) : resolve(out)));
  });
}

export class ParallelGzip extends Transform {
  private readonly level: number;
  private readonly chunkSize: number;
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private prevTail: Buffer | undefined;
  private crc = 0;
  private length = 0;
  /** Compressions in flight, in input order. */
  private readonly queue: Array<Promise<Buffer>> = [];
  private readonly window = Math.max(2, MAX_JOBS + 1);

  constructor(opts: GzipOptions = {}) {
    super({ highWaterMark: 1 << 20 });
    this.level = opts.level ?? 6;
    this.chunkSize = opts.chunkSize ?? 1 << 20;
    this.push(HEADER);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingLen += chunk.length;
    this.pump(false).then(() => cb(), cb);
  }

  override _flush(cb: TransformCallback): void {
    this.pump(true).then(() => {
      const trailer = Buffer.alloc(8);
      trailer.writeUInt32LE(this.crc >>> 0, 0);
      trailer.writeUInt32LE(this.length >>> 0, 4);
      this.push(FINAL_BLOCK);
      this.push(trailer);
      cb();
    }, cb);
  }

  /** Cuts whole chunks off the pending input (all of it at the end), queues them, emits finished ones. */
  private async pump(final: boolean): Promise<void> {
    while (this.pendingLen >= this.chunkSize || (final && this.pendingLen > 0)) {
      const data = this.takeInput(Math.min(this.chunkSize, this.pendingLen));
      this.crc = zlib.crc32(data, this.crc);
      this.length += data.length;
      const dict = this.prevTail;
      this.prevTail = data.length >= WINDOW ? data.subarray(data.length - WINDOW) : Buffer.concat([dict ?? Buffer.alloc(0), data]).subarray(-WINDOW);
      const job = acquire().then(() => deflateChunk(data, dict, this.level)).finally(release);
      job.catch(() => {});
      this.queue.push(job);
      while (this.queue.length >= this.window) await this.emitOne();
    }
    if (final) while (this.queue.length) await this.emitOne();
  }

  private async emitOne(): Promise<void> {
    this.push(await this.queue.shift()!);
  }

  private takeInput(n: number): Buffer {
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingLen);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.pending = rest.length ? [rest] : [];
    this.pendingLen = rest.length;
    return out;
  }
}
