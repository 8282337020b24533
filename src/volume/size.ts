// A directory's size as moby's pkg/directory.Size counts it: the apparent sizes of everything but
// directories, each inode once (hard links), without following symlinks or leaving the tree.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export async function directorySize(dir: string): Promise<number> {
  const seen = new Set<bigint>();
  let size = 0;
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return; // removed meanwhile, or unreadable: moby skips it too
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        await walk(p);
        continue;
      }
      try {
        const st = await lstat(p, { bigint: true });
        if (st.size === 0n || seen.has(st.ino)) continue;
        seen.add(st.ino);
        size += Number(st.size);
      } catch { /* gone */ }
    }
  };
  await walk(dir);
  return size;
}
