// A volume's directory on disk: `<root>/<name>/` with `_data` and `volume.json`. A new volume is
// made complete beside the root and renamed in, so a crash leaves either nothing or all of it.
import { statSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fsyncDir, writeFileAtomic } from '../common/atomic.js';
import { errorMessage, systemError } from '../common/errors.js';
import { log } from '../common/log.js';
import type { VolumeRecord } from './types.js';

const RECORD = 'volume.json';

/** Go's time.RFC3339 of a time in the local zone (`Z` when the offset is zero). */
export function rfc3339Local(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const base = `${String(d.getFullYear()).padStart(4, '0')}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  const off = -d.getTimezoneOffset();
  if (off === 0) return base + 'Z';
  return `${base}${off > 0 ? '+' : '-'}${p(Math.floor(Math.abs(off) / 60))}:${p(Math.abs(off) % 60)}`;
}

/** A map with its keys sorted (Go marshals maps so); null stays null. */
export function sortedMap(m: Record<string, string> | null | undefined): Record<string, string> | null {
  if (!m) return null;
  return Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k]!]));
}

/**
 * The record of `<root>/<name>`. A directory without one (put there by hand, or by another
 * engine) is a plain volume, and gets a record.
 */
export async function readVolumeRecord(root: string, name: string): Promise<VolumeRecord> {
  const dir = join(root, name);
  await mkdir(join(dir, '_data'), { recursive: true });
  try {
    const rec = JSON.parse(await readFile(join(dir, RECORD), 'utf8')) as VolumeRecord;
    if (rec.Name === name) return rec;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log.warn('unreadable volume record, options and labels lost', { volume: name, error: errorMessage(e) });
  }
  const rec: VolumeRecord = { Name: name, Driver: 'local', Labels: null, Options: null, CreatedAt: rfc3339Local(statSync(dir).ctime) };
  await writeFileAtomic(join(dir, RECORD), JSON.stringify(rec), { mode: 0o600 });
  return rec;
}

/** Makes `<root>/<name>` (data dir and record) as `<root>/.new-…`, then renames it in. */
export async function writeVolumeDir(root: string, rec: VolumeRecord): Promise<void> {
  const tmp = join(root, `.new-${rec.Name}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(tmp, { mode: 0o701 });
    await mkdir(join(tmp, '_data'), { mode: 0o755 });
    await writeFileAtomic(join(tmp, RECORD), JSON.stringify(rec), { mode: 0o600 });
    await rename(tmp, join(root, rec.Name));
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') throw systemError(`volume already exists under ${join(root, rec.Name)}`);
    throw e;
  }
  await fsyncDir(root);
}
