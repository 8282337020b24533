// Structural validation of one compose file before merging, the checks the Compose Specification's
// JSON schema makes that matter here: known keys (plus `x-` extensions) and value shapes. Errors
// name the file, the line and the key: `validating compose.yaml:4: services.web additional
// properties 'imag' not allowed`.
import { ComposeError } from './errors.js';
import type { Source } from './source.js';

/** s string, n number, b bool, l list, m map; combinations allow either; `*` anything. */
type Kind = 's' | 'n' | 'b' | 'l' | 'm' | 'sn' | 'sl' | 'sm' | 'lm' | 'sb' | 'sbm' | 'snb' | '*';

const SERVICE: Record<string, Kind> = {
  annotations: 'lm', attach: 'b', build: 'sm', blkio_config: 'm', cap_add: 'l', cap_drop: 'l', cgroup: 's', cgroup_parent: 's',
  command: 'sl', configs: 'l', container_name: 's', cpu_count: 'sn', cpu_percent: 'sn', cpu_shares: 'sn', cpu_quota: 'sn',
  cpu_period: 'sn', cpu_rt_period: 'sn', cpu_rt_runtime: 'sn', cpus: 'sn', cpuset: 's', credential_spec: 'm', depends_on: 'lm',
  deploy: 'm', develop: 'm', device_cgroup_rules: 'l', devices: 'l', dns: 'sl', dns_opt: 'l', dns_search: 'sl', domainname: 's',
  entrypoint: 'sl', env_file: 'sl', environment: 'lm', expose: 'l', extends: 'sm', external_links: 'l', extra_hosts: 'lm',
  gpus: '*', group_add: 'l', healthcheck: 'm', hostname: 's', image: 's', init: 'b', ipc: 's', isolation: 's', labels: 'lm',
  label_file: 'sl', links: 'l', logging: 'm', mac_address: 's', mem_limit: 'sn', mem_reservation: 'sn', mem_swappiness: 'sn',
  memswap_limit: 'sn', network_mode: 's', networks: 'lm', oom_kill_disable: 'b', oom_score_adj: 'sn', pid: 's', pids_limit: 'sn',
  platform: 's', ports: 'l', post_start: 'l', pre_stop: 'l', privileged: 'b', profiles: 'l', pull_policy: 's', read_only: 'b',
  restart: 's', runtime: 's', scale: 'sn', secrets: 'l', security_opt: 'l', shm_size: 'sn', stdin_open: 'b',
  stop_grace_period: 's', stop_signal: 's', storage_opt: 'm', sysctls: 'lm', tmpfs: 'sl', tty: 'b', ulimits: 'm', user: 's',
  userns_mode: 's', uts: 's', volumes: 'l', volumes_from: 'l', working_dir: 's', models: 'lm', provider: 'm', use_api_socket: 'b',
};

const SUB: Record<string, Record<string, Kind>> = {
  build: { context: 's', dockerfile: 's', dockerfile_inline: 's', args: 'lm', ssh: 'lm', labels: 'lm', cache_from: 'l', cache_to: 'l',
    no_cache: 'b', additional_contexts: 'lm', network: 's', pull: 'b', target: 's', shm_size: 'sn', extra_hosts: 'lm',
    isolation: 's', privileged: 'b', secrets: 'l', tags: 'l', ulimits: 'm', platforms: 'l', entitlements: 'l' },
  healthcheck: { test: 'sl', interval: 's', timeout: 's', retries: 'n', start_period: 's', start_interval: 's', disable: 'b' },
  deploy: { mode: 's', replicas: 'n', labels: 'lm', resources: 'm', restart_policy: 'm', placement: 'm', update_config: 'm',
    rollback_config: 'm', endpoint_mode: 's' },
  extends: { service: 's', file: 's' },
  logging: { driver: 's', options: 'm' },
};

const TOP: Record<string, Kind> = { version: 's', name: 's', services: 'm', networks: 'm', volumes: 'm', secrets: 'm', configs: 'm', include: 'l', models: 'm' };
const NETWORK: Record<string, Kind> = { name: 's', driver: 's', driver_opts: 'm', ipam: 'm', external: 'sb', internal: 'b', enable_ipv4: 'b', enable_ipv6: 'b', attachable: 'b', labels: 'lm' };
const VOLUME: Record<string, Kind> = { name: 's', driver: 's', driver_opts: 'm', external: 'sb', labels: 'lm' };
const SECRET: Record<string, Kind> = { name: 's', environment: 's', file: 's', external: 'sbm', labels: 'lm', driver: 's', driver_opts: 'm', template_driver: 's' };
const CONFIG: Record<string, Kind> = { name: 's', content: 's', environment: 's', file: 's', external: 'sbm', labels: 'lm', template_driver: 's' };
const FILE_REF: Record<string, Kind> = { source: 's', target: 's', uid: 's', gid: 's', mode: 'sn' };
const INCLUDE: Record<string, Kind> = { path: 'sl', env_file: 'sl', project_directory: 's' };
/** The sources a secret or config may have, one at a time (compose-go's checkFileObject). */
const SOURCES: Record<'secrets' | 'configs', string[]> = { secrets: ['file', 'environment'], configs: ['file', 'environment', 'content'] };

