// Container records on disk: one JSON file per container, written atomically, all loaded at start.
import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { writeFileAtomic } from '../common/atomic.js';
import { log } from '../common/log.js';
import type { ContainerRecord } from './types.js';
import type { Layout } from './paths.js';

export class ContainerStore {
  constructor(private readonly layout: Layout) {}

  /** Every readable record; unreadable directories are reported as orphans for removal. */
  loadAll(): { records: ContainerRecord[]; orphans: string[] } {
    const records: ContainerRecord[] = [];
    const orphans: string[] = [];
    let names: string[] = [];
    try { names = readdirSync(this.layout.containers); } catch { return { records, orphans }; }
    for (const id of names) {
      try {
        records.push(JSON.parse(readFileSync(this.layout.of(id).record, 'utf8')) as ContainerRecord);
      } catch (e) {
        log.warn('container without a readable record', { id, error: String(e) });
        orphans.push(id);
      }
    }
    return { records, orphans };
  }

  private readonly writes = new Map<string, Promise<void>>();

  /** Writes are chained per container and serialise the record when their turn comes, so the
   *  file always ends at the latest state however many saves overlap. */
  save(rec: ContainerRecord): Promise<void> {
    const prev = this.writes.get(rec.Id) ?? Promise.resolve();
    const next = prev.then(() => writeFileAtomic(this.layout.of(rec.Id).record, JSON.stringify(rec)));
    const settled = next.catch(() => {});
    this.writes.set(rec.Id, settled);
    void settled.then(() => { if (this.writes.get(rec.Id) === settled) this.writes.delete(rec.Id); });
    return next;
  }

  /** Waits for pending writes, so a removal cannot be followed by a stray write. */
  async flush(id: string): Promise<void> {
    await this.writes.get(id);
  }

  /** Waits for every pending write (daemon shutdown). */
  async flushAll(): Promise<void> {
    await Promise.all([...this.writes.values()]);
  }

  async removeFiles(id: string): Promise<void> {
    await rm(this.layout.of(id).dir, { recursive: true, force: true });
  }
}
