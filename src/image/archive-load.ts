// `docker load`: reads the archive in one streaming pass. JSON files are kept in memory;
// everything else is staged as a candidate layer while it streams by (hashing and unpacking at
// once), because manifest.json usually comes last. Only when the manifests are read and every
// diff id verified are layers committed and images recorded; on any error every staged layer
// is discarded, so a corrupt or truncated archive leaves nothing behind.
import tar from 'tar-stream';
import { Readable } from 'node:stream';
import { posix } from 'node:path';
import { chainIds, hexOf, sha256 } from '../common/digest.js';
import { BerthError, errorMessage, invalidParameter } from '../common/errors.js';
import { familiarString, parseNormalizedNamed, tagNameOnly, type Reference } from './reference.js';
import { hostArchitecture, type ImageConfig } from './types.js';
import type { ImageStore } from './store.js';
import type { LayerStore, StagedLayer } from '../layer/store.js';
import type { ContentStore } from '../content/store.js';

export interface LoadEvents {
  layer?(shortId: string, size: number): void;
  loaded?(line: string): void;
  /** An image is in place, with its tags (moby logs its `load` event here). */
  image?(id: string): void;
}

interface ImageToLoad { config: Buffer; layerPaths: string[]; tags: Reference[] }

const MAX_JSON = 64 << 20;

export async function loadArchive(input: Readable, store: ImageStore, layers: LayerStore, content: ContentStore, ev: LoadEvents = {}): Promise<string[]> {
  const small = new Map<string, Buffer>();
  const staged = new Map<string, StagedLayer>();
  /** entries skipped because a layer with that digest as diff id is already stored */
  const known = new Map<string, string>();
  const diffToChain = new Map<string, string>();
  for (const l of layers.list()) diffToChain.set(l.diffId, l.chainId);
  const committed = new Set<StagedLayer>();
  try {
    const extract = tar.extract();
    input.on('error', (e) => extract.destroy(e));
    input.pipe(extract);
    for await (const raw of extract) {
      const entry = raw as unknown as Readable & { header: tar.Header };
      const name = posix.normalize(entry.header.name).replace(/^(\.\/)+/, '').replace(/\/$/, '');
      if (entry.header.type !== 'file' && entry.header.type !== 'contiguous-file') { entry.resume(); continue; }
      if (name.startsWith('../') || name.startsWith('/')) throw invalidParameter(`invalid archive entry ${entry.header.name}`);
      const size = entry.header.size ?? 0;
      const blobDigest = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name)?.[1];
      if (blobDigest && diffToChain.has(`sha256:${blobDigest}`)) {
        known.set(name, `sha256:${blobDigest}`);
        entry.resume();
        await new Promise((r) => entry.once('end', () => r(undefined)));
        continue;
      }
      const first = await peek(entry);
      if (size < 1024 || first === 0x7b /* { */ || first === 0x5b /* [ */) {
        if (size > MAX_JSON) throw invalidParameter(`archive entry ${name} is too large for metadata`);
        small.set(name, await collect(entry));
        continue;
      }
      staged.set(name, await layers.stage(entry));
      ev.layer?.(shortLayerName(name), size);
    }

    const images = readManifests(small);
    const loaded: string[] = [];
    for (const img of images) {
      const cfg = JSON.parse(img.config.toString('utf8')) as ImageConfig;
      const diffIds = cfg.rootfs?.diff_ids ?? [];
      if (diffIds.length !== img.layerPaths.length) throw invalidParameter(`invalid manifest, layers length mismatch: expected ${diffIds.length}, got ${img.layerPaths.length}`);
      const chain = chainIds(diffIds);
      // Verify every layer of this image before committing any of them.
      const plan: Array<() => Promise<unknown>> = [];
      for (let i = 0; i < diffIds.length; i++) {
        const path = img.layerPaths[i];
        if (layers.get(chain[i])) continue;
        let st = staged.get(path);
        if (!st && small.has(path)) {
          st = await layers.stage(Readable.from([small.get(path)!]));
          staged.set(path, st);
        }
        if (!st && known.has(path)) {
          const src = diffToChain.get(known.get(path)!)!;
          st = await layers.stage(layers.tarStream(src));
          staged.set(`${path}#copy${i}`, st);
        }
        if (!st) throw invalidParameter(`invalid archive: layer ${path} not found`);
        if (st.diffId !== diffIds[i]) throw invalidParameter(`invalid diffID for layer ${i}: calculated ${st.diffId}, expected ${diffIds[i]}`);
        const parent = i === 0 ? null : chain[i - 1];
        const s = st;
        plan.push(async () => { await s.commit(parent); committed.add(s); });
      }
      for (const step of plan) await step();
      const { digest: id } = await content.putBytes(img.config);
      await store.add(id);
      if (img.tags.length === 0) {
        const line = `Loaded image ID: ${id}`;
        loaded.push(line);
        ev.loaded?.(line);
      }
      for (const t of img.tags) {
        const prev = store.referenceTarget(t);
        if (prev && prev !== id) ev.loaded?.(`The image ${familiarString(t)} already exists, renaming the old one with ID ${prev} to empty string`);
        await store.tag(id, t);
        const line = `Loaded image: ${familiarString(t)}`;
        loaded.push(line);
        ev.loaded?.(line);
      }
      ev.image?.(id);
    }
    return loaded;
  } catch (e) {
    throw e instanceof BerthError ? e : invalidParameter(`failed to load archive: ${errorMessage(e)}`);
  } finally {
    for (const st of staged.values()) if (!committed.has(st)) await st.discard().catch(() => {});
  }
}

