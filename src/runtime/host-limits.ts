// The daemon's own resource limits and Docker's --ulimit syntax. berthd runs without
// CAP_SYS_RESOURCE, so runc cannot raise a container's hard limit above the daemon's own
// (`error setting rlimit type 7: operation not permitted`): every rlimit is clamped here.
import { readFileSync } from 'node:fs';
import { invalidParameter } from '../common/errors.js';

/** Soft and hard limit; `Infinity` is RLIM_INFINITY (2^64-1 does not fit a JS number exactly). */
export interface RlimitPair { soft: number; hard: number }
export type HostRlimits = ReadonlyMap<string, RlimitPair>;

// /proc/self/limits row titles → OCI rlimit type names.
const PROC_NAMES: Record<string, string> = {
  'Max cpu time': 'RLIMIT_CPU',
  'Max file size': 'RLIMIT_FSIZE',
  'Max data size': 'RLIMIT_DATA',
  'Max stack size': 'RLIMIT_STACK',
  'Max core file size': 'RLIMIT_CORE',
  'Max resident set': 'RLIMIT_RSS',
  'Max processes': 'RLIMIT_NPROC',
  'Max open files': 'RLIMIT_NOFILE',
  'Max locked memory': 'RLIMIT_MEMLOCK',
  'Max address space': 'RLIMIT_AS',
  'Max file locks': 'RLIMIT_LOCKS',
  'Max pending signals': 'RLIMIT_SIGPENDING',
  'Max msgqueue size': 'RLIMIT_MSGQUEUE',
  'Max nice priority': 'RLIMIT_NICE',
  'Max realtime priority': 'RLIMIT_RTPRIO',
  'Max realtime timeout': 'RLIMIT_RTTIME',
};

const parseLimit = (v: string): number => (v === 'unlimited' ? Infinity : Number(v));

/** Parses the text of /proc/<pid>/limits. */
export function parseProcLimits(text: string): Map<string, RlimitPair> {
  const out = new Map<string, RlimitPair>();
  for (const line of text.split('\n')) {
    // Columns are padded with runs of spaces; a title has single spaces only.
    const m = /^(Max [^ ]+(?: [^ ]+)*)\s{2,}(\S+)\s+(\S+)/.exec(line);
    const name = m && PROC_NAMES[m[1]!];
    if (name) out.set(name, { soft: parseLimit(m![2]!), hard: parseLimit(m![3]!) });
  }
  return out;
}

let cached: Map<string, RlimitPair> | undefined;
/** The daemon's own limits, read once: they cannot rise without CAP_SYS_RESOURCE anyway. */
export function hostRlimits(): HostRlimits {
  cached ??= parseProcLimits(readFileSync('/proc/self/limits', 'utf8'));
  return cached;
}

/** Docker's HostConfig.Ulimits entry (declared here so runtime needs nothing from container/). */
export interface Ulimit { Name: string; Soft: number; Hard: number }

/** Docker's (go-units) --ulimit names. `as` is left out, as Docker does. */
export const ULIMIT_NAMES: ReadonlySet<string> = new Set([
  'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss',
  'rtprio', 'rttime', 'sigpending', 'stack',
]);

// Go's strconv.ParseInt(s, 10, 64), with its error text.
function parseInt64(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw invalidParameter(`strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n > 9223372036854775807n || n < -9223372036854775808n) {
    throw invalidParameter(`strconv.ParseInt: parsing ${JSON.stringify(s)}: value out of range`);
  }
  return Number(n);
}

/** `name=soft[:hard]` as `docker run --ulimit` takes it; -1 means unlimited. */
export function parseUlimit(val: string): Ulimit {
  const eq = val.indexOf('=');
  if (eq < 0) throw invalidParameter(`invalid ulimit argument: ${val}`);
  const name = val.slice(0, eq);
  if (!ULIMIT_NAMES.has(name)) throw invalidParameter(`invalid ulimit type: ${name}`);
  const vals = val.slice(eq + 1).split(':');
  if (vals.length > 2) {
    throw invalidParameter(`too many limit value arguments - ${val.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``);
  }
  const hard = vals.length === 2 ? parseInt64(vals[1]!) : undefined;
  const soft = parseInt64(vals[0]!);
  const h = hard ?? soft;
  if (h !== -1 && soft > h) throw invalidParameter(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${h}`);
  return { Name: name, Soft: soft, Hard: h };
}

export interface OciRlimit { type: string; soft: number; hard: number }

// Docker casts the int64 to uint64, so any negative value is RLIM_INFINITY.
const toLimit = (n: number): number => (n < 0 ? Infinity : n);

/**
 * The rlimits of a container: the user's ulimits, then the defaults not overridden (Docker's
 * mergeUlimits order), each clamped to the daemon's hard limit. An rlimit the host does not
 * report is passed as is.
 */
export function containerRlimits(ulimits: readonly Ulimit[] | null | undefined, defaults: readonly Ulimit[], host: HostRlimits): OciRlimit[] {
  // The CLI keeps --ulimit values in a map, so a repeated name means the last one.
  const byName = new Map<string, Ulimit>();
  if (ulimits) for (const u of ulimits) byName.set(u.Name, u);
  for (const u of defaults) if (!byName.has(u.Name)) byName.set(u.Name, u);
  const out: OciRlimit[] = [];
  for (const u of byName.values()) {
    if (!ULIMIT_NAMES.has(u.Name)) throw invalidParameter(`invalid ulimit type: ${u.Name}`);
    const type = `RLIMIT_${u.Name.toUpperCase()}`;
    const hard = Math.min(toLimit(u.Hard), host.get(type)?.hard ?? Infinity);
    out.push({ type, hard, soft: Math.min(toLimit(u.Soft), hard) });
  }
  return out;
}
