// GET /events: moby's getEvents. Recorded events for since/until first, then (unless until is
// already past) live events as newline-delimited JSON, each written as it happens, until the
// client goes away or until's time comes.
import { parseFilters } from '../../common/filters.js';
import { nowNs } from '../../common/time.js';
import { checkEventBounds, eventJson, eventTimeNs, type EventLog } from '../../container/events.js';
import { HANDLED } from '../http.js';
import type { Router } from '../router.js';

/** A client that stops reading is cut off rather than buffered without bound (moby drops them too). */
const MAX_BACKLOG = 16 << 20;
/** setTimeout's limit; a later until is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function eventRoutes(r: Router, events: EventLog): void {
  r.get('/events', (c) => {
    const rawSince = c.query.get('since') ?? '';
    const rawUntil = c.query.get('until') ?? '';
    const sinceNs = eventTimeNs(rawSince);
    const untilNs = eventTimeNs(rawUntil);
    checkEventBounds(sinceNs, untilNs, rawSince, rawUntil);
    const filters = parseFilters(c.query.get('filters'));
    const onlyPast = untilNs !== undefined && untilNs < nowNs();

    const res = c.res;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    let timer: NodeJS.Timeout | undefined;
    const write = (line: string) => {
      if (res.writableEnded || res.destroyed) return;
      res.write(line);
      if (res.writableLength > MAX_BACKLOG) res.destroy();
    };
    const sub = events.stream({ sinceNs, untilNs, filters }, (e) => write(eventJson(e)));
    const finish = () => {
      sub.close();
      if (timer) clearTimeout(timer);
      if (!res.writableEnded) res.end();
    };
    res.on('close', finish);
    for (const e of sub.buffered) write(eventJson(e));
    if (onlyPast) {
      finish();
      return HANDLED;
    }
    if (untilNs !== undefined) {
      const arm = () => {
        const ms = Number((untilNs - nowNs()) / 1_000_000n);
        if (ms <= 0) { finish(); return; }
        timer = setTimeout(arm, Math.min(ms + 1, MAX_TIMER_MS));
      };
      arm();
    }
    return HANDLED;
  });
}
