// The image service the API talks to: one narrow surface over the stores and the image verbs.
import type { Readable } from 'node:stream';
import { invalidParameter, notFound, notImplemented } from '../common/errors.js';
import { parseFilters, parseTimestampMs, type Filters } from '../common/filters.js';
import type { ContentStore } from '../content/store.js';
import type { LayerStore } from '../layer/store.js';
import { saveArchive, type SaveItem } from './archive-save.js';
import { loadArchive, type LoadEvents } from './archive-load.js';
import { importRootfs, type ImportOptions } from './import.js';
import { ImageRemover, noUsage, type DeleteRecord, type ImageUsage } from './remove.js';
import {
  digestError, familiarMatch, familiarName, familiarString, fullName, isNameOnly, parseNormalizedNamed, parseTagRequest, repoTagReference,
  tagNameOnly, tagTarget, trimNamed, withDigest, withTag, type Reference,
} from './reference.js';
import type { Image, ImageStore } from './store.js';
import { createdSeconds, historyOf, inspectOf, summaryOf, type HistoryItem, type ImageSummary } from './views.js';
import { pullImage } from './pull.js';
import { pushImage } from './push.js';
import type { AuthConfig } from '../distribution/auth-config.js';
import type { BlobSources } from '../distribution/blob-sources.js';
import { formatPlatform, normalize, parsePlatform, platformRank, type Platform } from '../distribution/platform.js';
import type { ProgressSink } from '../distribution/progress.js';
import type { RegistryClient } from '../distribution/registry.js';

/** The registry client and the record of where layer blobs were seen (pull, push, login). */
export interface RegistryDeps {
  client: RegistryClient;
  sources: BlobSources;
}

export interface PullOptions {
  /** `fromImage`: a name, maybe with a tag or digest (a trailing `:` of `pull -a` is ignored). */
  image: string;
  /** `tag`: a tag or a digest; empty with a name-only image pulls every tag. */
  tag?: string;
  platform?: string;
  auth?: AuthConfig;
  signal?: AbortSignal;
}

/** Where image events go (the daemon's event log); images sit below containers, so only this shape is known here. */
export interface ImageEventSink {
  emit(type: 'image', action: string, id: string, attributes?: Record<string, string>): unknown;
}

export class ImageService {
  private usage: () => ImageUsage = () => noUsage;
  private readonly remover: ImageRemover;

  constructor(readonly store: ImageStore, readonly layers: LayerStore, readonly content: ContentStore, private readonly events?: ImageEventSink, private readonly registry?: RegistryDeps) {
    this.remover = new ImageRemover(store, layers, () => this.usage(), (action, id) => this.logEvent(id, id, action));
  }

  /**
   * moby's LogImageEvent: the image's labels (when it still exists) and `name` (a reference, or
   * the id itself for untag/delete/load/save/import), with the image id as the actor.
   */
  private logEvent(id: string, name: string, action: string): void {
    if (!this.events) return;
    const labels = this.store.get(id)?.config.config?.Labels ?? {};
    this.events.emit('image', action, id, { ...labels, name });
  }

  /** The container service registers itself here once it exists (it sits above images). */
  setUsage(usage: ImageUsage): void {
    this.usage = () => usage;
  }

  resolve(name: string): Image {
    return this.store.resolve(name);
  }

  /**
   * The image for a container of the platform asked for (`create --platform`): one of another
   * platform is NotFound with moby's text, so that the docker CLI goes on to pull the right one.
   */
  resolveForPlatform(name: string, platform: string | undefined): Image {
    const img = this.store.resolve(name);
    if (!platform) return img;
    const want = parsePlatform(platform);
    const cfg = img.config as { os?: string; architecture?: string; variant?: string };
    const have: Platform = { os: cfg.os ?? '', architecture: cfg.architecture ?? '', ...(cfg.variant ? { variant: cfg.variant } : {}) };
    if (platformRank(want, have) < 0) {
      throw notFound(`image with reference ${name} was found but does not match the specified platform: wanted ${formatPlatform(want)}, actual: ${formatPlatform(normalize(have))}`);
    }
    return img;
  }

  list(opts: { all?: boolean; filters?: string; digests?: boolean }, apiVersion: number): ImageSummary[] {
    const f = parseFilters(opts.filters);
    f.validate(['dangling', 'label', 'before', 'since', 'reference', 'until']);
    const images = this.filterImages(this.store.list(), f, opts.all ?? false);
    const usage = this.usage();
    const patterns = f.get('reference');
    // With a reference filter Docker lists only the references that matched.
    const keep = patterns.length ? (r: Reference) => patterns.some((p) => familiarMatch(p, r)) : undefined;
    return images
      .map((img) => summaryOf(img, this.store, this.layers, apiVersion, usage.containersUsing(img.record.id).length, keep))
      .sort((a, b) => b.Created - a.Created || (a.Id < b.Id ? -1 : 1));
  }

