// A service's container as an Engine API create body (compose v2's getCreateConfigs): config,
// host config, one endpoint per network with the service name as alias, compose's labels,
// and the bind mounts of file-sourced secrets and configs.
import { LABEL, COMPOSE_VERSION } from './labels.js';
import type { Project, ServiceConfig, ServiceVolume } from './model.js';
import { serviceHash } from './hash.js';
import { fileMounts } from './secrets.js';
import { parseDuration } from './units.js';

export interface ContainerPlan {
  name: string;
  number: number;
  oneoff?: boolean;
  /** The image id the container is made from (label com.docker.compose.image). */
  imageId?: string;
  /** Container id by service, for `network_mode: service:x` and `volumes_from`. */
  containerOf?: (service: string) => string | undefined;
  /** `run`: command, env, tty and the like replace the service's. */
  override?: { Cmd?: string[]; Entrypoint?: string[]; Env?: string[]; Tty?: boolean; OpenStdin?: boolean; User?: string; WorkingDir?: string; noPorts?: boolean };
}

/** The image a service runs: its `image`, else `<project>-<service>` for a build. */
export function imageName(project: Project | string, s: ServiceConfig): string {
  const p = typeof project === 'string' ? project : project.name;
  return s.image ?? `${p}-${s.name}`;
}

export function containerName(project: string, s: ServiceConfig, n: number): string {
  return s.container_name ?? `${project}-${s.name}-${n}`;
}

export function replicas(s: ServiceConfig): number {
  return s.scale ?? s.deploy?.replicas ?? 1;
}

const ns = (d: string | undefined) => (d === undefined ? undefined : parseDuration(d));

function restartPolicy(r: string | undefined): { Name: string; MaximumRetryCount?: number } {
  if (!r || r === 'no') return { Name: 'no' };
  const [name, count] = r.split(':');
  return count ? { Name: name!, MaximumRetryCount: Number(count) } : { Name: name! };
}

function mounts(project: Project, vols: ServiceVolume[]): { Binds: string[]; Mounts: unknown[] } {
  const Binds: string[] = [];
  const Mounts: unknown[] = [];
  for (const v of vols) {
    if (v.type === 'bind' && v.bind?.create_host_path) {
      const opts = [v.read_only ? 'ro' : '', v.bind.selinux ?? '', v.bind.propagation ?? ''].filter(Boolean).join(',');
      Binds.push(`${v.source}:${v.target}${opts ? `:${opts}` : ''}`);
      continue;
    }
    const m: Record<string, unknown> = { Type: v.type, Target: v.target, ReadOnly: Boolean(v.read_only) };
    if (v.type === 'volume') {
      if (v.source) m.Source = project.volumes[v.source]?.name ?? v.source;
      if (v.volume?.nocopy || v.volume?.subpath) m.VolumeOptions = { NoCopy: Boolean(v.volume.nocopy), ...(v.volume.subpath ? { Subpath: v.volume.subpath } : {}) };
    } else if (v.type === 'bind') {
      m.Source = v.source;
      if (v.bind?.propagation) m.BindOptions = { Propagation: v.bind.propagation };
    } else if (v.type === 'tmpfs') {
      if (v.tmpfs) m.TmpfsOptions = { SizeBytes: v.tmpfs.size, Mode: v.tmpfs.mode };
    }
    Mounts.push(m);
  }
  return { Binds, Mounts };
}

