// `berth create` / `berth run` options: the flags (docker/cli's container/opts.go addFlags plus
// run's and create's own) and the pure conversion from parsed flags to the Engine API create
// body {Config…, HostConfig, NetworkingConfig}, field for field as docker CLI 28 sends it
// (Go's JSON: the same fields, nulls and omitted zero values).
import type { FlagDef, FlagSpec } from '../flags.js';
import type { FlagAnnotation } from './spec-command.js';
import { kvStringsToMap, readKVEnvStrings, readKVStrings } from '../opts/kvfile.js';
import {
  effectiveCapAddCapDrop, parseCPUs, parseGpuRequest, parseMemBytes, parseMemSwapBytes, parseRestartPolicy,
  parseThrottleBpsDevice, parseThrottleIOpsDevice, parseUlimit, parseWeightDevice, validateAttach,
  validateDeviceCgroupRule, validateDNSSearch, validateEnv, validateExtraHost, validateIPAddress, validateLabel,
  validateLink, validateSysctl, type DeviceRequest, type Ulimit,
} from '../opts/validate.js';
import { convertToStandardNotation, parseExpose, parsePortSpecs, type PortBinding } from '../opts/ports.js';
import { isCdiName, parseDevice, parseMount, parseVolumeSpec, type Mount } from '../opts/mounts.js';
import { isUserDefinedNetwork, parseNetworkOpt, type NetworkAttachment } from '../opts/network.js';
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';

/** Validators run while parsing (pflag Value.Set), so errors read `invalid argument … flag: …`. */
const check = (fn: (v: string) => unknown) => (v: string) => { fn(v); };
const rewrite = (fn: (v: string) => string) => (v: string) => fn(v);

const list = (usage: string, extra: Partial<FlagDef> = {}): FlagDef => ({ type: 'stringArray', typeName: 'list', usage, ...extra });

