// listContainers / pruneFilter: expectations from moby's daemon/list.go (foldFilter,
// includeContainerInList, filterByNameIDMatches, refreshImage) and daemon/prune.go.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError, type ErrorCode } from '../../src/common/errors.js';
import { encodeFilters } from '../../src/common/filters.js';
import { ZERO_TIME, type ContainerRecord } from '../../src/container/types.js';
import { listContainers, pruneFilter, type ListContext, type ListOptions } from '../../src/container/list.js';

const IMG_BUSYBOX = 'sha256:' + 'b'.repeat(64);
const IMG_CHILD = 'sha256:' + 'c'.repeat(64);
const IMG_ALPINE = 'sha256:' + 'a'.repeat(64);
const NOW = Date.parse('2024-05-01T12:00:00Z');

type StatePatch = Partial<ContainerRecord['State']> & { Health?: unknown };

let seq = 0;
function rec(name: string, idHex: string, createdMin: number, state: StatePatch = {}, p: Partial<ContainerRecord> = {}): ContainerRecord {
  seq++;
  return {
    Id: idHex.padEnd(64, '0'),
    Name: '/' + name,
    Created: new Date(NOW - (60 - createdMin) * 60_000).toISOString(),
    Path: 'sh',
    Args: [],
    Config: { Image: 'busybox', Labels: {} },
    HostConfig: { NetworkMode: 'default' },
    Image: IMG_BUSYBOX,
    ImageRef: 'busybox',
    State: {
      Status: 'created', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 0,
      ExitCode: 0, Error: '', StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME, ...state,
    } as ContainerRecord['State'],
    RestartCount: 0, Layers: [], MountLabel: '', ProcessLabel: '', AppArmorProfile: '',
    ...p,
  };
}
const RUNNING: StatePatch = { Status: 'running', Running: true, Pid: 1, StartedAt: '2024-05-01T11:50:00Z' };
const exitedWith = (code: number): StatePatch => ({ Status: 'exited', ExitCode: code, StartedAt: '2024-05-01T11:40:00Z', FinishedAt: '2024-05-01T11:45:00Z' });

// Oldest first; created minutes 1..7.
const created = rec('created1', 'c1', 1);
const run1 = rec('run1', 'aa11', 2, RUNNING, { Config: { Image: 'busybox', Labels: { tier: 'web', env: 'prod' } } });
const exit0 = rec('exit0', 'ee00', 3, exitedWith(0));
const exit1 = rec('exit1', 'ee01', 4, exitedWith(1), { Config: { Image: 'alpine', Labels: { tier: 'db' } }, Image: IMG_ALPINE, ImageRef: 'alpine' });
const paused = rec('paused1', 'bb22', 5, { ...RUNNING, Status: 'paused', Paused: true });
const healthy = rec('healthy1', 'dd33', 6, { ...RUNNING, Health: { Status: 'healthy', FailingStreak: 0, Log: [] } }, {
  Config: { Image: 'child', Labels: {} }, Image: IMG_CHILD, ImageRef: 'child', HostConfig: { NetworkMode: 'none', Isolation: '' },
});
const dead = rec('dead1', 'ff44', 7, { Status: 'dead', Dead: true, StartedAt: '2024-05-01T11:40:00Z', FinishedAt: '2024-05-01T11:45:00Z', ExitCode: 2 });
const ALL = [created, run1, exit0, exit1, paused, healthy, dead];

const IMAGES: Record<string, string> = {
  busybox: IMG_BUSYBOX, [IMG_BUSYBOX]: IMG_BUSYBOX, alpine: IMG_ALPINE, child: IMG_CHILD, [IMG_CHILD]: IMG_CHILD,
};
const ctx: ListContext = {
  imageLookup: (ref) => IMAGES[ref],
  imageChildren: (id) => (id === IMG_BUSYBOX ? [IMG_CHILD] : []),
  size: () => ({ sizeRw: 1, sizeRootFs: 2 }),
};

