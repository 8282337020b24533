// The event log and its filters (moby daemon/events: filter.go, events.go loadBufferedEvents), the
// since/until parsing of GET /events, the wire JSON, and the CLI's event printing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '../../src/common/errors.js';
import { Filters, parseFilterFlag } from '../../src/common/filters.js';
import {
  EVENTS_WINDOW, EventLog, checkEventBounds, eventJson, eventMatches, eventTimeNs, nanosOf, type EngineEvent,
} from '../../src/container/events.js';
import { eventMessage, eventTemplate, formatEventTime, prettyEvent, wireTimeNano } from '../../src/cli/commands/events.js';
import { StatusError } from '../../src/cli/context.js';

const f = (...specs: string[]) => specs.reduce((acc, s) => parseFilterFlag(s, acc), new Filters());

function ev(type: EngineEvent['Type'], action: string, id: string, attrs: Record<string, string> = {}): EngineEvent {
  return new EventLog().emit(type, action, id, attrs);
}

const CID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
const IMG = 'sha256:c7e4d88820cad4f0066c2925cd73c906b5bcf5f67860f68ea37a90d4309430a7';

describe('eventMatches (Filter.Include)', () => {
  const start = ev('container', 'start', CID, { image: 'busybox', name: 'web', tier: 'front' });
  const tag = ev('image', 'tag', IMG, { name: 'myrepo/app:1.0', maintainer: 'x' });
  const health = ev('container', 'health_status: healthy', CID, { image: 'busybox', name: 'web' });

  it('lets everything through without filters', () => {
    assert.ok(eventMatches(new Filters(), start));
    assert.ok(eventMatches(new Filters(), tag));
  });

  it('type is an exact match', () => {
    assert.ok(eventMatches(f('type=container'), start));
    assert.ok(!eventMatches(f('type=container'), tag));
    assert.ok(eventMatches(f('type=container', 'type=image'), tag));
    assert.ok(!eventMatches(f('type=contain'), start));
  });

  it('container matches a prefix of the id or of the name, and excludes other actors', () => {
    assert.ok(eventMatches(f(`container=${CID}`), start));
    assert.ok(eventMatches(f('container=a1b2c3'), start));
    assert.ok(eventMatches(f('container=web'), start));
    assert.ok(eventMatches(f('container=we'), start));
    assert.ok(!eventMatches(f('container=other'), start));
    // An image event has no container: its id and name do not start with the value.
    assert.ok(!eventMatches(f('container=web'), tag));
  });

  it('event is exact, except health_status/exec_create/exec_start which match as prefixes', () => {
    assert.ok(eventMatches(f('event=start'), start));
    assert.ok(!eventMatches(f('event=star'), start));
    assert.ok(eventMatches(f('event=health_status'), health));
    assert.ok(!eventMatches(f('event=health_status: unhealthy'), health));
    assert.ok(eventMatches(f('event=die', 'event=start'), start));
  });

  it('image matches an image event by id or name, a container event by its image, with or without the tag', () => {
    assert.ok(eventMatches(f(`image=${IMG}`), tag));
    assert.ok(eventMatches(f('image=myrepo/app:1.0'), tag));
    assert.ok(eventMatches(f('image=myrepo/app'), tag));
    assert.ok(eventMatches(f('image=docker.io/myrepo/app:1.0'), tag) === false);
    assert.ok(eventMatches(f('image=busybox'), start));
    // The container was created from "busybox": its tag-less name never equals "busybox:latest".
    assert.ok(!eventMatches(f('image=busybox:latest'), start));
    assert.ok(!eventMatches(f('image=alpine'), start));
  });

  it('label takes a key or key=value, all of them must hold', () => {
    assert.ok(eventMatches(f('label=tier'), start));
    assert.ok(eventMatches(f('label=tier=front'), start));
    assert.ok(!eventMatches(f('label=tier=back'), start));
    assert.ok(!eventMatches(f('label=tier', 'label=zone'), start));
    assert.ok(eventMatches(f('label=maintainer=x'), tag));
  });

  it('scope is exact; daemon matches by id or name prefix; unknown keys are ignored (as dockerd)', () => {
    assert.ok(eventMatches(f('scope=local'), start));
    assert.ok(!eventMatches(f('scope=swarm'), start));
    assert.ok(!eventMatches(f('daemon=xyz'), start));
    assert.ok(eventMatches(f('daemon=xyz'), ev('daemon', 'reload', 'XYZ1', { name: 'xyzhost' })));
    assert.ok(eventMatches(f('foo=bar'), start));
  });
});