/** docker/cli's container flags (AddFlags), keyed by long name. */
export const CONTAINER_FLAGS: FlagSpec = {
  // General purpose flags
  attach: list('Attach to STDIN, STDOUT or STDERR', { short: 'a', validate: rewrite(validateAttach) }),
  'device-cgroup-rule': list('Add a rule to the cgroup allowed devices list', { validate: check(validateDeviceCgroupRule) }),
  device: list('Add a host device to the container'),
  gpus: { type: 'stringArray', typeName: 'gpu-request', usage: "GPU devices to add to the container ('all' to pass all GPUs)", validate: check(parseGpuRequest) },
  env: list('Set environment variables', { short: 'e', validate: rewrite((v) => validateEnv(v)) }),
  'env-file': list('Read in a file of environment variables'),
  entrypoint: { type: 'string', usage: 'Overwrite the default ENTRYPOINT of the image' },
  'group-add': list('Add additional groups to join'),
  hostname: { type: 'string', short: 'h', usage: 'Container host name' },
  domainname: { type: 'string', usage: 'Container NIS domain name' },
  interactive: { type: 'bool', short: 'i', usage: 'Keep STDIN open even if not attached' },
  label: list('Set meta data on a container', { short: 'l', validate: rewrite(validateLabel) }),
  'label-file': list('Read in a line delimited file of labels'),
  'read-only': { type: 'bool', usage: "Mount the container's root filesystem as read only" },
  restart: { type: 'string', default: 'no', usage: 'Restart policy to apply when a container exits' },
  'stop-signal': { type: 'string', usage: 'Signal to stop the container' },
  'stop-timeout': { type: 'int', usage: 'Timeout (in seconds) to stop a container' },
  sysctl: { type: 'stringArray', typeName: 'map', defaultText: 'map[]', usage: 'Sysctl options', validate: check(validateSysctl) },
  tty: { type: 'bool', short: 't', usage: 'Allocate a pseudo-TTY' },
  ulimit: { type: 'stringArray', typeName: 'ulimit', defaultText: '[]', usage: 'Ulimit options', validate: check(parseUlimit) },
  user: { type: 'string', short: 'u', usage: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  workdir: { type: 'string', short: 'w', usage: 'Working directory inside the container' },
  rm: { type: 'bool', usage: 'Automatically remove the container and its associated anonymous volumes when it exits' },
  // Security
  'cap-add': list('Add Linux capabilities'),
  'cap-drop': list('Drop Linux capabilities'),
  privileged: { type: 'bool', usage: 'Give extended privileges to this container' },
  'security-opt': list('Security Options'),
  userns: { type: 'string', usage: 'User namespace to use' },
  cgroupns: {
    type: 'string',
    usage: "Cgroup namespace to use (host|private)\n'host':    Run the container in the Docker host's cgroup namespace\n'private': Run the container in its own private cgroup namespace\n'':        Use the cgroup namespace as configured by the\n           default-cgroupns-mode option on the daemon (default)",
  },
  // Network and port publishing
  'add-host': list('Add a custom host-to-IP mapping (host:ip)', { validate: rewrite(validateExtraHost) }),
  dns: list('Set custom DNS servers', { validate: rewrite(validateIPAddress) }),
  'dns-opt': list('Set DNS options', { hidden: true }),
  'dns-option': list('Set DNS options'),
  'dns-search': list('Set custom DNS search domains', { validate: rewrite(validateDNSSearch) }),
  expose: list('Expose a port or a range of ports'),
  ip: { type: 'string', usage: 'IPv4 address (e.g., 172.30.100.104)' },
  ip6: { type: 'string', usage: 'IPv6 address (e.g., 2001:db8::33)' },
  link: list('Add link to another container', { validate: rewrite(validateLink) }),
  'link-local-ip': list('Container IPv4/IPv6 link-local addresses'),
  'mac-address': { type: 'string', usage: 'Container MAC address (e.g., 92:d0:c6:0a:29:33)' },
  publish: list("Publish a container's port(s) to the host", { short: 'p' }),
  'publish-all': { type: 'bool', short: 'P', usage: 'Publish all exposed ports to random ports' },
  net: { type: 'stringArray', typeName: 'network', usage: 'Connect a container to a network', hidden: true, validate: check(parseNetworkOpt) },
  network: { type: 'stringArray', typeName: 'network', usage: 'Connect a container to a network', validate: check(parseNetworkOpt) },
  'net-alias': list('Add network-scoped alias for the container', { hidden: true }),
  'network-alias': list('Add network-scoped alias for the container'),
  // Logging and storage
  'log-driver': { type: 'string', usage: 'Logging driver for the container' },
  'volume-driver': { type: 'string', usage: 'Optional volume driver for the container' },
  'log-opt': list('Log driver options'),
  'storage-opt': list('Storage driver options for the container'),
  tmpfs: list('Mount a tmpfs directory'),
  'volumes-from': list('Mount volumes from the specified container(s)'),
  volume: list('Bind mount a volume', { short: 'v' }),
  mount: { type: 'stringArray', typeName: 'mount', usage: 'Attach a filesystem mount to the container', validate: check(parseMount) },
  // Health-checking
  'health-cmd': { type: 'string', usage: 'Command to run to check health' },
  'health-interval': { type: 'duration', usage: 'Time between running the check (ms|s|m|h) (default 0s)' },
  'health-retries': { type: 'int', usage: 'Consecutive failures needed to report unhealthy' },
  'health-timeout': { type: 'duration', usage: 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)' },
  'health-start-period': { type: 'duration', usage: 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)' },
  'health-start-interval': { type: 'duration', usage: 'Time between running the check during the start period (ms|s|m|h) (default 0s)' },
  'no-healthcheck': { type: 'bool', usage: 'Disable any container-specified HEALTHCHECK' },
  // Resource management
  'blkio-weight': { type: 'uint', typeName: 'uint16', usage: 'Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)', validate: check(uint16) },
  'blkio-weight-device': list('Block IO weight (relative device weight)', { defaultText: '[]', validate: check(parseWeightDevice) }),
  cidfile: { type: 'string', usage: 'Write the container ID to the file' },
  'cpuset-cpus': { type: 'string', usage: 'CPUs in which to allow execution (0-3, 0,1)' },
  'cpuset-mems': { type: 'string', usage: 'MEMs in which to allow execution (0-3, 0,1)' },
  'cpu-count': { type: 'int', usage: 'CPU count (Windows only)' },
  'cpu-percent': { type: 'int', usage: 'CPU percent (Windows only)' },
  'cpu-period': { type: 'int', usage: 'Limit CPU CFS (Completely Fair Scheduler) period' },
  'cpu-quota': { type: 'int', usage: 'Limit CPU CFS (Completely Fair Scheduler) quota' },
  'cpu-rt-period': { type: 'int', usage: 'Limit CPU real-time period in microseconds' },
  'cpu-rt-runtime': { type: 'int', usage: 'Limit CPU real-time runtime in microseconds' },
  'cpu-shares': { type: 'int', short: 'c', usage: 'CPU shares (relative weight)' },
  cpus: { type: 'string', typeName: 'decimal', usage: 'Number of CPUs', validate: check(parseCPUs) },
  'device-read-bps': list('Limit read rate (bytes per second) from a device', { defaultText: '[]', validate: check(parseThrottleBpsDevice) }),
  'device-read-iops': list('Limit read rate (IO per second) from a device', { defaultText: '[]', validate: check(parseThrottleIOpsDevice) }),
  'device-write-bps': list('Limit write rate (bytes per second) to a device', { defaultText: '[]', validate: check(parseThrottleBpsDevice) }),
  'device-write-iops': list('Limit write rate (IO per second) to a device', { defaultText: '[]', validate: check(parseThrottleIOpsDevice) }),
  'io-maxbandwidth': { type: 'string', typeName: 'bytes', usage: 'Maximum IO bandwidth limit for the system drive (Windows only)', validate: check(parseMemBytes) },
  'io-maxiops': { type: 'uint', usage: 'Maximum IOps limit for the system drive (Windows only)' },
  'kernel-memory': { type: 'string', typeName: 'bytes', usage: 'Kernel memory limit', validate: check(parseMemBytes) },
  memory: { type: 'string', typeName: 'bytes', short: 'm', usage: 'Memory limit', validate: check(parseMemBytes) },
  'memory-reservation': { type: 'string', typeName: 'bytes', usage: 'Memory soft limit', validate: check(parseMemBytes) },
  'memory-swap': { type: 'string', typeName: 'bytes', usage: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap", validate: check(parseMemSwapBytes) },
  'memory-swappiness': { type: 'int', default: -1, usage: 'Tune container memory swappiness (0 to 100)' },
  'oom-kill-disable': { type: 'bool', usage: 'Disable OOM Killer' },
  'oom-score-adj': { type: 'int', usage: "Tune host's OOM preferences (-1000 to 1000)" },
  'pids-limit': { type: 'int', usage: 'Tune container pids limit (set -1 for unlimited)' },
  // Low-level execution
  'cgroup-parent': { type: 'string', usage: 'Optional parent cgroup for the container' },
  ipc: { type: 'string', usage: 'IPC mode to use' },
  isolation: { type: 'string', usage: 'Container isolation technology' },
  pid: { type: 'string', usage: 'PID namespace to use' },
  'shm-size': { type: 'string', typeName: 'bytes', usage: 'Size of /dev/shm', validate: check(parseMemBytes) },
  uts: { type: 'string', usage: 'UTS namespace to use' },
  runtime: { type: 'string', usage: 'Runtime to use for this container' },
  init: { type: 'bool', usage: 'Run an init inside the container that forwards signals and reaps processes' },
  annotation: { type: 'stringArray', typeName: 'map', defaultText: 'map[]', usage: 'Add an annotation to the container (passed through to the OCI runtime)' },
};

function uint16(v: string): void {
  if (/^\d+$/.test(v) && Number(v) > 65535) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(v)}: value out of range`);
}

const PULL_FLAG = (verb: string, missing: string): FlagDef => ({
  type: 'string', default: 'missing', usage: `Pull image before ${verb} ("always", "${missing}", "never")`,
});

/** Flags `create` and `run` share beyond the container options. */
function commonFlags(verb: 'creating' | 'running'): FlagSpec {
  return {
    name: { type: 'string', usage: 'Assign a name to the container' },
    // docker's create help really says "|missing".
    pull: PULL_FLAG(verb, verb === 'creating' ? '|missing' : 'missing'),
    quiet: { type: 'bool', short: 'q', usage: 'Suppress the pull output' },
    help: { type: 'bool', usage: 'Print usage' },
    platform: { type: 'string', default: process.env.DOCKER_DEFAULT_PLATFORM ?? '', usage: 'Set platform if server is multi-platform capable' },
    'disable-content-trust': { type: 'bool', default: true, usage: 'Skip image verification' },
    'use-api-socket': { type: 'bool', usage: 'Bind mount Docker API socket and required auth' },
  };
}

/** docker's flag annotations for create/run (API version, OS), for help against a live daemon. */
export const CREATE_ANNOTATIONS: Record<string, FlagAnnotation> = {
  'cpu-count': { ostype: 'windows' },
  'cpu-percent': { ostype: 'windows' },
  'io-maxbandwidth': { ostype: 'windows' },
  'io-maxiops': { ostype: 'windows' },
  gpus: { version: '1.40' },
  'stop-timeout': { version: '1.25' },
  cgroupns: { version: '1.41' },
  'health-start-period': { version: '1.29' },
  'health-start-interval': { version: '1.44' },
  cpus: { version: '1.25' },
  'cpu-rt-period': { version: '1.25' },
  'cpu-rt-runtime': { version: '1.25' },
  init: { version: '1.25' },
  annotation: { version: '1.43' },
  platform: { version: '1.32' },
};

export const CREATE_FLAGS: FlagSpec = { ...commonFlags('creating'), ...CONTAINER_FLAGS };
export const RUN_FLAGS: FlagSpec = {
  detach: { type: 'bool', short: 'd', usage: 'Run container in background and print container ID' },
  'sig-proxy': { type: 'bool', default: true, usage: 'Proxy received signals to the process' },
  'detach-keys': { type: 'string', usage: 'Override the key sequence for detaching a container' },
  ...commonFlags('running'),
  ...CONTAINER_FLAGS,
};

// ---- the create body

export interface EndpointSettings {
  IPAMConfig: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } | null;
  Links: string[] | null;
  Aliases: string[] | null;
  MacAddress: string;
  DriverOpts: Record<string, string> | null;
  GwPriority: number;
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  DNSNames: string[] | null;
}

/** The JSON docker CLI posts to /containers/create (Config with HostConfig and NetworkingConfig). */
export interface CreateRequest {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts?: Record<string, Record<string, never>>;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[] | null;
  Cmd: string[] | null;
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; StartInterval?: number; Retries?: number };
  Image: string;
  Volumes: Record<string, Record<string, never>>;
  WorkingDir: string;
  Entrypoint: string[] | null;
  OnBuild: null;
  Labels: Record<string, string>;
  StopSignal?: string;
  StopTimeout?: number;
  HostConfig: Record<string, unknown> & {
    Binds: string[] | null;
    ContainerIDFile: string;
    AutoRemove: boolean;
    RestartPolicy: { Name: string; MaximumRetryCount: number };
    ConsoleSize: [number, number];
    Mounts?: Mount[];
    Init?: boolean;
  };
  NetworkingConfig: { EndpointsConfig: Record<string, EndpointSettings> };
}

/** Parsed flag values as the flag parser returns them (keys are long flag names). */
export type FlagValues = Record<string, unknown>;

export interface ParseInput {
  flags: FlagValues;
  /** Long names of the flags given on the command line (pflag's Changed). */
  changed: ReadonlySet<string>;
  image: string;
  args: string[];
  /** [height, width] of the output terminal, or [0, 0]. */
  consoleSize?: [number, number];
  /** Environment lookup for `--env-file` bare keys (default: process.env). */
  lookupEnv?: (k: string) => string | undefined;
}

const str = (f: FlagValues, k: string) => (f[k] as string | undefined) ?? '';
const num = (f: FlagValues, k: string) => (f[k] as number | undefined) ?? 0;
const bool = (f: FlagValues, k: string) => Boolean(f[k]);
const arr = (f: FlagValues, k: string) => (f[k] as string[] | undefined) ?? [];
const nullIfEmpty = <T>(a: T[]): T[] | null => (a.length ? a : null);

function sortedKeys<T>(o: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k]!;
  return out;
}

function toMap(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    out[i < 0 ? v : v.slice(0, i)] = i < 0 ? '' : v.slice(i + 1);
  }
  return out;
}

const PID_OK = (m: string) => m === '' || m === 'host' || (/^container:/.test(m) && m.split(':').length === 2 && m.split(':')[1] !== '');

/** docker's net.ParseMAC for the usual 6-byte forms; returns the canonical lower-case form. */
function parseMAC(s: string): string | null {
  const t = s.trim();
  let bytes: string[] | null = null;
  if (/^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/.test(t) && (t.split(':').length === 6 || t.split('-').length === 6)) bytes = t.split(/[:-]/);
  else if (/^([0-9a-fA-F]{4}\.){2}[0-9a-fA-F]{4}$/.test(t)) bytes = t.replace(/\./g, '').match(/../g);
  return bytes ? bytes.map((b) => b.toLowerCase()).join(':') : null;
}

function parseSecurityOpts(opts: string[]): string[] {
  return opts.map((opt) => {
    let i = opt.indexOf('=');
    let k = i < 0 ? opt : opt.slice(0, i);
    if (i < 0 && k !== 'no-new-privileges') {
      i = opt.indexOf(':');
      k = i < 0 ? opt : opt.slice(0, i);
    }
    const v = i < 0 ? '' : opt.slice(i + 1);
    if ((i < 0 || v === '') && k !== 'no-new-privileges') throw new Error(`Invalid --security-opt: ${JSON.stringify(opt)}`);
    if (k === 'seccomp' && v !== 'builtin' && v !== 'unconfined') {
      let f: string;
      try {
        f = readFileSync(v, 'utf8');
      } catch (e) {
        throw new Error(`opening seccomp profile (${v}) failed: open ${v}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
      }
      try {
        return `seccomp=${JSON.stringify(JSON.parse(f))}`;
      } catch (e) {
        throw new Error(`compacting json for seccomp profile (${v}) failed: ${(e as Error).message}`);
      }
    }
    return opt;
  });
}

