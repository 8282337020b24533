// conmon command lines: what each session kind asks of the monitor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conmonExecArgs, type ConmonExecOptions } from '../../src/runtime/conmon-exec.js';

const base: ConmonExecOptions = {
  conmon: '/usr/bin/conmon', runtime: '/usr/sbin/runc', runtimeRoot: '/run/b/runc', containerId: 'c'.repeat(64),
  sessionId: 'e'.repeat(64), dir: '/run/b/e/x', socketDir: '/run/b/s', processSpec: '/run/b/e/x/process.json',
  tty: false, stdin: false, tmpDir: '/run/b/t',
};

const value = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

test('an exec session has its own bundle dir and exit dir, and waits to be attached', () => {
  const a = conmonExecArgs(base);
  assert.equal(value(a, '-c'), base.containerId);
  assert.equal(value(a, '-b'), base.dir);
  assert.equal(value(a, '--exit-dir'), `${base.dir}/exits`);
  assert.equal(value(a, '--exec-process-spec'), base.processSpec);
  assert.ok(a.includes('-e') && a.includes('--exec-attach'));
  // The socket dir's symlink name must leave room in sun_path.
  assert.equal(value(a, '-u')!.length, 12);
  for (const f of ['-t', '-i', '--leave-stdin-open']) assert.ok(!a.includes(f), f);
});

test('a TTY session keeps its input open when its client detaches; stdin only when attached', () => {
  const tty = conmonExecArgs({ ...base, tty: true, stdin: true });
  for (const f of ['-t', '-i', '--leave-stdin-open']) assert.ok(tty.includes(f), f);
  const piped = conmonExecArgs({ ...base, stdin: true });
  assert.ok(piped.includes('-i') && !piped.includes('--leave-stdin-open'));
});
