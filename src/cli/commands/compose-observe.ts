// compose events / stats / volumes: the project's slice of `berth events`, `berth stats` and
// `berth volume ls`, selected by compose's project label and printed as docker compose v2 does.
import { ComposeError } from '../../compose/errors.js';
import { LABEL } from '../../compose/labels.js';
import { LIST_FORMAT_USAGE, type Command } from '../command.js';
import { StatusError } from '../context.js';
import { formatList } from '../format.js';
import { goJson } from '../template/index.js';
import { eachLine, eventStamp, wireTimeNano } from './events.js';
import { runStats } from './stats.js';
import { VOLUME_HEADERS, volumeFormat, volumeRow, type VolumeSummary } from './volume.js';
import { projectOrName } from './compose-project.js';

// ---- events

interface WireEvent {
  Type?: string; Action?: string; time?: number;
  Actor?: { ID?: string; Attributes?: Record<string, string> | null };
}

/** api.Event: one container event of the project, its compose labels left out of the attributes. */
export interface ComposeEvent {
  timeNano: bigint;
  service: string;
  container: string;
  action: string;
  attributes: Record<string, string>;
}

/** What compose keeps of a daemon event: container events of service (not one-off) containers, optionally of some services. */
export function composeEvent(w: WireEvent, timeNano: bigint, services: readonly string[] = []): ComposeEvent | null {
  if (w.Type !== 'container') return null;
  const attrs = w.Actor?.Attributes ?? {};
  if (attrs[LABEL.oneoff] === 'True') return null;
  const service = attrs[LABEL.service] ?? '';
  if (services.length && !services.includes(service)) return null;
  const attributes: Record<string, string> = {};
  for (const k of Object.keys(attrs).sort()) if (!k.startsWith('com.docker.compose.')) attributes[k] = attrs[k]!;
  return {
    timeNano: timeNano !== 0n ? timeNano : BigInt(w.time ?? 0) * 1_000_000_000n,
    service, container: w.Actor?.ID ?? '', action: w.Action ?? '', attributes,
  };
}

/** The wall clock of a nanosecond timestamp in a zone (minutes east of UTC; the local zone by default). */
function clock(ns: bigint, offsetMinutes?: number): { date: string; time: string; frac: string; zone: string } {
  let frac = ns % 1_000_000_000n;
  if (frac < 0n) frac += 1_000_000_000n;
  const ms = Number((ns - frac) / 1_000_000n);
  const off = offsetMinutes ?? -new Date(ms).getTimezoneOffset();
  const d = new Date(ms + off * 60_000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const zone = off === 0 ? 'Z' : `${off > 0 ? '+' : '-'}${p(Math.floor(Math.abs(off) / 60))}:${p(Math.abs(off) % 60)}`;
  return {
    date: `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}`,
    time: `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`,
    frac: String(frac).padStart(9, '0'),
    zone,
  };
}

/**
 * api.Event.String() as compose prints it with Println: `2006-01-02 15:04:05.000000 container
 * ACTION ID (k=v, …)`, then the newline String ends with and Println's, so a blank line follows.
 */
export function eventText(e: ComposeEvent, offsetMinutes?: number): string {
  const c = clock(e.timeNano, offsetMinutes);
  const attrs = Object.entries(e.attributes).map(([k, v]) => `${k}=${v}`).join(', ');
  return `${c.date} ${c.time}.${c.frac.slice(0, 6)} container ${e.action} ${e.container} (${attrs})\n\n`;
}

/** --json: json.Marshal of compose's map (keys sorted, HTML escaped), the time as Go's RFC 3339 with nanoseconds. */
export function eventJson(e: ComposeEvent, offsetMinutes?: number): string {
  const c = clock(e.timeNano, offsetMinutes);
  const frac = c.frac.replace(/0+$/, '');
  const time = `${c.date}T${c.time}${frac ? `.${frac}` : ''}${c.zone}`;
  return goJson({ action: e.action, attributes: e.attributes, id: e.container, service: e.service, time, type: 'container' }) + '\n';
}

const eventsCmd: Command = {
  name: 'events',
  usage: '[OPTIONS] [SERVICE...]',
  description: 'Receive real time events from containers',
  flags: [
    { name: 'json', type: 'bool', usage: 'Output events as a stream of json objects' },
    { name: 'since', type: 'string', usage: 'Show all events created since timestamp', valueName: 'string' },
    { name: 'until', type: 'string', usage: 'Stream events until this timestamp', valueName: 'string' },
  ],
  async run(ctx, o, services) {
    const project = projectOrName(ctx, o);
    const stamp = eventStamp(new Date());
    const res = await ctx.client.request('GET', '/events', {
      query: { since: stamp(o.since), until: stamp(o.until), filters: JSON.stringify({ label: { [`${LABEL.project}=${project.name}`]: true } }) },
    });
    const print = (line: string) => {
      if (!line.trim()) return;
      const e = composeEvent(JSON.parse(line) as WireEvent, wireTimeNano(line), services);
      if (e) ctx.out.write(o.json ? eventJson(e) : eventText(e));
    };
    await eachLine(ctx, res, print);
  },
};

/** Calls `f` for each line of a stream until it ends (until, or the daemon going away). */

// ---- stats

const statsCmd: Command = {
  name: 'stats',
  usage: '[OPTIONS] [SERVICE]',
  description: 'Display a live stream of container(s) resource usage statistics',
  flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Show all containers (default shows just running)' },
    { name: 'format', type: 'string', usage: LIST_FORMAT_USAGE, valueName: 'string' },
    { name: 'no-stream', type: 'bool', usage: 'Disable streaming stats and only pull the first result' },
    { name: 'no-trunc', type: 'bool', usage: 'Do not truncate output' },
  ],
  async run(ctx, o, args) {
    // cobra.MaximumNArgs(1)'s text.
    if (args.length > 1) throw new StatusError(`accepts at most 1 arg(s), received ${args.length}`, 1);
    const project = projectOrName(ctx, o);
    // docker stats without names, its list and event stream narrowed to the project (and service).
    const label = [`${LABEL.project}=${project.name}`, ...args.map((s) => `${LABEL.service}=${s}`)];
    await runStats(ctx, { all: Boolean(o.all), noStream: Boolean(o['no-stream']), noTrunc: Boolean(o['no-trunc']), format: o.format || '', filters: { label } }, []);
  },
};

