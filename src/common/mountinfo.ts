// Where things are mounted, from one read of /proc/self/mountinfo per call.
import { readFileSync } from 'node:fs';

/** mountinfo's octal escapes (`\040` for a space). */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

export function mountPoints(): string[] {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((l) => unescape(l.split(' ')[4] ?? ''));
  } catch {
    return []; // no procfs
  }
}

export function isMountPoint(path: string): boolean {
  return mountPoints().includes(path);
}

/** Mount points strictly under `dir`, deepest first (the order to unmount them in). */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : dir + '/';
  return [...new Set(mountPoints().filter((m) => m.startsWith(prefix)))].sort((a, b) => b.length - a.length);
}

