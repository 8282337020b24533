// Compose secrets, configs and include against a real berthd: file sources bind-mounted
// read-only, variable and inline sources (and any with uid/gid/mode) copied in before start
// with their mode and owner, an included file's service with its own paths and .env, a changed
// secret recreating only the service that uses it, and the errors for what is missing.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, daemonWithBusybox, ok, type RunResult, type TestDaemon } from '../helpers/daemon.js';

const d = daemonWithBusybox('bcsec');
const FIXTURE = join(ROOT, 'test/fixtures/compose/secrets');
const PROJECT = 'bcsec';

let dir: string;
before(() => {
  // A copy: the test rewrites a secret file and removes another.
  dir = mkdtempSync('/tmp/bcsec-project-');
  cpSync(FIXTURE, dir, { recursive: true });
});
after(() => rmSync(dir, { recursive: true, force: true }));

const compose = (args: string[], env: NodeJS.ProcessEnv = {}, file = join(dir, 'compose.yaml')): RunResult =>
  d.berth(['compose', '-f', file, '-p', PROJECT, ...args], { env: { API_TOKEN: 'tok-123', ...env } });
const c = (args: string[], env?: NodeJS.ProcessEnv) => ok(compose(args, env), args.join(' '));
const exec = (service: string, ...cmd: string[]) => c(['exec', '-T', service, ...cmd]);
const statOf = (service: string, path: string) => exec(service, 'stat', '-c', '%a %u %g', path).trim();

/** The project's container ids by name. */
function ids(dm: TestDaemon): Record<string, string> {
  const out = ok(dm.berth(['ps', '-a', '--filter', `label=com.docker.compose.project=${PROJECT}`, '--format', '{{.Names}} {{.ID}}']));
  return Object.fromEntries(out.trim().split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]));
}

function leftovers(dm: TestDaemon): { containers: string; networks: string; volumes: string } {
  return {
    containers: ok(dm.berth(['ps', '-aq', '--filter', `label=com.docker.compose.project=${PROJECT}`])).trim(),
    networks: ok(dm.berth(['network', 'ls', '-q', '--filter', `name=${PROJECT}_`])).trim(),
    volumes: ok(dm.berth(['volume', 'ls', '-q', '--filter', `name=${PROJECT}_`])).trim(),
  };
}