describe('EventLog', () => {
  it('records the deprecated status/id/from for containers and images, sorted attributes, exact ns', () => {
    const log = new EventLog();
    const e = log.emit('container', 'create', CID, { name: 'x', image: 'busybox', a: '1' });
    assert.deepEqual(Object.keys(e), ['status', 'id', 'from', 'Type', 'Action', 'Actor', 'scope', 'time', 'timeNano']);
    assert.deepEqual(Object.keys(e.Actor.Attributes), ['a', 'image', 'name']);
    assert.equal(e.from, 'busybox');
    assert.equal(nanosOf(e) / 1_000_000_000n, BigInt(e.time));
    const i = log.emit('image', 'prune', '', { reclaimed: '0' });
    assert.deepEqual(Object.keys(i), ['status', 'Type', 'Action', 'Actor', 'scope', 'time', 'timeNano']);
    const n = log.emit('network', 'create', 'n1');
    assert.equal(n.status, undefined);
  });

  it('replays nothing without since/until, and the window between them otherwise', () => {
    const log = new EventLog();
    const a = log.emit('container', 'create', 'c1');
    const b = log.emit('container', 'start', 'c1');
    const c = log.emit('container', 'die', 'c1');
    const open = (since?: bigint, until?: bigint, filters?: Filters) => {
      const s = log.stream({ sinceNs: since, untilNs: until, filters }, () => {});
      s.close();
      return s.buffered.map((e) => e.Action);
    };
    assert.deepEqual(open(), []);
    assert.deepEqual(open(0n), ['create', 'start', 'die']);
    assert.deepEqual(open(nanosOf(b)), ['start', 'die']);
    assert.deepEqual(open(undefined, nanosOf(b)), ['create', 'start']);
    assert.deepEqual(open(nanosOf(a), nanosOf(a)), ['create']);
    assert.deepEqual(open(nanosOf(c) + 1n), []);
    assert.deepEqual(open(0n, undefined, f('event=die')), ['die']);
  });

  it('streams later events through the filters until closed, and counts open streams', () => {
    const log = new EventLog();
    const seen: string[] = [];
    const s = log.stream({ filters: f('container=web') }, (e) => seen.push(e.Action));
    assert.equal(log.streamCount, 1);
    log.emit('container', 'create', 'c1', { name: 'web' });
    log.emit('container', 'create', 'c2', { name: 'db' });
    log.emit('container', 'start', 'c1', { name: 'web' });
    s.close();
    s.close();
    assert.equal(log.streamCount, 0);
    log.emit('container', 'die', 'c1', { name: 'web' });
    assert.deepEqual(seen, ['create', 'start']);
  });

  it('keeps the last 256 events, as moby', () => {
    const log = new EventLog();
    for (let i = 0; i < EVENTS_WINDOW + 10; i++) log.emit('container', 'create', `c${i}`);
    const h = log.history();
    assert.equal(h.length, EVENTS_WINDOW);
    assert.equal(h[0].Actor.ID, 'c10');
  });
});

