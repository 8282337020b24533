// What the container service asks of the volume service (src/volume; the daemon wires it), and
// the two filesystem chores of volume mounts: Docker's copy-up of the image's content into an
// empty volume, and Podman's `:U` chown.
import { chmodSync, cpSync, lchownSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { resolveInRoot } from '../common/rootfs-path.js';

export interface ContainerVolumes {
  /** The named volume, created (with these options and labels) when missing; a new anonymous one without a name. */
  getOrCreate(o: { Name?: string; DriverOpts?: Record<string, string>; Labels?: Record<string, string> }): Promise<{ Name: string; Mountpoint: string; created: boolean }>;
  /** The host path to bind at start (a volume with driver options is mounted on first use). */
  acquire(name: string, containerId: string): Promise<string>;
  release(name: string, containerId: string): Promise<void>;
  /** Containers, running or not, that reference volumes: a referenced volume cannot be removed. */
  setReferences(containerId: string, names: string[]): void;
  dropReferences(containerId: string): void;
  remove(name: string, force: boolean): Promise<void>;
  isEmpty(name: string): boolean;
}

/** moby's copyExistingContents: what the image has at `dest` goes into the (empty) volume. */
export function copyImageContent(rootfs: string, dest: string, volumeDir: string): void {
  let src: string;
  try {
    src = resolveInRoot(rootfs, dest);
    if (!lstatSync(src).isDirectory()) return;
  } catch {
    return;
  }
  for (const name of readdirSync(src)) {
    cpSync(join(src, name), join(volumeDir, name), { recursive: true, preserveTimestamps: true, verbatimSymlinks: true, force: false, errorOnExist: false });
  }
  // cpSync keeps modes but not owners: set them from the image's files; the volume's root takes the image dir's.
  copyOwners(src, volumeDir);
  chmodSync(volumeDir, lstatSync(src).mode & 0o7777);
}

function copyOwners(src: string, dst: string): void {
  const st = lstatSync(src);
  lchownSync(dst, st.uid, st.gid);
  if (!st.isDirectory()) return;
  for (const name of readdirSync(src)) copyOwners(join(src, name), join(dst, name));
}

/** `:U`: the mount's source owned by the container's user, recursively. */
export function chownTree(path: string, uid: number, gid: number): void {
  const st = lstatSync(path);
  lchownSync(path, uid, gid);
  if (st.isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name), uid, gid);
}
