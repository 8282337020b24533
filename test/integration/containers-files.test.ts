// A container's files through both CLIs against a real berthd: cp both ways on running and
// stopped containers (Docker's rules for `/.`, `/`, missing destinations, symlinks, `-`), -a
// ownership, diff, commit, export | import — and the archive API itself (stat header, events).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BERTH, daemonWithBusybox, hasDockerCli, mountsUnder, ok, type RunResult } from '../helpers/daemon.js';

const skip = !hasDockerCli() && 'docker CLI not installed';
const d = daemonWithBusybox('bfile');
let tmp: string;

before(() => { tmp = mkdtempSync(join(tmpdir(), 'berth-files-')); });
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Names in a tar stream (GNU tar lists them). */
const tarNames = (bytes: Buffer | string): string[] => {
  const r = spawnSync('tar', ['-t'], { input: bytes });
  assert.equal(r.status, 0, r.stderr.toString());
  return r.stdout.toString().split('\n').filter(Boolean);
};

const hasScript = spawnSync('sh', ['-c', 'command -v script']).status === 0;

for (const cli of ['docker', 'berth'] as const) {
  describe(`files through the ${cli} CLI`, () => {
    const run = (args: string[], opts: { input?: string | Buffer } = {}): RunResult => (cli === 'docker' ? d.docker(args, opts) : d.berth(args, opts));
    const c = (n: string) => `${n}-${cli}`;
    let work: string;
    const at = (...p: string[]) => join(work, ...p);

    before(() => {
      work = join(tmp, cli);
      mkdirSync(work);
      writeFileSync(at('h.txt'), 'hello\n');
      mkdirSync(at('dir/sub'), { recursive: true });
      writeFileSync(at('dir/a'), 'a\n');
      writeFileSync(at('dir/sub/b'), 'b\n');
      ok(run(['run', '-d', '--name', c('live'), 'busybox', 'sh', '-c',
        'mkdir -p /d/sub; echo hi > /d/f; echo s > /d/sub/g; ln -s /etc/hostname /x; ln -s /d /dl; exec sleep 300']), 'run');
      // The script runs before the test needs its files: wait for the last one.
      for (let i = 0; i < 50 && run(['exec', c('live'), 'test', '-L', '/dl']).code !== 0; i++) spawnSync('sleep', ['0.1']);
    });

    test('cp out of a running container: a file, a directory, its contents with /.', { skip }, () => {
      ok(run(['cp', `${c('live')}:/d/f`, at('f')]));
      assert.equal(readFileSync(at('f'), 'utf8'), 'hi\n');
      ok(run(['cp', `${c('live')}:/d`, at('d1')]));
      assert.deepEqual(readdirSync(at('d1')).sort(), ['f', 'sub']);
      assert.equal(readFileSync(at('d1/sub/g'), 'utf8'), 's\n');
      ok(run(['cp', `${c('live')}:/d/.`, at('d2')]));
      assert.deepEqual(readdirSync(at('d2')).sort(), ['f', 'sub']);
      mkdirSync(at('d3'));
      ok(run(['cp', `${c('live')}:/d`, at('d3')]));
      ok(run(['cp', `${c('live')}:/d/.`, at('d3')]));
      assert.deepEqual(readdirSync(at('d3')).sort(), ['d', 'f', 'sub']);
      ok(run(['cp', `${c('live')}:/d/f`, at('d3/')]));
      ok(run(['cp', `${c('live')}:/dl/`, at('d4')]), 'a symlink to a directory with a trailing slash copies the directory');
      assert.deepEqual(readdirSync(at('d4')).sort(), ['f', 'sub']);
    });

    test('cp into a running container: file, directory, renamed, into /.', { skip }, () => {
      ok(run(['cp', at('h.txt'), `${c('live')}:/tmp/`]));
      ok(run(['cp', at('h.txt'), `${c('live')}:/tmp/renamed`]));
      ok(run(['cp', at('dir'), `${c('live')}:/tmp/newdir`]));
      ok(run(['cp', at('dir') + '/.', `${c('live')}:/tmp`]));
      ok(run(['cp', at('h.txt'), `${c('live')}:/dl`]), 'a destination symlink to a directory is followed');
      const ls = ok(run(['exec', c('live'), 'sh', '-c', 'cat /tmp/h.txt /tmp/renamed /tmp/newdir/sub/b /tmp/a /d/h.txt']));
      assert.equal(ls, 'hello\nhello\nb\na\nhello\n');
    });

    test('cp refuses as Docker does, with its texts and exit code 1', { skip }, () => {
      const cases: Array<[string[], RegExp]> = [
        [[`${c('live')}:/nonexist`, at('x')], new RegExp(`^Error response from daemon: Could not find the file /nonexist in container ${c('live')}\n$`)],
        [[at('h.txt'), `${c('live')}:/nonexist/dir/x`], /Could not find the file \/nonexist\/dir in container/],
        [[at('dir'), `${c('live')}:/d/f`], /cannot copy directory\n$/],
        [[at('h.txt'), `${c('live')}:/newdir/`], /no such directory\n$/],
        [[`${c('live')}:/d/f`, at('nope/x')], /^invalid output path: directory ".*\/nope" does not exist\n$/],
        [[at('h.txt'), 'nosuch:/tmp'], /^Error response from daemon: No such container: nosuch\n$/],
        [['-', `${c('live')}:/d/f`], new RegExp(`^destination "${c('live')}:/d/f" must be a directory\n$`)],
        [[`${c('live')}:/d/f/`, at('y')], /^Error response from daemon: lstat \/d\/f\/: not a directory\n$/],
        [[`${c('live')}:/d`, 'other:/x'], /^copying between containers is not supported\n$/],
        [['a', 'b'], /^must specify at least one container source\n$/],
        [[at('nonexist.txt'), `${c('live')}:/tmp`], /^lstat .*\/nonexist\.txt: no such file or directory\n$/],
      ];
      for (const [args, re] of cases) {
        const r = run(['cp', ...args], { input: '' });
        assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr.split('\n').filter((l) => !l.startsWith('time=')).join('\n'), re, args.join(' '));
      }
      assert.ok(!existsSync(at('y')) && !existsSync(at('x')));
    });

    test('cp of a symlink to /etc/hostname gives the container\'s file, never the host\'s', { skip }, () => {
      ok(run(['cp', `${c('live')}:/x`, at('x-link')]));
      assert.ok(lstatSync(at('x-link')).isSymbolicLink());
      assert.equal(readlinkSync(at('x-link')), '/etc/hostname');
      ok(run(['cp', '-L', `${c('live')}:/x`, at('x-file')]));
      const id = ok(run(['inspect', '-f', '{{.Id}}', c('live')])).trim();
      assert.equal(readFileSync(at('x-file'), 'utf8'), `${id.slice(0, 12)}\n`);
      assert.notEqual(readFileSync(at('x-file'), 'utf8'), readFileSync('/etc/hostname', 'utf8'));
      ok(run(['cp', `${c('live')}:/etc/hostname`, at('hn')]));
      assert.equal(readFileSync(at('hn'), 'utf8'), `${id.slice(0, 12)}\n`);
    });

    test('cp works on a stopped container and leaves no mount behind', { skip }, async () => {
      ok(run(['create', '--name', c('stopped'), 'busybox', 'cat', '/in']));
      ok(run(['cp', at('h.txt'), `${c('stopped')}:/in`]));
      ok(run(['cp', `${c('stopped')}:/in`, at('back')]));
      assert.equal(readFileSync(at('back'), 'utf8'), 'hello\n', 'a file copied to a missing path takes that name');
      // docker's client stops reading at the end of the archive, before the reply ends: the
      // temporary mount may outlive it by a moment.
      const mounted = () => mountsUnder(d.dir).filter((m) => m.includes('/fs-'));
      for (let i = 0; i < 50 && mounted().length; i++) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(mounted(), []);
      ok(run(['start', c('stopped')]));
      assert.equal(ok(run(['wait', c('stopped')])).trim(), '0');
      assert.equal(ok(run(['logs', c('stopped')])), 'hello\n');
      ok(run(['cp', `${c('stopped')}:/etc/hostname`, at('stopped-hn')]));
      const id = ok(run(['inspect', '-f', '{{.Id}}', c('stopped')])).trim();
      assert.equal(readFileSync(at('stopped-hn'), 'utf8'), `${id.slice(0, 12)}\n`);
      ok(run(['rm', c('stopped')]));
    });

    test('ownership: the archive\'s ids inside, -a maps to the container user, the local user outside', { skip }, () => {
      mkdirSync(at('own'));
      writeFileSync(at('own/f'), 'o');
      chownSync(at('own'), 1234, 5678);
      chownSync(at('own/f'), 1234, 5678);
      ok(run(['cp', at('own'), `${c('live')}:/tmp/own1`]));
      ok(run(['cp', '-a', at('own'), `${c('live')}:/tmp/own2`]));
      assert.equal(ok(run(['exec', c('live'), 'stat', '-c', '%u:%g', '/tmp/own1/f', '/tmp/own2/f'])), '1234:5678\n1234:5678\n');
      ok(run(['run', '-d', '--name', c('user'), '--user', '1:1', 'busybox', 'sleep', '300']));
      ok(run(['cp', '-a', at('own'), `${c('user')}:/tmp/own`]));
      assert.equal(ok(run(['exec', c('user'), 'stat', '-c', '%u:%g', '/tmp/own', '/tmp/own/f'])), '1:1\n1:1\n');
      ok(run(['rm', '-f', c('user')]));
      ok(run(['cp', '-a', `${c('live')}:/tmp/own1`, at('own-back')]));
      assert.equal(statSync(at('own-back/f')).uid, 0, 'files copied out belong to the user running cp');
    });

    test('- streams a tar in from stdin and out to stdout', { skip }, () => {
      const tarIn = spawnSync('tar', ['-C', work, '-c', 'dir']).stdout;
      ok(run(['cp', '-', `${c('live')}:/tmp`], { input: tarIn }));
      assert.equal(ok(run(['exec', c('live'), 'cat', '/tmp/dir/sub/b'])), 'b\n');
      const out = run(['cp', `${c('live')}:/d`, '-']);
      assert.equal(out.code, 0, out.stderr);
      assert.deepEqual(tarNames(Buffer.from(out.stdout, 'latin1')), ['d/', 'd/f', 'd/h.txt', 'd/sub/', 'd/sub/g']);
    });

    test('cp prints Docker\'s summary on a terminal', { skip: skip || (!hasScript && 'script(1) not installed') }, () => {
      const bin = cli === 'docker' ? 'docker' : `${process.execPath} ${BERTH}`;
      const r = spawnSync('script', ['-qc', `${bin} cp ${c('live')}:/d/f ${at('tty-f')}`, '/dev/null'], { env: d.env() });
      assert.equal(r.stdout.toString().replace(/\r/g, ''), `Successfully copied 2.05kB to ${at('tty-f')}\n`);
    });

    test('diff lists adds, changes and deletes', { skip }, () => {
      ok(run(['run', '--name', c('changed'), 'busybox', 'sh', '-c',
        'echo x > /etc/newfile; echo y >> /etc/passwd; rm /bin/zcat; mkdir -p /a/b; touch /a/b/c; mkdir /tmp/t; rmdir /tmp/t']));
      assert.equal(ok(run(['diff', c('changed')])),
        'A /a\nA /a/b\nA /a/b/c\nC /bin\nD /bin/zcat\nC /etc\nA /etc/newfile\nC /etc/passwd\n');
      ok(run(['create', '--name', c('pristine'), 'busybox']));
      assert.equal(ok(run(['diff', c('pristine')])), '');
      ok(run(['rm', c('pristine')]));
    });

    test('commit: run shows the change, with -c, -m, -a and the container as history', { skip }, () => {
      const id = ok(run(['commit', '-a', 'Ann <ann@example.com>', '-m', 'added newfile', '-c', 'CMD ["cat", "/etc/newfile"]', '-c', 'ENV K=v', c('changed'), `img-${cli}:1`])).trim();
      assert.match(id, /^sha256:[0-9a-f]{64}$/);
      assert.equal(ok(run(['run', '--rm', `img-${cli}:1`])), 'x\n');
      assert.equal(ok(run(['run', '--rm', `img-${cli}:1`, 'sh', '-c', 'echo $K; ls /bin/zcat 2>&1; ls /a/b'])), 'v\nls: /bin/zcat: No such file or directory\nc\n');
      const img = JSON.parse(ok(run(['image', 'inspect', `img-${cli}:1`])))[0];
      assert.equal(img.Id, id);
      assert.equal(img.Author, 'Ann <ann@example.com>');
      assert.equal(img.Comment, 'added newfile');
      assert.deepEqual(img.Config.Cmd, ['cat', '/etc/newfile']);
      assert.ok(img.Config.Env.includes('K=v'));
      assert.equal(img.Parent, JSON.parse(ok(run(['image', 'inspect', 'busybox'])))[0].Id);
      const history = ok(run(['history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Comment}}', `img-${cli}:1`])).split('\n')[0];
      assert.match(history!, /^sh -c echo x > \/etc\/newfile; .*\|added newfile$/);
      // A container that changed nothing adds no layer.
      ok(run(['create', '--name', c('same'), 'busybox']));
      const same = JSON.parse(ok(run(['image', 'inspect', ok(run(['commit', c('same')])).trim()])))[0];
      assert.deepEqual(same.RootFS.Layers, JSON.parse(ok(run(['image', 'inspect', 'busybox'])))[0].RootFS.Layers);
      ok(run(['rm', c('same')]));
    });

    test('commit pauses a running container by default and leaves it running', { skip }, () => {
      const since = Math.floor(Date.now() / 1000) - 1;
      ok(run(['commit', c('live'), `img-${cli}:live`]));
      ok(run(['commit', '--pause=false', c('live'), `img-${cli}:live2`]));
      const ev = ok(run(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', `container=${c('live')}`, '--format', '{{.Action}}']));
      // moby unpauses in a deferred call, after the commit event.
      assert.deepEqual(ev.split('\n').filter((a) => ['pause', 'unpause', 'commit'].includes(a)), ['pause', 'commit', 'unpause', 'commit']);
      assert.equal(ok(run(['inspect', '-f', '{{.State.Status}}', c('live')])).trim(), 'running');
      assert.equal(ok(run(['run', '--rm', `img-${cli}:live`, 'cat', '/d/f'])), 'hi\n');
    });

    test('export | import round-trips the filesystem', { skip }, () => {
      const exported = join(work, 'changed.tar');
      ok(run(['export', '-o', exported, c('changed')]));
      const names = tarNames(readFileSync(exported));
      assert.ok(names.includes('etc/newfile') && names.includes('a/b/c') && names.includes('bin/sh'), names.slice(0, 5).join(' '));
      assert.ok(!names.includes('bin/zcat') && !names.some((n) => n.includes('.wh.')));
      const bin = cli === 'docker' ? 'docker' : `${process.execPath} ${BERTH}`;
      const pipe = spawnSync('sh', ['-c', `${bin} export ${c('changed')} | ${bin} import - imported-${cli}:1`], { env: d.env() });
      assert.equal(pipe.status, 0, pipe.stderr.toString());
      assert.equal(ok(run(['run', '--rm', `imported-${cli}:1`, 'sh', '-c', 'cat /etc/newfile; ls /a/b; test -e /bin/zcat || echo gone'])), 'x\nc\ngone\n');
    });

    after(() => {
      run(['rm', '-f', c('live'), c('changed')]);
    });
  });
}

describe('the archive API', () => {
  test('HEAD carries the stat header, GET the tar and the same header, PUT extracts; each logs its event', { skip }, async () => {
    ok(d.docker(['run', '-d', '--name', 'api', 'busybox', 'sh', '-c', 'mkdir /d; echo hi > /d/f; ln -s /d /dl; exec sleep 300']));
    for (let i = 0; i < 50 && d.docker(['exec', 'api', 'test', '-L', '/dl']).code !== 0; i++) spawnSync('sleep', ['0.1']);
    const since = Math.floor(Date.now() / 1000) - 1;
    const head = await d.http('HEAD', '/containers/api/archive?path=/dl');
    assert.equal(head.status, 200);
    const stat = JSON.parse(Buffer.from(String(head.headers['x-docker-container-path-stat']), 'base64').toString());
    assert.deepEqual({ ...stat, mtime: typeof stat.mtime }, { name: 'dl', size: 2, mode: 134218239, mtime: 'string', linkTarget: '/d' });
    assert.equal((await d.http('HEAD', '/containers/api/archive?path=/nope')).status, 404);
    const missing = await d.http('GET', '/containers/api/archive');
    assert.deepEqual([missing.status, JSON.parse(missing.body).message], [400, 'bad parameter: pathcannot be empty']);
    const get = await d.http('GET', '/containers/api/archive?path=/d/.');
    assert.equal(get.headers['content-type'], 'application/x-tar');
    assert.equal(JSON.parse(Buffer.from(String(get.headers['x-docker-container-path-stat']), 'base64').toString()).name, '.');
    const small = spawnSync('tar', ['-c', '-C', join(tmp, 'docker'), 'h.txt']).stdout;
    const notDir = await d.http('PUT', '/containers/api/archive?path=/d/f', small, { 'Content-Type': 'application/x-tar' });
    assert.deepEqual([notDir.status, JSON.parse(notDir.body).message], [400, 'extraction point is not a directory']);
    const put = await d.http('PUT', '/containers/api/archive?path=/dl', small, { 'Content-Type': 'application/x-tar' });
    assert.equal(put.status, 200, put.body);
    assert.equal(ok(d.docker(['exec', 'api', 'cat', '/d/h.txt'])), 'hello\n');
    const changes = JSON.parse((await d.http('GET', '/containers/api/changes')).body);
    assert.deepEqual(changes, [{ Path: '/d', Kind: 1 }, { Path: '/d/f', Kind: 1 }, { Path: '/d/h.txt', Kind: 1 }, { Path: '/dl', Kind: 1 }]);
    await d.http('GET', '/containers/api/export');
    const ev = ok(d.docker(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'container=api', '--format', '{{.Action}}']));
    assert.deepEqual(ev.split('\n').filter((a) => ['archive-path', 'extract-to-dir', 'export'].includes(a)), ['archive-path', 'extract-to-dir', 'export']);
    ok(d.docker(['rm', '-f', 'api']));
  });
});

test('a test run leaves no mount, conmon or cgroup behind', { skip }, async () => {
  await d.assertNoLeaks();
});
