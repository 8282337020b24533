// Docker's JSON shapes for containers: ContainerInspectResponse (GET /containers/{id}/json) and
// ContainerSummary (GET /containers/json), built from the persisted ContainerRecord. Pure: paths, sizes,
// exec ids and the clock come from the caller.
//
// Key order and zero values follow moby's Go structs as Docker 27 (API 1.47) marshals them
// (api/types/container ContainerJSONBase, Config, HostConfig + Resources, NetworkSettingsBase +
// DefaultNetworkSettings, network.EndpointSettings); status texts follow daemon/container/state.go
// State.String and go-units HumanDuration.

import { humanDuration } from '../common/human-duration.js';
import type { ContainerRecord, ContainerStatus, HostConfig } from './types.js';
import type { EndpointSettings } from '../network/types.js';

// ---------------------------------------------------------------------------------------------
// Time

/** An RFC 3339 time as epoch milliseconds (fractional, sub-ms kept) and exact epoch nanoseconds. */
export interface ParsedTime { ms: number; ns: bigint; zero: boolean }

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

const ZERO_NS = (() => {
  const d = new Date(0);
  d.setUTCFullYear(1, 0, 1);
  d.setUTCHours(0, 0, 0, 0);
  return BigInt(d.getTime()) * 1_000_000n;
})();

/**
 * Parses Docker's RFC3339Nano timestamps. Go's zero time (`0001-01-01T00:00:00Z`) and anything unparsable
 * come back with `zero: true` (Go's Time.IsZero), ms/ns then hold the value as parsed (or 0).
 */
export function parseTime(s: string | undefined | null): ParsedTime {
  const m = s ? RFC3339.exec(s) : null;
  if (!m) return { ms: 0, ns: 0n, zero: true };
  const d = new Date(0);
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
  let offsetMin = 0;
  if (m[9]) offsetMin = (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  const wholeMs = d.getTime() - offsetMin * 60_000;
  const frac = BigInt((m[7] ?? '').padEnd(9, '0') || '0');
  const ns = BigInt(wholeMs) * 1_000_000n + frac;
  const zero = ns === ZERO_NS;
  return { ms: wholeMs + Number(frac) / 1e6, ns, zero };
}

/** Unix seconds of an RFC 3339 time, as Go's Time.Unix (floor). */
export function unixSeconds(s: string): number {
  const { ns } = parseTime(s);
  let sec = ns / 1_000_000_000n;
  if (ns % 1_000_000_000n < 0n) sec -= 1n;
  return Number(sec);
}

// ---------------------------------------------------------------------------------------------
// State

interface HealthState { Status: string; FailingStreak?: number; Log?: unknown[] | null }

/** The health record when the container has a healthcheck (State.Health), else undefined. */
export function healthOf(rec: ContainerRecord): HealthState | undefined {
  const h = (rec.State as unknown as { Health?: HealthState | null }).Health;
  return h ?? undefined;
}

/**
 * The health status moby's list filter and summary use: `none` without a healthcheck, else the status
 * (an unset status reads `unhealthy`, as Health.Status()).
 */
export function healthStatus(rec: ContainerRecord): string {
  const h = healthOf(rec);
  if (!h) return 'none';
  return h.Status || 'unhealthy';
}

/** State.IsRunning: the Running flag, which paused and restarting containers also carry. */
export function isRunning(rec: ContainerRecord): boolean {
  const s = rec.State;
  return s.Running || s.Paused || s.Restarting || s.Status === 'running' || s.Status === 'paused' || s.Status === 'restarting';
}

/** moby's State.State(): the ContainerSummary `State` string and the `status=` filter's subject. */
export function stateOf(rec: ContainerRecord): ContainerStatus {
  const s = rec.State;
  if (isRunning(rec)) {
    if (s.Paused || s.Status === 'paused') return 'paused';
    if (s.Restarting || s.Status === 'restarting') return 'restarting';
    return 'running';
  }
  if (s.Status === 'removing') return 'removing';
  if (s.Dead || s.Status === 'dead') return 'dead';
  if (parseTime(s.StartedAt).zero) return 'created';
  return 'exited';
}

/** moby's State.String(): `Up 3 seconds`, `Exited (0) 5 minutes ago`, `Created`, … */
export function statusText(rec: ContainerRecord, now: number = Date.now()): string {
  const s = rec.State;
  const since = (t: string) => humanDuration(now - parseTime(t).ms);
  if (isRunning(rec)) {
    if (s.Paused || s.Status === 'paused') return `Up ${since(s.StartedAt)} (Paused)`;
    if (s.Restarting || s.Status === 'restarting') return `Restarting (${s.ExitCode}) ${since(s.FinishedAt)} ago`;
    const h = healthOf(rec);
    if (h) {
      const hs = h.Status || 'unhealthy';
      return `Up ${since(s.StartedAt)} (${hs === 'starting' ? 'health: starting' : hs})`;
    }
    return `Up ${since(s.StartedAt)}`;
  }
  if (s.Status === 'removing') return 'Removal In Progress';
  if (s.Dead || s.Status === 'dead') return 'Dead';
  if (parseTime(s.StartedAt).zero) return 'Created';
  if (parseTime(s.FinishedAt).zero) return '';
  return `Exited (${s.ExitCode}) ${since(s.FinishedAt)} ago`;
}

/** The summary's Command: Path, then the args, those holding a space in single quotes. */
export function commandOf(rec: ContainerRecord): string {
  if (!rec.Args || rec.Args.length === 0) return rec.Path;
  return `${rec.Path} ${rec.Args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`;
}

// ---------------------------------------------------------------------------------------------
// Networks

export interface EndpointIPAMConfig { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] }