function emptyEndpoint(): EndpointSettings {
  return {
    IPAMConfig: null, Links: null, Aliases: null, MacAddress: '', DriverOpts: null, GwPriority: 0, NetworkID: '', EndpointID: '',
    Gateway: '', IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, DNSNames: null,
  };
}

function isEmptyEndpoint(e: EndpointSettings): boolean {
  return JSON.stringify(e) === JSON.stringify(emptyEndpoint());
}

function applyContainerOptions(n: NetworkAttachment, f: FlagValues): void {
  const aliases = [...arr(f, 'net-alias'), ...arr(f, 'network-alias')];
  const links = arr(f, 'link');
  const linkLocal = arr(f, 'link-local-ip');
  if ((n.Aliases?.length ?? 0) > 0 && aliases.length > 0) throw new Error('conflicting options: cannot specify both --network-alias and per-network alias');
  if ((n.Links?.length ?? 0) > 0 && links.length > 0) throw new Error('conflicting options: cannot specify both --link and per-network links');
  if (n.IPv4Address !== '' && str(f, 'ip') !== '') throw new Error('conflicting options: cannot specify both --ip and per-network IPv4 address');
  if (n.IPv6Address !== '' && str(f, 'ip6') !== '') throw new Error('conflicting options: cannot specify both --ip6 and per-network IPv6 address');
  if (n.MacAddress !== '' && str(f, 'mac-address') !== '') throw new Error('conflicting options: cannot specify both --mac-address and per-network MAC address');
  if ((n.LinkLocalIPs?.length ?? 0) > 0 && linkLocal.length > 0) throw new Error('conflicting options: cannot specify both --link-local-ip and per-network link-local IP addresses');
  if (aliases.length > 0) n.Aliases = [...aliases];
  if (isUserDefinedNetwork(n.Target) && links.length > 0) n.Links = [...links];
  if (str(f, 'ip') !== '') n.IPv4Address = str(f, 'ip');
  if (str(f, 'ip6') !== '') n.IPv6Address = str(f, 'ip6');
  if (str(f, 'mac-address') !== '') n.MacAddress = str(f, 'mac-address');
  if (linkLocal.length > 0) n.LinkLocalIPs = [...linkLocal];
}

