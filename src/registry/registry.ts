// The registry's storage as one object: blobs, repositories, upload sessions and manifests
// under one root. The HTTP layer (routes.ts) and `registry gc` (gc.ts) both work through it.
import { mkdir } from 'node:fs/promises';
import { BlobStore } from './blob-store.js';
import { regError } from './errors.js';
import { Manifests } from './manifests.js';
import type { Digest } from './names.js';
import { Repositories } from './repositories.js';
import { Uploads } from './uploads.js';

export class Registry {
  readonly blobs: BlobStore;
  readonly repos: Repositories;
  readonly uploads: Uploads;
  readonly manifests: Manifests;

  constructor(readonly root: string) {
    this.blobs = new BlobStore(root);
    this.repos = new Repositories(root);
    this.uploads = new Uploads(root, this.blobs, this.repos);
    this.manifests = new Manifests(this.blobs, this.repos);
  }

  async init(): Promise<void> {
    for (const d of [this.blobs.dir, this.repos.dir, this.uploads.dir]) await mkdir(d, { recursive: true });
  }

  /** The size of blob `d` as repository `name` sees it; BLOB_UNKNOWN when it is not there. */
  async blobSize(name: string, d: Digest): Promise<number> {
    const size = (await this.manifests.has(name, d)) ? await this.blobs.size(d) : null;
    if (size === null) throw regError('BLOB_UNKNOWN', { digest: d.value });
    return size;
  }

  /**
   * Cross-repository mount: links blob `d` into `name` when repository `from` has it (or, with
   * no `from`, when the registry holds it at all). False when the client must upload it.
   */
  async mount(name: string, d: Digest, from?: string): Promise<boolean> {
    const available = from ? await this.manifests.has(from, d) : (await this.blobs.size(d)) !== null;
    if (!available) return false;
    await this.repos.linkLayer(name, d);
    return true;
  }

  /** Unlinks a blob from a repository (`registry gc` reclaims the space once nothing refers to it). */
  async deleteBlob(name: string, d: Digest): Promise<void> {
    if (!(await this.repos.unlinkLayer(name, d))) throw regError('BLOB_UNKNOWN', { digest: d.value });
  }
}
