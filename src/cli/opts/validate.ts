// docker/cli's flag value validators and small option parsers (opts/*.go, go-units' ParseUlimit),
// with their error texts. Each throws an Error whose message pflag prints after
// `invalid argument "VALUE" for "--flag" flag: `.
import { ramInBytes } from '../units.js';
import { quote } from '../template/fmt.js';
import { parseIP, validateIPAddress } from './ip.js';

/** opts.ValidateEnv: `KEY` alone takes the value from the environment when set. */
export function validateEnv(val: string, lookup: (k: string) => string | undefined = (k) => process.env[k]): string {
  const eq = val.indexOf('=');
  const k = eq < 0 ? val : val.slice(0, eq);
  if (k === '') throw new Error(`invalid environment variable: ${val}`);
  if (eq >= 0) return val;
  const v = lookup(k);
  return v !== undefined ? `${k}=${v}` : val;
}

/** opts.ValidateLabel. */
export function validateLabel(val: string): string {
  const eq = val.indexOf('=');
  const key = (eq < 0 ? val : val.slice(0, eq)).replace(/^[ \t]+/, '');
  if (key === '') throw new Error(`invalid label '${val}': empty name`);
  if (/[ \t]/.test(key)) throw new Error(`label '${key}' contains whitespaces`);
  return val;
}

/** opts.ValidateExtraHost: `name:ip` or `name=ip` (brackets allowed), normalised to `name:ip`. */
export function validateExtraHost(val: string): string {
  let sep = val.indexOf('=');
  if (sep < 0) sep = val.indexOf(':');
  const k = sep < 0 ? val : val.slice(0, sep);
  let v = sep < 0 ? '' : val.slice(sep + 1);
  if (sep < 0 || k === '' || k.includes(':')) throw new Error(`bad format for add-host: ${goQuote(val)}`);
  if (v !== 'host-gateway') {
    if (v.length > 2 && v[0] === '[' && v[v.length - 1] === ']') v = v.slice(1, -1);
    if (!parseIP(v.trim())) throw new Error(`invalid IP address in add-host: ${goQuote(v)}`);
  }
  return `${k}:${v}`;
}

export { validateIPAddress };

const DOMAIN_RE = /^(:?(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))(:?\.(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])))*)\.?\s*$/;

/** opts.ValidateDNSSearch. */
export function validateDNSSearch(val: string): string {
  val = val.replace(/^ +| +$/g, '');
  if (val === '.') return val;
  if (!/[a-zA-Z]/.test(val)) throw new Error(`${val} is not a valid domain`);
  const m = DOMAIN_RE.exec(val);
  if (m && m[1]!.length < 255) return m[1]!;
  throw new Error(`${val} is not a valid domain`);
}

const SYSCTLS = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);

/** opts.ValidateSysctl. */
export function validateSysctl(val: string): string {
  const eq = val.indexOf('=');
  const k = eq < 0 ? '' : val.slice(0, eq);
  if (eq < 0 || k === '') throw new Error(`sysctl '${val}' is not allowed`);
  if (SYSCTLS.has(k) || k.startsWith('net.') || k.startsWith('fs.mqueue.')) return val;
  throw new Error(`sysctl '${val}' is not allowed`);
}

/** opts.ValidateLink (name[:alias]). */
export function validateLink(val: string): string {
  if (val === '') throw new Error('empty string specified for links');
  if (val.split(':').length > 2) throw new Error(`bad format for links: ${val}`);
  return val;
}

/** The -a/--attach validator: stdin, stdout or stderr (any case), lowered. */
export function validateAttach(val: string): string {
  const s = val.toLowerCase();
  if (s === 'stdin' || s === 'stdout' || s === 'stderr') return s;
  throw new Error('valid streams are STDIN, STDOUT and STDERR');
}

/** --device-cgroup-rule: `type major:minor mode`. */
export function validateDeviceCgroupRule(val: string): string {
  if (/^[acb] ([0-9]+|\*):([0-9]+|\*) [rwm]{1,3}$/.test(val)) return val;
  throw new Error(`invalid device cgroup format '${val}'`);
}

export interface ThrottleDevice { Path: string; Rate: number }
export interface WeightDevice { Path: string; Weight: number }

function devicePair(val: string): [string, string] {
  const i = val.indexOf(':');
  const k = i < 0 ? '' : val.slice(0, i);
  if (i < 0 || k === '') throw new Error(`bad format: ${val}`);
  if (!k.startsWith('/dev/')) throw new Error(`bad format for device path: ${val}`);
  return [k, val.slice(i + 1)];
}

