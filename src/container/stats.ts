// GET /containers/{id}/stats: Docker's stats JSON (types.StatsJSON) from a container's cgroup
// metrics, the host's CPU time and the container's network namespace, and the stream moby's
// stats collector produces (one object per second; a stopped container's objects are zero).
import { readFileSync } from 'node:fs';
import type { BlkioEntry, CgroupMetrics } from '../runtime/cgroup-stats.js';
import { ZERO_TIME } from './types.js';

export interface BlkioStatEntry { major: number; minor: number; op: string; value: bigint }
export interface NetworkStats {
  rx_bytes: bigint; rx_packets: bigint; rx_errors: bigint; rx_dropped: bigint;
  tx_bytes: bigint; tx_packets: bigint; tx_errors: bigint; tx_dropped: bigint;
}
export interface CpuStats {
  cpu_usage: { total_usage: bigint; percpu_usage?: bigint[]; usage_in_kernelmode: bigint; usage_in_usermode: bigint };
  system_cpu_usage?: bigint;
  online_cpus?: number;
  throttling_data: { periods: bigint; throttled_periods: bigint; throttled_time: bigint };
}
export interface StatsJson {
  read: string;
  preread: string;
  pids_stats: { current?: bigint; limit?: bigint };
  blkio_stats: Record<(typeof BLKIO_KEYS)[number], BlkioStatEntry[] | null>;
  num_procs: number;
  storage_stats: Record<string, never>;
  cpu_stats: CpuStats;
  precpu_stats: CpuStats;
  memory_stats: { usage?: bigint; max_usage?: bigint; stats?: Record<string, bigint>; failcnt?: bigint; limit?: bigint };
  name: string;
  id: string;
  networks?: Record<string, NetworkStats>;
}

const BLKIO_KEYS = [
  'io_service_bytes_recursive', 'io_serviced_recursive', 'io_queue_recursive', 'io_service_time_recursive',
  'io_wait_time_recursive', 'io_merged_recursive', 'io_time_recursive', 'sectors_recursive',
] as const;

export function zeroCpuStats(): CpuStats {
  return { cpu_usage: { total_usage: 0n, usage_in_kernelmode: 0n, usage_in_usermode: 0n }, throttling_data: { periods: 0n, throttled_periods: 0n, throttled_time: 0n } };
}

/** What Docker sends for a container that is not running: its name and id, everything else zero. */
export function zeroStats(name: string, id: string, pre?: { read: string; cpu: CpuStats }): StatsJson {
  const blkio = {} as StatsJson['blkio_stats'];
  for (const k of BLKIO_KEYS) blkio[k] = null;
  return {
    read: ZERO_TIME, preread: pre?.read ?? ZERO_TIME, pids_stats: {}, blkio_stats: blkio, num_procs: 0, storage_stats: {},
    cpu_stats: zeroCpuStats(), precpu_stats: pre?.cpu ?? zeroCpuStats(), memory_stats: {}, name, id,
  };
}

const entries = (list: BlkioEntry[] | null): BlkioStatEntry[] | null => list && list.map((e) => ({ major: e.major, minor: e.minor, op: e.op, value: e.value }));

/** /proc/<pid>/net/dev: the counters of every interface. */
export function parseNetDev(text: string): Record<string, NetworkStats> {
  const out: Record<string, NetworkStats> = {};
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line.slice(colon + 1).trim().split(/\s+/).map((x) => (/^\d+$/.test(x) ? BigInt(x) : 0n));
    if (f.length < 16) continue;
    out[name] = {
      rx_bytes: f[0]!, rx_packets: f[1]!, rx_errors: f[2]!, rx_dropped: f[3]!,
      tx_bytes: f[8]!, tx_packets: f[9]!, tx_errors: f[10]!, tx_dropped: f[11]!,
    };
  }
  return out;
}

/**
 * The container's interfaces as Docker reports them: those of its network endpoints, so never
 * `lo`, and nothing for the host's namespace or another container's (it has no sandbox of its
 * own). Undefined (the key is omitted) when there are none.
 */
