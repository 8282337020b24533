// berthd's container defaults from its own flags (--dns*, --log-driver), as dockerd applies
// them: to containers that set none of their own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { TestDaemon, ok } from '../helpers/daemon.js';

const d = new TestDaemon('bdefs');
before(async () => {
  await d.start(['--dns', '192.0.2.53', '--dns-search', 'corp.example', '--dns-opt', 'ndots:2', '--log-driver', 'none', '--live-restore', '--storage-driver', 'overlay2',
    '--default-shm-size', '32m', '--default-ulimit', 'nofile=1000:2000']);
  ok(d.berth(['bootstrap', 'busybox']), 'bootstrap');
});
after(() => d.cleanup());

test('the daemon\'s DNS settings fill a container\'s resolv.conf unless it has its own', () => {
  const conf = ok(d.docker(['run', '--rm', 'busybox', 'cat', '/etc/resolv.conf']));
  assert.match(conf, /^nameserver 192\.0\.2\.53$/m);
  assert.match(conf, /^search corp\.example$/m);
  assert.match(conf, /^options ndots:2$/m);
  const own = ok(d.docker(['run', '--rm', '--dns', '192.0.2.99', 'busybox', 'cat', '/etc/resolv.conf']));
  assert.match(own, /^nameserver 192\.0\.2\.99$/m);
  assert.doesNotMatch(own, /192\.0\.2\.53/);
  assert.match(own, /^search corp\.example$/m, 'each setting falls back on its own');
});

test('--default-shm-size and --default-ulimit apply unless the container sets its own', () => {
  assert.equal(ok(d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'df -k /dev/shm | tail -1 | awk "{print \\$2}"; ulimit -n; ulimit -Hn'])), '32768\n1000\n2000\n');
  assert.equal(ok(d.docker(['run', '--rm', '--shm-size', '8m', '--ulimit', 'nofile=500:600', 'busybox', 'sh', '-c', 'df -k /dev/shm | tail -1 | awk "{print \\$2}"; ulimit -n'])), '8192\n500\n');
  const id = ok(d.docker(['create', 'busybox', 'true'])).trim();
  assert.equal(ok(d.docker(['inspect', '-f', '{{.HostConfig.ShmSize}}', id])).trim(), String(32 << 20));
  ok(d.docker(['rm', id]));
});

test('--log-driver none is the default; a container can still ask for json-file', async () => {
  ok(d.docker(['run', '-d', '--name', 'quiet', 'busybox', 'sh', '-c', 'echo hidden; sleep 30']));
  assert.equal(ok(d.docker(['inspect', '-f', '{{.HostConfig.LogConfig.Type}}', 'quiet'])).trim(), 'none');
  assert.equal(ok(d.docker(['info', '-f', '{{.LoggingDriver}}'])).trim(), 'none');
  assert.match(d.docker(['logs', 'quiet']).stderr, /configured logging driver does not support reading/);
  ok(d.docker(['run', '--name', 'loud', '--log-driver', 'json-file', 'busybox', 'echo', 'kept']));
  assert.equal(ok(d.docker(['logs', 'loud'])), 'kept\n');
  ok(d.docker(['rm', '-f', 'quiet', 'loud']));
  await d.assertNoLeaks();
});
