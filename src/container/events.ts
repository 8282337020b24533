// The engine's event record: every container action is kept (a bounded in-memory window, as
// Docker keeps) and pushed to live subscribers; the `events` command reads it.
import { nowNs } from '../common/time.js';

export interface EngineEvent {
  Type: 'container' | 'image' | 'network' | 'volume' | 'daemon';
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
  // Pre-1.22 clients read these; Docker still sends them for containers.
  status?: string;
  id?: string;
  from?: string;
}

export type EventListener = (e: EngineEvent) => void;

const WINDOW = 1024;

export class EventLog {
  private readonly events: EngineEvent[] = [];
  private readonly listeners = new Set<EventListener>();

  emit(type: EngineEvent['Type'], action: string, id: string, attributes: Record<string, string> = {}): EngineEvent {
    const now = nowNs();
    const e: EngineEvent = {
      Type: type, Action: action, Actor: { ID: id, Attributes: attributes }, scope: 'local',
      time: Number(now / 1_000_000_000n), timeNano: Number(now),
    };
    if (type === 'container') {
      e.status = action; e.id = id;
      if (attributes.image) e.from = attributes.image;
    }
    this.events.push(e);
    if (this.events.length > WINDOW) this.events.splice(0, this.events.length - WINDOW);
    for (const l of this.listeners) l(e);
    return e;
  }

  /** Recorded events with sinceNs ≤ timeNano ≤ untilNs. */
  history(sinceNs = 0, untilNs = Number.MAX_SAFE_INTEGER): EngineEvent[] {
    return this.events.filter((e) => e.timeNano >= sinceNs && e.timeNano <= untilNs);
  }

  subscribe(l: EventListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
