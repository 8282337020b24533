// The image store end to end through both CLIs: bootstrap, list, inspect, tag, save, rmi, load,
// import, history, prune, and refusal of corrupt or hostile input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, statSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { TestDaemon, ok, spawnOk } from '../helpers/daemon.js';

let d: TestDaemon;
let busyboxId: string;
before(async () => {
  d = new TestDaemon('bt-img');
  await d.start();
  ok(d.berth(['bootstrap', 'busybox']), 'bootstrap');
  busyboxId = ok(d.docker(['image', 'inspect', '--format', '{{.Id}}', 'busybox'])).trim();
});
after(async () => { await d.cleanup(); });

const layerDirs = () => readdirSync(join(d.dataRoot, 'layers')).filter((n) => !n.startsWith('.'));
const staging = () => { try { return readdirSync(join(d.dataRoot, 'layers', '.staging')); } catch { return []; } };

test('bootstrap makes a busybox image with Cmd sh, users and a sticky /tmp', () => {
  assert.match(busyboxId, /^sha256:[a-f0-9]{64}$/);
  const img = JSON.parse(ok(d.berth(['image', 'inspect', 'busybox'])))[0];
  assert.deepEqual(img.RepoTags, ['busybox:latest']);
  assert.deepEqual(img.Config.Cmd, ['sh']);
  assert.equal(img.Os, 'linux');
  assert.equal(img.RootFS.Layers.length, 1);
  assert.ok(img.Size > 1_000_000);
  const diff = join(d.dataRoot, 'layers', layerDirs()[0], 'diff');
  assert.equal(statSync(join(diff, 'tmp')).mode & 0o7777, 0o1777);
  assert.match(readFileSync(join(diff, 'etc/passwd'), 'utf8'), /^root:x:0:0:/m);
  assert.match(readFileSync(join(diff, 'etc/passwd'), 'utf8'), /^nobody:x:65534:/m);
  assert.match(readFileSync(join(diff, 'etc/passwd'), 'utf8'), /:x:1000:1000:/m);
  assert.match(readFileSync(join(diff, 'etc/group'), 'utf8'), /^root:x:0:/m);
  assert.ok(statSync(join(diff, 'bin/sh')).isFile());
  // Deterministic: bootstrapping again gives the same id.
  ok(d.berth(['bootstrap', 'busybox:again']));
  assert.equal(ok(d.berth(['image', 'inspect', '-f', '{{.Id}}', 'busybox:again'])).trim(), busyboxId);
  ok(d.berth(['rmi', 'busybox:again']));
});

test('images lists tags in Docker\'s table through both CLIs', () => {
  for (const cli of ['berth', 'docker'] as const) {
    const out = ok(d[cli](['images']));
    const [header, row] = out.trim().split('\n');
    assert.match(header, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/, cli);
    assert.match(row, new RegExp(`^busybox\\s+latest\\s+${busyboxId.slice(7, 19)}\\s+.+ago\\s+\\d`), cli);
  }
  assert.equal(ok(d.berth(['images', '-q'])).trim(), busyboxId.slice(7, 19));
  assert.equal(ok(d.berth(['images', '--no-trunc', '-q'])).trim(), busyboxId);
  assert.equal(ok(d.berth(['images', '--format', '{{.Repository}}:{{.Tag}}'])).trim(), 'busybox:latest');
  assert.equal(ok(d.berth(['images', '--filter', 'reference=busy*', '-q'])).trim(), busyboxId.slice(7, 19));
  assert.equal(ok(d.berth(['images', '--filter', 'reference=nothing*', '-q'])).trim(), '');
  assert.equal(ok(d.berth(['images', '--filter', 'dangling=true', '-q'])).trim(), '');
  const json = ok(d.berth(['images', '--format', 'json'])).trim();
  assert.equal(JSON.parse(json).Repository, 'busybox');
});

