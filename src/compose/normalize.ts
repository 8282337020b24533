// Short syntaxes to long ones, one service at a time (docker compose v2's normalisation): ports,
// volumes, depends_on, environment and labels as maps, env_file, networks, healthcheck, build,
// command/entrypoint shell-split, sizes in bytes, durations as Go prints them, paths absolute.
// Runs on each file before merging, so that overrides merge like with like.
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { formatDuration } from '../common/go-duration.js';
import { ComposeError } from './errors.js';
import type { DependsOn, EnvFile, PortConfig, ServiceFileRef, ServiceVolume } from './model.js';
import { parseBytes, parseDuration, shellSplit } from './units.js';

type Raw = Record<string, unknown>;

const str = (v: unknown): string => (typeof v === 'string' ? v : String(v));

/** `[K=V, K]` or `{K: V}` → `{K: "V", K: null}` (a map's scalars as strings). */
export function toMap(v: unknown, sep = '='): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  if (Array.isArray(v)) {
    for (const e of v) {
      const s = str(e);
      const i = s.indexOf(sep);
      if (i < 0) out[s] = null;
      else out[s.slice(0, i)] = s.slice(i + 1);
    }
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) out[k] = x === null || x === undefined ? null : str(x);
  }
  return out;
}

export function expandPath(p: string, baseDir: string): string {
  if (p === '~' || p.startsWith('~/')) return homedir() + p.slice(1);
  return isAbsolute(p) ? p : resolve(baseDir, p);
}

function splitRange(s: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) throw new ComposeError('Invalid', `invalid port range: ${s}`);
  return [Number(m[1]), Number(m[2] ?? m[1])];
}

/** One short-syntax port (`[[ip:]host:]container[/proto]`, ranges allowed) → long entries. */
export function parsePortString(spec: string): PortConfig[] {
  let rest = spec;
  let protocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) { protocol = rest.slice(slash + 1); rest = rest.slice(0, slash); }
  let ip = '';
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    ip = rest.slice(1, end);
    rest = rest.slice(end + 2);
  } else {
    const parts = rest.split(':');
    if (parts.length === 3) { ip = parts[0]!; rest = `${parts[1]}:${parts[2]}`; }
    else if (parts.length > 3) throw new ComposeError('Invalid', `invalid port specification: ${JSON.stringify(spec)}`);
  }
  const colon = rest.lastIndexOf(':');
  const host = colon >= 0 ? rest.slice(0, colon) : '';
  const [c0, c1] = splitRange(colon >= 0 ? rest.slice(colon + 1) : rest);
  let h: [number, number] | null = null;
  if (host !== '') h = splitRange(host);
  if (h && c1 > c0 && h[1] - h[0] !== c1 - c0 && h[1] !== h[0]) throw new ComposeError('Invalid', `invalid ranges specified for container and host Ports: ${spec}`);
  const out: PortConfig[] = [];
  for (let p = c0; p <= c1; p++) {
    const entry: PortConfig = { mode: 'ingress', target: p, protocol };
    if (ip) entry.host_ip = ip;
    if (h) entry.published = c1 > c0 && h[1] > h[0] ? String(h[0] + (p - c0)) : h[1] > h[0] ? `${h[0]}-${h[1]}` : String(h[0]);
    out.push(entry);
  }
  return out;
}

export function normalizePorts(v: unknown): PortConfig[] {
  const out: PortConfig[] = [];
  for (const p of (v as unknown[]) ?? []) {
    if (typeof p === 'number') out.push({ mode: 'ingress', target: p, protocol: 'tcp' });
    else if (typeof p === 'string') out.push(...parsePortString(p));
    else {
      const o = p as Raw;
      const e: PortConfig = { mode: str(o.mode ?? 'ingress'), target: Number(o.target), protocol: str(o.protocol ?? 'tcp') };
      if (o.name !== undefined) e.name = str(o.name);
      if (o.host_ip !== undefined) e.host_ip = str(o.host_ip);
      if (o.published !== undefined && o.published !== null) e.published = str(o.published);
      if (o.app_protocol !== undefined) e.app_protocol = str(o.app_protocol);
      out.push(e);
    }
  }
  return out;
}

const PROPAGATION = new Set(['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate']);

