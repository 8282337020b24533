// -v, --mount and --volumes-from as moby parses and registers them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ociMountOf, parseApiMount, parseBind, parseVolumesFrom, registerMountPoints } from '../../src/container/mounts.js';

test('-v: binds, named and anonymous volumes, and their modes', () => {
  assert.deepEqual(parseBind('/host/dir:/data:ro'), { Type: 'bind', Source: '/host/dir', Destination: '/data', Mode: 'ro', RW: false, Propagation: 'rprivate', CreateSource: true });
  const named = parseBind('myvol:/data');
  assert.equal(named.Type, 'volume');
  assert.equal(named.Name, 'myvol');
  assert.equal(named.Mode, 'z');
  assert.equal(named.CopyData, true);
  assert.equal(parseBind('myvol:/data:nocopy').CopyData, false);
  const anon = parseBind('/data');
  assert.equal(anon.Anonymous, true);
  assert.equal(anon.Name, '');
  assert.equal(parseBind('/h:/c:rshared').Propagation, 'rshared');
  assert.equal(parseBind('/h:/c:U').Chown, true);
  assert.equal(parseBind('/h/./x/../y:/c/').Source, '/h/y');
});

test('-v: Docker\'s errors', () => {
  assert.throws(() => parseBind('a:b:c:d'), /invalid volume specification: 'a:b:c:d'/);
  assert.throws(() => parseBind('vol:rel'), /invalid mount path: 'rel' mount path must be absolute/);
  assert.throws(() => parseBind('/h:/c:bogus'), /invalid mode: bogus/);
  assert.throws(() => parseBind('/h:/c:nocopy'), /invalid mode: nocopy/);
  assert.throws(() => parseBind('vol:/c:rshared'), /invalid mode: rshared/);
});

test('--mount: bind, volume and tmpfs, and their checks', () => {
  const b = parseApiMount({ Type: 'bind', Source: '/src', Target: '/dst', ReadOnly: true, BindOptions: { Propagation: 'rslave' } });
  assert.deepEqual([b.Type, b.Source, b.RW, b.Propagation, b.CreateSource], ['bind', '/src', false, 'rslave', false]);
  const v = parseApiMount({ Type: 'volume', Source: 'v1', Target: '/d', VolumeOptions: { NoCopy: true, Labels: { a: 'b' } } });
  assert.deepEqual([v.Name, v.CopyData, v.VolumeLabels], ['v1', false, { a: 'b' }]);
  const t = parseApiMount({ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1 << 20, Mode: 0o1777 } });
  assert.deepEqual(t.TmpfsOptions, ['size=1024k', 'mode=1777']);
  assert.deepEqual(ociMountOf(t).options, ['nosuid', 'nodev', 'noexec', 'size=1024k', 'mode=1777']);
  assert.throws(() => parseApiMount({ Type: 'bind', Target: '/d' }), /invalid mount config for type "bind": field Source must not be empty/);
  assert.throws(() => parseApiMount({ Type: 'tmpfs', Source: 'x', Target: '/d' }), /field Source must not be specified/);
  assert.throws(() => parseApiMount({ Type: 'nfs', Target: '/d' }), /mount type unknown: "nfs"/);
  assert.throws(() => parseApiMount({ Type: 'volume', Target: 'd' }), /mount path must be absolute/);
  assert.equal(parseApiMount({ Type: 'volume', Source: 'v1', Target: '/d', VolumeOptions: { Subpath: 'a/./b/' } }).Subpath, 'a/b');
  for (const bad of ['/abs', '..', '../x', 'a/../..', '.']) {
    assert.throws(() => parseApiMount({ Type: 'volume', Source: 'v1', Target: '/d', VolumeOptions: { Subpath: bad } }), /invalid mount config for type "volume": subpath must be a relative path within the volume/, bad);
  }
});

test('registration: volumes-from first, user mounts win, Config.Volumes fill the rest, duplicates refused', () => {
  const from = [{ Type: 'volume' as const, Name: 'shared', Source: '/v/shared/_data', Destination: '/shared', Driver: 'local', Mode: 'z', RW: true, Propagation: '', CopyData: true, Anonymous: true }];
  const points = registerMountPoints({
    binds: ['/h:/data'], mounts: [{ Type: 'tmpfs', Target: '/tmp/t' }],
    volumesFrom: [{ points: from, mode: 'ro' }], configVolumes: ['/data', '/cache', '/tmp/x'], tmpfs: ['/tmp/x'],
  });
  const byDest = Object.fromEntries(points.map((p) => [p.Destination, p]));
  assert.equal(byDest['/shared']!.RW, false);
  assert.equal(byDest['/shared']!.Anonymous, false, 'a volume from another container is never removed with this one');
  assert.equal(byDest['/data']!.Type, 'bind');
  assert.equal(byDest['/cache']!.Anonymous, true);
  assert.equal(byDest['/tmp/x'], undefined, 'a --tmpfs mount covers the image volume');
  assert.throws(() => registerMountPoints({ binds: ['/a:/d', 'v:/d'], mounts: [], volumesFrom: [], configVolumes: [], tmpfs: [] }), /Duplicate mount point: \/d/);
  assert.deepEqual(parseVolumesFrom('web:ro'), { ref: 'web', mode: 'ro' });
  assert.throws(() => parseVolumesFrom('web:xx'), /invalid mode/);
});