function names(opts: Partial<ListOptions> & { f?: Record<string, string[]> } = {}, records: ContainerRecord[] = ALL, c: ListContext = ctx): string[] {
  const { f, ...rest } = opts;
  const o: ListOptions = { all: false, size: false, now: NOW, ...rest, ...(f ? { filters: encodeFilters(f) } : {}) };
  return listContainers(records, o, c).map((s) => s.Names[0]!.slice(1));
}

function throwsCode(fn: () => unknown, code: ErrorCode, message: string) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isBerthError(e, code), `expected ${code}, got ${String(e)}`);
    assert.equal((e as Error).message, message);
    return true;
  });
}

describe('listContainers: selection and order', () => {
  it('shows running (and paused) containers, newest first', () => {
    assert.deepEqual(names(), ['healthy1', 'paused1', 'run1']);
  });
  it('all=true shows every container', () => {
    assert.deepEqual(names({ all: true }), ['dead1', 'healthy1', 'paused1', 'exit1', 'exit0', 'run1', 'created1']);
  });
  it('limit includes stopped containers and caps the count (-n / -l)', () => {
    assert.deepEqual(names({ limit: 3 }), ['dead1', 'healthy1', 'paused1']);
    assert.deepEqual(names({ limit: 1 }), ['dead1']);
  });
  it('equal creation times: the later record first', () => {
    const a = rec('same-a', '01', 1);
    const b = rec('same-b', '02', 1);
    assert.deepEqual(names({ all: true }, [a, b]), ['same-b', 'same-a']);
  });
  it('sorts by nanoseconds', () => {
    const a = rec('ns-a', '03', 1, {}, { Created: '2024-05-01T11:00:00.000000002Z' });
    const b = rec('ns-b', '04', 1, {}, { Created: '2024-05-01T11:00:00.000000001Z' });
    assert.deepEqual(names({ all: true }, [b, a]), ['ns-a', 'ns-b']);
  });
  it('summaries carry sizes when asked, and the image as given while it resolves', () => {
    const [s] = listContainers([run1], { all: false, size: true, now: NOW }, ctx);
    assert.equal(s.SizeRw, 1);
    assert.equal(s.SizeRootFs, 2);
    assert.equal(s.Image, 'busybox');
    // The tag now names another image: show the id.
    const moved = listContainers([run1], { all: false, size: false }, { imageLookup: () => IMG_ALPINE });
    assert.equal(moved[0].Image, IMG_BUSYBOX);
    const gone = listContainers([run1], { all: false, size: false }, { imageLookup: () => undefined });
    assert.equal(gone[0].Image, IMG_BUSYBOX);
  });
});

