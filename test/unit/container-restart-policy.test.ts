// Restart policies: moby's restart manager verdicts and backoff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestartBackoff, restartsAfterExit, restartsAtDaemonStart } from '../../src/container/restart-policy.js';
import type { ContainerRecord } from '../../src/container/types.js';

test('backoff doubles from 100 ms up to a minute and resets after a 10 s run', () => {
  const b = new RestartBackoff();
  assert.deepEqual([b.next(5), b.next(5), b.next(5), b.next(5)], [100, 200, 400, 800]);
  for (let i = 0; i < 20; i++) b.next(5);
  assert.equal(b.next(5), 60_000);
  assert.equal(b.next(10_000), 100);
  assert.equal(b.next(9_999), 200);
});

test('policies decide on the exit code, the retry count and a manual stop', () => {
  assert.equal(restartsAfterExit(undefined, 1, 0, false), false);
  assert.equal(restartsAfterExit({ Name: 'no' }, 1, 0, false), false);
  assert.equal(restartsAfterExit({ Name: 'always' }, 0, 7, false), true);
  assert.equal(restartsAfterExit({ Name: 'always' }, 0, 0, true), false);
  assert.equal(restartsAfterExit({ Name: 'unless-stopped' }, 0, 0, false), true);
  assert.equal(restartsAfterExit({ Name: 'on-failure' }, 0, 0, false), false);
  assert.equal(restartsAfterExit({ Name: 'on-failure' }, 1, 100, false), true);
  assert.equal(restartsAfterExit({ Name: 'on-failure', MaximumRetryCount: 2 }, 1, 1, false), true);
  assert.equal(restartsAfterExit({ Name: 'on-failure', MaximumRetryCount: 2 }, 1, 2, false), false);
});

test('at daemon start: always even after a manual stop, unless-stopped only if not stopped by hand', () => {
  const rec = (name: string, manual: boolean, exitCode = 0, started = '2026-11-26T10:00:00Z') => ({
    State: { Running: false, StartedAt: started, ExitCode: exitCode }, RestartCount: 0,
    HostConfig: { RestartPolicy: { Name: name } }, HasBeenManuallyStopped: manual,
  }) as unknown as ContainerRecord;
  assert.equal(restartsAtDaemonStart(rec('always', true)), true);
  assert.equal(restartsAtDaemonStart(rec('unless-stopped', true)), false);
  assert.equal(restartsAtDaemonStart(rec('unless-stopped', false)), true);
  assert.equal(restartsAtDaemonStart(rec('on-failure', false, 1)), true);
  assert.equal(restartsAtDaemonStart(rec('on-failure', false, 0)), false);
  assert.equal(restartsAtDaemonStart(rec('no', false, 1)), false);
  assert.equal(restartsAtDaemonStart(rec('always', false, 0, '0001-01-01T00:00:00Z')), false);
});
