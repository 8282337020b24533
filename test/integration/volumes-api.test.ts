// Volumes through both CLIs and the raw API against a real berthd: create/ls/inspect/rm/prune,
// labels and filters, a tmpfs-typed volume, Docker's errors for bad names, options and drivers,
// volume events, records kept across a restart. The local driver's mounts (tmpfs, bind of a host
// directory) are exercised against the kernel through the VolumeService itself: containers using
// volumes are tested in volumes-containers.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { TestDaemon, ok, mountsUnder, type RunResult } from '../helpers/daemon.js';
import { VolumeService } from '../../src/volume/service.js';

const d = new TestDaemon('bt-vol');
before(() => d.start());
after(() => d.cleanup());

const cli = { docker: (a: string[], input?: string) => d.docker(a, { input }), berth: (a: string[], input?: string) => d.berth(a, { input }) };
type Cli = keyof typeof cli;
const TOOLS: Cli[] = ['docker', 'berth'];

const names = (r: RunResult) => ok(r).trim().split('\n').filter(Boolean);
const inspect = (tool: Cli, name: string) => JSON.parse(ok(cli[tool](['volume', 'inspect', name])))[0];

test('create, ls, inspect and rm through both CLIs, with labels and filters', () => {
  for (const tool of TOOLS) {
    const run = cli[tool];
    const v = `data-${tool}`;
    assert.equal(ok(run(['volume', 'create', '--label', 'env=test', '--label', 'team', v])), `${v}\n`);
    // Creating it again answers the same volume (Docker's idempotent create).
    assert.equal(ok(run(['volume', 'create', v])), `${v}\n`);
    const j = inspect(tool, v);
    assert.deepEqual(Object.keys(j), ['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope']);
    assert.deepEqual(j.Labels, { env: 'test', team: '' });
    assert.equal(j.Driver, 'local');
    assert.equal(j.Scope, 'local');
    assert.equal(j.Options, null);
    assert.equal(j.Mountpoint, join(d.dataRoot, 'volumes', v, '_data'));
    assert.ok(existsSync(j.Mountpoint));
    assert.equal(ok(run(['volume', 'inspect', '-f', '{{.Name}} {{.Labels.env}}', v])), `${v} test\n`);

    const anon = ok(run(['volume', 'create'])).trim();
    assert.match(anon, /^[0-9a-f]{64}$/);
    assert.deepEqual(inspect(tool, anon).Labels, { 'com.docker.volume.anonymous': '' });

    const ls = ok(run(['volume', 'ls']));
    assert.match(ls, /^DRIVER {4}VOLUME NAME\n/);
    assert.match(ls, new RegExp(`\\nlocal {5}${v}\\n`));
    assert.deepEqual(names(run(['volume', 'ls', '-q', '-f', 'label=env=test'])), [v]);
    assert.deepEqual(names(run(['volume', 'ls', '-q', '-f', `name=^${v}$`, '-f', 'dangling=true'])), [v]);
    assert.deepEqual(names(run(['volume', 'ls', '-q', '-f', 'dangling=false'])), []);
    assert.equal(ok(run(['volume', 'ls', '-f', `name=${v}`, '--format', '{{.Name}}|{{.Driver}}|{{.Label "env"}}|{{.Links}}'])), `${v}|local|test|N/A\n`);
    const json = JSON.parse(ok(run(['volume', 'ls', '-f', `name=${v}`, '--format', 'json'])));
    assert.equal(json.Name, v);
    assert.equal(json.Scope, 'local');

    assert.equal(ok(run(['volume', 'rm', v, anon])), `${v}\n${anon}\n`);
    assert.equal(existsSync(join(d.dataRoot, 'volumes', v)), false);
    const miss = run(['volume', 'inspect', v]);
    assert.equal(miss.code, 1);
    assert.equal(miss.stdout, '[]\n');
    assert.equal(miss.stderr, `Error response from daemon: get ${v}: no such volume\n`);
    const rm = run(['volume', 'rm', v]);
    assert.equal(rm.code, 1);
    assert.equal(rm.stderr, `Error response from daemon: get ${v}: no such volume\n`);
    assert.equal(ok(run(['volume', 'rm', '-f', v])), `${v}\n`);
  }
});

