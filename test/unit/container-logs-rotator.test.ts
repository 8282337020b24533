import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isBerthError } from '../../src/common/errors.js';
import { LogRotator, parseLogOpts } from '../../src/container/logs/rotator.js';

function withDir(fn: (dir: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-rot-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('rotation shifts the files up, drops the oldest, and asks for a reopen', withDir((dir) => {
  const path = join(dir, 'ctr.log');
  let reopens = 0;
  const rot = new LogRotator({ path, maxSize: 10, maxFiles: 3, reopen: () => { reopens++; writeFileSync(path, ''); } });
  writeFileSync(path, 'current!!');
  writeFileSync(`${path}.1`, 'one');
  writeFileSync(`${path}.2`, 'two');
  assert.equal(rot.check(), false);
  writeFileSync(path, 'current!!!');
  assert.equal(rot.check(), true);
  assert.equal(reopens, 1);
  assert.equal(readFileSync(`${path}.1`, 'utf8'), 'current!!!');
  assert.equal(readFileSync(`${path}.2`, 'utf8'), 'one');
  assert.equal(existsSync(`${path}.3`), false);
  assert.equal(readFileSync(path, 'utf8'), '');
  assert.equal(rot.check(), false);
  // No file (between a rename and conmon's reopen): nothing to do.
  rmSync(path);
  assert.equal(rot.check(), false);
}));

test('max-file 1 keeps no rotated copy; unlimited size never rotates', withDir((dir) => {
  const path = join(dir, 'ctr.log');
  let reopens = 0;
  const rot = new LogRotator({ path, maxSize: 5, maxFiles: 1, reopen: () => { reopens++; writeFileSync(path, ''); } });
  writeFileSync(path, '0123456789');
  assert.equal(rot.check(), true);
  assert.equal(reopens, 1);
  assert.equal(existsSync(`${path}.1`), false);
  const never = new LogRotator({ path, maxSize: -1, maxFiles: 3, reopen: () => assert.fail() });
  writeFileSync(path, 'x'.repeat(1000));
  assert.equal(never.check(), false);
}));

test('start() checks periodically; stop() ends it; a failing reopen goes to onError', withDir(async (dir) => {
  const path = join(dir, 'ctr.log');
  const errors: unknown[] = [];
  const rot = new LogRotator({ path, maxSize: 4, maxFiles: 2, reopen: () => { throw new Error('ctl gone'); }, onError: (e) => errors.push(e) });
  rot.start(10);
  writeFileSync(path, '12345');
  const end = Date.now() + 2000;
  while (rot.rotations === 0 && Date.now() < end) await sleep(5);
  rot.stop();
  assert.equal(rot.rotations, 1);
  assert.equal((errors[0] as Error).message, 'ctl gone');
  assert.equal(readFileSync(`${path}.1`, 'utf8'), '12345');
}));

test('the cost of watching 50 logs by stat', withDir((dir) => {
  const rots = Array.from({ length: 50 }, (_, i) => {
    const path = join(dir, `c${i}.log`);
    writeFileSync(path, 'x'.repeat(1000));
    return new LogRotator({ path, maxSize: 10 * 1024 * 1024, maxFiles: 3, reopen: () => {} });
  });
  for (const r of rots) r.check();
  const rounds = 200;
  const t = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) for (const r of rots) r.check();
  const us = Number(process.hrtime.bigint() - t) / 1000 / rounds;
  console.log(`rotator: one check of 50 logs takes ${us.toFixed(1)} µs (${(us / 50).toFixed(2)} µs per log); at 1 s intervals that is ${(us / 10_000).toFixed(3)}% of a core`);
}));

function rejects(opts: Record<string, string>, message: string): void {
  assert.throws(() => parseLogOpts(opts), (e: unknown) => {
    assert.ok(isBerthError(e, 'InvalidParameter'), String(e));
    assert.equal((e as Error).message, message);
    return true;
  });
}

test('log options parse as Docker json-file does', () => {
  assert.deepEqual(parseLogOpts({}), { maxSize: -1, maxFiles: 1, compress: false });
  assert.deepEqual(parseLogOpts({}, { maxSize: 20e6, maxFiles: 5 }), { maxSize: 20e6, maxFiles: 5, compress: false });
  assert.deepEqual(parseLogOpts({ 'max-file': '2' }, { maxSize: 20e6, maxFiles: 5 }), { maxSize: 20e6, maxFiles: 2, compress: false });
  assert.equal(parseLogOpts({ 'max-size': '10m' }).maxSize, 10_000_000);
  assert.equal(parseLogOpts({ 'max-size': '1g' }).maxSize, 1_000_000_000);
  assert.equal(parseLogOpts({ 'max-size': '1.5k' }).maxSize, 1500);
  assert.equal(parseLogOpts({ 'max-size': '100KB' }).maxSize, 100_000);
  assert.equal(parseLogOpts({ 'max-size': '2MiB' }).maxSize, 2_000_000);
  assert.equal(parseLogOpts({ 'max-size': '4096' }).maxSize, 4096);
  assert.equal(parseLogOpts({ 'max-size': '12 b' }).maxSize, 12);
  assert.deepEqual(parseLogOpts({ 'max-size': '1m', 'max-file': '3', compress: 'true', tag: '{{.Name}}', labels: 'a', env: 'B', mode: 'non-blocking', 'max-buffer-size': '4m' }),
    { maxSize: 1_000_000, maxFiles: 3, compress: true });
  rejects({ foo: 'bar' }, "unknown log opt 'foo' for json-file log driver");
  rejects({ 'max-size': '-1' }, "invalid size: '-1'");
  rejects({ 'max-size': '0' }, 'max-size must be a positive number');
  rejects({ 'max-size': 'abc' }, "invalid size: 'abc'");
  rejects({ 'max-size': '10x' }, "invalid suffix: 'x'");
  rejects({ 'max-size': '10mbb' }, "invalid suffix: 'mbb'");
  rejects({ 'max-size': '1.2.3m' }, 'strconv.ParseFloat: parsing "1.2.3": invalid syntax');
  rejects({ 'max-file': '0' }, 'max-file cannot be less than 1');
  rejects({ 'max-file': 'two' }, 'strconv.Atoi: parsing "two": invalid syntax');
  rejects({ compress: 'yes' }, 'strconv.ParseBool: parsing "yes": invalid syntax');
  rejects({ compress: 'true', 'max-file': '3' }, 'compress cannot be true when max-file is less than 2 or max-size is not set');
  rejects({ mode: 'fast' }, 'logger: logging mode not supported: fast');
  rejects({ 'max-buffer-size': '4m' }, "logger: max-buffer-size option is only supported with 'mode=non-blocking'");
});
