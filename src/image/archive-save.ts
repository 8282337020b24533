// `docker save`: Docker ≥ 25's archive, an OCI image layout plus manifest.json and repositories,
// so both Docker's loader (any version) and OCI tools read it. Layers are replayed from the
// layer store byte-for-byte, so their digests equal the config's diff_ids.
import tar from 'tar-stream';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { hexOf, sha256 } from '../common/digest.js';
import { familiarName, familiarString, fullString, type Reference } from './reference.js';
import type { Image, ImageStore } from './store.js';
import type { LayerStore } from '../layer/store.js';
import type { ContentStore } from '../content/store.js';

export interface SaveItem { image: Image; tags: Reference[] }

const EPOCH = new Date(0);
const MT_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const MT_CONFIG = 'application/vnd.oci.image.config.v1+json';
const MT_LAYER = 'application/vnd.oci.image.layer.v1.tar';

/** `saved` is told of each image once its blobs are written (where moby logs its `save` event). */
export function saveArchive(items: SaveItem[], store: ImageStore, layers: LayerStore, content: ContentStore, saved?: (image: Image) => void): Readable {
  const pack = tar.pack();
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  pack.pipe(out);
  writeAll(pack, items, store, layers, content, saved).catch((e) => out.destroy(e));
  return out;
}

function addEntry(pack: tar.Pack, name: string, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ name, mtime: EPOCH, mode: 0o644, uid: 0, gid: 0 }, data, (err) => (err ? reject(err) : resolve()));
  });
}

async function addStream(pack: tar.Pack, name: string, size: number, src: Readable): Promise<void> {
  const entry = pack.entry({ name, size, mtime: EPOCH, mode: 0o644, uid: 0, gid: 0 });
  await pipeline(src, entry);
}

function addDir(pack: tar.Pack, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ name, type: 'directory', mtime: EPOCH, mode: 0o755, uid: 0, gid: 0 }, (err) => (err ? reject(err) : resolve()));
  });
}

async function writeAll(pack: tar.Pack, items: SaveItem[], store: ImageStore, layers: LayerStore, content: ContentStore, saved?: (image: Image) => void): Promise<void> {
  await addDir(pack, 'blobs');
  await addDir(pack, 'blobs/sha256');
  const written = new Set<string>();
  const manifestJson: unknown[] = [];
  const index: unknown[] = [];
  const repositories: Record<string, Record<string, string>> = {};

  for (const { image, tags } of items) {
    const chain = store.chainOf(image);
    const diffIds = image.config.rootfs?.diff_ids ?? [];
    const layerDescs = [];
    for (let i = 0; i < chain.length; i++) {
      const rec = layers.get(chain[i]);
      if (!rec) throw new Error(`layer ${chain[i]} of image ${image.record.id} is missing`);
      const path = `blobs/sha256/${hexOf(diffIds[i])}`;
      if (!written.has(path)) {
        written.add(path);
        await addStream(pack, path, rec.tarSize, layers.tarStream(chain[i]));
      }
      layerDescs.push({ mediaType: MT_LAYER, digest: diffIds[i], size: rec.tarSize });
    }
    const configPath = `blobs/sha256/${hexOf(image.record.id)}`;
    if (!written.has(configPath)) {
      written.add(configPath);
      await addEntry(pack, configPath, await content.readBytes(image.record.id));
    }
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: MT_MANIFEST,
      config: { mediaType: MT_CONFIG, digest: image.record.id, size: image.configSize },
      layers: layerDescs,
    }));
    const manifestDigest = sha256(manifest);
    const manifestPath = `blobs/sha256/${hexOf(manifestDigest)}`;
    if (!written.has(manifestPath)) {
      written.add(manifestPath);
      await addEntry(pack, manifestPath, manifest);
    }
    const desc = { mediaType: MT_MANIFEST, digest: manifestDigest, size: manifest.length };
    if (tags.length === 0) index.push(desc);
    for (const t of tags) {
      index.push({ ...desc, annotations: { 'io.containerd.image.name': fullString(t), 'org.opencontainers.image.ref.name': t.tag ?? 'latest' } });
      const repo = familiarName(t);
      (repositories[repo] ??= {})[t.tag ?? 'latest'] = diffIds.length ? hexOf(diffIds[diffIds.length - 1]) : '';
    }
    manifestJson.push({
      Config: configPath,
      RepoTags: tags.length ? tags.map((t) => familiarString(t)) : null,
      Layers: diffIds.map((d) => `blobs/sha256/${hexOf(d)}`),
    });
    saved?.(image);
  }
  await addEntry(pack, 'index.json', JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: index }));
  await addEntry(pack, 'manifest.json', JSON.stringify(manifestJson));
  await addEntry(pack, 'oci-layout', JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  if (Object.keys(repositories).length) await addEntry(pack, 'repositories', JSON.stringify(repositories));
  pack.finalize();
}