/** network.EndpointSettings as Docker 27 marshals it (every key, nil slices/maps as null). */
export type { EndpointSettings };

export function emptyEndpoint(): EndpointSettings {
  return {
    IPAMConfig: null, Links: null, Aliases: null, MacAddress: '', DriverOpts: null,
    NetworkID: '', EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0,
    IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, DNSNames: null,
  };
}

/** Normalises a (possibly partial) endpoint to the full key set, in Docker's order. */
function fullEndpoint(e: Partial<EndpointSettings>): EndpointSettings {
  return {
    IPAMConfig: e.IPAMConfig ?? null,
    Links: e.Links ?? null,
    Aliases: e.Aliases ?? null,
    MacAddress: e.MacAddress ?? '',
    DriverOpts: e.DriverOpts ?? null,
    NetworkID: e.NetworkID ?? '',
    EndpointID: e.EndpointID ?? '',
    Gateway: e.Gateway ?? '',
    IPAddress: e.IPAddress ?? '',
    IPPrefixLen: e.IPPrefixLen ?? 0,
    IPv6Gateway: e.IPv6Gateway ?? '',
    GlobalIPv6Address: e.GlobalIPv6Address ?? '',
    GlobalIPv6PrefixLen: e.GlobalIPv6PrefixLen ?? 0,
    DNSNames: e.DNSNames ?? null,
  };
}

/** HostConfig.NetworkMode as stored, `default` when unset. */
export function networkModeOf(rec: ContainerRecord): string {
  return rec.HostConfig?.NetworkMode || 'default';
}

/** NetworkMode.IsUserDefined: not default/bridge/host/none/container:<x>. */
export function isUserDefinedNetwork(mode: string): boolean {
  return !['default', 'bridge', 'host', 'none', ''].includes(mode) && !mode.startsWith('container:');
}

/**
 * The endpoints a container has before real networking: one empty endpoint named after its mode
 * (`default` is the `bridge` network, as NetworkMode.NetworkName), none for `container:<x>`.
 */
export function defaultNetworks(rec: ContainerRecord): Record<string, EndpointSettings> {
  const mode = networkModeOf(rec);
  if (mode.startsWith('container:')) return {};
  return { [mode === 'default' ? 'bridge' : mode]: emptyEndpoint() };
}