test('compose secrets, configs and include: mounted, copied in, recreated on change, with compose v2 errors', { timeout: 180_000 }, async () => {
  try {
    // config prints the definitions and the long syntax of the services' uses.
    const config = c(['config']);
    assert.match(config, /secrets:\n {6}- source: db_password\n {6}- source: api_token\n {8}target: token\n/);
    assert.match(config, /^secrets:\n {2}api_token:\n {4}name: bcsec_api_token\n {4}environment: API_TOKEN\n/m);
    assert.match(config, /^configs:\n {2}app_conf:\n {4}name: bcsec_app_conf\n {4}content: \|\n {6}greeting=hello-from-dotenv\n {6}literal=\$HOME\n/m);
    assert.match(config, new RegExp(`extra_secret:\\n {4}name: bcsec_extra_secret\\n {4}file: ${join(dir, 'extra/extra-secret.txt')}\\n`));

    c(['up', '-d']);
    const first = ids(d);
    assert.deepEqual(Object.keys(first).sort(), ['bcsec-app-1', 'bcsec-extra-1', 'bcsec-other-1']);

    // A file secret: bind-mounted, read-only.
    assert.equal(exec('app', 'cat', '/run/secrets/db_password'), 'pw-v1');
    const write = compose(['exec', '-T', 'app', 'sh', '-c', 'echo x > /run/secrets/db_password']);
    assert.notEqual(write.code, 0);
    assert.match(write.stderr + write.stdout, /Read-only file system/);
    const mounts = JSON.parse(ok(d.berth(['inspect', 'bcsec-app-1'])))[0].Mounts as Array<{ Source: string; Destination: string; RW: boolean }>;
    assert.deepEqual(mounts.filter((m) => m.Destination.startsWith('/run/secrets')).map((m) => [m.Source, m.Destination, m.RW]), [[join(dir, 'secrets/db_password.txt'), '/run/secrets/db_password', false]]);

    // A secret from the environment, relative target under /run/secrets: 0444 root.
    assert.equal(exec('app', 'cat', '/run/secrets/token'), 'tok-123');
    assert.equal(statOf('app', '/run/secrets/token'), '444 0 0');
    // A file secret with owner and mode: copied with them.
    assert.equal(exec('app', 'cat', '/etc/owned_pw'), 'pw-v1');
    assert.equal(statOf('app', '/etc/owned_pw'), '400 1000 2000');
    // An inline config, interpolated from .env: at /<name> by default, 0444, or where and how asked.
    assert.equal(exec('app', 'cat', '/app_conf'), 'greeting=hello-from-dotenv\nliteral=$HOME\n');
    assert.equal(statOf('app', '/app_conf'), '444 0 0');
    assert.equal(statOf('app', '/etc/app.conf'), '640 0 0');
    // A file config: a read-only bind.
    assert.equal(exec('other', 'cat', '/etc/plain.txt'), 'plain config\n');
    assert.notEqual(compose(['exec', '-T', 'other', 'sh', '-c', 'echo x > /etc/plain.txt']).code, 0);

    // A one-off run container gets them too.
    assert.equal(c(['run', '--rm', '-T', '--no-deps', 'app', 'cat', '/run/secrets/token', '/app_conf']), 'tok-123greeting=hello-from-dotenv\nliteral=$HOME\n');

    // The included file's service: its secret relative to its own directory, its own .env.
    assert.equal(exec('extra', 'cat', '/run/secrets/extra_secret'), 'extra secret\n');
    assert.match(exec('extra', 'env'), /^EXTRA_VAR=from-extra-env$/m);
    assert.match(exec('extra', 'env'), /^LABEL=extra-label$/m);

    // Nothing changed: up leaves every container alone.
    c(['up', '-d']);
    assert.deepEqual(ids(d), first);

    // A changed secret file recreates the one service that uses it.
    writeFileSync(join(dir, 'secrets/db_password.txt'), 'pw-v2');
    c(['up', '-d']);
    const second = ids(d);
    assert.notEqual(second['bcsec-app-1'], first['bcsec-app-1'], 'app was not recreated');
    assert.equal(second['bcsec-other-1'], first['bcsec-other-1'], 'other was recreated');
    assert.equal(second['bcsec-extra-1'], first['bcsec-extra-1'], 'extra was recreated');
    assert.equal(exec('app', 'cat', '/etc/owned_pw'), 'pw-v2');
    assert.equal(exec('app', 'cat', '/run/secrets/db_password'), 'pw-v2');

    // So does a changed variable behind an environment secret.
    c(['up', '-d'], { API_TOKEN: 'tok-456' });
    const third = ids(d);
    assert.notEqual(third['bcsec-app-1'], second['bcsec-app-1'], 'app was not recreated');
    assert.equal(third['bcsec-other-1'], second['bcsec-other-1']);
    assert.equal(exec('app', 'cat', '/run/secrets/token'), 'tok-456');

    // What is missing fails up before anything changes, with compose v2's texts.
    const unset = compose(['up', '-d'], { API_TOKEN: undefined });
    assert.notEqual(unset.code, 0);
    assert.match(unset.stderr, /environment variable "API_TOKEN" required by file "bcsec_api_token" is not set/);
    renameSync(join(dir, 'plain.txt'), join(dir, 'plain.txt.away'));
    const missing = compose(['up', '-d'], { API_TOKEN: 'tok-456' });
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, new RegExp(`config "plain" file "${join(dir, 'plain.txt')}" not found`));
    assert.deepEqual(ids(d), third);
    renameSync(join(dir, 'plain.txt.away'), join(dir, 'plain.txt'));

    // An including file that redefines an included service: compose-go v2's error.
    const conflicting = join(dir, 'conflict.yaml');
    writeFileSync(conflicting, 'include:\n  - extra/compose.yaml\nservices:\n  extra:\n    image: busybox\n');
    const conflict = compose(['config'], {}, conflicting);
    assert.notEqual(conflict.code, 0);
    assert.match(conflict.stderr, /services\.extra conflicts with imported resource/);
  } finally {
    // down needs neither the variable nor the files.
    ok(compose(['down', '-v'], { API_TOKEN: undefined }), 'down');
    assert.deepEqual(leftovers(d), { containers: '', networks: '', volumes: '' });
  }
});

test('compose secrets leave no mounts, monitors, cgroups or network plumbing behind', async () => {
  await d.assertNoLeaks();
});
