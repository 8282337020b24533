// Expectations are taken from moby's api/types/filters/parse_test.go, api/types/time/timestamp_test.go,
// docker/cli's opts FilterOpt and Go's time.ParseDuration tests.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '../../src/common/errors.js';
import {
  BAD_FILTER_FORMAT,
  Filters,
  encodeFilters,
  getTimestamp,
  parseFilterFlag,
  parseFilters,
  parseGoDuration,
  parseTimestampMs,
  parseTimestamps,
  untilFromFilters,
} from '../../src/common/filters.js';

function throwsInvalid(fn: () => unknown, message: string | RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isBerthError(e, 'InvalidParameter'), `expected InvalidParameter, got ${String(e)}`);
    if (typeof message === 'string') assert.equal((e as Error).message, message);
    else assert.match((e as Error).message, message);
    return true;
  });
}

const sorted = (a: string[]) => [...a].sort();

describe('parseFilters (filters.FromJSON)', () => {
  it('returns no filters for an empty or missing parameter', () => {
    assert.equal(parseFilters(undefined).len(), 0);
    assert.equal(parseFilters('').len(), 0);
    assert.equal(parseFilters('{}').len(), 0);
    assert.equal(parseFilters('null').len(), 0);
  });

  it('accepts the modern and the legacy forms alike (TestFromJSON)', () => {
    const valid: Array<[Record<string, string[]>, string[]]> = [
      [{ key: ['value'] }, ['{"key": ["value"]}', '{"key": {"value": true}}']],
      [{ key: ['value1', 'value2'] }, ['{"key": ["value1", "value2"]}', '{"key": {"value1": true, "value2": true}}']],
      [
        { key1: ['value1'], key2: ['value2'] },
        ['{"key1": ["value1"], "key2": ["value2"]}', '{"key1": {"value1": true}, "key2": {"value2": true}}'],
      ],
    ];
    for (const [expected, inputs] of valid) {
      for (const json of inputs) {
        const f = parseFilters(json);
        assert.deepEqual(sorted(f.keys()), sorted(Object.keys(expected)), json);
        for (const [k, vs] of Object.entries(expected)) assert.deepEqual(sorted(f.get(k)), sorted(vs), json);
      }
    }
    assert.deepEqual(parseFilters('{"reference":{"busybox":true}}').get('reference'), ['busybox']);
    assert.deepEqual(parseFilters('{"reference":["busybox"]}').get('reference'), ['busybox']);
  });

  it('rejects malformed filters with "invalid filter"', () => {
    for (const bad of [
      'anything',
      "['a','list']",
      "{'key': 'value'}",
      '{"key": "value"}',
      '[]',
      '"x"',
      '5',
      '{"key": {"value": "true"}}',
      '{"key": {"value": 1}}',
      '{"key": [1]}',
      '{"a": {"x": true}, "b": ["y"]}',
      '{"key": ',
    ]) {
      throwsInvalid(() => parseFilters(bad), 'invalid filter');
    }
  });

  it('decodes JSON nulls as Go does', () => {
    const f = parseFilters('{"dangling": null}');
    assert.equal(f.contains('dangling'), true);
    assert.deepEqual(f.get('dangling'), []);
    assert.deepEqual(parseFilters('{"k": {"v": null}}').get('k'), ['v']);
    assert.equal(parseFilters('{"k": {"v": null}}').exactMatch('k', 'v'), false);
    assert.deepEqual(parseFilters('{"k": [null, "x"]}').get('k'), ['', 'x']);
  });

  it('keeps a false value listed but not matching exactly', () => {
    const f = parseFilters('{"status": {"running": false}}');
    assert.deepEqual(f.get('status'), ['running']);
    assert.equal(f.exactMatch('status', 'running'), false);
  });
});

