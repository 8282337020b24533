import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  encodeRecord, formatK8sTimestamp, formatRFC3339Nano, formatRFC3339NanoFixed, parseRecord,
  parseTimestamp, parseTimestampNs, RecordSplitter,
} from '../../src/container/logs/k8s-file.js';

const ns = (iso: string, sub: bigint) => BigInt(Date.parse(iso)) * 1_000_000n + sub;

test('timestamps in any offset become nanoseconds since the epoch', () => {
  const want = ns('2026-11-23T08:50:37.675Z', 284610n);
  assert.equal(parseTimestampNs('2026-11-23T08:50:37.675284610+00:00'), want);
  assert.equal(parseTimestampNs('2026-11-23T14:20:37.675284610+05:30'), want);
  assert.equal(parseTimestampNs('2026-11-23T00:50:37.675284610-08:00'), want);
  assert.equal(parseTimestampNs('2026-11-23T08:50:37.675284610Z'), want);
  assert.equal(parseTimestampNs('2026-11-23T08:50:37.6752846+00:00'), want - 10n);
  assert.equal(parseTimestampNs('2026-11-23T08:50:37Z'), ns('2026-11-23T08:50:37Z', 0n));
  assert.equal(parseTimestampNs('1969-12-31T23:59:59.5Z'), -500_000_000n);
  for (const bad of ['', 'garbage', '2026-11-23T08:50:37.+00:00', '2026-13-23T08:50:37Z', '2026-11-23T08:50:37.1+0:00', '2026-11-23T08:50:37.1']) {
    assert.equal(parseTimestampNs(bad), undefined, bad);
  }
});

test('Docker renders logs -t times fixed-width, and RFC3339Nano trimmed', () => {
  const t = ns('2026-11-23T08:50:37.675Z', 284610n);
  assert.equal(formatRFC3339NanoFixed(t), '2026-11-23T08:50:37.675284610Z');
  assert.equal(formatRFC3339NanoFixed(ns('2026-11-23T08:50:37Z', 0n)), '2026-11-23T08:50:37.000000000Z');
  assert.equal(formatRFC3339NanoFixed(ns('2026-11-23T08:50:37.5Z', 0n)), '2026-11-23T08:50:37.500000000Z');
  assert.equal(formatRFC3339Nano(ns('2026-11-23T08:50:37.5Z', 0n)), '2026-11-23T08:50:37.5Z');
  assert.equal(formatRFC3339Nano(ns('2026-11-23T08:50:37Z', 0n)), '2026-11-23T08:50:37Z');
  assert.equal(formatRFC3339Nano(t), '2026-11-23T08:50:37.67528461Z');
  assert.equal(formatRFC3339NanoFixed(-1n), '1969-12-31T23:59:59.999999999Z');
  assert.equal(formatK8sTimestamp(t, 330), '2026-11-23T14:20:37.675284610+05:30');
  assert.equal(formatK8sTimestamp(t, -480), '2026-11-23T00:50:37.675284610-08:00');
  const b = Buffer.from(formatK8sTimestamp(t, -480));
  assert.equal(parseTimestamp(b, 0, b.length), t);
});

test('records: F, P, stderr, empty content, malformed', () => {
  const t = ns('2026-11-23T08:50:37Z', 1n);
  const r = parseRecord(Buffer.from('2026-11-23T08:50:37.000000001+00:00 stdout F out1\n'))!;
  assert.deepEqual({ ...r, content: r.content.toString() }, { timeNs: t, stream: 'stdout', partial: false, content: 'out1' });
  const p = parseRecord(Buffer.from('2026-11-23T08:50:37.000000001+00:00 stderr P  two  spaces'))!;
  assert.deepEqual({ ...p, content: p.content.toString() }, { timeNs: t, stream: 'stderr', partial: true, content: ' two  spaces' });
  const e = parseRecord(Buffer.from('2026-11-23T08:50:37.000000001+00:00 stdout F \n'))!;
  assert.equal(e.content.length, 0);
  assert.equal(parseRecord(Buffer.from('2026-11-23T08:50:37.000000001+00:00 stdin F x\n')), null);
  assert.equal(parseRecord(Buffer.from('not a record\n')), null);
  const tty = parseRecord(encodeRecord('stdout', false, 'line\r', t))!;
  assert.equal(tty.content.toString(), 'line\r');
});

test('the splitter yields complete records across arbitrary chunk boundaries', () => {
  const t0 = ns('2026-11-23T08:50:37Z', 0n);
  const recs = [];
  for (let i = 0; i < 50; i++) recs.push(encodeRecord(i % 3 ? 'stdout' : 'stderr', i % 5 === 0, `line ${i} ${'x'.repeat(i)}`, t0 + BigInt(i >> 2)));
  const all = Buffer.concat([...recs, Buffer.from('garbage\n'), encodeRecord('stdout', false, 'last', t0)]);
  for (const step of [1, 2, 7, 33, 1000]) {
    const s = new RecordSplitter();
    const got = [];
    for (let i = 0; i < all.length; i += step) got.push(...s.push(all.subarray(i, i + step)));
    assert.equal(got.length, 51);
    assert.equal(s.skipped, 1);
    assert.equal(s.pending, 0);
    for (let i = 0; i < 50; i++) {
      assert.equal(got[i]!.content.toString(), `line ${i} ${'x'.repeat(i)}`);
      assert.equal(got[i]!.partial, i % 5 === 0);
      assert.equal(got[i]!.stream, i % 3 ? 'stdout' : 'stderr');
      assert.equal(got[i]!.timeNs, t0 + BigInt(i >> 2));
    }
  }
  const s = new RecordSplitter();
  assert.equal(s.push(Buffer.from('2026-11-23T08:50:37.000000001+00:00 std')).length, 0);
  assert.ok(s.pending > 0);
});
