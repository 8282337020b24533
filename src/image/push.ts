// `docker push` (moby distribution/push_v2.go), on berth's stores. Per layer, cheapest first:
// already pushed in this operation; a blob digest recorded for its diff id that the target
// repository has (HEAD → "Layer already exists"); a cross-repository mount from another repository
// of the same registry where it was seen ("Mounted from …"); else the layer tar is rebuilt from the
// layer store, gzip-compressed in parallel while it streams, hashed, and uploaded in one streamed
// PATCH (or in chunks when the registry asks for them) closed by PUT ?digest=. The digest is
// recorded so the next push of the layer anywhere on that registry skips the work. Then the config,
// the schema2 manifest, and `TAG: digest: sha256:… size: N`.
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { chainIds } from '../common/digest.js';
import { BerthError, invalidParameter } from '../common/errors.js';
import type { ContentStore } from '../content/store.js';
import type { LayerStore } from '../layer/store.js';
import type { AuthConfig } from '../distribution/auth-config.js';
import type { BlobSource, BlobSources } from '../distribution/blob-sources.js';
import { AuthError, TransportError } from '../distribution/errors.js';
import { ParallelGzip } from '../distribution/gzip.js';
import { MEDIA, buildSchema2Manifest } from '../distribution/manifest.js';
import { ProgressThrottle, statusMessage, type ProgressSink } from '../distribution/progress.js';
import { runPool } from '../distribution/pool.js';
import { isUnauthorized, type RegistryClient } from '../distribution/registry.js';
import type { Repository } from '../distribution/repository.js';
import { familiarName, familiarString, fullName, fullString, parseNormalizedNamed, withDigest, type Reference } from './reference.js';
import type { ImageStore } from './store.js';

export interface PushDeps {
  store: ImageStore;
  layers: LayerStore;
  content: ContentStore;
  registry: RegistryClient;
  sources: BlobSources;
}

export interface PushRequest {
  /** Normalized; with a tag, or name-only to push every tag of the repository. */
  ref: Reference;
  auth?: AuthConfig;
  signal?: AbortSignal;
}

/** dockerd's max-concurrent-uploads. */
const UPLOADS = 5;
const ATTEMPTS = 3;
/** Chunk size for registries that want chunked uploads (at least their minimum). */
const CHUNK = 16 << 20;

interface RemoteLayer { digest: string; size: number }
interface LayerToPush { diffId: string; chainId: string; id: string; size: number }

const short = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);

export async function pushImage(deps: PushDeps, req: PushRequest, out: ProgressSink): Promise<void> {
  const { ref } = req;
  const name = fullName(ref);
  out.write({ status: `The push refers to repository [${name}]` });
  const associations = deps.store.allReferences()
    .map(([r, id]) => ({ ref: parseNormalizedNamed(r), id }))
    .filter((a) => fullName(a.ref) === name);
  if (associations.length === 0) throw new BerthError('NotFound', `An image does not exist locally with the tag: ${familiarName(ref)}`);
  if (ref.digest) throw invalidParameter('cannot push a digest reference');
  const session = await deps.registry.connect(ref.domain, req.signal);
  const repo = deps.registry.repository(session, ref.path, req.auth, ['pull', 'push'], req.signal);
  const pusher = new Pusher(deps, repo, name, ref.domain, out);
  if (ref.tag) {
    const id = deps.store.referenceTarget(ref);
    if (!id) throw new BerthError('NotFound', `tag does not exist: ${familiarString(ref)}`);
    await pusher.pushTag(ref, id);
    return;
  }
  const tagged = associations.filter((a) => a.ref.tag && !a.ref.digest).sort((a, b) => (fullString(a.ref) < fullString(b.ref) ? -1 : 1));
  if (tagged.length === 0) throw new BerthError('NotFound', `no tags to push for ${familiarName(ref)}`);
  for (const a of tagged) await pusher.pushTag(a.ref, a.id);
}

class Pusher {
  /** Layers pushed (or found) during this operation, by diff id. */
  private readonly remote = new Map<string, Promise<RemoteLayer>>();
  private readonly throttle: ProgressThrottle;

  constructor(private readonly deps: PushDeps, private readonly repo: Repository, private readonly name: string, private readonly domain: string, private readonly out: ProgressSink) {
    this.throttle = new ProgressThrottle(out);
  }