function portBindings(s: ServiceConfig): { exposed: Record<string, object>; bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> } {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const e of s.expose ?? []) exposed[e.includes('/') ? e : `${e}/tcp`] = {};
  for (const p of s.ports ?? []) {
    const key = `${p.target}/${p.protocol}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: p.host_ip ?? '', HostPort: p.published ?? '' });
  }
  return { exposed, bindings };
}

export function composeLabels(project: Project, s: ServiceConfig, plan: ContainerPlan): Record<string, string> {
  const deps = Object.entries(s.depends_on ?? {}).map(([d, c]) => `${d}:${c.condition}:${Boolean(c.restart)}`).join(',');
  return {
    ...(s.labels ?? {}),
    [LABEL.project]: project.name,
    [LABEL.service]: s.name,
    [LABEL.number]: String(plan.number),
    [LABEL.oneoff]: plan.oneoff ? 'True' : 'False',
    [LABEL.configHash]: serviceHash(s),
    [LABEL.workingDir]: project.workingDir,
    [LABEL.configFiles]: project.configFiles.join(','),
    [LABEL.version]: COMPOSE_VERSION,
    [LABEL.dependsOn]: deps,
    [LABEL.image]: plan.imageId ?? '',
  };
}

export function createBody(project: Project, s: ServiceConfig, plan: ContainerPlan): Record<string, unknown> {
  const o = plan.override ?? {};
  const env = Object.entries(s.environment ?? {}).filter(([, v]) => v !== null).map(([k, v]) => `${k}=${v}`);
  const { exposed, bindings } = portBindings(s);
  const { Binds, Mounts } = mounts(project, s.volumes ?? []);
  // File-sourced secrets and configs: read-only binds (the others are copied in after create).
  Mounts.push(...fileMounts(project, s));
  const limits = s.deploy?.resources?.limits;
  const tmpfs: Record<string, string> = {};
  for (const t of s.tmpfs ?? []) {
    const i = t.indexOf(':');
    tmpfs[i < 0 ? t : t.slice(0, i)] = i < 0 ? '' : t.slice(i + 1);
  }
  const hc = s.healthcheck;
  const healthcheck = hc ? (hc.disable ? { Test: ['NONE'] } : {
    Test: hc.test, Interval: ns(hc.interval), Timeout: ns(hc.timeout), Retries: hc.retries, StartPeriod: ns(hc.start_period), StartInterval: ns(hc.start_interval),
  }) : undefined;

  // Networks: the service's, in priority order; the first one is the container's NetworkMode.
  const nets = Object.entries(s.networks ?? {}).sort(([, a], [, b]) => (b?.priority ?? 0) - (a?.priority ?? 0));
  let networkMode = s.network_mode;
  if (networkMode?.startsWith('service:')) {
    const target = plan.containerOf?.(networkMode.slice(8));
    networkMode = target ? `container:${target}` : networkMode;
  }
  const endpoints: Record<string, unknown> = {};
  if (!networkMode) {
    for (const [key, cfg] of nets) {
      const ep: Record<string, unknown> = { Aliases: [s.name, ...(cfg?.aliases ?? [])] };
      if (cfg?.ipv4_address || cfg?.ipv6_address) ep.IPAMConfig = { IPv4Address: cfg.ipv4_address, IPv6Address: cfg.ipv6_address };
      endpoints[project.networks[key]?.name ?? key] = ep;
    }
    networkMode = nets.length ? (project.networks[nets[0]![0]]?.name ?? nets[0]![0]) : 'default';
  }

  const hostConfig: Record<string, unknown> = {
    Binds: Binds.length ? Binds : undefined,
    Mounts: Mounts.length ? Mounts : undefined,
    PortBindings: o.noPorts ? undefined : bindings,
    RestartPolicy: plan.oneoff ? { Name: 'no' } : restartPolicy(s.restart),
    NetworkMode: networkMode,
    CapAdd: s.cap_add, CapDrop: s.cap_drop,
    ExtraHosts: s.extra_hosts?.map((h) => h.replace('=', ':')),
    Dns: s.dns, DnsSearch: s.dns_search, DnsOptions: s.dns_opt,
    Init: s.init,
    Privileged: s.privileged,
    ReadonlyRootfs: s.read_only,
    ShmSize: s.shm_size,
    Sysctls: s.sysctls,
    Memory: limits?.memory ?? s.mem_limit,
    NanoCpus: limits?.cpus !== undefined ? Math.round(Number(limits.cpus) * 1e9) : s.cpus !== undefined ? Math.round(s.cpus * 1e9) : undefined,
    PidsLimit: limits?.pids ?? s.pids_limit,
    Tmpfs: Object.keys(tmpfs).length ? tmpfs : undefined,
    SecurityOpt: s.security_opt,
    PidMode: s.pid, IpcMode: s.ipc,
    LogConfig: s.logging?.driver || s.logging?.options ? { Type: s.logging.driver ?? '', Config: s.logging.options ?? {} } : undefined,
    Ulimits: s.ulimits ? Object.entries(s.ulimits).map(([Name, v]) => (typeof v === 'number' ? { Name, Soft: v, Hard: v } : { Name, Soft: v.soft, Hard: v.hard })) : undefined,
    VolumesFrom: (s.volumes_from as string[] | undefined)?.map((v) => (v.startsWith('container:') ? v.slice(10) : plan.containerOf?.(v.split(':')[0]!) ?? v)),
  };
  return {
    Image: imageName(project, s),
    Cmd: o.Cmd ?? s.command ?? undefined,
    Entrypoint: o.Entrypoint ?? s.entrypoint ?? undefined,
    Env: [...env, ...(o.Env ?? [])],
    Labels: composeLabels(project, s, plan),
    User: o.User ?? s.user,
    WorkingDir: o.WorkingDir ?? s.working_dir,
    Hostname: s.hostname,
    Domainname: s.domainname,
    Tty: o.Tty ?? Boolean(s.tty),
    OpenStdin: o.OpenStdin ?? Boolean(s.stdin_open),
    AttachStdin: Boolean(o.OpenStdin),
    AttachStdout: true,
    AttachStderr: true,
    StdinOnce: Boolean(o.OpenStdin),
    StopSignal: s.stop_signal,
    StopTimeout: s.stop_grace_period ? Math.round(parseDuration(s.stop_grace_period) / 1e9) : undefined,
    Healthcheck: healthcheck,
    ExposedPorts: Object.keys(exposed).length ? exposed : undefined,
    HostConfig: hostConfig,
    NetworkingConfig: Object.keys(endpoints).length ? { EndpointsConfig: endpoints } : undefined,
  };
}
