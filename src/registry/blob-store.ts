// The registry's content: blobs/<algorithm>/<hex>, one file per digest, shared by every
// repository (repositories only hold links to it). A blob appears only by rename of a verified,
// fsynced file, so a reader never sees a partial blob and two writers of the same digest race
// harmlessly: both rename identical content onto the same name.
import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fsyncDir, writeFileAtomic } from '../common/atomic.js';
import { digestOf, isSupportedAlgorithm, parseDigest, type Digest } from './names.js';

export interface BlobInfo { digest: Digest; size: number }

export class BlobStore {
  readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, 'blobs');
  }

  path(d: Digest): string {
    return join(this.dir, d.algorithm, d.hex);
  }

  /** The blob's size, or null when the registry does not hold it. */
  async size(d: Digest): Promise<number | null> {
    try {
      const st = await stat(this.path(d));
      return st.isFile() ? st.size : null;
    } catch {
      return null;
    }
  }

  /** Bytes [start, end] (inclusive) of a blob, or all of it. */
  read(d: Digest, range?: { start: number; end: number }): Readable {
    return createReadStream(this.path(d), { highWaterMark: 1 << 20, ...(range ? { start: range.start, end: range.end } : {}) });
  }

  /** A small blob (a manifest) in memory. */
  readBytes(d: Digest): Promise<Buffer> {
    return readFile(this.path(d));
  }

  /** Makes a verified, fsynced file the blob `d` (the file is moved, not copied). */
  async commitFile(file: string, d: Digest): Promise<void> {
    const dir = join(this.dir, d.algorithm);
    await mkdir(dir, { recursive: true });
    await rename(file, this.path(d));
    await fsyncDir(dir);
  }

  /** Stores bytes already verified to have digest `d`. */
  async putBytes(d: Digest, data: Uint8Array): Promise<void> {
    if ((await this.size(d)) === data.length) return;
    await writeFileAtomic(this.path(d), data);
  }

  async remove(d: Digest): Promise<void> {
    await rm(this.path(d), { force: true });
  }

  /** Every blob held (temp files of interrupted writes are not blobs). */
  async *list(): AsyncGenerator<BlobInfo> {
    const algorithms = await readdir(this.dir).catch(() => [] as string[]);
    for (const a of algorithms.sort()) {
      if (!isSupportedAlgorithm(a)) continue;
      for (const hex of (await readdir(join(this.dir, a)).catch(() => [] as string[])).sort()) {
        const d = parseDigest(`${a}:${hex}`);
        if (!d) continue;
        const size = await this.size(d);
        if (size !== null) yield { digest: digestOf(a, hex), size };
      }
    }
  }
}
