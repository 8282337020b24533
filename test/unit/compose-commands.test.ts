// The pure parts of compose's cp/attach/scale/events/volumes: which events and containers compose
// keeps, how it prints events, and how it reads SERVICE=REPLICAS.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerSummary } from '../../src/compose/api.js';
import { parseReplicas, pickContainer } from '../../src/cli/commands/compose-more.js';
import { composeEvent, eventJson, eventText, serviceVolumes, type ComposeEvent } from '../../src/cli/commands/compose-observe.js';
import { StatusError } from '../../src/cli/context.js';

const ID = 'f'.repeat(64);
const wire = (attrs: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  Type: 'container', Action: 'start', time: 1704110400, Actor: { ID, Attributes: attrs }, ...extra,
});
const LABELS = { 'com.docker.compose.project': 'p', 'com.docker.compose.service': 'web', 'com.docker.compose.oneoff': 'False' };

describe('compose events', () => {
  it('keeps container events of service containers, without compose labels, attributes sorted', () => {
    const e = composeEvent(wire({ name: 'p-web-1', image: 'busybox', ...LABELS, 'com.example': 'x' }), 1704110400123456789n);
    assert.deepEqual(e, {
      timeNano: 1704110400123456789n, service: 'web', container: ID, action: 'start',
      attributes: { 'com.example': 'x', image: 'busybox', name: 'p-web-1' },
    });
    assert.deepEqual(Object.keys(e!.attributes), ['com.example', 'image', 'name']);
  });

  it('drops other types, one-off containers and services not asked for', () => {
    assert.equal(composeEvent(wire(LABELS, { Type: 'network' }), 0n), null);
    assert.equal(composeEvent(wire({ ...LABELS, 'com.docker.compose.oneoff': 'True' }), 0n), null);
    assert.equal(composeEvent(wire(LABELS), 0n, ['db']), null);
    assert.notEqual(composeEvent(wire(LABELS), 0n, ['db', 'web']), null);
  });

  it('falls back to the seconds when the event has no timeNano', () => {
    assert.equal(composeEvent(wire(LABELS), 0n)!.timeNano, 1704110400_000000000n);
  });

  const ev: ComposeEvent = { timeNano: 1704110400123456789n, service: 'web', container: ID, action: 'die', attributes: { exitCode: '0', name: 'p-web-1' } };

  it('prints api.Event.String() with Println: microseconds in the zone, then a blank line', () => {
    assert.equal(eventText(ev, 0), `2024-01-01 12:00:00.123456 container die ${ID} (exitCode=0, name=p-web-1)\n\n`);
    assert.equal(eventText(ev, 90), `2024-01-01 13:30:00.123456 container die ${ID} (exitCode=0, name=p-web-1)\n\n`);
    assert.equal(eventText({ ...ev, attributes: {} }, 0), `2024-01-01 12:00:00.123456 container die ${ID} ()\n\n`);
  });

  it('--json: the map json.Marshal writes, keys sorted, time in RFC 3339 with trimmed nanoseconds', () => {
    assert.equal(eventJson(ev, 0), `{"action":"die","attributes":{"exitCode":"0","name":"p-web-1"},"id":"${ID}","service":"web","time":"2024-01-01T12:00:00.123456789Z","type":"container"}\n`);
    assert.match(eventJson({ ...ev, timeNano: 1704110400_500000000n }, -300), /"time":"2024-01-01T07:00:00\.5-05:00"/);
    assert.match(eventJson({ ...ev, timeNano: 1704110400_000000000n }, 60), /"time":"2024-01-01T13:00:00\+01:00"/);
    // json.Marshal escapes HTML characters.
    assert.match(eventJson({ ...ev, attributes: { name: '<a&b>' } }, 0), /"name":"\\u003ca\\u0026b\\u003e"/);
  });
});

const container = (service: string, n: number, oneoff = false, id = `${service}${n}${oneoff ? 'run' : ''}`): ContainerSummary => ({
  Id: id, Names: [`/p-${service}-${n}`], Image: 'busybox', ImageID: 'sha256:1', Command: '', Created: 0, State: 'running', Status: 'Up',
  Ports: [], Labels: { 'com.docker.compose.service': service, 'com.docker.compose.container-number': String(n), 'com.docker.compose.oneoff': oneoff ? 'True' : 'False' },
});

describe('compose getSpecifiedContainer', () => {
  const list = [container('web', 2), container('web', 1, true), container('web', 1), container('db', 1)];

  it('without --index: the lowest number, the service container before a one-off', () => {
    assert.equal(pickContainer(list, 'web', 0).Id, 'web1');
  });

  it('with --index: that replica', () => {
    assert.equal(pickContainer(list, 'web', 2).Id, 'web2');
  });

  it("fails as compose does when there is none", () => {
    assert.throws(() => pickContainer(list, 'web', 3), /^Error: service "web" is not running container #3$/);
    assert.throws(() => pickContainer(list, 'cache', 0), /^Error: service "cache" is not running$/);
  });
});

describe('compose scale arguments', () => {
  it('reads SERVICE=REPLICAS, the last value for a service winning', () => {
    assert.deepEqual(parseReplicas(['web=2', 'db=0', 'web=+3']), { web: 3, db: 0 });
  });

  it('rejects what compose rejects, with its texts', () => {
    const fails = (arg: string, text: string) => assert.throws(() => parseReplicas([arg]), (e: unknown) => e instanceof StatusError && e.message === text);
    fails('web', 'invalid scale specifier: web');
    fails('=2', 'invalid scale specifier: =2');
    fails('web=', 'invalid scale specifier: web=');
    fails('web=two', "invalid scale specifier: can't parse replica value as int: web=two");
    fails('web=1.5', "invalid scale specifier: can't parse replica value as int: web=1.5");
  });
});

describe('compose volumes', () => {
  const vols = [{ Name: 'p_data', Driver: 'local', Mountpoint: '' }, { Name: 'p_cache', Driver: 'local', Mountpoint: '' }];
  const mounted = [
    { Labels: { 'com.docker.compose.service': 'web' }, Mounts: [{ Name: 'p_data' }, {}] },
    { Labels: { 'com.docker.compose.service': 'db' }, Mounts: null },
  ];

  it("all of the project's volumes without services", () => {
    assert.deepEqual(serviceVolumes(vols, mounted, []).map((v) => v.Name), ['p_data', 'p_cache']);
  });

  it("with services, those their containers mount", () => {
    assert.deepEqual(serviceVolumes(vols, mounted, ['web']).map((v) => v.Name), ['p_data']);
    assert.deepEqual(serviceVolumes(vols, mounted, ['db']), []);
  });
});