test('inspect has Docker\'s fields through the docker CLI', () => {
  const img = JSON.parse(ok(d.docker(['image', 'inspect', 'busybox'])))[0];
  for (const k of ['Id', 'RepoTags', 'RepoDigests', 'Parent', 'Created', 'Config', 'Architecture', 'Os', 'Size', 'RootFS', 'Metadata', 'GraphDriver']) assert.ok(k in img, k);
  assert.equal(img.RootFS.Type, 'layers');
  const miss = d.docker(['image', 'inspect', 'nosuchimage']);
  assert.equal(miss.code, 1);
  assert.match(miss.stderr, /No such image: nosuchimage/);
});

test('tag adds a reference; rmi of one tag only untags', () => {
  ok(d.docker(['tag', 'busybox', 'example.com/team/app:v1']), 'docker tag');
  ok(d.berth(['tag', 'busybox', 'mybox']), 'berth tag');
  const tags = JSON.parse(ok(d.berth(['image', 'inspect', busyboxId])))[0].RepoTags;
  assert.deepEqual(tags, ['busybox:latest', 'example.com/team/app:v1', 'mybox:latest']);
  assert.equal(ok(d.berth(['rmi', 'mybox'])).trim(), 'Untagged: mybox:latest');
  assert.equal(ok(d.docker(['rmi', 'example.com/team/app:v1'])).trim(), 'Untagged: example.com/team/app:v1');
  const bad = d.berth(['tag', 'busybox', 'Bad:Name']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /invalid reference format/);
});

test('rmi by id of a multiply-tagged image needs -f; unknown names fail with exit 1', () => {
  ok(d.berth(['tag', 'busybox', 'other:x']));
  const r = d.berth(['rmi', busyboxId.slice(7, 19)]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /unable to delete [a-f0-9]{12} \(must be forced\) - image is referenced in multiple repositories/);
  ok(d.berth(['rmi', 'other:x']));
  const m = d.berth(['rmi', 'nope', 'nope2']);
  assert.equal(m.code, 1);
  assert.match(m.stderr, /Error response from daemon: No such image: nope:latest\nError response from daemon: No such image: nope2:latest/);
});

test('rmi of the last tag of an image a container uses needs -f', () => {
  const layersBefore = layerDirs();
  const id = ok(d.berth(['import', '-', 'inuse:1'], { input: spawnOk('tar', ['-C', d.dir, '-cf', '-', 'docker-config']) })).trim();
  const cid = ok(d.berth(['create', '--name', 'user-of-inuse', 'inuse:1', 'true'])).trim();
  const r = d.docker(['rmi', 'inuse:1']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim(), `Error response from daemon: conflict: unable to remove repository reference "inuse:1" (must force) - container ${cid.slice(0, 12)} is using its referenced image ${id.slice(7, 19)}`);
  assert.equal(ok(d.berth(['image', 'inspect', '-f', '{{.Id}}', 'inuse:1'])).trim(), id, 'nothing was untagged');
  // Another tag of the same image can go: the image keeps a name.
  ok(d.berth(['tag', 'inuse:1', 'inuse:2']));
  assert.equal(ok(d.berth(['rmi', 'inuse:2'])).trim(), 'Untagged: inuse:2');
  // Forced, the image goes too: a stopped container is no hard conflict (moby's rule).
  assert.equal(ok(d.docker(['rmi', '-f', 'inuse:1'])).trim(), `Untagged: inuse:1\nDeleted: ${id}`);
  assert.equal(ok(d.berth(['inspect', '-f', '{{.Image}}', cid])).trim(), id, 'the container keeps its layers');
  ok(d.berth(['rm', cid]));
  assert.deepEqual(layerDirs(), layersBefore, 'the deleted image\'s layer goes with its last container');
});

