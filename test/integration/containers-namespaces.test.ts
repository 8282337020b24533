// --pid, --ipc, --uts, --cgroupns and the host/container network modes' names, through both CLIs
// against a real berthd: what the container sees, the joins Docker refuses and its messages, and
// no shm mount left behind.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { existsSync, readdirSync, readlinkSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { daemonWithBusybox, ok, hasDockerCli } from '../helpers/daemon.js';
import { mountsUnder } from '../../src/common/mountinfo.js';

const skip = !hasDockerCli() && 'docker CLI not installed';
const d = daemonWithBusybox('bns');
const shmMounts = () => mountsUnder(d.dataRoot).filter((m) => m.endsWith('/mounts/shm'));

for (const cli of ['docker', 'berth'] as const) {
  describe(`through the ${cli} CLI`, () => {
    const run = (...args: string[]) => (cli === 'docker' ? d.docker(args) : d.berth(args));

    test('--pid host sees the host\'s processes; container: sees the donor\'s', { skip }, () => {
      assert.equal(ok(run('run', '--rm', '--pid', 'host', 'busybox', 'sh', '-c', `test -d /proc/${d.pid} && echo seen`)), 'seen\n');
      ok(run('run', '-d', '--name', 'pdonor', 'busybox', 'sleep', '60'));
      const ps = ok(run('run', '--rm', '--pid', 'container:pdonor', 'busybox', 'ps', '-o', 'pid,args'));
      assert.match(ps, /^\s*1 sleep 60$/m, ps);
      ok(run('rm', '-f', 'pdonor'));
    });

    test('--ipc shareable is joined by container:, with one /dev/shm; private and stopped donors are refused', { skip }, () => {
      ok(run('run', '-d', '--name', 'idonor', '--ipc', 'shareable', '--shm-size', '8m', 'busybox', 'sleep', '60'));
      const donorNs = ok(run('exec', 'idonor', 'sh', '-c', 'echo shared > /dev/shm/x; readlink /proc/self/ns/ipc')).trim();
      assert.equal(shmMounts().length, 1, 'the shareable /dev/shm is a tmpfs on the host');
      const joined = ok(run('run', '--rm', '--ipc', 'container:idonor', 'busybox', 'sh', '-c', 'cat /dev/shm/x; readlink /proc/self/ns/ipc; df -k /dev/shm | tail -1'));
      const [content, ns, df] = joined.trim().split('\n');
      assert.equal(content, 'shared');
      assert.equal(ns, donorNs);
      assert.match(df!, /\s8192\s/, 'the donor\'s --shm-size');

      ok(run('run', '-d', '--name', 'iprivate', 'busybox', 'sleep', '60'));
      const refused = run('run', '--rm', '--ipc', 'container:iprivate', 'busybox', 'true');
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /container iprivate: non-shareable IPC \(hint: use IpcMode:shareable for the donor container\)/);
      ok(run('stop', '-t', '0', 'idonor'));
      assert.deepEqual(shmMounts(), [], 'unmounted when the donor stops');
      const stopped = run('run', '--rm', '--ipc', 'container:idonor', 'busybox', 'true');
      assert.match(stopped.stderr, /container idonor is not running/);
      const missing = run('run', '--rm', '--pid', 'container:no-such', 'busybox', 'true');
      assert.match(missing.stderr, /No such container: no-such/);
      // Started again, the donor gets its shm back.
      ok(run('start', 'idonor'));
      assert.equal(shmMounts().length, 1);
      ok(run('rm', '-f', 'idonor', 'iprivate'));
      assert.deepEqual(shmMounts(), []);
      ok(run('container', 'prune', '-f'));
    });

    test('--ipc host shares the host\'s namespace; none has no /dev/shm', { skip }, () => {
      assert.equal(ok(run('run', '--rm', '--ipc', 'host', 'busybox', 'readlink', '/proc/self/ns/ipc')).trim(), readlinkSync('/proc/self/ns/ipc'));
      const none = run('run', '--rm', '--ipc', 'none', 'busybox', 'ls', '/dev/shm');
      assert.notEqual(none.code, 0);
      assert.match(none.stderr, /No such file or directory/);
      assert.notEqual(ok(run('run', '--rm', 'busybox', 'readlink', '/proc/self/ns/ipc')).trim(), readlinkSync('/proc/self/ns/ipc'));
    });

    test('--uts host and --network host have the host\'s name; container: has the owner\'s', { skip }, () => {
      assert.equal(ok(run('run', '--rm', '--uts', 'host', 'busybox', 'hostname')).trim(), hostname());
      assert.equal(ok(run('run', '--rm', '--network', 'host', 'busybox', 'sh', '-c', 'hostname; echo $HOSTNAME')), `${hostname()}\n${hostname()}\n`);
      ok(run('run', '-d', '--name', 'nowner', '--hostname', 'owner-host', 'busybox', 'sleep', '60'));
      assert.equal(ok(run('run', '--rm', '--network', 'container:nowner', 'busybox', 'hostname')).trim(), 'owner-host');
      ok(run('rm', '-f', 'nowner'));
    });

    test('--cgroupns private roots the container\'s cgroup view; host shows its place', { skip }, () => {
      const own = ok(run('run', '--rm', '--cgroupns', 'private', 'busybox', 'cat', '/proc/self/cgroup'));
      assert.ok(own.split('\n').filter(Boolean).every((l) => l.endsWith(':/')), own);
      const host = ok(run('run', '--rm', '--cgroupns', 'host', 'busybox', 'cat', '/proc/self/cgroup'));
      assert.match(host, new RegExp(`/${d.cgroupParent}/[0-9a-f]{64}$`, 'm'));
    });

    test('--cgroup-parent puts the container under another parent', { skip }, async () => {
      const parent = `${d.cgroupParent}-own`;
      try {
        const own = ok(run('run', '--rm', '--cgroupns', 'host', '--cgroup-parent', `/${parent}`, 'busybox', 'cat', '/proc/self/cgroup'));
        assert.match(own, new RegExp(`^\\d+:pids:/${parent}/[0-9a-f]{64}$`, 'm'));
        // A relative parent starts at the root too (not under runc's own cgroup, conmon's).
        const relative = ok(run('run', '--rm', '--cgroupns', 'host', '--cgroup-parent', parent, 'busybox', 'cat', '/proc/self/cgroup'));
        assert.match(relative, new RegExp(`^\\d+:pids:/${parent}/[0-9a-f]{64}$`, 'm'));
      } finally {
        // Like dockerd, berthd leaves a parent it did not make its own for the next container; the
        // leaf goes when the --rm removal ends, just after the CLI returns.
        const left = () => readdirSync('/sys/fs/cgroup').map((h) => join('/sys/fs/cgroup', h, parent)).filter((p) => existsSync(p));
        for (let i = 0; i < 50 && left().length; i++) {
          for (const p of left()) { try { rmdirSync(p); } catch { /* the leaf is still there */ } }
          if (left().length) await new Promise((r) => setTimeout(r, 100));
        }
        assert.deepEqual(left(), []);
      }
    });
  });
}

