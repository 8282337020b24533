// `docker pull` (moby distribution/pull_v2.go), on berth's stores: the manifest resolved by tag
// (HEAD, then GET by digest) or by digest, a manifest list narrowed to the platform, the config
// fetched and verified, layers the layer store already holds skipped ("Already exists"), the rest
// downloaded three at a time — each streamed straight into the same staging path `docker load`
// uses (decompress, unpack, diff id) while its compressed digest is computed, resumed with Range
// requests when a connection drops — and committed bottom-up only once both digests check out.
// A failed pull leaves nothing: staged layers are discarded and no record points at them.
import type { Readable } from 'node:stream';
import { chainIds } from '../common/digest.js';
import { BerthError, errorMessage, invalidParameter } from '../common/errors.js';
import type { ContentStore } from '../content/store.js';
import type { LayerStore, StagedLayer } from '../layer/store.js';
import type { AuthConfig } from '../distribution/auth-config.js';
import type { BlobSources } from '../distribution/blob-sources.js';
import { RegistryApiError } from '../distribution/errors.js';
import { checkConfigMediaType, layerCompression, parseManifest, type Descriptor, type ImageIndex, type ImageManifest } from '../distribution/manifest.js';
import { formatPlatform, hostPlatform, platformRank, withDefault, type Platform } from '../distribution/platform.js';
import { ProgressThrottle, progressMessage, statusMessage, type ProgressSink } from '../distribution/progress.js';
import { runPool } from '../distribution/pool.js';
import type { RegistryClient } from '../distribution/registry.js';
import type { Repository } from '../distribution/repository.js';
import { familiarName, familiarString, fullName, isNameOnly, withDigest, withTag, type Reference } from './reference.js';
import type { ImageStore } from './store.js';
import type { ImageConfig } from './types.js';

export interface PullDeps {
  store: ImageStore;
  layers: LayerStore;
  content: ContentStore;
  registry: RegistryClient;
  sources: BlobSources;
}

export interface PullRequest {
  /** Normalized; with a tag or a digest, or name-only to pull every tag. */
  ref: Reference;
  auth?: AuthConfig;
  /** The `platform` asked for (undefined: the host's). */
  platform?: Platform;
  signal?: AbortSignal;
}

/** dockerd's max-concurrent-downloads. */
const DOWNLOADS = 3;
const MAX_CONFIG = 8 << 20;
const errRootFSMismatch = () => invalidParameter("layers from manifest don't match image configuration");

const short = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);

export async function pullImage(deps: PullDeps, req: PullRequest, out: ProgressSink): Promise<void> {
  const { ref } = req;
  try {
    const session = await deps.registry.connect(ref.domain, req.signal);
    const repo = deps.registry.repository(session, ref.path, req.auth, ['pull'], req.signal);
    let updated = false;
    if (isNameOnly(ref)) {
      for (const tag of await repo.tags()) updated = (await pullTag(deps, repo, withTag(ref, tag), req, out)) || updated;
    } else {
      updated = await pullTag(deps, repo, ref, req, out);
    }
    out.write({ status: `Status: ${updated ? 'Downloaded newer image' : 'Image is up to date'} for ${familiarString(ref)}` });
  } catch (e) {
    throw translatePullError(e, ref);
  }
}

/** translatePullError: the registry's "not found"-like answers reworded with the reference. */
export function translatePullError(e: unknown, ref: Reference): unknown {
  if (!(e instanceof RegistryApiError) || e.errors.length === 0) return e;
  const first = e.errors[0]!;
  const text = new RegistryApiError(e.status, [first]).message;
  switch (first.code) {
    case 'DENIED':
      return new BerthError('NotFound', `pull access denied for ${familiarName(ref)}, repository does not exist or may require 'docker login': ${text}`);
    case 'MANIFEST_UNKNOWN':
      return new BerthError('NotFound', `manifest for ${familiarString(ref)} not found: ${text}`);
    case 'NAME_UNKNOWN':
      return new BerthError('NotFound', `repository ${familiarName(ref)} not found: ${text}`);
  }
  return e;
}

