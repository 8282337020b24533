// Cgroup directories runc leaves behind. runc removes a container's leaf cgroup but never the
// parent, in any of the hierarchies, so the engine removes both itself.
import { readdirSync, lstatSync, rmdirSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
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

/** The cgroup every conmon of an engine runs in: beside its containers' cgroups, not berthd's. */
export function monitorCgroup(cgroupParent: string): string {
  return `${cgroupParent}/conmon`;
}

/**
 * Moves a process into a cgroup (a path like /berth/conmon) in every hierarchy but cpuset, whose
 * new groups have no CPUs until configured. conmon is moved so that it does not share berthd's
 * cgroup: a service manager stopping berthd by its cgroup (systemd's KillMode=control-group)
 * would otherwise kill every container's monitor, and the containers with them.
 * Best effort per hierarchy: one that refuses leaves the process where it was in that one.
 */
export function joinCgroup(path: string, pid: number): void {
  for (const h of cgroupHierarchies()) {
    if (h.endsWith('/cpuset')) continue;
    const dir = join(h, path);
    try {
      writeFileSync(join(dir, 'cgroup.procs'), String(pid));
    } catch {
      try {
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'cgroup.procs'), String(pid));
      } catch { /* not writable here */ }
    }
  }
}
