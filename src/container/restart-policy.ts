// Restart policies as moby's restart manager applies them: whether an exit restarts the
// container, and after how long (100 ms doubling up to a minute, back to 100 ms once a run
// lasted 10 s).
import type { ContainerRecord, RestartPolicy } from './types.js';
import { ZERO_TIME } from './types.js';

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 60_000;
const RESET_AFTER_MS = 10_000;

export class RestartBackoff {
  private delayMs = 0;

  /** The delay before the next restart, given how long the run that just ended lasted. */
  next(ranForMs: number): number {
    if (ranForMs >= RESET_AFTER_MS) this.delayMs = 0;
    this.delayMs = this.delayMs === 0 ? FIRST_DELAY_MS : Math.min(this.delayMs * 2, MAX_DELAY_MS);
    return this.delayMs;
  }
}

/** The policy's verdict on an exit; a manual stop is never undone while the daemon runs. */
export function restartsAfterExit(policy: RestartPolicy | undefined, exitCode: number, restartCount: number, manuallyStopped: boolean): boolean {
  if (manuallyStopped) return false;
  switch (policy?.Name) {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure': {
      const max = policy.MaximumRetryCount ?? 0;
      return exitCode !== 0 && (max === 0 || restartCount < max);
    }
    default:
      return false;
  }
}

/**
 * Whether berthd starts a stopped container when it starts itself: `always` ones even after a
 * manual stop (as Docker documents), `unless-stopped` ones unless the user stopped them, and
 * `on-failure` ones that failed with retries left. Never a container that never ran.
 */
export function restartsAtDaemonStart(rec: ContainerRecord): boolean {
  if (rec.State.Running || rec.State.StartedAt === ZERO_TIME) return false;
  const p = rec.HostConfig.RestartPolicy;
  if (p?.Name === 'always') return true;
  return restartsAfterExit(p, rec.State.ExitCode, rec.RestartCount, Boolean(rec.HasBeenManuallyStopped));
}
