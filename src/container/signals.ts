// Docker's signal names: "KILL", "SIGKILL" and "9" all mean the same signal.
import { constants } from 'node:os';
import { invalidParameter } from '../common/errors.js';

const BY_NAME = constants.signals as Record<string, number>;

/** The signal as a number; throws Docker's "Invalid signal" for anything unknown. */
export function parseSignal(raw: string): number {
  const s = raw.trim().toUpperCase();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n > 0 && n <= 64) return n;
    throw invalidParameter(`Invalid signal: ${raw}`);
  }
  const name = s.startsWith('SIG') ? s : `SIG${s}`;
  const n = BY_NAME[name];
  if (n === undefined) throw invalidParameter(`Invalid signal: ${raw}`);
  return n;
}

export const SIGKILL = 9;
export const SIGTERM = 15;