  private filterImages(images: Image[], f: Filters, all: boolean): Image[] {
    const dangling = f.has('dangling') ? f.getBoolOrDefault('dangling', false) : undefined;
    const before = f.get('before').map((n) => this.resolve(n));
    const since = f.get('since').map((n) => this.resolve(n));
    const refPatterns = f.get('reference');
    const until = f.get('until').map((u) => parseTimestampMs(u));
    const parents = new Set(images.map((i) => i.record.parent).filter(Boolean));
    return images.filter((img) => {
      const refs = this.store.referencesOf(img.record.id);
      const tagged = refs.some((r) => !r.digest);
      if (dangling !== undefined && dangling === tagged) return false;
      // Without -a, untagged images that are parents of others are intermediate layers.
      if (!all && dangling === undefined && refs.length === 0 && parents.has(img.record.id)) return false;
      if (!matchLabels(f, img.config.config?.Labels ?? {})) return false;
      const created = createdSeconds(img);
      if (before.some((b) => created >= createdSeconds(b))) return false;
      if (since.some((s) => created <= createdSeconds(s))) return false;
      if (until.some((u) => created * 1000 >= u)) return false;
      if (refPatterns.length) {
        if (!refs.some((r) => refPatterns.some((p) => familiarMatch(p, r)))) return false;
      }
      return true;
    });
  }

  inspect(name: string, apiVersion: number): Record<string, unknown> {
    return inspectOf(this.resolve(name), this.store, this.layers, apiVersion);
  }

  history(name: string): HistoryItem[] {
    return historyOf(this.resolve(name), this.store, this.layers);
  }

  async tag(source: string, repo: string, tag: string | undefined): Promise<void> {
    const img = this.resolve(source);
    const ref = parseTagRequest(repo, tag);
    if (!ref) return;
    const target = tagTarget(ref);
    await this.store.tag(img.record.id, target);
    this.logEvent(img.record.id, familiarString(target), 'tag');
  }

  /** Tags an image id with a parsed reference (the builder's -t). */
  async tagReference(id: string, ref: Reference): Promise<void> {
    const target = tagTarget(ref);
    await this.store.tag(id, target);
    this.logEvent(id, familiarString(target), 'tag');
  }

  remove(name: string, force: boolean, prune: boolean): Promise<DeleteRecord[]> {
    return this.remover.remove(name, force, prune);
  }

  async prune(filters: string | undefined): Promise<{ ImagesDeleted: DeleteRecord[] | null; SpaceReclaimed: number }> {
    const f = parseFilters(filters);
    f.validate(['dangling', 'label', 'label!', 'until']);
    const danglingOnly = f.getBoolOrDefault('dangling', true);
    const deleted: DeleteRecord[] = [];
    let reclaimed = 0;
    const usage = this.usage();
    const until = f.get('until').map((u) => parseTimestampMs(u));
    for (const img of this.store.list()) {
      const id = img.record.id;
      const refs = this.store.referencesOf(id);
      if (danglingOnly && refs.length > 0) continue;
      if (usage.containersUsing(id).length > 0) continue;
      if (this.store.children(id).length > 0) continue;
      if (!matchLabels(f, img.config.config?.Labels ?? {})) continue;
      if (until.some((u) => createdSeconds(img) * 1000 >= u)) continue;
      // Only layers no other image shares free space; size them before they are gone.
      const sizes = new Map(this.store.chainOf(img).map((c) => [c, this.layers.get(c)?.size ?? 0]));
      for (const r of refs) { await this.remover.untag(id, r); deleted.push({ Untagged: familiarString(r) }); }
      deleted.push({ Deleted: id });
      for (const c of await this.remover.deleteImage(id)) {
        deleted.push({ Deleted: c });
        reclaimed += sizes.get(c) ?? 0;
      }
    }
    this.events?.emit('image', 'prune', '', { reclaimed: String(reclaimed) });
    return { ImagesDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed };
  }

  /** Resolves names first, so an unknown one fails before any byte is streamed. */
  save(names: string[]): Readable {
    if (names.length === 0) throw invalidParameter('no images specified');
    const items: SaveItem[] = [];
    const byId = new Map<string, SaveItem>();
    for (const name of names) {
      let ref: Reference | undefined;
      try { ref = parseNormalizedNamed(name); } catch { ref = undefined; }
      if (ref && isNameOnly(ref) && !this.store.lookup(name)?.record) {
        // A bare repository name saves every tag of it, as Docker does.
        const tagged = this.store.allReferences()
          .map(([r, id]) => [parseNormalizedNamed(r), id] as const)
          .filter(([r]) => fullName(r) === fullName(ref!) && r.tag);
        if (tagged.length === 0) throw notFound(`No such image: ${name}`);
        for (const [r, id] of tagged) this.addSaveItem(items, byId, this.store.get(id)!, r);
        continue;
      }
      const img = this.resolve(name);
      const tagRef = ref && !isIdLike(name) ? tagNameOnly(ref) : undefined;
      this.addSaveItem(items, byId, img, tagRef && !tagRef.digest ? tagRef : undefined);
    }
    return saveArchive(items, this.store, this.layers, this.content, (img) => this.logEvent(img.record.id, img.record.id, 'save'));
  }

