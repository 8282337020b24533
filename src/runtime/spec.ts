// The OCI runtime config (config.json) of a container, as Docker's daemon builds it for runc
// (moby daemon/oci_linux.go, oci/defaults.go), checked against a real dockerd 20.10 on this host
// type. Pure apart from two facts of the host read once (cap_last_cap and the cgroup layout) and
// the device nodes that --device and the blkio limits name, which are stat'ed as Docker does.
// Called for every `run`: constant parts are module-level objects shared between specs, so a spec
// must be treated as read-only once built.
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, type BigIntStats } from 'node:fs';
import { join, posix } from 'node:path';
import { invalidParameter, systemError } from '../common/errors.js';
import { containerRlimits, type HostRlimits, type OciRlimit, type Ulimit } from './host-limits.js';
import { convertProfile, DEFAULT_CAPS, seccompFor, type OciSeccomp, type SeccompProfile } from './seccomp.js';

export { DEFAULT_CAPS };

export type NetworkMode = 'host' | 'none' | 'private' | { netnsPath: string };

/** The HostConfig fields the spec reads (Docker's names; container/types HostConfig fits). */
/** The resource fields of HostConfig (Docker's container.Resources) that berth applies or checks. */
export interface Resources {
  Memory?: number;
  MemorySwap?: number;
  MemoryReservation?: number;
  MemorySwappiness?: number | null;
  KernelMemory?: number;
  OomKillDisable?: boolean | null;
  PidsLimit?: number | null;
  CpuShares?: number;
  NanoCpus?: number;
  CpuPeriod?: number;
  CpuQuota?: number;
  CpuRealtimePeriod?: number;
  CpuRealtimeRuntime?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  CpuPercent?: number;
  BlkioWeight?: number;
  BlkioWeightDevice?: Array<{ Path: string; Weight: number }> | null;
  BlkioDeviceReadBps?: ThrottleDevice[] | null;
  BlkioDeviceWriteBps?: ThrottleDevice[] | null;
  BlkioDeviceReadIOps?: ThrottleDevice[] | null;
  BlkioDeviceWriteIOps?: ThrottleDevice[] | null;
  IOMaximumBandwidth?: number;
  IOMaximumIOps?: number;
}

export interface SpecHostConfig extends Resources {
  CapAdd?: string[] | null;
  CapDrop?: string[] | null;
  Privileged?: boolean;
  ReadonlyRootfs?: boolean;
  Tmpfs?: Record<string, string> | null;
  ShmSize?: number;
  Sysctls?: Record<string, string> | null;
  Ulimits?: Ulimit[] | null;
  SecurityOpt?: string[] | null;
  OomScoreAdj?: number;
  Devices?: DeviceMapping[] | null;
  DeviceCgroupRules?: string[] | null;
  MaskedPaths?: string[] | null;
  ReadonlyPaths?: string[] | null;
}

export interface DeviceMapping { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }
export interface ThrottleDevice { Path: string; Rate: number }

export interface SpecInput {
  id: string;
  /** The final argv (entrypoint + cmd; with --init, ['/sbin/docker-init', '--', ...]). */
  args: string[];
  /** The merged image + container env; PATH, HOSTNAME, TERM (tty) and HOME are added if missing. */
  env: string[];
  cwd: string;
  user: { uid: number; gid: number; additionalGids: number[]; home?: string };
  tty: boolean;
  openStdin: boolean;
  hostname: string;
  domainname?: string;
  rootfsPath: string;
  hostConfig: SpecHostConfig;
  networkMode: NetworkMode;
  /** Host files bind-mounted at /etc/hosts, /etc/hostname and /etc/resolv.conf. */
  etcFiles: { hosts: string; hostname: string; resolvConf: string };
  /** A static init (tini) bound read-only at /sbin/docker-init for --init. */
  initPath?: string;
  cgroupsPath: string;
  /** The daemon's own limits: every rlimit is clamped to their hard values. */
  hostRlimits: HostRlimits;
  /**
   * undefined: from SecurityOpt (seccomp=unconfined → none, a profile's JSON → that profile,
   * otherwise the default policy); null: none; a profile object, in Docker's format (evaluated
   * against the container's caps) or OCI's; a function: called with the bounding caps.
   * Never applied to privileged containers.
   */
  seccomp?: OciSeccomp | SeccompProfile | object | null | ((caps: readonly string[]) => OciSeccomp);
  stopSignal?: string;
  /** Further mounts (binds, volumes), ordered with the etc files and tmpfs mounts by depth. */
  mounts?: OciMount[];
  /** PID, IPC, UTS and cgroup namespaces other than a new one each (HostConfig's modes, resolved). */
  namespaces?: NamespaceModes;
  /** /dev/shm: a tmpfs of the container's own (default), none (IpcMode none), or a host directory bound. */
  shm?: 'none' | { source: string };
}

