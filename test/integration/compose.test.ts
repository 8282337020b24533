// berth compose and docker-compose 1.29 against a real berthd, on one application: a one-shot
// migration that must complete first, a busybox httpd behind a healthcheck with a published
// port, a built worker that reaches it by service name, a named volume and a bind mount.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { BERTH, ROOT, daemonWithBusybox, ok, type RunResult, type TestDaemon } from '../helpers/daemon.js';
import { hasTmux, withTmux } from '../helpers/tmux.js';

const d = daemonWithBusybox('bcomp');
const APP = join(ROOT, 'test/fixtures/compose/app');
const FILE = join(APP, 'compose.yaml');

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

async function eventually(what: string, f: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (f()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** The project's containers by name → id, from the daemon (labels, as both tools write them). */
function containers(dm: TestDaemon, project: string): Record<string, string> {
  const out = ok(dm.berth(['ps', '-a', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Names}} {{.ID}}']));
  return Object.fromEntries(out.trim().split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]));
}

function leftovers(dm: TestDaemon, project: string): { containers: string; networks: string; volumes: string } {
  return {
    containers: ok(dm.berth(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`])).trim(),
    networks: ok(dm.berth(['network', 'ls', '-q', '--filter', `name=${project}_`])).trim(),
    volumes: ok(dm.berth(['volume', 'ls', '-q', '--filter', `name=${project}_`])).trim(),
  };
}

interface Tool {
  run(args: string[], env?: NodeJS.ProcessEnv): RunResult;
  /** Container name of replica n: `p-web-1` (compose v2) or `p_web_1` (1.29). */
  name(service: string, n: number): string;
}

async function scenario(t: Tool, project: string): Promise<void> {
  const c = (args: string[], env?: NodeJS.ProcessEnv) => ok(t.run(args, env), args.join(' '));
  c(['up', '-d']);

  // ps: the one-shot has completed, web is healthy (the gate the worker waited for).
  const ps = c(['ps', '-a']);
  assert.match(ps, new RegExp(`${t.name('web', 1)}.*healthy`));
  assert.match(ps, new RegExp(t.name('worker', 1)));
  const migrate = JSON.parse(ok(d.berth(['inspect', t.name('migrate', 1)])))[0];
  assert.equal(migrate.State.Status, 'exited');
  assert.equal(migrate.State.ExitCode, 0);

  // The published port answers on 127.0.0.1 with the bind-mounted page.
  const port = Number(c(['port', 'web', '80']).trim().split(':').pop());
  assert.match(await get(port), /berth compose web/);

  // logs: the migration ran, and the worker reaches web by its service name.
  assert.match(c(['logs', 'migrate']), /migrated/);
  await eventually('the worker to reach http://web/', () => /worker got: <h1>berth compose web<\/h1>/.test(c(['logs', 'worker'])));

  // exec: the named volume carries the migration's output; the worker's image was built.
  assert.equal(c(['exec', '-T', 'web', 'cat', '/data/schema']).trim(), 'v1');
  assert.equal(c(['exec', '-T', 'worker', 'cat', '/greeting']).trim(), 'hello-from-build');
  const failed = t.run(['exec', '-T', 'web', 'sh', '-c', 'exit 3']);
  assert.equal(failed.code, 3);

  // scale web to 2: the worker is left alone.
  const before = containers(d, project);
  c(['up', '-d', '--scale', 'web=2']);
  const scaled = containers(d, project);
  assert.ok(scaled[t.name('web', 2)], `no ${t.name('web', 2)} in ${JSON.stringify(scaled)}`);
  assert.equal(scaled[t.name('worker', 1)], before[t.name('worker', 1)]);
  assert.equal(scaled[t.name('web', 1)], before[t.name('web', 1)]);

  // A config change to one service recreates that service only.
  c(['up', '-d', '--scale', 'web=2'], { WORKER_MODE: 'b' });
  const after = containers(d, project);
  assert.notEqual(after[t.name('worker', 1)], scaled[t.name('worker', 1)], 'worker was not recreated');
  for (const n of [t.name('web', 1), t.name('web', 2), t.name('migrate', 1)]) assert.equal(after[n], scaled[n], `${n} was recreated`);
  assert.match(ok(d.berth(['exec', t.name('worker', 1), 'sh', '-c', 'echo $MODE'])), /^b$/m);

  // down -v leaves nothing of the project behind.
  c(['down', '-v']);
  assert.deepEqual(leftovers(d, project), { containers: '', networks: '', volumes: '' });
}

test('berth compose runs the application: up, ps, logs, exec, scale, recreate only what changed, down -v', { timeout: 120_000 }, async () => {
  const project = 'bc';
  await scenario({
    run: (args, env) => d.berth(['compose', '-f', FILE, '-p', project, ...args], { env }),
    name: (s, n) => `${project}-${s}-${n}`,
  }, project);
});

test('berth compose exec allocates a TTY on a terminal, and not with -T', { timeout: 60_000, skip: !hasTmux() && 'tmux not installed' }, async () => {
  const project = 'bctty';
  const run = (args: string[]) => d.berth(['compose', '-f', FILE, '-p', project, ...args]);
  ok(run(['up', '-d', 'web']), 'up web');
  try {
    await withTmux(d.dir, d.env(), async (t) => {
      const p = t.pane([process.execPath, BERTH, 'compose', '-f', FILE, '-p', project, 'exec', 'web', 'sh', '-c', 'tty; exit 4']);
      await p.waitFor(/\/dev\/pts\/\d+/);
      assert.equal(await p.exitCode(), 4);
    });
    assert.match(run(['exec', '-T', 'web', 'tty']).stdout, /not a tty/);
  } finally {
    ok(run(['down', '-v']), 'down');
  }
});

test('berth compose up fails when a service_healthy dependency turns unhealthy', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync('/tmp/bcomp-unhealthy-');
  try {
    writeFileSync(join(dir, 'compose.yaml'), [
      'services:',
      '  db:',
      '    image: busybox',
      '    command: ["sleep", "60"]',
      '    stop_grace_period: 1s',
      '    healthcheck: {test: ["CMD", "false"], interval: 500ms, retries: 1}',
      '  app:',
      '    image: busybox',
      '    command: ["sleep", "60"]',
      '    depends_on: {db: {condition: service_healthy}}',
      '',
    ].join('\n'));
    const r = d.berth(['compose', '-f', join(dir, 'compose.yaml'), '-p', 'bcu', 'up', '-d']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /dependency failed to start: container bcu-db-1 is unhealthy/);
    // As compose v2: the dependent is created, but never started.
    const app = JSON.parse(ok(d.berth(['inspect', 'bcu-app-1'])))[0];
    assert.equal(app.State.Status, 'created');
  } finally {
    ok(d.berth(['compose', '-f', join(dir, 'compose.yaml'), '-p', 'bcu', 'down', '-v']), 'down');
    assert.deepEqual(leftovers(d, 'bcu'), { containers: '', networks: '', volumes: '' });
    rmSync(dir, { recursive: true, force: true });
  }
});

test('docker-compose 1.29 runs the same application against berthd, and berth compose sees its project', { timeout: 120_000 }, async (t) => {
  if (spawnSync('sh', ['-c', 'command -v docker-compose']).status !== 0) return t.skip('docker-compose is not installed');
  const project = 'dc';
  // docker-compose 1.29 reads ContainerConfig from image inspect, which API 1.45 dropped: berthd
  // keeps it for docker-compose 1.x, so no COMPOSE_API_VERSION pin is needed (Docker ≥ 25 needs one).
  const env = { DOCKER_CONFIG: join(d.dir, 'docker-config') };
  await scenario({
    run: (args, extra) => {
      if (args[0] === 'port' || args[0] === 'ps' && args.includes('-a')) {
        // Both tools' views of the project: docker-compose's own ps and port, and berth compose's.
        const mine = d.berth(['compose', '-p', project, ...args]);
        if (mine.code !== 0) return mine;
      }
      const r = spawnSync('docker-compose', ['-f', FILE, '-p', project, ...args], { env: { ...d.env(), ...env, ...extra }, encoding: 'utf8', maxBuffer: 1 << 26 });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    name: (s, n) => `${project}_${s}_${n}`,
  }, project);
});

test('compose leaves no mounts, monitors, cgroups or network plumbing behind', async () => {
  await d.assertNoLeaks();
});