describe('listContainers: filters', () => {
  it('rejects unknown keys', () => {
    throwsCode(() => names({ f: { foo: ['x'] } }), 'InvalidParameter', "invalid filter 'foo'");
    throwsCode(() => names({ f: { 'label!': ['x'] } }), 'InvalidParameter', "invalid filter 'label!'");
  });
  it('status: validates, implies all', () => {
    assert.deepEqual(names({ f: { status: ['exited'] } }), ['exit1', 'exit0']);
    assert.deepEqual(names({ f: { status: ['created', 'dead'] } }), ['dead1', 'created1']);
    assert.deepEqual(names({ f: { status: ['paused'] } }), ['paused1']);
    throwsCode(() => names({ f: { status: ['foo'] } }), 'InvalidParameter', "invalid filter 'status=foo'");
  });
  it('exited: only stopped containers that ran, with that code (needs -a)', () => {
    assert.deepEqual(names({ f: { exited: ['0'] } }), []);
    assert.deepEqual(names({ all: true, f: { exited: ['0'] } }), ['exit0']);
    assert.deepEqual(names({ all: true, f: { exited: ['1', '2'] } }), ['dead1', 'exit1']);
    throwsCode(() => names({ f: { exited: ['x'] } }), 'InvalidParameter', 'strconv.Atoi: parsing "x": invalid syntax');
  });
  it('id: unique id prefixes', () => {
    assert.deepEqual(names({ all: true, f: { id: ['ee00'] } }), ['exit0']);
    assert.deepEqual(names({ all: true, f: { id: ['ee0'] } }), []); // ambiguous prefix names nothing
    assert.deepEqual(names({ all: true, f: { id: [run1.Id] } }), ['run1']);
    assert.deepEqual(names({ all: true, f: { id: ['ee00', 'aa'] } }), ['exit0', 'run1']);
    assert.deepEqual(names({ all: true, f: { id: ['11'] } }), []); // substring, not a prefix
  });
  it('name: unanchored regular expressions, with or without the slash', () => {
    assert.deepEqual(names({ all: true, f: { name: ['exit'] } }), ['exit1', 'exit0']);
    assert.deepEqual(names({ all: true, f: { name: ['^run1$'] } }), ['run1']);
    assert.deepEqual(names({ all: true, f: { name: ['^/run1$'] } }), ['run1']);
    assert.deepEqual(names({ all: true, f: { name: ['exit', 'dead'] } }), ['dead1', 'exit1', 'exit0']);
    assert.deepEqual(names({ all: true, f: { name: ['exit'], id: ['ee01'] } }), ['exit1']);
  });
  it('label: key and key=value, all must match', () => {
    assert.deepEqual(names({ all: true, f: { label: ['tier'] } }), ['exit1', 'run1']);
    assert.deepEqual(names({ all: true, f: { label: ['tier=web'] } }), ['run1']);
    assert.deepEqual(names({ all: true, f: { label: ['tier=web', 'env=prod'] } }), ['run1']);
    assert.deepEqual(names({ all: true, f: { label: ['tier=web', 'env=dev'] } }), []);
  });
  it('before / since: by exact id or name; since stops, before skips', () => {
    assert.deepEqual(names({ all: true, f: { since: ['exit1'] } }), ['dead1', 'healthy1', 'paused1']);
    assert.deepEqual(names({ all: true, f: { before: ['exit1'] } }), ['exit0', 'run1', 'created1']);
    assert.deepEqual(names({ all: true, f: { before: ['/paused1'], since: [created.Id] } }), ['exit1', 'exit0', 'run1']);
    // Without -a only running ones remain.
    assert.deepEqual(names({ f: { before: ['healthy1'] } }), ['paused1', 'run1']);
    throwsCode(() => names({ f: { before: ['nope'] } }), 'NotFound', 'No such container: nope');
    throwsCode(() => names({ f: { since: ['ee00'] } }), 'NotFound', 'No such container: ee00');
  });
  it('ancestor: the image by name or id, and images built on it', () => {
    assert.deepEqual(names({ all: true, f: { ancestor: ['busybox'] } }), ['dead1', 'healthy1', 'paused1', 'exit0', 'run1', 'created1']);
    assert.deepEqual(names({ all: true, f: { ancestor: ['alpine'] } }), ['exit1']);
    assert.deepEqual(names({ all: true, f: { ancestor: [IMG_CHILD] } }), ['healthy1']);
    assert.deepEqual(names({ all: true, f: { ancestor: ['missing'] } }), []);
  });
  it('health: validates; none without a healthcheck', () => {
    assert.deepEqual(names({ f: { health: ['healthy'] } }), ['healthy1']);
    assert.deepEqual(names({ f: { health: ['none'] } }), ['paused1', 'run1']);
    throwsCode(() => names({ f: { health: ['ok'] } }), 'InvalidParameter', 'Unrecognised filter value for health: ok');
  });
  it('is-task: berth has no tasks', () => {
    assert.deepEqual(names({ f: { 'is-task': ['true'] } }), []);
    assert.deepEqual(names({ f: { 'is-task': ['false'] } }), ['healthy1', 'paused1', 'run1']);
    throwsCode(() => names({ f: { 'is-task': ['maybe'] } }), 'InvalidParameter', "invalid filter 'is-task=[maybe]'");
  });
  it('isolation: empty is "default"', () => {
    assert.deepEqual(names({ f: { isolation: ['default'] } }), ['healthy1', 'paused1', 'run1']);
    assert.deepEqual(names({ f: { isolation: ['hyperv'] } }), []);
  });
  it('network: by network name (mode), or id prefix', () => {
    assert.deepEqual(names({ f: { network: ['none'] } }), ['healthy1']);
    assert.deepEqual(names({ f: { network: ['bridge'] } }), ['paused1', 'run1']);
    const withIds: ListContext = { ...ctx, networks: (r) => ({ custom: { NetworkID: r.Id === run1.Id ? 'abc123' : 'zzz' } }) };
    assert.deepEqual(names({ f: { network: ['abc'] } }, ALL, withIds), ['run1']);
  });
  it('volume: by mount name/source or destination', () => {
    const withMounts: ListContext = {
      ...ctx,
      mounts: (r) => (r.Id === run1.Id ? [{ Type: 'volume', Name: 'data', Source: '/v/data', Destination: '/data', Mode: '', RW: true, Propagation: '' }] : []),
    };
    assert.deepEqual(names({ f: { volume: ['data'] } }, ALL, withMounts), ['run1']);
    assert.deepEqual(names({ f: { volume: ['/data'] } }, ALL, withMounts), ['run1']);
    assert.deepEqual(names({ f: { volume: ['/v/data'] } }, ALL, withMounts), []);
    assert.deepEqual(names({ f: { volume: ['data'] } }), []);
  });
  it('publish / expose: validate values, match the ports', () => {
    const withPorts: ListContext = { ...ctx, ports: (r) => (r.Id === run1.Id ? [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }] : []) };
    assert.deepEqual(names({ f: { publish: ['8080'] } }, ALL, withPorts), ['run1']);
    assert.deepEqual(names({ f: { publish: ['8000-8100/tcp'] } }, ALL, withPorts), ['run1']);
    assert.deepEqual(names({ f: { publish: ['8080/udp'] } }, ALL, withPorts), []);
    assert.deepEqual(names({ f: { expose: ['80'] } }, ALL, withPorts), ['run1']);
    assert.deepEqual(names({ f: { expose: ['80'] } }), []);
    throwsCode(() => names({ f: { publish: ['80:80'] } }), 'InvalidParameter', "filter for 'publish' should not contain ':': 80:80");
    throwsCode(() => names({ f: { expose: ['abc'] } }), 'InvalidParameter',
      'error while looking up for expose abc: strconv.ParseUint: parsing "abc": invalid syntax');
    throwsCode(() => names({ f: { expose: ['90-80'] } }), 'InvalidParameter',
      'error while looking up for expose 90-80: invalid range specified for port: 90-80');
  });
  it('limit counts after the name/id/label filters', () => {
    assert.deepEqual(names({ limit: 1, f: { name: ['exit'] } }), ['exit1']);
  });
  it('rejects bad JSON as invalid filter', () => {
    assert.throws(() => listContainers(ALL, { all: false, size: false, filters: '{' }, ctx), (e: unknown) => isBerthError(e, 'InvalidParameter'));
  });
});

