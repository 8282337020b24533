// How a create request is merged with its image and checked, as moby's create does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeImageConfig, pathAndArgs, networkChoice, validateHostConfig } from '../../src/container/create-config.js';
import { parseSignal } from '../../src/container/signals.js';
import { isBerthError } from '../../src/common/errors.js';

const image = { Env: ['PATH=/bin', 'A=image'], Cmd: ['sh'], Entrypoint: null, WorkingDir: '/srv', Labels: { a: '1', b: '1' }, User: 'app', StopSignal: 'SIGQUIT' };

test('the image fills what the container leaves unset; the container wins', () => {
  const c = mergeImageConfig({ Env: ['A=mine', 'B=2'], Labels: { b: '2' } }, image);
  assert.deepEqual(c.Env, ['PATH=/bin', 'A=mine', 'B=2']);
  assert.deepEqual(c.Labels, { a: '1', b: '2' });
  assert.deepEqual(c.Cmd, ['sh']);
  assert.equal(c.WorkingDir, '/srv');
  assert.equal(c.User, 'app');
  assert.equal(c.StopSignal, 'SIGQUIT');
});

test('a command given replaces the image command; an entrypoint given drops the image command', () => {
  assert.deepEqual(mergeImageConfig({ Cmd: ['echo', 'hi'] }, image).Cmd, ['echo', 'hi']);
  const withEntry = mergeImageConfig({ Entrypoint: ['/bin/env'] }, { ...image, Entrypoint: ['/init'] });
  assert.deepEqual(withEntry.Entrypoint, ['/bin/env']);
  assert.equal(withEntry.Cmd, undefined);
  assert.deepEqual(pathAndArgs(mergeImageConfig({ Cmd: ['x'] }, { Entrypoint: ['/init', '-v'] })), { path: '/init', args: ['-v', 'x'] });
});

test('--entrypoint "" clears the image entrypoint', () => {
  const c = mergeImageConfig({ Entrypoint: [''], Cmd: ['ls'] }, { Entrypoint: ['/init'], Cmd: ['sh'] });
  assert.deepEqual(pathAndArgs(c), { path: 'ls', args: [] });
});

test('no command at all is refused', () => {
  assert.throws(() => pathAndArgs({}), (e) => isBerthError(e, 'InvalidParameter') && /No command specified/.test(e.message));
});

test('network modes before networking: host, none, bridge/default, container:, unknown', () => {
  assert.deepEqual(networkChoice('host'), { kind: 'host' });
  assert.deepEqual(networkChoice(undefined), { kind: 'private', name: 'bridge' });
  assert.deepEqual(networkChoice('container:abc'), { kind: 'container', ref: 'abc' });
  assert.deepEqual(networkChoice('mynet'), { kind: 'private', name: 'mynet' });
});

test('AutoRemove with a restart policy is refused as Docker does', () => {
  assert.throws(() => validateHostConfig({ AutoRemove: true, RestartPolicy: { Name: 'always' } }), /can't create 'AutoRemove' container with restart policy/);
  validateHostConfig({ AutoRemove: true, RestartPolicy: { Name: 'no' } });
});

test('signals by name, SIG name and number; anything else is invalid', () => {
  assert.equal(parseSignal('KILL'), 9);
  assert.equal(parseSignal('sigterm'), 15);
  assert.equal(parseSignal('10'), 10);
  assert.throws(() => parseSignal('NOPE'), /Invalid signal: NOPE/);
  assert.throws(() => parseSignal('99'), /Invalid signal: 99/);
});
