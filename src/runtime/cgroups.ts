// Cgroup directories runc leaves behind. runc removes a container's leaf cgroup but never the
// parent, in any of the hierarchies, so the engine removes both itself.
import { readdirSync, lstatSync, rmdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = '/sys/fs/cgroup';
let hierarchies: string[] | undefined;

/** Every cgroup hierarchy mount: v1 controllers (not their alias symlinks), unified, or the v2 root. */
export function cgroupHierarchies(): string[] {
  if (hierarchies) return hierarchies;
  if (existsSync(join(ROOT, 'cgroup.controllers'))) return (hierarchies = [ROOT]);
  const out: string[] = [];
  try {
    for (const name of readdirSync(ROOT)) {
      const p = join(ROOT, name);
      if (lstatSync(p).isDirectory()) out.push(p);
    }
  } catch { /* no cgroupfs */ }
  return (hierarchies = out);
}

export function isCgroupV2(): boolean {
  return existsSync(join(ROOT, 'cgroup.controllers'));
}

/** rmdir a cgroup (a path like /berth/<id>) in every hierarchy; busy or missing ones are skipped. */
export function removeCgroup(path: string): void {
  for (const h of cgroupHierarchies()) {
    try { rmdirSync(join(h, path)); } catch { /* absent, or still has processes */ }
  }
}