/** `host` shares the host's namespace; a path joins another container's (/proc/<pid>/ns/<type>). */
export type NamespaceShare = 'host' | { path: string };
export interface NamespaceModes {
  pid?: NamespaceShare;
  ipc?: NamespaceShare;
  uts?: 'host';
  /** Unset: the host's default (private on cgroup v2, host on v1), as Docker's default-cgroupns-mode. */
  cgroup?: 'host' | 'private';
}

export interface OciMount { destination: string; type: string; source: string; options?: string[] }
export interface OciCapabilities { bounding: string[]; effective: string[]; permitted: string[]; inheritable?: string[]; ambient?: string[] }
export interface OciProcess {
  terminal: boolean;
  user: { uid: number; gid: number; additionalGids: number[] };
  args: string[];
  env: string[];
  cwd: string;
  capabilities: OciCapabilities;
  /** hard/soft `Infinity` is RLIM_INFINITY: serialise with specJson. */
  rlimits: OciRlimit[];
  noNewPrivileges: boolean;
  oomScoreAdj: number;
  consoleSize?: { height: number; width: number };
}
export interface OciDeviceRule { allow: boolean; type?: string; major?: number; minor?: number; access: string }
/** A device node runc creates in the container's /dev. */
export interface OciDevice { path: string; type: string; major: number; minor: number; fileMode: number; uid: number; gid: number }
export interface OciBlockDevice { major: number; minor: number }
export interface OciResources {
  devices: OciDeviceRule[];
  memory?: { limit?: number; reservation?: number; swap?: number; swappiness?: number; disableOOMKiller?: boolean };
  cpu?: { shares?: number; quota?: number; period?: number; realtimeRuntime?: number; realtimePeriod?: number; cpus?: string; mems?: string };
  pids?: { limit: number };
  blockIO?: {
    weight?: number;
    weightDevice?: Array<OciBlockDevice & { weight: number }>;
    throttleReadBpsDevice?: Array<OciBlockDevice & { rate: number }>;
    throttleWriteBpsDevice?: Array<OciBlockDevice & { rate: number }>;
    throttleReadIOPSDevice?: Array<OciBlockDevice & { rate: number }>;
    throttleWriteIOPSDevice?: Array<OciBlockDevice & { rate: number }>;
  };
}
export interface OciLinux {
  sysctl?: Record<string, string>;
  devices?: OciDevice[];
  resources: OciResources;
  cgroupsPath: string;
  namespaces: Array<{ type: string; path?: string }>;
  maskedPaths: string[];
  readonlyPaths: string[];
  seccomp?: OciSeccomp;
}
export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly: boolean };
  hostname?: string;
  mounts: OciMount[];
  annotations?: Record<string, string>;
  linux: OciLinux; // last: specJson relies on it
}

// ---- capabilities ----

/** Linux capability names by number. */
export const ALL_CAPS: readonly string[] = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER',
  'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP',
  'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF',
  'CHECKPOINT_RESTORE',
].map((c) => `CAP_${c}`);

const readOr = (path: string, fallback: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
};
let hostCaps: { known: Set<string>; all: string[] } | undefined;
/** The caps this kernel knows, and "all" as the daemon can grant them (its own bounding set). */
function caps() {
  if (!hostCaps) {
    const last = parseInt(readOr('/proc/sys/kernel/cap_last_cap', String(ALL_CAPS.length - 1)), 10);
    const known = ALL_CAPS.slice(0, Math.min(last, ALL_CAPS.length - 1) + 1);
    // runc cannot hand out a capability the daemon lacks ("unable to apply caps"); "all" for
    // --privileged and --cap-add ALL therefore means all that the daemon holds.
    const bnd = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readOr('/proc/self/status', ''));
    const mask = bnd ? BigInt(`0x${bnd[1]}`) : -1n;
    hostCaps = { known: new Set(known), all: known.filter((_, i) => ((mask >> BigInt(i)) & 1n) === 1n) };
  }
  return hostCaps;
}

function normalizeCaps(list: readonly string[] | null | undefined, field: string): string[] {
  const out: string[] = [];
  for (const raw of list ?? []) {
    let c = raw.toUpperCase();
    if (c !== 'ALL' && !c.startsWith('CAP_')) c = `CAP_${c}`;
    if (c !== 'ALL' && !caps().known.has(c)) throw invalidParameter(`invalid ${field}: unknown capability: ${JSON.stringify(c)}`);
    out.push(c);
  }
  return out;
}

/** Checks CapAdd and CapDrop as Docker does at create. */
export function validateCapabilities(hc: Pick<SpecHostConfig, 'CapAdd' | 'CapDrop'>): void {
  normalizeCaps(hc.CapAdd, 'CapAdd');
  normalizeCaps(hc.CapDrop, 'CapDrop');
}

/** "ALL" on this host: the caps the kernel knows and the daemon holds (shared: do not mutate). */
export function allCapabilities(): string[] {
  return caps().all;
}