describe('pruneFilter (container prune)', () => {
  const pick = (filters?: string, now?: number) => ALL.filter(pruneFilter(filters, now)).map((r) => r.Name.slice(1));
  it('selects containers that are not running (paused counts as running)', () => {
    assert.deepEqual(pick(), ['created1', 'exit0', 'exit1', 'dead1']);
  });
  it('label and label!', () => {
    assert.deepEqual(pick(encodeFilters({ label: ['tier'] })), ['exit1']);
    assert.deepEqual(pick(encodeFilters({ 'label!': ['tier'] })), ['created1', 'exit0', 'dead1']);
    assert.deepEqual(pick(encodeFilters({ 'label!': ['tier=web'] })), ['created1', 'exit0', 'exit1', 'dead1']);
  });
  it('until: created at or before the cut-off', () => {
    assert.deepEqual(pick(encodeFilters({ until: ['2024-05-01T11:03:00Z'] })), ['created1', 'exit0']);
    assert.deepEqual(pick(encodeFilters({ until: ['57m'] }), NOW), ['created1', 'exit0']);
  });
  it('rejects other keys and several untils', () => {
    throwsCode(() => pruneFilter(encodeFilters({ status: ['exited'] })), 'InvalidParameter', "invalid filter 'status'");
    throwsCode(() => pruneFilter(encodeFilters({ until: ['1h', '2h'] })), 'InvalidParameter', 'more than one until filter specified');
  });
});

void seq;