function kindOf(v: unknown): 's' | 'n' | 'b' | 'l' | 'm' | 'null' {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'l';
  if (typeof v === 'object') return 'm';
  if (typeof v === 'number' || typeof v === 'bigint') return 'n';
  if (typeof v === 'boolean') return 'b';
  return 's';
}

const KIND_NAME: Record<string, string> = { s: 'string', n: 'number', b: 'boolean', l: 'array', m: 'object' };

export class Validator {
  constructor(private readonly src: Source) {}

  /** `at`: the path whose line to give, when not `path` itself (an unknown key's own line). */
  fail(path: string, msg: string, at = path): never {
    const line = this.src.lineOf(at);
    throw new ComposeError('Invalid', `validating ${this.src.file}${line ? `:${line}` : ''}: ${path ? `${path} ` : ''}${msg}`);
  }

  check(path: string, v: unknown, kind: Kind): void {
    if (kind === '*') return;
    const k = kindOf(v);
    if (k === 'null') return; // null resets a key (and `command:` alone is allowed)
    if (kind.includes(k)) return;
    // YAML numbers and booleans are fine where a string is expected (`user: 1000`).
    if (kind.includes('s') && (k === 'n' || k === 'b')) return;
    this.fail(path, `must be a ${[...kind].map((c) => KIND_NAME[c]).join(' or ')}`);
  }

  keys(path: string, obj: Record<string, unknown>, allowed: Record<string, Kind>): void {
    for (const [k, v] of Object.entries(obj)) {
      if (k.startsWith('x-')) continue;
      const kind = allowed[k];
      if (!kind) this.fail(path, `additional properties '${k}' not allowed`, path ? `${path}.${k}` : k);
      this.check(path ? `${path}.${k}` : k, v, kind);
    }
  }
}

export function validateSource(src: Source): void {
  const v = new Validator(src);
  const d = src.data;
  v.keys('', d, TOP);
  for (const [name, svc] of Object.entries((d.services ?? {}) as Record<string, unknown>)) {
    const p = `services.${name}`;
    if (!/^[a-zA-Z0-9._-]+$/.test(name)) v.fail(p, `does not match '^[a-zA-Z0-9._-]+$'`);
    if (svc === null) continue;
    v.check(p, svc, 'm');
    const s = svc as Record<string, unknown>;
    v.keys(p, s, SERVICE);
    for (const [sub, allowed] of Object.entries(SUB)) {
      const val = s[sub];
      if (val && typeof val === 'object' && !Array.isArray(val)) v.keys(`${p}.${sub}`, val as Record<string, unknown>, allowed);
    }
    (s.ports as unknown[] | undefined)?.forEach((port, i) => v.check(`${p}.ports.${i}`, port, 'snm' as Kind));
    (s.volumes as unknown[] | undefined)?.forEach((vol, i) => {
      v.check(`${p}.volumes.${i}`, vol, 'sm');
      if (vol && typeof vol === 'object' && !(vol as { target?: unknown }).target) v.fail(`${p}.volumes.${i}`, `missing property 'target'`);
    });
    for (const kind of ['secrets', 'configs'] as const) {
      (s[kind] as unknown[] | undefined)?.forEach((ref, i) => {
        const at = `${p}.${kind}.${i}`;
        v.check(at, ref, 'sm');
        if (!ref || typeof ref !== 'object') return;
        v.keys(at, ref as Record<string, unknown>, FILE_REF);
        if (!(ref as { source?: unknown }).source) v.fail(at, `missing property 'source'`);
      });
    }
  }
  (d.include as unknown[] | undefined)?.forEach((inc, i) => {
    v.check(`include.${i}`, inc, 'sm');
    if (!inc || typeof inc !== 'object') return;
    v.keys(`include.${i}`, inc as Record<string, unknown>, INCLUDE);
    if (!(inc as { path?: unknown }).path) v.fail(`include.${i}`, `missing property 'path'`);
  });
  for (const section of ['secrets', 'configs'] as const) {
    for (const [name, def] of Object.entries((d[section] ?? {}) as Record<string, unknown>)) {
      const p = `${section}.${name}`;
      v.check(p, def, 'm');
      const o = (def ?? {}) as Record<string, unknown>;
      v.keys(p, o, section === 'secrets' ? SECRET : CONFIG);
      const set = SOURCES[section].filter((k) => k in o);
      const keys = SOURCES[section].join('|');
      if (set.length > 1) throw new ComposeError('Invalid', `${p}: ${keys} attributes are mutually exclusive`);
      if (set.length === 0 && !('driver' in o) && !('external' in o)) throw new ComposeError('Invalid', `${p}: one of ${keys} must be set`);
    }
  }
  for (const [section, allowed] of [['networks', NETWORK], ['volumes', VOLUME]] as const) {
    for (const [name, def] of Object.entries((d[section] ?? {}) as Record<string, unknown>)) {
      if (def === null) continue;
      v.check(`${section}.${name}`, def, 'm');
      v.keys(`${section}.${name}`, def as Record<string, unknown>, allowed);
    }
  }
}
