// A running container's cgroups, read as containerd's cgroups package reads them for Docker's
// stats: cgroup v1 (one hierarchy per controller, also on hybrid hosts) and cgroup v2 (unified).
// Also what the host's cgroups support (moby's pkg/sysinfo), for validating limits at create.
//
// The parsers take file contents and are pure; the readers do small synchronous reads of
// cgroupfs and /proc. Counters are bigint: cpuacct.usage and unlimited memory limits (2^63)
// exceed 2^53.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = '/sys/fs/cgroup';

// ---- where a container's cgroups are ----

/** A process's cgroups: v1 controller → path, and the unified (v2) path. */
export interface ProcCgroups { v1: Record<string, string>; unified?: string }

/** /proc/<pid>/cgroup: `ID:controllers:path` lines; `0::/path` is the unified hierarchy. */
export function parseProcCgroup(text: string): ProcCgroups {
  const out: ProcCgroups = { v1: {} };
  for (const line of text.split('\n')) {
    const a = line.indexOf(':');
    const b = line.indexOf(':', a + 1);
    if (a < 0 || b < 0) continue;
    const controllers = line.slice(a + 1, b);
    const path = line.slice(b + 1);
    if (controllers === '') {
      out.unified = path;
      continue;
    }
    for (const c of controllers.split(',')) if (c && !c.startsWith('name=')) out.v1[c] = path;
  }
  return out;
}

/** The cgroup directories of a container, absolute: cgroupfs v1 per controller, or v2. */
export type CgroupDirs = { version: 1; dirs: Record<string, string> } | { version: 2; dir: string };

let v2Only: boolean | undefined;
/** A pure cgroup v2 host (hybrid hosts count as v1, as containerd's cgroups.Mode() does). */
export function unifiedOnly(): boolean {
  return (v2Only ??= existsSync(join(ROOT, 'cgroup.controllers')));
}

/** Absolute directories for a process's cgroups (v1: /sys/fs/cgroup/<controller><path>). */
export function cgroupDirsFor(cg: ProcCgroups, v2 = unifiedOnly()): CgroupDirs {
  if (v2) return { version: 2, dir: join(ROOT, cg.unified ?? '/') };
  const dirs: Record<string, string> = {};
  for (const [c, p] of Object.entries(cg.v1)) dirs[c] = join(ROOT, c, p);
  return { version: 1, dirs };
}

/**
 * A running container's cgroup directories, from its init's /proc/<pid>/cgroup, or from the
 * cgroups path given to runc when the process cannot be read.
 */
export function containerCgroupDirs(pid: number, cgroupsPath: string): CgroupDirs {
  let cg: ProcCgroups | undefined;
  try {
    cg = parseProcCgroup(readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
  } catch { /* gone: fall back on the path runc was given */ }
  if (!cg || (!Object.keys(cg.v1).length && cg.unified === undefined)) {
    const path = cgroupsPath.startsWith('/') ? cgroupsPath : `/${cgroupsPath}`;
    cg = { v1: {}, unified: path };
    for (const c of ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'blkio', 'devices', 'freezer']) cg.v1[c] = path;
  }
  return cgroupDirsFor(cg);
}

// ---- parsers ----

const big = (s: string | undefined): bigint => {
  const t = (s ?? '').trim();
  return /^\d+$/.test(t) ? BigInt(t) : 0n;
};

/** `key value` lines (memory.stat, cpu.stat, cpuacct.stat, memory.events). */
export function parseFlatKeyed(text: string): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out[k] = BigInt(v);
  }
  return out;
}

/** A single number, or `max` (v2) as the given value. */
export function parseLimit(text: string, max: bigint): bigint {
  const t = text.trim();
  return t === 'max' ? max : big(t);
}

export interface BlkioEntry { major: number; minor: number; op: string; value: bigint }

/** blkio.*_recursive (v1): `MAJ:MIN Op value` or `MAJ:MIN value`; the `Total` line is skipped. */
export function parseBlkioFile(text: string): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 2 || !f[0]!.includes(':')) continue;
    const [maj, min] = f[0]!.split(':');
    if (!/^\d+$/.test(maj ?? '') || !/^\d+$/.test(min ?? '')) continue;
    const op = f.length >= 3 ? f[1]! : '';
    const value = big(f.length >= 3 ? f[2] : f[1]);
    out.push({ major: Number(maj), minor: Number(min), op, value });
  }
  return out;
}

/** io.stat (v2): `MAJ:MIN rbytes=N wbytes=N rios=N …` per device. */
export function parseIoStat(text: string): Array<{ major: number; minor: number; values: Record<string, bigint> }> {
  const out: Array<{ major: number; minor: number; values: Record<string, bigint> }> = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (!f[0] || !f[0].includes(':')) continue;
    const [maj, min] = f[0].split(':');
    const values: Record<string, bigint> = {};
    for (const kv of f.slice(1)) {
      const eq = kv.indexOf('=');
      if (eq > 0) values[kv.slice(0, eq)] = big(kv.slice(eq + 1));
    }
    out.push({ major: Number(maj), minor: Number(min), values });
  }
  return out;
}

