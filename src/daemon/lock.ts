// One daemon per data root.
import { join } from 'node:path';
import { unavailable } from '../common/errors.js';
import { LockHeldError, PidLock } from '../common/pid-lock.js';

export class DataRootLock {
  private readonly lock: PidLock;
  constructor(private readonly dataRoot: string) {
    this.lock = new PidLock(join(dataRoot, 'berthd.lock'));
  }

  acquire(): void {
    try {
      this.lock.acquire();
    } catch (e) {
      if (e instanceof LockHeldError) throw unavailable(`another berthd (pid ${e.pid}) is already using data root ${this.dataRoot}`);
      throw e;
    }
  }

  release(): void {
    this.lock.release();
  }
}
