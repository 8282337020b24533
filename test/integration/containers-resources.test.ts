// Resource limits end to end through both CLIs: the kernel enforces them (OOM kill, pids limit),
// the container's cgroups hold them (read from the host), update changes them in place, devices
// appear, and top/stats report the container's processes and usage.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { daemonWithBusybox, ok, hasDockerCli } from '../helpers/daemon.js';

const skip = !hasDockerCli() && 'docker CLI not installed';
const d = daemonWithBusybox('bres');
const V2 = existsSync('/sys/fs/cgroup/cgroup.controllers');

/** A file of a running container's cgroup, found through its init's /proc/<pid>/cgroup. */
function cgroupFile(pid: number, controller: string, v1File: string, v2File: string): string {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  if (V2) {
    const path = lines.find((l) => l.startsWith('0::'))!.slice(3);
    return readFileSync(join('/sys/fs/cgroup', path, v2File), 'utf8').trim();
  }
  const line = lines.find((l) => l.split(':')[1]?.split(',').includes(controller))!;
  const path = line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
  return readFileSync(join('/sys/fs/cgroup', controller, path, v1File), 'utf8').trim();
}

for (const cli of ['docker', 'berth'] as const) {
  describe(`through the ${cli} CLI`, () => {
    const run = (...args: string[]) => (cli === 'docker' ? d.docker(args) : d.berth(args));
    const pidOf = (name: string) => Number(ok(run('inspect', '-f', '{{.State.Pid}}', name)).trim());
    const n = (s: string) => `${s}-${cli}`;

    test('a memory hog over -m 20m is OOM-killed: exit 137 and OOMKilled', { skip }, () => {
      const r = run('run', '--name', n('oom'), '-m', '20m', 'busybox', 'sh', '-c', 'x=a; while :; do x=$x$x; done');
      assert.equal(r.code, 137, r.stderr);
      const st = JSON.parse(ok(run('inspect', n('oom'))))[0];
      assert.equal(st.State.OOMKilled, true);
      assert.equal(st.State.ExitCode, 137);
      assert.equal(st.HostConfig.Memory, 20 << 20);
      assert.equal(st.HostConfig.MemorySwap, 40 << 20);
      ok(run('rm', n('oom')));
    });

    test('--cpus, --cpu-shares and -m are in the running container\'s cgroups', { skip }, () => {
      ok(run('run', '-d', '--name', n('cpu'), '--cpus', '0.5', '--cpu-shares', '512', '-m', '64m', 'busybox', 'sleep', '60'));
      const pid = pidOf(n('cpu'));
      if (V2) {
        assert.equal(cgroupFile(pid, 'cpu', '', 'cpu.max'), '50000 100000');
      } else {
        assert.equal(cgroupFile(pid, 'cpu', 'cpu.cfs_quota_us', ''), '50000');
        assert.equal(cgroupFile(pid, 'cpu', 'cpu.cfs_period_us', ''), '100000');
        assert.equal(cgroupFile(pid, 'cpu', 'cpu.shares', ''), '512');
        assert.equal(cgroupFile(pid, 'memory', 'memory.memsw.limit_in_bytes', ''), String(128 << 20));
      }
      assert.equal(cgroupFile(pid, 'memory', 'memory.limit_in_bytes', 'memory.max'), String(64 << 20));
      ok(run('rm', '-f', n('cpu')));
    });

    test('--pids-limit 20 stops a fork bomb; top and stats count at most 20 processes', { skip }, () => {
      ok(run('run', '-d', '--name', n('pids'), '--pids-limit', '20', 'busybox', 'sh', '-c', '(for i in $(seq 1 50); do sleep 30 & done); sleep 30'));
      const pid = pidOf(n('pids'));
      assert.equal(cgroupFile(pid, 'pids', 'pids.max', 'pids.max'), '20');
      // The subshell gives up at its first failed fork; its sleeps stay.
      for (let i = 0; i < 100 && !run('logs', n('pids')).stderr.includes("can't fork"); i++) spinWait(50);
      assert.match(run('logs', n('pids')).stderr, /can't fork/);
      const current = Number(cgroupFile(pid, 'pids', 'pids.current', 'pids.current'));
      assert.ok(current > 5 && current <= 20, `pids.current ${current}`);
      const sleeps = ok(run('top', n('pids'))).split('\n').filter((l) => l.includes('sleep 30'));
      assert.ok(sleeps.length > 5 && sleeps.length <= 20, `${sleeps.length} sleeps`);
      const pids = Number(ok(run('stats', '--no-stream', '--format', '{{.PIDs}}', n('pids'))).trim());
      assert.ok(pids > 5 && pids <= 20, `stats PIDs ${pids}`);
      ok(run('rm', '-f', n('pids')));
    });

    test('update changes a running container\'s limits, with Docker\'s checks', { skip }, () => {
      ok(run('run', '-d', '--name', n('upd'), '-m', '64m', '--cpus', '0.5', 'busybox', 'sleep', '60'));
      const pid = pidOf(n('upd'));
      assert.equal(ok(run('update', '-m', '32m', '--pids-limit', '30', n('upd'))), `${n('upd')}\n`);
      assert.equal(cgroupFile(pid, 'memory', 'memory.limit_in_bytes', 'memory.max'), String(32 << 20));
      assert.equal(cgroupFile(pid, 'pids', 'pids.max', 'pids.max'), '30');
      ok(run('update', '--cpus', '0.8', n('upd')));
      assert.equal(V2 ? cgroupFile(pid, 'cpu', '', 'cpu.max') : cgroupFile(pid, 'cpu', 'cpu.cfs_quota_us', ''), V2 ? '80000 100000' : '80000');
      const hc = JSON.parse(ok(run('inspect', n('upd'))))[0].HostConfig;
      assert.equal(hc.Memory, 32 << 20);
      assert.equal(hc.NanoCpus, 8e8);
      assert.equal(hc.PidsLimit, 30);

      const tooBig = run('update', '-m', '200m', n('upd'));
      assert.equal(tooBig.code, 1);
      assert.match(tooBig.stderr, /^Error response from daemon: Cannot update container [0-9a-f]{64}: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time\n$/);
      const quota = run('update', '--cpu-quota', '50000', n('upd'));
      assert.match(quota.stderr, /Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set/);
      const cpus = run('update', '--cpus', '9', n('upd'));
      assert.equal(cpus.stderr, `Error response from daemon: Range of CPUs is from 0.01 to ${hostCpus()}.00, as there are only ${hostCpus()} CPUs available\n`);
      const none = run('update', n('upd'));
      assert.equal(none.code, 1);
      assert.equal(none.stderr, 'you must provide one or more flags when using this command\n');
      // Nothing of the refused updates was applied.
      assert.equal(cgroupFile(pid, 'memory', 'memory.limit_in_bytes', 'memory.max'), String(32 << 20));

      // A stopped container only keeps the new configuration.
      ok(run('stop', '-t', '0', n('upd')));
      const stopped = run('update', '--restart', 'on-failure:3', '-m', '48m', n('upd'), 'no-such-ctr');
      assert.equal(stopped.code, 1);
      assert.equal(stopped.stdout, `${n('upd')}\n`);
      assert.equal(stopped.stderr, 'Error response from daemon: No such container: no-such-ctr\n');
      const st = JSON.parse(ok(run('inspect', n('upd'))))[0].HostConfig;
      assert.deepEqual([st.Memory, st.RestartPolicy.Name, st.RestartPolicy.MaximumRetryCount], [48 << 20, 'on-failure', 3]);
      ok(run('rm', '-f', n('upd')));
    });

    test('--device creates the node and allows it in the devices cgroup', { skip: skip || (!existsSync('/dev/fuse') && 'no /dev/fuse') }, () => {
      ok(run('run', '-d', '--name', n('dev'), '--device', '/dev/fuse', '--device', '/dev/null:/dev/other-null:r', '--device-cgroup-rule', 'c 42:* rmw', 'busybox', 'sleep', '60'));
      const ls = ok(run('exec', n('dev'), 'ls', '-l', '/dev/fuse', '/dev/other-null'));
      assert.match(ls, /^c[rw-]{9}\s+1\s+\S+\s+\S+\s+10,\s+229 .*\/dev\/fuse$/m);
      assert.match(ls, /^c[rw-]{9}\s+1\s+\S+\s+\S+\s+1,\s+3 .*\/dev\/other-null$/m);
      if (!V2) {
        const list = cgroupFile(pidOf(n('dev')), 'devices', 'devices.list', '').split('\n');
        for (const rule of ['c 10:229 rwm', 'c 42:* rwm']) assert.ok(list.includes(rule), `${rule} in ${list.join(', ')}`);
      }
      const without = run('run', '--rm', 'busybox', 'ls', '/dev/fuse');
      assert.notEqual(without.code, 0);
      ok(run('rm', '-f', n('dev')));
      const missing = run('run', '--rm', '--device', '/dev/no-such-device', 'busybox', 'true');
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /error gathering device information while adding custom device "\/dev\/no-such-device": no such file or directory/);
    });

    test('top lists the container\'s processes, with ps options', { skip }, () => {
      ok(run('run', '-d', '--name', n('top'), 'busybox', 'sh', '-c', 'sleep 61 & sleep 62; wait'));
      const out = ok(run('top', n('top'))).split('\n');
      assert.match(out[0]!, /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
      assert.ok(out.some((l) => /\ssleep 61$/.test(l)), out.join('\n'));
      assert.ok(out.some((l) => /\ssleep 62$/.test(l)), out.join('\n'));
      assert.equal(out.filter((l) => /\ssleep 6[12]$/.test(l)).length, 2);
      const custom = ok(run('top', n('top'), '-o', 'pid,comm')).split('\n');
      assert.match(custom[0]!, /^PID\s+COMMAND$/);
      assert.ok(custom.some((l) => /^\d+\s+sleep$/.test(l)));
      ok(run('create', '--name', n('top-created'), 'busybox'));
      const notRunning = run('top', n('top-created'));
      assert.equal(notRunning.code, 1);
      assert.match(notRunning.stderr, /^Error response from daemon: container [0-9a-f]{64} is not running\n$/);
      ok(run('rm', '-f', n('top'), n('top-created')));
    });

    test('stats --no-stream shows the container\'s memory; --format and json', { skip }, () => {
      ok(run('run', '-d', '--name', n('st'), '-m', '64m', 'busybox', 'sh', '-c', 'a=$(seq 1 200000); sleep 60; echo $a'));
      const table = ok(run('stats', '--no-stream', n('st'))).split('\n');
      assert.match(table[0]!, /^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS$/);
      assert.match(table[1]!, new RegExp(`^[0-9a-f]{12}\\s+${n('st')}\\s+\\d+\\.\\d\\d%\\s+[\\d.]+[KM]iB / 64MiB\\s+\\d+\\.\\d\\d%\\s+\\S+ / \\S+\\s+\\S+ / \\S+\\s+[12]$`));
      const custom = ok(run('stats', '--no-stream', '--format', '{{.Container}} {{.Name}} {{.MemUsage}}', n('st'))).trim();
      assert.match(custom, new RegExp(`^${n('st')} ${n('st')} [\\d.]+[KM]iB / 64MiB$`));
      const json = JSON.parse(ok(run('stats', '--no-stream', '--format', 'json', n('st'))));
      assert.deepEqual(Object.keys(json), ['BlockIO', 'CPUPerc', 'Container', 'ID', 'MemPerc', 'MemUsage', 'Name', 'NetIO', 'PIDs']);
      assert.notEqual(json.MemPerc, '0.00%');
      // Without names: the running containers, by short id.
      const all = ok(run('stats', '--no-stream', '--format', '{{.Container}}:{{.Name}}'));
      assert.ok(all.split('\n').includes(`${json.ID}:${n('st')}`), all);
      const missing = run('stats', '--no-stream', 'no-such-ctr');
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, 'Error response from daemon: No such container: no-such-ctr\n');
      ok(run('rm', '-f', n('st')));
    });
  });
}

