// `berth stats` (docker/cli cli/command/container/stats.go, stats_helpers.go, formatter_stats.go):
// one stats stream per container, CPU % and memory computed as docker's CLI computes them, and
// the table redrawn in place twice a second (or printed once with --no-stream).
import { LIST_FORMAT_USAGE } from '../command.js';
import type { IncomingMessage } from 'node:http';
import type { SpecCommand } from '../container/spec-command.js';
import { StatusError, type CliContext } from '../context.js';
import { FormatError, goJson, goStruct, renderFormatted } from '../template/index.js';
import { formatFloat } from '../template/fmt.js';
import { bytesSize, humanSizeWithPrecision, truncateId } from '../units.js';
import { errText } from './images.js';

// ---- what the CLI reads of the daemon's stats JSON ----

export interface CpuStatsJson {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] | null };
  system_cpu_usage?: number;
  online_cpus?: number;
}
export interface StatsJsonLike {
  name?: string;
  id?: string;
  cpu_stats?: CpuStatsJson;
  precpu_stats?: CpuStatsJson;
  memory_stats?: { usage?: number; stats?: Record<string, number> | null; limit?: number };
  blkio_stats?: { io_service_bytes_recursive?: Array<{ op?: string; value?: number }> | null };
  pids_stats?: { current?: number };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }> | null;
}

/** docker's StatsEntry. */
export interface StatsEntry {
  container: string;
  name: string;
  id: string;
  cpuPercentage: number;
  memory: number;
  memoryLimit: number;
  memoryPercentage: number;
  networkRx: number;
  networkTx: number;
  blockRead: number;
  blockWrite: number;
  pidsCurrent: number;
  isInvalid: boolean;
}

export function emptyEntry(container: string): StatsEntry {
  return {
    container, name: '', id: '', cpuPercentage: 0, memory: 0, memoryLimit: 0, memoryPercentage: 0,
    networkRx: 0, networkTx: 0, blockRead: 0, blockWrite: 0, pidsCurrent: 0, isInvalid: false,
  };
}

/** calculateCPUPercentUnix: the container's share of the host's CPU time since the previous sample, × CPUs. */
export function calculateCpuPercentUnix(pre: CpuStatsJson | undefined, cur: CpuStatsJson | undefined): number {
  const cpuDelta = (cur?.cpu_usage?.total_usage ?? 0) - (pre?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cur?.system_cpu_usage ?? 0) - (pre?.system_cpu_usage ?? 0);
  let online = cur?.online_cpus ?? 0;
  if (online === 0) online = cur?.cpu_usage?.percpu_usage?.length ?? 0;
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * online * 100 : 0;
}

/** calculateMemUsageUnixNoCache: usage without the inactive page cache (v1 total_inactive_file, v2 inactive_file). */
export function calculateMemUsageUnixNoCache(mem: StatsJsonLike['memory_stats']): number {
  const usage = mem?.usage ?? 0;
  const stats = mem?.stats ?? {};
  if ('total_inactive_file' in stats && stats.total_inactive_file! < usage) return usage - stats.total_inactive_file!;
  const inactive = stats.inactive_file ?? 0;
  if (inactive < usage) return usage - inactive;
  return usage;
}

export function calculateMemPercentUnixNoCache(limit: number, used: number): number {
  return limit !== 0 ? (used / limit) * 100 : 0;
}

/** calculateBlockIO: bytes read and written, from io_service_bytes_recursive by the op's first letter. */
export function calculateBlockIO(blkio: StatsJsonLike['blkio_stats']): [number, number] {
  let read = 0;
  let write = 0;
  for (const e of blkio?.io_service_bytes_recursive ?? []) {
    const c = (e.op ?? '')[0];
    if (c === 'r' || c === 'R') read += e.value ?? 0;
    else if (c === 'w' || c === 'W') write += e.value ?? 0;
  }
  return [read, write];
}

export function calculateNetwork(nets: StatsJsonLike['networks']): [number, number] {
  let rx = 0;
  let tx = 0;
  for (const v of Object.values(nets ?? {})) {
    rx += v.rx_bytes ?? 0;
    tx += v.tx_bytes ?? 0;
  }
  return [rx, tx];
}

/** One stats object as the entry docker's collect() makes of it (Linux daemon). */
export function statsEntry(container: string, v: StatsJsonLike): StatsEntry {
  const mem = calculateMemUsageUnixNoCache(v.memory_stats);
  const limit = v.memory_stats?.limit ?? 0;
  const [rx, tx] = calculateNetwork(v.networks);
  const [br, bw] = calculateBlockIO(v.blkio_stats);
  return {
    container, name: v.name ?? '', id: v.id ?? '',
    cpuPercentage: calculateCpuPercentUnix(v.precpu_stats, v.cpu_stats),
    memory: mem, memoryLimit: limit, memoryPercentage: calculateMemPercentUnixNoCache(limit, mem),
    networkRx: rx, networkTx: tx, blockRead: br, blockWrite: bw, pidsCurrent: v.pids_stats?.current ?? 0, isInvalid: false,
  };
}

