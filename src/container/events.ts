// The engine's event record, as moby's daemon/events: every action is kept in a bounded in-memory
// window (the last 256, moby's eventsLimit) and pushed to live subscribers; `GET /events` replays
// the window for since/until and then streams, through moby's event filter (daemon/events/filter.go).
import { nowNs } from '../common/time.js';
import { invalidParameter } from '../common/errors.js';
import { parseTimestamps, type Filters } from '../common/filters.js';
import { familiarName, parseNormalizedNamed } from '../image/reference.js';

export type EventType = 'container' | 'image' | 'network' | 'volume' | 'daemon' | 'plugin' | 'service' | 'node' | 'secret' | 'config';

/** events.Message, fields in Go's order (the wire order). Attributes are sorted by key, as Go marshals a map. */
export interface EngineEvent {
  // Pre-1.22 fields Docker still sends for container and image events.
  status?: string;
  id?: string;
  from?: string;
  Type: EventType;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  /** Nanoseconds since the epoch, as a double (it loses the last digits): `nanosOf(e)` is exact. */
  timeNano: number;
}

export type EventListener = (e: EngineEvent) => void;

/** moby's eventsLimit: the window `--since`/`--until` can replay. */
export const EVENTS_WINDOW = 256;

const exactNs = new WeakMap<EngineEvent, bigint>();

/** The event's time in exact nanoseconds. */
export function nanosOf(e: EngineEvent): bigint {
  return exactNs.get(e) ?? BigInt(e.timeNano);
}

export interface StreamOptions {
  /** Replay recorded events from this time (ns); with neither bound nothing is replayed. */
  sinceNs?: bigint;
  /** Replay recorded events up to this time (ns). */
  untilNs?: bigint;
  filters?: Filters;
}

export class EventLog {
  private readonly events: EngineEvent[] = [];
  private readonly listeners = new Set<EventListener>();
  private apiStreams = 0;

  emit(type: EventType, action: string, id: string, attributes: Record<string, string> = {}): EngineEvent {
    const now = nowNs();
    const attrs: Record<string, string> = {};
    for (const k of Object.keys(attributes).sort()) attrs[k] = attributes[k];
    const e = {} as EngineEvent;
    // moby's Log fills the deprecated fields for containers and images (omitempty on the wire).
    if (type === 'container' || type === 'image') {
      e.status = action;
      if (id) e.id = id;
      if (type === 'container' && attrs.image) e.from = attrs.image;
    }
    Object.assign(e, {
      Type: type, Action: action, Actor: { ID: id, Attributes: attrs }, scope: 'local',
      time: Number(now / 1_000_000_000n), timeNano: Number(now),
    });
    exactNs.set(e, now);
    this.events.push(e);
    if (this.events.length > EVENTS_WINDOW) this.events.splice(0, this.events.length - EVENTS_WINDOW);
    for (const l of [...this.listeners]) {
      try { l(e); } catch { /* a listener's failure is its own */ }
    }
    return e;
  }

  /** Recorded events with sinceNs ≤ time ≤ untilNs. */
  history(sinceNs: bigint | number = 0, untilNs?: bigint | number): EngineEvent[] {
    const since = BigInt(sinceNs);
    const until = untilNs === undefined ? undefined : BigInt(untilNs);
    return this.events.filter((e) => nanosOf(e) >= since && (until === undefined || nanosOf(e) <= until));
  }

  /** An internal subscriber (not counted as an API listener). */
  subscribe(l: EventListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /**
   * An API event stream (moby's SubscribeTopic): the recorded events the bounds select (none
   * without bounds), then every new event the filters include, delivered to `l`. Taken in one
   * step, so no event is lost or repeated between the two.
   */
  stream(opts: StreamOptions, l: EventListener): { buffered: EngineEvent[]; close: () => void } {
    const f = opts.filters && opts.filters.len() > 0 ? opts.filters : undefined;
    const include = (e: EngineEvent) => !f || eventMatches(f, e);
    const buffered = this.replay(opts.sinceNs, opts.untilNs, include);
    const live: EventListener = (e) => { if (include(e)) l(e); };
    this.listeners.add(live);
    this.apiStreams++;
    let open = true;
    return {
      buffered,
      close: () => {
        if (!open) return;
        open = false;
        this.listeners.delete(live);
        this.apiStreams--;
      },
    };
  }

  /** Open API event streams (`NEventsListener` in /info). */
  get streamCount(): number {
    return this.apiStreams;
  }

  /** moby's loadBufferedEvents. */
  private replay(sinceNs: bigint | undefined, untilNs: bigint | undefined, include: (e: EngineEvent) => boolean): EngineEvent[] {
    if (sinceNs === undefined && untilNs === undefined) return [];
    const since = sinceNs ?? 0n;
    const out: EngineEvent[] = [];
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i];
      const t = nanosOf(e);
      if (t < since) break;
      if (untilNs !== undefined && untilNs > 0n && t > untilNs) continue;
      if (include(e)) out.push(e);
    }
    return out.reverse();
  }
}

