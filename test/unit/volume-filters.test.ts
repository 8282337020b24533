// Which volumes `volume ls -f` and `volume prune` select: moby's filtersToBy and withPrune.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Filters } from '../../src/common/filters.js';
import { LIST_FILTERS, PRUNE_FILTERS, pruneFilters, volumePredicate, type FilterSubject } from '../../src/volume/filters.js';

const V: FilterSubject[] = [
  { name: 'data', driver: 'local', labels: { env: 'prod', team: 'a' }, inUse: true },
  { name: 'cache', driver: 'local', labels: { env: 'dev' }, inUse: false },
  { name: 'f'.repeat(64), driver: 'local', labels: { 'com.docker.volume.anonymous': '' }, inUse: false },
  { name: 'plain', driver: 'local', labels: null, inUse: false },
];

const select = (f: Filters, accepted = LIST_FILTERS) => V.filter(volumePredicate(f, accepted)).map((v) => v.name);

describe('volume list filters', () => {
  it('no filter selects all', () => {
    assert.deepEqual(select(new Filters()), V.map((v) => v.name));
  });

  it('dangling selects unused (true) or used (false) volumes', () => {
    assert.deepEqual(select(new Filters([['dangling', 'true']])), ['cache', 'f'.repeat(64), 'plain']);
    assert.deepEqual(select(new Filters([['dangling', '0']])), ['data']);
    assert.throws(() => select(new Filters([['dangling', 'maybe']])), { message: "invalid filter 'dangling=[maybe]'" });
  });

  it('name is an unanchored regular expression; driver is exact', () => {
    assert.deepEqual(select(new Filters([['name', 'a']])), ['data', 'cache', 'plain']);
    assert.deepEqual(select(new Filters([['name', '^c']])), ['cache']);
    assert.deepEqual(select(new Filters([['driver', 'local']])).length, 4);
    assert.deepEqual(select(new Filters([['driver', 'loc']])), []);
  });

  it('label matches a key or key=value, every one given', () => {
    assert.deepEqual(select(new Filters([['label', 'env']])), ['data', 'cache']);
    assert.deepEqual(select(new Filters([['label', 'env=prod']])), ['data']);
    assert.deepEqual(select(new Filters([['label', 'env'], ['label', 'team']])), ['data']);
  });

  it('filters combine', () => {
    assert.deepEqual(select(new Filters([['label', 'env'], ['dangling', 'true']])), ['cache']);
  });

  it('unknown keys, and label! outside prune, are invalid filters', () => {
    assert.throws(() => select(new Filters([['foo', 'x']])), { message: "invalid filter 'foo'" });
    assert.throws(() => select(new Filters([['label!', 'x']])), { message: "invalid filter 'label!'" });
  });
});

describe('volume prune selection', () => {
  const prune = (f: Filters) => V.filter((v) => !v.inUse).filter(volumePredicate(pruneFilters(f), PRUNE_FILTERS)).map((v) => v.name);

  it('takes only anonymous volumes by default (API 1.42+)', () => {
    assert.deepEqual(prune(new Filters()), ['f'.repeat(64)]);
    assert.deepEqual(prune(new Filters([['all', 'false']])), ['f'.repeat(64)]);
  });

  it('all=true takes every unused volume', () => {
    assert.deepEqual(prune(new Filters([['all', 'true']])), ['cache', 'f'.repeat(64), 'plain']);
    assert.deepEqual(prune(new Filters([['all', '1']])), ['cache', 'f'.repeat(64), 'plain']);
  });

  it('label and label! narrow it', () => {
    assert.deepEqual(prune(new Filters([['all', 'true'], ['label', 'env=dev']])), ['cache']);
    assert.deepEqual(prune(new Filters([['all', 'true'], ['label!', 'env']])), ['f'.repeat(64), 'plain']);
  });

  it('does not change the caller\'s filters', () => {
    const f = new Filters();
    pruneFilters(f);
    assert.equal(f.len(), 0);
  });

  it('checks all= and the accepted keys with moby\'s messages', () => {
    assert.throws(() => prune(new Filters([['all', 'x']])), { message: 'invalid filter \'all\': strconv.ParseBool: parsing "x": invalid syntax' });
    assert.throws(() => prune(new Filters([['all', '1'], ['all', '0']])), { message: "invalid filter 'all=[1 0]': only one value is expected" });
    assert.throws(() => prune(new Filters([['dangling', 'true']])), { message: "invalid filter 'dangling'" });
    assert.throws(() => prune(new Filters([['until', '1h']])), { message: "invalid filter 'until'" });
  });
});
