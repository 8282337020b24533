// The directories behind RUN --mount=type=cache: kept by the daemon across builds (BuildKit's
// persistent cache mounts), one per cache key, never part of an image. Sharing, as BuildKit's:
// `shared` lets concurrent steps use the same directory, `locked` waits until nobody else uses
// it, `private` takes a directory nobody is using, creating another instance of the cache when
// every existing one is busy. Who uses what is known only to this process: berthd is the only
// writer of its data root.
import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CacheSharing } from './run-mounts.js';

export interface CacheMountLease {
  /** Host directory to bind at the target. */
  readonly dir: string;
  release(): void;
}

interface Instance {
  users: number;
  exclusive: boolean;
  /** Settles once the directory exists (it is created by its first user). */
  ready: Promise<void>;
}

const KEY = /^[0-9a-f]{64}$/;

export class CacheMountStore {
  private readonly instances = new Map<string, Instance>();
  private waiters: Array<() => void> = [];

  constructor(readonly root: string) {}

  /**
   * A directory for cache `key` (64 hex), created with `init` (given a fresh empty directory to
   * fill and set the owner and mode of) when it does not exist yet.
   */
  async acquire(key: string, sharing: CacheSharing, init: (dir: string) => Promise<void>, signal?: AbortSignal): Promise<CacheMountLease> {
    if (!KEY.test(key)) throw new Error(`invalid cache mount key ${key}`);
    for (;;) {
      signal?.throwIfAborted();
      const name = this.pick(key, sharing);
      if (name !== undefined) return this.take(name, sharing !== 'shared', init);
      await this.changed(signal);
    }
  }

  /** The instance to use now, or undefined to wait for a release. */
  private pick(key: string, sharing: CacheSharing): string | undefined {
    const main = this.instances.get(key);
    if (sharing === 'shared') return main?.exclusive ? undefined : key;
    if (sharing === 'locked') return main && main.users > 0 ? undefined : key;
    for (let n = 0; ; n++) {
      const name = n === 0 ? key : `${key}-${n}`;
      const inst = this.instances.get(name);
      if (!inst || inst.users === 0) return name;
    }
  }

  private async take(name: string, exclusive: boolean, init: (dir: string) => Promise<void>): Promise<CacheMountLease> {
    const dir = join(this.root, name);
    let inst = this.instances.get(name);
    if (!inst) {
      inst = { users: 0, exclusive: false, ready: this.create(dir, init) };
      this.instances.set(name, inst);
    }
    inst.users++;
    inst.exclusive = exclusive;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      inst!.users--;
      if (inst!.users === 0) this.instances.delete(name);
      else inst!.exclusive = false;
      this.notify();
    };
    try {
      await inst.ready;
    } catch (e) {
      release();
      throw e;
    }
    return { dir, release };
  }

  /** Creates the directory under a temporary name, so a crash never leaves a half-made cache. */
  private async create(dir: string, init: (dir: string) => Promise<void>): Promise<void> {
    try {
      if (lstatSync(dir).isDirectory()) return;
      rmSync(dir, { force: true });
    } catch { /* missing */ }
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    const tmp = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
    mkdirSync(tmp);
    try {
      await init(tmp);
      renameSync(tmp, dir);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
  }

  private changed(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => { this.waiters = this.waiters.filter((w) => w !== wake); reject(signal!.reason); };
      const wake = () => { signal?.removeEventListener('abort', onAbort); resolve(); };
      this.waiters.push(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Removes every cache directory no step is using (builder prune): their names and bytes. */
  prune(): { deleted: string[]; reclaimed: number } {
    const deleted: string[] = [];
    let reclaimed = 0;
    let names: string[];
    try { names = readdirSync(this.root); } catch { return { deleted, reclaimed }; }
    for (const name of names.sort()) {
      const base = name.replace(/\.tmp-[0-9a-f]+$/, '');
      const temp = base !== name;
      if (this.instances.has(temp ? base : name) && (temp || this.instances.get(name)!.users > 0)) continue;
      const path = join(this.root, name);
      reclaimed += diskUsage(path);
      rmSync(path, { recursive: true, force: true });
      if (!temp) deleted.push(name);
    }
    return { deleted, reclaimed };
  }
}

/** Bytes of the regular files under `path` (links not followed). */
function diskUsage(path: string): number {
  let total = 0;
  const walk = (p: string) => {
    let st;
    try { st = lstatSync(p); } catch { return; }
    if (st.isFile()) total += st.size;
    else if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
  };
  walk(path);
  return total;
}
