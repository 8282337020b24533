// berthd's HTTP surface: ping headers, versions, errors, the lock, clean shutdown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { TestDaemon, ok } from '../helpers/daemon.js';

let d: TestDaemon;
before(async () => { d = new TestDaemon('bt-api'); await d.start(); });
after(async () => { await d.cleanup(); });

test('ping answers GET and HEAD with Docker headers', async () => {
  const get = await d.http('GET', '/_ping');
  assert.equal(get.status, 200);
  assert.equal(get.body, 'OK');
  assert.equal(get.headers['api-version'], '1.47');
  assert.equal(get.headers['ostype'], 'linux');
  assert.equal(get.headers['docker-experimental'], 'false');
  assert.equal(get.headers['builder-version'], '1');
  const head = await d.http('HEAD', '/_ping');
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], '0');
});

test('versioned and unversioned paths are both served', async () => {
  for (const p of ['/version', '/v1.24/version', '/v1.47/version']) {
    const r = await d.http('GET', p);
    assert.equal(r.status, 200, p);
    assert.equal(JSON.parse(r.body).ApiVersion, '1.47');
  }
});

test('a newer or older API version is refused as Docker does', async () => {
  const r = await d.http('GET', '/v1.99/version');
  assert.equal(r.status, 400);
  assert.equal(JSON.parse(r.body).message, 'client version 1.99 is too new. Maximum supported API version is 1.47');
  const o = await d.http('GET', '/v1.12/version');
  assert.equal(o.status, 400);
  assert.match(JSON.parse(o.body).message, /client version 1.12 is too old. Minimum supported API version is 1.24/);
});

test('unknown routes give a JSON 404', async () => {
  const r = await d.http('GET', '/v1.47/nothing/here');
  assert.equal(r.status, 404);
  assert.deepEqual(JSON.parse(r.body), { message: 'page not found' });
});

test('swarm and plugin commands get a non-swarm dockerd\'s answers', async () => {
  const notManager = 'Error response from daemon: This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
  for (const args of [['node', 'ls'], ['service', 'ls'], ['secret', 'ls'], ['config', 'ls'], ['stack', 'ls']]) {
    const r = d.docker(args);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(r.stderr.trim(), notManager, args.join(' '));
  }
  assert.equal((await d.http('GET', '/nodes')).status, 503);
  assert.equal(d.docker(['swarm', 'leave']).stderr.trim(), 'Error response from daemon: This node is not part of a swarm');
  assert.equal(ok(d.docker(['plugin', 'ls', '-q'])), '');
  assert.equal(d.docker(['plugin', 'inspect', 'foo']).code, 1);
  assert.equal((await d.http('GET', '/plugins/foo/json')).status, 404);
});

test('info has Docker\'s shape and counts', async () => {
  const info = JSON.parse((await d.http('GET', '/info')).body);
  for (const k of ['ID', 'Containers', 'ContainersRunning', 'Images', 'Driver', 'DockerRootDir', 'NCPU', 'MemTotal', 'OperatingSystem', 'ServerVersion', 'Swarm']) assert.ok(k in info, k);
  assert.equal(info.DockerRootDir, d.dataRoot);
  assert.equal(info.Images, 0);
  // What containers show in LogConfig.Type, and containers outlive berthd.
  assert.equal(info.LoggingDriver, 'json-file');
  assert.equal(info.LiveRestoreEnabled, true);
});

test('the docker CLI talks to berthd: version and info', () => {
  const v = ok(d.docker(['version', '--format', '{{.Server.APIVersion}}']), 'docker version');
  assert.equal(v.trim(), '1.47');
  const i = ok(d.docker(['info', '--format', '{{.Images}} {{.Driver}}']), 'docker info');
  assert.equal(i.trim(), '0 overlay2');
});

test('berth version and info reach the daemon through DOCKER_HOST and -H', () => {
  const v = ok(d.berth(['version']), 'berth version');
  assert.match(v, /Server: berth/);
  const h = ok(d.berth(['-H', `unix://${d.socket}`, 'info', '--format', '{{.Images}}'], { env: { DOCKER_HOST: 'unix:///nonexistent.sock' } }));
  assert.equal(h.trim(), '0');
});

test('berth reports an unreachable daemon with exit 1', () => {
  const r = d.berth(['-H', 'unix:///tmp/no-such-berth.sock', 'images']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Cannot connect to the berth daemon at unix:\/\/\/tmp\/no-such-berth.sock/);
});

test('a second daemon on the same data root is refused', async () => {
  const other = new TestDaemon('bt-lock');
  try {
    await assert.rejects(other.start(['--data-root', d.dataRoot]), /already using data root/);
  } finally {
    await other.cleanup();
  }
  assert.ok(await d.ping());
});

test('SIGTERM shuts down cleanly and removes the socket', async () => {
  const t = new TestDaemon('bt-term');
  try {
    await t.start();
    assert.equal(await t.stop(), 0);
    assert.equal(existsSync(t.socket), false);
  } finally {
    await t.cleanup();
  }
});
