// The volume service on a temporary root (no mounts: driver-options volumes are only recorded
// here; mounting them is tested against the kernel in test/integration/volumes-api.test.ts).
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, linkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Filters } from '../../src/common/filters.js';
import { VolumeService } from '../../src/volume/service.js';
import { rfc3339Local } from '../../src/volume/record.js';

let dir: string;
let root: string;
let events: Array<[string, string, Record<string, string> | undefined]>;
let svc: VolumeService;

const make = async () => {
  const s = new VolumeService({ root, events: { emit: (_t, action, id, attrs) => events.push([action, id, attrs]) } });
  await s.init();
  return s;
};

beforeEach(async () => {
  dir = mkdtempSync('/tmp/bt-volsvc-');
  root = join(dir, 'volumes');
  events = [];
  svc = await make();
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));


describe('volume create', () => {
  it('makes <root>/<name>/_data and answers Docker\'s Volume JSON', async () => {
    const v = await svc.create({ Name: 'data', Labels: { b: '2', a: '1' } });
    assert.deepEqual(Object.keys(v), ['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope']);
    assert.equal(v.Name, 'data');
    assert.equal(v.Driver, 'local');
    assert.equal(v.Scope, 'local');
    assert.equal(v.Options, null);
    assert.deepEqual(Object.keys(v.Labels!), ['a', 'b']);
    assert.equal(v.Mountpoint, join(root, 'data', '_data'));
    assert.ok(existsSync(v.Mountpoint));
    assert.match(v.CreatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
    assert.deepEqual(events, [['create', 'data', { driver: 'local' }]]);
    assert.deepEqual(readdirSync(root), ['data']);
  });

  it('an anonymous volume gets a random name and the anonymous label', async () => {
    const v = await svc.create({ Labels: { x: 'y' } });
    assert.match(v.Name, /^[0-9a-f]{64}$/);
    assert.deepEqual(v.Labels, { 'com.docker.volume.anonymous': '', x: 'y' });
  });

  it('an existing name is returned as it is, whatever the new options (Docker\'s behaviour)', async () => {
    const a = await svc.create({ Name: 'same', Labels: { v: '1' } });
    const b = await svc.create({ Name: 'same', Labels: { v: '2' }, DriverOpts: { type: 'tmpfs', device: 'tmpfs' } });
    assert.deepEqual(b, a);
    assert.equal(events.length, 1);
  });

  it('getOrCreate tells whether it made the volume, and records the reference', async () => {
    const a = await svc.getOrCreate({ Name: 'shared', DriverOpts: { type: 'tmpfs', device: 'tmpfs' } }, 'c1');
    assert.deepEqual(a, { Name: 'shared', Mountpoint: svc.dataPath('shared'), created: true });
    assert.deepEqual(await svc.getOrCreate({ Name: 'shared' }, 'c2'), { ...a, created: false });
    assert.deepEqual(svc.usersOf('shared'), ['c1', 'c2']);
    const anon = await svc.getOrCreate({});
    assert.equal(anon.created, true);
    assert.deepEqual(svc.get(anon.Name).Labels, { 'com.docker.volume.anonymous': '' });
  });

  it('refuses bad names, options and drivers with Docker\'s "create x:" errors', async () => {
    await assert.rejects(svc.create({ Name: 'a' }), { code: 'InvalidParameter', message: 'create a: volume name is too short, names should be at least two alphanumeric characters' });
    await assert.rejects(svc.create({ Name: '../x' }), { code: 'InvalidParameter', message: /^create \.\.\/x: "\.\.\/x" includes invalid characters/ });
    await assert.rejects(svc.create({ Name: 'ok', DriverOpts: { foo: '1' } }), { code: 'InvalidParameter', message: 'create ok: invalid option: "foo"' });
    await assert.rejects(svc.create({ Name: 'ok', Driver: 'nfs-plugin' }), { code: 'NotFound', message: 'create ok: error looking up volume plugin nfs-plugin: plugin "nfs-plugin" not found' });
    // The driver is looked up before the name is checked, as moby does.
    await assert.rejects(svc.create({ Name: 'a b', Driver: 'x' }), { code: 'NotFound' });
    assert.deepEqual(readdirSync(root), []);
    assert.deepEqual(events, []);
  });

  it('records survive a restart; interrupted creates and removes are cleaned up', async () => {
    await svc.create({ Name: 'keep', Labels: { k: 'v' }, DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } });
    const before = svc.get('keep');
    mkdirSync(join(root, '.new-half-0000', '_data'), { recursive: true });
    mkdirSync(join(root, '.gone-old-0000', '_data'), { recursive: true });
    mkdirSync(join(root, 'byhand'));
    const again = await make();
    assert.deepEqual(again.get('keep'), before);
    assert.deepEqual(again.get('byhand').Labels, null);
    assert.ok(existsSync(join(root, 'byhand', '_data')));
    assert.deepEqual(readdirSync(root).sort(), ['byhand', 'keep']);
    assert.deepEqual(JSON.parse(readFileSync(join(root, 'keep', 'volume.json'), 'utf8')).Options, { device: 'tmpfs', o: 'size=1m', type: 'tmpfs' });
  });
});

