// Image records (keyed by config digest) and the reference index (name:tag / name@digest → id).
// The config blob lives in the content store; a record exists only once its config and all
// its layers are in place, so a crash mid-load leaves no image pointing at missing layers.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../common/atomic.js';
import { chainIds, hexOf } from '../common/digest.js';
import { conflict, invalidParameter, notFound } from '../common/errors.js';
import type { ContentStore } from '../content/store.js';
import type { ImageConfig, ImageRecord } from './types.js';
import {
  familiarString, fullString, isNamed, parseAnyReference, shortIdHex, parseNormalizedNamed, tagNameOnly, type Reference,
} from './reference.js';

export interface Image {
  record: ImageRecord;
  config: ImageConfig;
  configSize: number;
}

export class ImageStore {
  private readonly recordsDir: string;
  private readonly refsFile: string;
  private readonly images = new Map<string, Image>();
  /** full reference string → image id */
  private readonly refs = new Map<string, string>();
  /** image id → its references, parsed once (listing 500 tags must not re-parse them) */
  private readonly refsById = new Map<string, Map<string, Reference>>();
  private refsWrite: Promise<void> = Promise.resolve();

  constructor(root: string, private readonly content: ContentStore) {
    this.recordsDir = join(root, 'records');
    this.refsFile = join(root, 'repositories.json');
  }

  async init(): Promise<void> {
    await mkdir(this.recordsDir, { recursive: true });
    for (const name of await readdir(this.recordsDir)) {
      if (!name.endsWith('.json')) { await rm(join(this.recordsDir, name), { force: true }); continue; }
      const record = JSON.parse(await readFile(join(this.recordsDir, name), 'utf8')) as ImageRecord;
      if (!this.content.has(record.id)) continue; // config lost: treat the record as never written
      const bytes = await this.content.readBytes(record.id);
      this.images.set(record.id, { record, config: JSON.parse(bytes.toString('utf8')), configSize: bytes.length });
    }
    try {
      const saved = JSON.parse(await readFile(this.refsFile, 'utf8')) as Record<string, string>;
      for (const [ref, id] of Object.entries(saved)) if (this.images.has(id)) this.setRef(ref, id);
    } catch { /* no references yet */ }
  }

  /** Stores an image whose config blob is already in the content store. */
  async add(id: string, opts: { parent?: string } = {}): Promise<Image> {
    const existing = this.images.get(id);
    if (existing) return existing;
    const bytes = await this.content.readBytes(id);
    const config = JSON.parse(bytes.toString('utf8')) as ImageConfig;
    const record: ImageRecord = { id, addedAt: new Date().toISOString() };
    if (opts.parent) record.parent = opts.parent;
    await writeFileAtomic(join(this.recordsDir, hexOf(id) + '.json'), JSON.stringify(record));
    const img = { record, config, configSize: bytes.length };
    this.images.set(id, img);
    return img;
  }

  /** Stores a new config blob and its record. */
  async create(config: ImageConfig, opts: { parent?: string } = {}): Promise<Image> {
    const bytes = Buffer.from(JSON.stringify(config));
    const { digest } = await this.content.putBytes(bytes);
    return this.add(digest, opts);
  }

  get(id: string): Image | undefined {
    return this.images.get(id);
  }

  list(): Image[] {
    return [...this.images.values()];
  }

  /** Every chain id an image needs, bottom first. */
  chainOf(img: Image): string[] {
    return chainIds(img.config.rootfs?.diff_ids ?? []);
  }

  /**
   * Docker's image lookup: a reference in the index, else a full or short image id.
   * Throws NotFound "No such image: …" as Docker does.
   */
  resolve(refOrId: string): Image {
    const img = this.lookup(refOrId);
    if (!img) throw notFound(`No such image: ${this.displayName(refOrId)}`);
    return img;
  }

