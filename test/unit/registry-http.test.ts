// Range, Content-Range and pagination handling of the registry server.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { contentLength, nextLink, paginate, parseContentRange, parsePageSize, parseRange } from '../../src/registry/http.js';
import { isRegistryError } from '../../src/registry/errors.js';

describe('registry Range', () => {
  it('serves a closed, an open and a suffix range', () => {
    assert.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 });
    assert.deepEqual(parseRange('bytes=90-', 100), { start: 90, end: 99 });
    assert.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 });
  });

  it('clamps an end past the blob and a suffix longer than it', () => {
    assert.deepEqual(parseRange('bytes=50-1000', 100), { start: 50, end: 99 });
    assert.deepEqual(parseRange('bytes=-1000', 100), { start: 0, end: 99 });
  });

  it('is unsatisfiable when it starts past the end', () => {
    assert.equal(parseRange('bytes=100-', 100), 'unsatisfiable');
    assert.equal(parseRange('bytes=-0', 100), 'unsatisfiable');
    assert.equal(parseRange('bytes=0-', 0), 'unsatisfiable');
  });

  it('ignores what it does not serve (no header, several ranges, other units, end before start)', () => {
    assert.equal(parseRange(undefined, 100), null);
    assert.equal(parseRange('bytes=0-1,5-6', 100), null);
    assert.equal(parseRange('items=0-1', 100), null);
    assert.equal(parseRange('bytes=5-1', 100), null);
    assert.equal(parseRange('bytes=-', 100), null);
  });
});

describe('registry Content-Range', () => {
  it('parses the spec form and tolerates a bytes prefix', () => {
    assert.deepEqual(parseContentRange('0-99'), { start: 0, end: 99 });
    assert.deepEqual(parseContentRange('bytes 100-199/*'), { start: 100, end: 199 });
    assert.equal(parseContentRange(undefined), undefined);
  });

  it('answers a malformed one with RANGE_INVALID (416)', () => {
    for (const h of ['bogus', '0-x', '-5', '1-2-3']) {
      assert.throws(() => parseContentRange(h), (e) => isRegistryError(e, 'RANGE_INVALID') && e.status === 416, h);
    }
  });

  it('reads Content-Length only when it is a number', () => {
    assert.equal(contentLength('12'), 12);
    assert.equal(contentLength(undefined), undefined);
    assert.equal(contentLength('x'), undefined);
  });
});

describe('registry pagination', () => {
  const all = ['a', 'b', 'c', 'd', 'e'];

  it('returns everything without n', () => {
    assert.deepEqual(paginate(all, undefined, undefined), { page: all });
  });

  it('returns n entries and where to go on', () => {
    assert.deepEqual(paginate(all, 2, undefined), { page: ['a', 'b'], next: 'b' });
    assert.deepEqual(paginate(all, 2, 'b'), { page: ['c', 'd'], next: 'd' });
    assert.deepEqual(paginate(all, 2, 'd'), { page: ['e'] });
  });

  it('has no next page when the last one is exactly full', () => {
    assert.deepEqual(paginate(all, 5, undefined), { page: all });
    assert.deepEqual(paginate(all, 1, 'd'), { page: ['e'] });
  });

  it('takes last as a position, present in the list or not', () => {
    assert.deepEqual(paginate(all, undefined, 'bb'), { page: ['c', 'd', 'e'] });
  });

  it('gives an empty page for n=0', () => {
    assert.deepEqual(paginate(all, 0, undefined), { page: [] });
  });

  it('refuses a page size that is not a non-negative integer', () => {
    assert.equal(parsePageSize(null), undefined);
    assert.equal(parsePageSize('10'), 10);
    for (const n of ['-1', 'x', '1.5']) assert.throws(() => parsePageSize(n), (e) => isRegistryError(e, 'PAGINATION_NUMBER_INVALID'));
  });

  it('writes the Link header as distribution does', () => {
    assert.equal(nextLink('/v2/a/b/tags/list', 2, 'v1'), '</v2/a/b/tags/list?last=v1&n=2>; rel="next"');
  });
});