/** Pulls one tag or digest; true when the reference now points somewhere new. */
async function pullTag(deps: PullDeps, repo: Repository, ref: Reference, req: PullRequest, out: ProgressSink): Promise<boolean> {
  const tagOrDigest = ref.digest ?? ref.tag!;
  let fetched;
  if (ref.digest) {
    fetched = await repo.getManifest(ref.digest);
  } else {
    const head = await repo.headManifest(ref.tag!);
    fetched = await repo.getManifest(head ? head.digest : ref.tag!);
  }
  const doc = parseManifest(fetched.bytes, fetched.mediaType, fullName(ref));
  out.write({ status: `Pulling from ${ref.path}`, id: tagOrDigest });
  let manifest: ImageManifest;
  if (doc.kind === 'index') {
    const child = selectManifest(doc, req.platform);
    const got = await repo.getManifest(child.digest);
    const m = parseManifest(got.bytes, got.mediaType || child.mediaType, fullName(ref));
    if (m.kind !== 'manifest') throw invalidParameter(`unsupported manifest list entry ${child.digest}: a nested index`);
    manifest = m;
  } else {
    manifest = doc;
  }
  const imageId = await pullManifest(deps, repo, ref, manifest, out);
  out.write({ status: `Digest: ${fetched.digest}` });
  const updated = await updateReferences(deps.store, ref, fetched.digest, imageId);
  // A single-platform image is taken whatever its platform, with a warning (moby, for compatibility).
  if (req.platform && doc.kind === 'manifest') warnPlatformMismatch(deps.store, imageId, ref, req.platform, out);
  return updated;
}

/** The manifest a list/index offers for the platform (moby's filterManifests: best match first). */
export function selectManifest(index: ImageIndex, want: Platform | undefined): Descriptor {
  const p = withDefault(want);
  let best: { d: Descriptor; rank: number } | undefined;
  for (const d of index.manifests) {
    if (d.mediaType && !/manifest|image\.index|json/.test(d.mediaType)) continue;
    const rank = d.platform ? platformRank(p, { ...d.platform, os: d.platform.os ?? '', architecture: d.platform.architecture ?? '' }) : Number.MAX_SAFE_INTEGER;
    if (rank < 0) continue;
    if (!best || rank < best.rank) best = { d, rank };
  }
  if (!best) throw invalidParameter(`no matching manifest for ${formatPlatform(want ? p : hostPlatform())} in the manifest list entries`);
  return best.d;
}

