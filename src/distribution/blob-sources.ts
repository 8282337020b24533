// Where a layer's compressed blobs were seen (moby's v2 metadata service): diff id → the blob
// digests it was pulled as or pushed as, each with the repository (full name, registry included)
// that holds it and its size. A push HEADs these first ("Layer already exists"), mounts from
// another repository of the same registry ("Mounted from …"), and only then compresses and uploads.
// One small JSON file, rewritten atomically and at most every few hundred milliseconds.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../common/atomic.js';
import { log } from '../common/log.js';

export interface BlobSource {
  digest: string;
  /** `127.0.0.1:5000/library/x`, `docker.io/library/busybox`. */
  repo: string;
  size: number;
}

const MAX_PER_LAYER = 50;
const SAVE_DELAY_MS = 200;

export class BlobSources {
  private byDiff = new Map<string, BlobSource[]>();
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {}

  async load(): Promise<void> {
    try {
      const doc = JSON.parse(await readFile(this.file, 'utf8')) as Record<string, BlobSource[]>;
      for (const [k, v] of Object.entries(doc)) if (Array.isArray(v)) this.byDiff.set(k, v.filter((s) => s && typeof s.digest === 'string'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log.warn('ignoring unreadable blob source records', { file: this.file, error: String(e) });
    }
  }

  /** Most recently recorded first. */
  get(diffId: string): BlobSource[] {
    return [...(this.byDiff.get(diffId) ?? [])];
  }

  /** Forgets layers no longer stored (at daemon start), so the records do not grow forever. */
  retainOnly(diffIds: Iterable<string>): void {
    const keep = new Set(diffIds);
    let changed = false;
    for (const k of [...this.byDiff.keys()]) if (!keep.has(k)) { this.byDiff.delete(k); changed = true; }
    if (changed) this.scheduleSave();
  }

  add(diffId: string, src: BlobSource): void {
    const list = (this.byDiff.get(diffId) ?? []).filter((s) => !(s.digest === src.digest && s.repo === src.repo));
    list.unshift(src);
    if (list.length > MAX_PER_LAYER) list.length = MAX_PER_LAYER;
    this.byDiff.set(diffId, list);
    this.scheduleSave();
  }

  remove(diffId: string, src: { digest: string; repo: string }): void {
    const list = this.byDiff.get(diffId);
    if (!list) return;
    const kept = list.filter((s) => !(s.digest === src.digest && s.repo === src.repo));
    if (kept.length === list.length) return;
    if (kept.length) this.byDiff.set(diffId, kept);
    else this.byDiff.delete(diffId);
    this.scheduleSave();
  }

  private scheduleSave(): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => { this.timer = undefined; void this.flush(); }, SAVE_DELAY_MS);
    this.timer.unref();
  }

  /** Writes the records now if they changed (also at shutdown). */
  flush(): Promise<void> {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    if (!this.dirty) return this.writing;
    this.dirty = false;
    const snapshot = JSON.stringify(Object.fromEntries(this.byDiff));
    this.writing = this.writing.then(() => writeFileAtomic(this.file, snapshot)).catch((e) => {
      log.warn('cannot save blob source records', { file: this.file, error: String(e) });
    });
    return this.writing;
  }
}