/** The container's capability set (Docker's TweakCapabilities). */
export function containerCapabilities(hc: SpecHostConfig): string[] {
  if (hc.Privileged) return caps().all;
  if (!hc.CapAdd?.length && !hc.CapDrop?.length) return DEFAULT_CAPS as string[];
  const add = normalizeCaps(hc.CapAdd, 'CapAdd');
  const drop = normalizeCaps(hc.CapDrop, 'CapDrop');
  if (add.includes('ALL')) return caps().all.filter((c) => !drop.includes(c));
  const base = drop.includes('ALL') ? [] : DEFAULT_CAPS.filter((c) => !drop.includes(c));
  for (const c of add) if (!base.includes(c)) base.push(c);
  return base;
}

// ---- security options ----

export interface SecurityOptions { noNewPrivileges: boolean; seccomp?: string; apparmor?: string; labels: string[] }

/** HostConfig.SecurityOpt, with Docker's (parseSecurityOpt) error texts. */
export function parseSecurityOpt(opts: readonly string[] | null | undefined): SecurityOptions {
  const out: SecurityOptions = { noNewPrivileges: false, labels: [] };
  for (const opt of opts ?? []) {
    if (opt === 'no-new-privileges') {
      out.noNewPrivileges = true;
      continue;
    }
    if (opt === 'disable') {
      out.labels.push('disable');
      continue;
    }
    const sep = opt.includes('=') ? opt.indexOf('=') : opt.indexOf(':');
    if (sep < 0) throw invalidParameter(`invalid --security-opt 1: ${JSON.stringify(opt)}`);
    const [k, v] = [opt.slice(0, sep), opt.slice(sep + 1)];
    if (k === 'label') out.labels.push(v);
    else if (k === 'apparmor') out.apparmor = v;
    else if (k === 'seccomp') out.seccomp = v;
    else if (k === 'no-new-privileges' && /^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/.test(v)) {
      out.noNewPrivileges = /^(1|t|T|TRUE|true|True)$/.test(v);
    } else throw invalidParameter(`invalid --security-opt 2: ${JSON.stringify(opt)}`);
  }
  return out;
}

function seccompOf(input: SpecInput, sec: SecurityOptions, bounding: readonly string[]): OciSeccomp | undefined {
  if (input.hostConfig.Privileged) return undefined;
  const s = input.seccomp;
  if (s === null) return undefined;
  if (typeof s === 'function') return s(bounding);
  // seccompFor's results are frozen and final; anything else may be in Docker's format.
  if (s) return Object.isFrozen(s) ? (s as OciSeccomp) : convertProfile(s as SeccompProfile, { caps: bounding });
  const v = sec.seccomp;
  if (v === 'unconfined') return undefined;
  if (!v || v === 'builtin') return seccompFor(bounding);
  // The CLI sends the profile's content, not its path (it reads the file itself).
  let profile: SeccompProfile;
  try {
    profile = JSON.parse(v) as SeccompProfile;
  } catch (e) {
    throw invalidParameter(`Decoding seccomp profile failed: ${(e as Error).message}`);
  }
  return convertProfile(profile, { caps: bounding });
}

// ---- sysctls ----

const IPC_SYSCTLS = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);

/** Only namespaced sysctls can be set (runc's rules and texts, which Docker passes on). */
export function validateSysctls(sysctls: Record<string, string> | null | undefined, networkMode: NetworkMode): void {
  for (const k of Object.keys(sysctls ?? {})) {
    if (IPC_SYSCTLS.has(k) || k.startsWith('fs.mqueue.')) continue;
    if (k.startsWith('net.')) {
      if (networkMode === 'host') throw invalidParameter(`sysctl ${JSON.stringify(k)} not allowed in host network namespace`);
      continue;
    }
    if (k === 'kernel.domainname') continue;
    if (k === 'kernel.hostname') throw invalidParameter(`sysctl "kernel.hostname" is not allowed as it conflicts with the OCI "hostname" field`);
    throw invalidParameter(`sysctl ${JSON.stringify(k)} is not in a separate kernel namespace`);
  }
}

function sysctlsOf(input: SpecInput): Record<string, string> | undefined {
  const user = input.hostConfig.Sysctls;
  validateSysctls(user, input.networkMode);
  const own = input.networkMode === 'none' || input.networkMode === 'private';
  if (!own && !input.domainname && !user) return undefined;
  const out: Record<string, string> = {};
  if (input.domainname && input.namespaces?.uts !== 'host') out['kernel.domainname'] = input.domainname;
  if (own) {
    // Docker's defaults in a network namespace of the container's own: ports below 1024 and
    // ICMP echo sockets without capabilities.
    out['net.ipv4.ip_unprivileged_port_start'] = '0';
    out['net.ipv4.ping_group_range'] = '0 2147483647';
  }
  return user ? Object.assign(out, user) : out;
}

// ---- mounts ----