export function containerNetworks(pid: number, networkMode: string | undefined): Record<string, NetworkStats> | undefined {
  if (networkMode === 'host' || networkMode?.startsWith('container:')) return undefined;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/net/dev`, 'utf8');
  } catch {
    return undefined;
  }
  const all = parseNetDev(text);
  delete all.lo;
  return Object.keys(all).length ? all : undefined;
}

export interface StatsSample {
  /** RFC 3339 with nanoseconds. */
  read: string;
  metrics: CgroupMetrics;
  systemUsage: bigint;
  onlineCpus: number;
  /** MemTotal: the limit reported for a container without one. */
  machineMemory: bigint;
  networks?: Record<string, NetworkStats>;
}

/** One sample as Docker's JSON (moby's stats collector over containerd's cgroup metrics). */
export function statsJson(name: string, id: string, s: StatsSample, pre?: { read: string; cpu: CpuStats }): StatsJson {
  const m = s.metrics;
  const out = zeroStats(name, id, pre);
  out.read = s.read;
  const cpu: CpuStats = zeroCpuStats();
  if (m.cpu) {
    cpu.cpu_usage = {
      total_usage: m.cpu.total,
      ...(m.cpu.perCpu?.length ? { percpu_usage: m.cpu.perCpu } : {}),
      usage_in_kernelmode: m.cpu.kernel,
      usage_in_usermode: m.cpu.user,
    };
    cpu.throttling_data = { periods: m.cpu.periods, throttled_periods: m.cpu.throttledPeriods, throttled_time: m.cpu.throttledTime };
  }
  cpu.system_cpu_usage = s.systemUsage;
  cpu.online_cpus = s.onlineCpus;
  // throttling_data last, as Docker's field order has it.
  const { throttling_data, ...rest } = cpu;
  out.cpu_stats = { ...rest, throttling_data } as CpuStats;
  if (m.pids) {
    out.pids_stats = { current: m.pids.current };
    if (m.pids.limit > 0n) out.pids_stats.limit = m.pids.limit;
  }
  if (m.blkio) {
    out.blkio_stats = {
      io_service_bytes_recursive: entries(m.blkio.ioServiceBytesRecursive), io_serviced_recursive: entries(m.blkio.ioServicedRecursive),
      io_queue_recursive: entries(m.blkio.ioQueueRecursive), io_service_time_recursive: entries(m.blkio.ioServiceTimeRecursive),
      io_wait_time_recursive: entries(m.blkio.ioWaitTimeRecursive), io_merged_recursive: entries(m.blkio.ioMergedRecursive),
      io_time_recursive: entries(m.blkio.ioTimeRecursive), sectors_recursive: entries(m.blkio.sectorsRecursive),
    };
  }
  if (m.memory) {
    const stats: Record<string, bigint> = {};
    // A Go map: marshalled with sorted keys.
    for (const k of Object.keys(m.memory.stats).sort()) stats[k] = m.memory.stats[k]!;
    const mem: StatsJson['memory_stats'] = { usage: m.memory.usage };
    if (m.memory.maxUsage) mem.max_usage = m.memory.maxUsage;
    mem.stats = stats;
    if (m.memory.failcnt) mem.failcnt = m.memory.failcnt;
    let limit = m.memory.limit;
    if (s.machineMemory > 0n && limit > s.machineMemory) limit = s.machineMemory;
    mem.limit = limit;
    out.memory_stats = mem;
  }
  if (s.networks) out.networks = s.networks;
  return out;
}

const BIG = '\u0000big:';

/** JSON with bigints as plain numbers (Go's uint64 fields), one line as Go's json.Encoder writes. */
export function statsText(v: StatsJson): string {
  const text = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${BIG}${x}` : x));
  return text.replace(/"\\u0000big:(\d+)"/g, '$1') + '\n';
}

/**
 * The stream moby serves: `sample()` once a second (undefined when the container is not
 * running: a zero object). Each object carries the previous one's CPU figures as precpu_stats.
 * stream=false waits for the second sample, so that the CPU figures have a base; one-shot
 * answers with the first.
 */
export async function streamStats(opts: {
  name: () => string;
  id: string;
  sample: () => StatsSample | undefined;
  write: (text: string) => boolean | void;
  stream: boolean;
  oneShot: boolean;
  signal: AbortSignal;
  intervalMs?: number;
}): Promise<void> {
  const interval = opts.intervalMs ?? 1000;
  let pre: { read: string; cpu: CpuStats } | undefined;
  let first = true;
  while (!opts.signal.aborted) {
    const s = opts.sample();
    if (opts.signal.aborted) return;
    const v = s ? statsJson(opts.name(), opts.id, s, pre) : zeroStats(opts.name(), opts.id, pre);
    pre = { read: v.read, cpu: v.cpu_stats };
    const primeOnly = !opts.stream && !opts.oneShot && first;
    first = false;
    if (!primeOnly) {
      opts.write(statsText(v));
      if (!opts.stream) return;
    }
    await sleep(interval, opts.signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
