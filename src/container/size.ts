// Bytes of a directory tree as Docker reports SizeRw: file sizes, hard links counted once.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export async function directorySize(dir: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    let names: string[];
    try { names = await readdir(d); } catch { return; }
    for (const n of names) {
      const p = join(d, n);
      let st;
      try { st = await lstat(p, { bigint: false }); } catch { continue; }
      if (st.isDirectory()) { await walk(p); continue; }
      if (st.nlink > 1) {
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      total += st.size;
    }
  };
  await walk(dir);
  return total;
}