describe('encodeFilters (filters.ToJSON / ToParamWithVersion)', () => {
  const f = new Filters([
    ['created', 'today'],
    ['image.name', 'ubuntu*'],
    ['image.name', '*untu'],
  ]);

  it('encodes the modern form with sorted keys (TestToJSON)', () => {
    assert.equal(encodeFilters(f), '{"created":{"today":true},"image.name":{"*untu":true,"ubuntu*":true}}');
  });

  it('encodes the legacy list form for API < 1.22 (TestToParamWithVersion)', () => {
    assert.equal(encodeFilters(f, { legacy: true }), '{"created":["today"],"image.name":["*untu","ubuntu*"]}');
  });

  it('encodes no filters as an empty string and round-trips (TestEmpty)', () => {
    assert.equal(encodeFilters(new Filters()), '');
    assert.equal(parseFilters(encodeFilters(new Filters())).len(), 0);
    const back = parseFilters(encodeFilters(f));
    assert.deepEqual(back.toObject(), f.toObject());
  });

  it('accepts plain maps and escapes HTML characters as Go does', () => {
    assert.equal(encodeFilters({ label: ['a<b>&c'] }), '{"label":{"a\\u003cb\\u003e\\u0026c":true}}');
    assert.equal(encodeFilters(new Map([['dangling', ['true']]])), '{"dangling":{"true":true}}');
    assert.deepEqual(parseFilters(encodeFilters({ label: ['a<b>&c'] })).get('label'), ['a<b>&c']);
  });

  it('serializes through JSON.stringify as the wire object', () => {
    assert.equal(JSON.stringify({ filters: new Filters([['a', 'b']]) }), '{"filters":{"a":{"b":true}}}');
  });
});

