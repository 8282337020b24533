// The build cache: a step's key (its parent image and the config it would produce, with content
// hashes of what it copies, as moby's image prober compares them) → the image the step made.
// Kept in one JSON file, rewritten atomically after each build, so it survives a restart; an
// entry whose image is gone is a miss.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../common/atomic.js';

export class BuildCache {
  private entries = new Map<string, string>();
  private dirty = false;
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {}

  load(): void {
    try {
      const raw = JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, string>;
      this.entries = new Map(Object.entries(raw));
    } catch { /* no cache yet, or a torn file from an older crash: start empty */ }
  }

  get(key: string, exists: (imageId: string) => boolean): string | undefined {
    const id = this.entries.get(key);
    if (id && exists(id)) return id;
    if (id) { this.entries.delete(key); this.dirty = true; }
    return undefined;
  }

  set(key: string, imageId: string): void {
    this.entries.set(key, imageId);
    this.dirty = true;
  }

  /** Image ids the cache points at. */
  imageIds(): Set<string> {
    return new Set(this.entries.values());
  }

  /** Drops every entry (builder prune); the number dropped. */
  clear(): number {
    const n = this.entries.size;
    this.entries.clear();
    this.dirty = true;
    return n;
  }

  save(): Promise<void> {
    if (!this.dirty) return this.saving;
    this.dirty = false;
    const data = JSON.stringify(Object.fromEntries(this.entries));
    this.saving = this.saving.then(() => writeFileAtomic(this.file, data)).catch(() => { this.dirty = true; });
    return this.saving;
  }
}

/** A stable key: JSON with sorted object keys, hashed. */
export function cacheKey(parts: unknown): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('hex');
}

export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const obj = v as Record<string, unknown>;
  return `{${Object.keys(obj).filter((k) => obj[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}
