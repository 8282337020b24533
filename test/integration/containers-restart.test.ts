// berthd killed with SIGKILL while containers run and exit, then restarted: running containers
// still run, exits that happened meanwhile show their real code and time, logs are whole,
// half-created containers are swept, and nothing leaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, existsSync, readdirSync, readFileSync, rmdirSync, writeFileSync, lstatSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { daemonWithBusybox, ok, hasDockerCli } from '../helpers/daemon.js';

const skip = !hasDockerCli() && 'docker CLI not installed';
const d = daemonWithBusybox('bcrash');

const docker = (...args: string[]) => d.docker(args);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const state = (name: string) => JSON.parse(ok(docker('inspect', name)))[0].State;

test('SIGKILL of berthd: containers survive, exits are recorded, logs are whole', { skip }, async () => {
  ok(docker('run', '-d', '--name', 'exits', 'busybox', 'sh', '-c', 'echo start; sleep 1.5; echo end; exit 7'));
  ok(docker('run', '-d', '--name', 'runs', 'busybox', 'sleep', '60'));
  ok(docker('run', '-d', '--name', 'counter', 'busybox', 'sh', '-c', 'i=0; while [ $i -lt 400 ]; do echo $i; i=$((i+1)); usleep 10000; done; sleep 60'));
  ok(docker('run', '-d', '--rm', '--name', 'gone', 'busybox', 'sleep', '1'));
  ok(docker('create', '--name', 'fresh', 'busybox', 'echo', 'fresh'));
  const runsPid = state('runs').Pid;
  // A create that died half-way: a container dir without a record.
  const half = join(d.dataRoot, 'containers', 'f'.repeat(64));
  mkdirSync(join(half, 'upper'), { recursive: true });

  const killedAt = Date.now();
  await d.stop('SIGKILL');
  await sleep(2500);
  await d.start();

  const exited = state('exits');
  assert.equal(exited.Status, 'exited');
  assert.equal(exited.ExitCode, 7);
  const finished = Date.parse(exited.FinishedAt);
  assert.ok(finished > killedAt && finished < Date.now() - 500, `FinishedAt ${exited.FinishedAt} must be the real exit time`);
  assert.equal(ok(docker('logs', 'exits')), 'start\nend\n');

  const running = state('runs');
  assert.equal(running.Status, 'running');
  assert.equal(running.Pid, runsPid);
  assert.equal(ok(docker('exec', 'runs', 'echo', 'alive')), 'alive\n');

  // The counter kept writing while berthd was down: no line lost or doubled.
  await sleep(2500);
  const lines = ok(docker('logs', 'counter')).trim().split('\n');
  assert.equal(lines.length, 400);
  assert.deepEqual(lines, Array.from({ length: 400 }, (_, i) => String(i)));

  assert.match(docker('inspect', 'gone').stderr, /No such object|No such container/);
  assert.equal(existsSync(half), false, 'half-created container swept');

  ok(docker('start', 'fresh'));
  assert.equal(ok(docker('wait', 'fresh')).trim(), '0');
  assert.equal(ok(docker('logs', 'fresh')), 'fresh\n');

  // The re-adopted container stops and its exit is seen through the new daemon's watcher.
  ok(docker('stop', '-t', '1', 'runs'));
  assert.equal(state('runs').ExitCode, 137);
  ok(docker('rm', '-f', 'exits', 'runs', 'counter', 'fresh'));
  assert.equal(ok(docker('ps', '-aq')), '');
  const leaks = d.leaks();
  assert.deepEqual(leaks.mounts, []);
  assert.deepEqual(leaks.conmons, []);
});

/** A cgroup in every hierarchy but cpuset, as a service manager gives a service (a systemd unit). */
function unitCgroup(name: string): { dirs: string[]; join(pid: number): void; pids(): number[]; remove(): void } {
  const dirs = readdirSync('/sys/fs/cgroup').map((h) => join('/sys/fs/cgroup', h))
    .filter((h) => !h.endsWith('/cpuset') && lstatSync(h).isDirectory() && !lstatSync(h).isSymbolicLink());
  const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
  const all = v2 ? ['/sys/fs/cgroup'] : dirs;
  const groups = all.map((h) => join(h, name));
  for (const g of groups) mkdirSync(g, { recursive: true });
  return {
    dirs: groups,
    join: (pid) => { for (const g of groups) writeFileSync(join(g, 'cgroup.procs'), String(pid)); },
    pids: () => [...new Set(groups.flatMap((g) => readFileSync(join(g, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number)))],
    // Whatever is still inside (a monitor that failed to leave) goes back to the root, so the group can go.
    remove: () => {
      for (const g of groups) {
        for (const pid of readFileSync(join(g, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
          try { writeFileSync(join(dirname(g), 'cgroup.procs'), pid); } catch { /* exited */ }
        }
        rmdirSync(g);
      }
    },
  };
}

test('stopping berthd by its cgroup (systemd KillMode=control-group) leaves containers running', { skip }, async () => {
  const unit = unitCgroup(`${d.cgroupParent}-unit`);
  try {
    // berthd runs in its service's cgroup, as under systemd; conmon must not stay in it.
    unit.join(d.pid!);
    ok(docker('run', '-d', '--name', 'kept', 'busybox', 'sleep', '60'));
    const { Pid } = state('kept');
    // What systemd does on stop: SIGKILL every process in the unit's cgroup.
    const inUnit = unit.pids();
    assert.deepEqual(inUnit, [d.pid], 'only berthd itself is in its service cgroup');
    const exited = d.stop('SIGKILL');
    for (const pid of inUnit) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    await exited;
    await d.start();
    const st = state('kept');
    assert.equal(st.Status, 'running');
    assert.equal(st.Pid, Pid);
    assert.equal(ok(docker('exec', 'kept', 'echo', 'alive')), 'alive\n');
    ok(docker('rm', '-f', 'kept'));
  } finally {
    unit.remove();
  }
});