// ---- volumes

interface MountedSummary { Labels: Record<string, string>; Mounts?: Array<{ Name?: string }> | null }

/** The project's volumes (by label), or, for services, those their running containers mount. */
export function serviceVolumes(volumes: VolumeSummary[], containers: MountedSummary[], services: readonly string[]): VolumeSummary[] {
  if (!services.length) return volumes;
  const used = new Set(containers.filter((c) => services.includes(c.Labels[LABEL.service] ?? '')).flatMap((c) => (c.Mounts ?? []).map((m) => m.Name ?? '')));
  return volumes.filter((v) => used.has(v.Name));
}

const volumesCmd: Command = {
  name: 'volumes',
  usage: '[OPTIONS] [SERVICE...]',
  description: 'List volumes',
  flags: [
    { name: 'format', type: 'string', usage: LIST_FORMAT_USAGE, valueName: 'string', default: 'table' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Only display volume names' },
  ],
  async run(ctx, o, services) {
    const project = projectOrName(ctx, o);
    // Only a loaded model can tell an unknown service (a name alone has no services).
    if (project.configFiles.length) {
      for (const s of services) if (!project.services[s]) throw new ComposeError('NotFound', `no such service: ${s}`);
    }
    const filters = JSON.stringify({ label: [`${LABEL.project}=${project.name}`] });
    const [containers, volumes] = await Promise.all([
      ctx.client.get<MountedSummary[]>('/containers/json', { filters }),
      ctx.client.get<{ Volumes: VolumeSummary[] | null }>('/volumes', { filters }).then((r) => r?.Volumes ?? []),
    ]);
    const list = serviceVolumes(volumes, containers, services);
    if (o.quiet) {
      for (const v of list) ctx.print(v.Name);
      return;
    }
    // formatter.VolumeWrite in the daemon's order (compose does not sort, unlike `volume ls`).
    ctx.out.write(formatList(volumeFormat(o.format || 'table', false), list.map(volumeRow), VOLUME_HEADERS, volumeFormat('table', false)));
  },
};

export function composeObserveCommands(): Command[] {
  return [eventsCmd, statsCmd, volumesCmd];
}
