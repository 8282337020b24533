// Volumes and bind mounts in containers through both CLIs: data outliving its container, the
// image's content copied into an empty volume once, read-only binds, Docker's source rules for
// -v and --mount, anonymous volumes going with rm -v / --rm, --volumes-from, tmpfs, `:U`, and
// inspect's Mounts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { daemonWithBusybox, ok } from '../helpers/daemon.js';

const d = daemonWithBusybox('bt-vol');

function volumes(): string[] {
  return ok(d.berth(['volume', 'ls', '-q'])).trim().split('\n').filter(Boolean);
}

test('data in a named volume outlives its container; a volume in use cannot be removed', () => {
  ok(d.docker(['run', '--name', 'writer', '-v', 'keep:/data', 'busybox', 'sh', '-c', 'echo kept > /data/f']));
  const r = d.docker(['volume', 'rm', 'keep']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /volume is in use/);
  ok(d.berth(['rm', 'writer']));
  assert.equal(ok(d.berth(['run', '--rm', '-v', 'keep:/data', 'busybox', 'cat', '/data/f'])), 'kept\n');
  assert.match(ok(d.docker(['run', '--rm', '-v', 'keep:/data:ro', 'busybox', 'sh', '-c', 'touch /data/x 2>/dev/null || echo read-only'])), /read-only/);
  ok(d.berth(['volume', 'rm', 'keep']));
});

test('an empty volume gets the image\'s content once; a bind mount never does', () => {
  const ctx = join(d.dir, 'img-vol');
  mkdirSync(ctx, { recursive: true });
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN mkdir /data && echo from-image > /data/seed && chown 1234:5678 /data/seed\nVOLUME /data\n');
  ok(d.berth(['build', '-q', '-t', 'volimg', ctx]));
  // Named volume: copied in, ownership kept.
  assert.equal(ok(d.berth(['run', '--rm', '-v', 'seeded:/data', 'volimg', 'sh', '-c', 'cat /data/seed; stat -c %u:%g /data/seed; rm /data/seed; echo mine > /data/own'])), 'from-image\n1234:5678\n');
  // Not again: the volume is not empty any more, and what was deleted stays deleted.
  assert.equal(ok(d.docker(['run', '--rm', '-v', 'seeded:/data', 'volimg', 'ls', '/data'])), 'own\n');
  // nocopy: nothing copied.
  assert.equal(ok(d.berth(['run', '--rm', '-v', 'bare:/data:nocopy', 'volimg', 'ls', '-A', '/data'])), '');
  // The image's VOLUME without -v: an anonymous volume, seeded, removed with --rm.
  const before = volumes();
  assert.equal(ok(d.berth(['run', '--rm', 'volimg', 'cat', '/data/seed'])), 'from-image\n');
  assert.deepEqual(volumes(), before);
  // A bind over it shows the host dir as it is.
  const host = join(d.dir, 'bindsrc');
  mkdirSync(host);
  assert.equal(ok(d.berth(['run', '--rm', '-v', `${host}:/data`, 'volimg', 'ls', '-A', '/data'])), '');
  ok(d.berth(['volume', 'rm', 'seeded', 'bare']));
});

test('binds: ro refuses writes, -v creates a missing source, --mount refuses one, :U chowns', () => {
  const host = join(d.dir, 'ro-src');
  mkdirSync(host);
  writeFileSync(join(host, 'f'), 'host file\n');
  const r = d.docker(['run', '--rm', '-v', `${host}:/ro:ro`, 'busybox', 'sh', '-c', 'cat /ro/f; echo x > /ro/g']);
  assert.notEqual(r.code, 0);
  assert.match(r.stdout, /host file/);
  assert.match(r.stderr, /Read-only file system/);
  assert.ok(!existsSync(join(host, 'g')));

  const missing = join(d.dir, 'created', 'by', 'v');
  ok(d.berth(['run', '--rm', '-v', `${missing}:/m`, 'busybox', 'sh', '-c', 'echo hi > /m/x']));
  assert.equal(readFileSync(join(missing, 'x'), 'utf8'), 'hi\n');
  const bad = d.docker(['run', '--rm', '--mount', `type=bind,source=${join(d.dir, 'nope')},target=/m`, 'busybox', 'true']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /bind source path does not exist: .*nope/);

  const owned = join(d.dir, 'chown-me');
  mkdirSync(owned);
  writeFileSync(join(owned, 'f'), 'x');
  ok(d.berth(['run', '--rm', '-u', '4321:8765', '-v', `${owned}:/o:U`, 'busybox', 'true']));
  assert.equal(statSync(join(owned, 'f')).uid, 4321);
  assert.equal(statSync(owned).gid, 8765);
});

