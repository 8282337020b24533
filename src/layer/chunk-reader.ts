// Pull-based byte reader over an async stream of chunks. Parsers ask for exact byte counts and
// get zero-copy views whenever the bytes sit inside one chunk, so file data flows through
// without being copied or re-buffered.

export class ChunkReader {
  private readonly it: AsyncIterator<Buffer | Uint8Array>;
  private readonly chunks: Buffer[] = [];
  private head = 0; // offset into chunks[0]
  private avail = 0;
  private ended = false;

  constructor(source: AsyncIterable<Buffer | Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  get available(): number {
    return this.avail;
  }

  /** Pulls one more chunk; false at the end of the stream. */
  async more(): Promise<boolean> {
    while (!this.ended) {
      const r = await this.it.next();
      if (r.done) {
        this.ended = true;
        break;
      }
      const v = r.value;
      if (v.length === 0) continue;
      this.chunks.push(Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.length));
      this.avail += v.length;
      return true;
    }
    return false;
  }

  /** Ensures at least n bytes are buffered; false if the stream ends first. */
  async fill(n: number): Promise<boolean> {
    while (this.avail < n) if (!(await this.more())) return false;
    return true;
  }

  /** Exactly n buffered bytes (caller ensured them); a view when they lie in one chunk. */
  take(n: number): Buffer {
    if (n > this.avail) throw new RangeError('ChunkReader.take beyond buffered bytes');
    const first = this.chunks[0];
    if (first !== undefined && first.length - this.head >= n) return this.takeFromFirst(n);
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const part = this.takeFromFirst(Math.min(n - off, this.chunks[0]!.length - this.head));
      part.copy(out, off);
      off += part.length;
    }
    return out;
  }

  /** Up to n bytes from the first buffered chunk, never copying. */
  takeUpTo(n: number): Buffer {
    const first = this.chunks[0];
    if (first === undefined) return Buffer.alloc(0);
    return this.takeFromFirst(Math.min(n, first.length - this.head));
  }

  /** Releases the underlying iterator (destroys a Readable source) after an early stop. */
  async close(): Promise<void> {
    this.chunks.length = 0;
    this.avail = 0;
    if (!this.ended) {
      this.ended = true;
      await this.it.return?.();
    }
  }

  private takeFromFirst(n: number): Buffer {
    const first = this.chunks[0]!;
    const out = first.subarray(this.head, this.head + n);
    this.head += n;
    this.avail -= n;
    if (this.head === first.length) {
      this.chunks.shift();
      this.head = 0;
    }
    return out;
  }
}