/** The endpoint fields the list view copies (daemon/container/view.go transform). */
function summaryEndpoint(e: Partial<EndpointSettings>): EndpointSettings {
  const out = emptyEndpoint();
  if (e.IPAMConfig) {
    const ipam: EndpointIPAMConfig = {};
    if (e.IPAMConfig.IPv4Address) ipam.IPv4Address = e.IPAMConfig.IPv4Address;
    if (e.IPAMConfig.IPv6Address) ipam.IPv6Address = e.IPAMConfig.IPv6Address;
    out.IPAMConfig = ipam;
  }
  out.MacAddress = e.MacAddress ?? '';
  out.NetworkID = e.NetworkID ?? '';
  out.EndpointID = e.EndpointID ?? '';
  out.Gateway = e.Gateway ?? '';
  out.IPAddress = e.IPAddress ?? '';
  out.IPPrefixLen = e.IPPrefixLen ?? 0;
  out.IPv6Gateway = e.IPv6Gateway ?? '';
  out.GlobalIPv6Address = e.GlobalIPv6Address ?? '';
  out.GlobalIPv6PrefixLen = e.GlobalIPv6PrefixLen ?? 0;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Summary (GET /containers/json)

export interface PortSummary { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }

export interface MountPoint {
  Type?: string;
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  Ports: PortSummary[];
  SizeRw?: number;
  SizeRootFs?: number;
  Labels: Record<string, string> | null;
  State: string;
  Status: string;
  HostConfig: { NetworkMode: string; Annotations?: Record<string, string> };
  NetworkSettings: { Networks: Record<string, EndpointSettings> };
  Mounts: MountPoint[];
}

export interface SummaryExtra {
  /** What the Image column shows: the reference given at create when it still resolves to the image, else the image id. */
  imageName: string;
  sizeRw?: number;
  sizeRootFs?: number;
  /** Real endpoints once networking exists; defaults to `defaultNetworks(rec)`. */
  networks?: Record<string, Partial<EndpointSettings>>;
  ports?: PortSummary[];
  mounts?: MountPoint[];
  /** The clock for Status (epoch ms); Date.now() by default. */
  now?: number;
}

export function summaryOf(rec: ContainerRecord, extra: SummaryExtra): ContainerSummary {
  const networks: Record<string, EndpointSettings> = {};
  for (const [name, ep] of Object.entries(extra.networks ?? defaultNetworks(rec))) {
    if (ep) networks[name] = summaryEndpoint(ep);
  }
  const hostConfig: ContainerSummary['HostConfig'] = { NetworkMode: networkModeOf(rec) };
  const annotations = rec.HostConfig?.Annotations as Record<string, string> | undefined | null;
  if (annotations && Object.keys(annotations).length) hostConfig.Annotations = { ...annotations };
  const s: ContainerSummary = {
    Id: rec.Id,
    Names: rec.Name ? [rec.Name] : [],
    Image: extra.imageName,
    ImageID: rec.Image,
    Command: commandOf(rec),
    Created: unixSeconds(rec.Created),
    Ports: extra.ports ?? [],
    Labels: rec.Config?.Labels ?? null,
    State: stateOf(rec),
    Status: statusText(rec, extra.now),
    HostConfig: hostConfig,
    NetworkSettings: { Networks: networks },
    Mounts: extra.mounts ?? [],
  };
  if (extra.sizeRw !== undefined || extra.sizeRootFs !== undefined) {
    // Keep Docker's key order: SizeRw/SizeRootFs come right after Ports.
    const ordered: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) {
      ordered[k] = v;
      if (k === 'Ports') {
        // omitempty in moby's summary: a zero size is left out.
        if (extra.sizeRw) ordered.SizeRw = extra.sizeRw;
        if (extra.sizeRootFs) ordered.SizeRootFs = extra.sizeRootFs;
      }
    }
    return ordered as unknown as ContainerSummary;
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Inspect (GET /containers/{id}/json)

/** The default masked and read-only paths of Docker 27/28 (oci.DefaultSpec), set at create when unset and not privileged. */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];
export const DEFAULT_READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

export interface InspectPaths {
  resolvConf: string;
  hostname: string;
  hosts: string;
  log: string;
  /** The overlay lowerdirs joined with ':' ('' when none). */
  lower: string;
  merged: string;
  upper: string;
  work: string;
}

export interface InspectExtra {
  paths: InspectPaths;
  execIds: string[];
  /** Only when `size=true` was asked. */
  sizeRw?: number;
  sizeRootFs?: number;
  /** Real endpoints once networking exists; defaults to `defaultNetworks(rec)`. */
  networks?: Record<string, Partial<EndpointSettings>>;
  /** NetworkSettings.Ports: "80/tcp" → bindings. */
  ports?: Record<string, Array<{ HostIp: string; HostPort: string }> | null>;
  mounts?: MountPoint[];
  /** HostConfig.CgroupnsMode shown when the record has none: `host` on cgroup v1 (default), `private` on v2. */
  cgroupnsMode?: string;
}

const nonEmptyMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length > 0;

/** HostConfig with every key Docker emits, in its order, and the defaults the daemon fills at create. */
export function hostConfigOf(hc: HostConfig | undefined, cgroupnsMode = 'host'): Record<string, unknown> {
  const h = (hc ?? {}) as Record<string, unknown> & HostConfig;
  const get = <T>(k: string, def: T): T => (h[k] === undefined ? def : (h[k] as T));
  const out: Record<string, unknown> = {
    Binds: get('Binds', null),
    ContainerIDFile: get('ContainerIDFile', ''),
    LogConfig: { Type: h.LogConfig?.Type || 'json-file', Config: h.LogConfig?.Config ?? {} },
    NetworkMode: h.NetworkMode || 'default',
    PortBindings: get('PortBindings', null),
    RestartPolicy: { Name: h.RestartPolicy?.Name || 'no', MaximumRetryCount: h.RestartPolicy?.MaximumRetryCount ?? 0 },
    AutoRemove: get('AutoRemove', false),
    VolumeDriver: get('VolumeDriver', ''),
    VolumesFrom: get('VolumesFrom', null),
    ConsoleSize: get('ConsoleSize', [0, 0]),
  };
  if (nonEmptyMap(h.Annotations)) out.Annotations = h.Annotations;
  Object.assign(out, {
    CapAdd: get('CapAdd', null),
    CapDrop: get('CapDrop', null),
    CgroupnsMode: h.CgroupnsMode || cgroupnsMode,
    Dns: get('Dns', null),
    DnsOptions: get('DnsOptions', null),
    DnsSearch: get('DnsSearch', null),
    ExtraHosts: get('ExtraHosts', null),
    GroupAdd: get('GroupAdd', null),
    IpcMode: h.IpcMode || 'private',
    Cgroup: get('Cgroup', ''),
    Links: get('Links', null),
    OomScoreAdj: get('OomScoreAdj', 0),
    PidMode: get('PidMode', ''),
    Privileged: get('Privileged', false),
    PublishAllPorts: get('PublishAllPorts', false),
    ReadonlyRootfs: get('ReadonlyRootfs', false),
    SecurityOpt: get('SecurityOpt', null),
  });
  if (nonEmptyMap(h.StorageOpt)) out.StorageOpt = h.StorageOpt;
  if (nonEmptyMap(h.Tmpfs)) out.Tmpfs = h.Tmpfs;
  out.UTSMode = get('UTSMode', '');
  out.UsernsMode = get('UsernsMode', '');
  out.ShmSize = h.ShmSize || DEFAULT_SHM_SIZE;
  if (nonEmptyMap(h.Sysctls)) out.Sysctls = h.Sysctls;
  out.Runtime = h.Runtime || 'runc';
  out.Isolation = get('Isolation', '');
  // Resources (embedded struct).
  Object.assign(out, {
    CpuShares: get('CpuShares', 0),
    Memory: get('Memory', 0),
    NanoCpus: get('NanoCpus', 0),
    CgroupParent: get('CgroupParent', ''),
    BlkioWeight: get('BlkioWeight', 0),
    BlkioWeightDevice: get('BlkioWeightDevice', null),
    BlkioDeviceReadBps: get('BlkioDeviceReadBps', null),
    BlkioDeviceWriteBps: get('BlkioDeviceWriteBps', null),
    BlkioDeviceReadIOps: get('BlkioDeviceReadIOps', null),
    BlkioDeviceWriteIOps: get('BlkioDeviceWriteIOps', null),
    CpuPeriod: get('CpuPeriod', 0),
    CpuQuota: get('CpuQuota', 0),
    CpuRealtimePeriod: get('CpuRealtimePeriod', 0),
    CpuRealtimeRuntime: get('CpuRealtimeRuntime', 0),
    CpusetCpus: get('CpusetCpus', ''),
    CpusetMems: get('CpusetMems', ''),
    Devices: get('Devices', null),
    DeviceCgroupRules: get('DeviceCgroupRules', null),
    DeviceRequests: get('DeviceRequests', null),
  });
  if (h.KernelMemory) out.KernelMemory = h.KernelMemory;
  if (h.KernelMemoryTCP) out.KernelMemoryTCP = h.KernelMemoryTCP;
  Object.assign(out, {
    MemoryReservation: get('MemoryReservation', 0),
    MemorySwap: get('MemorySwap', 0),
    MemorySwappiness: get('MemorySwappiness', null),
    OomKillDisable: get('OomKillDisable', null),
    PidsLimit: get('PidsLimit', null),
    Ulimits: get('Ulimits', null),
    CpuCount: get('CpuCount', 0),
    CpuPercent: get('CpuPercent', 0),
    IOMaximumIOps: get('IOMaximumIOps', 0),
    IOMaximumBandwidth: get('IOMaximumBandwidth', 0),
  });
  if (Array.isArray(h.Mounts) && h.Mounts.length) out.Mounts = h.Mounts;
  const privileged = h.Privileged === true;
  out.MaskedPaths = h.MaskedPaths ?? (privileged ? null : [...DEFAULT_MASKED_PATHS]);
  out.ReadonlyPaths = h.ReadonlyPaths ?? (privileged ? null : [...DEFAULT_READONLY_PATHS]);
  if (h.Init !== undefined && h.Init !== null) out.Init = h.Init;
  return out;
}

/** container.Config with every key Docker emits (omitempty ones only when set), in its order. */
export function configOf(rec: ContainerRecord): Record<string, unknown> {
  const c = (rec.Config ?? {}) as Record<string, unknown> & NonNullable<ContainerRecord['Config']>;
  const out: Record<string, unknown> = {
    Hostname: c.Hostname || rec.Id.slice(0, 12),
    Domainname: c.Domainname ?? '',
    User: c.User ?? '',
    AttachStdin: c.AttachStdin ?? false,
    AttachStdout: c.AttachStdout ?? false,
    AttachStderr: c.AttachStderr ?? false,
  };
  if (nonEmptyMap(c.ExposedPorts)) out.ExposedPorts = c.ExposedPorts;
  out.Tty = c.Tty ?? false;
  out.OpenStdin = c.OpenStdin ?? false;
  out.StdinOnce = c.StdinOnce ?? false;
  out.Env = c.Env ?? null;
  out.Cmd = c.Cmd ?? null;
  if (c.Healthcheck) out.Healthcheck = c.Healthcheck;
  if (c.ArgsEscaped) out.ArgsEscaped = c.ArgsEscaped;
  out.Image = c.Image || rec.ImageRef || rec.Image;
  out.Volumes = c.Volumes ?? null;
  out.WorkingDir = c.WorkingDir ?? '';
  out.Entrypoint = c.Entrypoint ?? null;
  if (c.NetworkDisabled) out.NetworkDisabled = c.NetworkDisabled;
  if (c.MacAddress) out.MacAddress = c.MacAddress;
  out.OnBuild = c.OnBuild ?? null;
  out.Labels = c.Labels ?? null;
  if (c.StopSignal) out.StopSignal = c.StopSignal;
  if (c.StopTimeout !== undefined && c.StopTimeout !== null) out.StopTimeout = c.StopTimeout;
  if (c.Shell && c.Shell.length) out.Shell = c.Shell;
  return out;
}

/** ContainerState as inspect shows it; Health only when the container has a healthcheck. */
function stateJSON(rec: ContainerRecord): Record<string, unknown> {
  const s = rec.State;
  const out: Record<string, unknown> = {
    Status: stateOf(rec),
    Running: isRunning(rec),
    Paused: s.Paused || s.Status === 'paused',
    Restarting: s.Restarting || s.Status === 'restarting',
    OOMKilled: s.OOMKilled,
    Dead: s.Dead || s.Status === 'dead',
    Pid: s.Pid,
    ExitCode: s.ExitCode,
    Error: s.Error ?? '',
    StartedAt: s.StartedAt,
    FinishedAt: s.FinishedAt,
  };
  const h = healthOf(rec);
  if (h) out.Health = { Status: h.Status || 'unhealthy', FailingStreak: h.FailingStreak ?? 0, Log: h.Log ?? null };
  return out;
}

/**
 * Docker's ContainerInspectResponse for `rec`. `version` is the request's API version (e.g. 1.47):
 * below 1.45, endpoints on user-defined networks also list the short id and the hostname as aliases
 * (moby's getContainersByName).
 */
export function inspectOf(rec: ContainerRecord, extra: InspectExtra, version: number): Record<string, unknown> {
  const config = configOf(rec);
  const networks: Record<string, EndpointSettings> = {};
  for (const [name, ep] of Object.entries(extra.networks ?? defaultNetworks(rec))) {
    if (!ep) continue;
    const full = fullEndpoint(ep);
    if (version < 1.45 && isUserDefinedNetwork(name)) {
      full.Aliases = [...new Set([...(full.Aliases ?? []), rec.Id.slice(0, 12), String(config.Hostname)])];
    }
    networks[name] = full;
  }
  // The deprecated top-level fields mirror the default bridge endpoint (getDefaultNetworkSettings).
  const bridge = networks.bridge;
  const p = extra.paths;
  const graphData: Record<string, string> = {};
  if (p.lower) graphData.LowerDir = p.lower;
  graphData.MergedDir = p.merged;
  graphData.UpperDir = p.upper;
  graphData.WorkDir = p.work;

  const out: Record<string, unknown> = {
    Id: rec.Id,
    Created: rec.Created,
    Path: rec.Path,
    Args: rec.Args ?? [],
    State: stateJSON(rec),
    Image: rec.Image,
    ResolvConfPath: p.resolvConf,
    HostnamePath: p.hostname,
    HostsPath: p.hosts,
    LogPath: rec.HostConfig.LogConfig?.Type === 'none' ? '' : p.log,
    Name: rec.Name,
    RestartCount: rec.RestartCount ?? 0,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: rec.MountLabel ?? '',
    ProcessLabel: rec.ProcessLabel ?? '',
    AppArmorProfile: rec.AppArmorProfile ?? '',
    ExecIDs: extra.execIds.length ? [...extra.execIds] : null,
    HostConfig: hostConfigOf(rec.HostConfig, extra.cgroupnsMode),
    GraphDriver: { Data: graphData, Name: 'overlay2' },
  };
  if (extra.sizeRw !== undefined) out.SizeRw = extra.sizeRw;
  if (extra.sizeRootFs !== undefined) out.SizeRootFs = extra.sizeRootFs;
  out.Mounts = extra.mounts ?? [];
  out.Config = config;
  out.NetworkSettings = {
    Bridge: '',
    SandboxID: '',
    SandboxKey: '',
    Ports: extra.ports ?? {},
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: bridge?.EndpointID ?? '',
    Gateway: bridge?.Gateway ?? '',
    GlobalIPv6Address: bridge?.GlobalIPv6Address ?? '',
    GlobalIPv6PrefixLen: bridge?.GlobalIPv6PrefixLen ?? 0,
    IPAddress: bridge?.IPAddress ?? '',
    IPPrefixLen: bridge?.IPPrefixLen ?? 0,
    IPv6Gateway: bridge?.IPv6Gateway ?? '',
    MacAddress: bridge?.MacAddress ?? '',
    Networks: networks,
  };
  return out;
}
