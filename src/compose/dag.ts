// Running one task per service in dependency order: a service's task starts once the tasks of
// the services it depends on are done; independent services run concurrently, at most `limit`
// tasks at a time. `reverse` walks the other way (dependents first), for stop and down.
import type { ServiceConfig } from './model.js';

export class Semaphore {
  private active = 0;
  private readonly queue: Array<() => void> = [];
  constructor(private readonly limit: number) {}

  async run<T>(f: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    try {
      return await f();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

export const DEFAULT_PARALLELISM = 8;

export async function inDependencyOrder(
  services: Record<string, ServiceConfig>,
  task: (s: ServiceConfig) => Promise<void>,
  o: { reverse?: boolean; limit?: number } = {},
): Promise<void> {
  const sem = new Semaphore(o.limit ?? DEFAULT_PARALLELISM);
  const edges = new Map<string, string[]>();
  for (const s of Object.values(services)) edges.set(s.name, []);
  for (const s of Object.values(services)) {
    for (const d of Object.keys(s.depends_on ?? {})) {
      if (!services[d]) continue;
      // forward: s waits for d; reverse: d waits for s.
      if (o.reverse) edges.get(d)!.push(s.name);
      else edges.get(s.name)!.push(d);
    }
  }
  const done = new Map<string, Promise<void>>();
  const run = (name: string): Promise<void> => {
    let p = done.get(name);
    if (!p) {
      p = Promise.all(edges.get(name)!.map(run)).then(() => sem.run(() => task(services[name]!)));
      done.set(name, p);
    }
    return p;
  };
  // Settle everything before failing, so no task is left running unobserved.
  const results = await Promise.allSettled(Object.keys(services).map(run));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
