import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRecord, type LogStream } from '../../src/container/logs/k8s-file.js';
import { type LogEntry, type LogFiles, type ReadOptions, readLogs } from '../../src/container/logs/reader.js';

const T0 = BigInt(Date.parse('2026-11-23T08:00:00Z')) * 1_000_000n;
const MS = 1_000_000n;

interface Rec { t: bigint; s?: LogStream; p?: boolean; c: string }
const encode = (recs: Rec[]) => Buffer.concat(recs.map((r) => encodeRecord(r.s ?? 'stdout', r.p ?? false, r.c, r.t, 60)));

async function collect(files: LogFiles, opts: Partial<ReadOptions> = {}): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const e of readLogs(files, { follow: false, stdout: true, stderr: true, ...opts })) out.push(e);
  return out;
}
const lines = (es: LogEntry[]) => es.map((e) => e.line.toString());

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-logs-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** path.2, path.1, path with `per` records each: "line 0" … ; record i at T0 + i ms. */
function rotatedSet(dir: string, per: number, files = 3): LogFiles {
  const path = join(dir, 'ctr.log');
  let i = 0;
  for (let k = files - 1; k >= 0; k--) {
    const recs: Rec[] = [];
    for (let j = 0; j < per; j++, i++) recs.push({ t: T0 + BigInt(i) * MS, c: `line ${i}`, s: i % 4 === 3 ? 'stderr' : 'stdout' });
    writeFileSync(k === 0 ? path : `${path}.${k}`, encode(recs));
  }
  return { path, maxFiles: files };
}
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => `line ${a + i}\n`);

test('reads all records in order: F gains its newline, P stays a message of its own', withDir(async (dir) => {
  const path = join(dir, 'ctr.log');
  writeFileSync(path, encode([
    { t: T0, c: 'out1' },
    { t: T0 + 1n, c: 'partial-no-newline', p: true },
    { t: T0 + 2n, c: ' ...completed' },
    { t: T0 + 3n, c: 'err', s: 'stderr' },
    { t: T0 + 4n, c: '' },
    { t: T0 + 5n, c: 'tty\r' },
  ]));
  const es = await collect({ path, maxFiles: 1 });
  assert.deepEqual(lines(es), ['out1\n', 'partial-no-newline', ' ...completed\n', 'err\n', '\n', 'tty\r\n']);
  assert.deepEqual(es.map((e) => e.stream), ['stdout', 'stdout', 'stdout', 'stderr', 'stdout', 'stdout']);
  assert.deepEqual(es.map((e) => e.timeNs - T0), [0n, 1n, 2n, 3n, 4n, 5n]);
  assert.deepEqual(lines(await collect({ path, maxFiles: 1 }, { stdout: false })), ['err\n']);
  assert.deepEqual(lines(await collect({ path, maxFiles: 1 }, { stderr: false })).length, 5);
}));

test('rotated files come first, oldest first; missing ones are skipped', withDir(async (dir) => {
  const f = rotatedSet(dir, 10);
  assert.deepEqual(lines(await collect(f)), range(0, 30));
  assert.deepEqual(lines(await collect({ ...f, maxFiles: 5 })), range(0, 30));
  assert.deepEqual(lines(await collect({ ...f, maxFiles: 2 })), range(10, 30));
  rmSync(`${f.path}.1`);
  assert.deepEqual(lines(await collect(f)), [...range(0, 10), ...range(20, 30)]);
  assert.deepEqual(await collect({ path: join(dir, 'none'), maxFiles: 3 }), []);
}));

test('an incomplete last record is ignored, a malformed one skipped', withDir(async (dir) => {
  const path = join(dir, 'ctr.log');
  writeFileSync(path, encode([{ t: T0, c: 'a' }]));
  appendFileSync(path, 'this is not a record\n');
  appendFileSync(path, encode([{ t: T0 + 1n, c: 'b' }]));
  appendFileSync(path, encode([{ t: T0 + 2n, c: 'mid-write' }]).subarray(0, 45));
  assert.deepEqual(lines(await collect({ path, maxFiles: 1 })), ['a\n', 'b\n']);
  assert.deepEqual(lines(await collect({ path, maxFiles: 1 }, { tail: 1 })), ['b\n']);
}));

