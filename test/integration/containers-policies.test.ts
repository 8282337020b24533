// Containers left to run unattended: restart policies (with berthd restarts), healthchecks,
// pause/unpause — through both CLIs against a real berthd.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { daemonWithBusybox, ok, hasDockerCli } from '../helpers/daemon.js';

const d = daemonWithBusybox('bpol');

/** Polls `check` every 50 ms until it returns a value, or fails with the last one seen. */
async function until<T>(what: string, check: () => T | undefined, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const cli of ['docker', 'berth'] as const) {
  describe(`through the ${cli} CLI`, () => {
    const skip = cli === 'docker' && !hasDockerCli() && 'docker CLI not installed';
    const run = (...args: string[]) => (cli === 'docker' ? d.docker(args) : d.berth(args));
    const inspect = (n: string) => JSON.parse(ok(run('inspect', n)))[0] as {
      RestartCount: number;
      State: { Status: string; Running: boolean; Paused: boolean; Restarting: boolean; ExitCode: number; Health?: { Status: string; FailingStreak: number; Log: Array<{ ExitCode: number; Output: string }> } };
    };
    const n = (base: string) => `${base}-${cli}`;

    test('on-failure:2 restarts a failing container twice, then leaves it exited', { skip }, async () => {
      ok(run('run', '-d', '--name', n('of'), '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'exit 3'));
      const c = await until('the retries to run out', () => {
        const i = inspect(n('of'));
        return i.State.Status === 'exited' && !i.State.Restarting && i.RestartCount === 2 ? i : undefined;
      });
      assert.equal(c.State.ExitCode, 3);
      assert.equal(c.State.Running, false);
      ok(run('rm', n('of')));
    });

    test('always: restarting shows in ps, and a manual stop is never undone', { skip }, async () => {
      ok(run('run', '-d', '--name', n('al'), '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 0.2; exit 1'));
      const line = await until('a restarting status in ps', () => {
        const out = ok(run('ps', '--filter', 'status=restarting', '--format', '{{.Names}} {{.Status}}')).trim();
        return out ? out : undefined;
      });
      assert.match(line, new RegExp(`^${n('al')} Restarting \\(1\\) `));
      ok(run('stop', '-t', '1', n('al')));
      const st = inspect(n('al'));
      assert.equal(st.State.Running, false);
      assert.ok(st.RestartCount >= 1);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(inspect(n('al')).State.Status, 'exited');
      ok(run('rm', n('al')));
    });

    test('a healthcheck goes starting → unhealthy → healthy as a file appears', { skip }, async () => {
      ok(run('run', '-d', '--name', n('hc'), '--health-cmd', 'cat /tmp/ok', '--health-interval', '200ms', '--health-retries', '2', 'busybox', 'sleep', '60'));
      assert.equal(inspect(n('hc')).State.Health?.Status, 'starting');
      assert.match(ok(run('ps', '--filter', `name=${n('hc')}`, '--format', '{{.Status}}')), /\(health: starting\)|\(unhealthy\)/);
      await until('unhealthy', () => (inspect(n('hc')).State.Health?.Status === 'unhealthy' ? true : undefined));
      const h = inspect(n('hc')).State.Health!;
      assert.ok(h.FailingStreak >= 2);
      assert.match(h.Log.at(-1)!.Output, /No such file/);
      assert.match(ok(run('ps', '--filter', 'health=unhealthy', '--format', '{{.Names}} {{.Status}}')), new RegExp(`${n('hc')} Up .*\\(unhealthy\\)`));
      ok(run('exec', n('hc'), 'sh', '-c', 'echo fine > /tmp/ok'));
      await until('healthy', () => (inspect(n('hc')).State.Health?.Status === 'healthy' ? true : undefined));
      const healthy = inspect(n('hc')).State.Health!;
      assert.equal(healthy.FailingStreak, 0);
      assert.ok(healthy.Log.length <= 5);
      assert.equal(healthy.Log.at(-1)!.Output, 'fine\n');
      assert.match(ok(run('ps', '--filter', `name=${n('hc')}`, '--format', '{{.Status}}')), /\(healthy\)/);
      ok(run('rm', '-f', n('hc')));
    });

    test('--no-healthcheck and a probe that outlives its timeout', { skip }, async () => {
      ok(run('run', '-d', '--name', n('nh'), '--no-healthcheck', 'busybox', 'sleep', '60'));
      assert.equal(inspect(n('nh')).State.Health, undefined);
      ok(run('run', '-d', '--name', n('to'), '--health-cmd', 'sleep 5', '--health-interval', '100ms', '--health-timeout', '300ms', '--health-retries', '1', 'busybox', 'sleep', '60'));
      await until('a timed-out probe', () => (inspect(n('to')).State.Health?.Status === 'unhealthy' ? true : undefined));
      const log = inspect(n('to')).State.Health!.Log;
      assert.equal(log.at(-1)!.ExitCode, -1);
      assert.equal(log.at(-1)!.Output, 'Health check exceeded timeout (300ms)');
      ok(run('rm', '-f', n('nh'), n('to')));
    });

    test('pause freezes a counter, unpause resumes it; stop and kill work on a paused container', { skip }, async () => {
      ok(run('run', '-d', '--name', n('pz'), 'busybox', 'sh', '-c', 'i=0; while :; do i=$((i+1)); echo $i > /tmp/c; sleep 0.05; done'));
      const counter = () => Number(ok(run('exec', n('pz'), 'cat', '/tmp/c')).trim());
      await until('the counter to run', () => (counter() > 2 ? true : undefined));
      ok(run('pause', n('pz')));
      const st = inspect(n('pz')).State;
      assert.equal(st.Status, 'paused');
      assert.equal(st.Paused, true);
      assert.match(ok(run('ps', '--filter', 'status=paused', '--format', '{{.Names}} {{.Status}}')), new RegExp(`${n('pz')} Up .*\\(Paused\\)`));
      assert.match(run('exec', n('pz'), 'true').stderr, /is paused, unpause the container before exec/);
      assert.match(run('pause', n('pz')).stderr, /is already paused/);
      // Frozen: the counter is read from the host-side upper dir, twice, 300 ms apart.
      const upper = `${d.dataRoot}/containers/${inspect(n('pz')) && JSON.parse(ok(run('inspect', '-f', '{{json .Id}}', n('pz'))))}/upper/tmp/c`;
      const { readFileSync } = await import('node:fs');
      const a = readFileSync(upper, 'utf8');
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(readFileSync(upper, 'utf8'), a);
      ok(run('unpause', n('pz')));
      assert.match(run('unpause', n('pz')).stderr, /is not paused/);
      const before = counter();
      await until('the counter to move again', () => (counter() > before ? true : undefined));
      ok(run('pause', n('pz')));
      ok(run('stop', '-t', '1', n('pz')));
      assert.equal(inspect(n('pz')).State.Running, false);
      ok(run('start', n('pz')));
      ok(run('pause', n('pz')));
      ok(run('kill', n('pz')));
      assert.equal(ok(run('wait', n('pz'))).trim(), '137');
      ok(run('run', '-d', '--name', n('pz2'), 'busybox', 'sleep', '60'));
      ok(run('pause', n('pz2')));
      assert.match(run('rm', n('pz2')).stderr, /paused/);
      ok(run('rm', '-f', n('pz'), n('pz2')));
    });
  });
}

test('restart policies across a berthd restart: always comes back, unless-stopped stopped by hand does not', async () => {
  ok(d.berth(['run', '-d', '--name', 'keep', '--restart', 'always', 'busybox', 'sleep', '60']));
  ok(d.berth(['run', '-d', '--name', 'handstop-always', '--restart', 'always', 'busybox', 'sleep', '60']));
  ok(d.berth(['run', '-d', '--name', 'handstop-us', '--restart', 'unless-stopped', 'busybox', 'sleep', '60']));
  ok(d.berth(['stop', '-t', '0', 'handstop-always', 'handstop-us']));
  await d.stop();
  await d.start();
  const state = (n: string) => JSON.parse(ok(d.berth(['inspect', n])))[0].State as { Running: boolean; Status: string };
  assert.equal(state('keep').Running, true);
  await until('the always container stopped by hand to come back', () => (state('handstop-always').Running ? true : undefined));
  assert.equal(state('handstop-us').Status, 'exited');
  ok(d.berth(['rm', '-f', 'keep', 'handstop-always', 'handstop-us']));
});

test('policies leave no container, mount, conmon or cgroup behind', async () => {
  assert.equal(ok(d.berth(['ps', '-aq'])), '');
  await d.assertNoLeaks();
});