// ---- formatting ----

export const DEFAULT_STATS_TABLE = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';

export const STATS_HEADERS: Record<string, string> = {
  Container: 'CONTAINER', Name: 'NAME', ID: 'CONTAINER ID', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %', NetIO: 'NET I/O', BlockIO: 'BLOCK I/O', PIDs: 'PIDS',
};

const pct = (v: number) => `${formatFloat(v, 'f', 2)}%`;
const size3 = (v: number) => humanSizeWithPrecision(v, 3);

/** The statsContext a template sees; fields in Go's JSON order (sorted), so `json` prints as docker. */
export interface StatsRow { BlockIO: string; CPUPerc: string; Container: string; ID: string; MemPerc: string; MemUsage: string; Name: string; NetIO: string; PIDs: string }

export function statsRow(e: StatsEntry, trunc: boolean): StatsRow {
  const bad = e.isInvalid;
  return goStruct('*container.statsContext', {
    BlockIO: bad ? '--' : `${size3(e.blockRead)} / ${size3(e.blockWrite)}`,
    CPUPerc: bad ? '--' : pct(e.cpuPercentage),
    Container: e.container,
    ID: trunc ? truncateId(e.id) : e.id,
    MemPerc: bad ? '--' : pct(e.memoryPercentage),
    MemUsage: bad ? '-- / --' : `${bytesSize(e.memory)} / ${bytesSize(e.memoryLimit)}`,
    Name: e.name.length > 1 ? e.name.slice(1) : '--',
    NetIO: bad ? '--' : `${size3(e.networkRx)} / ${size3(e.networkTx)}`,
    PIDs: bad ? '--' : String(e.pidsCurrent),
  });
}

const ROW_FUNCS = {
  // A row is marshalled by its MarshalJSON (json.Marshal: HTML-escaped), anything else plainly.
  json: (v: unknown) => {
    try {
      return goJson(v === undefined ? null : v, { escapeHTML: typeof v === 'object' && v !== null && 'CPUPerc' in v });
    } catch {
      return '';
    }
  },
};

/** statsFormatWrite: the entries through a --format value ('table' is docker's default table). */
export function renderStats(format: string, entries: readonly StatsEntry[], trunc: boolean): string {
  return renderFormatted(format || 'table', entries.map((e) => statsRow(e, trunc)), STATS_HEADERS, { defaultTableFormat: DEFAULT_STATS_TABLE, funcs: ROW_FUNCS });
}

/**
 * What docker 28 writes for one redraw: cursor home and the table, then the table's lines again
 * each followed by " ESC[K" (erase to the end of line), then ESC[J (erase below).
 */
export function streamFrame(table: string): string {
  const buf = `\x1b[H${table}`;
  let out = buf;
  for (const line of buf.split('\n')) out += `${line} \x1b[K\n`;
  return `${out}\x1b[J`;
}

// ---- collecting ----

class Collector {
  entry: StatsEntry;
  err: unknown;
  private res?: IncomingMessage;
  private timer?: NodeJS.Timeout;
  private first = true;
  private closed = false;

  constructor(readonly container: string, private readonly onFirst: () => void) {
    this.entry = emptyEntry(container);
  }

  private firstDone(): void {
    if (this.first) {
      this.first = false;
      this.onFirst();
    }
  }

  private arm(): void {
    clearTimeout(this.timer);
    if (this.closed) return;
    this.timer = setTimeout(() => {
      // No update within 2 s: zeroed and shown as invalid.
      this.entry = { ...emptyEntry(this.container), name: this.entry.name, id: this.entry.id, isInvalid: true };
      this.err = new Error('timeout waiting for stats');
      this.firstDone();
      this.arm();
    }, 2000);
    this.timer.unref();
  }

  async run(ctx: CliContext, stream: boolean): Promise<void> {
    this.arm();
    try {
      this.res = await ctx.client.request('GET', `/containers/${encodeURIComponent(this.container)}/stats`, { query: { stream: stream ? '1' : '0' } });
    } catch (e) {
      this.err = e;
      this.entry.isInvalid = true;
      this.close();
      this.firstDone();
      return;
    }
    let buf = '';
    try {
      for await (const chunk of this.res) {
        buf += (chunk as Buffer).toString('utf8');
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i).trim();
          buf = buf.slice(i + 1);
          if (!line) continue;
          this.take(line);
          if (!stream) break;
        }
        if (!stream && !this.first) break;
      }
      if (buf.trim() && this.first) this.take(buf.trim());
      if (stream && !this.closed) {
        // The daemon ended the stream (the container is gone): docker shows the row as invalid.
        this.err = new Error('EOF');
        this.entry.isInvalid = true;
      }
    } catch (e) {
      if (!this.closed) {
        this.err = e;
        this.entry.isInvalid = true;
      }
    }
    this.close();
    this.firstDone();
  }

  private take(line: string): void {
    let v: StatsJsonLike;
    try {
      v = JSON.parse(line) as StatsJsonLike;
    } catch (e) {
      this.err = e;
      this.entry.isInvalid = true;
      return;
    }
    this.entry = statsEntry(this.container, v);
    this.err = undefined;
    this.arm();
    this.firstDone();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.res?.destroy();
  }
}

