// Expectations from docker/go-units ulimit.go (texts) and a dockerd 20.10 config.json
// (`--ulimit core=-1` → 18446744073709551615); clamping is berth's: runc fails above the daemon's hard limit.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '../../src/common/errors.js';
import { containerRlimits, hostRlimits, parseProcLimits, parseUlimit } from '../../src/runtime/host-limits.js';

const PROC_LIMITS = `Limit                     Soft Limit           Hard Limit           Units     
Max cpu time              unlimited            unlimited            seconds   
Max stack size            8388608              unlimited            bytes     
Max core file size        0                    unlimited            bytes     
Max processes             96365                96365                processes 
Max open files            20000                20000                files     
Max locked memory         8388608              8388608              bytes     
Max nice priority         0                    0                    
Max realtime timeout      unlimited            unlimited            us        
`;

function throwsInvalid(fn: () => unknown, message: string) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isBerthError(e, 'InvalidParameter'), `expected InvalidParameter, got ${String(e)}`);
    assert.equal((e as Error).message, message);
    return true;
  });
}

describe('parseProcLimits', () => {
  it('maps /proc/self/limits rows to RLIMIT_* names, unlimited as Infinity', () => {
    const m = parseProcLimits(PROC_LIMITS);
    assert.deepEqual(m.get('RLIMIT_NOFILE'), { soft: 20000, hard: 20000 });
    assert.deepEqual(m.get('RLIMIT_STACK'), { soft: 8388608, hard: Infinity });
    assert.deepEqual(m.get('RLIMIT_CORE'), { soft: 0, hard: Infinity });
    assert.deepEqual(m.get('RLIMIT_NICE'), { soft: 0, hard: 0 });
    assert.deepEqual(m.get('RLIMIT_RTTIME'), { soft: Infinity, hard: Infinity });
    assert.equal(m.size, 8);
  });

  it('reads the daemon\'s own limits once', () => {
    const a = hostRlimits();
    assert.ok(a.get('RLIMIT_NOFILE')!.hard > 0);
    assert.equal(hostRlimits(), a);
  });
});

describe('parseUlimit (docker run --ulimit)', () => {
  it('takes soft[:hard]; hard defaults to soft', () => {
    assert.deepEqual(parseUlimit('nofile=1024:2048'), { Name: 'nofile', Soft: 1024, Hard: 2048 });
    assert.deepEqual(parseUlimit('nproc=100'), { Name: 'nproc', Soft: 100, Hard: 100 });
    assert.deepEqual(parseUlimit('core=-1'), { Name: 'core', Soft: -1, Hard: -1 });
    assert.deepEqual(parseUlimit('memlock=100:-1'), { Name: 'memlock', Soft: 100, Hard: -1 });
  });

  it('rejects bad input with Docker\'s texts', () => {
    throwsInvalid(() => parseUlimit('nofile'), 'invalid ulimit argument: nofile');
    throwsInvalid(() => parseUlimit('foo=1'), 'invalid ulimit type: foo');
    throwsInvalid(() => parseUlimit('as=1'), 'invalid ulimit type: as');
    throwsInvalid(() => parseUlimit('nofile=abc'), 'strconv.ParseInt: parsing "abc": invalid syntax');
    throwsInvalid(() => parseUlimit('nofile=1:2:3'), 'too many limit value arguments - 1:2:3, can only have up to two, `soft[:hard]`');
    throwsInvalid(() => parseUlimit('nofile=2048:1024'), 'ulimit soft limit must be less than or equal to hard limit: 2048 > 1024');
  });
});

describe('containerRlimits', () => {
  const host = parseProcLimits(PROC_LIMITS);

  it('clamps the default NOFILE 1048576 to the daemon\'s hard limit', () => {
    assert.deepEqual(containerRlimits(null, [{ Name: 'nofile', Soft: 1048576, Hard: 1048576 }], host), [
      { type: 'RLIMIT_NOFILE', hard: 20000, soft: 20000 },
    ]);
  });

  it('puts the user\'s ulimits first, overriding defaults, each clamped', () => {
    const r = containerRlimits(
      [{ Name: 'nproc', Soft: 200000, Hard: 200000 }, { Name: 'nofile', Soft: 512, Hard: 30000 }, { Name: 'core', Soft: -1, Hard: -1 }],
      [{ Name: 'nofile', Soft: 1048576, Hard: 1048576 }],
      host,
    );
    assert.deepEqual(r, [
      { type: 'RLIMIT_NPROC', hard: 96365, soft: 96365 },
      { type: 'RLIMIT_NOFILE', hard: 20000, soft: 512 },
      { type: 'RLIMIT_CORE', hard: Infinity, soft: Infinity },
    ]);
  });

  it('keeps the last of a repeated name, as the CLI\'s map does', () => {
    const r = containerRlimits([{ Name: 'nofile', Soft: 1, Hard: 2 }, { Name: 'nofile', Soft: 3, Hard: 4 }], [], host);
    assert.deepEqual(r, [{ type: 'RLIMIT_NOFILE', hard: 4, soft: 3 }]);
  });

  it('refuses an unknown name', () => {
    throwsInvalid(() => containerRlimits([{ Name: 'foo', Soft: 1, Hard: 1 }], [], host), 'invalid ulimit type: foo');
  });
});