/** opts.ValidateThrottleBpsDevice: `/dev/x:RATE[unit]`. */
export function parseThrottleBpsDevice(val: string): ThrottleDevice {
  const [k, v] = devicePair(val);
  let rate: number;
  try {
    rate = ramInBytes(v);
  } catch {
    throw new Error(`invalid rate for device: ${val}. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb`);
  }
  return { Path: k, Rate: rate };
}

/** opts.ValidateThrottleIOpsDevice: `/dev/x:N`. */
export function parseThrottleIOpsDevice(val: string): ThrottleDevice {
  const [k, v] = devicePair(val);
  if (!/^\d+$/.test(v) || BigInt(v) >= 1n << 64n) {
    throw new Error(`invalid rate for device: ${val}. The correct format is <device-path>:<number>. Number must be a positive integer`);
  }
  return { Path: k, Rate: Number(v) };
}

/** opts.ValidateWeightDevice: `/dev/x:WEIGHT` (10..1000, or 0). */
export function parseWeightDevice(val: string): WeightDevice {
  const [k, v] = devicePair(val);
  const w = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(w <= 65535) || (w > 0 && (w < 10 || w > 1000))) throw new Error(`invalid weight for device: ${val}`);
  return { Path: k, Weight: w };
}

export interface Ulimit { Name: string; Hard: number; Soft: number }

const ULIMIT_NAMES = new Set(['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack']);

function parseInt64(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`strconv.ParseInt: parsing ${goQuote(s)}: invalid syntax`);
  const v = BigInt(s);
  if (v < -(1n << 63n) || v >= 1n << 63n) throw new Error(`strconv.ParseInt: parsing ${goQuote(s)}: value out of range`);
  return Number(v);
}

