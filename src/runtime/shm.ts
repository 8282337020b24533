// The host-side /dev/shm of an IpcMode shareable container: a tmpfs in the container's directory,
// bound into it and into every container that joins its IPC namespace (moby's setupIpcDirs).
import { mkdirSync } from 'node:fs';
import { runChecked } from '../common/command.js';
import { isMountPoint } from '../common/mountinfo.js';

const DEFAULT_SIZE = 64 * 1024 * 1024;

export async function mountShm(target: string, size?: number): Promise<void> {
  mkdirSync(target, { recursive: true, mode: 0o700 });
  // A restart after a crash may find it still mounted: keep that one, its segments are still in use.
  if (isMountPoint(target)) return;
  const bytes = size && size > 0 ? size : DEFAULT_SIZE;
  await runChecked('mount', ['-t', 'tmpfs', '-o', `mode=1777,size=${bytes},nosuid,noexec,nodev`, 'shm', target]);
}
