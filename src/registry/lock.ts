// One process at a time on a registry root: `registry serve` holds the lock while it runs and
// `registry gc` while it sweeps, so gc never deletes under a push.
import { join } from 'node:path';
import { LockHeldError, PidLock } from '../common/pid-lock.js';

export class RootLockedError extends Error {
  constructor(readonly pid: number, root: string) {
    super(`registry root ${root} is in use by process ${pid} (a running \`berth registry serve\` or \`registry gc\`); stop it first`);
  }
}

export class RootLock {
  private readonly lock: PidLock;

  constructor(private readonly root: string) {
    this.lock = new PidLock(join(root, 'registry.lock'));
  }

  acquire(): void {
    try {
      this.lock.acquire();
    } catch (e) {
      if (e instanceof LockHeldError) throw new RootLockedError(e.pid, this.root);
      throw e;
    }
  }

  release(): void {
    this.lock.release();
  }
}