function endpointFrom(n: NetworkAttachment): EndpointSettings {
  if (n.Target.trim() === '') throw new Error('no name set for network');
  if (!isUserDefinedNetwork(n.Target)) {
    if ((n.Aliases?.length ?? 0) > 0) throw new Error('network-scoped aliases are only supported for user-defined networks');
    if ((n.Links?.length ?? 0) > 0) throw new Error('links are only supported for user-defined networks');
  }
  const ep = emptyEndpoint();
  ep.GwPriority = n.GwPriority;
  if (n.Aliases?.length) ep.Aliases = [...n.Aliases];
  if (n.DriverOpts && Object.keys(n.DriverOpts).length) ep.DriverOpts = n.DriverOpts;
  if (n.Links?.length) ep.Links = n.Links;
  if (n.IPv4Address !== '' || n.IPv6Address !== '' || (n.LinkLocalIPs?.length ?? 0) > 0) {
    ep.IPAMConfig = {};
    if (n.IPv4Address) ep.IPAMConfig.IPv4Address = n.IPv4Address;
    if (n.IPv6Address) ep.IPAMConfig.IPv6Address = n.IPv6Address;
    if (n.LinkLocalIPs?.length) ep.IPAMConfig.LinkLocalIPs = n.LinkLocalIPs;
  }
  if (n.MacAddress !== '') {
    if (!parseMAC(n.MacAddress)) throw new Error(`${n.MacAddress} is not a valid mac address`);
    ep.MacAddress = n.MacAddress;
  }
  return ep;
}

