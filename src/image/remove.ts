// `docker rmi` semantics (moby daemon/images/image_delete.go): untag versus delete, conflicts,
// parent pruning, and the Untagged/Deleted records Docker prints.
import { conflict } from '../common/errors.js';
import { familiarString, parseAnyReference, shortIdHex, tagNameOnly, type Reference } from './reference.js';
import type { Image, ImageStore } from './store.js';
import type { LayerStore } from '../layer/store.js';

export interface DeleteRecord { Untagged?: string; Deleted?: string }

/** What the container side tells the image side; wired by the daemon. */
export interface ImageUsage {
  /** Containers created from the image. */
  containersUsing(imageId: string): Array<{ id: string; running: boolean }>;
  /** Layer chain ids that containers still mount (never removed from under them). */
  chainsInUse(): Set<string>;
}

export const noUsage: ImageUsage = { containersUsing: () => [], chainsInUse: () => new Set() };

/** What removal reports as it goes: moby logs `untag` per reference removed and `delete` per image. */
export type RemovalEvent = (action: 'untag' | 'delete', imageId: string) => void;

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

export class ImageRemover {
  constructor(
    private readonly store: ImageStore,
    private readonly layers: LayerStore,
    private readonly usage: () => ImageUsage,
    private readonly onEvent: RemovalEvent = () => {},
  ) {}

  /** Removes a reference of `id`, reporting it as moby's image service does. */
  async untag(id: string, ref: Reference): Promise<void> {
    await this.store.untag(ref);
    this.onEvent('untag', id);
  }

  async remove(name: string, force: boolean, prune: boolean): Promise<DeleteRecord[]> {
    const img = this.store.resolve(name);
    const id = img.record.id;
    const records: DeleteRecord[] = [];
    let repoRefs = this.store.referencesOf(id);
    let removedRepositoryRef = false;

    if (!isIdReference(name, id)) {
      const ref = tagNameOnly(parseAnyReference(name) as Reference);
      // The last reference of an image a container uses (running or not) is kept unless forced:
      // removing it would leave the image dangling.
      if (!force && repoRefs.length === 1) {
        const user = this.usage().containersUsing(id)[0];
        if (user) throw conflict(`conflict: unable to remove repository reference ${JSON.stringify(name)} (must force) - container ${short(user.id)} is using its referenced image ${short(id)}`);
      }
      await this.untag(id, ref);
      records.push({ Untagged: familiarString(ref) });
      repoRefs = this.store.referencesOf(id);
      if (!ref.digest) {
        const sameRepoTag = repoRefs.some((r) => !r.digest && sameRepo(r, ref));
        if (!sameRepoTag) {
          for (const r of repoRefs) {
            if (r.digest && sameRepo(r, ref)) {
              await this.untag(id, r);
              records.push({ Untagged: familiarString(r) });
            }
          }
          repoRefs = this.store.referencesOf(id);
        }
      }
      if (repoRefs.length > 0) return records;
      removedRepositoryRef = true;
    } else if (isSingleRepository(repoRefs)) {
      this.checkConflict(id, true, !force);
      for (const r of repoRefs) {
        await this.untag(id, r);
        records.push({ Untagged: familiarString(r) });
      }
    }
    await this.deleteHelper(img, records, force, prune, removedRepositoryRef);
    return records;
  }

  private checkConflict(id: string, hard: boolean, soft: boolean): void {
    const users = this.usage().containersUsing(id);
    if (hard) {
      if (this.store.children(id).length > 0) {
        throw conflict(`conflict: unable to delete ${short(id)} (cannot be forced) - image has dependent child images`);
      }
      const running = users.find((c) => c.running);
      if (running) throw conflict(`conflict: unable to delete ${short(id)} (cannot be forced) - image is being used by running container ${short(running.id)}`);
    }
    if (soft) {
      if (this.store.referencesOf(id).length > 0) {
        throw conflict(`conflict: unable to delete ${short(id)} (must be forced) - image is referenced in multiple repositories`);
      }
      const stopped = users.find((c) => !c.running);
      if (stopped) throw conflict(`conflict: unable to delete ${short(id)} (must be forced) - image is being used by stopped container ${short(stopped.id)}`);
    }
  }

  private async deleteHelper(img: Image, records: DeleteRecord[], force: boolean, prune: boolean, quiet: boolean): Promise<void> {
    const id = img.record.id;
    try {
      this.checkConflict(id, true, !force);
    } catch (e) {
      // After an untag removed the last reference, a remaining user just keeps the image.
      if (quiet) return;
      throw e;
    }
    if (force) {
      for (const r of this.store.referencesOf(id)) {
        await this.untag(id, r);
        records.push({ Untagged: familiarString(r) });
      }
    }
    const parent = img.record.parent;
    records.push({ Deleted: id });
    for (const chain of await this.deleteImage(id)) records.push({ Deleted: chain });
    if (prune && parent) {
      const p = this.store.get(parent);
      if (p && this.store.referencesOf(parent).length === 0 && this.store.children(parent).length === 0) {
        await this.deleteHelper(p, records, false, true, true);
      }
    }
  }

  /** Removes the image record and every layer no other image or container needs. */
  async deleteImage(id: string): Promise<string[]> {
    const img = this.store.get(id);
    if (!img) return [];
    const mine = this.store.chainOf(img);
    await this.store.remove(id);
    this.onEvent('delete', id);
    const needed = this.usage().chainsInUse();
    for (const other of this.store.list()) for (const c of this.store.chainOf(other)) needed.add(c);
    const removed: string[] = [];
    for (const c of mine.reverse()) {
      if (needed.has(c) || !this.layers.get(c)) continue;
      await this.layers.remove(c);
      removed.push(c);
    }
    return removed;
  }
}

function sameRepo(a: Reference, b: Reference): boolean {
  return a.domain === b.domain && a.path === b.path;
}

/** True when the user named the image by (a prefix of) its id rather than a reference. */
function isIdReference(name: string, id: string): boolean {
  const hex = shortIdHex(name);
  return hex !== undefined && id.slice(7).startsWith(hex);
}

function isSingleRepository(refs: Reference[]): boolean {
  const repos = new Set(refs.map((r) => `${r.domain}/${r.path}`));
  const tags = refs.filter((r) => !r.digest);
  return repos.size <= 1 && tags.length <= 1;
}
