// `--mount type=volume,volume-subpath=sub`: a directory inside a volume, mounted in its place.
// Other containers can write the volume, so a component of `sub` may become a symlink at any
// moment: the directory is opened one component at a time without following links out of the
// volume (FsTree, `beneath`), and that open descriptor — not a path — is bound onto a staging
// directory in the bundle, which is what runc mounts (moby's safepath does the same).
import { mkdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { runChecked } from '../common/command.js';
import { invalidParameter } from '../common/errors.js';
import { mountsUnder } from '../common/mountinfo.js';
import { unmount } from '../runtime/overlay.js';
import { FsTree, type FsDir } from './archive-fs.js';

/** Go's filepath.IsLocal for the subpath: relative, and never above the volume's root. */
export function checkSubpath(sub: string): string {
  const clean = posix.normalize(sub);
  if (sub.startsWith('/') || clean === '..' || clean.startsWith('../') || clean === '.') {
    throw invalidParameter('invalid mount config for type "volume": subpath must be a relative path within the volume');
  }
  return clean.replace(/\/+$/, '');
}

/** Where a container's subpath binds are staged. */
export const subpathStaging = (bundle: string): string => join(bundle, 'subpaths');

/** Binds `volumeDir/sub` onto `target` through a descriptor of the directory itself. */
export async function bindSubpath(volumeDir: string, sub: string, target: string): Promise<void> {
  const tree = new FsTree(volumeDir, 'beneath');
  let dir: FsDir | undefined;
  try {
    try {
      dir = tree.openDir(sub);
    } catch (e) {
      throw invalidParameter(`cannot access path ${join(volumeDir, sub)}: ${(e as Error).message}`);
    }
    mkdirSync(target, { recursive: true });
    // --no-canonicalize: mount(8) must not turn the magic link back into a path.
    await runChecked('mount', ['--no-canonicalize', '--bind', `/proc/${process.pid}/fd/${dir.fd}`, target]);
  } finally {
    if (dir) tree.closeDir(dir);
    tree.close();
  }
}

/** Unmounts a bundle's staged subpath binds (before the bundle is removed). */
export async function unbindSubpaths(bundle: string): Promise<void> {
  for (const m of mountsUnder(subpathStaging(bundle))) await unmount(m).catch(() => {});
}
