// Containers' rw-layer sizes (SizeRw) for `system df`, without walking every container per
// request. A container that is not running cannot change its rw layer, so its size is kept,
// keyed by the run it belongs to (StartedAt, FinishedAt, Running); any event for the container
// (start, die, a future copy into it…) drops the entry too. Running containers are walked each
// time: their layers are small, and they can change at any moment.
import type { ContainerRecord } from './types.js';
import type { EventLog } from './events.js';
import { directorySize } from './size.js';

interface Entry { key: string; size: number }

/** Walks at once at most this many directories. */
const CONCURRENCY = 16;

export class SizeCache {
  private readonly sizes = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<number>>();
  /** Bumped by every event of a container, so a walk that raced one is not kept. */
  private readonly generation = new Map<string, number>();

  /**
   * `upperOf` names a container's rw layer directory; `events` (optional) lets the cache drop an
   * entry as soon as something happens to its container.
   */
  constructor(private readonly upperOf: (id: string) => string, events?: EventLog) {
    events?.subscribe((e) => {
      if (e.Type !== 'container' || !e.Actor.ID) return;
      this.sizes.delete(e.Actor.ID);
      if (e.Action === 'destroy') this.generation.delete(e.Actor.ID);
      else this.generation.set(e.Actor.ID, (this.generation.get(e.Actor.ID) ?? 0) + 1);
    });
  }

  /** The run identity: what must change for a stopped container's rw layer to change. */
  static keyOf(rec: ContainerRecord): string {
    return `${rec.State.StartedAt}|${rec.State.FinishedAt}|${rec.State.Running}`;
  }

  /** SizeRw of one container. */
  async sizeRw(rec: ContainerRecord): Promise<number> {
    const key = SizeCache.keyOf(rec);
    const cacheable = !rec.State.Running;
    const hit = this.sizes.get(rec.Id);
    if (cacheable && hit?.key === key) return hit.size;
    const gen = this.generation.get(rec.Id) ?? 0;
    const flightKey = `${rec.Id}|${key}|${gen}`;
    let p = this.inflight.get(flightKey);
    if (!p) {
      p = directorySize(this.upperOf(rec.Id)).finally(() => this.inflight.delete(flightKey));
      this.inflight.set(flightKey, p);
    }
    const size = await p;
    // Only if nothing happened to the container while it was walked.
    if (cacheable && SizeCache.keyOf(rec) === key && (this.generation.get(rec.Id) ?? 0) === gen) this.sizes.set(rec.Id, { key, size });
    return size;
  }

  /** SizeRw of many containers, a bounded number of walks at a time. */
  async sizesRw(recs: readonly ContainerRecord[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const todo: ContainerRecord[] = [];
    for (const r of recs) {
      const hit = this.sizes.get(r.Id);
      if (!r.State.Running && hit?.key === SizeCache.keyOf(r)) out.set(r.Id, hit.size);
      else todo.push(r);
    }
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const r = todo[next++];
        out.set(r.Id, await this.sizeRw(r));
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, todo.length) }, worker));
    return out;
  }

  /** Forgets containers that no longer exist. */
  retain(ids: Iterable<string>): void {
    const keep = new Set(ids);
    for (const id of this.sizes.keys()) if (!keep.has(id)) this.sizes.delete(id);
    for (const id of this.generation.keys()) if (!keep.has(id)) this.generation.delete(id);
  }
}
