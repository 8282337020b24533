import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { demux } from '../../src/common/stdcopy.js';
import { encodeEntries, streamLogs, writeLogEntries } from '../../src/container/logs/format.js';
import { encodeRecord } from '../../src/container/logs/k8s-file.js';
import type { LogEntry } from '../../src/container/logs/reader.js';

const T = BigInt(Date.parse('2026-11-23T08:50:37.675Z')) * 1_000_000n + 284610n;
const E = (stream: 'stdout' | 'stderr', line: string, timeNs = T): LogEntry => ({ stream, timeNs, line: Buffer.from(line) });

class Sink extends Writable {
  parts: Buffer[] = [];
  maxBuffered = 0;
  constructor(private readonly delayMs = -1) {
    super({ highWaterMark: 64 * 1024 });
  }
  override _write(c: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.parts.push(c);
    this.maxBuffered = Math.max(this.maxBuffered, this.writableLength);
    if (this.delayMs < 0) cb();
    else setTimeout(cb, this.delayMs);
  }
  get data(): Buffer {
    return Buffer.concat(this.parts);
  }
}

async function split(buf: Buffer): Promise<{ out: string; err: string }> {
  const o = new PassThrough();
  const e = new PassThrough();
  const oc: Buffer[] = [];
  const ec: Buffer[] = [];
  o.on('data', (c) => oc.push(c));
  e.on('data', (c) => ec.push(c));
  await demux(async function* () { yield buf; }(), o, e);
  return { out: Buffer.concat(oc).toString(), err: Buffer.concat(ec).toString() };
}

test('one stdcopy frame per message, timestamps inside the frame', async () => {
  const es = [E('stdout', 'a\n'), E('stderr', 'b\n'), E('stdout', 'partial'), E('stdout', 'c\n', T + 1n)];
  const plain = encodeEntries(es, { tty: false, timestamps: false });
  assert.deepEqual([...plain.subarray(0, 10)], [1, 0, 0, 0, 0, 0, 0, 2, 0x61, 0x0a]);
  assert.deepEqual(await split(plain), { out: 'a\npartialc\n', err: 'b\n' });
  const ts = encodeEntries(es, { tty: false, timestamps: true });
  assert.equal(ts.readUInt32BE(4), 33);
  assert.deepEqual(await split(ts), {
    out: '2026-11-23T08:50:37.675284610Z a\n2026-11-23T08:50:37.675284610Z partial2026-11-23T08:50:37.675284611Z c\n',
    err: '2026-11-23T08:50:37.675284610Z b\n',
  });
  assert.equal(encodeEntries(es, { tty: true, timestamps: false }).toString(), 'a\nb\npartialc\n');
  assert.equal(encodeEntries([E('stdout', 'x\r\n')], { tty: true, timestamps: true }).toString(), '2026-11-23T08:50:37.675284610Z x\r\n');
  assert.equal(encodeEntries([], { tty: false, timestamps: true }).length, 0);
});

test('writing waits for a slow client and reports a read error in the stream', async () => {
  const line = 'y'.repeat(100) + '\n';
  async function* batches() {
    for (let i = 0; i < 40; i++) yield Array.from({ length: 1000 }, () => E('stdout', line));
    throw new Error('disk on fire');
  }
  const sink = new Sink(1);
  const ok = await writeLogEntries(sink, { batches, async *[Symbol.asyncIterator]() {} } as never, { tty: false, timestamps: false });
  assert.equal(ok, true);
  const got = await split(sink.data).catch((e: Error) => e.message);
  assert.equal(got, 'error from daemon in stream: Error grabbing logs: disk on fire\n');
  assert.equal(sink.data.length, 40 * 1000 * (8 + line.length) + 8 + 'Error grabbing logs: disk on fire\n'.length);
  // Bounded by one write (~1 MiB batch), not by the 4 MB produced.
  assert.ok(sink.maxBuffered < 1.5 * 1024 * 1024, `buffered ${sink.maxBuffered}`);
  // A plain async iterable of entries works too.
  const plain = new Sink();
  await writeLogEntries(plain, (async function* () { yield E('stderr', 'one\n'); yield E('stdout', 'two\n'); })(), { tty: true, timestamps: false });
  assert.equal(plain.data.toString(), 'one\ntwo\n');
});

test('streamLogs stops following when the client goes away', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-fmt-'));
  try {
    const path = join(dir, 'ctr.log');
    writeFileSync(path, Buffer.concat([encodeRecord('stdout', false, 'hello', T), encodeRecord('stderr', false, 'world', T)]));
    const res = new Sink();
    const p = streamLogs(res, { path, maxFiles: 1 }, { follow: true, stdout: true, stderr: true, stopped: new Promise(() => {}) }, { tty: false, timestamps: false });
    const end = Date.now() + 2000;
    while (res.data.length < 30 && Date.now() < end) await sleep(5);
    assert.deepEqual(await split(res.data), { out: 'hello\n', err: 'world\n' });
    res.destroy();
    assert.equal(await p, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
