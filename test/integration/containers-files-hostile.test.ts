// A hostile corpus against the archive API, `cp` both ways, `import` and `load`: absolute paths,
// `..`, symlink-then-write-through-symlink, hard links pointing out, device nodes, and a symlink a
// container flips between a directory and `/` while copies run (CVE-2018-15664). Every case is
// refused or kept inside its target; a canary directory on the host must never change.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeHeader, END_OF_ARCHIVE, type EntryHeader } from '../../src/layer/tar-writer.js';
import { sha256 } from '../../src/common/digest.js';
import { daemonWithBusybox, hasDockerCli, ok } from '../helpers/daemon.js';

const skip = !hasDockerCli() && 'docker CLI not installed';
const d = daemonWithBusybox('bhostile');

const entry = (h: Partial<EntryHeader> & { name: string }, data: Buffer | string = Buffer.alloc(0)): Buffer => {
  const b = Buffer.from(data);
  return Buffer.concat([encodeHeader({ type: '0', mode: 0o644, uid: 0, gid: 0, mtime: 1_600_000_000, ...h, size: b.length }), b, Buffer.alloc((512 - (b.length % 512)) % 512)]);
};
const tar = (...entries: Buffer[]) => Buffer.concat([...entries, END_OF_ARCHIVE]);

let tmp: string;
let canary: string;
const SECRET = 'host secret, never to be read\n';
/** The canary as it must stay: one file, unchanged, with no extra link to it. */
function assertCanary(): void {
  assert.deepEqual(readdirSync(canary), ['secret']);
  assert.equal(readFileSync(join(canary, 'secret'), 'utf8'), SECRET);
  assert.equal(statSync(join(canary, 'secret')).nlink, 1);
}

