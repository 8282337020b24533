// A create request merged with its image as Docker merges them, and checked the way Docker checks
// it, before anything is written.
import { availableParallelism } from 'node:os';
import { invalidParameter } from '../common/errors.js';
import { cgroupSupport, type CgroupSupport } from '../runtime/cgroup-stats.js';
import type { ContainerConfig } from '../image/types.js';
import type { HostConfig, Resources } from './types.js';

export type { Resources };

export interface CreateBody extends ContainerConfig {
  HostConfig?: HostConfig;
  NetworkingConfig?: { EndpointsConfig?: Record<string, unknown> } | null;
}

const envKey = (e: string) => { const i = e.indexOf('='); return i < 0 ? e : e.slice(0, i); };

/** moby's merge(): the container's settings win, the image fills what is unset. */
export function mergeImageConfig(user: ContainerConfig, image: ContainerConfig | undefined): ContainerConfig {
  const c: ContainerConfig = { ...user };
  if (!image) return c;
  if (!c.User) c.User = image.User ?? '';
  if (image.ExposedPorts) c.ExposedPorts = { ...image.ExposedPorts, ...(c.ExposedPorts ?? {}) };
  if (image.Env?.length) {
    const keys = new Set((c.Env ?? []).map(envKey));
    c.Env = [...image.Env.filter((e) => !keys.has(envKey(e))), ...(c.Env ?? [])];
  }
  if (image.Labels) c.Labels = { ...image.Labels, ...(c.Labels ?? {}) };
  if (!c.Entrypoint || c.Entrypoint.length === 0) {
    if (!c.Cmd || c.Cmd.length === 0) {
      c.Cmd = image.Cmd ?? null;
      if (image.ArgsEscaped) c.ArgsEscaped = image.ArgsEscaped;
    }
    if (c.Entrypoint == null) c.Entrypoint = image.Entrypoint ?? null;
  }
  if (!c.Healthcheck && image.Healthcheck) c.Healthcheck = image.Healthcheck;
  if (!c.WorkingDir) c.WorkingDir = image.WorkingDir ?? '';
  if (image.Volumes) c.Volumes = { ...image.Volumes, ...(c.Volumes ?? {}) };
  if (!c.StopSignal && image.StopSignal) c.StopSignal = image.StopSignal;
  if (!c.Shell && image.Shell) c.Shell = image.Shell;
  if (!c.OnBuild && image.OnBuild) c.OnBuild = image.OnBuild;
  return c;
}

/** The process: entrypoint then command; `--entrypoint ""` clears the image's entrypoint. */
export function pathAndArgs(c: ContainerConfig): { path: string; args: string[] } {
  let entry = c.Entrypoint ?? [];
  if (entry.length === 1 && entry[0] === '') entry = [];
  const argv = [...entry, ...(c.Cmd ?? [])];
  if (argv.length === 0) throw invalidParameter('No command specified');
  return { path: argv[0], args: argv.slice(1) };
}

export type NetworkChoice = { kind: 'host' } | { kind: 'none' } | { kind: 'private'; name: string } | { kind: 'container'; ref: string };

/** What the network mode names: host, none, another container's namespace, or a network (by name or id). */
export function networkChoice(mode: string | undefined): NetworkChoice {
  const m = mode || 'default';
  if (m === 'host') return { kind: 'host' };
  if (m === 'none') return { kind: 'none' };
  if (m === 'default' || m === 'bridge') return { kind: 'private', name: 'bridge' };
  if (m.startsWith('container:')) {
    const ref = m.slice('container:'.length);
    if (!ref) throw invalidParameter('invalid container format container:<name|id>');
    return { kind: 'container', ref };
  }
  return { kind: 'private', name: m };
}

/** moby's validateRestartPolicy (create and update). */
/** moby's checks of a container's Healthcheck: durations of at least 1ms, retries not negative. */
export function validateHealthcheck(c: ContainerConfig): void {
  const h = c.Healthcheck;
  if (!h) return;
  const MIN_NS = 1_000_000;
  for (const key of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval'] as const) {
    const v = h[key] ?? 0;
    if (v !== 0 && v < MIN_NS) throw invalidParameter(`${key} in Healthcheck cannot be less than 1ms`);
  }
  if ((h.Retries ?? 0) < 0) throw invalidParameter('Retries in Healthcheck cannot be negative');
}