describe('GET /events since/until', () => {
  it('parses unix seconds with an optional fraction to exact nanoseconds', () => {
    assert.equal(eventTimeNs(''), undefined);
    assert.equal(eventTimeNs(null), undefined);
    assert.equal(eventTimeNs('1795688112'), 1795688112000000000n);
    assert.equal(eventTimeNs('1795688112.835928125'), 1795688112835928125n);
    assert.equal(eventTimeNs('1795688112.5'), 1795688112500000000n);
    // moby's -1 sentinel means "no bound".
    assert.equal(eventTimeNs('-1'), undefined);
  });

  it('refuses other forms with strconv\'s text', () => {
    for (const [v, msg] of [['abc', 'strconv.ParseInt: parsing "abc": invalid syntax'], ['2026-11-26T10:00:00Z', 'strconv.ParseInt: parsing "2026-11-26T10:00:00Z": invalid syntax'], ['5.x', 'strconv.ParseInt: parsing "x": invalid syntax']]) {
      assert.throws(() => eventTimeNs(v), (e: unknown) => isBerthError(e, 'InvalidParameter') && (e as Error).message === msg);
    }
  });

  it('until before since is a 400 with the raw values', () => {
    assert.throws(() => checkEventBounds(5_000_000_000n, 1_000_000_000n, '5', '1'),
      (e: unknown) => isBerthError(e, 'InvalidParameter') && (e as Error).message === '`since` time (5) cannot be after `until` time (1)');
    checkEventBounds(undefined, 1n, '', '0.000000001');
    checkEventBounds(1n, 1n, '', '');
  });
});

describe('event wire JSON and the CLI', () => {
  const log = new EventLog();
  const e = log.emit('container', 'start', CID, { name: 'web', image: 'busybox', note: 'a<b&c' });
  const line = eventJson(e);

  it('is dockerd\'s encoding: field order, exact timeNano, HTML-safe escapes, one line', () => {
    assert.ok(line.endsWith('}\n'));
    assert.equal(line.indexOf('\n'), line.length - 1);
    assert.match(line, /^\{"status":"start","id":"[0-9a-f]{64}","from":"busybox","Type":"container","Action":"start","Actor":\{"ID":"[0-9a-f]{64}","Attributes":\{"image":"busybox","name":"web","note":"a\\u003cb\\u0026c"\}\},"scope":"local","time":\d+,"timeNano":\d+\}\n$/);
    assert.equal(wireTimeNano(line), nanosOf(e));
    assert.equal(JSON.parse(line).Actor.Attributes.note, 'a<b&c');
  });

  it('prints docker\'s default line with attributes sorted by key', () => {
    const w = JSON.parse(line);
    const t = formatEventTime(nanosOf(e), 0);
    assert.match(t, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    assert.equal(prettyEvent(w, nanosOf(e)).replace(/^\S+ /, ''), `container start ${CID} (image=busybox, name=web, note=a<b&c)\n`);
  });

  it('formats times as Go\'s fixed RFC 3339 with nanoseconds, in the given zone', () => {
    const ns = 1795687200000000000n + 123456789n; // 2026-11-26T10:00:00.123456789Z
    assert.equal(formatEventTime(ns, 0), '2026-11-26T10:00:00.123456789Z');
    assert.equal(formatEventTime(ns, 60), '2026-11-26T11:00:00.123456789+01:00');
    assert.equal(formatEventTime(ns, -330), '2026-11-26T04:30:00.123456789-05:30');
    assert.equal(formatEventTime(1795687200000000000n, 0), '2026-11-26T10:00:00.000000000Z');
  });

  it('--format json / {{json .}} gives the wire fields in Go order; templates see Go field names', () => {
    const w = JSON.parse(line);
    const t = eventTemplate('json')!;
    const out = t.execute(eventMessage(w, nanosOf(e)));
    // docker's json template function does not escape HTML.
    assert.equal(out, line.trimEnd().replace('a\\u003cb\\u0026c', 'a<b&c'));
    const t2 = eventTemplate('{{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{.TimeNano}} {{.Status}}')!;
    assert.equal(t2.execute(eventMessage(w, nanosOf(e))), `container start web ${nanosOf(e)} start`);
    assert.equal(eventTemplate(''), undefined);
  });

  it('a bad --format is "Error parsing format", exit status 64', () => {
    assert.throws(() => eventTemplate('{{.Foo}}'), (err: unknown) => err instanceof StatusError && err.status === 64
      && err.message === 'Error parsing format: template: :1:2: executing "" at <.Foo>: can\'t evaluate field Foo in type *events.Message');
    assert.throws(() => eventTemplate('{{'), (err: unknown) => err instanceof StatusError && err.status === 64 && err.message.startsWith('Error parsing format: template: :1: '));
    // A missing attribute is fine (Go indexes a nil map without error).
    assert.ok(eventTemplate('{{.Actor.Attributes.name}}'));
  });
});
