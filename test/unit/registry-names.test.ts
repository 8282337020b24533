// Names, tags and digests as the distribution spec (v1.1) defines them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isDigestReference, isValidName, isValidTag, parseDigest, requireDigest, requireName } from '../../src/registry/names.js';
import { isRegistryError } from '../../src/registry/errors.js';

const HEX = 'a'.repeat(64);

describe('registry names', () => {
  it('accepts the spec grammar for repository names', () => {
    for (const n of ['busybox', 'library/busybox', 'a/b/c', 'my-repo', 'my__repo', 'my.repo', 'a--b', '0', 'x_y/z.w']) {
      assert.ok(isValidName(n), n);
    }
  });

  it('refuses what the grammar does not allow', () => {
    for (const n of ['', 'Busybox', '/a', 'a/', 'a//b', '-a', 'a-', 'a..b', 'a___b', '_a', 'a/_b', '.', '..', 'a/../b', 'a:b', 'a b']) {
      assert.ok(!isValidName(n), n);
    }
  });

  it('limits a name to 255 characters', () => {
    assert.ok(isValidName('a'.repeat(255)));
    assert.ok(!isValidName('a'.repeat(256)));
  });

  it('requireName throws NAME_INVALID', () => {
    assert.throws(() => requireName('A'), (e) => isRegistryError(e, 'NAME_INVALID') && e.status === 400);
  });
});

describe('registry tags', () => {
  it('accepts up to 128 word characters, dots and dashes, not leading with . or -', () => {
    for (const t of ['latest', 'v1.0', '1', '_x', 'A-b_c.d', 'x'.repeat(128)]) assert.ok(isValidTag(t), t);
    for (const t of ['', '.x', '-x', 'a:b', 'a/b', 'x'.repeat(129)]) assert.ok(!isValidTag(t), t);
  });
});

describe('registry digests', () => {
  it('parses sha256, sha384 and sha512 with lowercase hex of the right length', () => {
    assert.deepEqual(parseDigest(`sha256:${HEX}`), { algorithm: 'sha256', hex: HEX, value: `sha256:${HEX}` });
    assert.ok(parseDigest(`sha384:${'b'.repeat(96)}`));
    assert.ok(parseDigest(`sha512:${'c'.repeat(128)}`));
  });

  it('refuses unknown algorithms, wrong lengths, uppercase hex and bad grammar', () => {
    for (const d of [`md5:${HEX}`, `sha256:${HEX.slice(1)}`, `sha256:${HEX.toUpperCase()}`, `SHA256:${HEX}`, HEX, `sha256:`, `constructor:${HEX}`, `sha256:${HEX}/x`]) {
      assert.equal(parseDigest(d), null, d);
    }
  });

  it('requireDigest throws DIGEST_INVALID', () => {
    assert.throws(() => requireDigest('sha256:nope'), (e) => isRegistryError(e, 'DIGEST_INVALID') && e.status === 400);
  });

  it('tells a digest reference from a tag by its colon', () => {
    assert.ok(isDigestReference(`sha256:${HEX}`));
    assert.ok(!isDigestReference('latest'));
  });
});