const m = (destination: string, type: string, source: string, options: string[]): OciMount => Object.freeze({ destination, type, source, options });
const PROC = m('/proc', 'proc', 'proc', ['nosuid', 'noexec', 'nodev']);
const DEV = m('/dev', 'tmpfs', 'tmpfs', ['nosuid', 'strictatime', 'mode=755', 'size=65536k']);
const DEVPTS = m('/dev/pts', 'devpts', 'devpts', ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5']);
const SYS_RO = m('/sys', 'sysfs', 'sysfs', ['nosuid', 'noexec', 'nodev', 'ro']);
const SYS_RW = m('/sys', 'sysfs', 'sysfs', ['nosuid', 'noexec', 'nodev']);
const CGROUP_RO = m('/sys/fs/cgroup', 'cgroup', 'cgroup', ['ro', 'nosuid', 'noexec', 'nodev']);
const CGROUP_RW = m('/sys/fs/cgroup', 'cgroup', 'cgroup', ['nosuid', 'noexec', 'nodev']);
const MQUEUE = m('/dev/mqueue', 'mqueue', 'mqueue', ['nosuid', 'noexec', 'nodev']);
const SHM_DEFAULT_SIZE = 64 * 1024 * 1024;
const SHM_DEFAULT = m('/dev/shm', 'tmpfs', 'shm', ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${SHM_DEFAULT_SIZE}`]);
const ETC_RW = Object.freeze(['rbind', 'rprivate']);
const ETC_RO = Object.freeze(['rbind', 'ro', 'rprivate']);

// Mount flags that come in families: the last one given wins (Docker's MergeTmpfsOptions).
const FLAG_FAMILY: Record<string, string> = {
  ro: 'ro', rw: 'ro', suid: 'suid', nosuid: 'suid', dev: 'dev', nodev: 'dev', exec: 'exec', noexec: 'exec',
  sync: 'sync', async: 'sync', dirsync: 'dirsync', remount: 'remount', mand: 'mand', nomand: 'mand',
  atime: 'atime', noatime: 'atime', diratime: 'diratime', nodiratime: 'diratime', bind: 'bind', rbind: 'rbind',
  relatime: 'relatime', norelatime: 'relatime', strictatime: 'strictatime', nostrictatime: 'strictatime',
  unbindable: 'prop', runbindable: 'prop', private: 'prop', rprivate: 'prop', shared: 'prop', rshared: 'prop', slave: 'prop', rslave: 'prop',
};
const TMPFS_DATA = new Set(['size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'mpol']);

/** Dedupes tmpfs options keeping the last of each family/key, in their order. */
export function mergeTmpfsOptions(options: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (let i = options.length - 1; i >= 0; i--) {
    const o = options[i]!;
    if (o === 'defaults') continue;
    let key = FLAG_FAMILY[o];
    if (!key) {
      const eq = o.indexOf('=');
      if (eq < 0 || !TMPFS_DATA.has(o.slice(0, eq))) {
        const parts = eq < 0 ? [o] : [o.slice(0, eq), o.slice(eq + 1)];
        throw invalidParameter(`invalid tmpfs option [${parts.map((p) => JSON.stringify(p)).join(' ')}]`);
      }
      key = `=${o.slice(0, eq)}`;
    }
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(o);
  }
  return out.reverse();
}

const clean = (p: string) => {
  const c = posix.normalize(p);
  return c.length > 1 && c.endsWith('/') ? c.slice(0, -1) : c;
};
const depth = (p: string) => (p === '/' ? 1 : p.split('/').length);

function tmpfsMounts(tmpfs: Record<string, string> | null | undefined): OciMount[] {
  const out: OciMount[] = [];
  // Docker walks a Go map here (random order); sorted is the deterministic equivalent.
  for (const dest of Object.keys(tmpfs ?? {}).sort()) {
    if (!dest.startsWith('/')) {
      throw invalidParameter(`invalid mount config for type "tmpfs": invalid mount path: '${dest}' mount path must be absolute`);
    }
    const data = tmpfs![dest]!;
    const options = mergeTmpfsOptions(['noexec', 'nosuid', 'nodev', 'rprivate', ...(data ? data.split(',') : [])]);
    out.push({ destination: clean(dest), type: 'tmpfs', source: 'tmpfs', options });
  }
  return out;
}

function mountsOf(input: SpecInput): OciMount[] {
  const hc = input.hostConfig;
  const user: OciMount[] = input.mounts ? input.mounts.map((x) => (x.destination === clean(x.destination) ? x : { ...x, destination: clean(x.destination) })) : [];
  const tmpfs = tmpfsMounts(hc.Tmpfs);
  const taken = new Set<string>();
  for (const x of user) taken.add(x.destination);
  for (const x of tmpfs) taken.add(x.destination);
  // A user mount over an etc file replaces it (Docker's NetworkMounts skip those).
  const etcOpts = (hc.ReadonlyRootfs ? ETC_RO : ETC_RW) as string[];
  const etc: Array<[string, string]> = [['/etc/resolv.conf', input.etcFiles.resolvConf], ['/etc/hostname', input.etcFiles.hostname], ['/etc/hosts', input.etcFiles.hosts]];
  for (const [dest, src] of etc) if (!taken.has(dest)) user.push({ destination: dest, type: 'bind', source: src, options: etcOpts });
  user.push(...tmpfs);
  // Parents before children, so a mount at /etc never hides /etc/hosts (Docker's sortMounts;
  // Array.prototype.sort is stable, as Go's insertion sort is for Docker's few mounts).
  user.sort((a, b) => depth(a.destination) - depth(b.destination));

  const defaults = [PROC, DEV, DEVPTS, hc.Privileged ? SYS_RW : SYS_RO, hc.Privileged ? CGROUP_RW : CGROUP_RO, MQUEUE];
  const shm = shmMount(input);
  if (shm) defaults.push(shm);
  const userDev = taken.has('/dev');
  const out: OciMount[] = [];
  for (const d of defaults) {
    if (taken.has(d.destination) || (userDev && d.destination.startsWith('/dev/'))) continue;
    out.push(d);
  }
  if (input.initPath) out.push({ destination: '/sbin/docker-init', type: 'bind', source: input.initPath, options: ['bind', 'ro'] });
  for (const x of user) out.push(x);
  return out;
}

/** Docker's /dev/shm: its own tmpfs of ShmSize, a bind of a shared one (ipc host or container:), or none. */
function shmMount(input: SpecInput): OciMount | undefined {
  if (input.shm === 'none') return undefined;
  if (input.shm) return { destination: '/dev/shm', type: 'bind', source: input.shm.source, options: ['rbind', 'rprivate'] };
  const hc = input.hostConfig;
  const shmSize = hc.ShmSize && hc.ShmSize > 0 ? hc.ShmSize : SHM_DEFAULT_SIZE;
  return shmSize === SHM_DEFAULT_SIZE ? SHM_DEFAULT : m('/dev/shm', 'tmpfs', 'shm', ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shmSize}`]);
}

