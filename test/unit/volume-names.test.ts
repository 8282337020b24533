// Local volume names and driver options: moby's validation and its messages (checked against a
// real dockerd).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkVolumeName, isValidVolumeName, randomVolumeName } from '../../src/volume/names.js';
import { maskPassword, mountSpecOf, ramInBytes, validateLocalOptions } from '../../src/volume/options.js';

const message = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    assert.equal((e as { code?: string }).code, 'InvalidParameter');
    return (e as Error).message;
  }
  return '';
};

describe('volume names', () => {
  it('accepts what docker accepts', () => {
    for (const n of ['ab', 'a1', 'my-vol', 'my_vol.2', '0abc', 'A.b-c_d']) assert.equal(message(() => checkVolumeName(n)), '', n);
  });

  it('refuses a one-character name as too short', () => {
    assert.equal(message(() => checkVolumeName('a')), 'volume name is too short, names should be at least two alphanumeric characters');
  });

  it('refuses paths and other characters with docker\'s hint', () => {
    for (const n of ['a b', '/abs', '../x', '.hidden', '-x', '_x', 'a/b', 'é1', '']) {
      assert.equal(message(() => checkVolumeName(n)), `${JSON.stringify(n)} includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`, n);
      assert.equal(isValidVolumeName(n), false);
    }
  });

  it('anonymous names are 64 hex digits', () => {
    const a = randomVolumeName();
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.notEqual(a, randomVolumeName());
  });
});

describe('local driver options', () => {
  it('accepts none, tmpfs, a bind of a host directory, and size=0', () => {
    for (const o of [undefined, null, {}, { type: 'tmpfs', device: 'tmpfs', o: 'size=100m,uid=1000' }, { type: 'none', o: 'bind', device: '/srv/data' }, { size: '0' }] as Array<Record<string, string> | null | undefined>) {
      assert.equal(message(() => validateLocalOptions(o)), '', JSON.stringify(o));
    }
  });

  it('refuses unknown keys as docker does', () => {
    assert.equal(message(() => validateLocalOptions({ foo: 'bar' })), 'invalid option: "foo"');
    assert.equal(message(() => validateLocalOptions({ '': 'x' })), 'invalid option: ""');
  });

  it('asks for the options each option needs', () => {
    assert.equal(message(() => validateLocalOptions({ type: 'tmpfs' })), 'missing required option: "device"');
    assert.equal(message(() => validateLocalOptions({ device: 'tmpfs' })), 'missing required option: "type"');
    assert.equal(message(() => validateLocalOptions({ o: 'size=1m' })), 'missing required option: "device"');
    assert.equal(message(() => validateLocalOptions({ o: 'size=1m', device: 'x' })), 'missing required option: "type"');
  });

  it('has no quota support, and checks the size first', () => {
    assert.equal(message(() => validateLocalOptions({ size: '10m' })), 'quota size requested but no quota support');
    assert.equal(message(() => validateLocalOptions({ size: 'lots' })), "invalid size: 'lots'");
  });

  it('refuses a port in a CIFS device URL', () => {
    assert.equal(message(() => validateLocalOptions({ type: 'cifs', device: '//host:445/share', o: 'x' })), '');
    assert.equal(message(() => validateLocalOptions({ type: 'cifs', device: 'smb://host:445/share' })), "port not allowed in CIFS device URL, include 'port' in 'o='");
  });

  it('mounts only volumes whose options name a type or device', () => {
    assert.equal(mountSpecOf(null), undefined);
    assert.equal(mountSpecOf({ size: '0' }), undefined);
    assert.deepEqual(mountSpecOf({ type: 'tmpfs', device: 'tmpfs', o: 'size=1m' }), { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' });
    assert.deepEqual(mountSpecOf({ type: 'none', device: '/d', o: 'bind' }), { type: 'none', device: '/d', o: 'bind' });
  });

  it('parses sizes as go-units RAMInBytes', () => {
    assert.equal(ramInBytes('0'), 0);
    assert.equal(ramInBytes('1k'), 1024);
    assert.equal(ramInBytes('100m'), 100 * 1024 * 1024);
    assert.equal(ramInBytes('1.5GiB'), 1.5 * 1024 ** 3);
    assert.equal(ramInBytes('10 mb'), 10 * 1024 * 1024);
  });

  it('masks a password in mount errors', () => {
    assert.equal(maskPassword('mount //h/s data: user=u,password=s3cret: denied', 'user=u,password=s3cret'), 'mount //h/s data: user=u,password=********: denied');
    assert.equal(maskPassword('no secret', 'size=1m'), 'no secret');
  });
});