test('save → rmi → load gives the same id, berth to docker CLI and back', () => {
  const file = join(d.dir, 'busybox.tar');
  ok(d.berth(['save', '-o', file, 'busybox']), 'berth save');
  const listing = spawnOk('tar', ['-tf', file]).toString();
  assert.match(listing, /^manifest\.json$/m);
  assert.match(listing, /^index\.json$/m);
  assert.match(listing, /^oci-layout$/m);
  const out = ok(d.berth(['rmi', 'busybox']));
  assert.match(out, /Untagged: busybox:latest\nDeleted: sha256:/);
  assert.deepEqual(layerDirs(), []);
  const loaded = ok(d.docker(['load', '-i', file]), 'docker load');
  assert.match(loaded, /Loaded image: busybox:latest/);
  assert.equal(ok(d.berth(['image', 'inspect', '-f', '{{.Id}}', 'busybox'])).trim(), busyboxId);

  // And the other way: docker CLI saves (to stdout), berth loads from stdin.
  const file2 = join(d.dir, 'busybox2.tar');
  ok(d.docker(['save', '-o', file2, 'busybox:latest']), 'docker save');
  ok(d.berth(['rmi', 'busybox']));
  ok(d.berth(['load'], { input: readFileSync(file2) }), 'berth load from stdin');
  assert.equal(ok(d.docker(['inspect', '-f', '{{.Id}}', 'busybox'])).trim(), busyboxId);
});

test('several images in one archive load together', () => {
  ok(d.berth(['bootstrap', 'busybox:two']));
  const file = join(d.dir, 'two.tar');
  ok(d.berth(['save', '-o', file, 'busybox:latest', 'busybox:two']));
  ok(d.berth(['rmi', 'busybox:two']));
  const out = ok(d.berth(['load', '-i', file]));
  assert.match(out, /Loaded image: busybox:latest/);
  assert.match(out, /Loaded image: busybox:two/);
  ok(d.berth(['rmi', 'busybox:two']));
});

test('a truncated or corrupt archive fails cleanly and leaves nothing behind', () => {
  const file = join(d.dir, 'full.tar');
  ok(d.berth(['save', '-o', file, 'busybox']));
  ok(d.berth(['rmi', 'busybox']));
  const data = readFileSync(file);
  const before = { layers: layerDirs(), images: ok(d.berth(['images', '-qa'])) };
  const cut = join(d.dir, 'cut.tar');
  writeFileSync(cut, data.subarray(0, Math.floor(data.length * 0.6)));
  const r = d.berth(['load', '-i', cut]);
  assert.equal(r.code, 1);
  assert.ok(r.stderr.length > 0);
  const junk = join(d.dir, 'junk.tar');
  writeFileSync(junk, Buffer.alloc(4096, 0x41));
  assert.equal(d.docker(['load', '-i', junk]).code, 1);
  assert.deepEqual(layerDirs(), before.layers);
  assert.deepEqual(staging(), []);
  assert.equal(ok(d.berth(['images', '-qa'])), before.images);
  ok(d.berth(['load', '-i', file]));
});

function makeTar(dir: string, build: (root: string) => void, args: string[]): Buffer {
  const root = join(d.dir, dir);
  mkdirSync(root, { recursive: true });
  build(root);
  return spawnOk('tar', ['-C', root, ...args]);
}

test('import with --change and -m makes a one-layer image', () => {
  const tarball = makeTar('rootfs-a', (r) => { mkdirSync(join(r, 'etc')); writeFileSync(join(r, 'etc/hello'), 'hi\n'); }, ['-cf', '-', '.']);
  const out = ok(d.docker(['import', '-c', 'CMD ["/bin/hello"]', '-c', 'ENV A=1 B=two', '-c', 'WORKDIR /srv', '-c', 'USER 1000', '-c', 'EXPOSE 80', '-c', 'LABEL team=core', '-m', 'first import', '-', 'imported:v1'], { input: tarball }));
  assert.match(out.trim(), /^sha256:[a-f0-9]{64}$/);
  const img = JSON.parse(ok(d.berth(['image', 'inspect', 'imported:v1'])))[0];
  assert.deepEqual(img.Config.Cmd, ['/bin/hello']);
  assert.deepEqual(img.Config.Env, ['A=1', 'B=two']);
  assert.equal(img.Config.WorkingDir, '/srv');
  assert.equal(img.Config.User, '1000');
  assert.deepEqual(img.Config.ExposedPorts, { '80/tcp': {} });
  assert.deepEqual(img.Config.Labels, { team: 'core' });
  assert.equal(img.Comment, 'first import');
  const hist = ok(d.berth(['history', '--format', '{{.Comment}}', 'imported:v1'])).trim();
  assert.equal(hist, 'first import');
  const gz = makeTar('rootfs-b', (r) => writeFileSync(join(r, 'x'), 'x'), ['-czf', '-', '.']);
  ok(d.berth(['import', '-', 'imported:gz'], { input: gz }));
  assert.equal(ok(d.berth(['images', '--filter', 'label=team=core', '--format', '{{.Tag}}'])).trim(), 'v1');
  ok(d.berth(['rmi', 'imported:v1', 'imported:gz']));
});