test('a tmpfs-typed volume is listed with its options and removed', () => {
  for (const tool of TOOLS) {
    const run = cli[tool];
    const v = `tmp-${tool}`;
    ok(run(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=1m', v]));
    assert.deepEqual(inspect(tool, v).Options, { device: 'tmpfs', o: 'size=1m', type: 'tmpfs' });
    assert.ok(names(run(['volume', 'ls', '-q'])).includes(v));
    // Nothing is mounted until a container uses it.
    assert.deepEqual(mountsUnder(join(d.dataRoot, 'volumes')), []);
    // Prune leaves volumes with driver options alone, as Docker does.
    ok(run(['volume', 'prune', '-a', '-f']));
    assert.ok(names(run(['volume', 'ls', '-q'])).includes(v));
    assert.equal(ok(run(['volume', 'rm', v])), `${v}\n`);
    assert.ok(!names(run(['volume', 'ls', '-q'])).includes(v));
  }
});

test('bad names, options and drivers give Docker\'s errors', () => {
  const cases: Array<[string[], string]> = [
    [['a'], 'create a: volume name is too short, names should be at least two alphanumeric characters'],
    [['a b'], 'create a b: "a b" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'],
    [['-o', 'foo=bar', 'x1'], 'create x1: invalid option: "foo"'],
    [['-o', 'type=tmpfs', 'x2'], 'create x2: missing required option: "device"'],
    [['-o', 'o=size=1m', 'x3'], 'create x3: missing required option: "device"'],
    [['-o', 'device=tmpfs', 'x4'], 'create x4: missing required option: "type"'],
    [['-o', 'size=10m', 'x5'], 'create x5: quota size requested but no quota support'],
    [['-d', 'nope', 'x6'], 'create x6: error looking up volume plugin nope: plugin "nope" not found'],
  ];
  for (const tool of TOOLS) {
    for (const [args, msg] of cases) {
      const r = cli[tool](['volume', 'create', ...args]);
      assert.equal(r.code, 1, `${tool} ${args.join(' ')}`);
      assert.equal(r.stderr, `Error response from daemon: ${msg}\n`, `${tool} ${args.join(' ')}`);
    }
    const both = cli[tool](['volume', 'create', '--name', 'a1', 'b1']);
    assert.equal(both.code, 1);
    assert.equal(both.stderr, 'conflicting options: cannot specify a volume-name through both --name and as a positional arg\n');
    const filter = cli[tool](['volume', 'ls', '-f', 'foo=1']);
    assert.equal(filter.code, 1);
    assert.equal(filter.stderr, "Error response from daemon: invalid filter 'foo'\n");
  }
  assert.deepEqual(readdirSync(join(d.dataRoot, 'volumes')), []);
});

test('prune takes unused anonymous volumes, or all with -a, filtered by label', () => {
  for (const tool of TOOLS) {
    const run = cli[tool];
    const anon = ok(run(['volume', 'create'])).trim();
    ok(run(['volume', 'create', '--label', 'keep=yes', `kept-${tool}`]));
    ok(run(['volume', 'create', `named-${tool}`]));
    writeFileSync(join(d.dataRoot, 'volumes', anon, '_data', 'f'), 'x'.repeat(2000));

    // Declined: nothing happens, exit 0.
    const no = run(['volume', 'prune'], 'n\n');
    assert.equal(no.code, 0);
    assert.equal(no.stdout, 'WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ');
    assert.ok(names(run(['volume', 'ls', '-q'])).includes(anon));

    const yes = ok(run(['volume', 'prune'], 'y\n'));
    assert.equal(yes, `WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] Deleted Volumes:\n${anon}\n\nTotal reclaimed space: 2kB\n`);
    assert.equal(ok(run(['volume', 'prune', '-a', '-f', '--filter', 'label!=keep'])), `Deleted Volumes:\nnamed-${tool}\n\nTotal reclaimed space: 0B\n`);
    assert.equal(ok(run(['volume', 'prune', '-f'])), 'Total reclaimed space: 0B\n');
    const conflict = run(['volume', 'prune', '-a', '-f', '--filter', 'all=1']);
    assert.equal(conflict.code, 1);
    assert.equal(conflict.stderr, 'conflicting options: cannot specify both --all and --filter all=1\n');
    assert.deepEqual(names(run(['volume', 'ls', '-q'])), [`kept-${tool}`]);
    ok(run(['volume', 'rm', `kept-${tool}`]));
  }
});

test('the API: status codes, shapes, old clients\' prune, and volume events', async () => {
  const since = Math.floor(Date.now() / 1000) - 1;
  const created = await d.http('POST', '/v1.47/volumes/create', JSON.stringify({ Name: 'api1', Labels: { a: 'b' }, DriverOpts: {} }), { 'Content-Type': 'application/json' });
  assert.equal(created.status, 201);
  const v = JSON.parse(created.body);
  assert.deepEqual(v.Options, {});
  assert.deepEqual(v.Labels, { a: 'b' });
  const empty = await d.http('POST', '/volumes/create', '', { 'Content-Type': 'application/json' });
  assert.equal(empty.status, 201);
  const anon = JSON.parse(empty.body).Name;
  assert.match(anon, /^[0-9a-f]{64}$/);

  const list = JSON.parse((await d.http('GET', '/volumes')).body);
  assert.equal(list.Warnings, null);
  assert.deepEqual(list.Volumes.map((x: { Name: string }) => x.Name).sort(), [anon, 'api1'].sort());
  const bad = await d.http('GET', `/volumes?filters=${encodeURIComponent('{"dangling":{"maybe":true}}')}`);
  assert.equal(bad.status, 400);
  assert.equal(JSON.parse(bad.body).message, "invalid filter 'dangling=[maybe]'");

  const missing = await d.http('GET', '/volumes/nope');
  assert.equal(missing.status, 404);
  assert.equal(JSON.parse(missing.body).message, 'get nope: no such volume');
  assert.equal((await d.http('DELETE', '/volumes/nope')).status, 404);
  assert.equal((await d.http('DELETE', '/volumes/nope?force=1')).status, 204);
  const invalid = await d.http('POST', '/volumes/create', JSON.stringify({ Name: 'x', DriverOpts: { k: 'v' } }), { 'Content-Type': 'application/json' });
  assert.equal(invalid.status, 400);

  // Before API 1.42 prune took every unused volume, named ones too.
  const pruned = JSON.parse((await d.http('POST', '/v1.41/volumes/prune')).body);
  assert.deepEqual(pruned.VolumesDeleted.sort(), [anon, 'api1'].sort());
  assert.equal(pruned.SpaceReclaimed, 0);

  const until = Math.ceil(Date.now() / 1000) + 1;
  const ev = ok(d.docker(['events', '--since', String(since), '--until', String(until), '--filter', 'type=volume', '--format', '{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.driver}}']));
  const lines = ev.trim().split('\n');
  assert.ok(lines.includes('create api1 local'), ev);
  assert.ok(lines.includes('destroy api1 local'), ev);
  assert.ok(lines.some((l) => l.startsWith('prune ')), ev);
});

test('volumes and their records survive a daemon restart', async () => {
  ok(d.berth(['volume', 'create', '--label', 'k=v', '-o', 'type=tmpfs', '-o', 'device=tmpfs', 'persist']));
  const before = inspect('berth', 'persist');
  await d.stop();
  await d.start();
  assert.deepEqual(inspect('docker', 'persist'), before);
  ok(d.docker(['volume', 'rm', 'persist']));
});

test('the local driver mounts a tmpfs or a bind of a host directory while in use, and unmounts it after', async () => {
  const dir = mkdtempSync('/tmp/bt-volmnt-');
  try {
    const root = join(dir, 'volumes');
    const host = join(dir, 'host');
    mkdirSync(host);
    writeFileSync(join(host, 'hello'), 'from the host');
    const svc = new VolumeService({ root });
    await svc.init();
    await svc.create({ Name: 'tv', DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } });
    await svc.create({ Name: 'bv', DriverOpts: { type: 'none', o: 'bind', device: host } });
    const fsType = (p: string) => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === p)?.split(' - ')[1]?.split(' ')[0];

    const tp = await svc.acquire('tv', 'c1');
    assert.equal(tp, join(root, 'tv', '_data'));
    assert.equal(fsType(tp), 'tmpfs');
    await svc.acquire('tv', 'c2');
    assert.equal(mountsUnder(root).length, 1, 'mounted once for two users');
    await svc.release('tv', 'c1');
    assert.equal(fsType(tp), 'tmpfs');
    await svc.release('tv', 'c2');
    assert.deepEqual(mountsUnder(root), []);

    const bp = await svc.acquire('bv', 'c1');
    assert.equal(readFileSync(join(bp, 'hello'), 'utf8'), 'from the host');
    // A berthd that restarts finds the mount and keeps it for the containers still using it.
    const again = new VolumeService({ root });
    await again.init();
    assert.deepEqual(mountsUnder(root), [bp]);
    await again.acquire('bv', 'c1');
    await again.unmountUnused();
    assert.deepEqual(mountsUnder(root), [bp]);
    await assert.rejects(again.remove('bv'), { code: 'Conflict', message: 'remove bv: volume is in use - [c1]' });
    await again.release('bv', 'c1');
    assert.deepEqual(mountsUnder(root), []);
    // Removing the volume never touches the host directory it bound.
    await again.acquire('bv', 'c3');
    const third = new VolumeService({ root });
    await third.init();
    await third.remove('bv');
    assert.deepEqual(mountsUnder(root), []);
    assert.equal(readFileSync(join(host, 'hello'), 'utf8'), 'from the host');

    // A mount left under the root that belongs to no volume is a crash's leftover: unmounted.
    mkdirSync(join(root, 'tv', '_data', 'stray'));
    assert.equal(spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', join(root, 'tv', '_data', 'stray')]).status, 0);
    await new VolumeService({ root }).init();
    assert.deepEqual(mountsUnder(root), []);

    // A device that cannot be mounted is a SystemError naming the volume's data path.
    await svc.create({ Name: 'broken', DriverOpts: { type: 'none', o: 'bind', device: join(dir, 'missing') } });
    await assert.rejects(svc.acquire('broken', 'c1'), { code: 'SystemError', message: /^failed to mount local volume: mount .*missing:.*broken\/_data/ });
    assert.deepEqual(svc.usersOf('broken'), []);
  } finally {
    for (const m of mountsUnder(dir)) spawnSync('umount', ['-l', m]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no leaks', async () => {
  assert.deepEqual(names(d.berth(['volume', 'ls', '-q'])), []);
  await d.assertNoLeaks();
});
