// Expectations from docker/go-units size_test.go and duration_test.go, Go's time package tests
// (ParseDuration, Duration.String) and docker's stringid.TruncateID.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  GiB,
  KB,
  KiB,
  MB,
  MiB,
  PB,
  PiB,
  TB,
  TiB,
  GB,
  bytesSize,
  customSize,
  formatDuration,
  fromHumanSize,
  humanDuration,
  humanSize,
  humanSize4,
  humanSizeWithPrecision,
  parseBytes,
  parseDuration,
  ramInBytes,
  timeAgo,
  truncateId,
} from '../../src/cli/units.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const MONTH = 30 * DAY;
const YEAR = 365 * DAY;

describe('humanSize (HumanSizeWithPrecision(size, 3), docker\'s SIZE column)', () => {
  const cases: [number, string][] = [
    [0, '0B'],
    [123, '123B'],
    [999, '999B'],
    [1000, '1kB'],
    [4260, '4.26kB'],
    [1234567, '1.23MB'],
    [7_800_000, '7.8MB'],
    [77_812_345, '77.8MB'],
    [1_048_576, '1.05MB'],
    [999_999, '1e+03kB'],
    [2.5 * GB, '2.5GB'],
  ];
  for (const [n, want] of cases) it(`${n} -> ${want}`, () => assert.equal(humanSize(n), want));

  it('binary mode is BytesSize', () => assert.equal(humanSize(16 * GiB + 512 * MiB, 'binary'), '16.5GiB'));
});

describe('HumanSize (4 digits) and BytesSize, as go-units tests', () => {
  it('HumanSize', () => {
    assert.equal(humanSize4(1000), '1kB');
    assert.equal(humanSize4(1024), '1.024kB');
    assert.equal(humanSize4(1000000), '1MB');
    assert.equal(humanSize4(1048576), '1.049MB');
    assert.equal(humanSize4(2 * MB), '2MB');
    assert.equal(humanSize4(3.42 * GB), '3.42GB');
    assert.equal(humanSize4(5.372 * TB), '5.372TB');
    assert.equal(humanSize4(2.22 * PB), '2.22PB');
    assert.equal(humanSize4(10000000000000 * PB), '1e+04YB');
  });

  it('BytesSize', () => {
    assert.equal(bytesSize(1024), '1KiB');
    assert.equal(bytesSize(1024 * 1024), '1MiB');
    assert.equal(bytesSize(2 * MiB), '2MiB');
    assert.equal(bytesSize(3.42 * GiB), '3.42GiB');
    assert.equal(bytesSize(5.372 * TiB), '5.372TiB');
    assert.equal(bytesSize(2.22 * PiB), '2.22PiB');
    assert.equal(bytesSize(KiB * KiB * KiB * KiB * KiB * PiB), '1.049e+06YiB');
  });

  it('HumanSizeWithPrecision and CustomSize', () => {
    assert.equal(humanSizeWithPrecision(1234567, 2), '1.2MB');
    assert.equal(customSize('%.1f %s', 1536, 1024, ['B', 'KiB', 'MiB']), '1.5 KiB');
  });
});

describe('ramInBytes / fromHumanSize', () => {
  it('parses binary sizes (RAMInBytes)', () => {
    const cases: [string, number][] = [
      ['32', 32],
      ['32b', 32],
      ['32B', 32],
      ['32k', 32 * KiB],
      ['32K', 32 * KiB],
      ['32kb', 32 * KiB],
      ['32Kib', 32 * KiB],
      ['32KIB', 32 * KiB],
      ['32Mb', 32 * MiB],
      ['32Gb', 32 * GiB],
      ['32Tb', 32 * TiB],
      ['32Pb', 32 * PiB],
      ['32P', 32 * PiB],
      ['32.3', 32],
      ['32.3 mb', Math.trunc(32.3 * MiB)],
      ['0.3MB', Math.trunc(0.3 * MiB)],
      ['64m', 67108864],
    ];
    for (const [s, want] of cases) assert.equal(ramInBytes(s), want, s);
    assert.equal(parseBytes('1g'), GiB);
  });

  it('parses decimal sizes (FromHumanSize)', () => {
    assert.equal(fromHumanSize('32k'), 32 * KB);
    assert.equal(fromHumanSize('32.5 kB'), 32.5 * KB);
    assert.equal(fromHumanSize('32.5 B'), 32);
    assert.equal(fromHumanSize('0.3 K'), 300);
    assert.equal(fromHumanSize('32Pb'), 32 * PB);
  });

  it('rejects what go-units rejects, with its message', () => {
    for (const s of ['', 'hello', '-32', ' 32 ', '32m b', '32bm', '.3kB']) {
      assert.throws(() => ramInBytes(s), { message: `invalid size: '${s}'` }, s);
    }
    assert.throws(() => ramInBytes('1.2.3m'), { message: 'strconv.ParseFloat: parsing "1.2.3": invalid syntax' });
  });
});