describe('volume get, list, remove', () => {
  it('get of a missing volume is Docker\'s NotFound', () => {
    assert.throws(() => svc.get('nope'), { code: 'NotFound', message: 'get nope: no such volume' });
  });

  it('list filters and answers Warnings: null', async () => {
    await svc.create({ Name: 'b1', Labels: { env: 'x' } });
    await svc.create({ Name: 'a1' });
    assert.deepEqual(svc.list().Volumes.map((v) => v.Name), ['a1', 'b1']);
    assert.equal(svc.list().Warnings, null);
    assert.deepEqual(svc.list('{"label":{"env":true}}').Volumes.map((v) => v.Name), ['b1']);
    svc.setReferences('c1', ['a1']);
    assert.deepEqual(svc.list(new Filters([['dangling', 'true']])).Volumes.map((v) => v.Name), ['b1']);
    assert.throws(() => svc.list('{"bogus":{"x":true}}'), { code: 'InvalidParameter', message: "invalid filter 'bogus'" });
  });

  it('remove deletes the directory and emits destroy; force ignores a missing volume', async () => {
    await svc.create({ Name: 'gone' });
    writeFileSync(join(svc.dataPath('gone'), 'f'), 'x');
    await svc.remove('gone');
    assert.equal(existsSync(join(root, 'gone')), false);
    assert.deepEqual(readdirSync(root), []);
    assert.deepEqual(events.at(-1), ['destroy', 'gone', { driver: 'local' }]);
    await assert.rejects(svc.remove('gone'), { code: 'NotFound', message: 'get gone: no such volume' });
    await svc.remove('gone', true);
  });

  it('a volume any container references, running or not, cannot be removed, even with force', async () => {
    await svc.create({ Name: 'used' });
    svc.setReferences('c2', ['used']);
    await svc.create({ Name: 'used' }, { reference: 'c1' });
    assert.deepEqual(svc.usersOf('used'), ['c1', 'c2']);
    await assert.rejects(svc.remove('used', true), { code: 'Conflict', message: 'remove used: volume is in use - [c1, c2]' });
    svc.dropReferences('c1');
    svc.setReferences('c2', []);
    assert.deepEqual(svc.usersOf('used'), []);
    await svc.remove('used');
  });

  it('an acquired volume is in use until released', async () => {
    await svc.create({ Name: 'live' });
    assert.equal(await svc.acquire('live', 'c9'), svc.dataPath('live'));
    assert.equal(await svc.acquire('live', 'c9'), svc.dataPath('live'));
    await assert.rejects(svc.remove('live'), { code: 'Conflict' });
    await svc.release('live', 'c9');
    await svc.remove('live');
    await assert.rejects(svc.acquire('live', 'c9'), { code: 'NotFound' });
    await svc.release('live', 'c9');
  });
});

describe('volume prune, sizes, emptiness', () => {
  it('prunes unused anonymous volumes only, unless all=true; skips volumes with options', async () => {
    const anon = (await svc.create({})).Name;
    const anonUsed = (await svc.create({}, { reference: 'c1' })).Name;
    await svc.create({ Name: 'named', Labels: { keep: 'no' } });
    await svc.create({ Name: 'named2', Labels: { keep: 'yes' } });
    await svc.create({ Name: 'tmp', DriverOpts: { type: 'tmpfs', device: 'tmpfs' } });
    writeFileSync(join(svc.dataPath(anon), 'f'), 'x'.repeat(1000));
    events = [];
    assert.deepEqual(await svc.prune(), { VolumesDeleted: [anon], SpaceReclaimed: 1000 });
    assert.deepEqual(events, [['destroy', anon, { driver: 'local' }], ['prune', '', { reclaimed: '1000' }]]);
    assert.deepEqual(await svc.prune('{"all":{"true":true},"label!":{"keep=yes":true}}'), { VolumesDeleted: ['named'], SpaceReclaimed: 0 });
    assert.deepEqual(await svc.prune(new Filters([['all', 'true']])), { VolumesDeleted: ['named2'], SpaceReclaimed: 0 });
    assert.deepEqual(svc.list().Volumes.map((v) => v.Name).sort(), [anonUsed, 'tmp'].sort());
    await assert.rejects(svc.prune('{"dangling":{"true":true}}'), { code: 'InvalidParameter', message: "invalid filter 'dangling'" });
  });

  it('size counts file bytes once per inode, not directories or what symlinks point at', async () => {
    await svc.create({ Name: 'sized' });
    const d = svc.dataPath('sized');
    assert.equal(svc.isEmpty('sized'), true);
    mkdirSync(join(d, 'sub'));
    writeFileSync(join(d, 'sub', 'a'), 'x'.repeat(300));
    linkSync(join(d, 'sub', 'a'), join(d, 'hard'));
    writeFileSync(join(d, 'b'), 'y'.repeat(20));
    symlinkSync('/etc/passwd', join(d, 'link'));
    assert.equal(await svc.size('sized'), 300 + 20 + '/etc/passwd'.length);
    assert.equal(svc.isEmpty('sized'), false);
    assert.throws(() => svc.isEmpty('nope'), { code: 'NotFound' });
  });

  it('diskUsage lists local volumes without options, with Size and RefCount', async () => {
    await svc.create({ Name: 'du1' });
    await svc.create({ Name: 'du2', DriverOpts: { type: 'tmpfs', device: 'tmpfs' } });
    writeFileSync(join(svc.dataPath('du1'), 'f'), 'abc');
    svc.setReferences('c1', ['du1']);
    svc.setReferences('c2', ['du1', 'du2']);
    const du = await svc.diskUsage();
    assert.deepEqual(du.map((v) => [v.Name, v.UsageData]), [['du1', { Size: 3, RefCount: 2 }]]);
  });
});

describe('rfc3339Local', () => {
  it('writes seconds and the zone as Go\'s time.RFC3339', () => {
    assert.match(rfc3339Local(new Date(0)), /^19(69|70)-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
  });
});