function parseNetworkOpts(f: FlagValues): Record<string, EndpointSettings> {
  const nets = [...arr(f, 'net'), ...arr(f, 'network')].map(parseNetworkOpt);
  const endpoints: Record<string, EndpointSettings> = {};
  if (nets.length === 0) {
    const n = parseNetworkOpt('default');
    applyContainerOptions(n, f);
    endpoints.default = endpointFrom(n);
  }
  let user = false;
  let nonUser = false;
  nets.forEach((n, i) => {
    if (isUserDefinedNetwork(n.Target)) user = true;
    else nonUser = true;
    if (i === 0) applyContainerOptions(n, f);
    const ep = endpointFrom(n);
    if (endpoints[n.Target]) throw new Error(`network ${JSON.stringify(n.Target)} is specified multiple times`);
    if (i === 0 && nets.length === 1 && isEmptyEndpoint(ep)) return;
    endpoints[n.Target] = ep;
  });
  if (user && nonUser) throw new Error('conflicting options: cannot attach both user-defined and non-user-defined network-modes');
  return sortedKeys(endpoints);
}

/**
 * docker/cli's parse(): flags → the create body. Throws Error with docker's message for invalid
 * combinations (the caller prints `berth: MSG` and exits 125).
 */
export function parseCreateRequest(input: ParseInput): CreateRequest {
  const f = input.flags;
  const changed = input.changed;
  const attach = arr(f, 'attach');
  let attachStdin = attach.includes('stdin');
  let attachStdout = attach.includes('stdout');
  let attachStderr = attach.includes('stderr');

  const mac = str(f, 'mac-address');
  if (mac !== '' && !parseMAC(mac)) throw new Error(`${mac} is not a valid mac address`);
  if (bool(f, 'interactive')) attachStdin = true;
  if (attach.length === 0) {
    attachStdout = true;
    attachStderr = true;
  }

  const swappiness = (f['memory-swappiness'] as number | undefined) ?? -1;
  if (swappiness !== -1 && (swappiness < 0 || swappiness > 100)) throw new Error(`invalid value: ${swappiness}. Valid memory swappiness range is 0-100`);

  // -v: binds go to HostConfig.Binds, anonymous volumes to Config.Volumes.
  const binds: string[] = [];
  const volumes: Record<string, Record<string, never>> = {};
  const seen = new Set<string>();
  for (const spec of arr(f, 'volume')) {
    if (seen.has(spec)) continue;
    seen.add(spec);
    const parsed = parseVolumeSpec(spec);
    if (parsed.source !== '') {
      let toBind = spec;
      if (parsed.type === 'bind') {
        const i = spec.indexOf(':');
        if (i >= 0) {
          let host = spec.slice(0, i);
          if (host.startsWith('./') || host === '.') host = resolve(host);
          toBind = `${host}:${spec.slice(i + 1)}`;
        }
      }
      binds.push(toBind);
    } else {
      volumes[spec] = {};
    }
  }

  const tmpfs: Record<string, string> = {};
  for (const t of arr(f, 'tmpfs')) {
    const i = t.indexOf(':');
    tmpfs[i < 0 ? t : t.slice(0, i)] = i < 0 ? '' : t.slice(i + 1);
  }

  const cmd = input.args.length > 0 ? [...input.args] : null;
  let entrypoint: string[] | null = null;
  if (str(f, 'entrypoint') !== '') entrypoint = [str(f, 'entrypoint')];
  else if (changed.has('entrypoint')) entrypoint = [''];

  const { exposed, bindings } = parsePortSpecs(convertToStandardNotation(arr(f, 'publish')));
  const ports = new Set(exposed);
  for (const e of arr(f, 'expose')) for (const p of parseExpose(e)) ports.add(p);

  const devices = [];
  const cdi: string[] = [];
  for (const d of arr(f, 'device')) {
    if (isCdiName(d)) cdi.push(d);
    else devices.push(parseDevice(d));
  }

  // docker CLI 28 passes -e values through a map (ParseProxyConfig), so a key given twice is sent
  // once, with its last value; its order is Go's random map order — here, first appearance.
  const envFlags = new Map<string, string>();
  for (const e of arr(f, 'env')) {
    const i = e.indexOf('=');
    envFlags.set(i < 0 ? e : e.slice(0, i), e);
  }
  const env = readKVEnvStrings(arr(f, 'env-file'), [...envFlags.values()], input.lookupEnv);
  const labels = readKVStrings(arr(f, 'label-file'), arr(f, 'label'));

  const pidMode = str(f, 'pid');
  if (!PID_OK(pidMode)) throw new Error('--pid: invalid PID mode');
  const utsMode = str(f, 'uts');
  if (utsMode !== '' && utsMode !== 'host') throw new Error('--uts: invalid UTS mode');
  const usernsMode = str(f, 'userns');
  if (usernsMode !== '' && usernsMode !== 'host') throw new Error('--userns: invalid USER mode');
  const cgroupnsMode = str(f, 'cgroupns');
  if (!['', 'host', 'private'].includes(cgroupnsMode)) throw new Error('--cgroupns: invalid CGROUP mode');

  const restartPolicy = parseRestartPolicy(str(f, 'restart'));

  const logDriver = str(f, 'log-driver');
  const logOpts = arr(f, 'log-opt');
  if (logDriver === 'none' && logOpts.length > 0) throw new Error(`invalid logging opts for driver ${logDriver}`);

  let securityOpt: string[] | null = arr(f, 'security-opt').length ? parseSecurityOpts(arr(f, 'security-opt')) : null;
  let maskedPaths: string[] | null = null;
  let readonlyPaths: string[] | null = null;
  if (securityOpt) {
    const filtered: string[] = [];
    for (const o of securityOpt) {
      if (o === 'systempaths=unconfined') {
        maskedPaths = [];
        readonlyPaths = [];
      } else filtered.push(o);
    }
    securityOpt = filtered;
  }

  const storageOpt: Record<string, string> = {};
  for (const o of arr(f, 'storage-opt')) {
    const i = o.indexOf('=');
    if (i < 0) throw new Error('invalid storage option');
    storageOpt[o.slice(0, i)] = o.slice(i + 1);
  }

  let healthcheck: CreateRequest['Healthcheck'];
  const hInterval = num(f, 'health-interval');
  const hTimeout = num(f, 'health-timeout');
  const hStart = num(f, 'health-start-period');
  const hStartInterval = num(f, 'health-start-interval');
  const hRetries = num(f, 'health-retries');
  const haveHealth = str(f, 'health-cmd') !== '' || hInterval !== 0 || hTimeout !== 0 || hStart !== 0 || hRetries !== 0 || hStartInterval !== 0;
  if (bool(f, 'no-healthcheck')) {
    if (haveHealth) throw new Error('--no-healthcheck conflicts with --health-* options');
    healthcheck = { Test: ['NONE'] };
  } else if (haveHealth) {
    if (hInterval < 0) throw new Error('--health-interval cannot be negative');
    if (hTimeout < 0) throw new Error('--health-timeout cannot be negative');
    if (hRetries < 0) throw new Error('--health-retries cannot be negative');
    if (hStart < 0) throw new Error('--health-start-period cannot be negative');
    if (hStartInterval < 0) throw new Error('--health-start-interval cannot be negative');
    healthcheck = {};
    if (str(f, 'health-cmd') !== '') healthcheck.Test = ['CMD-SHELL', str(f, 'health-cmd')];
    if (hInterval) healthcheck.Interval = hInterval;
    if (hTimeout) healthcheck.Timeout = hTimeout;
    if (hStart) healthcheck.StartPeriod = hStart;
    if (hStartInterval) healthcheck.StartInterval = hStartInterval;
    if (hRetries) healthcheck.Retries = hRetries;
  }

  const deviceRequests: DeviceRequest[] = arr(f, 'gpus').map(parseGpuRequest);
  if (cdi.length) deviceRequests.push({ Driver: 'cdi', Count: 0, DeviceIDs: cdi, Capabilities: null, Options: null });

  const ulimits = new Map<string, Ulimit>();
  for (const u of arr(f, 'ulimit')) {
    const l = parseUlimit(u);
    ulimits.set(l.Name, l);
  }

  const { capAdd, capDrop } = effectiveCapAddCapDrop(arr(f, 'cap-add'), arr(f, 'cap-drop'));
  const networkMode = (() => {
    const nets = [...arr(f, 'net'), ...arr(f, 'network')];
    return nets.length ? parseNetworkOpt(nets[0]!).Target : 'default';
  })();
  const mounts = arr(f, 'mount').map(parseMount);
  const sysctls = toMap(arr(f, 'sysctl'));
  const annotations = toMap(arr(f, 'annotation'));
  const bytes = (k: string) => (str(f, k) ? parseMemBytes(str(f, k)) : 0);

  const config: CreateRequest = {
    Hostname: str(f, 'hostname'),
    Domainname: str(f, 'domainname'),
    User: str(f, 'user'),
    AttachStdin: attachStdin,
    AttachStdout: attachStdout,
    AttachStderr: attachStderr,
    ...(ports.size ? { ExposedPorts: sortedKeys(Object.fromEntries([...ports].map((p) => [p, {} as Record<string, never>]))) } : {}),
    Tty: bool(f, 'tty'),
    OpenStdin: bool(f, 'interactive'),
    StdinOnce: false,
    Env: nullIfEmpty(env),
    Cmd: cmd,
    ...(healthcheck ? { Healthcheck: healthcheck } : {}),
    Image: input.image,
    Volumes: volumes,
    WorkingDir: str(f, 'workdir'),
    Entrypoint: entrypoint,
    OnBuild: null,
    Labels: kvStringsToMap(labels),
    ...(str(f, 'stop-signal') ? { StopSignal: str(f, 'stop-signal') } : {}),
    ...(changed.has('stop-timeout') ? { StopTimeout: num(f, 'stop-timeout') } : {}),
    HostConfig: {
      Binds: nullIfEmpty(binds),
      ContainerIDFile: str(f, 'cidfile'),
      LogConfig: { Type: logDriver, Config: kvStringsToMap(logOpts) },
      NetworkMode: networkMode,
      PortBindings: sortedKeys(bindings as Record<string, PortBinding[]>),
      RestartPolicy: restartPolicy,
      AutoRemove: bool(f, 'rm'),
      VolumeDriver: str(f, 'volume-driver'),
      VolumesFrom: nullIfEmpty(arr(f, 'volumes-from')),
      ConsoleSize: input.consoleSize ?? [0, 0],
      ...(Object.keys(annotations).length ? { Annotations: annotations } : {}),
      CapAdd: capAdd,
      CapDrop: capDrop,
      CgroupnsMode: cgroupnsMode,
      Dns: [...arr(f, 'dns')],
      DnsOptions: [...arr(f, 'dns-opt'), ...arr(f, 'dns-option')],
      DnsSearch: [...arr(f, 'dns-search')],
      ExtraHosts: nullIfEmpty(arr(f, 'add-host')),
      GroupAdd: nullIfEmpty(arr(f, 'group-add')),
      IpcMode: str(f, 'ipc'),
      Cgroup: '',
      Links: nullIfEmpty(arr(f, 'link')),
      OomScoreAdj: num(f, 'oom-score-adj'),
      PidMode: pidMode,
      Privileged: bool(f, 'privileged'),
      PublishAllPorts: bool(f, 'publish-all'),
      ReadonlyRootfs: bool(f, 'read-only'),
      SecurityOpt: securityOpt,
      ...(Object.keys(storageOpt).length ? { StorageOpt: storageOpt } : {}),
      ...(Object.keys(tmpfs).length ? { Tmpfs: tmpfs } : {}),
      UTSMode: utsMode,
      UsernsMode: usernsMode,
      ShmSize: bytes('shm-size'),
      ...(Object.keys(sysctls).length ? { Sysctls: sysctls } : {}),
      ...(str(f, 'runtime') ? { Runtime: str(f, 'runtime') } : {}),
      Isolation: str(f, 'isolation'),
      CpuShares: num(f, 'cpu-shares'),
      Memory: bytes('memory'),
      NanoCpus: str(f, 'cpus') ? parseCPUs(str(f, 'cpus')) : 0,
      CgroupParent: str(f, 'cgroup-parent'),
      BlkioWeight: num(f, 'blkio-weight'),
      BlkioWeightDevice: arr(f, 'blkio-weight-device').map(parseWeightDevice),
      BlkioDeviceReadBps: arr(f, 'device-read-bps').map(parseThrottleBpsDevice),
      BlkioDeviceWriteBps: arr(f, 'device-write-bps').map(parseThrottleBpsDevice),
      BlkioDeviceReadIOps: arr(f, 'device-read-iops').map(parseThrottleIOpsDevice),
      BlkioDeviceWriteIOps: arr(f, 'device-write-iops').map(parseThrottleIOpsDevice),
      CpuPeriod: num(f, 'cpu-period'),
      CpuQuota: num(f, 'cpu-quota'),
      CpuRealtimePeriod: num(f, 'cpu-rt-period'),
      CpuRealtimeRuntime: num(f, 'cpu-rt-runtime'),
      CpusetCpus: str(f, 'cpuset-cpus'),
      CpusetMems: str(f, 'cpuset-mems'),
      Devices: devices,
      DeviceCgroupRules: nullIfEmpty(arr(f, 'device-cgroup-rule')),
      DeviceRequests: nullIfEmpty(deviceRequests),
      ...(bytes('kernel-memory') ? { KernelMemory: bytes('kernel-memory') } : {}),
      MemoryReservation: bytes('memory-reservation'),
      MemorySwap: str(f, 'memory-swap') ? parseMemSwapBytes(str(f, 'memory-swap')) : 0,
      MemorySwappiness: swappiness,
      OomKillDisable: bool(f, 'oom-kill-disable'),
      PidsLimit: num(f, 'pids-limit'),
      Ulimits: [...ulimits.values()].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0)),
      CpuCount: num(f, 'cpu-count'),
      CpuPercent: num(f, 'cpu-percent'),
      IOMaximumIOps: num(f, 'io-maxiops'),
      IOMaximumBandwidth: bytes('io-maxbandwidth'),
      ...(mounts.length ? { Mounts: mounts } : {}),
      MaskedPaths: maskedPaths,
      ReadonlyPaths: readonlyPaths,
      ...(changed.has('init') ? { Init: bool(f, 'init') } : {}),
    },
    NetworkingConfig: { EndpointsConfig: {} },
  };

  if (bool(f, 'rm') && restartPolicy.Name !== 'no' && restartPolicy.Name !== '') {
    throw new Error('conflicting options: cannot specify both --restart and --rm');
  }
  if (config.OpenStdin && config.AttachStdin) config.StdinOnce = true;
  config.NetworkingConfig.EndpointsConfig = parseNetworkOpts(f);
  return config;
}

/** validatePullOpt. */
export function validatePullOpt(val: string): void {
  if (!['always', 'missing', 'never', ''].includes(val)) {
    throw new Error(`invalid pull option: '${val}': must be one of "always", "missing" or "never"`);
  }
}

