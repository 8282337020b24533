// Turns a sequence of small pieces (tar headers, padding, small files) and large files into
// output chunks of about 1 MiB, so streams carry few large buffers instead of many tiny ones,
// and a big file is read straight into fresh buffers without being held whole in memory.
import type { FileHandle } from 'node:fs/promises';
import { systemError } from '../common/errors.js';

const CHUNK = 1 << 20;
const SMALL_FILE = 256 * 1024;
const BIG_READ = 4 * CHUNK;

export class OutputBatcher {
  private buf = Buffer.allocUnsafe(CHUNK);
  private pos = 0;

  *bytes(b: Buffer): Generator<Buffer> {
    let off = 0;
    while (off < b.length) {
      const n = Math.min(b.length - off, this.buf.length - this.pos);
      b.copy(this.buf, this.pos, off, off + n);
      this.pos += n;
      off += n;
      if (this.pos === this.buf.length) yield* this.flush();
    }
  }

  /** Exactly `size` bytes of an open file; fails if the file is shorter. */
  async *file(fh: FileHandle, size: number, what: string): AsyncGenerator<Buffer> {
    if (size <= SMALL_FILE) {
      if (size > this.buf.length - this.pos) yield* this.flush();
      await readFully(fh, this.buf, this.pos, size, 0, what);
      this.pos += size;
      return;
    }
    yield* this.flush();
    for (let at = 0; at < size; ) {
      const chunk = Buffer.allocUnsafe(Math.min(size - at, BIG_READ));
      await readFully(fh, chunk, 0, chunk.length, at, what);
      at += chunk.length;
      yield chunk;
    }
  }

  *flush(): Generator<Buffer> {
    if (this.pos === 0) return;
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(CHUNK);
    this.pos = 0;
    yield out;
  }
}

async function readFully(fh: FileHandle, buf: Buffer, off: number, len: number, position: number, what: string): Promise<void> {
  for (let got = 0; got < len; ) {
    const { bytesRead } = await fh.read(buf, off + got, len - got, position + got);
    if (bytesRead === 0) throw systemError(`${what} is shorter than expected (${position + got} of ${position + len} bytes)`);
    got += bytesRead;
  }
}