/** cpuacct.usage_percpu: space-separated nanoseconds per CPU. */
export function parsePerCpu(text: string): bigint[] {
  return text.trim().split(/\s+/).filter((x) => /^\d+$/.test(x)).map((x) => BigInt(x));
}

// ---- metrics ----

export interface CgroupMetrics {
  cpu?: {
    /** Nanoseconds. */
    total: bigint; kernel: bigint; user: bigint; perCpu?: bigint[];
    periods: bigint; throttledPeriods: bigint; throttledTime: bigint;
  };
  memory?: { usage: bigint; maxUsage?: bigint; failcnt?: bigint; limit: bigint; stats: Record<string, bigint> };
  pids?: { current: bigint; limit: bigint };
  /** v1: every blkio file containerd reads; v2: read/write bytes per device from io.stat. */
  blkio?: {
    ioServiceBytesRecursive: BlkioEntry[] | null;
    ioServicedRecursive: BlkioEntry[] | null;
    ioQueueRecursive: BlkioEntry[] | null;
    ioServiceTimeRecursive: BlkioEntry[] | null;
    ioWaitTimeRecursive: BlkioEntry[] | null;
    ioMergedRecursive: BlkioEntry[] | null;
    ioTimeRecursive: BlkioEntry[] | null;
    sectorsRecursive: BlkioEntry[] | null;
  };
}

/** USER_HZ, the unit of cpuacct.stat (100 on Linux). */
const CLOCK_TICKS = 100n;
const MAX_U64 = 18446744073709551615n;

const read = (dir: string | undefined, file: string): string | undefined => {
  if (!dir) return undefined;
  try {
    return readFileSync(join(dir, file), 'utf8');
  } catch {
    return undefined;
  }
};

// The v1 memory.stat keys moby reports (containerd's MemoryStat fields), sorted as Go marshals them.
export const V1_MEMORY_KEYS = [
  'active_anon', 'active_file', 'cache', 'dirty', 'hierarchical_memory_limit', 'hierarchical_memsw_limit', 'inactive_anon',
  'inactive_file', 'mapped_file', 'pgfault', 'pgmajfault', 'pgpgin', 'pgpgout', 'rss', 'rss_huge', 'total_active_anon',
  'total_active_file', 'total_cache', 'total_dirty', 'total_inactive_anon', 'total_inactive_file', 'total_mapped_file',
  'total_pgfault', 'total_pgmajfault', 'total_pgpgin', 'total_pgpgout', 'total_rss', 'total_rss_huge', 'total_unevictable',
  'total_writeback', 'unevictable', 'writeback',
] as const;

// The v2 memory.stat keys moby reports (statsV2 → MemoryStats.Stats), in its order.
export const V2_MEMORY_KEYS = [
  'anon', 'file', 'kernel_stack', 'slab', 'sock', 'shmem', 'file_mapped', 'file_dirty', 'file_writeback', 'anon_thp',
  'inactive_anon', 'active_anon', 'inactive_file', 'active_file', 'unevictable', 'slab_reclaimable', 'slab_unreclaimable',
  'pgfault', 'pgmajfault', 'workingset_refault', 'workingset_activate', 'workingset_nodereclaim', 'pgrefill', 'pgscan',
  'pgsteal', 'pgactivate', 'pgdeactivate', 'pglazyfree', 'pglazyfreed', 'thp_fault_alloc', 'thp_collapse_alloc',
] as const;

function pick(raw: Record<string, bigint>, keys: readonly string[]): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const k of keys) out[k] = raw[k] ?? 0n;
  return out;
}

