// The local driver's options (moby volume/local/local_unix.go): `type`, `device` and `o` as for
// mount(8), and `size` (a quota, which berth, like dockerd without XFS project quotas, refuses).
import { ramInBytes } from '../common/units.js';
import { invalidParameter } from '../common/errors.js';

const VALID_OPTS = new Set(['type', 'o', 'device', 'size']);
/** An option that is given needs these too (mandatoryOpts, checked in this order). */
const MANDATORY: Array<[string, string[]]> = [['device', ['type']], ['type', ['device']], ['o', ['device', 'type']]];

/** What a volume with options mounts on its _data directory at first use. */
export interface MountSpec { type: string; device: string; o: string }

/**
 * validateOpts: unknown keys, a CIFS device URL with a port, an invalid or non-zero `size`, and
 * the options each one needs. Messages are moby's (without the "create x: " prefix).
 */
export function validateLocalOptions(opts: Record<string, string> | null | undefined): void {
  if (!opts || Object.keys(opts).length === 0) return;
  for (const k of Object.keys(opts)) {
    if (!VALID_OPTS.has(k)) throw invalidParameter(`invalid option: ${JSON.stringify(k)}`);
  }
  if (opts.type === 'cifs' && opts.device) {
    let url: URL | undefined;
    try { url = new URL(opts.device); } catch { /* not a URL: Go's url.Parse takes it as a path */ }
    if (url?.port) throw invalidParameter("port not allowed in CIFS device URL, include 'port' in 'o='");
  }
  if ('size' in opts && ramInBytes(opts.size!) > 0) throw invalidParameter('quota size requested but no quota support');
  for (const [opt, needs] of MANDATORY) {
    if (!(opt in opts)) continue;
    for (const n of needs) if (!(n in opts)) throw invalidParameter(`missing required option: ${JSON.stringify(n)}`);
  }
}

/** needsMount: a volume whose options name a device or a type is mounted when used. */
export function mountSpecOf(opts: Record<string, string> | null | undefined): MountSpec | undefined {
  if (!opts || !(opts.device || opts.type)) return undefined;
  return { type: opts.type ?? '', device: opts.device ?? '', o: opts.o ?? '' };
}

export { ramInBytes } from '../common/units.js';

/** The `o` string with any `password=` value masked, for error messages (as moby does). */
export function maskPassword(text: string, o: string): string {
  const pw = o.split(',').find((x) => x.startsWith('password='));
  return pw && pw !== 'password=' ? text.split(pw).join('password=********') : text;
}