async function pullManifest(deps: PullDeps, repo: Repository, ref: Reference, m: ImageManifest, out: ProgressSink): Promise<string> {
  checkConfigMediaType(m.config.mediaType);
  for (const l of m.layers) layerCompression(l);
  const imageId = m.config.digest;
  // If the image already exists locally, no need to pull anything.
  if (deps.store.get(imageId)) return imageId;
  const configBytes = await repo.blobBytes(m.config.digest, m.config.size, MAX_CONFIG);
  let config: ImageConfig;
  try {
    config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
  } catch (e) {
    throw invalidParameter(`invalid image config ${imageId}: ${errorMessage(e)}`);
  }
  // moby's checkImageCompatibility: a Windows image has no business on a Linux engine.
  if (config.os && config.os.toLowerCase() !== 'linux') throw invalidParameter(`image operating system "${config.os}" cannot be used on this platform`);
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (!Array.isArray(diffIds) || diffIds.length !== m.layers.length) throw errRootFSMismatch();
  const chain = chainIds(diffIds);
  const repoName = fullName(ref);

  // Layers already stored (a prefix: each chain id needs its parent) are not fetched again.
  let have = 0;
  while (have < m.layers.length && deps.layers.get(chain[have]!)) {
    out.write(statusMessage(short(m.layers[have]!.digest), 'Already exists'));
    deps.sources.add(diffIds[have]!, { digest: m.layers[have]!.digest, repo: repoName, size: m.layers[have]!.size });
    have++;
  }
  const todo = m.layers.slice(have).map((desc, k) => ({ desc, index: have + k }));
  for (const t of todo) out.write(statusMessage(short(t.desc.digest), 'Pulling fs layer'));
  todo.slice(DOWNLOADS).forEach((t) => out.write(statusMessage(short(t.desc.digest), 'Waiting')));

  const throttle = new ProgressThrottle(out);
  const streams = new Set<Readable>();
  const staged: StagedLayer[] = [];
  const committed = new Set<StagedLayer>();
  let failed = false;
  const download = async (t: { desc: Descriptor; index: number }): Promise<StagedLayer> => {
    if (failed) throw new Error('pull aborted');
    const id = short(t.desc.digest);
    let received = 0;
    const input = repo.openBlob(t.desc.digest, t.desc.size, {
      onBytes: (n) => { received += n; throttle.update(id, 'Downloading', received, t.desc.size, received === t.desc.size); },
    });
    streams.add(input);
    try {
      const st = await deps.layers.stage(input);
      staged.push(st);
      out.write(statusMessage(id, 'Verifying Checksum'));
      if (st.digest !== t.desc.digest || st.compressedSize !== t.desc.size) {
        throw invalidParameter(`filesystem layer verification failed for digest ${t.desc.digest}`);
      }
      if (st.diffId !== diffIds[t.index]) throw errRootFSMismatch();
      out.write(statusMessage(id, 'Download complete'));
      return st;
    } finally {
      streams.delete(input);
    }
  };
  const jobs = runPool(todo, DOWNLOADS, download);
  jobs.forEach((j) => j.catch(() => {}));
  try {
    for (let k = 0; k < todo.length; k++) {
      const t = todo[k]!;
      const st = await jobs[k]!;
      const id = short(t.desc.digest);
      out.write(progressMessage(id, 'Extracting', t.desc.size, t.desc.size));
      await st.commit(t.index === 0 ? null : chain[t.index - 1]!);
      committed.add(st);
      deps.sources.add(diffIds[t.index]!, { digest: t.desc.digest, repo: repoName, size: t.desc.size });
      out.write(statusMessage(id, 'Pull complete'));
    }
  } catch (e) {
    failed = true;
    for (const s of streams) s.destroy();
    await Promise.allSettled(jobs);
    throw e;
  } finally {
    for (const st of staged) if (!committed.has(st)) await st.discard().catch(() => {});
  }
  await deps.content.putBytes(configBytes, imageId);
  await deps.store.add(imageId);
  return imageId;
}


/**
 * The tag (or digest) reference and the `name@digest` one (RepoDigests). True when the
 * requested reference did not already point at this image.
 */
async function updateReferences(store: ImageStore, ref: Reference, manifestDigest: string, imageId: string): Promise<boolean> {
  const old = store.referenceTarget(ref);
  const digestRef = withDigest({ domain: ref.domain, path: ref.path }, manifestDigest);
  const addDigestRef = async () => {
    const prev = store.referenceTarget(digestRef);
    if (!prev) await store.tag(imageId, digestRef);
  };
  if (old === imageId) {
    await addDigestRef();
    return false;
  }
  if (ref.digest) {
    if (old) await store.untag(ref);
    await store.tag(imageId, ref);
  } else {
    await addDigestRef();
    await store.tag(imageId, ref);
  }
  return true;
}

/** The warning moby gives when a single-platform image does not match the requested platform. */
function warnPlatformMismatch(store: ImageStore, imageId: string, ref: Reference, want: Platform, out: ProgressSink): void {
  const img = store.get(imageId);
  if (!img) return;
  const have: Platform = { os: img.config.os, architecture: img.config.architecture };
  if (img.config.variant) have.variant = img.config.variant;
  if (platformRank(want, have) >= 0) return;
  out.write({ status: `WARNING: image with reference ${familiarName(ref)} was found but does not match the specified platform: wanted ${formatPlatform(want)}, actual: ${formatPlatform(have)}` });
}