describe('Filters', () => {
  it('adds values as a set and counts keys (TestAdd, TestLen)', () => {
    const f = new Filters();
    assert.equal(f.len(), 0);
    f.add('status', 'running');
    f.add('status', 'running');
    assert.deepEqual(f.get('status'), ['running']);
    f.add('status', 'paused');
    assert.deepEqual(sorted(f.get('status')), ['paused', 'running']);
    assert.equal(f.len(), 1);
    assert.deepEqual(f.get('missing'), []);
  });

  it('deletes values and the key with its last value (TestDel)', () => {
    const f = new Filters([['status', 'running']]);
    f.del('status', 'running');
    assert.equal(f.contains('status'), false);
    assert.equal(f.len(), 0);
  });

  it('contains / has report key presence (TestContains)', () => {
    const f = new Filters();
    assert.equal(f.contains('status'), false);
    assert.equal(f.has('status'), false);
    f.add('status', 'running');
    assert.equal(f.contains('status'), true);
    assert.equal(f.has('status'), true);
    assert.deepEqual(f.keys(), ['status']);
  });

  it('exactMatch matches anything without values, else only a listed value (TestExactMatch)', () => {
    const f = new Filters();
    assert.equal(f.exactMatch('status', 'running'), true);
    f.add('status', 'running');
    f.add('status', 'pause*');
    assert.equal(f.exactMatch('status', 'running'), true);
    assert.equal(f.exactMatch('status', 'paused'), false);
  });

  it('uniqueExactMatch needs exactly one value (TestOnlyOneExactMatch)', () => {
    const f = new Filters();
    assert.equal(f.uniqueExactMatch('status', 'running'), true);
    f.add('status', 'running');
    assert.equal(f.uniqueExactMatch('status', 'running'), true);
    assert.equal(f.uniqueExactMatch('status', 'paused'), false);
    f.add('status', 'pause');
    assert.equal(f.uniqueExactMatch('status', 'running'), false);
  });

  it('fuzzyMatch matches exactly or by prefix (TestFuzzyMatch)', () => {
    const f = new Filters([['container', 'foo']]);
    assert.equal(f.fuzzyMatch('container', 'foo'), true);
    assert.equal(f.fuzzyMatch('container', 'foobar'), true);
    assert.equal(f.fuzzyMatch('container', 'barfoo'), false);
    assert.equal(f.fuzzyMatch('container', 'bar'), false);
  });

  it('match matches exactly or by unanchored regular expression (TestArgsMatch)', () => {
    const source = 'today';
    const matches: Array<[Record<string, string[]>, string]> = [
      [{}, 'field'],
      [{ created: ['today'] }, 'today'],
      [{ created: ['to*'] }, 'created'],
      [{ created: ['to(.*)'] }, 'created'],
      [{ created: ['tod'] }, 'created'],
      [{ created: ['anyting', 'to*'] }, 'created'],
    ];
    for (const [fields, key] of matches) assert.equal(new Filters(fields).match(key, source), true, JSON.stringify(fields));
    const differs: Array<[Record<string, string[]>, string]> = [
      [{ created: ['tomorrow'] }, 'created'],
      [{ created: ['to(day'] }, 'created'],
      [{ created: ['tom(.*)'] }, 'created'],
      [{ created: ['tom'] }, 'created'],
      [{ created: ['today1'], labels: ['today'] }, 'created'],
    ];
    for (const [fields, key] of differs) assert.equal(new Filters(fields).match(key, source), false, JSON.stringify(fields));
  });

  it('matchKVList checks label keys and key=value pairs (TestArgsMatchKVList)', () => {
    const sources = { key1: 'value1', key2: 'value2', key3: 'value3' };
    assert.equal(new Filters().matchKVList('field', sources), true);
    assert.equal(new Filters({ created: ['today'], labels: ['key1'] }).matchKVList('labels', sources), true);
    assert.equal(new Filters({ created: ['today'], labels: ['key1=value1'] }).matchKVList('labels', sources), true);
    assert.equal(new Filters({ created: ['today'] }).matchKVList('created', sources), false);
    assert.equal(new Filters({ created: ['today'], labels: ['key4'] }).matchKVList('labels', sources), false);
    assert.equal(new Filters({ created: ['today'], labels: ['key1=value3'] }).matchKVList('labels', sources), false);
    assert.equal(new Filters({ labels: ['a=b=c'] }).matchKVList('labels', new Map([['a', 'b=c']])), true);
    // TestArgsMatchKVListEmptySources
    assert.equal(new Filters().matchKVList('created', {}), true);
    assert.equal(new Filters({ created: ['today'] }).matchKVList('created', {}), false);
    assert.equal(new Filters({ created: ['today'] }).matchKVList('created', undefined), false);
  });

  describe('getBoolOrDefault (TestGetBoolOrDefault)', () => {
    const cases: Array<{ name: string; values: string[]; def: boolean; value?: boolean; err?: string }> = [
      { name: 'single true', values: ['true'], def: false, value: true },
      { name: 'single false', values: ['false'], def: true, value: false },
      { name: 'single bad value', values: ['potato'], def: true, err: "invalid filter 'dangling=[potato]'" },
      { name: 'two bad values', values: ['banana', 'potato'], def: true, err: "invalid filter 'dangling=[banana potato]'" },
      { name: 'two conflicting values', values: ['false', 'true'], def: false, err: "invalid filter 'dangling=[false true]'" },
      { name: 'multiple conflicting values', values: ['false', 'true', '1'], def: false, err: "invalid filter 'dangling=[false true 1]'" },
      { name: '1 means true', values: ['1'], def: false, value: true },
      { name: '0 means false', values: ['0'], def: true, value: false },
      { name: 'agreeing values', values: ['1', 'true'], def: false, value: true },
    ];
    for (const tc of cases) {
      it(tc.name, () => {
        const f = new Filters({ dangling: tc.values });
        if (tc.err) throwsInvalid(() => f.getBoolOrDefault('dangling', tc.def), tc.err);
        else assert.equal(f.getBoolOrDefault('dangling', tc.def), tc.value);
      });
    }

    it('returns the default when the key is absent', () => {
      assert.equal(new Filters().getBoolOrDefault('dangling', true), true);
      assert.equal(new Filters().getBoolOrDefault('dangling', false), false);
    });

    it('rejects a present key without values', () => {
      throwsInvalid(() => parseFilters('{"dangling":{}}').getBoolOrDefault('dangling', false), "invalid filter 'dangling'");
    });
  });

  it('validate refuses keys outside the accepted set (TestValidate)', () => {
    const f = new Filters([['status', 'running']]);
    f.validate({ status: true, dangling: true });
    f.validate(['status', 'dangling']);
    f.validate(new Set(['status']));
    f.add('bogus', 'running');
    throwsInvalid(() => f.validate({ status: true, dangling: true }), "invalid filter 'bogus'");
    throwsInvalid(() => new Filters([['foo', 'x']]).validate(['reference']), "invalid filter 'foo'");
    throwsInvalid(() => new Filters([['status', 'x']]).validate({ status: false }), "invalid filter 'status'");
  });

  it('walkValues visits every value and stops on an exception (TestWalkValues)', () => {
    const f = new Filters([
      ['status', 'running'],
      ['status', 'paused'],
    ]);
    const seen: string[] = [];
    f.walkValues('status', (v) => void seen.push(v));
    assert.deepEqual(sorted(seen), ['paused', 'running']);
    assert.throws(() =>
      f.walkValues('status', () => {
        throw new Error('return');
      }),
    );
    f.walkValues('foo', () => {
      throw new Error('not reached');
    });
  });

  it('clone is independent (TestClone)', () => {
    const f = new Filters([['foo', 'bar']]);
    const c = f.clone();
    c.add('qux', 'quux');
    c.add('foo', 'baz');
    assert.deepEqual(f.keys(), ['foo']);
    assert.deepEqual(f.get('foo'), ['bar']);
    assert.deepEqual(sorted(c.keys()), ['foo', 'qux']);
  });
});