  lookup(refOrId: string): Image | undefined {
    let parsed: ReturnType<typeof parseAnyReference> | undefined;
    try {
      parsed = parseAnyReference(refOrId);
    } catch {
      parsed = undefined;
    }
    if (parsed && !isNamed(parsed)) return this.images.get(parsed.digest);
    if (parsed && isNamed(parsed)) {
      const id = this.refs.get(fullString(tagNameOnly(parsed)));
      if (id) return this.images.get(id);
    }
    return this.byIdPrefix(refOrId);
  }

  private byIdPrefix(s: string): Image | undefined {
    const hex = shortIdHex(s);
    if (!hex) return undefined;
    let found: Image | undefined;
    for (const [id, img] of this.images) {
      if (id.slice(7).startsWith(hex)) {
        if (found) throw invalidParameter(`ambiguous image id: ${s}`); // Docker: "…matches multiple"
        found = img;
      }
    }
    return found;
  }

  private displayName(refOrId: string): string {
    try {
      const p = parseAnyReference(refOrId);
      if (isNamed(p)) return familiarString(tagNameOnly(p));
    } catch { /* shown as given */ }
    return refOrId;
  }

  /** All references of an image, as Reference objects. */
  referencesOf(id: string): Reference[] {
    return [...(this.refsById.get(id)?.values() ?? [])];
  }

  private setRef(ref: string, id: string, parsed?: Reference): void {
    this.deleteRef(ref);
    this.refs.set(ref, id);
    let m = this.refsById.get(id);
    if (!m) this.refsById.set(id, (m = new Map()));
    m.set(ref, parsed ?? parseNormalizedNamed(ref));
  }

  private deleteRef(ref: string): boolean {
    const prev = this.refs.get(ref);
    if (prev === undefined) return false;
    this.refs.delete(ref);
    const m = this.refsById.get(prev);
    m?.delete(ref);
    if (m?.size === 0) this.refsById.delete(prev);
    return true;
  }

  referenceTarget(ref: Reference): string | undefined {
    return this.refs.get(fullString(ref));
  }

  allReferences(): Array<[string, string]> {
    return [...this.refs];
  }

  /** Points a reference at an image, replacing what it pointed at (as `docker tag` does). */
  async tag(id: string, ref: Reference): Promise<void> {
    const img = this.images.get(id);
    if (!img) throw notFound(`No such image: ${id}`);
    if (ref.digest && !ref.tag) {
      const prev = this.refs.get(fullString(ref));
      if (prev && prev !== id) throw conflict(`Conflict: Tag ${familiarString(ref)} is already set to image ${prev}, if you want to replace it, please use the force option`);
    }
    this.setRef(fullString(ref), id, ref);
    img.record.lastTagTime = new Date().toISOString();
    await this.saveRecord(img.record);
    await this.saveRefs();
  }

  async untag(ref: Reference): Promise<boolean> {
    const had = this.deleteRef(fullString(ref));
    if (had) await this.saveRefs();
    return had;
  }

  /** Removes the record (and its config blob); the caller releases layers no longer used. */
  async remove(id: string): Promise<void> {
    for (const ref of [...(this.refsById.get(id)?.keys() ?? [])]) this.deleteRef(ref);
    this.images.delete(id);
    await this.saveRefs();
    await rm(join(this.recordsDir, hexOf(id) + '.json'), { force: true });
    await this.content.delete(id);
  }

  /** Images whose record names `id` as parent. */
  children(id: string): Image[] {
    return this.list().filter((i) => i.record.parent === id);
  }

  private async saveRecord(record: ImageRecord): Promise<void> {
    await writeFileAtomic(join(this.recordsDir, hexOf(record.id) + '.json'), JSON.stringify(record));
  }

  /** Serialised so concurrent tags never interleave two writes of the index. */
  private saveRefs(): Promise<void> {
    const snapshot = () => JSON.stringify(Object.fromEntries(this.refs));
    this.refsWrite = this.refsWrite.then(() => writeFileAtomic(this.refsFile, snapshot()));
    return this.refsWrite;
  }
}