  private addSaveItem(items: SaveItem[], byId: Map<string, SaveItem>, image: Image, tag: Reference | undefined): void {
    let item = byId.get(image.record.id);
    if (!item) { item = { image, tags: [] }; byId.set(image.record.id, item); items.push(item); }
    if (tag && !item.tags.some((t) => t.domain === tag.domain && t.path === tag.path && t.tag === tag.tag)) item.tags.push(tag);
  }

  load(input: Readable, ev: LoadEvents): Promise<string[]> {
    return loadArchive(input, this.store, this.layers, this.content, {
      ...ev,
      image: (id) => { ev.image?.(id); this.logEvent(id, id, 'load'); },
    });
  }

  async import(input: Readable, repo: string | undefined, tag: string | undefined, opts: ImportOptions): Promise<string> {
    const ref = repoTagReference(repo ?? '', tag);
    const id = await importRootfs(input, this.store, this.layers, opts);
    if (ref) {
      await this.store.tag(id, ref);
      this.logEvent(id, familiarString(ref), 'tag');
    }
    this.logEvent(id, id, 'import');
    return id;
  }

  /** `POST /images/create?fromImage=`: moby's PullImage. Progress goes to `out` as it happens. */
  async pull(o: PullOptions, out: ProgressSink): Promise<void> {
    const reg = this.requireRegistry();
    let ref = parseNormalizedNamed(o.image.replace(/:$/, ''));
    if (o.tag) ref = digestError(o.tag) === undefined ? withDigest(trimNamed(ref), o.tag) : withTag(ref, o.tag);
    const platform = o.platform ? parsePlatform(o.platform) : undefined;
    await pullImage({ store: this.store, layers: this.layers, content: this.content, registry: reg.client, sources: reg.sources },
      { ref, auth: o.auth, platform, signal: o.signal }, out);
    this.logEvent(familiarString(ref), familiarName(ref), 'pull');
  }

  /** `POST /images/{name}/push?tag=`: one tag, or every tag of the repository when none is given. */
  async push(name: string, tag: string | undefined, auth: AuthConfig | undefined, out: ProgressSink, signal?: AbortSignal): Promise<void> {
    const reg = this.requireRegistry();
    const ref = tag ? repoTagReference(name, tag)! : parseNormalizedNamed(name);
    await pushImage({ store: this.store, layers: this.layers, content: this.content, registry: reg.client, sources: reg.sources },
      { ref, auth, signal }, out);
    this.logEvent(familiarString(ref), familiarName(ref), 'push');
  }

  /** `POST /auth`: checks the credentials against the registry (moby's AuthenticateToRegistry). */
  async login(auth: AuthConfig): Promise<{ IdentityToken: string; Status: string }> {
    const token = await this.requireRegistry().client.login(auth);
    return { IdentityToken: token, Status: 'Login Succeeded' };
  }

  private requireRegistry(): RegistryDeps {
    if (!this.registry) throw notImplemented('this daemon has no registry client');
    return this.registry;
  }

  /** Layers no image references (left by a crash between commit and record): removed at start. */
  async collectGarbage(): Promise<number> {
    const needed = this.neededChains();
    let n = 0;
    for (const l of this.layers.list()) {
      if (!needed.has(l.chainId)) { await this.layers.remove(l.chainId); n++; }
    }
    return n;
  }

  /**
   * A removed container's layers: those that no image or other container needs go. They outlive
   * their image when `rmi -f` deleted it under a stopped container (moby releases the layer
   * references the same way when the container goes).
   */
  async releaseChains(chains: readonly string[]): Promise<void> {
    const needed = this.neededChains();
    for (const c of [...chains].reverse()) {
      if (!needed.has(c) && this.layers.get(c)) await this.layers.remove(c);
    }
  }

  private neededChains(): Set<string> {
    const needed = this.usage().chainsInUse();
    for (const img of this.store.list()) for (const c of this.store.chainOf(img)) needed.add(c);
    return needed;
  }

  counts(): { images: number } {
    return { images: this.store.list().length };
  }
}

function isIdLike(name: string): boolean {
  return /^(sha256:)?[a-f0-9]{12,64}$/.test(name);
}

/** Docker's `label=key` / `label=key=value` (and `label!=` for prune) against an image's labels. */
function matchLabels(f: Filters, labels: Record<string, string>): boolean {
  const test = (spec: string) => {
    const i = spec.indexOf('=');
    return i < 0 ? spec in labels : labels[spec.slice(0, i)] === spec.slice(i + 1);
  };
  return f.get('label').every(test) && !f.get('label!').some(test);
}