// ---- filtering (moby daemon/events/filter.go) ----------------------------------------------

const FUZZY_EVENTS = new Set(['health_status', 'exec_create', 'exec_start']);

/** Filter.Include: whether `f` (the `filters` of GET /events) lets the event through. */
export function eventMatches(f: Filters, e: EngineEvent): boolean {
  return matchAction(f, e)
    && f.exactMatch('type', e.Type)
    && (!f.contains('scope') || f.exactMatch('scope', e.scope))
    && fuzzyMatchName(f, e, 'daemon')
    && fuzzyMatchName(f, e, 'container')
    && fuzzyMatchName(f, e, 'plugin')
    && fuzzyMatchName(f, e, 'volume')
    && fuzzyMatchName(f, e, 'network')
    && matchImage(f, e)
    && fuzzyMatchName(f, e, 'node')
    && fuzzyMatchName(f, e, 'service')
    && fuzzyMatchName(f, e, 'secret')
    && fuzzyMatchName(f, e, 'config')
    && (!f.contains('label') || f.matchKVList('label', e.Actor.Attributes));
}

/** `event=health_status` (or exec_create / exec_start) also matches `health_status: healthy` etc. */
function matchAction(f: Filters, e: EngineEvent): boolean {
  if (f.get('event').some((v) => FUZZY_EVENTS.has(v))) return f.fuzzyMatch('event', e.Action);
  return f.exactMatch('event', e.Action);
}

/** An id or name prefix, through the actor's id or its `name` attribute (whatever the event's type). */
function fuzzyMatchName(f: Filters, e: EngineEvent, key: string): boolean {
  return f.fuzzyMatch(key, e.Actor.ID) || f.fuzzyMatch(key, e.Actor.Attributes.name ?? '');
}

/** The image id, or the image's name (the `image` attribute of container events), with or without the tag. */
function matchImage(f: Filters, e: EngineEvent): boolean {
  const id = e.Actor.ID;
  const name = e.Actor.Attributes[e.Type === 'image' ? 'name' : 'image'] ?? '';
  return f.exactMatch('image', id) || f.exactMatch('image', name)
    || f.exactMatch('image', stripTag(id)) || f.exactMatch('image', stripTag(name));
}

function stripTag(image: string): string {
  try {
    return familiarName(parseNormalizedNamed(image));
  } catch {
    return image;
  }
}

// ---- the wire ------------------------------------------------------------------------------

/**
 * The `since`/`until` of GET /events (moby's eventTime over timetypes.ParseTimestamps): unix
 * seconds with an optional fraction, as the docker CLI sends them; '' (and moby's -1 sentinel)
 * is no bound. Other forms are refused with strconv's text, as dockerd does.
 */
export function eventTimeNs(value: string | null | undefined): bigint | undefined {
  if (!value) return undefined;
  const { seconds, nanos } = parseTimestamps(value, -1);
  if (seconds === -1) return undefined;
  return BigInt(seconds) * 1_000_000_000n + BigInt(Math.trunc(nanos));
}

/** The 400 dockerd answers when until is before since. */
export function checkEventBounds(sinceNs: bigint | undefined, untilNs: bigint | undefined, rawSince: string, rawUntil: string): void {
  if (untilNs !== undefined && sinceNs !== undefined && untilNs < sinceNs) {
    throw invalidParameter(`\`since\` time (${rawSince}) cannot be after \`until\` time (${rawUntil})`);
  }
}

/** One event as dockerd's json.Encoder writes it: exact timeNano, HTML-safe escapes, a newline. */
export function eventJson(e: EngineEvent): string {
  const text = JSON.stringify({ ...e, timeNano: 0 }).replace(/"timeNano":0}$/, `"timeNano":${nanosOf(e)}}`);
  return goEscape(text) + '\n';
}

/** Go's encoder escapes <, >, & and U+2028/U+2029 that JSON.stringify leaves as they are. */
function goEscape(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}