test('rm -v removes anonymous volumes only; --volumes-from shares mounts; inspect shows Mounts', () => {
  ok(d.berth(['run', '--name', 'owner', '-v', '/anon', '-v', 'named1:/named', 'busybox', 'sh', '-c', 'echo a > /anon/f; echo n > /named/f']));
  const mounts = JSON.parse(ok(d.docker(['inspect', '-f', '{{json .Mounts}}', 'owner'])));
  const anon = mounts.find((m: { Destination: string }) => m.Destination === '/anon');
  const named = mounts.find((m: { Destination: string }) => m.Destination === '/named');
  assert.equal(anon.Type, 'volume');
  assert.match(anon.Name, /^[0-9a-f]{64}$/);
  assert.equal(named.Name, 'named1');
  assert.equal(named.Driver, 'local');
  assert.ok(named.Source.endsWith('/named1/_data'));
  assert.equal(named.RW, true);
  assert.equal(ok(d.docker(['run', '--rm', '--volumes-from', 'owner:ro', 'busybox', 'sh', '-c', 'cat /anon/f /named/f; touch /named/g 2>/dev/null || echo ro'])), 'a\nn\nro\n');
  ok(d.docker(['rm', '-v', 'owner']));
  const left = volumes();
  assert.ok(!left.includes(anon.Name), 'the anonymous volume went with the container');
  assert.ok(left.includes('named1'), 'the named one stayed');
  ok(d.berth(['volume', 'rm', 'named1']));
});

test('--mount type=tmpfs and type=volume', () => {
  const out = ok(d.berth(['run', '--rm', '--mount', 'type=tmpfs,target=/t,tmpfs-size=1m', '--mount', 'type=volume,source=mvol,target=/v', 'busybox', 'sh', '-c', 'grep " /t " /proc/mounts; echo y > /v/y']));
  assert.match(out, /tmpfs \/t tmpfs .*size=1024k/);
  assert.equal(ok(d.berth(['run', '--rm', '-v', 'mvol:/v', 'busybox', 'cat', '/v/y'])), 'y\n');
  ok(d.docker(['volume', 'rm', 'mvol']));
});

test('--mount volume-subpath mounts a directory of the volume, and never one reached through a symlink out of it', () => {
  ok(d.docker(['volume', 'create', 'subs']));
  ok(d.docker(['run', '--rm', '-v', 'subs:/v', 'busybox', 'sh', '-c', 'mkdir -p /v/app/conf && echo inside > /v/app/conf/f && ln -s / /v/esc && ln -s app /v/inner']));
  const sub = (path: string, ...cmd: string[]) => d.docker(['run', '--rm', '--mount', `type=volume,src=subs,dst=/d,volume-subpath=${path}`, 'busybox', ...cmd]);
  assert.equal(ok(sub('app/conf', 'cat', '/d/f')), 'inside\n');
  assert.equal(ok(sub('inner/conf', 'ls', '/d')), 'f\n', 'a symlink within the volume is followed');
  const esc = sub('esc/etc', 'ls', '/d');
  assert.notEqual(esc.code, 0);
  assert.match(esc.stderr, /cannot access path .*leads outside of the destination/);
  const missing = sub('nope', 'true');
  assert.match(missing.stderr, /cannot access path .*\/nope: .*no such file or directory/);
  assert.match(sub('../x', 'true').stderr, /subpath must be a relative path within the volume/);
  // Writes through the subpath land in the volume.
  ok(sub('app', 'sh', '-c', 'echo new > /d/written'));
  assert.equal(ok(d.docker(['run', '--rm', '-v', 'subs:/v', 'busybox', 'cat', '/v/app/written'])), 'new\n');
  ok(d.docker(['container', 'prune', '-f']));
  ok(d.docker(['volume', 'rm', 'subs']));
});

test('nothing is left behind', async () => {
  await d.assertNoLeaks();
});