describe('the stats endpoint', () => {
  test('one sample of a running container; zeros for a stopped one; 404 for none', async () => {
    ok(d.berth(['run', '-d', '--name', 'api-st', '--pids-limit', '10', 'busybox', 'sleep', '60']));
    const one = await api('GET', '/v1.47/containers/api-st/stats?stream=0&one-shot=1');
    assert.equal(one.status, 200);
    const v = JSON.parse(one.body);
    assert.equal(v.name, '/api-st');
    assert.ok(v.memory_stats.usage > 0);
    assert.ok(v.memory_stats.limit > 0);
    assert.ok(v.cpu_stats.online_cpus >= 1);
    assert.ok(v.cpu_stats.system_cpu_usage > 0);
    assert.deepEqual(v.pids_stats, { current: 1, limit: 10 });
    assert.equal(v.preread, '0001-01-01T00:00:00Z');
    // On the default bridge: its eth0, counted from the container's own namespace (lo left out).
    assert.deepEqual(Object.keys(v.networks ?? {}), ['eth0']);
    assert.equal(typeof v.networks.eth0.rx_bytes, 'number');
    ok(d.berth(['stop', '-t', '0', 'api-st']));
    const zero = JSON.parse((await api('GET', '/v1.47/containers/api-st/stats?stream=0')).body);
    assert.equal(zero.read, '0001-01-01T00:00:00Z');
    assert.deepEqual(zero.memory_stats, {});
    assert.equal(zero.blkio_stats.io_service_bytes_recursive, null);
    const none = await api('GET', '/v1.47/containers/nope/stats?stream=0');
    assert.equal(none.status, 404);
    const top = await api('GET', '/v1.47/containers/api-st/top');
    assert.equal(top.status, 409);
    ok(d.berth(['rm', 'api-st']));
  });

  test('update answers Docker\'s UpdateResponse', async () => {
    ok(d.berth(['create', '--name', 'api-upd', 'busybox']));
    const r = await api('POST', '/v1.47/containers/api-upd/update', JSON.stringify({ CpuShares: 512 }), { 'Content-Type': 'application/json' });
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { Warnings: null });
    const bad = await api('POST', '/v1.47/containers/api-upd/update', JSON.stringify({ Memory: 1000 }), { 'Content-Type': 'application/json' });
    assert.equal(bad.status, 400);
    assert.equal(JSON.parse(bad.body).message, 'Minimum memory limit allowed is 6MB');
    ok(d.berth(['rm', 'api-upd']));
  });

  test('nothing is left behind', async () => {
    await d.assertNoLeaks();
  });
});

/** One request on its own connection (the shared agent may hold one the daemon closed while
 *  the synchronous CLI runs kept this process's event loop busy). */
function api(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: d.socket, method, path, headers, agent: false }, (res) => {
      let data = '';
      res.on('data', (c) => { data += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function hostCpus(): number {
  return availableParallelism();
}

function spinWait(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