interface ContainerListItem { Id: string }

export const statsCmd: SpecCommand = {
  name: 'stats',
  usage: '[OPTIONS] [CONTAINER...]',
  description: 'Display a live stream of container(s) resource usage statistics',
  helpAliases: ['berth container stats', 'berth stats'],
  spec: {
    all: { type: 'bool', short: 'a', usage: 'Show all containers (default shows just running)' },
    format: {
      type: 'string',
      usage: LIST_FORMAT_USAGE,
    },
    'no-stream': { type: 'bool', usage: 'Disable streaming stats and only pull the first result' },
    'no-trunc': { type: 'bool', usage: 'Do not truncate output' },
  },
  async run(ctx, o, args) {
    await runStats(ctx, { noStream: Boolean(o['no-stream']), all: Boolean(o.all), noTrunc: Boolean(o['no-trunc']), format: o.format || 'table' }, args);
  },
};

/** container.StatsOptions: what `docker stats` and `docker compose stats` pass to RunStats. */
export interface StatsOptions {
  all: boolean;
  noStream: boolean;
  noTrunc: boolean;
  format: string;
  /** Filters (e.g. compose's project label) on the containers listed and followed without names. */
  filters?: Record<string, string[]>;
}

/** container.RunStats: the named containers, or (none named) the listed ones, followed by events. */
export async function runStats(ctx: CliContext, opts: StatsOptions, args: string[]): Promise<void> {
  const noStream = opts.noStream;
  const all = opts.all;
  const trunc = !opts.noTrunc;
  const format: string = opts.format || 'table';
  const showAll = args.length === 0;
  const collectors: Collector[] = [];
  let pending = 0;
  let release: () => void = () => {};
  const firstWave = new Promise<void>((r) => { release = r; });
  const add = (container: string) => {
    if (collectors.some((c) => c.container === container)) return;
    pending++;
    const c = new Collector(container, () => { if (--pending === 0) release(); });
    collectors.push(c);
    void c.run(ctx, !noStream);
  };
  const remove = (container: string) => {
    const i = collectors.findIndex((c) => c.container === container);
    if (i >= 0) collectors.splice(i, 1)[0]!.close();
  };

  let events: IncomingMessage | undefined;
  if (showAll) {
    if (!noStream) events = await watchEvents(ctx, all, add, remove, opts.filters);
    const list = await ctx.client.get<ContainerListItem[]>('/containers/json', { all, filters: opts.filters ? JSON.stringify(opts.filters) : undefined });
    for (const c of list) add(c.Id.slice(0, 12));
  } else {
    for (const name of args) add(name);
  }
  if (pending > 0) await firstWave;
  if (!showAll) {
    const errs = collectors.filter((c) => c.err).map((c) => errText(c.err));
    if (errs.length) {
      for (const c of collectors) c.close();
      throw new StatusError(errs.join('\n'), 1);
    }
  }
  const render = () => {
    try {
      return renderStats(format, collectors.map((c) => c.entry), trunc);
    } catch (e) {
      throw new StatusError(e instanceof FormatError ? e.message : (e as Error).message, 1);
    }
  };
  if (noStream) {
    for (const c of collectors) c.close();
    ctx.out.write(render());
    return;
  }
  try {
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      ctx.out.write(streamFrame(render()));
      if (collectors.length === 0 && !showAll) return;
    }
  } finally {
    events?.destroy();
    for (const c of collectors) c.close();
  }
}

/** docker stats without names follows container events: start (and create with -a) adds, die removes. */
async function watchEvents(ctx: CliContext, all: boolean, add: (c: string) => void, remove: (c: string) => void, filters?: Record<string, string[]>): Promise<IncomingMessage | undefined> {
  const wanted: Record<string, Record<string, boolean>> = { type: { container: true } };
  for (const [k, vs] of Object.entries(filters ?? {})) wanted[k] = { ...wanted[k], ...Object.fromEntries(vs.map((v) => [v, true])) };
  let res: IncomingMessage;
  try {
    res = await ctx.client.request('GET', '/events', { query: { filters: JSON.stringify(wanted) } });
  } catch {
    // A daemon without an event stream: the initial list is all there is.
    return undefined;
  }
  let buf = '';
  res.setEncoding('utf8');
  res.on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (!line) continue;
      let e: { Action?: string; status?: string; Actor?: { ID?: string }; id?: string };
      try { e = JSON.parse(line); } catch { continue; }
      const id = (e.Actor?.ID ?? e.id ?? '').slice(0, 12);
      const action = e.Action ?? e.status;
      if (!id) continue;
      if (action === 'start' || (all && action === 'create')) add(id);
      else if (action === 'die' && !all) remove(id);
    }
  });
  res.on('error', () => {});
  return res;
}