// ---- linux ----

const d = (type: string, major: number, minor: number, allow = true): OciDeviceRule => Object.freeze({ allow, type, major, minor, access: 'rwm' });
// Deny all, then Docker's list (runc appends its own defaults: pts, ptmx, tty, tun, `c/b *:* m`).
const DEVICES: readonly OciDeviceRule[] = Object.freeze([
  Object.freeze({ allow: false, access: 'rwm' }), d('c', 1, 5), d('c', 1, 3), d('c', 1, 9), d('c', 1, 8), d('c', 5, 0), d('c', 5, 1), d('c', 10, 229, false),
]);
const DEVICES_PRIVILEGED: readonly OciDeviceRule[] = Object.freeze([Object.freeze({ allow: true, access: 'rwm' })]);

export const DEFAULT_MASKED_PATHS: readonly string[] = Object.freeze([
  '/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
]);
export const DEFAULT_READONLY_PATHS: readonly string[] = Object.freeze(['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']);

let cgroup2Only: boolean | undefined;
/** A cgroup namespace only on a pure v2 host, as Docker's default (hybrid hosts get none). */
const cgroupV2 = () => (cgroup2Only ??= existsSync('/sys/fs/cgroup/cgroup.controllers'));

// ---- resources ----

/** The host node behind a path: type, numbers and mode, as libcontainer's DeviceFromPath. */
function deviceAt(path: string): { type: string; major: number; minor: number; mode: number; uid: number; gid: number } | 'not-a-device' {
  const st: BigIntStats = lstatSync(path, { bigint: true });
  const type = st.isBlockDevice() ? 'b' : st.isCharacterDevice() ? 'c' : st.isFIFO() ? 'p' : '';
  if (!type) return 'not-a-device';
  const rdev = st.rdev;
  // glibc's gnu_dev_major/minor.
  const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
  const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  return { type, major, minor, mode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid) };
}

/** Go's text for the errors a stat gives (what Docker's messages carry). */
function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'ENOTDIR') return 'not a directory';
  return (e as Error).message;
}

/**
 * One --device: the nodes to create and their allow rules (moby's oci.DevicesFromPath): a
 * symlink is followed, a directory maps every device below it, anything else is an error.
 */
