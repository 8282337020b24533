// Sizes as Docker's go-units parses them on the daemon side.
import { invalidParameter } from './errors.js';

/** go-units RAMInBytes: `1g`, `100m`, `512k`, `1.5GiB`, `4096` (binary multiples); `invalid size: 'x'` otherwise. */
export function ramInBytes(size: string): number {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(size);
  if (!m) throw invalidParameter(`invalid size: '${size}'`);
  const n = Number.parseFloat(m[1]!);
  if (!Number.isFinite(n)) throw invalidParameter(`invalid size: '${size}'`);
  const exp = m[2] ? 'kmgtp'.indexOf(m[2].toLowerCase()) + 1 : 0;
  return Math.trunc(n * 1024 ** exp);
}