describe('parseFilterFlag (CLI --filter)', () => {
  it('collects key=value pairs into sets (TestParseArgs)', () => {
    let f = new Filters();
    for (const arg of ['created=today', 'image.name=ubuntu*', 'image.name=*untu']) f = parseFilterFlag(arg, f);
    assert.equal(f.get('created').length, 1);
    assert.equal(f.get('image.name').length, 2);
  });

  it('ignores an empty flag and rejects one without = (TestParseArgsEdgeCase)', () => {
    assert.equal(parseFilterFlag('').len(), 0);
    throwsInvalid(() => parseFilterFlag('anything'), 'bad format of filter (expected name=value)');
    assert.equal(BAD_FILTER_FORMAT, 'bad format of filter (expected name=value)');
  });

  it('lowercases and trims the name, trims the value, splits on the first =', () => {
    const f = parseFilterFlag(' Label = a=b ');
    assert.deepEqual(f.keys(), ['label']);
    assert.deepEqual(f.get('label'), ['a=b']);
    assert.deepEqual(parseFilterFlag('dangling=').get('dangling'), ['']);
  });
});

describe('getTimestamp (timetypes.GetTimestamp)', () => {
  const now = Date.UTC(2024, 4, 6, 12, 30, 15, 250); // reference time, read in UTC
  const nowSec = Math.floor(now / 1000);

  // TestGetTimestamp
  const cases: Array<[string, string | null]> = [
    ['2006-01-02T15:04:05.999999999+07:00', '1136189045.999999999'],
    ['2006-01-02T15:04:05.999999999Z', '1136214245.999999999'],
    ['2006-01-02T15:04:05.999999999', '1136214245.999999999'],
    ['2006-01-02T15:04:05Z', '1136214245.000000000'],
    ['2006-01-02T15:04:05', '1136214245.000000000'],
    ['2006-01-02T15:04:0Z', null],
    ['2006-01-02T15:04:0', null],
    ['2006-01-02T15:04Z', '1136214240.000000000'],
    ['2006-01-02T15:04+00:00', '1136214240.000000000'],
    ['2006-01-02T15:04-00:00', '1136214240.000000000'],
    ['2006-01-02T15:04', '1136214240.000000000'],
    ['2006-01-02T15:0Z', null],
    ['2006-01-02T15:0', null],
    ['2006-01-02T15Z', '1136214000.000000000'],
    ['2006-01-02T15+00:00', '1136214000.000000000'],
    ['2006-01-02T15-00:00', '1136214000.000000000'],
    ['2006-01-02T15', '1136214000.000000000'],
    ['2006-01-02T1Z', '1136163600.000000000'],
    ['2006-01-02T1', '1136163600.000000000'],
    ['2006-01-02TZ', null],
    ['2006-01-02T', null],
    ['2006-01-02+00:00', '1136160000.000000000'],
    ['2006-01-02-00:00', '1136160000.000000000'],
    ['2006-01-02-00:01', '1136160060.000000000'],
    ['2006-01-02Z', '1136160000.000000000'],
    ['2006-01-02', '1136160000.000000000'],
    ['2015-05-13T20:39:09Z', '1431549549.000000000'],
    // unix timestamps are returned as is
    ['1136073600', '1136073600'],
    ['1136073600.000000001', '1136073600.000000001'],
    // durations
    ['1m', String(nowSec - 60)],
    ['1.5h', String(nowSec - 90 * 60)],
    ['1h30m', String(nowSec - 90 * 60)],
    ['invalid', null],
    ['', null],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${expected ?? 'error'}`, () => {
      if (expected === null) assert.throws(() => getTimestamp(input, now, 0), (e: unknown) => isBerthError(e, 'InvalidParameter'));
      else assert.equal(getTimestamp(input, now, 0), expected);
    });
  }

  it('treats "0" as a Unix timestamp, not a duration', () => {
    assert.equal(getTimestamp('0', now, 0), '0');
    assert.equal(getTimestamp('0s', now, 0), String(nowSec));
    assert.equal(getTimestamp('-1h', now, 0), String(nowSec + 3600));
  });

  it('reads zoneless dates in the local zone\'s current offset', () => {
    assert.equal(getTimestamp('2006-01-02', now, 3600), '1136156400.000000000');
    assert.equal(getTimestamp('2006-01-02T15:04:05', now, -7 * 3600), '1136239445.000000000');
    // an explicit zone wins
    assert.equal(getTimestamp('2006-01-02T15:04:05Z', now, 3600), '1136214245.000000000');
  });

  it('accepts a comma as the fraction separator and truncates beyond nanoseconds', () => {
    assert.equal(getTimestamp('2006-01-02T15:04:05,5', now, 0), '1136214245.500000000');
    assert.equal(getTimestamp('2006-01-02T15:04:05.1234567891Z', now, 0), '1136214245.123456789');
    assert.equal(getTimestamp('2006-01-02T15:04:05.5Z', now, 0), '1136214245.500000000');
  });

  it('handles dates before the epoch and leap days', () => {
    assert.equal(getTimestamp('1969-12-31T23:59:59.5Z', now, 0), '-1.500000000');
    assert.equal(getTimestamp('2024-02-29', now, 0), '1709164800.000000000');
    assert.equal(getTimestamp('0001-01-01Z', now, 0), '-62135596800.000000000');
  });

  it('reports Go\'s time parse errors for date-like values', () => {
    throwsInvalid(() => getTimestamp('2006-13-01', now, 0), 'parsing time "2006-13-01": month out of range');
    throwsInvalid(() => getTimestamp('2023-02-29', now, 0), 'parsing time "2023-02-29": day out of range');
    throwsInvalid(() => getTimestamp('2006-01-02T24', now, 0), 'parsing time "2006-01-02T24": hour out of range');
    throwsInvalid(() => getTimestamp('2006-01-02T15:60', now, 0), 'parsing time "2006-01-02T15:60": minute out of range');
    throwsInvalid(() => getTimestamp('2006-01-02x', now, 0), 'parsing time "2006-01-02x": extra text: "x"');
    throwsInvalid(
      () => getTimestamp('2006-1-02', now, 0),
      'parsing time "2006-1-02" as "2006-01-02": cannot parse "1-02" as "01"',
    );
    throwsInvalid(
      () => getTimestamp('2006-01-02T15:04:0Z', now, 0),
      'parsing time "2006-01-02T15:04:0Z" as "2006-01-02T15:04:05Z07:00": cannot parse "0Z" as "05"',
    );
    throwsInvalid(() => getTimestamp('-1', now, 0), 'parsing time "-1" as "2006-01-02": cannot parse "-1" as "2006"');
    throwsInvalid(
      () => getTimestamp('2006-01/02', now, 0),
      'parsing time "2006-01/02" as "2006-01-02": cannot parse "/02" as "-"',
    );
  });

  it('reports other values as neither time nor duration', () => {
    throwsInvalid(() => getTimestamp('invalid', now, 0), 'failed to parse value as time or duration: "invalid"');
    throwsInvalid(() => getTimestamp('1d', now, 0), 'failed to parse value as time or duration: "1d"');
    // without a `-` the time parser's error is replaced
    throwsInvalid(() => getTimestamp('2006/01/02', now, 0), 'failed to parse value as time or duration: "2006/01/02"');
    throwsInvalid(() => getTimestamp('', now, 0), 'failed to parse value as time or duration: ""');
  });

  it('defaults to the current time and local zone', () => {
    const before = Math.floor(Date.now() / 1000);
    const got = Number(getTimestamp('1h'));
    assert.ok(got >= before - 3600 && got <= Math.floor(Date.now() / 1000) - 3600);
  });
});

describe('parseTimestamps (timetypes.ParseTimestamps)', () => {
  // TestParseTimestamps
  const cases: Array<[string, number, number, number] | [string, number, null]> = [
    ['1136073600', 0, 1136073600, 0],
    ['1136073600.000000001', 0, 1136073600, 1],
    ['1136073600.0000000010', 0, 1136073600, 1],
    ['1136073600.00000001', 0, 1136073600, 10],
    ['foo.bar', 0, null],
    ['1136073600.bar', 0, null],
    ['', -1, -1, 0],
  ];
  for (const [input, def, seconds, nanos] of cases) {
    it(`${JSON.stringify(input)} → ${seconds === null ? 'error' : `${seconds}s ${nanos}ns`}`, () => {
      if (seconds === null) assert.throws(() => parseTimestamps(input, def), (e: unknown) => isBerthError(e, 'InvalidParameter'));
      else assert.deepEqual(parseTimestamps(input, def), { seconds, nanos });
    });
  }

  it('carries strconv\'s error text', () => {
    throwsInvalid(() => parseTimestamps('foo', 0), 'strconv.ParseInt: parsing "foo": invalid syntax');
    throwsInvalid(() => parseTimestamps('99999999999999999999', 0), 'strconv.ParseInt: parsing "99999999999999999999": value out of range');
  });
});

describe('parseTimestampMs / untilFromFilters', () => {
  const now = Date.UTC(2024, 4, 6, 12, 30, 15, 250);

  it('returns epoch milliseconds for durations, dates and unix timestamps', () => {
    assert.equal(parseTimestampMs('24h', now, 0), Math.floor(now / 1000) * 1000 - 24 * 3600 * 1000);
    assert.equal(parseTimestampMs('10m', now, 0), Math.floor(now / 1000) * 1000 - 600 * 1000);
    assert.equal(parseTimestampMs('2006-01-02', now, 0), Date.UTC(2006, 0, 2));
    assert.equal(parseTimestampMs('2006-01-02T15:04:05Z', now, 0), Date.UTC(2006, 0, 2, 15, 4, 5));
    assert.equal(parseTimestampMs('2006-01-02T15:04:05.25Z', now, 0), Date.UTC(2006, 0, 2, 15, 4, 5, 250));
    assert.equal(parseTimestampMs('1136073600', now, 0), 1136073600000);
    assert.equal(parseTimestampMs('1136073600.5', now, 0), 1136073600500);
    assert.equal(parseTimestampMs('2024-05-06T12:30:15', now, 0), Date.UTC(2024, 4, 6, 12, 30, 15));
    assert.equal(parseTimestampMs('1969-12-31T23:59:59.5Z', now, 0), -500);
  });

  it('accepts Date objects for now', () => {
    assert.equal(parseTimestampMs('1h', new Date(now), 0), Math.floor(now / 1000) * 1000 - 3600 * 1000);
  });

  it('untilFromFilters: none without until, one value only', () => {
    assert.equal(untilFromFilters(new Filters(), now, 0), undefined);
    assert.equal(untilFromFilters(parseFilters('{"until":{"2006-01-02":true}}'), now, 0), Date.UTC(2006, 0, 2));
    throwsInvalid(
      () => untilFromFilters(new Filters({ until: ['1h', '2h'] }), now, 0),
      'more than one until filter specified',
    );
    throwsInvalid(() => untilFromFilters(new Filters({ until: ['bogus'] }), now, 0), 'failed to parse value as time or duration: "bogus"');
  });
});

describe('parseGoDuration (time.ParseDuration)', () => {
  const S = 1_000_000_000n;
  const MS = 1_000_000n;
  const US = 1_000n;
  const MIN = 60n * S;
  const H = 60n * MIN;
  const ok: Array<[string, bigint]> = [
    ['0', 0n],
    ['5s', 5n * S],
    ['30s', 30n * S],
    ['1478s', 1478n * S],
    ['-5s', -5n * S],
    ['+5s', 5n * S],
    ['-0', 0n],
    ['+0', 0n],
    ['5.0s', 5n * S],
    ['5.6s', 5n * S + 600n * MS],
    ['5.s', 5n * S],
    ['.5s', 500n * MS],
    ['1.0s', S],
    ['1.00s', S],
    ['1.004s', S + 4n * MS],
    ['1.0040s', S + 4n * MS],
    ['100.00100s', 100n * S + MS],
    ['10ns', 10n],
    ['11us', 11n * US],
    ['12µs', 12n * US],
    ['12μs', 12n * US],
    ['13ms', 13n * MS],
    ['14s', 14n * S],
    ['15m', 15n * MIN],
    ['16h', 16n * H],
    ['3h30m', 3n * H + 30n * MIN],
    ['10.5s4m', 4n * MIN + 10n * S + 500n * MS],
    ['-2m3.4s', -(2n * MIN + 3n * S + 400n * MS)],
    ['1h2m3s4ms5us6ns', H + 2n * MIN + 3n * S + 4n * MS + 5n * US + 6n],
    ['39h9m14.425s', 39n * H + 9n * MIN + 14n * S + 425n * MS],
    ['52763797000ns', 52763797000n],
    ['0.3333333333333333333h', 20n * MIN],
    ['9007199254740993ns', (1n << 53n) + 1n],
    ['9223372036854775807ns', (1n << 63n) - 1n],
    ['9223372036854775.807us', (1n << 63n) - 1n],
    ['9223372036s854ms775us807ns', (1n << 63n) - 1n],
    ['-9223372036854775808ns', -(1n << 63n)],
    ['-9223372036854775.808us', -(1n << 63n)],
    ['-9223372036s854ms775us808ns', -(1n << 63n)],
    ['-2562047h47m16.854775808s', -(1n << 63n)],
    ['0.100000000000000000000h', 6n * MIN],
    ['0.830103483285477580700h', 49n * MIN + 48n * S + 372539827n],
  ];
  for (const [input, expected] of ok) {
    it(`${input} = ${expected}ns`, () => assert.equal(parseGoDuration(input), expected));
  }

  const bad: Array<[string, string]> = [
    ['', 'time: invalid duration ""'],
    ['3', 'time: missing unit in duration "3"'],
    ['-', 'time: invalid duration "-"'],
    ['s', 'time: invalid duration "s"'],
    ['.', 'time: invalid duration "."'],
    ['-.', 'time: invalid duration "-."'],
    ['.s', 'time: invalid duration ".s"'],
    ['+.s', 'time: invalid duration "+.s"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['1h 30m', 'time: unknown unit "h " in duration "1h 30m"'],
    ['1é', 'time: unknown unit "\\xc3\\xa9" in duration "1\\xc3\\xa9"'],
    ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
    ['9223372036854775.808us', 'time: invalid duration "9223372036854775.808us"'],
    ['9223372036854ms775us808ns', 'time: invalid duration "9223372036854ms775us808ns"'],
    ['-9223372036854775809ns', 'time: invalid duration "-9223372036854775809ns"'],
  ];
  for (const [input, message] of bad) {
    it(`${JSON.stringify(input)} is rejected`, () => throwsInvalid(() => parseGoDuration(input), message));
  }
});
