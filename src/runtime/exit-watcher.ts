// One inotify watch on conmon's exit dir tells berthd when any container exits. conmon writes
// each exit file atomically (tmp + rename), named by container id, holding the decimal code.
import { watch, readFileSync, statSync, rmSync, mkdirSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';

export interface ExitRecord { code: number; /** When conmon wrote the exit file (ns since the epoch). */ atNs: bigint }

export class ExitWatcher {
  private watcher?: FSWatcher;
  private readonly waiting = new Map<string, (e: ExitRecord) => void>();

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  start(): void {
    this.watcher = watch(this.dir, (_event, filename) => {
      if (filename && this.waiting.has(filename)) this.check(filename);
    });
    this.watcher.unref();
  }

  stop(): void {
    this.watcher?.close();
  }

  /** Calls `cb` once when the container's exit file appears (at once if it already exists). */
  watchFor(id: string, cb: (e: ExitRecord) => void): void {
    this.waiting.set(id, cb);
    this.check(id);
  }

  unwatch(id: string): void {
    this.waiting.delete(id);
  }

  read(id: string): ExitRecord | undefined {
    try {
      const p = join(this.dir, id);
      const text = readFileSync(p, 'utf8').trim();
      if (text === '') return undefined;
      return { code: Number(text), atNs: statSync(p, { bigint: true }).mtimeNs };
    } catch {
      return undefined;
    }
  }

  remove(id: string): void {
    rmSync(join(this.dir, id), { force: true });
  }

  private check(id: string): void {
    const e = this.read(id);
    if (!e) return;
    const cb = this.waiting.get(id);
    this.waiting.delete(id);
    cb?.(e);
  }
}
