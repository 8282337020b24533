import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeRecord } from '../../src/container/logs/k8s-file.js';
import { type LogFiles, type ReadOptions, readLogs } from '../../src/container/logs/reader.js';
import { LogRotator } from '../../src/container/logs/rotator.js';

const nowNs = () => BigInt(Date.now()) * 1_000_000n;

/** Writes records as conmon does, and reopens as conmon's ctl "2" does: a .tmp file renamed in. */
class FakeConmon {
  private fd: number;
  n = 0;
  constructor(private readonly path: string) {
    this.fd = openSync(path, 'a');
  }
  write(count: number, t: bigint = nowNs()): void {
    const recs = [];
    for (let i = 0; i < count; i++) recs.push(encodeRecord(this.n % 3 ? 'stdout' : 'stderr', false, `line ${this.n++}`, t));
    writeSync(this.fd, Buffer.concat(recs));
  }
  raw(b: Buffer): void {
    writeSync(this.fd, b);
  }
  reopen(): void {
    closeSync(this.fd);
    this.fd = openSync(`${this.path}.tmp`, 'w');
    renameSync(`${this.path}.tmp`, this.path);
  }
  close(): void {
    closeSync(this.fd);
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(5);
  }
}

function follower(files: LogFiles, opts: Partial<ReadOptions> = {}) {
  const got: string[] = [];
  const stop = deferred();
  const done = (async () => {
    for await (const e of readLogs(files, { follow: true, stdout: true, stderr: true, stopped: stop.promise, ...opts })) got.push(e.line.toString());
  })();
  return { got, stop: stop.resolve, done };
}

const expected = (n: number, from = 0) => Array.from({ length: n - from }, (_, i) => `line ${from + i}\n`);

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-follow-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('follow across rotations: every line exactly once, in order', withDir(async (dir) => {
  const path = join(dir, 'ctr.log');
  const conmon = new FakeConmon(path);
  conmon.write(100);
  const rot = new LogRotator({
    path, maxSize: 1, maxFiles: 5,
    // Lines written between the rename and the reopen land in the renamed file.
    reopen: () => { conmon.write(7); conmon.reopen(); },
  });
  const f = follower({ path, maxFiles: 5 });
  for (let round = 0; round < 24; round++) {
    conmon.write(1 + (round * 37) % 120);
    if (round % 6 === 5) rot.check();
    await sleep(round % 3 === 0 ? 0 : 20);
  }
  conmon.write(50);
  await waitFor(() => f.got.length === conmon.n);
  f.stop();
  await f.done;
  assert.equal(rot.rotations, 4);
  assert.deepEqual(f.got, expected(conmon.n));
  conmon.close();
}));

test('a follower paused through several rotations catches up in order', withDir(async (dir) => {
  for (const maxFiles of [5, 2]) {
    const path = join(dir, `ctr${maxFiles}.log`);
    const conmon = new FakeConmon(path);
    conmon.write(10);
    const rot = new LogRotator({ path, maxSize: 1, maxFiles, reopen: () => { conmon.write(3); conmon.reopen(); } });
    const stop = deferred();
    const it = readLogs({ path, maxFiles }, { follow: true, stdout: true, stderr: true, stopped: stop.promise })[Symbol.asyncIterator]();
    const got: string[] = [];
    got.push((await it.next()).value!.line.toString());
    // The generator is suspended; the log moves on without it. With max-file 2 its file is
    // deleted by the second rotation, and the reader takes every file that is left.
    for (let r = 0; r < 3; r++) {
      conmon.write(20);
      if (r < 2) rot.rotate();
    }
    stop.resolve();
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      got.push(r.value.line.toString());
    }
    assert.deepEqual(got, expected(conmon.n), `max-file ${maxFiles}`);
    conmon.close();
  }
}));

test('a record is emitted only once complete', withDir(async (dir) => {
  const path = join(dir, 'ctr.log');
  const conmon = new FakeConmon(path);
  conmon.write(2);
  const f = follower({ path, maxFiles: 1 });
  await waitFor(() => f.got.length === 2);
  const rec = encodeRecord('stdout', true, 'half and half', nowNs());
  conmon.raw(rec.subarray(0, 20));
  await sleep(100);
  conmon.raw(rec.subarray(20, 45));
  await sleep(300); // past a poll
  assert.equal(f.got.length, 2);
  conmon.raw(rec.subarray(45));
  await waitFor(() => f.got.length === 3);
  assert.equal(f.got[2], 'half and half');
  // An incomplete record when the container stops is dropped.
  conmon.raw(rec.subarray(0, 30));
  f.stop();
  await f.done;
  assert.equal(f.got.length, 3);
  conmon.close();
}));

