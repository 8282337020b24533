// berthd's command line: dockerd's flag names, defaults and refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DAEMON_USAGE, parseDaemonArgs, type DaemonConfig } from '../../src/daemon/config.js';

const parse = (args: string[]) => parseDaemonArgs(args) as DaemonConfig;

test('help lists the options sorted by long name, descriptions in one column', () => {
  const lines = DAEMON_USAGE.split('\n').filter((l) => /^ {2}(-\w, | {4})--/.test(l));
  const names = lines.map((l) => /--([\w-]+)/.exec(l)![1]!);
  assert.deepEqual(names, [...names].sort());
  const columns = new Set(lines.map((l) => /^ +-\S.*? {3,}(?=\S)/.exec(l)![0].length));
  assert.equal(columns.size, 1, 'descriptions start in the same column');
});

test('--dns, --dns-search and --dns-opt are the containers\' defaults; --log-driver too', () => {
  const c = parse(['--dns', '192.0.2.53', '--dns', '192.0.2.54', '--dns-search', 'corp.example', '--dns-opt', 'ndots:2', '--log-driver', 'none']);
  assert.deepEqual(c.dns, { servers: ['192.0.2.53', '192.0.2.54'], search: ['corp.example'], options: ['ndots:2'] });
  assert.equal(c.logDriver, 'none');
  assert.deepEqual(parse([]).dns, { servers: [], search: [], options: [] });
  assert.equal(parse([]).logDriver, undefined);
});

test('--live-restore and --storage-driver overlay2 are accepted; other drivers are refused', () => {
  assert.doesNotThrow(() => parse(['--live-restore', '--storage-driver', 'overlay2']));
  assert.doesNotThrow(() => parse(['-s', 'overlay']));
  assert.throws(() => parse(['--storage-driver', 'btrfs']), /error initializing graphdriver: driver not supported: btrfs/);
  assert.throws(() => parse(['--log-driver', 'syslog']), /logging driver "syslog" is not supported by berth/);
});

test('--default-shm-size and --default-ulimit are parsed as docker run\'s --shm-size and --ulimit', () => {
  const c = parse(['--default-shm-size', '32m', '--default-ulimit', 'nofile=1000:2000', '--default-ulimit', 'nproc=512']);
  assert.equal(c.defaultShmSize, 32 << 20);
  assert.deepEqual(c.defaultUlimits, [{ Name: 'nofile', Soft: 1000, Hard: 2000 }, { Name: 'nproc', Soft: 512, Hard: 512 }]);
  assert.throws(() => parse(['--default-shm-size', 'lots']), /invalid size: 'lots'/);
  assert.throws(() => parse(['--default-ulimit', 'bogus=1']), /invalid ulimit type: bogus/);
});