describe('humanDuration (go-units HumanDuration)', () => {
  const cases: [number, string][] = [
    [450, 'Less than a second'],
    [1 * SECOND, '1 second'],
    [45 * SECOND, '45 seconds'],
    [59 * SECOND, '59 seconds'],
    [60 * SECOND, 'About a minute'],
    [3 * MINUTE, '3 minutes'],
    [35 * MINUTE + 40 * SECOND, '35 minutes'],
    [59 * MINUTE, '59 minutes'],
    [1 * HOUR, 'About an hour'],
    [1 * HOUR + 29 * MINUTE, 'About an hour'],
    [1 * HOUR + 31 * MINUTE, '2 hours'],
    [3 * HOUR + 29 * MINUTE, '3 hours'],
    [3 * HOUR + 31 * MINUTE, '4 hours'],
    [24 * HOUR, '24 hours'],
    [1 * DAY + 12 * HOUR, '36 hours'],
    [2 * DAY, '2 days'],
    [13 * DAY + 5 * HOUR, '13 days'],
    [2 * WEEK, '2 weeks'],
    [2 * WEEK + 4 * DAY, '2 weeks'],
    [1 * MONTH, '4 weeks'],
    [1 * MONTH + 2 * WEEK, '6 weeks'],
    [2 * MONTH, '2 months'],
    [3 * MONTH + 1 * WEEK, '3 months'],
    [13 * MONTH, '13 months'],
    [24 * MONTH, '24 months'],
    [24 * MONTH + 2 * WEEK, '2 years'],
    [3 * YEAR + 2 * MONTH, '3 years'],
  ];
  for (const [ms, want] of cases) it(`${ms}ms -> ${want}`, () => assert.equal(humanDuration(ms), want));

  it('timeAgo appends " ago", from a Date, ms or API seconds', () => {
    const now = Date.UTC(2024, 0, 10);
    assert.equal(timeAgo(new Date(now - 3 * DAY), now), '3 days ago');
    assert.equal(timeAgo(now - 2 * HOUR, now), '2 hours ago');
    assert.equal(timeAgo((now - 90 * SECOND) / 1000, now, 's'), 'About a minute ago');
  });
});

describe('truncateId (stringid.TruncateID)', () => {
  it('drops the algorithm and keeps 12 characters', () => {
    assert.equal(truncateId('sha256:4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e'), '4d5e6f7a8b9c');
    assert.equal(truncateId('90a1b2c3d4e5f6a7b8c9'), '90a1b2c3d4e5');
    assert.equal(truncateId('abc'), 'abc');
    assert.equal(truncateId('sha512:abc'), 'abc');
  });
});

describe('parseDuration / formatDuration (Go time.Duration)', () => {
  const ns = 1;
  const us = 1000;
  const ms = 1e6;
  const s = 1e9;
  const m = 60 * s;
  const h = 60 * m;
  it('parses as time.ParseDuration', () => {
    const cases: [string, number][] = [
      ['0', 0],
      ['5s', 5 * s],
      ['-5s', -5 * s],
      ['+5s', 5 * s],
      ['5.6s', 5.6 * s],
      ['5.s', 5 * s],
      ['.5s', 0.5 * s],
      ['1.004s', 1.004 * s],
      ['10ns', 10 * ns],
      ['11us', 11 * us],
      ['12µs', 12 * us],
      ['12μs', 12 * us],
      ['13ms', 13 * ms],
      ['15m', 15 * m],
      ['16h', 16 * h],
      ['3h30m', 3 * h + 30 * m],
      ['10.5s4m', 4 * m + 10.5 * s],
      ['-2m3.4s', -(2 * m + 3.4 * s)],
      ['1h2m3s4ms5us6ns', h + 2 * m + 3 * s + 4 * ms + 5 * us + 6 * ns],
      ['39h9m14.425s', 39 * h + 9 * m + 14.425 * s],
      ['0.3333333333333333333h', 20 * m],
    ];
    for (const [str, want] of cases) assert.equal(parseDuration(str), want, str);
  });

  it('rejects with Go\'s messages', () => {
    assert.throws(() => parseDuration(''), { message: 'time: invalid duration ""' });
    assert.throws(() => parseDuration('3'), { message: 'time: missing unit in duration "3"' });
    assert.throws(() => parseDuration('-'), { message: 'time: invalid duration "-"' });
    assert.throws(() => parseDuration('s'), { message: 'time: invalid duration "s"' });
    assert.throws(() => parseDuration('.s'), { message: 'time: invalid duration ".s"' });
    assert.throws(() => parseDuration('1d'), { message: 'time: unknown unit "d" in duration "1d"' });
  });

  it('formats as Duration.String', () => {
    const cases: [number, string][] = [
      [0, '0s'],
      [1, '1ns'],
      [1100, '1.1µs'],
      [2200 * us, '2.2ms'],
      [3300 * ms, '3.3s'],
      [4 * m + 5 * s, '4m5s'],
      [4 * m + 5001 * ms, '4m5.001s'],
      [5 * h + 6 * m + 7001 * ms, '5h6m7.001s'],
      [8 * m + 1, '8m0.000000001s'],
      [h, '1h0m0s'],
      [-90 * s, '-1m30s'],
    ];
    for (const [d, want] of cases) assert.equal(formatDuration(d), want, want);
  });
});
