// Container logs with real conmon: rotation by size loses no line, reads span the rotated files,
// follow survives a rotation, and the framing through the API keeps the two streams apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { daemonWithBusybox, ok, hasDockerCli } from '../helpers/daemon.js';

const skip = !hasDockerCli() && 'docker CLI not installed';
const d = daemonWithBusybox('blogs');

const docker = (...args: string[]) => d.docker(args);
const numbers = (n: number) => Array.from({ length: n }, (_, i) => `line-${String(i).padStart(6, '0')}-${'x'.repeat(40)}`);

test('logs rotate by size and no line is lost; follow reads across rotations', { skip }, async () => {
  // ~3000 lines of 55 bytes (plus conmon's ~45-byte prefix) over ~3 s: several rotations at 60 kB.
  const script = 'i=0; while [ $i -lt 3000 ]; do printf "line-%06d-%s\\n" $i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); [ $((i % 100)) = 0 ] && usleep 100000; done; true';
  const id = ok(docker('run', '-d', '--name', 'rot', '--log-opt', 'max-size=60k', '--log-opt', 'max-file=10', 'busybox', 'sh', '-c', script)).trim();
  const follow = d.dockerAsync(['logs', '-f', 'rot']);
  assert.equal(ok(docker('wait', 'rot')).trim(), '0');
  const followed = await follow;
  const files = readdirSync(join(d.dataRoot, 'containers', id)).filter((f) => f.startsWith(`${id}-json.log`));
  assert.ok(files.length >= 3, `expected rotated files, got ${files.join(', ')}`);
  const expected = numbers(3000).join('\n') + '\n';
  assert.equal(followed.stdout, expected, 'follow across rotations');
  assert.equal(ok(docker('logs', 'rot')), expected, 'read across rotated files');
  assert.equal(ok(docker('logs', '--tail', '3', 'rot')), numbers(3000).slice(-3).join('\n') + '\n');
  ok(docker('rm', 'rot'));
});

test('max-file drops the oldest files only', { skip }, () => {
  const id = ok(docker('run', '-d', '--name', 'drop', '--log-opt', 'max-size=20k', '--log-opt', 'max-file=2', 'busybox', 'sh', '-c',
    'i=0; while [ $i -lt 2000 ]; do echo "n$i"; i=$((i+1)); [ $((i % 200)) = 0 ] && usleep 1200000; done')).trim();
  assert.equal(ok(docker('wait', 'drop')).trim(), '0');
  const files = readdirSync(join(d.dataRoot, 'containers', id)).filter((f) => f.startsWith(`${id}-json.log`));
  assert.ok(files.length <= 2, files.join(', '));
  const lines = ok(docker('logs', 'drop')).trim().split('\n');
  // What is kept is a contiguous run ending at the last line.
  assert.equal(lines.at(-1), 'n1999');
  const first = Number(lines[0].slice(1));
  assert.deepEqual(lines, Array.from({ length: 2000 - first }, (_, i) => `n${first + i}`));
  ok(docker('rm', 'drop'));
});

test('invalid log options are refused at create with Docker\'s message', { skip }, () => {
  const r = docker('create', '--log-opt', 'max-size=abc', 'busybox', 'true');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /invalid size: 'abc'/);
  const u = docker('create', '--log-opt', 'foo=bar', 'busybox', 'true');
  assert.match(u.stderr, /unknown log opt 'foo' for json-file log driver/);
  assert.equal(ok(docker('ps', '-aq')), '');
});

test('the none driver keeps no log: attached output still arrives, logs is refused as Docker refuses it', { skip }, () => {
  assert.equal(ok(docker('run', '--rm', '--log-driver', 'none', 'busybox', 'echo', 'attached')), 'attached\n');
  const id = ok(docker('run', '-d', '--name', 'nolog', '--log-driver', 'none', 'busybox', 'sh', '-c', 'echo hidden; sleep 30')).trim();
  assert.equal(ok(docker('inspect', '-f', '{{.HostConfig.LogConfig.Type}}|{{.LogPath}}', 'nolog')).trim(), 'none|');
  const r = docker('logs', 'nolog');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /configured logging driver does not support reading/);
  assert.deepEqual(readdirSync(join(d.dataRoot, 'containers', id)).filter((f) => f.includes('json.log')), []);
  ok(docker('rm', '-f', 'nolog'));
});
