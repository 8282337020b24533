// Writes one file's data from the tar stream: chunks are gathered into ~1 MiB writev calls, with
// one write in flight while the next batch is parsed and hashed.
import { closeSync, writev, writevSync } from 'node:fs';
import type { TarHeader } from './tar-reader.js';

const WRITE_BATCH = 1 << 20;

export class FileSink {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private inflight: Promise<void> = Promise.resolve();
  private started = false;
  private error: unknown;

  constructor(readonly fd: number, readonly path: string, readonly header: TarHeader) {}

  /** Batches chunks into large writes, one in flight while the next batch is parsed. */
  async write(chunk: Buffer): Promise<void> {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= WRITE_BATCH) await this.kick();
  }

  async flush(): Promise<void> {
    // A file smaller than one batch is written synchronously: a thread-pool round trip per small
    // file would cost more than the write into the page cache itself.
    if (!this.started) {
      writeAllSync(this.fd, this.pending);
      this.pending = [];
      this.pendingBytes = 0;
      return;
    }
    await this.kick();
    await this.inflight;
    if (this.error) throw this.error;
  }

  /** Closes the file after an error, once no write is in flight (the fd number could be reused). */
  async abort(): Promise<void> {
    await this.inflight;
    closeSync(this.fd);
  }

  private async kick(): Promise<void> {
    await this.inflight;
    if (this.error) throw this.error;
    if (this.pendingBytes === 0) return;
    const bufs = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.started = true;
    this.inflight = writeAll(this.fd, bufs).catch((e: unknown) => {
      this.error = e;
    });
  }
}

function writevAsync(fd: number, bufs: Buffer[]): Promise<number> {
  return new Promise((resolve, reject) => writev(fd, bufs, (e, n) => (e ? reject(e) : resolve(n))));
}

function writeAllSync(fd: number, bufs: Buffer[]): void {
  while (bufs.length > 0) {
    let n = writevSync(fd, bufs);
    while (bufs.length > 0 && n >= bufs[0]!.length) n -= bufs.shift()!.length;
    if (n > 0) bufs[0] = bufs[0]!.subarray(n);
  }
}

async function writeAll(fd: number, bufs: Buffer[]): Promise<void> {
  while (bufs.length > 0) {
    let n = await writevAsync(fd, bufs);
    while (bufs.length > 0 && n >= bufs[0]!.length) n -= bufs.shift()!.length;
    if (n > 0) bufs[0] = bufs[0]!.subarray(n);
  }
}