export function devicesFromPath(onHost: string, inContainer: string, permissions: string): { devices: OciDevice[]; rules: OciDeviceRule[] } {
  let resolved = onHost;
  try {
    if (lstatSync(onHost).isSymbolicLink()) resolved = realpathSync(onHost);
  } catch { /* reported by the stat below */ }
  const devices: OciDevice[] = [];
  const rules: OciDeviceRule[] = [];
  const add = (d: Exclude<ReturnType<typeof deviceAt>, 'not-a-device'>, path: string) => {
    devices.push({ path, type: d.type, major: d.major, minor: d.minor, fileMode: d.mode, uid: d.uid, gid: d.gid });
    rules.push({ allow: true, type: d.type, major: d.major, minor: d.minor, access: permissions });
  };
  let err: string;
  try {
    const d = deviceAt(resolved);
    if (d !== 'not-a-device') {
      add(d, inContainer);
      return { devices, rules };
    }
    err = 'not a device node';
    const walk = (dir: string) => {
      for (const name of readdirSync(dir).sort()) {
        const p = join(dir, name);
        let child: ReturnType<typeof deviceAt>;
        try { child = deviceAt(p); } catch { continue; }
        if (child !== 'not-a-device') add(child, inContainer + p.slice(resolved.length));
        else if (lstatSync(p).isDirectory()) walk(p);
      }
    };
    if (lstatSync(resolved).isDirectory()) walk(resolved);
  } catch (e) {
    err = errnoText(e);
  }
  if (devices.length) return { devices, rules };
  throw systemError(`error gathering device information while adding custom device ${JSON.stringify(onHost)}: ${err}`);
}

const CGROUP_RULE = /^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/;

/** --device-cgroup-rule values as allow rules (moby's AppendDevicePermissionsFromCgroupRules). */
export function deviceCgroupRules(rules: readonly string[] | null | undefined): OciDeviceRule[] {
  return (rules ?? []).map((rule) => {
    const m = CGROUP_RULE.exec(rule);
    if (!m) throw invalidParameter(`invalid device cgroup rule format: '${rule}'`);
    return { allow: true, type: m[1], major: m[2] === '*' ? -1 : Number(m[2]), minor: m[3] === '*' ? -1 : Number(m[3]), access: m[4]! };
  });
}

/** HostConfig.Devices and DeviceCgroupRules: the nodes to create and the rules after Docker's defaults. */
function devicesOf(hc: SpecHostConfig): { devices: OciDevice[]; rules: readonly OciDeviceRule[] } {
  if (hc.Privileged) {
    // Everything is allowed; a mapping under another name is still created (Docker warns and
    // skips those under the same name, which its privileged /dev already has).
    const devices: OciDevice[] = [];
    for (const m of hc.Devices ?? []) {
      if (m.PathOnHost !== m.PathInContainer) devices.push(...devicesFromPath(m.PathOnHost, m.PathInContainer, 'rwm').devices);
    }
    return { devices, rules: DEVICES_PRIVILEGED };
  }
  if (!hc.Devices?.length && !hc.DeviceCgroupRules?.length) return { devices: [], rules: DEVICES };
  const devices: OciDevice[] = [];
  const rules: OciDeviceRule[] = [...DEVICES];
  for (const m of hc.Devices ?? []) {
    const r = devicesFromPath(m.PathOnHost, m.PathInContainer || m.PathOnHost, m.CgroupPermissions || 'rwm');
    devices.push(...r.devices);
    rules.push(...r.rules);
  }
  rules.push(...deviceCgroupRules(hc.DeviceCgroupRules));
  return { devices, rules };
}

/** A block device's numbers for the blkio limits (moby's getBlkioThrottleDevices). */
function blockDevice(path: string): OciBlockDevice {
  let d: ReturnType<typeof deviceAt>;
  try {
    d = deviceAt(path);
  } catch (e) {
    throw systemError(`stat ${path}: ${errnoText(e)}`);
  }
  if (d === 'not-a-device') return { major: 0, minor: 0 };
  return { major: d.major, minor: d.minor };
}

/**
 * The cgroup limits of HostConfig as moby puts them in the spec at start: memory (MemorySwap is
 * twice Memory unless set; -1 leaves swap unlimited), CPU (NanoCpus as a 100 ms CFS period),
 * pids, block IO. Zero means "not set" throughout.
 */
export function resourcesOf(hc: SpecHostConfig): OciResources {
  const r: OciResources = { devices: (hc.Privileged ? DEVICES_PRIVILEGED : DEVICES) as OciDeviceRule[] };
  const mem: NonNullable<OciResources['memory']> = {};
  if (hc.Memory && hc.Memory > 0) {
    mem.limit = hc.Memory;
    // Docker fills MemorySwap = 2 × Memory at create when unset; -1 leaves swap unlimited.
    const swap = hc.MemorySwap || hc.Memory * 2;
    if (swap > 0) mem.swap = swap;
  }
  if (hc.MemoryReservation && hc.MemoryReservation > 0) mem.reservation = hc.MemoryReservation;
  if (hc.MemorySwappiness != null && hc.MemorySwappiness >= 0) mem.swappiness = hc.MemorySwappiness;
  if (hc.OomKillDisable) mem.disableOOMKiller = true;
  if (Object.keys(mem).length) r.memory = mem;
  const cpu = cpuOf(hc);
  if (cpu) r.cpu = cpu;
  if (hc.PidsLimit != null && hc.PidsLimit > 0) r.pids = { limit: hc.PidsLimit };
  const bio = blockIOOf(hc);
  if (bio) r.blockIO = bio;
  return r;
}

