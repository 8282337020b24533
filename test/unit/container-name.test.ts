// Names, ids and the lookup index: expectations from moby's daemon/names.go, pkg/namesgenerator,
// pkg/stringid, daemon.GetContainer and ViewDB.GetByPrefix.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError, type ErrorCode } from '../../src/common/errors.js';
import {
  NAME_ADJECTIVES,
  NAME_SURNAMES,
  allocateName,
  generateName,
  nameConflict,
  newContainerId,
  shortId,
  validateName,
} from '../../src/container/name.js';
import { PrefixIndex } from '../../src/container/prefix-index.js';

function throwsCode(fn: () => unknown, code: ErrorCode, message: string) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isBerthError(e, code), `expected ${code}, got ${String(e)}`);
    assert.equal((e as Error).message, message);
    return true;
  });
}

/** A RandomInt replaying fixed draws (each taken modulo n). */
const scripted = (...draws: number[]) => {
  let i = 0;
  return (n: number) => draws[i++ % draws.length]! % n;
};

describe('validateName', () => {
  it('accepts Docker\'s names and returns the stored form', () => {
    assert.equal(validateName('web'), '/web');
    assert.equal(validateName('/web'), '/web');
    assert.equal(validateName('a1'), '/a1');
    assert.equal(validateName('My_app.v-2'), '/My_app.v-2');
    assert.equal(validateName('0x'), '/0x');
  });
  for (const bad of ['a', '/a', '', '/', '_web', '-web', '.web', 'we b', 'web/x', 'wéb', '//web']) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      throwsCode(() => validateName(bad), 'InvalidParameter', `Invalid container name (${bad}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    });
  }
  it('conflict text', () => {
    const e = nameConflict('/web', 'abc');
    assert.equal(e.code, 'Conflict');
    assert.equal(e.message, 'Conflict. The container name "/web" is already in use by container "abc". You have to remove (or rename) that container to be able to reuse that name.');
  });
});

describe('generateName (namesgenerator.GetRandomName)', () => {
  it('is adjective_surname from the lists', () => {
    for (let i = 0; i < 200; i++) {
      const n = generateName();
      const [l, r, ...rest] = n.split('_');
      assert.equal(rest.length, 0);
      assert.ok(NAME_ADJECTIVES.includes(l!), n);
      assert.ok(NAME_SURNAMES.includes(r!), n);
      assert.doesNotThrow(() => validateName(n));
    }
  });
  it('has moby\'s lists', () => {
    assert.equal(NAME_ADJECTIVES.length, 108);
    assert.equal(NAME_SURNAMES.length, 235);
    assert.equal(new Set(NAME_SURNAMES).size, NAME_SURNAMES.length);
    assert.equal(new Set(NAME_ADJECTIVES).size, NAME_ADJECTIVES.length);
  });
  it('never says boring_wozniak', () => {
    const boring = NAME_ADJECTIVES.indexOf('boring');
    const wozniak = NAME_SURNAMES.indexOf('wozniak');
    const name = generateName(0, scripted(boring, wozniak, boring, 0));
    assert.equal(name, `boring_${NAME_SURNAMES[0]}`);
  });
  it('appends a digit on retries', () => {
    assert.equal(generateName(1, scripted(0, 0, 7)), `${NAME_ADJECTIVES[0]}_${NAME_SURNAMES[0]}7`);
    assert.match(generateName(3), /^[a-z]+_[a-z]+[0-9]$/);
  });
  it('allocateName: first free of six tries, then the short id', () => {
    const id = 'abcdef0123456789'.padEnd(64, '0');
    const taken = new Set([`/${NAME_ADJECTIVES[0]}_${NAME_SURNAMES[0]}`]);
    assert.equal(allocateName(id, (n) => taken.has(n), scripted(0, 0, 0, 0, 5)), `/${NAME_ADJECTIVES[0]}_${NAME_SURNAMES[0]}5`);
    assert.equal(allocateName(id, () => true), '/abcdef012345');
  });
});

describe('newContainerId (stringid.GenerateRandomID)', () => {
  it('is 64 lowercase hex', () => {
    const id = newContainerId();
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.notEqual(newContainerId(), id);
  });
  it('draws again while the short id is all digits', () => {
    const draws = [Buffer.alloc(32, 0x12), Buffer.alloc(32, 0x1a)];
    let calls = 0;
    const id = newContainerId(() => draws[calls++]!);
    assert.equal(calls, 2);
    assert.equal(id, '1a'.repeat(32));
  });
  it('shortId', () => {
    assert.equal(shortId('sha256:' + 'ab'.repeat(32)), 'abababababab');
    assert.equal(shortId('cd'.repeat(32)), 'cdcdcdcdcdcd');
  });
});

describe('PrefixIndex (daemon.GetContainer)', () => {
  const A = 'abc111'.padEnd(64, '0');
  const B = 'abc222'.padEnd(64, '0');
  const C = 'fed333'.padEnd(64, '0');
  const make = () => {
    const ix = new PrefixIndex();
    ix.add(B, '/beta');
    ix.add(A, 'alpha');
    ix.add(C, '/gamma');
    return ix;
  };
  it('full id, then exact name (either form), then a unique prefix', () => {
    const ix = make();
    assert.equal(ix.resolve(A), A);
    assert.equal(ix.resolve('alpha'), A);
    assert.equal(ix.resolve('/alpha'), A);
    assert.equal(ix.resolve('abc1'), A);
    assert.equal(ix.resolve('f'), C);
    assert.equal(ix.size, 3);
    assert.deepEqual(ix.ids(), [A, B, C]);
  });
  it('a name wins over an id prefix', () => {
    const ix = make();
    ix.add('dead'.padEnd(64, '0'), '/abc1');
    assert.equal(ix.resolve('abc1'), 'dead'.padEnd(64, '0'));
  });
  it('errors: ambiguous, unknown, empty', () => {
    const ix = make();
    throwsCode(() => ix.resolve('abc'), 'InvalidParameter', 'multiple IDs found with provided prefix: abc');
    throwsCode(() => ix.resolve('zzz'), 'NotFound', 'No such container: zzz');
    throwsCode(() => ix.resolve('/nope'), 'NotFound', 'No such container: /nope');
    throwsCode(() => ix.resolve(''), 'InvalidParameter', 'invalid name or ID supplied: ""');
    assert.equal(ix.find('zzz'), undefined);
    assert.throws(() => ix.find('abc'));
  });
  it('names are unique', () => {
    const ix = make();
    throwsCode(() => ix.add('0'.repeat(64), 'beta'), 'Conflict',
      `Conflict. The container name "/beta" is already in use by container "${B}". You have to remove (or rename) that container to be able to reuse that name.`);
    ix.add(B, '/beta'); // re-adding the holder is fine
  });
  it('rename and remove', () => {
    const ix = make();
    ix.rename(A, '/alpha', 'omega');
    assert.equal(ix.byName('alpha'), undefined);
    assert.equal(ix.byName('/omega'), A);
    assert.equal(ix.nameOf(A), '/omega');
    throwsCode(() => ix.rename(A, '/omega', '/beta'), 'Conflict',
      `Conflict. The container name "/beta" is already in use by container "${B}". You have to remove (or rename) that container to be able to reuse that name.`);
    ix.remove(B, '/beta');
    assert.equal(ix.byName('beta'), undefined);
    assert.equal(ix.resolve('abc'), A); // no longer ambiguous
    assert.equal(ix.has(B), false);
    ix.add('1'.repeat(64), 'beta'); // the name is free again
    ix.remove('nothing');
    assert.equal(ix.size, 3);
  });
  it('many ids: prefix lookups stay exact', () => {
    const ix = new PrefixIndex();
    const ids: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const id = newContainerId();
      ids.push(id);
      ix.add(id, '');
    }
    for (const id of ids.slice(0, 200)) assert.equal(ix.resolve(id.slice(0, 12)), id);
  });
});
