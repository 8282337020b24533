// The BuildKit-only flags of RUN that modern Dockerfiles use, built with BuildKit's semantics by
// berth's builder: --mount=type=cache (a directory berthd keeps across builds, shared, locked or
// private), type=bind (the context or another stage, read-only or with writes thrown away, in the
// step's cache key), type=tmpfs, type=secret/ssh (skipped, or refused when required),
// --network and --security; and what must not happen: a mount in the image, a write through a
// bind into the context, a path out of the context, a mount or directory left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { daemonWithBusybox, ok, type RunResult } from '../helpers/daemon.js';
import { writeTree } from '../helpers/files.js';

const d = daemonWithBusybox('bbmnt');

const context = (name: string, files: Record<string, string>): string => writeTree(join(d.dir, name), files);

const run = (image: string, script: string) => ok(d.berth(['run', '--rm', image, 'sh', '-c', script]), `run ${image}`);
const cacheMountsDir = () => join(d.dataRoot, 'builder', 'cache-mounts');
const cacheMounts = () => (existsSync(cacheMountsDir()) ? readdirSync(cacheMountsDir()) : []);

/** `docker build` through the legacy builder's API (no BuildKit client session). */
function dockerLegacy(args: string[]): RunResult {
  const r = spawnSync('docker', args, { env: { ...d.env(), DOCKER_BUILDKIT: '0' }, maxBuffer: 1 << 30 });
  return { code: r.status ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** The Step N output blocks of a build, by the instruction they ran. */
function stepUsedCache(out: string, instruction: RegExp): boolean {
  const blocks = out.split(/^Step \d+\/\d+ : /m);
  const block = blocks.find((b) => instruction.test(b.split('\n')[0]!));
  assert.ok(block, `no step ${instruction} in\n${out}`);
  return / ---> Using cache/.test(block!);
}

test('a cache mount persists across builds, even with --no-cache, and never reaches the image', () => {
  const dir = context('cache', {
    Dockerfile: [
      'FROM busybox',
      'RUN --mount=type=cache,target=/var/cache/thing sh -c \'ls /var/cache/thing | wc -l > /seen; touch /var/cache/thing/$(cat /proc/sys/kernel/random/uuid)\'',
      '',
    ].join('\n'),
  });
  ok(d.berth(['build', '--no-cache', '-t', 'cache:1', dir]), 'first build');
  ok(dockerLegacy(['build', '--no-cache', '-t', 'cache:2', dir]), 'second build');
  assert.equal(run('cache:1', 'cat /seen').trim(), '0');
  assert.equal(run('cache:2', 'cat /seen').trim(), '1');
  // The mount point was made for the step and taken away again: neither it nor /var/cache is in the image.
  assert.equal(run('cache:2', 'test -e /var/cache/thing && echo present || echo absent').trim(), 'absent');
  assert.equal(run('cache:2', 'test -e /var/cache && echo present || echo absent').trim(), 'absent');
  assert.equal(cacheMounts().length, 1);
});

test('id= names one cache for several targets; mode, uid and gid shape a new one', () => {
  const dir = context('cache-id', {
    Dockerfile: [
      'FROM busybox',
      'RUN --mount=type=cache,id=shared-id,target=/a sh -c \'echo $RANDOM > /a/token; cp /a/token /written\'',
      'RUN --mount=type=cache,id=shared-id,target=/b,ro cat /b/token > /read',
      'RUN --mount=type=cache,id=owned,target=/c,uid=1000,gid=1001,mode=0750 stat -c "%u:%g %a" /c > /owner',
      '',
    ].join('\n'),
  });
  ok(d.berth(['build', '-t', 'cacheid:1', dir]), 'build');
  const [written, read, owner] = run('cacheid:1', 'cat /written /read /owner').trim().split('\n');
  assert.equal(read, written);
  assert.equal(owner, '1000:1001 750');
});

test('sharing=locked runs two concurrent stages one after the other; private gives each its own directory', () => {
  const step = (sharing: string) =>
    `RUN --mount=type=cache,id=${sharing}-c,target=/c,sharing=${sharing} sh -c 'ls /c > /seen; cut -d" " -f1 /proc/uptime > /start; touch /c/$(cat /proc/sys/kernel/random/uuid); sleep 1; cut -d" " -f1 /proc/uptime > /end'`;
  const stages = (sharing: string) => [
    `FROM busybox AS a`, step(sharing),
    `FROM busybox AS b`, step(sharing),
    'FROM busybox',
    'COPY --from=a /start /a-start', 'COPY --from=a /end /a-end', 'COPY --from=a /seen /a-seen',
    'COPY --from=b /start /b-start', 'COPY --from=b /end /b-end', 'COPY --from=b /seen /b-seen',
    '',
  ].join('\n');
  const locked = context('locked', { Dockerfile: stages('locked') });
  ok(d.berth(['build', '--no-cache', '-t', 'locked:1', locked]), 'locked build');
  const [aStart, aEnd, bStart, bEnd] = run('locked:1', 'cat /a-start /a-end /b-start /b-end').trim().split('\n').map(Number);
  assert.ok(aEnd! <= bStart! || bEnd! <= aStart!, `overlapping: a ${aStart}-${aEnd}, b ${bStart}-${bEnd}`);
  // The second one in saw the first one's file.
  assert.equal(run('locked:1', 'cat /a-seen /b-seen | wc -l').trim(), '1');

  const priv = context('private', { Dockerfile: stages('private') });
  ok(d.berth(['build', '--no-cache', '-t', 'private:1', priv]), 'private build');
  const [pa, pae, pb, pbe] = run('private:1', 'cat /a-start /a-end /b-start /b-end').trim().split('\n').map(Number);
  assert.ok(pa! < pbe! && pb! < pae!, `private steps did not overlap: a ${pa}-${pae}, b ${pb}-${pbe}`);
  assert.equal(run('private:1', 'cat /a-seen /b-seen | wc -l').trim(), '0');
});

test('a bind of a context file is read by the step, is not in the image, and its content is in the cache key', () => {
  const dir = context('bind', {
    'Dockerfile': 'FROM busybox\nRUN --mount=type=bind,source=data.txt,target=/mnt/in/data.txt cat /mnt/in/data.txt > /out\n',
    'data.txt': 'one\n',
    'other.txt': 'unrelated\n',
  });
  ok(d.berth(['build', '-t', 'bind:1', dir]), 'build');
  assert.equal(run('bind:1', 'cat /out'), 'one\n');
  assert.equal(run('bind:1', 'test -e /mnt/in && echo present || echo absent').trim(), 'absent');
  const step = /^RUN --mount/;
  // An unrelated change: the step is cached (through the docker CLI too, with a tar context).
  writeFileSync(join(dir, 'other.txt'), 'changed\n');
  assert.equal(stepUsedCache(ok(d.berth(['build', '-t', 'bind:2', dir])), step), true);
  assert.equal(stepUsedCache(ok(dockerLegacy(['build', '-t', 'bind:2', dir])), step), true);
  // The bound file changes: the step runs again and sees the new content.
  writeFileSync(join(dir, 'data.txt'), 'two\n');
  assert.equal(stepUsedCache(ok(d.berth(['build', '-t', 'bind:3', dir])), step), false);
  assert.equal(run('bind:3', 'cat /out'), 'two\n');
  assert.equal(stepUsedCache(ok(dockerLegacy(['build', '-t', 'bind:4', dir])), step), true);
});

test('a bind of the whole context hides what .dockerignore excludes', () => {
  const dir = context('bind-ignore', {
    'Dockerfile': 'FROM busybox\nWORKDIR /src\nRUN --mount=type=bind,target=. find . | sort > /listing\n',
    '.dockerignore': 'secret*\nsub/skip\n',
    'app.c': 'int main;\n',
    'secret.env': 'TOKEN=1\n',
    'sub/keep': 'k\n',
    'sub/skip': 's\n',
  });
  ok(d.berth(['build', '-t', 'bindignore:1', dir]), 'build');
  const listing = run('bindignore:1', 'cat /listing').trim().split('\n');
  assert.deepEqual(listing, ['.', './.dockerignore', './Dockerfile', './app.c', './sub', './sub/keep']);
  // WORKDIR made /src; the relative target was /src itself, and stays an (empty) directory.
  assert.equal(run('bindignore:1', 'ls -A /src | wc -l').trim(), '0');
});

test('a bind from another stage; rw binds take writes that reach neither the context nor the image', () => {
  const dir = context('bind-stage', {
    'Dockerfile': [
      'FROM busybox AS gen',
      'RUN mkdir /gen && echo generated > /gen/file',
      'FROM busybox',
      'RUN --mount=type=bind,from=gen,source=/gen,target=/g cat /g/file > /from-stage',
      'RUN --mount=type=bind,target=/ctx,rw sh -c \'echo leak > /ctx/new.txt; echo more >> /ctx/data.txt; cat /ctx/data.txt > /rw-saw\'',
      'RUN --mount=type=bind,from=gen,target=/g,rw sh -c \'echo leak > /g/gen/file; echo leak > /g/new\'',
      'RUN --mount=type=bind,from=gen,source=gen/file,target=/f,rw sh -c \'echo changed > /f; cat /f > /file-saw\'',
      'RUN --mount=type=bind,target=/ro sh -c \'touch /ro/x 2>/dev/null && echo writable || echo read-only\' > /ro-saw',
      // A cache seeded from a stage: its first user finds the stage's files there.
      'RUN --mount=type=cache,id=seeded,from=gen,source=/gen,target=/seeded cat /seeded/file > /seeded-saw',
      '',
    ].join('\n'),
    'data.txt': 'data\n',
  });
  for (const [i, build] of [() => d.berth(['build', '--no-cache', '-t', 'bindstage:1', dir]), () => dockerLegacy(['build', '--no-cache', '-t', 'bindstage:2', dir])].entries()) {
    ok(build(), `build ${i}`);
    const tag = `bindstage:${i + 1}`;
    assert.equal(run(tag, 'cat /from-stage'), 'generated\n');
    assert.equal(run(tag, 'cat /rw-saw'), 'data\nmore\n');
    assert.equal(run(tag, 'cat /file-saw'), 'changed\n');
    assert.equal(run(tag, 'cat /ro-saw'), 'read-only\n');
    assert.equal(run(tag, 'cat /seeded-saw'), 'generated\n');
    assert.equal(run(tag, 'ls /ctx /g /f /ro 2>&1 | grep -c "No such file"').trim(), '4');
    assert.deepEqual(readdirSync(dir).sort(), ['Dockerfile', 'data.txt']);
    assert.equal(readFileSync(join(dir, 'data.txt'), 'utf8'), 'data\n');
  }
  // The stage the later steps read is untouched by their writes.
  ok(d.berth(['build', '--target', 'gen', '-t', 'bindstage:gen', dir]));
  assert.equal(run('bindstage:gen', 'cat /gen/file; ls /new 2>&1 | grep -c "No such file"'), 'generated\n1\n');
});

test('tmpfs mounts, and --network=none', () => {
  const dir = context('tmpfs', {
    Dockerfile: [
      'FROM busybox',
      'RUN --mount=type=tmpfs,target=/scratch,size=1m sh -c \'grep " /scratch " /proc/mounts > /mounted; echo x > /scratch/f; df -k /scratch | tail -1 | awk "{print \\$2}" > /size\'',
      'RUN --network=none sh -c \'(ip -4 addr show eth0 2>&1 | grep inet; ip route | grep default) > /net || echo no-eth0 > /net\'',
      'RUN --network=default sh -c \'ip -4 addr show eth0 | grep -c inet > /net-default\'',
      'RUN --security=sandbox true',
      '',
    ].join('\n'),
  });
  ok(d.berth(['build', '-t', 'tmpfs:1', dir]), 'build');
  assert.match(run('tmpfs:1', 'cat /mounted'), /^tmpfs \/scratch tmpfs /);
  assert.equal(run('tmpfs:1', 'cat /size').trim(), '1024');
  assert.equal(run('tmpfs:1', 'test -e /scratch && echo present || echo absent').trim(), 'absent');
  assert.equal(run('tmpfs:1', 'cat /net').trim(), 'no-eth0');
  assert.equal(run('tmpfs:1', 'cat /net-default').trim(), '1');
});

test('secrets and ssh cannot be provided: optional ones are skipped, required ones fail naming the line', () => {
  const bad = context('secret', { Dockerfile: 'FROM busybox\nRUN true\nRUN --mount=type=secret,id=token,required cat /run/secrets/token\n' });
  const r = d.berth(['build', bad]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /dockerfile parse error line 3: --mount=type=secret: berth cannot provide the secret "token"/);
  const ssh = context('ssh', { Dockerfile: 'FROM busybox\nRUN --mount=type=ssh,required=true true\n' });
  assert.match(d.berth(['build', ssh]).stderr, /dockerfile parse error line 2: --mount=type=ssh: berth cannot provide the ssh agent "default"/);
  const optional = context('secret-optional', {
    Dockerfile: 'FROM busybox\nRUN --mount=type=secret,id=token --mount=type=ssh,required=false sh -c \'test -e /run/secrets/token && echo has || echo none\' > /secret\n',
  });
  ok(d.berth(['build', '-t', 'secret:1', optional]), 'optional secret');
  assert.equal(run('secret:1', 'cat /secret'), 'none\n');
  const insecure = context('insecure', { Dockerfile: 'FROM busybox\n\nRUN --security=insecure true\n' });
  assert.match(d.berth(['build', insecure]).stderr, /dockerfile parse error line 3: --security=insecure is not allowed/);
  const badKey = context('badkey', { Dockerfile: 'FROM busybox\nRUN --mount=type=cache,target=/x,colour=blue true\n' });
  assert.match(d.berth(['build', badKey]).stderr, /dockerfile parse error line 2: unexpected key 'colour' in 'colour=blue'/);
});

test('paths out of the context or a stage\'s root are refused', () => {
  const dir = context('hostile', { Dockerfile: 'FROM busybox\nRUN --mount=type=bind,source=../..,target=/x ls /x\n' });
  const r = d.berth(['build', dir]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /line 2: --mount source "\.\.\/\.\.": forbidden path outside the build context/);
  const fromStage = context('hostile-stage', { Dockerfile: 'FROM busybox AS a\nFROM busybox\nRUN --mount=type=bind,from=a,source=../../etc,target=/x ls /x\n' });
  assert.match(d.berth(['build', fromStage]).stderr, /line 3: --mount source "\.\.\/\.\.\/etc": forbidden path outside the root of a/);
  // A link in the context resolves inside the context: /etc here is the context's, which has no passwd.
  const link = context('hostile-link', { Dockerfile: 'FROM busybox\nRUN --mount=type=bind,source=etc-link/passwd,target=/x cat /x\n' });
  symlinkSync('/etc', join(link, 'etc-link'));
  assert.match(d.berth(['build', link]).stderr, /line 2: --mount source "etc-link\/passwd": file not found in build context/);
});

test('COPY --link gives what COPY gives; --exclude and --parents (Dockerfile 1.7)', () => {
  const dir = context('copyflags', {
    'Dockerfile': [
      'FROM busybox',
      'COPY app /plain/',
      'COPY --link app /linked/',
      'COPY --exclude=*.md --exclude=tmp app /excluded/',
      'COPY --exclude=**/*.md app /deep-excluded/',
      'COPY --exclude=*.md app/* /globbed/',
      'COPY --parents app/*/*.txt /parents/',
      'COPY --parents app/./lib /pivot/',
      '',
    ].join('\n'),
    'app/a.txt': 'a\n',
    'app/README.md': 'r\n',
    'app/notes.md': 'n\n',
    'app/tmp/t.txt': 't\n',
    'app/lib/l.txt': 'l\n',
    'app/lib/doc.md': 'd\n',
  });
  for (const [i, build] of [() => d.berth(['build', '-t', 'copyflags:1', dir]), () => dockerLegacy(['build', '-t', 'copyflags:2', dir])].entries()) {
    ok(build(), `build ${i}`);
    const tree = (p: string) => run(`copyflags:${i + 1}`, `cd ${p} && find . -type f | sort`).trim().split('\n');
    assert.deepEqual(tree('/linked'), tree('/plain'));
    assert.deepEqual(tree('/excluded'), ['./a.txt', './lib/doc.md', './lib/l.txt']);
    assert.deepEqual(tree('/deep-excluded'), ['./a.txt', './lib/l.txt', './tmp/t.txt']);
    assert.deepEqual(tree('/globbed'), ['./a.txt', './l.txt', './t.txt']);
    assert.deepEqual(tree('/parents'), ['./app/lib/l.txt', './app/tmp/t.txt']);
    assert.deepEqual(tree('/pivot'), ['./lib/doc.md', './lib/l.txt']);
  }
});

test('builder prune empties the cache mounts', () => {
  assert.ok(cacheMounts().length > 0);
  const out = ok(d.docker(['builder', 'prune', '-f']));
  assert.match(out, /Total reclaimed space: /);
  assert.deepEqual(cacheMounts(), []);
  const dir = join(d.dir, 'cache');
  ok(d.berth(['build', '--no-cache', '-t', 'cache:3', dir]), 'build after prune');
  assert.equal(run('cache:3', 'cat /seen').trim(), '0');
});

test('nothing is left behind', async () => {
  // No step's bundle (with its overlays and file copies), nor an uploaded context's scratch space, is left.
  assert.deepEqual(readdirSync(join(d.dataRoot, 'builder', 'tmp')), []);
  await d.assertNoLeaks();
});