function cpuOf(hc: SpecHostConfig): OciResources['cpu'] {
  const cpu: NonNullable<OciResources['cpu']> = {};
  if (hc.CpuShares && hc.CpuShares > 0) cpu.shares = hc.CpuShares;
  if (hc.NanoCpus && hc.NanoCpus > 0) {
    cpu.period = 100_000;
    cpu.quota = Math.floor((hc.NanoCpus * cpu.period) / 1e9);
  }
  if (hc.CpuPeriod) cpu.period = hc.CpuPeriod;
  // A negative quota (-1) is "no limit", which runc writes as such.
  if (hc.CpuQuota) cpu.quota = hc.CpuQuota;
  if (hc.CpuRealtimePeriod) cpu.realtimePeriod = hc.CpuRealtimePeriod;
  if (hc.CpuRealtimeRuntime) cpu.realtimeRuntime = hc.CpuRealtimeRuntime;
  if (hc.CpusetCpus) cpu.cpus = hc.CpusetCpus;
  if (hc.CpusetMems) cpu.mems = hc.CpusetMems;
  return Object.keys(cpu).length ? cpu : undefined;
}

function blockIOOf(hc: SpecHostConfig): OciResources['blockIO'] {
  const bio: NonNullable<OciResources['blockIO']> = {};
  if (hc.BlkioWeight && hc.BlkioWeight > 0) bio.weight = hc.BlkioWeight;
  if (hc.BlkioWeightDevice?.length) bio.weightDevice = hc.BlkioWeightDevice.map((w) => ({ ...blockDevice(w.Path), weight: w.Weight }));
  const throttle = (list: ThrottleDevice[] | null | undefined) => list?.length ? list.map((t) => ({ ...blockDevice(t.Path), rate: t.Rate })) : undefined;
  const rb = throttle(hc.BlkioDeviceReadBps);
  const wb = throttle(hc.BlkioDeviceWriteBps);
  const ri = throttle(hc.BlkioDeviceReadIOps);
  const wi = throttle(hc.BlkioDeviceWriteIOps);
  if (rb) bio.throttleReadBpsDevice = rb;
  if (wb) bio.throttleWriteBpsDevice = wb;
  if (ri) bio.throttleReadIOPSDevice = ri;
  if (wi) bio.throttleWriteIOPSDevice = wi;
  return Object.keys(bio).length ? bio : undefined;
}

/**
 * What `runc update --resources` gets for a changed HostConfig (moby's toContainerdResources of
 * the merged resources): the same translation as at start, except that a pids limit of 0 or less
 * is written as -1 so that an earlier limit is lifted. runc leaves zero values unchanged.
 */
export function updateResourcesOf(hc: SpecHostConfig): Omit<OciResources, 'devices'> {
  const { devices: _devices, ...r } = resourcesOf({ ...hc, Devices: null, DeviceCgroupRules: null, BlkioWeightDevice: null, BlkioDeviceReadBps: null, BlkioDeviceWriteBps: null, BlkioDeviceReadIOps: null, BlkioDeviceWriteIOps: null });
  if (hc.PidsLimit != null && hc.PidsLimit <= 0) r.pids = { limit: -1 };
  // Swap is only written with a memory limit; an unlimited one (-1) is passed on.
  if (hc.MemorySwap === -1 && r.memory?.limit) r.memory.swap = -1;
  return r;
}

function namespacesOf(net: NetworkMode, modes: NamespaceModes = {}): Array<{ type: string; path?: string }> {
  const ns: Array<{ type: string; path?: string }> = [{ type: 'mount' }];
  if (typeof net === 'object') ns.push({ type: 'network', path: net.netnsPath });
  else if (net !== 'host') ns.push({ type: 'network' });
  if (modes.uts !== 'host') ns.push({ type: 'uts' });
  for (const type of ['pid', 'ipc'] as const) {
    const share = modes[type];
    if (share === 'host') continue;
    ns.push(share ? { type, path: share.path } : { type });
  }
  if (modes.cgroup === 'private' || (modes.cgroup === undefined && cgroupV2())) ns.push({ type: 'cgroup' });
  return ns;
}

// ---- process ----

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const DEFAULT_ULIMITS: readonly Ulimit[] = Object.freeze([{ Name: 'nofile', Soft: 1048576, Hard: 1048576 }]);