  async pushTag(ref: Reference, imageId: string): Promise<void> {
    const img = this.deps.store.get(imageId);
    if (!img) throw new BerthError('NotFound', `could not find image from tag ${familiarString(ref)}`);
    const diffIds = img.config.rootfs?.diff_ids ?? [];
    const chain = chainIds(diffIds);
    const layers: LayerToPush[] = diffIds.map((diffId, i) => {
      const rec = this.deps.layers.get(chain[i]!);
      if (!rec) throw new BerthError('NotFound', `failed to get top layer from image: layer ${chain[i]} does not exist`);
      return { diffId, chainId: chain[i]!, id: short(diffId), size: rec.size };
    });
    const topFirst = [...layers].reverse();
    for (const l of topFirst) this.out.write(statusMessage(l.id, 'Preparing'));
    topFirst.slice(UPLOADS).forEach((l) => this.out.write(statusMessage(l.id, 'Waiting')));

    const config = (async () => {
      const bytes = await this.deps.content.readBytes(imageId);
      if ((await this.repo.statBlob(imageId)) === undefined) await this.repo.putBlob(bytes, imageId);
      return bytes.length;
    })();
    config.catch(() => {});
    const results = runPool(topFirst, UPLOADS, (l) => this.layer(l));
    results.forEach((r) => r.catch(() => {}));
    const remoteTopFirst = await Promise.all(results);
    const configSize = await config;

    const manifest = buildSchema2Manifest({ digest: imageId, size: configSize }, remoteTopFirst.reverse());
    const digest = await this.repo.putManifest(ref.tag!, manifest, MEDIA.dockerManifest);
    this.out.write({ status: `${ref.tag}: digest: ${digest} size: ${manifest.length}` });
    const digestRef = withDigest({ domain: ref.domain, path: ref.path }, digest);
    if (!this.deps.store.referenceTarget(digestRef)) await this.deps.store.tag(imageId, digestRef);
    this.out.write({ progressDetail: {}, aux: { Tag: ref.tag, Digest: digest, Size: manifest.length } });
  }

  private layer(l: LayerToPush): Promise<RemoteLayer> {
    const known = this.remote.get(l.diffId);
    if (known) return known.then((r) => { this.out.write(statusMessage(l.id, 'Layer already exists')); return r; });
    const p = this.upload(l);
    this.remote.set(l.diffId, p);
    p.catch(() => this.remote.delete(l.diffId));
    return p;
  }

  private async upload(l: LayerToPush): Promise<RemoteLayer> {
    const sources = this.deps.sources.get(l.diffId);
    const sameRegistry = sources.filter((s) => domainOf(s.repo) === this.domain);
    const checked = new Set<string>();
    const maxMounts = l.size > 10 << 20 ? 4 : l.size > 100 << 10 ? 3 : 1;
    const maxChecks = l.size > 10 << 20 ? 3 : 1;

    // The target repository may have one of the blobs this layer was seen as.
    const ordered = [...sources.filter((s) => s.repo === this.name), ...sources.filter((s) => s.repo !== this.name)];
    const found = await this.findExisting(l, ordered, checked, 1);
    if (found) return found;

    // A mount from another repository of this registry.
    let session: { location: string; chunkMin?: number } | undefined;
    const mountable = uniqueDigests(sameRegistry.filter((s) => s.repo !== this.name)).slice(0, maxMounts);
    for (const s of mountable) {
      const from = pathOf(s.repo);
      try {
        const r = await this.repo.startUpload({ digest: s.digest, from });
        if (r.mounted) {
          this.out.write(statusMessage(l.id, `Mounted from ${from}`));
          this.record(l, { digest: s.digest, size: s.size });
          return { digest: s.digest, size: s.size };
        }
        session = r;
        this.deps.sources.remove(l.diffId, s);
      } catch (e) {
        if (!isUnauthorized(e)) this.deps.sources.remove(l.diffId, s);
      }
    }

    const again = await this.findExisting(l, ordered, checked, maxChecks - checked.size);
    if (again) return again;

    for (let attempt = 1; ; attempt++) {
      try {
        if (!session) {
          const started = await this.repo.startUpload();
          if (started.mounted) throw invalidParameter('registry mounted a blob it was not asked to');
          session = started;
        }
        const r = await this.send(l, session);
        this.out.write(statusMessage(l.id, 'Pushed'));
        this.record(l, r);
        return r;
      } catch (e) {
        session = undefined;
        if (attempt >= ATTEMPTS || !retryable(e)) throw unwrapUrlError(e);
        const delay = attempt;
        this.out.write(statusMessage(l.id, `Retrying in ${delay} second${delay === 1 ? '' : 's'}`));
        await new Promise((r) => setTimeout(r, delay * 1000));
      }
    }
  }

