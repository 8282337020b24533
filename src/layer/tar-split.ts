// tar-split: enough of a layer tar to rebuild it byte for byte from its unpacked directory,
// the way Docker's tar-split does, so `save` and `push` reproduce the exact diff id.
//
// File `tar-split.gz` (gzip of):
//   magic "berth-tar-split\x01"
//   records, each starting with a type byte; integers are unsigned LEB128 varints:
//     0x01 RAW   len, len bytes          header blocks, padding, end-of-archive and trailing bytes
//     0x02 FILE  size, pathLen, path     `size` bytes of the regular file at <diff>/<path> (UTF-8, relative)
//     0x00 END                           a missing END means the recording is truncated
// FILE records are numbered from 0 in order. When a later entry of the same tar replaced a file
// (same path written twice, a whiteout or a non-directory over it), that file's content was moved
// to `shadow/<number>` beside `tar-split.gz`, and replay reads it from there.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip, type Gzip } from 'node:zlib';
import { systemError } from '../common/errors.js';
import { ChunkReader } from './chunk-reader.js';
import { OutputBatcher } from './out-batcher.js';

const MAGIC = Buffer.from('berth-tar-split\x01', 'latin1');
const T_END = 0x00;
const T_RAW = 0x01;
const T_FILE = 0x02;
const BUF_SIZE = 1 << 20;

export const TAR_SPLIT_FILE = 'tar-split.gz';
export const SHADOW_DIR = 'shadow';

export class TarSplitWriter {
  private readonly gz: Gzip;
  private readonly done: Promise<void>;
  private buf = Buffer.allocUnsafe(BUF_SIZE);
  private pos = 0;
  private files = 0;
  private shadowReady = false;

  /** Records into `<dir>/tar-split.gz`; shadowed contents go to `<dir>/shadow/`. */
  constructor(private readonly dir: string) {
    this.gz = createGzip();
    this.done = pipeline(this.gz, createWriteStream(join(dir, TAR_SPLIT_FILE), { flags: 'wx' }));
    this.done.catch(() => {}); // observed in close()/abort()
    this.write(MAGIC);
  }

  /** Raw archive bytes. Returns a promise only when the caller must wait (backpressure). */
  raw(bytes: Buffer): Promise<void> | void {
    if (bytes.length === 0) return;
    this.varintRecord(T_RAW, bytes.length);
    return this.write(bytes);
  }

  /** A regular file's content, to be read back from the diff dir; returns its record number. */
  file(path: string, size: number): number {
    const p = Buffer.from(path, 'utf8');
    this.varintRecord(T_FILE, size);
    this.writeVarint(p.length);
    if (p.length > this.buf.length - this.pos) this.gz.write(this.takeBuffered());
    p.copy(this.buf, this.pos);
    this.pos += p.length;
    return this.files++;
  }

  /** Where the content of file record `index` must be moved when its path gets replaced. */
  async shadowPath(index: number): Promise<string> {
    const dir = join(this.dir, SHADOW_DIR);
    if (!this.shadowReady) {
      await mkdir(dir, { recursive: true });
      this.shadowReady = true;
    }
    return join(dir, String(index));
  }

  async close(): Promise<void> {
    this.writeByte(T_END);
    await this.flush();
    this.gz.end();
    await this.done;
  }

  async abort(): Promise<void> {
    this.gz.destroy();
    await this.done.catch(() => {});
  }

  private varintRecord(type: number, n: number): void {
    this.writeByte(type);
    this.writeVarint(n);
  }

  private writeVarint(n: number): void {
    while (n >= 0x80) {
      this.writeByte((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.writeByte(n);
  }

  private writeByte(b: number): void {
    // Ignoring backpressure for one buffer here is harmless; the next raw() waits for drain.
    if (this.pos === this.buf.length) this.gz.write(this.takeBuffered());
    this.buf[this.pos++] = b;
  }

  private write(bytes: Buffer): Promise<void> | void {
    if (bytes.length > this.buf.length - this.pos) {
      const p = this.flush();
      if (bytes.length >= BUF_SIZE) return p.then(() => this.push(bytes));
      bytes.copy(this.buf, this.pos);
      this.pos += bytes.length;
      return p;
    }
    bytes.copy(this.buf, this.pos);
    this.pos += bytes.length;
  }

  private flush(): Promise<void> {
    return this.pos === 0 ? Promise.resolve() : this.push(this.takeBuffered());
  }

  private takeBuffered(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(BUF_SIZE);
    this.pos = 0;
    return out;
  }

  private push(b: Buffer): Promise<void> {
    if (this.gz.write(b)) return Promise.resolve();
    return waitDrain(this.gz);
  }
}

function waitDrain(w: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => { w.off('error', onError).off('close', onClose); resolve(); };
    const onError = (e: Error) => { w.off('drain', onDrain).off('close', onClose); reject(e); };
    const onClose = () => { w.off('drain', onDrain).off('error', onError); reject(new Error('tar-split stream closed')); };
    w.once('drain', onDrain).once('error', onError).once('close', onClose);
  });
}

/** The original layer tar, rebuilt from the unpacked directory and its tar-split recording. */
export function replayLayer(diffDir: string, tarSplitPath: string): Readable {
  return Readable.from(replay(diffDir, tarSplitPath), { objectMode: false, highWaterMark: BUF_SIZE });
}

async function* replay(diffDir: string, tarSplitPath: string): AsyncGenerator<Buffer> {
  const shadowDir = join(dirname(tarSplitPath), SHADOW_DIR);
  const shadows = new Set(await readdir(shadowDir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  }));
  const gunzip = createGunzip();
  const src = createReadStream(tarSplitPath);
  src.on('error', (e) => gunzip.destroy(e));
  src.pipe(gunzip);
  const r = new ChunkReader(gunzip);
  const bad = (what: string) => systemError(`corrupt tar-split ${tarSplitPath}: ${what}`);
  // Records are tiny, so the common path reads them without awaiting per byte.
  const byte = async (): Promise<number> => {
    if (r.available === 0 && !(await r.fill(1))) throw bad('truncated');
    return r.take(1)[0]!;
  };
  const varint = async (): Promise<number> => {
    let n = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = r.available > 0 ? r.take(1)[0]! : await byte();
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      mul *= 0x80;
    }
    throw bad('varint too long');
  };

  const out = new OutputBatcher();
  try {
    if (!(await r.fill(MAGIC.length)) || !r.take(MAGIC.length).equals(MAGIC)) throw bad('bad magic');
    for (let index = 0; ; ) {
      if (out.full) yield* out.drain();
      const type = r.available > 0 ? r.take(1)[0]! : await byte();
      if (type === T_END) break;
      if (type === T_RAW) {
        for (let n = await varint(); n > 0; ) {
          if (r.available === 0 && !(await r.more())) throw bad('truncated');
          const part = r.takeUpTo(n);
          n -= part.length;
          out.raw(part);
        }
      } else if (type === T_FILE) {
        const size = await varint();
        const len = await varint();
        if (r.available < len && !(await r.fill(len))) throw bad('truncated');
        const rel = r.take(len).toString('utf8');
        const n = index++;
        if (rel.startsWith('/') || rel.split('/').includes('..')) throw bad(`invalid path "${rel}"`);
        const path = shadows.has(String(n)) ? join(shadowDir, String(n)) : join(diffDir, rel);
        out.file(path, size, `layer file ${rel}`);
      } else {
        throw bad(`unknown record type ${type}`);
      }
    }
    yield* out.drain(true);
  } finally {
    await r.close();
    src.destroy();
  }
}
