// Speed of tail, since and full reads on a 200 MB log. Prints timings; asserts only results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { writeLogEntries } from '../../src/container/logs/format.js';
import { formatK8sTimestamp } from '../../src/container/logs/k8s-file.js';
import { type LogFiles, readLogBatches, readLogs } from '../../src/container/logs/reader.js';

const T0 = BigInt(Date.parse('2026-11-23T08:00:00Z')) * 1_000_000n;
const PER_READ = 100;
const STEP = 1_000_000n; // 1 ms per conmon read

/** ~size bytes of records "line N …", PER_READ per timestamp as conmon writes them. */
function generate(path: string, size: number): number {
  const fd = openSync(path, 'w');
  let n = 0;
  let written = 0;
  let group = 0;
  const pad = ' the quick brown fox jumps';
  while (written < size) {
    const parts: string[] = [];
    for (let g = 0; g < 400; g++, group++) {
      const head = `${formatK8sTimestamp(T0 + BigInt(group) * STEP, 60)} `;
      for (let i = 0; i < PER_READ; i++, n++) parts.push(`${head}${n % 5 ? 'stdout' : 'stderr'} F line ${n}${pad}\n`);
    }
    const b = Buffer.from(parts.join(''));
    writeSync(fd, b);
    written += b.length;
  }
  closeSync(fd);
  return n;
}

const ms = (t: bigint) => (Number(process.hrtime.bigint() - t) / 1e6).toFixed(1);

test('200 MB log: tail, since and full-read speed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-perf-'));
  try {
    const path = join(dir, 'ctr.log');
    let t = process.hrtime.bigint();
    const n = generate(path, 200 * 1024 * 1024);
    console.log(`generated ${n} records (200 MB) in ${ms(t)} ms`);
    const files: LogFiles = { path, maxFiles: 1 };
    const base = { follow: false, stdout: true, stderr: true };

    const small = join(dir, 'small.log');
    writeFileSync(small, Buffer.from(`${formatK8sTimestamp(T0, 0)} stdout F x\n`.repeat(100)));
    for (const [name, f] of [['small', { path: small, maxFiles: 1 }], ['200 MB', files]] as const) {
      for (let round = 0; round < 3; round++) {
        t = process.hrtime.bigint();
        const got = [];
        for await (const e of readLogs(f, { ...base, tail: 10 })) got.push(e);
        if (round === 2) console.log(`tail 10 of the ${name} log: ${ms(t)} ms`);
        assert.equal(got.length, 10);
        if (name === '200 MB') assert.equal(got[9]!.line.toString(), `line ${n - 1} the quick brown fox jumps\n`);
      }
    }

    const mid = Math.floor(n / 2 / PER_READ);
    for (let round = 0; round < 3; round++) {
      t = process.hrtime.bigint();
      let first: string | undefined;
      let count = 0;
      for await (const e of readLogs(files, { ...base, since: T0 + BigInt(mid) * STEP })) {
        first ??= e.line.toString();
        if (++count === 1000) break;
      }
      if (round === 2) console.log(`since (middle of 200 MB), first 1000 entries: ${ms(t)} ms`);
      assert.equal(first, `line ${mid * PER_READ} the quick brown fox jumps\n`);
    }

    for (let round = 0; round < 2; round++) {
      t = process.hrtime.bigint();
      let count = 0;
      for await (const b of readLogBatches(files, base)) count += b.length;
      const s = Number(process.hrtime.bigint() - t) / 1e9;
      assert.equal(count, n);
      if (round === 1) console.log(`full read (batches): ${(count / s / 1e6).toFixed(2)} M lines/s, ${(200 / s).toFixed(0)} MB/s`);
    }

    for (const timestamps of [false, true]) {
      const sink = new (class extends Writable {
        bytes = 0;
        override _write(c: Buffer, _e: BufferEncoding, cb: () => void) {
          this.bytes += c.length;
          cb();
        }
      })();
      t = process.hrtime.bigint();
      await writeLogEntries(sink, readLogs(files, base), { tty: false, timestamps });
      const s = Number(process.hrtime.bigint() - t) / 1e9;
      console.log(`full read to stdcopy frames${timestamps ? ' with timestamps' : ''}: ${(n / s / 1e6).toFixed(2)} M lines/s (${(sink.bytes / 1e6).toFixed(0)} MB out)`);
    }

    t = process.hrtime.bigint();
    let count = 0;
    for await (const _ of readLogs(files, base)) count++;
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    assert.equal(count, n);
    console.log(`full read one entry at a time: ${(count / s / 1e6).toFixed(2)} M lines/s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