test('a layer with ../ or a symlink escape is refused and writes nothing outside', () => {
  const outside = join(d.dir, 'outside');
  mkdirSync(outside, { recursive: true });
  const layersBefore = layerDirs();
  // GNU tar keeps `../` with -P; the symlink case points a directory outside and writes through it.
  const dotdot = makeTar('evil-a', (r) => writeFileSync(join(r, 'f'), 'x'), ['-cf', '-', '-P', '--transform', `s,^\\./f,../outside/pwned,`, './f']);
  const r1 = d.berth(['import', '-', 'evil:a'], { input: dotdot });
  assert.equal(r1.code, 1);
  assert.match(r1.stderr, /escapes|invalid/i);
  const symlinkTar = makeTar('evil-b', (r) => {
    symlinkSync(outside, join(r, 'link'));
  }, ['-cf', '-', 'link']);
  const second = makeTar('evil-c', (r) => { mkdirSync(join(r, 'link'), { recursive: true }); writeFileSync(join(r, 'link/pwned2'), 'x'); }, ['-cf', '-', 'link/pwned2']);
  const combined = Buffer.concat([symlinkTar.subarray(0, tarBodyEnd(symlinkTar)), second]);
  const r2 = d.berth(['import', '-', 'evil:b'], { input: combined });
  assert.equal(r2.code, 1);
  assert.deepEqual(readdirSync(outside), []);
  assert.equal(existsSync(join(d.dir, 'pwned')), false);
  assert.deepEqual(layerDirs(), layersBefore);
  assert.deepEqual(staging(), []);
});

/** Offset just past the last entry of a tar (before its two zero end blocks). */
function tarBodyEnd(buf: Buffer): number {
  let off = 0;
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) return off;
    const size = parseInt(h.subarray(124, 136).toString().replace(/\0.*$/, '').trim() || '0', 8);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return off;
}

test('history shows Docker\'s columns, newest first', () => {
  const out = ok(d.docker(['history', 'busybox']));
  const lines = out.trim().split('\n');
  assert.match(lines[0], /^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
  assert.match(lines[1], /CMD \["sh"\]/);
  assert.equal(lines.length, 3);
  assert.equal(ok(d.berth(['history', '-q', 'busybox'])).trim().split('\n')[0], busyboxId.slice(7, 19));
});

test('image prune removes dangling images only, then all unused with -a', () => {
  const tarball = makeTar('rootfs-p', (r) => writeFileSync(join(r, 'p'), 'p'), ['-cf', '-', '.']);
  ok(d.berth(['import', '-', 'dangling:x'], { input: tarball }));
  ok(d.berth(['import', '-', 'dangling:x'], { input: tarball })); // retagging leaves the first untagged
  assert.equal(ok(d.berth(['images', '-q', '--filter', 'dangling=true'])).trim().split('\n').length, 1);
  const out = ok(d.docker(['image', 'prune', '-f']));
  assert.match(out, /Deleted Images:\ndeleted: sha256:/);
  assert.match(out, /Total reclaimed space: /);
  assert.equal(ok(d.berth(['images', '-q', '--filter', 'dangling=true'])).trim(), '');
  ok(d.berth(['rmi', 'dangling:x']));
});

test('images survive a daemon restart', async () => {
  await d.stop();
  await d.start();
  assert.equal(ok(d.berth(['image', 'inspect', '-f', '{{.Id}}', 'busybox'])).trim(), busyboxId);
});