/** Metrics from cgroup v1 file contents (`files[controller][file]`), as containerd's cgroups/v1. */
export function metricsV1(files: (controller: string, file: string) => string | undefined): CgroupMetrics {
  const m: CgroupMetrics = {};
  const usage = files('cpuacct', 'cpuacct.usage');
  if (usage !== undefined) {
    const stat = parseFlatKeyed(files('cpuacct', 'cpuacct.stat') ?? '');
    const thr = parseFlatKeyed(files('cpu', 'cpu.stat') ?? '');
    const perCpu = parsePerCpu(files('cpuacct', 'cpuacct.usage_percpu') ?? '');
    m.cpu = {
      total: big(usage),
      kernel: ((stat.system ?? 0n) * 1_000_000_000n) / CLOCK_TICKS,
      user: ((stat.user ?? 0n) * 1_000_000_000n) / CLOCK_TICKS,
      perCpu,
      periods: thr.nr_periods ?? 0n,
      throttledPeriods: thr.nr_throttled ?? 0n,
      throttledTime: thr.throttled_time ?? 0n,
    };
  }
  const memUsage = files('memory', 'memory.usage_in_bytes');
  if (memUsage !== undefined) {
    m.memory = {
      usage: big(memUsage),
      maxUsage: big(files('memory', 'memory.max_usage_in_bytes')),
      failcnt: big(files('memory', 'memory.failcnt')),
      limit: big(files('memory', 'memory.limit_in_bytes')),
      stats: pick(parseFlatKeyed(files('memory', 'memory.stat') ?? ''), V1_MEMORY_KEYS),
    };
  }
  const pids = files('pids', 'pids.current');
  if (pids !== undefined) m.pids = { current: big(pids), limit: parseLimit(files('pids', 'pids.max') ?? '', 0n) };
  const blk = (name: string): BlkioEntry[] => parseBlkioFile(files('blkio', `blkio.${name}`) ?? '');
  if (files('blkio', 'blkio.io_serviced_recursive') !== undefined) {
    // CFQ/BFQ statistics (old kernels).
    m.blkio = {
      ioServiceBytesRecursive: blk('io_service_bytes_recursive'), ioServicedRecursive: blk('io_serviced_recursive'),
      ioQueueRecursive: blk('io_queued_recursive'), ioServiceTimeRecursive: blk('io_service_time_recursive'),
      ioWaitTimeRecursive: blk('io_wait_time_recursive'), ioMergedRecursive: blk('io_merged_recursive'),
      ioTimeRecursive: blk('time_recursive'), sectorsRecursive: blk('sectors_recursive'),
    };
  } else {
    // The throttle statistics every kernel has.
    m.blkio = {
      ioServiceBytesRecursive: blk('throttle.io_service_bytes_recursive'), ioServicedRecursive: blk('throttle.io_serviced_recursive'),
      ioQueueRecursive: [], ioServiceTimeRecursive: [], ioWaitTimeRecursive: [], ioMergedRecursive: [], ioTimeRecursive: [], sectorsRecursive: [],
    };
  }
  return m;
}

/** Metrics from cgroup v2 file contents, as containerd's cgroups/v2 (and moby's use of them). */
export function metricsV2(file: (name: string) => string | undefined): CgroupMetrics {
  const m: CgroupMetrics = {};
  const cpu = file('cpu.stat');
  if (cpu !== undefined) {
    const s = parseFlatKeyed(cpu);
    m.cpu = {
      total: (s.usage_usec ?? 0n) * 1000n, kernel: (s.system_usec ?? 0n) * 1000n, user: (s.user_usec ?? 0n) * 1000n,
      periods: s.nr_periods ?? 0n, throttledPeriods: s.nr_throttled ?? 0n, throttledTime: (s.throttled_usec ?? 0n) * 1000n,
    };
  }
  const cur = file('memory.current');
  if (cur !== undefined) {
    const stats = pick(parseFlatKeyed(file('memory.stat') ?? ''), V2_MEMORY_KEYS);
    const events = parseFlatKeyed(file('memory.events') ?? '');
    m.memory = { usage: big(cur), limit: parseLimit(file('memory.max') ?? 'max', MAX_U64), stats, failcnt: events.oom ?? 0n };
  }
  const pids = file('pids.current');
  if (pids !== undefined) m.pids = { current: big(pids), limit: parseLimit(file('pids.max') ?? '', 0n) };
  const io = file('io.stat');
  if (io !== undefined) {
    const bytes: BlkioEntry[] = [];
    for (const d of parseIoStat(io)) {
      bytes.push({ major: d.major, minor: d.minor, op: 'read', value: d.values.rbytes ?? 0n });
      bytes.push({ major: d.major, minor: d.minor, op: 'write', value: d.values.wbytes ?? 0n });
    }
    m.blkio = {
      ioServiceBytesRecursive: bytes.length ? bytes : null, ioServicedRecursive: null, ioQueueRecursive: null, ioServiceTimeRecursive: null,
      ioWaitTimeRecursive: null, ioMergedRecursive: null, ioTimeRecursive: null, sectorsRecursive: null,
    };
  }
  return m;
}

/** A container's cgroup metrics now. */
export function readCgroupMetrics(dirs: CgroupDirs): CgroupMetrics {
  if (dirs.version === 2) return metricsV2((f) => read(dirs.dir, f));
  return metricsV1((c, f) => read(dirs.dirs[c], f));
}

/**
 * Every process in the container's cgroup and the cgroups below it (what runc ps lists): the
 * pids hierarchy on v1 (or any other controller's), the unified one on v2.
 */