test('tail counts records from the end, across rotated files', withDir(async (dir) => {
  const f = rotatedSet(dir, 10);
  assert.deepEqual(lines(await collect(f, { tail: 5 })), range(25, 30));
  assert.deepEqual(lines(await collect(f, { tail: 10 })), range(20, 30));
  assert.deepEqual(lines(await collect(f, { tail: 11 })), range(19, 30));
  assert.deepEqual(lines(await collect(f, { tail: 25 })), range(5, 30));
  assert.deepEqual(lines(await collect(f, { tail: 30 })), range(0, 30));
  assert.deepEqual(lines(await collect(f, { tail: 1000 })), range(0, 30));
  assert.deepEqual(lines(await collect(f, { tail: 1 })), range(29, 30));
  assert.deepEqual(await collect(f, { tail: 0 }), []);
  assert.deepEqual(lines(await collect(f, { tail: -1 })), range(0, 30));
  // Docker: tail picks records of both streams, the stream filter comes after.
  assert.deepEqual(lines(await collect(f, { tail: 4, stderr: false })), ['line 26\n', 'line 28\n', 'line 29\n']);
  // Tail then since: of the last 10, those at or after record 25.
  assert.deepEqual(lines(await collect(f, { tail: 10, since: T0 + 25n * MS })), range(25, 30));
}));

test('tail over long records crosses read blocks', withDir(async (dir) => {
  const path = join(dir, 'ctr.log');
  const big = 'x'.repeat(100_000);
  const recs: Rec[] = [];
  for (let i = 0; i < 20; i++) recs.push({ t: T0 + BigInt(i), c: `${i} ${i % 3 ? '' : big}` });
  writeFileSync(path, encode(recs));
  const got = lines(await collect({ path, maxFiles: 1 }, { tail: 7 }));
  assert.deepEqual(got.map((l) => l.split(' ')[0]), ['13', '14', '15', '16', '17', '18', '19']);
  assert.equal(got[2]!.length, 3 + big.length + 1);
}));

test('since is inclusive and finds the first of equal timestamps; until is inclusive', withDir(async (dir) => {
  const path = join(dir, 'ctr.log');
  // 30,000 records (~1.6 MB), 10 per timestamp (one conmon read), so the search really probes.
  const recs: Rec[] = [];
  for (let i = 0; i < 30_000; i++) recs.push({ t: T0 + BigInt(Math.floor(i / 10)) * MS, c: `line ${i}`, s: i % 2 ? 'stderr' : 'stdout' });
  writeFileSync(path, encode(recs));
  const f = { path, maxFiles: 1 };
  const at = (i: number) => T0 + BigInt(i) * MS;
  for (const g of [0, 1, 777, 1500, 2999]) {
    const es = await collect(f, { since: at(g) });
    assert.equal(es.length, 30_000 - g * 10, `since group ${g}`);
    assert.equal(es[0]!.line.toString(), `line ${g * 10}\n`);
    // Just after the group's time: the next group.
    const es2 = await collect(f, { since: at(g) + 1n });
    assert.equal(es2[0]?.line.toString(), g === 2999 ? undefined : `line ${(g + 1) * 10}\n`);
  }
  assert.equal((await collect(f, { since: T0 - 1n })).length, 30_000);
  assert.deepEqual(await collect(f, { since: at(3000) }), []);
  // until: every record at that time included, nothing after.
  const u = await collect(f, { until: at(5) });
  assert.equal(u.length, 60);
  assert.equal(u.at(-1)!.line.toString(), 'line 59\n');
  assert.deepEqual(await collect(f, { until: T0 - 1n }), []);
  const w = await collect(f, { since: at(100), until: at(100) });
  assert.deepEqual(lines(w), range(1000, 1010));
  assert.deepEqual(lines(await collect(f, { since: at(100), until: at(100), stdout: false })), range(1000, 1010).filter((_, i) => i % 2));
}));

test('since skips whole rotated files and searches the first one that reaches it', withDir(async (dir) => {
  const f = rotatedSet(dir, 5000);
  const at = (i: number) => T0 + BigInt(i) * MS;
  for (const i of [0, 1, 4999, 5000, 5001, 9999, 10_000, 12_345, 14_999]) {
    const es = await collect(f, { since: at(i) });
    assert.equal(es.length, 15_000 - i, `since ${i}`);
    assert.equal(es[0]!.line.toString(), `line ${i}\n`);
  }
  assert.deepEqual(await collect(f, { since: at(15_000) }), []);
  const u = await collect(f, { since: at(4990), until: at(5009) });
  assert.deepEqual(lines(u), range(4990, 5010));
}));

test('an aborted signal stops a read', withDir(async (dir) => {
  const f = rotatedSet(dir, 10);
  const ac = new AbortController();
  ac.abort();
  assert.deepEqual(await collect(f, { signal: ac.signal }), []);
}));