test('tail 0 follows only new records; tail N starts N back', withDir(async (dir) => {
  const path = join(dir, 'ctr.log');
  const conmon = new FakeConmon(path);
  conmon.write(10);
  const a = follower({ path, maxFiles: 1 }, { tail: 0 });
  const b = follower({ path, maxFiles: 1 }, { tail: 3 });
  await sleep(50);
  conmon.write(5);
  await waitFor(() => a.got.length === 5 && b.got.length === 8);
  a.stop();
  b.stop();
  await Promise.all([a.done, b.done]);
  assert.deepEqual(a.got, expected(15, 10));
  assert.deepEqual(b.got, expected(15, 7));
  conmon.close();
}));

test('following a log that does not exist yet', withDir(async (dir) => {
  const path = join(dir, 'ctr.log');
  const f = follower({ path, maxFiles: 3 });
  await sleep(50);
  const conmon = new FakeConmon(path);
  conmon.write(4);
  await waitFor(() => f.got.length === 4);
  f.stop();
  await f.done;
  assert.deepEqual(f.got, expected(4));
  conmon.close();
}));

test('abort ends an idle follower; an already stopped container reads to the end', withDir(async (dir) => {
  const path = join(dir, 'ctr.log');
  const conmon = new FakeConmon(path);
  conmon.write(3);
  const ac = new AbortController();
  const f = follower({ path, maxFiles: 1 }, { signal: ac.signal });
  await waitFor(() => f.got.length === 3);
  const t = Date.now();
  ac.abort();
  await f.done;
  assert.ok(Date.now() - t < 200);
  const g = follower({ path, maxFiles: 1 });
  g.stop();
  await g.done;
  assert.deepEqual(g.got, expected(3));
  conmon.close();
}));

test('until ends a follower at the first later record, or once the clock is past it', withDir(async (dir) => {
  const path = join(dir, 'ctr.log');
  const conmon = new FakeConmon(path);
  const t = nowNs();
  conmon.write(3, t);
  const a = follower({ path, maxFiles: 1 }, { until: t });
  await waitFor(() => a.got.length === 3);
  conmon.write(2, t + 1n);
  await a.done; // without stop
  assert.deepEqual(a.got, expected(3));
  // Nothing after until is ever written: the follower ends about a second after until.
  const b = follower({ path, maxFiles: 1 }, { until: nowNs() + 100_000_000n, since: t + 1n });
  const start = Date.now();
  await b.done;
  const took = Date.now() - start;
  assert.ok(took > 900 && took < 10_000, `took ${took} ms`); // generous: a loaded machine is slow, never early
  assert.deepEqual(b.got, expected(5, 3));
  conmon.close();
}));

// Another process, as conmon is: records split across writes at random points, rotations by
// rename + reopen with lines written to the old file in between.
const WRITER = `
const fs = require('fs');
const [path, n, rotEvery, maxFiles] = process.argv.slice(1).map((v, i) => i ? Number(v) : v);
let fd = fs.openSync(path, 'a');
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const rec = (i) => Buffer.from(new Date().toISOString().slice(0, 23) + '000000+00:00 ' + (i % 2 ? 'stderr' : 'stdout') + ' F line ' + i + ' ' + 'x'.repeat(i % 200) + '\\n');
let i = 0;
while (i < n) {
  const r = rec(i++);
  const cut = Math.floor(Math.random() * r.length);
  fs.writeSync(fd, r.subarray(0, cut));
  if (i % 97 === 0) sleep(2);
  fs.writeSync(fd, r.subarray(cut));
  if (i % rotEvery === 0) {
    try { fs.unlinkSync(path + '.' + (maxFiles - 1)); } catch {}
    for (let k = maxFiles - 1; k > 1; k--) try { fs.renameSync(path + '.' + (k - 1), path + '.' + k); } catch {}
    fs.renameSync(path, path + '.1');
    for (let j = 0; j < 3 && i < n; j++) fs.writeSync(fd, rec(i++));
    fs.closeSync(fd);
    fd = fs.openSync(path + '.tmp', 'w');
    fs.renameSync(path + '.tmp', path);
  }
}
`;

test('a separate writer process with split writes and rotations', withDir(async (dir) => {
  const { spawn } = await import('node:child_process');
  const path = join(dir, 'ctr.log');
  closeSync(openSync(path, 'a'));
  const n = 40_000;
  const f = follower({ path, maxFiles: 12 });
  const child = spawn(process.execPath, ['-e', WRITER, path, String(n), '4000', '12'], { stdio: 'inherit' });
  const code = await new Promise((r) => child.on('exit', r));
  assert.equal(code, 0);
  f.stop();
  await f.done;
  assert.equal(f.got.length, n);
  for (let i = 0; i < n; i++) {
    if (f.got[i] !== `line ${i} ${'x'.repeat(i % 200)}\n`) assert.fail(`entry ${i}: ${f.got[i]}`);
  }
}));
