// Content-addressable blob store: blobs/sha256/<hex>. A blob becomes visible only after its
// digest is verified (written to ingest/, hashed while streaming, fsynced, renamed), so a
// reader never sees a partial or unverified blob and a crash leaves only ingest litter.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, open } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { BerthError, invalidParameter, notFound } from '../common/errors.js';
import { hexOf, isDigest } from '../common/digest.js';
import { fsyncDir } from '../common/atomic.js';

export interface BlobInfo { digest: string; size: number }

export class ContentStore {
  readonly blobsDir: string;
  private readonly ingestDir: string;

  constructor(readonly root: string) {
    this.blobsDir = join(root, 'blobs', 'sha256');
    this.ingestDir = join(root, 'ingest');
  }

  async init(): Promise<void> {
    await mkdir(this.blobsDir, { recursive: true });
    // Interrupted writes never became blobs; drop them.
    await rm(this.ingestDir, { recursive: true, force: true });
    await mkdir(this.ingestDir, { recursive: true });
  }

  path(digest: string): string {
    if (!isDigest(digest)) throw invalidParameter(`invalid digest: ${digest}`);
    return join(this.blobsDir, hexOf(digest));
  }

  has(digest: string): boolean {
    return isDigest(digest) && existsSync(this.path(digest));
  }

  info(digest: string): BlobInfo {
    try {
      return { digest, size: statSync(this.path(digest)).size };
    } catch {
      throw notFound(`content ${digest}: not found`);
    }
  }

  async readBytes(digest: string): Promise<Buffer> {
    try {
      return await readFile(this.path(digest));
    } catch {
      throw notFound(`content ${digest}: not found`);
    }
  }

  readStream(digest: string): Readable {
    return createReadStream(this.path(digest), { highWaterMark: 1 << 20 });
  }

  /** Stores a small blob held in memory (configs, manifests). */
  async putBytes(data: Uint8Array, expected?: string): Promise<BlobInfo> {
    const digest = 'sha256:' + createHash('sha256').update(data).digest('hex');
    if (expected && expected !== digest) throw invalidParameter(`digest mismatch: expected ${expected}, got ${digest}`);
    if (this.has(digest)) return { digest, size: data.length };
    const tmp = join(this.ingestDir, randomBytes(8).toString('hex'));
    const fh = await open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await this.commit(tmp, digest);
    return { digest, size: data.length };
  }

  /** Streams a blob in, verifying it against `expected` (when given) before it becomes visible. */
  async ingest(input: Readable, expected?: string): Promise<BlobInfo> {
    const tmp = join(this.ingestDir, randomBytes(8).toString('hex'));
    const hash = createHash('sha256');
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) { hash.update(chunk); size += chunk.length; cb(null, chunk); },
    });
    try {
      const out = createWriteStream(tmp, { mode: 0o644 });
      await pipeline(input, tap, out);
      const digest = 'sha256:' + hash.digest('hex');
      if (expected && expected !== digest) throw invalidParameter(`digest mismatch: expected ${expected}, got ${digest}`);
      const fh = await open(tmp, 'r');
      try { await fh.sync(); } finally { await fh.close(); }
      await this.commit(tmp, digest);
      return { digest, size };
    } catch (e) {
      await rm(tmp, { force: true });
      throw e instanceof BerthError ? e : invalidParameter(`failed to store content: ${(e as Error).message}`);
    }
  }

  private async commit(tmp: string, digest: string): Promise<void> {
    await rename(tmp, this.path(digest));
    await fsyncDir(this.blobsDir);
  }

  async delete(digest: string): Promise<void> {
    await rm(this.path(digest), { force: true });
  }

  async list(): Promise<BlobInfo[]> {
    const out: BlobInfo[] = [];
    for (const hex of await readdir(this.blobsDir)) {
      const st = await stat(join(this.blobsDir, hex)).catch(() => null);
      if (st) out.push({ digest: `sha256:${hex}`, size: st.size });
    }
    return out;
  }
}