const put = (path: string, body: Buffer) => d.http('PUT', `/containers/victim/archive?path=${encodeURIComponent(path)}`, body, { 'Content-Type': 'application/x-tar' });
const inVictim = (script: string) => d.docker(['exec', 'victim', 'sh', '-c', script]);

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'berth-hostile-'));
  canary = join(tmp, 'canary');
  mkdirSync(canary);
  writeFileSync(join(canary, 'secret'), SECRET);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('PUT /containers/{id}/archive (cp into a container)', () => {
  before(() => {
    ok(d.docker(['run', '-d', '--name', 'victim', 'busybox', 'sh', '-c', `mkdir -p /data; ln -s ${canary}/secret /data/hostlink; exec sleep 600`]));
    for (let i = 0; i < 50 && inVictim('test -L /data/hostlink').code !== 0; i++) spawnSync('sleep', ['0.1']);
  });

  test('an absolute name lands inside the destination', { skip }, async () => {
    const r = await put('/data', tar(entry({ name: '/abs-file' }, 'abs')));
    assert.equal(r.status, 200, r.body);
    assert.equal(ok(inVictim('cat /data/abs-file')), 'abs');
    assertCanary();
  });

  test('names with .. leaving the destination are refused with Docker\'s text', { skip }, async () => {
    for (const name of ['../../../../dotdot-file', 'a/../../dotdot-file']) {
      const r = await put('/data', tar(entry({ name }, 'x')));
      assert.equal(r.status, 500, name);
      assert.match(JSON.parse(r.body).message, /is outside of "\/data"$/);
    }
    assert.notEqual(inVictim('test -e /dotdot-file').code, 0);
    assert.ok(!existsSync(join(tmp, 'dotdot-file')));
    assertCanary();
  });

  test('writing through a symlink from the archive stays in the container', { skip }, async () => {
    const r = await put('/data', tar(
      entry({ name: 'esc', type: '2', linkname: canary }), entry({ name: 'esc/pwned' }, 'pwned'),
      entry({ name: 'root', type: '2', linkname: '/' }), entry({ name: 'root/etc/berth-pwned' }, 'pwned'),
    ));
    assert.equal(r.status, 200, r.body);
    assert.equal(ok(inVictim(`cat ${canary}/pwned /etc/berth-pwned`)), 'pwnedpwned');
    assert.ok(!existsSync('/etc/berth-pwned'));
    assertCanary();
  });

  test('relative symlinks and hard links pointing out are refused; a link to a host path links the symlink', { skip }, async () => {
    const sym = await put('/data', tar(entry({ name: 'up', type: '2', linkname: '../../../../..' })));
    assert.equal(sym.status, 500);
    assert.equal(JSON.parse(sym.body).message, 'invalid symlink "/data/up" -> "../../../../.."');
    const hard = await put('/data', tar(entry({ name: 'h', type: '1', linkname: '../../etc/passwd' })));
    assert.equal(JSON.parse(hard.body).message, 'invalid hardlink "/etc/passwd" -> "../../etc/passwd"');
    const abs = await put('/data', tar(entry({ name: 'h', type: '1', linkname: '/etc/passwd' })));
    assert.equal(JSON.parse(abs.body).message, 'link /data/etc/passwd /data/h: no such file or directory');
    const viaLink = await put('/data', tar(entry({ name: 'h2', type: '1', linkname: 'hostlink' })));
    assert.equal(viaLink.status, 200, viaLink.body);
    assert.equal(ok(inVictim('readlink /data/h2')).trim(), `${canary}/secret`);
    assertCanary();
  });

  test('device nodes are created inside the container, as Docker does, and gzip is accepted', { skip }, async () => {
    const r = await put('/data', gzipSync(tar(entry({ name: 'null', type: '3', mode: 0o666, devmajor: 1, devminor: 3 }))));
    assert.equal(r.status, 200, r.body);
    assert.equal(ok(inVictim('stat -c %t:%T /data/null')).trim(), '1:3');
    assertCanary();
  });

  test('cp out of the container copies symlinks as symlinks and never reads through them', { skip }, () => {
    ok(inVictim(`mkdir -p /data2 && ln -s ${canary} /data2/esc && ln -s / /data2/root && ln -s ${canary}/secret /data2/s && mknod /data2/sda b 8 0 && echo ok > /data2/f`));
    const out = join(tmp, 'out');
    mkdirSync(out);
    const r = d.berth(['cp', 'victim:/data2', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /skipping data2\/sda: device nodes are only created inside containers/);
    assert.ok(!existsSync(join(out, 'data2/sda')), 'no host device node from a container');
    assert.ok(lstatSync(join(out, 'data2/esc')).isSymbolicLink());
    assert.ok(lstatSync(join(out, 'data2/s')).isSymbolicLink());
    assert.equal(readFileSync(join(out, 'data2/f'), 'utf8'), 'ok\n');
    for (const cli of ['docker', 'berth'] as const) {
      const run = (args: string[]) => (cli === 'docker' ? d.docker(args) : d.berth(args));
      // -L follows the link inside the container, where the host path does not exist.
      assert.match(run(['cp', '-L', 'victim:/data2/s', join(out, `s-${cli}`)]).stderr, /Could not find the file/);
      // esc/ is followed inside the container: its own directory of that name (made by an
      // earlier test through a symlink), never the host's.
      ok(run(['cp', 'victim:/data2/esc/', join(out, `esc-${cli}`)]));
      assert.deepEqual(readdirSync(join(out, `esc-${cli}`)), ['pwned']);
      ok(run(['cp', 'victim:/data2/root/etc/hostname', join(out, `hn-${cli}`)]));
      assert.notEqual(readFileSync(join(out, `hn-${cli}`), 'utf8'), readFileSync('/etc/hostname', 'utf8'));
    }
    assertCanary();
  });

  test('a symlink flipped between a directory and / during cp never leads outside the container', { skip }, async () => {
    ok(d.docker(['run', '-d', '--name', 'flipper', 'busybox', 'sh', '-c',
      `mkdir -p /race ${canary}; echo decoy > ${canary}/decoy; while :; do rm -rf /race/flip; mkdir /race/flip; rm -rf /race/flip; ln -s / /race/flip; rm -rf /race/flip; ln -s ${canary} /race/flip; done`]));
    const payload = join(tmp, 'payload');
    mkdirSync(payload);
    writeFileSync(join(payload, 'race-file'), 'race');
    const out = join(tmp, 'race-out');
    mkdirSync(out);
    const deadline = Date.now() + 4000;
    let copies = 0;
    while (Date.now() < deadline) {
      const runs = await Promise.all([
        d.berthAsync(['cp', join(payload, 'race-file'), 'flipper:/race/flip/']),
        d.dockerAsync(['cp', join(payload, '.'), 'flipper:/race/flip']),
        d.berthAsync(['cp', 'flipper:/race/flip/.', join(out, String(copies))]),
        d.dockerAsync(['cp', 'flipper:/race/flip', '-']).then((r) => { assert.ok(!r.stdout.includes('host secret')); return r; }),
      ]);
      copies += runs.filter((r) => r.code === 0).length;
    }
    assert.ok(copies > 0, 'some copies got through');
    ok(d.docker(['rm', '-f', 'flipper']));
    // Whatever the copies read came from the container: its root or its decoy, never the host.
    const found = spawnSync('grep', ['-rl', 'host secret', out]);
    assert.equal(found.stdout.toString(), '');
    assertCanary();
  });

  after(() => d.docker(['rm', '-f', 'victim']));
});

describe('a hostile daemon cannot make `berth cp` write outside the destination', () => {
  let server: Server;
  let sock: string;
  let body: Buffer = Buffer.alloc(0);
  before(async () => {
    sock = join(tmp, 'fake.sock');
    server = createServer((req, res) => {
      const stat = Buffer.from(JSON.stringify({ name: 'd', size: 4096, mode: 2147484141, mtime: '2024-01-01T00:00:00Z', linkTarget: '' })).toString('base64');
      req.resume();
      if (req.method === 'HEAD') { res.writeHead(404); res.end(); return; }
      res.writeHead(200, { 'Content-Type': 'application/x-tar', 'X-Docker-Container-Path-Stat': stat });
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(sock, r));
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const dir = () => entry({ name: 'd/', type: '5', mode: 0o755 });
  const cases: Array<[string, () => Buffer, RegExp]> = [
    ['a symlink then a write through it', () => tar(dir(), entry({ name: 'd/esc', type: '2', linkname: canary }), entry({ name: 'd/esc/pwned' }, 'x')), /leads outside of the destination/],
    ['.. out of the destination', () => tar(dir(), entry({ name: 'd/../../../pwned' }, 'x')), /is outside of/],
    ['a hard link to a host file', () => tar(dir(), entry({ name: 'd/h', type: '1', linkname: `../../../../../../../..${canary}/secret` })), /invalid hardlink/],
    ['a relative symlink out', () => tar(dir(), entry({ name: 'd/up', type: '2', linkname: '../../../../..' })), /invalid symlink/],
  ];
  for (const [what, make, re] of cases) {
    test(what, async () => {
      body = make();
      const dest = join(tmp, `fake-${sha256(what).slice(7, 15)}`);
      mkdirSync(dest);
      // Asynchronously: the fake daemon answers from this very process.
      const r = await d.berthAsync(['-H', `unix://${sock}`, 'cp', 'c:/d', join(dest, 'copy')]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, re);
      assertCanary();
      assert.ok(!existsSync(join(tmp, 'pwned')));
    });
  }
});

describe('import and load of hostile archives', () => {
  const imageCount = () => ok(d.docker(['images', '-aq'])).split('\n').filter(Boolean).length;

  const hostile: Array<[string, () => Buffer]> = [
    ['.. out of the layer', () => tar(entry({ name: '../../../../../../pwned' }, 'x'))],
    ['an absolute path', () => tar(entry({ name: join(canary, 'pwned') }, 'x'))],
    ['symlink then write through it', () => tar(entry({ name: 'esc', type: '2', linkname: canary }), entry({ name: 'esc/pwned' }, 'x'))],
    ['a hard link out of the layer', () => tar(entry({ name: 'h', type: '1', linkname: join(canary, 'secret') }))],
    ['a hard link through a symlink', () => tar(entry({ name: 'esc', type: '2', linkname: canary }), entry({ name: 'h', type: '1', linkname: 'esc/secret' }))],
  ];
  for (const [what, make] of hostile) {
    for (const cli of ['docker', 'berth'] as const) {
      test(`import refuses ${what} (${cli})`, { skip }, () => {
        const before = imageCount();
        const r = (cli === 'docker' ? d.docker : d.berth).call(d, ['import', '-', `hostile-${cli}:x`], { input: make() });
        assert.notEqual(r.code, 0, r.stdout);
        assert.match(r.stderr, /invalid tar entry/);
        assert.equal(imageCount(), before);
        assertCanary();
      });
    }
  }

  test('import keeps device nodes inside the layer store', { skip }, () => {
    ok(d.berth(['import', '-', 'devnodes:1'], { input: tar(entry({ name: 'dev/', type: '5', mode: 0o755 }), entry({ name: 'dev/sda', type: '4', mode: 0o600, devmajor: 8, devminor: 0 })) }));
    const layers = join(d.dataRoot, 'layers');
    const found = readdirSync(layers).filter((l) => existsSync(join(layers, l, 'diff/dev/sda')));
    assert.equal(found.length, 1);
    assert.ok(lstatSync(join(layers, found[0]!, 'diff/dev/sda')).isBlockDevice());
    assertCanary();
  });

  test('load refuses a layer escaping through a symlink and an archive entry with ..', { skip }, () => {
    const layer = tar(entry({ name: 'esc', type: '2', linkname: canary }), entry({ name: 'esc/pwned' }, 'x'));
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }));
    const cfgName = `${sha256(config).slice(7)}.json`;
    const manifest = Buffer.from(JSON.stringify([{ Config: cfgName, RepoTags: ['hostile-load:1'], Layers: ['l/layer.tar'] }]));
    const archive = tar(entry({ name: cfgName }, config), entry({ name: 'l/', type: '5', mode: 0o755 }), entry({ name: 'l/layer.tar' }, layer), entry({ name: 'manifest.json' }, manifest));
    const before = imageCount();
    const r = d.berth(['load'], { input: archive });
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(r.stderr + r.stdout, /symbolic link/);
    const dots = d.berth(['load'], { input: tar(entry({ name: '../../../../pwned' }, Buffer.alloc(2048, 1)), entry({ name: 'manifest.json' }, '[]')) });
    assert.notEqual(dots.code, 0);
    assert.equal(imageCount(), before);
    assertCanary();
  });
});

test('a test run leaves no mount, conmon or cgroup behind', { skip }, async () => {
  await d.assertNoLeaks();
});
