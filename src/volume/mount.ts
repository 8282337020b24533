// Mounting a volume's device on its _data directory (mount(8)/umount(8)).
import { runCommand } from '../common/command.js';
import { isMountPoint } from '../common/mountinfo.js';
import { systemError } from '../common/errors.js';
import { maskPassword, type MountSpec } from './options.js';

/** `mount -t type -o o device target`; the error is moby's "failed to mount local volume: …". */
export async function mountVolume(spec: MountSpec, target: string): Promise<void> {
  const args = ['-t', spec.type || 'none'];
  if (spec.o) args.push('-o', spec.o);
  args.push(spec.device, target);
  const r = await runCommand('mount', args);
  if (r.code !== 0) {
    const why = r.stderr.trim().replace(/^mount: /, '') || `exit status ${r.code}`;
    throw systemError(maskPassword(`failed to mount local volume: mount ${spec.device}:${target}, data: ${spec.o}: ${why}`, spec.o));
  }
}

/** Unmounts `target` (lazily if it is busy, every stacked mount); fine if it is not a mount point. */
export async function unmountPath(target: string): Promise<void> {
  for (let i = 0; i < 16 && isMountPoint(target); i++) {
    const r = await runCommand('umount', [target]);
    if (r.code === 0) continue;
    const lazy = await runCommand('umount', ['-l', target]);
    if (lazy.code !== 0) throw systemError(`error while unmounting volume path '${target}': ${r.stderr.trim()}`);
  }
  if (isMountPoint(target)) throw systemError(`error while unmounting volume path '${target}': still mounted`);
}

export { isMountPoint, mountsUnder } from '../common/mountinfo.js';