/** One short-syntax volume (`[source:]target[:mode]`) → its long form. */
export function parseVolumeString(spec: string, baseDir: string): ServiceVolume {
  const parts = spec.split(':');
  if (parts.length === 1) return { type: 'volume', target: spec, volume: {} };
  if (parts.length > 3) throw new ComposeError('Invalid', `invalid spec: ${spec}: too many colons`);
  const [source, target, mode = ''] = parts as [string, string, string?];
  const isBind = /^[./~]/.test(source);
  const v: ServiceVolume = isBind
    ? { type: 'bind', source: expandPath(source, baseDir), target, bind: { create_host_path: true } }
    : { type: 'volume', source, target, volume: {} };
  for (const opt of mode.split(',').filter(Boolean)) {
    if (opt === 'ro') v.read_only = true;
    else if (opt === 'rw') v.read_only = false;
    else if (opt === 'z' || opt === 'Z') v.bind = { ...v.bind, selinux: opt };
    else if (opt === 'nocopy') v.volume = { ...v.volume, nocopy: true };
    else if (PROPAGATION.has(opt)) v.bind = { ...v.bind, propagation: opt };
    else if (['cached', 'delegated', 'consistent'].includes(opt)) v.consistency = opt;
    else throw new ComposeError('Invalid', `invalid spec: ${spec}: unknown option ${opt}`);
  }
  if (v.read_only === false) delete v.read_only;
  return v;
}

export function normalizeVolumes(v: unknown, baseDir: string): ServiceVolume[] {
  return ((v as unknown[]) ?? []).map((e) => {
    if (typeof e === 'string') return parseVolumeString(e, baseDir);
    const o = { ...(e as Raw) } as unknown as ServiceVolume;
    o.type ??= 'volume';
    if (o.type === 'bind' && o.source) o.source = expandPath(o.source, baseDir);
    if (o.type === 'tmpfs' && o.tmpfs?.size !== undefined) o.tmpfs = { ...o.tmpfs, size: parseBytes(o.tmpfs.size as unknown as string) };
    return o;
  });
}

export function normalizeDependsOn(v: unknown): Record<string, DependsOn> {
  const out: Record<string, DependsOn> = {};
  if (Array.isArray(v)) {
    for (const s of v) out[str(s)] = { condition: 'service_started', required: true };
  } else if (v && typeof v === 'object') {
    for (const [k, d] of Object.entries(v as Record<string, Raw | null>)) {
      const e: DependsOn = { condition: (d?.condition as DependsOn['condition']) ?? 'service_started', required: d?.required !== false };
      if (d?.restart !== undefined) e.restart = Boolean(d.restart);
      if (!['service_started', 'service_healthy', 'service_completed_successfully'].includes(e.condition)) {
        throw new ComposeError('Invalid', `depends_on.${k}.condition must be one of service_started, service_healthy, service_completed_successfully`);
      }
      out[k] = e;
    }
  }
  return out;
}

const duration = (v: unknown) => formatDuration(parseDuration(v as string));

function normalizeHealthcheck(v: Raw): Raw {
  const h: Raw = { ...v };
  if (typeof h.test === 'string') h.test = ['CMD-SHELL', h.test];
  else if (Array.isArray(h.test)) h.test = h.test.map(str);
  for (const k of ['interval', 'timeout', 'start_period', 'start_interval']) if (h[k] !== undefined && h[k] !== null) h[k] = duration(h[k]);
  return h;
}

function normalizeEnvFiles(v: unknown, baseDir: string): EnvFile[] {
  const list = Array.isArray(v) ? v : [v];
  return list.map((e) => {
    if (typeof e === 'string') return { path: expandPath(e, baseDir), required: true };
    const o = e as Raw;
    const f: EnvFile = { path: expandPath(str(o.path), baseDir), required: o.required !== false };
    if (o.format !== undefined) f.format = str(o.format);
    return f;
  });
}

function hostsList(v: unknown): string[] {
  if (Array.isArray(v)) return v.map((e) => str(e).replace(/^([^=:]+)[:=]/, '$1='));
  return Object.entries((v ?? {}) as Raw).map(([k, x]) => `${k}=${Array.isArray(x) ? x.join(',') : str(x)}`);
}

const strList = (v: unknown): string[] => (Array.isArray(v) ? v.map(str) : [str(v)]);

/**
 * A file mode as compose-go reads it: a number is taken as it is (the YAML loader turns a
 * YAML 1.1 `0440` into octal, see source.ts), a string is octal digits (`"0440"`, `"440"`).
 */