export function cgroupPids(dirs: CgroupDirs): number[] {
  const dir = dirs.version === 2 ? dirs.dir : dirs.dirs.pids ?? dirs.dirs.memory ?? dirs.dirs.cpu ?? Object.values(dirs.dirs)[0];
  if (!dir) return [];
  const out: number[] = [];
  const walk = (d: string) => {
    const procs = read(d, 'cgroup.procs');
    if (procs === undefined) return;
    for (const l of procs.split('\n')) if (/^\d+$/.test(l.trim())) out.push(Number(l));
    let entries: string[] = [];
    try {
      entries = readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch { /* removed meanwhile */ }
    for (const e of entries) walk(join(d, e));
  };
  walk(dir);
  return out;
}

// ---- the host ----

/** Host-wide CPU time in nanoseconds (moby's getSystemCPUUsage) and the online CPUs, from /proc/stat. */
export function parseProcStat(text: string): { systemUsage: bigint; onlineCpus: number } {
  let systemUsage = 0n;
  let onlineCpus = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('cpu ')) {
      // user nice system idle iowait irq softirq, in USER_HZ ticks.
      const f = line.trim().split(/\s+/).slice(1, 8);
      let ticks = 0n;
      for (const x of f) ticks += big(x);
      systemUsage = (ticks * 1_000_000_000n) / CLOCK_TICKS;
    } else if (/^cpu\d+ /.test(line)) {
      onlineCpus++;
    }
  }
  return { systemUsage, onlineCpus };
}

export function hostCpuUsage(): { systemUsage: bigint; onlineCpus: number } {
  try {
    return parseProcStat(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return { systemUsage: 0n, onlineCpus: 0 };
  }
}

/** MemTotal in bytes (moby's machineMemory), 0 if unknown. */
export function machineMemory(): bigint {
  try {
    const m = /^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    return m ? BigInt(m[1]!) * 1024n : 0n;
  } catch {
    return 0n;
  }
}

/** What the host's cgroups can limit (moby's sysinfo.SysInfo, the fields create checks). */
export interface CgroupSupport {
  memoryLimit: boolean;
  swapLimit: boolean;
  memoryReservation: boolean;
  memorySwappiness: boolean;
  oomKillDisable: boolean;
  pidsLimit: boolean;
  cpuShares: boolean;
  cpuCfs: boolean;
  cpuRealtime: boolean;
  cpuset: boolean;
  blkioWeight: boolean;
  blkioWeightDevice: boolean;
  blkioThrottle: boolean;
  /** cpuset.effective_cpus / .mems of the root, e.g. "0-1" and "0". */
  cpus: string;
  mems: string;
}

let support: CgroupSupport | undefined;

/** Read once: cgroup v1 controllers' files at their roots, or v2's root controllers. */
export function cgroupSupport(): CgroupSupport {
  if (support) return support;
  const has = (p: string) => existsSync(join(ROOT, p));
  const text = (p: string) => { try { return readFileSync(join(ROOT, p), 'utf8').trim(); } catch { return ''; } };
  if (unifiedOnly()) {
    const ctl = new Set(text('cgroup.controllers').split(/\s+/));
    const mem = ctl.has('memory');
    const io = ctl.has('io');
    support = {
      memoryLimit: mem, swapLimit: mem, memoryReservation: mem, memorySwappiness: false, oomKillDisable: false,
      pidsLimit: ctl.has('pids'), cpuShares: ctl.has('cpu'), cpuCfs: ctl.has('cpu'), cpuRealtime: false, cpuset: ctl.has('cpuset'),
      blkioWeight: io, blkioWeightDevice: io, blkioThrottle: io,
      cpus: text('cpuset.cpus.effective'), mems: text('cpuset.mems.effective'),
    };
  } else {
    support = {
      memoryLimit: has('memory/memory.limit_in_bytes'), swapLimit: has('memory/memory.memsw.limit_in_bytes'),
      memoryReservation: has('memory/memory.soft_limit_in_bytes'), memorySwappiness: has('memory/memory.swappiness'),
      oomKillDisable: has('memory/memory.oom_control'), pidsLimit: has('pids'), cpuShares: has('cpu/cpu.shares'),
      cpuCfs: has('cpu/cpu.cfs_quota_us'), cpuRealtime: has('cpu/cpu.rt_runtime_us'), cpuset: has('cpuset/cpuset.cpus'),
      blkioWeight: has('blkio/blkio.weight') || has('blkio/blkio.bfq.weight'),
      blkioWeightDevice: has('blkio/blkio.weight_device') || has('blkio/blkio.bfq.weight_device'),
      blkioThrottle: has('blkio/blkio.throttle.read_bps_device'),
      cpus: text('cpuset/cpuset.effective_cpus') || text('cpuset/cpuset.cpus'),
      mems: text('cpuset/cpuset.effective_mems') || text('cpuset/cpuset.mems'),
    };
  }
  return support;
}
