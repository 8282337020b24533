// One process per directory: a pid file created with link(2) (atomic, fails if present), since
// Node has no flock(2). A lock whose process is gone is stale and taken over.
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';

/** The lock is held by another live process. */
export class LockHeldError extends Error {
  constructor(readonly pid: number, readonly path: string) {
    super(`${path} is held by process ${pid}`);
  }
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export class PidLock {
  constructor(readonly path: string) {}

  /** Throws LockHeldError when another live process holds it. */
  acquire(): void {
    const tmp = `${this.path}.${process.pid}`;
    writeFileSync(tmp, String(process.pid));
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          linkSync(tmp, this.path);
          return;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
          const pid = Number(readFileSync(this.path, 'utf8').trim());
          if (pid && pid !== process.pid && alive(pid)) throw new LockHeldError(pid, this.path);
          unlinkSync(this.path);
        }
      }
      throw new Error(`could not lock ${this.path}`);
    } finally {
      unlinkSync(tmp);
    }
  }

  release(): void {
    try {
      if (Number(readFileSync(this.path, 'utf8').trim()) === process.pid) unlinkSync(this.path);
    } catch { /* already gone */ }
  }
}