  /** HEADs up to `max` not yet checked digests in the target repository. */
  private async findExisting(l: LayerToPush, candidates: BlobSource[], checked: Set<string>, max: number): Promise<RemoteLayer | undefined> {
    let tries = 0;
    for (const s of candidates) {
      if (tries >= max) break;
      if (checked.has(s.digest)) continue;
      checked.add(s.digest);
      tries++;
      let size: number | undefined;
      try {
        size = await this.repo.statBlob(s.digest);
      } catch (e) {
        if (isUnauthorized(e)) throw unwrapUrlError(e);
        continue;
      }
      if (size === undefined) {
        if (s.repo === this.name) this.deps.sources.remove(l.diffId, s);
        continue;
      }
      const r = { digest: s.digest, size: size || s.size };
      this.record(l, r);
      this.out.write(statusMessage(l.id, 'Layer already exists'));
      return r;
    }
    return undefined;
  }

  private record(l: LayerToPush, r: RemoteLayer): void {
    this.deps.sources.add(l.diffId, { digest: r.digest, repo: this.name, size: r.size });
  }

  /** Compresses the layer while streaming it to the upload session; its digest and size. */
  private async send(l: LayerToPush, session: { location: string; chunkMin?: number }): Promise<RemoteLayer> {
    let read = 0;
    const throttle = this.throttle;
    const counter = new Transform({
      highWaterMark: 1 << 20,
      transform(chunk: Buffer, _e, cb) { read += chunk.length; throttle.update(l.id, 'Pushing', read, l.size); cb(null, chunk); },
      flush(cb) { throttle.update(l.id, 'Pushing', read, l.size, true); cb(); },
    });
    const hash = createHash('sha256');
    let size = 0;
    const tap = new Transform({
      highWaterMark: 1 << 20,
      transform(chunk: Buffer, _e, cb) { hash.update(chunk); size += chunk.length; cb(null, chunk); },
    });
    const tar = this.deps.layers.tarStream(l.chainId);
    const produced = pipeline(tar, counter, new ParallelGzip(), tap);
    produced.catch((e) => tap.destroy(e));
    let location: string;
    try {
      location = session.chunkMin ? await this.sendChunks(session.location, tap, Math.max(session.chunkMin, CHUNK)) : await this.repo.patchStream(session.location, tap);
      await produced;
    } catch (e) {
      tar.destroy();
      tap.destroy();
      await produced.catch(() => {});
      throw e;
    }
    const digest = 'sha256:' + hash.digest('hex');
    await this.repo.completeUpload(location, digest);
    return { digest, size };
  }

  private async sendChunks(location: string, body: Readable, chunkSize: number): Promise<string> {
    let parts: Buffer[] = [];
    let len = 0;
    let offset = 0;
    for await (const c of body) {
      parts.push(c as Buffer);
      len += (c as Buffer).length;
      if (len >= chunkSize) {
        const chunk = Buffer.concat(parts, len);
        location = await this.repo.patchChunk(location, chunk, offset);
        offset += chunk.length;
        parts = [];
        len = 0;
      }
    }
    if (len > 0) location = await this.repo.patchChunk(location, Buffer.concat(parts, len), offset);
    return location;
  }
}

function domainOf(repo: string): string | undefined {
  try { return parseNormalizedNamed(repo).domain; } catch { return undefined; }
}

function pathOf(repo: string): string {
  return parseNormalizedNamed(repo).path;
}

function uniqueDigests(list: BlobSource[]): BlobSource[] {
  const seen = new Set<string>();
  return list.filter((s) => (seen.has(s.digest) ? false : (seen.add(s.digest), true)));
}

function retryable(e: unknown): boolean {
  if (e instanceof TransportError) return true;
  const status = (e as { status?: number }).status;
  return status !== undefined && status >= 500;
}

/** moby's retryOnError: a layer upload's url.Error is reported as its cause alone. */
function unwrapUrlError(e: unknown): unknown {
  if (e instanceof AuthError) return new BerthError(e.code, typeof e.inner === 'string' ? e.inner : e.inner.message);
  if (e instanceof TransportError) return new BerthError('SystemError', e.cause_);
  return e;
}