/** Docker's defaults (PATH, HOSTNAME, TERM with a tty) overridden in place or extended by `env`. */
function envOf(input: SpecInput): string[] {
  const out = [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${input.hostname}`];
  const index = new Map<string, number>([['PATH', 0], ['HOSTNAME', 1]]);
  if (input.tty) index.set('TERM', out.push('TERM=xterm') - 1);
  for (const e of input.env) {
    const eq = e.indexOf('=');
    // A bare name unsets a default (Docker's ReplaceOrAppendEnvValues).
    const name = eq < 0 ? e : e.slice(0, eq);
    const at = index.get(name);
    if (eq < 0) {
      if (at !== undefined) out[at] = '';
    } else if (at !== undefined) out[at] = e;
    else {
      index.set(name, out.length);
      out.push(e);
    }
  }
  // runc sets HOME from the image's passwd anyway; written here so the spec says what runs.
  if (!index.has('HOME')) out.push(`HOME=${input.user.home || '/'}`);
  return out.includes('') ? out.filter((e) => e !== '') : out;
}

export function buildSpec(input: SpecInput): OciSpec {
  const hc = input.hostConfig;
  const sec = parseSecurityOpt(hc.SecurityOpt);
  const capList = containerCapabilities(hc);
  const seccomp = seccompOf(input, sec, capList);
  const dev = devicesOf(hc);
  const linux: OciLinux = {
    ...(dev.devices.length ? { devices: dev.devices } : {}),
    resources: { ...resourcesOf(hc), devices: dev.rules as OciDeviceRule[] },
    cgroupsPath: input.cgroupsPath,
    namespaces: namespacesOf(input.networkMode, input.namespaces),
    maskedPaths: hc.Privileged ? [] : ((hc.MaskedPaths ?? DEFAULT_MASKED_PATHS) as string[]),
    readonlyPaths: hc.Privileged ? [] : ((hc.ReadonlyPaths ?? DEFAULT_READONLY_PATHS) as string[]),
  };
  const sysctl = sysctlsOf(input);
  if (sysctl) linux.sysctl = sysctl;
  if (seccomp) linux.seccomp = seccomp;
  const spec: OciSpec = {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: input.tty,
      user: { uid: input.user.uid, gid: input.user.gid, additionalGids: input.user.additionalGids },
      args: input.args,
      env: envOf(input),
      cwd: input.cwd || '/',
      capabilities: { bounding: capList, effective: capList, permitted: capList, inheritable: [], ambient: [] },
      rlimits: containerRlimits(hc.Ulimits, DEFAULT_ULIMITS, input.hostRlimits),
      noNewPrivileges: sec.noNewPrivileges,
      oomScoreAdj: hc.OomScoreAdj ?? 0,
    },
    root: { path: input.rootfsPath, readonly: !!hc.ReadonlyRootfs },
    // In the host's UTS namespace runc would set the host's name (Docker leaves it out).
    ...(input.namespaces?.uts === 'host' ? {} : { hostname: input.hostname }),
    mounts: mountsOf(input),
    // runc ignores annotations; the stop signal is kept where containerd keeps it.
    ...(input.stopSignal ? { annotations: { 'org.opencontainers.image.stopSignal': input.stopSignal } } : {}),
    linux,
  };
  return spec;
}

// ---- serialisation ----

const RLIM_INFINITY = '18446744073709551615';
const INF_MARK = '\u0001rlim-infinity';
const seccompJson = new WeakMap<object, string>();

/**
 * config.json text. Two things JSON.stringify cannot do alone: RLIM_INFINITY (2^64-1) is not a
 * JS number, and the seccomp policy, shared between specs, is stringified once per object.
 */
/** Infinite rlimits replaced by a marker that the JSON text then turns into RLIM_INFINITY. */
function markInfinity(process: OciProcess): OciProcess {
  // Also the huge float a JSON.parse of RLIM_INFINITY gives back.
  const inf = (n: number) => n === Infinity || n >= 2 ** 64;
  if (!process.rlimits?.some((r) => inf(r.hard) || inf(r.soft))) return process;
  const mark = (n: number) => (inf(n) ? INF_MARK : n) as number;
  return { ...process, rlimits: process.rlimits.map((r) => ({ type: r.type, hard: mark(r.hard), soft: mark(r.soft) })) };
}

/** An exec's process.json, rlimits as specJson writes them. */
export function processJson(p: OciProcess): string {
  const process = markInfinity(p);
  const text = JSON.stringify(process);
  return process === p ? text : text.split(JSON.stringify(INF_MARK)).join(RLIM_INFINITY);
}

export function specJson(spec: OciSpec): string {
  const process = markInfinity(spec.process);
  const { seccomp, ...linux } = spec.linux;
  let text = JSON.stringify({ ...spec, process, linux });
  if (process !== spec.process) text = text.split(JSON.stringify(INF_MARK)).join(RLIM_INFINITY);
  if (!seccomp) return text;
  let sj = seccompJson.get(seccomp);
  if (sj === undefined) {
    sj = JSON.stringify(seccomp);
    if (Object.isFrozen(seccomp)) seccompJson.set(seccomp, sj);
  }
  // The text ends with linux's closing brace and then the spec's.
  return `${text.slice(0, -2)},"seccomp":${sj}}}`;
}