test('invalid namespace modes, unknown runtimes, other platforms and device requests are refused with Docker\'s messages', { skip }, async () => {
  for (const [hc, message] of [
    [{ IpcMode: 'bogus' }, 'invalid IPC mode: bogus'],
    [{ IpcMode: 'container:' }, 'invalid IPC mode: container:'],
    [{ PidMode: 'container' }, 'invalid PID mode: container'],
    [{ UTSMode: 'private' }, 'invalid UTS mode: private'],
    [{ CgroupnsMode: 'shared' }, 'invalid cgroup namespace mode: shared'],
  ] as const) {
    const r = await d.http('POST', '/containers/create', JSON.stringify({ Image: 'busybox', HostConfig: hc }), { 'Content-Type': 'application/json' });
    assert.equal(r.status, 400, r.body);
    assert.equal(JSON.parse(r.body).message, message);
  }
  // Another platform's image is NotFound, so that the docker CLI goes on to pull the right one.
  const host = process.arch === 'x64' ? 'amd64' : process.arch;
  const other = host === 'amd64' ? 'arm64' : 'amd64';
  const foreign = await d.http('POST', `/containers/create?platform=linux%2F${other}`, JSON.stringify({ Image: 'busybox' }), { 'Content-Type': 'application/json' });
  assert.equal(foreign.status, 404, foreign.body);
  assert.match(JSON.parse(foreign.body).message, new RegExp(`^image with reference busybox was found but does not match the specified platform: wanted linux/${other}, actual: linux/${host}`));
  ok(d.docker(['rm', ok(d.docker(['create', '--platform', `linux/${host}`, 'busybox', 'true'])).trim()]));
  const runtime = d.docker(['create', '--runtime', 'crun', 'busybox', 'true']);
  assert.match(runtime.stderr, /unknown or invalid runtime name: crun/);
  assert.equal(ok(d.docker(['ps', '-aq'])), '');
  // No device driver is registered: a GPU request fails at start, as on a dockerd without one.
  const gpus = d.docker(['run', '--name', 'gpu', '--gpus', 'all', 'busybox', 'true']);
  assert.match(gpus.stderr, /could not select device driver "" with capabilities: \[\[gpu\]\]/);
  assert.equal(ok(d.docker(['inspect', '-f', '{{.State.Status}}', 'gpu'])).trim(), 'created');
  ok(d.docker(['rm', 'gpu']));
  await d.assertNoLeaks();
});
