// `events` / `system events` (docker/cli cli/command/system/events.go): --since/--until are turned
// into unix timestamps here, as the docker client does (timetypes.GetTimestamp); the stream is
// printed as it arrives, one line per event, until the daemon ends it (until) or forever.
import { StringDecoder } from 'node:string_decoder';
import { BAD_FILTER_FORMAT, encodeFilters, getTimestamp, parseFilterFlag, Filters } from '../../common/filters.js';
import { StatusError, type CliContext } from '../context.js';
import type { SpecCommand } from '../container/spec-command.js';
import { compileTemplate, goStruct, type Template } from '../template/index.js';

interface WireEvent {
  status?: string; id?: string; from?: string; Type?: string; Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> | null };
  scope?: string; time?: number; timeNano?: number;
}

/** events.Message as a template sees it (Go field names), marshalled by `json` with the wire's tags. */
export function eventMessage(w: WireEvent, timeNano: bigint, typeName = 'events.Message'): object {
  const attrs = w.Actor?.Attributes ?? null;
  const sorted = attrs === null ? null : Object.fromEntries(Object.keys(attrs).sort().map((k) => [k, attrs[k]]));
  const actor = goStruct('events.Actor', { ID: w.Actor?.ID ?? '', Attributes: sorted });
  const m = goStruct(typeName, {
    Status: w.status ?? '', ID: w.id ?? '', From: w.from ?? '', Type: w.Type ?? '', Action: w.Action ?? '',
    Actor: actor, Scope: w.scope ?? '', Time: w.time ?? 0, TimeNano: timeNano,
  });
  Object.defineProperty(m, 'toJSON', {
    enumerable: false,
    value: () => {
      const out: Record<string, unknown> = {};
      if (m.Status) out.status = m.Status;
      if (m.ID) out.id = m.ID;
      if (m.From) out.from = m.From;
      out.Type = m.Type;
      out.Action = m.Action;
      out.Actor = { ID: actor.ID, Attributes: actor.Attributes };
      if (m.Scope) out.scope = m.Scope;
      if (m.Time) out.time = m.Time;
      if (m.TimeNano) out.timeNano = m.TimeNano;
      return out;
    },
  });
  return m;
}

/** Go's `2006-01-02T15:04:05.000000000Z07:00` in the local zone (rfc3339NanoFixed). */
export function formatEventTime(ns: bigint, offsetMinutes?: number): string {
  const ms = Number(ns / 1_000_000n);
  const off = offsetMinutes ?? -new Date(ms).getTimezoneOffset();
  const d = new Date(ms + off * 60_000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  let frac = ns % 1_000_000_000n;
  if (frac < 0n) frac += 1_000_000_000n;
  const zone = off === 0 ? 'Z' : `${off > 0 ? '+' : '-'}${p(Math.floor(Math.abs(off) / 60))}:${p(Math.abs(off) % 60)}`;
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${String(frac).padStart(9, '0')}${zone}`;
}

/** docker's default line: `TIME TYPE ACTION ID (k=v, …)`, attributes sorted by key. */
export function prettyEvent(w: WireEvent, timeNano: bigint): string {
  let line = '';
  if (timeNano !== 0n) line += formatEventTime(timeNano) + ' ';
  else if (w.time) line += formatEventTime(BigInt(w.time) * 1_000_000_000n) + ' ';
  line += `${w.Type ?? ''} ${w.Action ?? ''} ${w.Actor?.ID ?? ''}`;
  const attrs = w.Actor?.Attributes ?? {};
  const keys = Object.keys(attrs).sort();
  if (keys.length) line += ` (${keys.map((k) => `${k}=${attrs[k]}`).join(', ')})`;
  return line + '\n';
}

/** The exact timeNano of a wire line (JSON.parse would round it to a double). */
export function wireTimeNano(line: string): bigint {
  const i = line.lastIndexOf('"timeNano":');
  if (i < 0) return 0n;
  const m = /^-?\d+/.exec(line.slice(i + 11));
  return m ? BigInt(m[0]) : 0n;
}

/** makeTemplate: '' → none, `json` → `{{json .}}`; checked on an empty message as docker does. */
export function eventTemplate(format: string): Template | undefined {
  if (!format) return undefined;
  const src = format === 'json' ? '{{json .}}' : format;
  try {
    const t = compileTemplate(src);
    // Go's empty message has a nil Attributes map, which templates index without error.
    t.execute(eventMessage({ Actor: { Attributes: {} } }, 0n, '*events.Message'));
    return t;
  } catch (e) {
    throw new StatusError(`Error parsing format: ${(e as Error).message}`, 64);
  }
}

const validateFilter = (v: string) => {
  if (v !== '' && !v.includes('=')) throw new Error(BAD_FILTER_FORMAT);
};

export const eventsCmd: SpecCommand = {
  name: 'events',
  usage: '[OPTIONS]',
  description: 'Get real time events from the server',
  args: {},
  helpAliases: ['berth system events', 'berth events'],
  spec: {
    filter: { type: 'stringArray', short: 'f', typeName: 'filter', usage: 'Filter output based on conditions provided', validate: validateFilter },
    format: {
      type: 'string',
      usage: "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates",
    },
    since: { type: 'string', usage: 'Show all events created since timestamp' },
    until: { type: 'string', usage: 'Stream events until this timestamp' },
  },
  async run(ctx, o) {
    const tmpl = eventTemplate(o.format ?? '');
    const stamp = eventStamp(new Date());
    let filters = new Filters();
    for (const v of o.filter ?? []) filters = parseFilterFlag(v, filters);
    const res = await ctx.client.request('GET', '/events', {
      query: { since: stamp(o.since), until: stamp(o.until), filters: filters.len() ? encodeFilters(filters) : undefined },
    });
    await printEvents(ctx, res, tmpl);
  },
};

async function printEvents(ctx: CliContext, res: AsyncIterable<unknown>, tmpl: Template | undefined): Promise<void> {
  await eachLine(ctx, res, (line) => {
    if (!line.trim()) return;
    const w = JSON.parse(line) as WireEvent;
    const ns = wireTimeNano(line);
    ctx.out.write(tmpl ? tmpl.execute(eventMessage(w, ns)) + '\n' : prettyEvent(w, ns));
  });
}

/** --since/--until as the events API takes them (getTimestamp), relative to `now`; exit 1 on a bad value. */
export function eventStamp(now: Date): (v: string | undefined) => string | undefined {
  return (v) => {
    if (!v) return undefined;
    try {
      return getTimestamp(v, now);
    } catch (e) {
      throw new StatusError((e as Error).message, 1);
    }
  };
}

/** Calls `f` with each line of a JSON-lines stream (the last one may be empty), as it arrives. */
export async function eachLine(ctx: CliContext, res: AsyncIterable<unknown>, f: (line: string) => void): Promise<void> {
  // A reader that went away (`| head`) ends the command, as it ends docker's.
  ctx.out.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); });
  const dec = new StringDecoder('utf8');
  let buf = '';
  try {
    for await (const chunk of res) {
      buf += dec.write(chunk as Buffer);
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        f(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    }
  } catch (e) {
    // The daemon went away mid-stream (docker's decoder reports the cut the same way).
    if ((e as NodeJS.ErrnoException).code === 'ECONNRESET' || (e as Error).message === 'aborted') throw new StatusError('unexpected EOF', 1);
    throw e;
  }
  f(buf + dec.end());
}
