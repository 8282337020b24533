// Mounting a volume's device on its _data directory (mount(8)/umount(8)), and reading which mount
// points lie under a directory from /proc/self/mountinfo.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { systemError } from '../common/errors.js';
import { maskPassword, type MountSpec } from './options.js';

function run(file: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

/** `mount -t type -o o device target`; the error is moby's "failed to mount local volume: …". */
export async function mountVolume(spec: MountSpec, target: string): Promise<void> {
  const args = ['-t', spec.type || 'none'];
  if (spec.o) args.push('-o', spec.o);
  args.push(spec.device, target);
  const r = await run('mount', args);
  if (r.code !== 0) {
    const why = r.stderr.trim().replace(/^mount: /, '') || `exit status ${r.code}`;
    throw systemError(maskPassword(`failed to mount local volume: mount ${spec.device}:${target}, data: ${spec.o}: ${why}`, spec.o));
  }
}

/** Unmounts `target` (lazily if it is busy, every stacked mount); fine if it is not a mount point. */
export async function unmountPath(target: string): Promise<void> {
  for (let i = 0; i < 16 && isMountPoint(target); i++) {
    const r = await run('umount', [target]);
    if (r.code === 0) continue;
    const lazy = await run('umount', ['-l', target]);
    if (lazy.code !== 0) throw systemError(`error while unmounting volume path '${target}': ${r.stderr.trim()}`);
  }
  if (isMountPoint(target)) throw systemError(`error while unmounting volume path '${target}': still mounted`);
}

/** mountinfo's octal escapes (`\040` for a space). */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

function mountPoints(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((l) => unescape(l.split(' ')[4] ?? ''));
}

export function isMountPoint(path: string): boolean {
  return mountPoints().includes(path);
}

/** Mount points strictly under `dir`, deepest first (the order to unmount them in). */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : dir + '/';
  return [...new Set(mountPoints().filter((m) => m.startsWith(prefix)))].sort((a, b) => b.length - a.length);
}