/** go-units ParseUlimit: `name=soft[:hard]`. */
export function parseUlimit(val: string): Ulimit {
  const eq = val.indexOf('=');
  if (eq < 0) throw new Error(`invalid ulimit argument: ${val}`);
  const name = val.slice(0, eq);
  if (!ULIMIT_NAMES.has(name)) throw new Error(`invalid ulimit type: ${name}`);
  const limits = val.slice(eq + 1).split(':');
  if (limits.length > 2) throw new Error(`too many limit value arguments - ${val.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``);
  let hard: number | undefined;
  if (limits.length === 2) hard = parseInt64(limits[1]!);
  const soft = parseInt64(limits[0]!);
  hard ??= soft;
  if (hard !== -1 && soft > hard) throw new Error(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { Name: name, Hard: hard, Soft: soft };
}

/** opts.ParseCPUs (big.Rat): "1.5", "3/2", "2e-1" → nano CPUs. */
export function parseCPUs(value: string): number {
  const r = parseRat(value);
  if (!r) throw new Error(`failed to parse ${value} as a rational number`);
  const num = r.num * 1_000_000_000n;
  if (num % r.den !== 0n) throw new Error('value is too precise');
  return Number(num / r.den);
}

function parseRat(s: string): { num: bigint; den: bigint } | null {
  const slash = s.indexOf('/');
  if (slash >= 0) {
    const a = s.slice(0, slash);
    const b = s.slice(slash + 1);
    if (!/^[+-]?\d+$/.test(a) || !/^\d+$/.test(b) || BigInt(b) === 0n) return null;
    return { num: BigInt(a), den: BigInt(b) };
  }
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const sign = m[1] === '-' ? -1n : 1n;
  const frac = m[3] ?? '';
  let num = BigInt((m[2] || '0') + frac);
  let den = 10n ** BigInt(frac.length);
  const exp = m[4] ? Number(m[4]) : 0;
  if (exp > 0) num *= 10n ** BigInt(exp);
  else if (exp < 0) den *= 10n ** BigInt(-exp);
  return { num: sign * num, den };
}

/** opts.MemBytes.Set. */
export function parseMemBytes(value: string): number {
  return ramInBytes(value);
}

/** opts.MemSwapBytes.Set: "-1" is unlimited. */
export function parseMemSwapBytes(value: string): number {
  return value === '-1' ? -1 : ramInBytes(value);
}

export interface RestartPolicy { Name: string; MaximumRetryCount: number }

/** opts.ParseRestartPolicy. */
export function parseRestartPolicy(policy: string): RestartPolicy {
  if (policy === '') return { Name: '', MaximumRetryCount: 0 };
  const i = policy.indexOf(':');
  const k = i < 0 ? policy : policy.slice(0, i);
  const v = i < 0 ? '' : policy.slice(i + 1);
  if (i >= 0 && k === '') throw new Error('invalid restart policy format: no policy provided before colon');
  let count = 0;
  if (v !== '') {
    if (!/^[+-]?\d+$/.test(v)) throw new Error('invalid restart policy format: maximum retry count must be an integer');
    count = Number(v);
  }
  return { Name: k, MaximumRetryCount: count };
}

/** opts.NormalizeCapability. */
export function normalizeCapability(c: string): string {
  c = c.trim().toUpperCase();
  if (c === 'ALL' || c === 'RESET') return c;
  return c.startsWith('CAP_') ? c : `CAP_${c}`;
}

/**
 * The capabilities docker CLI 28 sends: each list normalised (CAP_ prefix, upper case),
 * deduplicated and sorted; it leaves "ALL" and overlaps between the lists to the daemon.
 */
export function effectiveCapAddCapDrop(add: readonly string[], drop: readonly string[]): { capAdd: string[] | null; capDrop: string[] | null } {
  const norm = (l: readonly string[]) => {
    const out = [...new Set(l.map(normalizeCapability))].sort();
    return out.length ? out : null;
  };
  return { capAdd: norm(add), capDrop: norm(drop) };
}

export interface DeviceRequest { Driver: string; Count: number; DeviceIDs: string[] | null; Capabilities: string[][] | null; Options: Record<string, string> | null }

/** opts.GpuOpts.Set: `all`, `N`, or `count=…,driver=…,device=…,capabilities=…,options=…`. */
export function parseGpuRequest(value: string): DeviceRequest {
  const req: DeviceRequest = { Driver: '', Count: 0, DeviceIDs: null, Capabilities: null, Options: null };
  const seen = new Set<string>();
  const parseCount = (s: string) => {
    if (s === 'all') return -1;
    if (!/^[+-]?\d+$/.test(s)) throw new Error(`count must be an integer: strconv.Atoi: parsing ${goQuote(s)}: invalid syntax`);
    return Number(s);
  };
  for (const field of csvRecord(value)) {
    const eq = field.indexOf('=');
    const key = eq < 0 ? field : field.slice(0, eq);
    const val = eq < 0 ? '' : field.slice(eq + 1);
    if (seen.has(key)) throw new Error(`gpu request key '${key}' can be specified only once`);
    seen.add(key);
    if (eq < 0) {
      seen.add('count');
      req.Count = parseCount(key);
      continue;
    }
    switch (key) {
      case 'driver': req.Driver = val; break;
      case 'count': req.Count = parseCount(val); break;
      case 'device': req.DeviceIDs = val.split(','); break;
      case 'capabilities': req.Capabilities = [[...val.split(','), 'gpu']]; break;
      case 'options': {
        const o: Record<string, string> = {};
        for (const kv of csvRecord(val)) {
          const i = kv.indexOf('=');
          o[i < 0 ? kv : kv.slice(0, i)] = i < 0 ? '' : kv.slice(i + 1);
        }
        req.Options = o;
        break;
      }
      default: throw new Error(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (!seen.has('count') && req.DeviceIDs === null) req.Count = 1;
  req.Options ??= {};
  req.Capabilities ??= [['gpu']];
  return req;
}

/** encoding/csv reading one record (as docker's CSV-valued options use it). */
export function csvRecord(value: string): string[] {
  const fields: string[] = [];
  let i = 0;
  const s = value.split('\n')[0]!.replace(/\r$/, '');
  if (s === '') return [''];
  for (;;) {
    if (s[i] === '"') {
      let f = '';
      let j = i + 1;
      for (;;) {
        const q = s.indexOf('"', j);
        if (q < 0) throw new Error(`parse error on line 1, column ${s.length + 1}: extraneous or missing " in quoted-field`);
        f += s.slice(j, q);
        if (s[q + 1] === '"') {
          f += '"';
          j = q + 2;
          continue;
        }
        if (q + 1 < s.length && s[q + 1] !== ',') throw new Error(`parse error on line 1, column ${q + 2}: extraneous or missing " in quoted-field`);
        i = q + 1;
        break;
      }
      fields.push(f);
    } else {
      const c = s.indexOf(',', i);
      const f = c < 0 ? s.slice(i) : s.slice(i, c);
      const bq = f.indexOf('"');
      if (bq >= 0) throw new Error(`parse error on line 1, column ${i + bq + 1}: bare " in non-quoted-field`);
      fields.push(f);
      i = c < 0 ? s.length : c;
    }
    if (i >= s.length) break;
    i++;
    if (i === s.length) {
      fields.push('');
      break;
    }
  }
  return fields;
}

/** Go's %q for a string. */
export function goQuote(s: string): string {
  return quote(s);
}