function shortLayerName(name: string): string {
  const m = /([a-f0-9]{64})/.exec(name);
  return m ? m[1].slice(0, 12) : name.slice(0, 12);
}

function readManifests(files: Map<string, Buffer>): ImageToLoad[] {
  const manifest = files.get('manifest.json');
  if (manifest) {
    let entries: Array<{ Config: string; RepoTags?: string[] | null; Layers: string[] }>;
    try { entries = JSON.parse(manifest.toString('utf8')); } catch { throw invalidParameter('invalid archive: manifest.json is not valid JSON'); }
    if (!Array.isArray(entries)) throw invalidParameter('invalid archive: manifest.json is not a list');
    return entries.map((e) => {
      const config = files.get(posix.normalize(e.Config));
      if (!config) throw invalidParameter(`invalid archive: config ${e.Config} not found`);
      return {
        config,
        layerPaths: (e.Layers ?? []).map((l) => posix.normalize(l)),
        tags: (e.RepoTags ?? []).map((t) => tagNameOnly(parseNormalizedNamed(t))),
      };
    });
  }
  const index = files.get('index.json');
  if (index) return fromOciIndex(files, JSON.parse(index.toString('utf8')));
  throw invalidParameter('invalid archive: neither manifest.json nor index.json found');
}

interface Descriptor { mediaType?: string; digest: string; size?: number; annotations?: Record<string, string>; platform?: { architecture?: string; os?: string } }

function blob(files: Map<string, Buffer>, digest: string): Buffer {
  const b = files.get(`blobs/sha256/${hexOf(digest)}`);
  if (!b) throw invalidParameter(`invalid archive: blob ${digest} not found`);
  if (sha256(b) !== digest) throw invalidParameter(`invalid archive: blob ${digest} does not match its digest`);
  return b;
}

/** A plain OCI layout (skopeo, podman, buildah): names come from the index's annotations. */
function fromOciIndex(files: Map<string, Buffer>, index: { manifests?: Descriptor[] }): ImageToLoad[] {
  const out: ImageToLoad[] = [];
  const resolve = (d: Descriptor, tags: Reference[]) => {
    const doc = JSON.parse(blob(files, d.digest).toString('utf8'));
    if (doc.manifests) {
      const arch = hostArchitecture();
      const pick = (doc.manifests as Descriptor[]).find((m) => !m.platform || (m.platform.os === 'linux' && m.platform.architecture === arch));
      if (!pick) throw invalidParameter(`no matching manifest for linux/${arch} in the archive`);
      resolve(pick, tags);
      return;
    }
    out.push({
      config: blob(files, doc.config.digest),
      layerPaths: (doc.layers as Descriptor[]).map((l) => `blobs/sha256/${hexOf(l.digest)}`),
      tags,
    });
  };
  for (const d of index.manifests ?? []) {
    const name = d.annotations?.['io.containerd.image.name'] ?? d.annotations?.['org.opencontainers.image.ref.name'];
    let tags: Reference[] = [];
    if (name) { try { tags = [tagNameOnly(parseNormalizedNamed(name))]; } catch { tags = []; } }
    resolve(d, tags);
  }
  return out;
}

/** First byte of an entry without consuming it. */
async function peek(stream: Readable): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const onReadable = () => {
      const chunk = stream.read(1) as Buffer | null;
      if (chunk === null) return; // wait for more
      cleanup();
      stream.unshift(chunk);
      resolve(chunk[0]);
    };
    const onEnd = () => { cleanup(); resolve(undefined); };
    const onError = (e: Error) => { cleanup(); reject(e); };
    const cleanup = () => { stream.off('readable', onReadable); stream.off('end', onEnd); stream.off('error', onError); };
    stream.on('readable', onReadable);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
