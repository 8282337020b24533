// One daemon per data root. Node has no flock(2), so the lock is a pid file created with
// link(2) (atomic, fails if present); a lock whose process is gone is stale and taken over.
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unavailable } from '../common/errors.js';

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export class DataRootLock {
  private readonly path: string;
  constructor(dataRoot: string) {
    this.path = join(dataRoot, 'berthd.lock');
  }

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
          if (pid && pid !== process.pid && alive(pid)) {
            throw unavailable(`another berthd (pid ${pid}) is already using data root ${join(this.path, '..')}`);
          }
          unlinkSync(this.path);
        }
      }
      throw unavailable(`could not lock ${this.path}`);
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