export function parseFileMode(v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  const s = str(v).trim().replace(/^0o/i, '');
  if (!/^[0-7]+$/.test(s)) throw new ComposeError('Invalid', `invalid file mode ${JSON.stringify(str(v))}: must be an octal number`);
  return parseInt(s, 8);
}

/** `secrets:`/`configs:` of a service: `- name` or `{source, target, uid, gid, mode}` → the long form. */
export function normalizeFileRefs(v: unknown): ServiceFileRef[] {
  return ((v as unknown[]) ?? []).map((e) => {
    if (typeof e !== 'object' || e === null) return { source: str(e) };
    const o = e as Raw;
    const r: ServiceFileRef = { source: str(o.source) };
    if (o.target !== undefined && o.target !== null) r.target = str(o.target);
    if (o.uid !== undefined && o.uid !== null) r.uid = str(o.uid);
    if (o.gid !== undefined && o.gid !== null) r.gid = str(o.gid);
    if (o.mode !== undefined && o.mode !== null) r.mode = parseFileMode(o.mode);
    for (const [k, x] of Object.entries(o)) if (k.startsWith('x-')) (r as unknown as Raw)[k] = x;
    return r;
  });
}

/** Short → long for one (possibly partial, override-file) service definition. */
export function normalizeService(raw: Raw, baseDir: string): Raw {
  const s: Raw = { ...raw };
  const set = (k: string, f: (v: unknown) => unknown) => {
    if (s[k] !== undefined && s[k] !== null) s[k] = f(s[k]);
  };
  set('build', (b) => {
    const o: Raw = typeof b === 'string' ? { context: b } : { ...(b as Raw) };
    o.context = expandPath(str(o.context ?? '.'), baseDir);
    if (o.args !== undefined) o.args = toMap(o.args);
    if (o.labels !== undefined) o.labels = labelMap(o.labels);
    if (o.extra_hosts !== undefined) o.extra_hosts = hostsList(o.extra_hosts);
    if (o.shm_size !== undefined) o.shm_size = parseBytes(o.shm_size as string);
    return o;
  });
  for (const k of ['command', 'entrypoint']) set(k, (c) => (typeof c === 'string' ? shellSplit(c) : (c as unknown[]).map(str)));
  set('environment', (e) => toMap(e));
  set('labels', labelMap);
  set('annotations', labelMap);
  set('sysctls', (e) => labelMap(e));
  set('env_file', (e) => normalizeEnvFiles(e, baseDir));
  set('ports', normalizePorts);
  set('expose', (e) => (e as unknown[]).map(str));
  set('volumes', (e) => normalizeVolumes(e, baseDir));
  set('depends_on', normalizeDependsOn);
  set('networks', (n) => (Array.isArray(n) ? Object.fromEntries(n.map((x) => [str(x), null])) : n));
  set('healthcheck', (h) => normalizeHealthcheck(h as Raw));
  set('extra_hosts', hostsList);
  for (const k of ['dns', 'dns_search', 'tmpfs', 'dns_opt']) set(k, strList);
  for (const k of ['mem_limit', 'mem_reservation', 'memswap_limit', 'shm_size']) set(k, (m) => parseBytes(m as string));
  set('cpus', (c) => Number(c));
  set('stop_grace_period', duration);
  for (const k of ['user', 'working_dir', 'hostname', 'domainname', 'image', 'stop_signal', 'restart', 'container_name']) set(k, str);
  set('deploy', (d) => {
    const o: Raw = { ...(d as Raw) };
    const r = o.resources as Raw | undefined;
    if (r) {
      const res: Raw = { ...r };
      for (const part of ['limits', 'reservations']) {
        const l = res[part] as Raw | undefined;
        if (!l) continue;
        const x: Raw = { ...l };
        if (x.memory !== undefined) x.memory = parseBytes(x.memory as string);
        if (x.cpus !== undefined) x.cpus = str(x.cpus);
        res[part] = x;
      }
      o.resources = res;
    }
    return o;
  });
  set('scale', Number);
  set('extends', (e) => (typeof e === 'string' ? { service: e } : e));
  set('secrets', normalizeFileRefs);
  set('configs', normalizeFileRefs);
  return s;
}

function labelMap(v: unknown): Record<string, string> {
  const m = toMap(v);
  return Object.fromEntries(Object.entries(m).map(([k, x]) => [k, x ?? '']));
}
