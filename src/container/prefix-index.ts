// Lookup of container ids by full id, name, or id prefix, with moby's rules (daemon.GetContainer):
//   1. an exact full id,
//   2. an exact name (given with or without the leading "/"),
//   3. a unique id prefix (ViewDB.GetByPrefix).
// Errors as moby: '' → InvalidParameter `invalid name or ID supplied: ""`; a prefix shared by several
// ids → InvalidParameter `multiple IDs found with provided prefix: x`; nothing → NotFound
// `No such container: x`. Names are unique: taking a name held by another container is a Conflict
// (moby's nameConflictError).
//
// Ids are kept sorted, so a prefix lookup is a binary search, O(log n); id and name lookups are O(1).

import { invalidParameter, notFound } from '../common/errors.js';
import { nameConflict } from './name.js';

/** The stored form of a name: with the leading "/". */
export const storedName = (name: string): string => (name.startsWith('/') ? name : '/' + name);

export class PrefixIndex {
  private readonly names = new Map<string, string>(); // "/name" → id
  private readonly idNames = new Map<string, string>(); // id → "/name" ('' when none)
  private readonly sortedIds: string[] = [];

  /** How many ids are indexed. */
  get size(): number {
    return this.idNames.size;
  }

  /** The ids, sorted. */
  ids(): string[] {
    return [...this.sortedIds];
  }

  has(id: string): boolean {
    return this.idNames.has(id);
  }

  /**
   * Indexes `id` under `name` (with or without "/"; '' for none). Re-adding an id replaces its name.
   * Throws Conflict when the name belongs to another container.
   */
  add(id: string, name: string): void {
    const full = name ? storedName(name) : '';
    if (full) {
      const holder = this.names.get(full);
      if (holder !== undefined && holder !== id) throw nameConflict(full, holder);
    }
    const prev = this.idNames.get(id);
    if (prev === undefined) {
      this.sortedIds.splice(this.lowerBound(id), 0, id);
    } else if (prev && this.names.get(prev) === id) {
      this.names.delete(prev);
    }
    this.idNames.set(id, full);
    if (full) this.names.set(full, id);
  }

  /** Drops `id` and its name (`name` is accepted for symmetry with add; the indexed name is used). */
  remove(id: string, name?: string): void {
    const prev = this.idNames.get(id);
    if (prev === undefined) return;
    this.idNames.delete(id);
    for (const n of [prev, name ? storedName(name) : '']) {
      if (n && this.names.get(n) === id) this.names.delete(n);
    }
    const i = this.lowerBound(id);
    if (this.sortedIds[i] === id) this.sortedIds.splice(i, 1);
  }

  /**
   * Moves `id` from `oldName` to `newName` (either form). Throws Conflict when another container holds
   * `newName`, NotFound for an unknown id.
   */
  rename(id: string, oldName: string, newName: string): void {
    const prev = this.idNames.get(id);
    if (prev === undefined) throw notFound(`No such container: ${id}`);
    const full = storedName(newName);
    const holder = this.names.get(full);
    if (holder !== undefined && holder !== id) throw nameConflict(full, holder);
    for (const n of [prev, oldName ? storedName(oldName) : '']) {
      if (n && this.names.get(n) === id) this.names.delete(n);
    }
    this.idNames.set(id, full);
    this.names.set(full, id);
  }

  /** The id holding a name (with or without "/"), if any. */
  byName(name: string): string | undefined {
    if (!name) return undefined;
    return this.names.get(storedName(name));
  }

  /** The name (stored form) of an id, if indexed. */
  nameOf(id: string): string | undefined {
    const n = this.idNames.get(id);
    return n || undefined;
  }

  /**
   * ViewDB.GetByPrefix: the one id starting with `prefix`. Errors: '' → InvalidParameter
   * `prefix can't be empty`; several → InvalidParameter `multiple IDs found with provided prefix: x`;
   * none → NotFound `No such container: x`.
   */
  idByPrefix(prefix: string): string {
    if (prefix === '') throw invalidParameter("prefix can't be empty");
    const i = this.lowerBound(prefix);
    const first = this.sortedIds[i];
    if (first === undefined || !first.startsWith(prefix)) throw notFound(`No such container: ${prefix}`);
    const next = this.sortedIds[i + 1];
    if (next !== undefined && next.startsWith(prefix)) {
      throw invalidParameter(`multiple IDs found with provided prefix: ${prefix}`);
    }
    return first;
  }

  /** Like idByPrefix, but undefined instead of any error. */
  tryIdByPrefix(prefix: string): string | undefined {
    try {
      return this.idByPrefix(prefix);
    } catch {
      return undefined;
    }
  }

  /** daemon.GetContainer: the id named by a full id, an exact name, or a unique id prefix. */
  resolve(nameOrIdPrefix: string): string {
    if (nameOrIdPrefix === '') throw invalidParameter('invalid name or ID supplied: ""');
    if (this.idNames.has(nameOrIdPrefix)) return nameOrIdPrefix;
    const named = this.byName(nameOrIdPrefix);
    if (named !== undefined) return named;
    return this.idByPrefix(nameOrIdPrefix);
  }

  /** Like resolve, but undefined when nothing matches (ambiguity and '' still throw). */
  find(nameOrIdPrefix: string): string | undefined {
    try {
      return this.resolve(nameOrIdPrefix);
    } catch (e) {
      if ((e as { code?: string }).code === 'NotFound') return undefined;
      throw e;
    }
  }

  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.sortedIds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sortedIds[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
