// `docker import`: a rootfs tarball (plain, gzip or zstd) becomes a one-layer image.
import type { Readable } from 'node:stream';
import { applyChanges } from './changes.js';
import { hostArchitecture, type ImageConfig } from './types.js';
import type { ImageStore } from './store.js';
import type { LayerStore } from '../layer/store.js';

export interface ImportOptions { message?: string; changes?: string[]; platformOs?: string; platformArch?: string }

export async function importRootfs(input: Readable, store: ImageStore, layers: LayerStore, opts: ImportOptions): Promise<string> {
  // Validate the changes before touching any data, so a bad --change writes nothing.
  const cfg = applyChanges({}, opts.changes ?? []);
  const staged = await layers.stage(input);
  let committed = false;
  try {
    const created = new Date().toISOString();
    const config: ImageConfig = {
      architecture: opts.platformArch || hostArchitecture(),
      os: opts.platformOs || 'linux',
      created,
      config: cfg,
      rootfs: { type: 'layers', diff_ids: [staged.diffId] },
      history: [{ created, comment: opts.message || 'Imported from -' }],
    };
    if (opts.message) config.comment = opts.message;
    await staged.commit(null);
    committed = true;
    const img = await store.create(config);
    return img.record.id;
  } finally {
    if (!committed) await staged.discard().catch(() => {});
  }
}
