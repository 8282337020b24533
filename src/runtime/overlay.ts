// The container's root filesystem: an overlay of the image's layer dirs and its own upper dir.
import { mkdirSync, rmSync } from 'node:fs';
import { runChecked, runCommand } from '../common/command.js';

export interface OverlayMount {
  /** Directory the lower paths are relative to: `mount` runs there so the option string stays
   *  far below the kernel's one-page limit even with many layers. */
  layersRoot: string;
  /** Lower dirs relative to layersRoot, top layer first. */
  lowers: string[];
  upper: string;
  work: string;
  target: string;
  /** Skip syncs: for --rm containers, which are never mounted again. */
  volatile?: boolean;
}

export function overlayOptions(m: OverlayMount): string {
  let opts = `lowerdir=${m.lowers.join(':')},upperdir=${m.upper},workdir=${m.work},redirect_dir=off,index=off,metacopy=off`;
  if (m.volatile) opts += ',volatile';
  return opts;
}

export async function mountOverlay(m: OverlayMount): Promise<void> {
  mkdirSync(m.target, { recursive: true });
  // A volatile mount leaves an incompat marker that makes any later mount of the same upper
  // fail; a container that was volatile once and is being started again must drop it.
  rmSync(`${m.work}/work/incompat`, { recursive: true, force: true });
  if (m.lowers.length === 0) {
    // An image without layers: overlay needs a lower dir, so give it an empty one.
    const empty = `${m.work}/../empty-lower`;
    mkdirSync(empty, { recursive: true });
    await runChecked('mount', ['-t', 'overlay', 'overlay', '-o', overlayOptions({ ...m, lowers: [empty] }), m.target]);
    return;
  }
  await runChecked('mount', ['-t', 'overlay', 'overlay', '-o', overlayOptions(m), m.target], { cwd: m.layersRoot });
}

/** Unmounts if mounted; a target that is not a mount point is fine. */
export async function unmount(target: string): Promise<void> {
  const r = await runCommand('umount', [target]);
  if (r.code !== 0 && !/not mounted|no mount point|not found|No such file/i.test(r.stderr)) {
    const lazy = await runCommand('umount', ['-l', target]);
    if (lazy.code !== 0 && !/not mounted|no mount point|not found|No such file/i.test(lazy.stderr)) {
      throw new Error(`umount ${target}: ${r.stderr.trim()}`);
    }
  }
}