export function validateRestartPolicy(p: { Name?: string; MaximumRetryCount?: number } | undefined): void {
  const name = p?.Name ?? '';
  const count = p?.MaximumRetryCount ?? 0;
  switch (name) {
    case 'always': case 'unless-stopped': case 'no':
      if (count !== 0) {
        throw invalidParameter(`invalid restart policy: maximum retry count can only be used with 'on-failure'${count < 0 ? ' and cannot be negative' : ''}`);
      }
      return;
    case 'on-failure':
      if (count < 0) throw invalidParameter('invalid restart policy: maximum retry count cannot be negative');
      return;
    case '':
      // Engines before 25.0 created an empty name as the default; any count is accepted with it.
      return;
    default:
      throw invalidParameter(`invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  }
}

/**
 * Docker's HostConfig checks at create, and the defaults it fills in (adaptContainerSettings and
 * the create route): MemorySwap is twice Memory when unset, a swappiness of -1 and a pids limit of
 * 0 or less mean "not set". Limits the host cannot apply are dropped with a warning; the
 * warnings are returned.
 */
export function validateHostConfig(h: HostConfig): string[] {
  const rp = h.RestartPolicy?.Name ?? '';
  if (h.AutoRemove && rp !== '' && rp !== 'no') {
    throw invalidParameter("can't create 'AutoRemove' container with restart policy");
  }
  validateRestartPolicy(h.RestartPolicy);
  validateNamespaceModes(h);
  // runc under any of the names dockerd knows it by; no other runtime is configured.
  if (h.Runtime && h.Runtime !== 'runc' && h.Runtime !== 'io.containerd.runc.v2') throw invalidParameter(`unknown or invalid runtime name: ${h.Runtime}`);
  if ((h.ShmSize ?? 0) < 0) throw invalidParameter('SHM size can not be less than 0');
  for (const path of Object.keys(h.Tmpfs ?? {})) {
    if (!path.startsWith('/')) throw invalidParameter(`invalid mount config for type "tmpfs": invalid mount path: '${path}' mount path must be absolute`);
  }
  if ((h.OomScoreAdj ?? 0) < -1000 || (h.OomScoreAdj ?? 0) > 1000) {
    throw invalidParameter(`Invalid value ${h.OomScoreAdj}, range for oom score adj is [-1000, 1000]`);
  }
  if (h.PidsLimit != null && h.PidsLimit <= 0) h.PidsLimit = null;
  const warnings = verifyResources(h, { update: false });
  if ((h.Memory ?? 0) > 0 && !h.MemorySwap) h.MemorySwap = h.Memory! * 2;
  return warnings;
}

/** `container:<name|id>` with a name: moby's validContainer for the namespace modes. */
const joinsContainer = (mode: string): boolean => mode.startsWith('container:') && mode.length > 'container:'.length;

/** moby's IpcMode/PidMode/UTSMode/CgroupnsMode Valid() checks, with the daemon's messages. */
export function validateNamespaceModes(h: HostConfig): void {
  const ipc = h.IpcMode ?? '';
  if (!['', 'none', 'private', 'shareable', 'host'].includes(ipc) && !joinsContainer(ipc)) throw invalidParameter(`invalid IPC mode: ${ipc}`);
  const pid = h.PidMode ?? '';
  if (pid !== '' && pid !== 'host' && !joinsContainer(pid)) throw invalidParameter(`invalid PID mode: ${pid}`);
  const uts = h.UTSMode ?? '';
  if (uts !== '' && uts !== 'host') throw invalidParameter(`invalid UTS mode: ${uts}`);
  const cgroupns = h.CgroupnsMode ?? '';
  if (!['', 'host', 'private'].includes(cgroupns)) throw invalidParameter(`invalid cgroup namespace mode: ${cgroupns}`);
}

/** The container a `container:<ref>` mode names, or undefined for any other mode. */
export function joinedContainer(mode: string | undefined): string | undefined {
  return mode && joinsContainer(mode) ? mode.slice('container:'.length) : undefined;
}

/** 6 MiB: moby's floor for a memory limit or reservation, to start a functional container. */
export const MIN_MEMORY = 6291456;

/** Go's strconv.Atoi, for moby's ParseUintList. */
const atoi = (s: string): number | undefined => (/^[+-]?\d+$/.test(s) ? Number(s) : undefined);

/** moby's parsers.ParseUintList ("0-3,5"); throws `invalid format: VAL`. */
export function parseUintList(val: string, maximum = 0): Set<number> {
  const out = new Set<number>();
  if (val === '') return out;
  const bad = () => new Error(`invalid format: ${val}`);
  for (const r of val.split(',')) {
    if (!r.includes('-')) {
      const v = atoi(r);
      if (v === undefined) throw bad();
      if (maximum !== 0 && v > maximum) throw new Error(`value of out range, maximum is ${maximum}`);
      out.add(v);
      continue;
    }
    const i = r.indexOf('-');
    const lo = atoi(r.slice(0, i));
    const hi = atoi(r.slice(i + 1));
    if (lo === undefined || hi === undefined || hi < lo) throw bad();
    if (maximum !== 0 && hi > maximum) throw new Error(`value of out range, maximum is ${maximum}`);
    for (let v = lo; v <= hi; v++) out.add(v);
  }
  return out;
}

/** Whether every CPU (or memory node) of `provided` is in `available` (sysinfo.isCpusetListAvailable). */
export function cpusetListAvailable(provided: string, available: string): boolean {
  const avail = parseUintList(available);
  let max = 8192;
  for (const v of avail) if (v > max) max = v;
  for (const v of parseUintList(provided, max)) if (!avail.has(v)) return false;
  return true;
}

/**
 * moby's verifyPlatformContainerResources on Linux, against this host's cgroups: throws
 * InvalidParameter with Docker's texts, drops what the host cannot apply (with Docker's
 * warnings, returned) and normalises a swappiness of -1 to "not set".
 */
export function verifyResources(r: Resources, opts: { update: boolean; support?: CgroupSupport; numCpus?: number }): string[] {
  const sys = opts.support ?? cgroupSupport();
  const numCpus = opts.numCpus ?? availableParallelism();
  const w: string[] = [];
  const fail = (msg: string): never => { throw invalidParameter(msg); };
  if (r.MemorySwappiness === -1) r.MemorySwappiness = null;

  // memory
  const mem = r.Memory ?? 0;
  if (mem !== 0 && mem < MIN_MEMORY) fail('Minimum memory limit allowed is 6MB');
  if (mem > 0 && !sys.memoryLimit) {
    w.push('Your kernel does not support memory limit capabilities or the cgroup is not mounted. Limitation discarded.');
    r.Memory = 0;
    r.MemorySwap = -1;
  }
  if ((r.Memory ?? 0) > 0 && r.MemorySwap !== -1 && !sys.swapLimit) {
    w.push('Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.');
    r.MemorySwap = -1;
  }
  const memory = r.Memory ?? 0;
  const swap = r.MemorySwap ?? 0;
  if (memory > 0 && swap > 0 && swap < memory) fail('Minimum memoryswap limit should be larger than memory limit, see usage');
  if (memory === 0 && swap > 0 && !opts.update) fail('You should always set the Memory limit when using Memoryswap limit, see usage');
  if (r.MemorySwappiness != null && !sys.memorySwappiness) {
    w.push('Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.');
    r.MemorySwappiness = null;
  }
  if (r.MemorySwappiness != null && (r.MemorySwappiness < 0 || r.MemorySwappiness > 100)) {
    fail(`Invalid value: ${r.MemorySwappiness}, valid memory swappiness range is 0-100`);
  }
  if ((r.MemoryReservation ?? 0) > 0 && !sys.memoryReservation) {
    w.push('Your kernel does not support memory soft limit capabilities or the cgroup is not mounted. Limitation discarded.');
    r.MemoryReservation = 0;
  }
  const reservation = r.MemoryReservation ?? 0;
  if (reservation > 0 && reservation < MIN_MEMORY) fail('Minimum memory reservation allowed is 6MB');
  if (memory > 0 && reservation > 0 && memory < reservation) fail('Minimum memory limit can not be less than memory reservation limit, see usage');
  if (r.KernelMemory) {
    // Deprecated since kernel 5.4 and not applied by berth; Docker 23+ only warns.
    w.push('Specifying a kernel memory limit is deprecated and will be removed in a future release.');
    r.KernelMemory = 0;
  }
  if (r.OomKillDisable != null && !sys.oomKillDisable) {
    if (r.OomKillDisable) w.push('Your kernel does not support OomKillDisable. OomKillDisable discarded.');
    r.OomKillDisable = null;
  }
  if (r.OomKillDisable && (r.Memory ?? 0) === 0) {
    w.push('OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.');
  }
  if (r.PidsLimit != null && !sys.pidsLimit) {
    if (r.PidsLimit > 0) w.push('Your kernel does not support PIDs limit capabilities or the cgroup is not mounted. PIDs limit discarded.');
    r.PidsLimit = null;
  }

  // cpu
  const nano = r.NanoCpus ?? 0;
  if (nano > 0 && (r.CpuPeriod ?? 0) > 0) fail('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (nano > 0 && (r.CpuQuota ?? 0) > 0) fail('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (nano > 0 && !sys.cpuCfs) fail('NanoCPUs can not be set, as your kernel does not support CPU CFS scheduler or the cgroup is not mounted');
  if (nano < 0 || nano > numCpus * 1e9) fail(`Range of CPUs is from 0.01 to ${numCpus}.00, as there are only ${numCpus} CPUs available`);
  if ((r.CpuShares ?? 0) > 0 && !sys.cpuShares) {
    w.push('Your kernel does not support CPU shares or the cgroup is not mounted. Shares discarded.');
    r.CpuShares = 0;
  }
  if (((r.CpuPeriod ?? 0) !== 0 || (r.CpuQuota ?? 0) !== 0) && !sys.cpuCfs) {
    w.push('Your kernel does not support CPU CFS scheduler. CPU period/quota discarded.');
    r.CpuPeriod = 0;
    r.CpuQuota = 0;
  }
  const period = r.CpuPeriod ?? 0;
  if (period !== 0 && (period < 1000 || period > 1000000)) fail('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  if ((r.CpuQuota ?? 0) > 0 && (r.CpuQuota ?? 0) < 1000) fail('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  if ((r.CpuPercent ?? 0) > 0) {
    w.push('linux does not support CPU percent. Percent discarded.');
    r.CpuPercent = 0;
  }
  const rtPeriod = r.CpuRealtimePeriod ?? 0;
  const rtRuntime = r.CpuRealtimeRuntime ?? 0;
  if (rtPeriod > 0 && !sys.cpuRealtime) fail('Your kernel does not support cgroup cpu real-time period');
  if (rtRuntime > 0 && !sys.cpuRealtime) fail('Your kernel does not support cgroup cpu real-time runtime');
  if (rtPeriod !== 0 && rtRuntime !== 0 && rtRuntime > rtPeriod) fail('cpu real-time runtime cannot be higher than cpu real-time period');

  // cpuset
  if ((r.CpusetCpus || r.CpusetMems) && !sys.cpuset) {
    w.push('Your kernel does not support cpuset or the cgroup is not mounted. Cpuset discarded.');
    r.CpusetCpus = '';
    r.CpusetMems = '';
  }
  const cpus = r.CpusetCpus ?? '';
  let ok: boolean;
  try {
    ok = cpusetListAvailable(cpus, sys.cpus);
  } catch (e) {
    return fail(`Invalid value ${cpus} for cpuset cpus: ${(e as Error).message}`);
  }
  if (!ok) fail(`Requested CPUs are not available - requested ${cpus}, available: ${sys.cpus}`);
  const mems = r.CpusetMems ?? '';
  try {
    ok = cpusetListAvailable(mems, sys.mems);
  } catch (e) {
    return fail(`Invalid value ${mems} for cpuset mems: ${(e as Error).message}`);
  }
  if (!ok) fail(`Requested memory nodes are not available - requested ${mems}, available: ${sys.mems}`);

  // blkio
  if ((r.BlkioWeight ?? 0) > 0 && !sys.blkioWeight) {
    w.push('Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.');
    r.BlkioWeight = 0;
  }
  const weight = r.BlkioWeight ?? 0;
  if (weight > 0 && (weight < 10 || weight > 1000)) fail('Range of blkio weight is from 10 to 1000');
  if ((r.IOMaximumBandwidth ?? 0) !== 0 || (r.IOMaximumIOps ?? 0) !== 0) {
    fail('Invalid QoS settings: linux does not support Maximum IO Bandwidth or Maximum IO IOps');
  }
  if (r.BlkioWeightDevice?.length && !sys.blkioWeightDevice) {
    w.push('Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.');
    r.BlkioWeightDevice = [];
  }
  const throttles: Array<[keyof Resources, string]> = [
    ['BlkioDeviceReadBps', 'Your kernel does not support BPS Block I/O read limit or the cgroup is not mounted. Block I/O BPS read limit discarded.'],
    ['BlkioDeviceWriteBps', 'Your kernel does not support BPS Block I/O write limit or the cgroup is not mounted. Block I/O BPS write limit discarded.'],
    ['BlkioDeviceReadIOps', 'Your kernel does not support IOPS Block read limit or the cgroup is not mounted. Block I/O IOPS read limit discarded.'],
    ['BlkioDeviceWriteIOps', 'Your kernel does not support IOPS Block write limit or the cgroup is not mounted. Block I/O IOPS write limit discarded.'],
  ];
  for (const [k, msg] of throttles) {
    if ((r[k] as unknown[] | null | undefined)?.length && !sys.blkioThrottle) {
      w.push(msg);
      (r as Record<string, unknown>)[k] = [];
    }
  }
  return w;
}

/**
 * moby's handleDevice at start: no device driver (GPUs and the like) is registered, so any
 * request is refused with its message (capabilities as Go prints a [][]string).
 */
export function checkDeviceRequests(h: HostConfig): void {
  const requests = (h.DeviceRequests ?? []) as Array<{ Driver?: string; Capabilities?: string[][] | null }>;
  for (const r of requests) {
    const caps = `[${(r.Capabilities ?? []).map((c) => `[${c.join(' ')}]`).join(' ')}]`;
    throw invalidParameter(`could not select device driver ${JSON.stringify(r.Driver ?? '')} with capabilities: ${caps}`);
  }
}
