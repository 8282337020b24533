// berth compose's cp, events, stats, wait, attach, scale, volumes, commit and export against a
// real berthd, on one project (test/fixtures/compose/commands): each command's output and exit
// status as docker compose v2 gives them, then `down -v` leaves nothing behind.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BERTH, ROOT, daemonWithBusybox, ok, type RunResult } from '../helpers/daemon.js';

const d = daemonWithBusybox('bccmd');
const FILE = join(ROOT, 'test/fixtures/compose/commands/compose.yaml');
const P = 'bcc';
const compose = (args: string[], input?: string): RunResult => d.berth(['compose', '-f', FILE, '-p', P, ...args], { input });
const c = (args: string[]) => ok(compose(args), `compose ${args.join(' ')}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually(what: string, f: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (f()) return;
    await sleep(100);
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** A berth compose command left running (events, attach), its output collected; stopped by its PID. */
class Child {
  readonly proc: ChildProcess;
  out = '';
  err = '';
  readonly exited: Promise<number | null>;
  constructor(args: string[]) {
    this.proc = spawn(process.execPath, [BERTH, 'compose', '-f', FILE, '-p', P, ...args], { env: d.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout!.on('data', (b) => { this.out += b; });
    this.proc.stderr!.on('data', (b) => { this.err += b; });
    this.exited = new Promise((r) => this.proc.on('exit', (code) => r(code)));
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) process.kill(this.proc.pid!, 'SIGTERM');
    await this.exited;
  }
}

const lines = (s: string) => s.split('\n').filter(Boolean);
const stateOf = (name: string) => JSON.parse(ok(d.berth(['inspect', name])))[0].State;
const idOf = (name: string): string => JSON.parse(ok(d.berth(['inspect', name])))[0].Id;

test('compose wait, events, attach, stats, scale, cp, volumes, commit, export on a project; down -v removes it all', { timeout: 180_000 }, async () => {
  const tmp = mkdtempSync('/tmp/bccmd-files-');
  const children: Child[] = [];
  try {
    c(['up', '-d']);

    // wait: blocks until the job exits, prints its full id and exits with its status.
    const waiting = d.berthAsync(['compose', '-f', FILE, '-p', P, 'wait', 'job']);
    await sleep(1500);
    c(['exec', '-T', 'job', 'touch', '/tmp/go']);
    const waited = await waiting;
    assert.equal(waited.code, 3, waited.stderr);
    assert.equal(waited.stdout, `container "${idOf('bcc-job-1')}" exited with status code 3\n`);
    // Only running containers are waited for: none left for the job.
    const none = compose(['wait', 'job']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no containers for project "bcc"/);

    // events: a restart of the ticker, as JSON and as compose's text lines, for that service only.
    const json = new Child(['events', '--json']);
    const text = new Child(['events', 'ticker']);
    const webOnly = new Child(['events', 'web']);
    children.push(json, text, webOnly);
    await sleep(1500);
    c(['restart', 'ticker']);
    await eventually('the restart event', () => /"action":"restart"/.test(json.out) && / container restart /.test(text.out));
    await Promise.all([json.stop(), text.stop(), webOnly.stop()]);
    const tickerId = idOf('bcc-ticker-1');
    const restart = lines(json.out).map((l) => JSON.parse(l)).find((e) => e.action === 'restart');
    assert.deepEqual(Object.keys(restart), ['action', 'attributes', 'id', 'service', 'time', 'type']);
    assert.equal(restart.id, tickerId);
    assert.equal(restart.service, 'ticker');
    assert.equal(restart.type, 'container');
    assert.equal(restart.attributes.name, 'bcc-ticker-1');
    assert.equal(restart.attributes.image, 'busybox');
    assert.ok(!Object.keys(restart.attributes).some((k) => k.startsWith('com.docker.compose.')), JSON.stringify(restart.attributes));
    assert.match(restart.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
    assert.match(text.out, new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6} container restart ${tickerId} \\(.*name=bcc-ticker-1.*\\)\\n\\n`, 'm'));
    assert.equal(webOnly.out, '', 'events for web only saw the ticker');

    // attach: the ticker's output; stopping the attach (no signal proxy) leaves the ticker running.
    const attach = new Child(['attach', '--no-stdin', '--sig-proxy=false', 'ticker']);
    children.push(attach);
    await eventually('attach to print the ticker output', () => /tick\n/.test(attach.out));
    await attach.stop();
    assert.equal(stateOf('bcc-ticker-1').Running, true);
    const notRunning = compose(['attach', 'job']);
    assert.equal(notRunning.code, 1);
    assert.match(notRunning.stderr, /service "job" is not running/);

    // stats: the project's running containers only (not another container), -a adds the job.
    ok(d.berth(['run', '-d', '--name', 'bccmd-other', 'busybox', 'sleep', '60']), 'run other');
    try {
      const names = (args: string[]) => lines(c(['stats', '--no-stream', '--format', '{{.Name}}', ...args])).sort();
      assert.deepEqual(names([]), ['bcc-ticker-1', 'bcc-web-1']);
      assert.deepEqual(names(['web']), ['bcc-web-1']);
      assert.deepEqual(names(['-a']), ['bcc-job-1', 'bcc-ticker-1', 'bcc-web-1']);
      const table = c(['stats', '--no-stream', 'ticker']);
      assert.match(table, /^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS\n[0-9a-f]{12}\s+bcc-ticker-1\s/);
      const tooMany = compose(['stats', 'web', 'ticker']);
      assert.equal(tooMany.code, 1);
      assert.match(tooMany.stderr, /accepts at most 1 arg\(s\), received 2/);
    } finally {
      ok(d.berth(['rm', '-f', 'bccmd-other']), 'rm other');
    }

    // scale: web to two replicas; the ticker is left alone.
    const web1 = idOf('bcc-web-1');
    c(['scale', 'web=2']);
    assert.equal(stateOf('bcc-web-2').Running, true);
    assert.equal(idOf('bcc-web-1'), web1);
    assert.equal(idOf('bcc-ticker-1'), tickerId);
    const badScale = compose(['scale', 'web']);
    assert.equal(badScale.code, 1);
    assert.match(badScale.stderr, /invalid scale specifier: web/);

    // cp into the service: every replica; with --index, that one only.
    writeFileSync(join(tmp, 'hello.txt'), 'hello replicas\n');
    writeFileSync(join(tmp, 'second.txt'), 'only the second\n');
    const copied = c(['cp', join(tmp, 'hello.txt'), 'web:/tmp/hello.txt']);
    assert.equal(copied, '');
    for (const i of ['1', '2']) assert.equal(c(['exec', '-T', '--index', i, 'web', 'cat', '/tmp/hello.txt']), 'hello replicas\n');
    c(['cp', '--index', '2', join(tmp, 'second.txt'), 'web:/tmp/']);
    assert.equal(c(['exec', '-T', '--index', '2', 'web', 'cat', '/tmp/second.txt']), 'only the second\n');
    assert.notEqual(compose(['exec', '-T', '--index', '1', 'web', 'cat', '/tmp/second.txt']).code, 0);
    // cp out of the service: to a file, and as a tar stream on stdout.
    c(['cp', 'web:/tmp/hello.txt', join(tmp, 'back.txt')]);
    assert.equal(readFileSync(join(tmp, 'back.txt'), 'utf8'), 'hello replicas\n');
    const tar = compose(['cp', 'web:/tmp/hello.txt', '-']);
    assert.equal(tar.code, 0, tar.stderr);
    assert.match(tar.stdout, /^hello\.txt\0/);
    assert.match(tar.stdout, /hello replicas\n/);
    const failures: Array<[string[], RegExp]> = [
      [['cp', 'web:/a', 'ticker:/b'], /^copying between services is not supported\n$/],
      [['cp', join(tmp, 'hello.txt'), join(tmp, 'x')], /^unknown copy direction\n$/],
      [['cp', '--all', 'web:/tmp/hello.txt', tmp], /^Flag --all has been deprecated, .*\ncannot use the --all flag when copying from a service\n$/],
      [['cp', 'nosuch:/x', tmp], /^no container found for service "nosuch"\n$/],
      [['cp', '--index', '5', 'web:/x', tmp], /^service "web" is not running container #5\n$/],
      // The progress line comes first, as compose's plain progress prints it.
      [['cp', 'web:/no/such/file', tmp], /^ bcc-web-\d copy bcc-web-\d:\/no\/such\/file to .*Copying\nError response from daemon: Could not find the file \/no\/such\/file in container [0-9a-f]{64}\n$/],
    ];
    for (const [args, err] of failures) {
      const r = compose(args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, err, args.join(' '));
    }

    // volumes: the project's volume, as compose's table and -q; none for a service without one.
    assert.deepEqual(lines(c(['volumes'])), ['DRIVER    VOLUME NAME', 'local     bcc_data']);
    assert.equal(c(['volumes', '-q']), 'bcc_data\n');
    assert.equal(c(['volumes', '-q', 'web']), 'bcc_data\n');
    assert.equal(c(['volumes', '-q', 'ticker']), '');
    assert.deepEqual(JSON.parse(c(['volumes', '--format', 'json'])).Name, 'bcc_data');
    const noSuch = compose(['volumes', 'nosuch']);
    assert.equal(noSuch.code, 1);
    assert.match(noSuch.stderr, /no such service: nosuch/);

    // commit: an image of the second web replica, with the file copied into it.
    const committed = c(['commit', '--index', '2', 'web', 'bcc-commit:v1']);
    assert.equal(committed, '');
    const img = JSON.parse(ok(d.berth(['image', 'inspect', 'bcc-commit:v1'])))[0];
    assert.ok(img.Id.startsWith('sha256:'));
    assert.equal(ok(d.berth(['run', '--rm', 'bcc-commit:v1', 'cat', '/tmp/second.txt'])), 'only the second\n');
    ok(d.berth(['rmi', 'bcc-commit:v1']), 'rmi');

    // export: the container's filesystem as a tar file.
    c(['export', '-o', join(tmp, 'web.tar'), 'web']);
    assert.ok(statSync(join(tmp, 'web.tar')).size > 100_000);
    assert.ok(readFileSync(join(tmp, 'web.tar')).includes('tmp/hello.txt'));
    const exportedToStdout = compose(['export', 'web']);
    assert.equal(exportedToStdout.code, 0, exportedToStdout.stderr);
    assert.ok(exportedToStdout.stdout.length > 100_000);

    // down -v: no container, network or volume of the project is left.
    c(['down', '-v']);
    assert.equal(ok(d.berth(['ps', '-aq', '--filter', `label=com.docker.compose.project=${P}`])).trim(), '');
    assert.equal(ok(d.berth(['network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${P}`])).trim(), '');
    assert.equal(ok(d.berth(['network', 'ls', '-q', '--filter', `name=${P}_`])).trim(), '');
    assert.equal(ok(d.berth(['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${P}`])).trim(), '');
    assert.equal(ok(d.berth(['volume', 'ls', '-q', '--filter', `name=${P}_`])).trim(), '');
  } finally {
    await Promise.all(children.map((ch) => ch.stop()));
    compose(['down', '-v', '-t', '0']);
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('compose wait --down-project removes the project once its container stops', { timeout: 60_000 }, async () => {
  try {
    c(['up', '-d', 'job']);
    const waiting = d.berthAsync(['compose', '-f', FILE, '-p', P, 'wait', '--down-project', 'job']);
    await sleep(1500);
    c(['exec', '-T', 'job', 'touch', '/tmp/go']);
    const r = await waiting;
    assert.equal(r.code, 3, r.stderr);
    assert.equal(ok(d.berth(['ps', '-aq', '--filter', `label=com.docker.compose.project=${P}`])).trim(), '');
  } finally {
    compose(['down', '-v', '-t', '0']);
  }
});

test('compose commands leave no mounts, monitors, cgroups or network plumbing behind', async () => {
  await d.assertNoLeaks();
});
