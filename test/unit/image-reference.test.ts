// Expectations are taken from github.com/distribution/reference (reference_test.go, normalize_test.go,
// regexp_test.go), Go's path/match_test.go and moby's image tag route.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '../../src/common/errors.js';
import {
  type Reference,
  assertNotAmbiguousTag,
  digestError,
  familiarMatch,
  familiarName,
  familiarString,
  fullName,
  fullString,
  isNameOnly,
  isNamed,
  isValidDomain,
  isValidTag,
  looksLikeShortId,
  parseAnyReference,
  parseDockerRef,
  parseNamed,
  parseNormalizedNamed,
  parseReference,
  parseTagRequest,
  parseTagTarget,
  pathMatch,
  repoTagReference,
  shortIdHex,
  tagNameOnly,
  tagTarget,
  trimNamed,
  withDigest,
  withName,
  withTag,
} from '../../src/image/reference.js';

const HEX64 = 'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff';
const DGST = `sha256:${HEX64}`;

function throwsInvalid(fn: () => unknown, message: string | RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isBerthError(e, 'InvalidParameter'), `expected InvalidParameter, got ${String(e)}`);
    if (typeof message === 'string') assert.equal((e as Error).message, message);
    else assert.match((e as Error).message, message);
    return true;
  });
}

describe('parseReference (reference.Parse, no normalization)', () => {
  // TestReferenceParse
  const ok: Array<{ input: string; repository: string; domain?: string; tag?: string; digest?: string }> = [
    { input: 'test_com', repository: 'test_com' },
    { input: 'test.com:tag', repository: 'test.com', tag: 'tag' },
    { input: 'test.com:5000', repository: 'test.com', tag: '5000' },
    { input: 'test.com/repo:tag', domain: 'test.com', repository: 'test.com/repo', tag: 'tag' },
    { input: 'test:5000/repo', domain: 'test:5000', repository: 'test:5000/repo' },
    { input: 'test:5000/repo:tag', domain: 'test:5000', repository: 'test:5000/repo', tag: 'tag' },
    { input: `test:5000/repo@${DGST}`, domain: 'test:5000', repository: 'test:5000/repo', digest: DGST },
    { input: `test:5000/repo:tag@${DGST}`, domain: 'test:5000', repository: 'test:5000/repo', tag: 'tag', digest: DGST },
    { input: 'lowercase:Uppercase', repository: 'lowercase', tag: 'Uppercase' },
    {
      input: 'a/'.repeat(127) + 'a:tag-puts-this-over-max',
      domain: 'a',
      repository: 'a/'.repeat(127) + 'a',
      tag: 'tag-puts-this-over-max',
    },
    { input: 'sub-dom1.foo.com/bar/baz/quux', domain: 'sub-dom1.foo.com', repository: 'sub-dom1.foo.com/bar/baz/quux' },
    {
      input: 'sub-dom1.foo.com/bar/baz/quux:some-long-tag',
      domain: 'sub-dom1.foo.com',
      repository: 'sub-dom1.foo.com/bar/baz/quux',
      tag: 'some-long-tag',
    },
    {
      input: 'b.gcr.io/test.example.com/my-app:test.example.com',
      domain: 'b.gcr.io',
      repository: 'b.gcr.io/test.example.com/my-app',
      tag: 'test.example.com',
    },
    { input: 'xn--n3h.com/myimage:xn--n3h.com', domain: 'xn--n3h.com', repository: 'xn--n3h.com/myimage', tag: 'xn--n3h.com' },
    {
      input: `xn--7o8h.com/myimage:xn--7o8h.com@sha512:${'f'.repeat(128)}`,
      domain: 'xn--7o8h.com',
      repository: 'xn--7o8h.com/myimage',
      tag: 'xn--7o8h.com',
      digest: `sha512:${'f'.repeat(128)}`,
    },
    { input: 'foo_bar.com:8080', repository: 'foo_bar.com', tag: '8080' },
    { input: 'foo/foo_bar.com:8080', domain: 'foo', repository: 'foo/foo_bar.com', tag: '8080' },
    { input: '192.168.1.1', repository: '192.168.1.1' },
    { input: '192.168.1.1:tag', repository: '192.168.1.1', tag: 'tag' },
    { input: '192.168.1.1:5000', repository: '192.168.1.1', tag: '5000' },
    { input: '192.168.1.1/repo', domain: '192.168.1.1', repository: '192.168.1.1/repo' },
    { input: '192.168.1.1:5000/repo', domain: '192.168.1.1:5000', repository: '192.168.1.1:5000/repo' },
    { input: '192.168.1.1:5000/repo:5050', domain: '192.168.1.1:5000', repository: '192.168.1.1:5000/repo', tag: '5050' },
    { input: '[2001:db8::1]/repo', domain: '[2001:db8::1]', repository: '[2001:db8::1]/repo' },
    {
      input: '[2001:db8:1:2:3:4:5:6]/repo:tag',
      domain: '[2001:db8:1:2:3:4:5:6]',
      repository: '[2001:db8:1:2:3:4:5:6]/repo',
      tag: 'tag',
    },
    { input: '[2001:db8::1]:5000/repo', domain: '[2001:db8::1]:5000', repository: '[2001:db8::1]:5000/repo' },
    { input: '[2001:db8::1]:5000/repo:tag', domain: '[2001:db8::1]:5000', repository: '[2001:db8::1]:5000/repo', tag: 'tag' },
    {
      input: `[2001:db8::1]:5000/repo@${DGST}`,
      domain: '[2001:db8::1]:5000',
      repository: '[2001:db8::1]:5000/repo',
      digest: DGST,
    },
    {
      input: `[2001:db8::1]:5000/repo:tag@${DGST}`,
      domain: '[2001:db8::1]:5000',
      repository: '[2001:db8::1]:5000/repo',
      tag: 'tag',
      digest: DGST,
    },
    { input: '[2001:db8::]:5000/repo', domain: '[2001:db8::]:5000', repository: '[2001:db8::]:5000/repo' },
    { input: '[::1]:5000/repo', domain: '[::1]:5000', repository: '[::1]:5000/repo' },
    // the 255 limit applies to the path, not the domain
    {
      input: 'example.com/' + 'a'.repeat(255) + ':tag',
      domain: 'example.com',
      repository: 'example.com/' + 'a'.repeat(255),
      tag: 'tag',
    },
  ];
  for (const tc of ok) {
    it(`parses ${tc.input.length > 60 ? tc.input.slice(0, 60) + '…' : tc.input}`, () => {
      const ref = parseReference(tc.input);
      assert.equal(fullString(ref), tc.input);
      assert.equal(fullName(ref), tc.repository);
      assert.equal(ref.domain, tc.domain ?? '');
      assert.equal(ref.tag, tc.tag);
      assert.equal(ref.digest, tc.digest);
    });
  }

  const bad: Array<[string, string]> = [
    ['', 'repository name must have at least one component'],
    [':justtag', 'invalid reference format'],
    [`@${DGST}`, 'invalid reference format'],
    [`repo@sha256:${'f'.repeat(34)}`, 'invalid checksum digest length'],
    [`validname@invaliddigest:${HEX64}`, 'unsupported digest algorithm'],
    ['Uppercase:tag', 'repository name must be lowercase'],
    ['test:5000/Uppercase/lowercase:tag', 'repository name must be lowercase'],
    ['domain/' + 'a'.repeat(256) + ':tag', 'repository name must not be more than 255 characters'],
    ['aa/asdf$$^/aa', 'invalid reference format'],
    ['[2001:db8::1]', 'invalid reference format'],
    ['[2001:db8::1]:5000', 'invalid reference format'],
    ['[2001:db8::1]:tag', 'invalid reference format'],
    ['[fe80::1%eth0]:5000/repo', 'invalid reference format'],
    ['[fe80::1%@invalidzone]:5000/repo', 'invalid reference format'],
  ];
  for (const [input, message] of bad) {
    it(`rejects ${JSON.stringify(input.length > 40 ? input.slice(0, 40) + '…' : input)} with "${message}"`, () => {
      throwsInvalid(() => parseReference(input), message);
    });
  }

  it('validates the digest of a reference as go-digest does (lowercase hex of the exact length)', () => {
    throwsInvalid(() => parseReference(`repo@sha256:${'F'.repeat(64)}`), 'invalid checksum digest format');
    throwsInvalid(() => parseReference(`repo@sha384:${'f'.repeat(64)}`), 'invalid checksum digest length');
    assert.equal(parseReference(`repo@sha384:${'f'.repeat(96)}`).digest, `sha384:${'f'.repeat(96)}`);
    // the reference grammar itself needs at least 32 hex digits
    throwsInvalid(() => parseReference('repo@sha256:ffff'), 'invalid reference format');
  });

  it('stays fast on pathological input (no catastrophic backtracking)', () => {
    const t0 = Date.now();
    for (const s of ['a'.repeat(5000) + '!', 'a-'.repeat(3000) + '!', 'a.'.repeat(3000) + '/!', '@a'.repeat(2000) + '!']) {
      assert.throws(() => parseReference(s));
      assert.throws(() => parseNormalizedNamed(s));
    }
    assert.ok(Date.now() - t0 < 1000);
  });
});

describe('withName / withTag / withDigest', () => {
  it('splits domain and path (TestDomainAndPath)', () => {
    const cases: Array<[string, string, string]> = [
      ['test.com/foo', 'test.com', 'foo'],
      ['test_com/foo', '', 'test_com/foo'],
      ['test:8080/foo', 'test:8080', 'foo'],
      ['test.com:8080/foo', 'test.com:8080', 'foo'],
      ['test-com:8080/foo', 'test-com:8080', 'foo'],
      ['xn--n3h.com:18080/foo', 'xn--n3h.com:18080', 'foo'],
    ];
    for (const [input, domain, path] of cases) assert.deepEqual(withName(input), { domain, path });
  });

  it('rejects invalid names (TestWithNameFailure)', () => {
    for (const input of ['', ':justtag', `@${DGST}`, `validname@invaliddigest:${HEX64}`, 'example.com/repo:tag', 'aa/asdf$$^/aa']) {
      throwsInvalid(() => withName(input), 'invalid reference format');
    }
    throwsInvalid(() => withName('example.com/' + 'a'.repeat(256)), 'repository name must not be more than 255 characters');
    assert.equal(withName('example.com/' + 'a'.repeat(255)).path, 'a'.repeat(255));
  });

  it('combines a name and a tag (TestWithTag)', () => {
    assert.equal(fullString(withTag(withName('test.com/foo'), 'tag')), 'test.com/foo:tag');
    assert.equal(fullString(withTag(withName('foo'), 'tag2')), 'foo:tag2');
    assert.equal(fullString(withTag(withName('test.com:8000/foo'), 'tag4')), 'test.com:8000/foo:tag4');
    assert.equal(fullString(withTag(withName('test.com:8000/foo'), 'TAG5')), 'test.com:8000/foo:TAG5');
    const digested = withDigest(withName('test.com:8000/foo'), 'sha256:1234567890098765432112345667890098765');
    assert.equal(fullString(withTag(digested, 'TAG5')), 'test.com:8000/foo:TAG5@sha256:1234567890098765432112345667890098765');
  });

  it('combines a name and a digest, keeping a tag (TestWithDigest)', () => {
    const d = 'sha256:1234567890098765432112345667890098765';
    assert.equal(fullString(withDigest(withName('test.com/foo'), d)), `test.com/foo@${d}`);
    assert.equal(fullString(withDigest(withName('foo'), d)), `foo@${d}`);
    assert.equal(fullString(withDigest(withTag(withName('test.com:8000/foo'), 'latest'), d)), `test.com:8000/foo:latest@${d}`);
  });

  it('rejects an invalid tag with "invalid tag format" and an invalid digest with "invalid digest format"', () => {
    const ref = parseNormalizedNamed('busybox');
    throwsInvalid(() => withTag(ref, '-foo'), 'invalid tag format');
    throwsInvalid(() => withTag(ref, ''), 'invalid tag format');
    throwsInvalid(() => withTag(ref, 'a'.repeat(129)), 'invalid tag format');
    assert.equal(withTag(ref, 'a'.repeat(128)).tag, 'a'.repeat(128));
    assert.equal(withTag(ref, '_x.y-Z').tag, '_x.y-Z');
    throwsInvalid(() => withDigest(ref, 'foo'), 'invalid digest format');
    throwsInvalid(() => parseNormalizedNamed('-foo'), 'invalid reference format');
  });

  it('trims tag and digest', () => {
    assert.deepEqual(trimNamed(parseNormalizedNamed(`busybox:1@${DGST}`)), { domain: 'docker.io', path: 'library/busybox' });
  });
});

describe('parseNormalizedNamed', () => {
  it('normalizes familiar names to docker.io (TestNormalizedSplitHostname)', () => {
    const cases: Array<[string, string, string]> = [
      ['test.com/foo', 'test.com', 'foo'],
      ['test_com/foo', 'docker.io', 'test_com/foo'],
      ['docker/migrator', 'docker.io', 'docker/migrator'],
      ['test.com:8080/foo', 'test.com:8080', 'foo'],
      ['test-com:8080/foo', 'test-com:8080', 'foo'],
      ['foo', 'docker.io', 'library/foo'],
      ['xn--n3h.com/foo', 'xn--n3h.com', 'foo'],
      ['xn--n3h.com:18080/foo', 'xn--n3h.com:18080', 'foo'],
      ['docker.io/foo', 'docker.io', 'library/foo'],
      ['docker.io/library/foo', 'docker.io', 'library/foo'],
      ['docker.io/library/foo/bar', 'docker.io', 'library/foo/bar'],
      ['busybox', 'docker.io', 'library/busybox'],
      ['library/busybox', 'docker.io', 'library/busybox'],
      ['index.docker.io/x', 'docker.io', 'library/x'],
      ['index.docker.io/a/b', 'docker.io', 'a/b'],
      ['localhost/x', 'localhost', 'x'],
      ['localhost:5000/x', 'localhost:5000', 'x'],
    ];
    for (const [input, domain, path] of cases) {
      assert.deepEqual(parseNormalizedNamed(input), { domain, path }, input);
    }
  });

  it('keeps tag and digest', () => {
    assert.deepEqual(parseNormalizedNamed('docker.io/library/busybox:latest'), {
      domain: 'docker.io',
      path: 'library/busybox',
      tag: 'latest',
    });
    assert.deepEqual(parseNormalizedNamed(`host:5000/ns/repo@${DGST}`), { domain: 'host:5000', path: 'ns/repo', digest: DGST });
    assert.deepEqual(parseNormalizedNamed(`repo:tag@${DGST}`), {
      domain: 'docker.io',
      path: 'library/repo',
      tag: 'tag',
      digest: DGST,
    });
  });

  it('accepts the valid names of TestValidateReferenceName / TestValidateRemoteName', () => {
    const valid = [
      'docker/docker',
      'library/debian',
      'debian',
      'docker.io/docker/docker',
      'docker.io/library/debian',
      'docker.io/debian',
      'index.docker.io/docker/docker',
      'index.docker.io/library/debian',
      'index.docker.io/debian',
      '127.0.0.1:5000/docker/docker',
      '127.0.0.1:5000/library/debian',
      '127.0.0.1:5000/debian',
      '192.168.0.1',
      '192.168.0.1:80',
      '192.168.0.1:8/debian',
      '192.168.0.2:25000/debian',
      'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
      '[fc00::1]:5000/docker',
      '[fc00::1]:5000/docker/docker',
      '[fc00:1:2:3:4:5:6:7]:5000/library/debian',
      'docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
      'Docker/docker',
      'DOCKER/docker',
      'docker-rules/docker',
      'docker---rules/docker',
      'doc/docker',
      'd/docker',
      'jess/t',
      'dock__er/docker',
    ];
    for (const name of valid) assert.doesNotThrow(() => parseNormalizedNamed(name), name);
  });

  it('rejects the invalid names of TestValidateReferenceName / TestValidateRemoteName', () => {
    const invalid = [
      'https://github.com/docker/docker',
      'docker/Docker',
      '-docker',
      '-docker/docker',
      '-docker.io/docker/docker',
      'docker///docker',
      'docker.io/docker/Docker',
      'docker.io/docker///docker',
      '[fc00::1]',
      '[fc00::1]:5000',
      'fc00::1:5000/debian',
      '[fe80::1%eth0]:5000/debian',
      '[2001:db8:3:4::192.0.2.33]:5000/debian',
      '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
      'docker-/docker',
      '-docker-/docker',
      '____/____',
      '_docker/_docker',
      'dock..er/docker',
      'dock_.er/docker',
      'dock-.er/docker',
      'docker/',
      'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_'.repeat(4) + '/docker',
    ];
    for (const name of invalid) {
      assert.throws(
        () => parseNormalizedNamed(name),
        (e: unknown) => isBerthError(e, 'InvalidParameter'),
        name,
      );
    }
  });

  it('reports the generic "invalid reference format"', () => {
    throwsInvalid(() => parseNormalizedNamed(''), 'invalid reference format');
    throwsInvalid(() => parseNormalizedNamed('docker///docker'), 'invalid reference format');
    throwsInvalid(() => parseNormalizedNamed('busybox:'), 'invalid reference format');
    throwsInvalid(() => parseNormalizedNamed('busybox:-x'), 'invalid reference format');
    throwsInvalid(() => parseNormalizedNamed('https://github.com/docker/docker'), 'invalid reference format');
  });

  it('reports an uppercase repository with Docker\'s message naming the remote name', () => {
    throwsInvalid(
      () => parseNormalizedNamed('Busybox'),
      'invalid reference format: repository name (library/Busybox) must be lowercase',
    );
    throwsInvalid(
      () => parseNormalizedNamed('docker/Docker:tag'),
      'invalid reference format: repository name (docker/Docker) must be lowercase',
    );
    throwsInvalid(
      () => parseNormalizedNamed('localhost:5000/Foo'),
      'invalid reference format: repository name (Foo) must be lowercase',
    );
    // An uppercase first component is taken as a domain, so only Parse's own check fires.
    throwsInvalid(() => parseNormalizedNamed('FOO_BAR/x'), 'repository name must be lowercase');
  });

  it('refuses a 64-hex string as a repository name', () => {
    const id = '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a';
    throwsInvalid(
      () => parseNormalizedNamed(id),
      `invalid repository name (${id}), cannot specify 64-byte hexadecimal strings`,
    );
    // 63 hex characters are a fine name
    assert.equal(fullName(parseNormalizedNamed(id.slice(1))), `docker.io/library/${id.slice(1)}`);
  });

  it('limits the path (not the domain) to 255 characters', () => {
    throwsInvalid(
      () => parseNormalizedNamed('a/'.repeat(128) + 'a'),
      'repository name must not be more than 255 characters',
    );
    // `library/` counts: 247 + 8 = 255 is fine, 248 + 8 is not
    assert.doesNotThrow(() => parseNormalizedNamed('a'.repeat(247)));
    throwsInvalid(() => parseNormalizedNamed('a'.repeat(248)), 'repository name must not be more than 255 characters');
    assert.doesNotThrow(() => parseNormalizedNamed('x'.repeat(100) + '.com/' + 'a'.repeat(255)));
  });

  it('leaves the domain empty when the dotted first component is not a valid domain', () => {
    // splitDockerDomain takes `foo_bar.com` as a domain, the grammar then reads it as a path component.
    assert.deepEqual(parseNormalizedNamed('foo_bar.com/x'), { domain: '', path: 'foo_bar.com/x' });
  });
});

describe('familiar and full forms', () => {
  // TestParseRepositoryInfo
  const cases = [
    { remote: 'fooo/bar', familiar: 'fooo/bar', full: 'docker.io/fooo/bar', ambiguous: 'index.docker.io/fooo/bar', domain: 'docker.io' },
    { remote: 'library/ubuntu', familiar: 'ubuntu', full: 'docker.io/library/ubuntu', ambiguous: 'library/ubuntu', domain: 'docker.io' },
    { remote: 'nonlibrary/ubuntu', familiar: 'nonlibrary/ubuntu', full: 'docker.io/nonlibrary/ubuntu', domain: 'docker.io' },
    { remote: 'other/library', familiar: 'other/library', full: 'docker.io/other/library', domain: 'docker.io' },
    { remote: 'private/moonbase', familiar: '127.0.0.1:8000/private/moonbase', full: '127.0.0.1:8000/private/moonbase', domain: '127.0.0.1:8000' },
    { remote: 'privatebase', familiar: '127.0.0.1:8000/privatebase', full: '127.0.0.1:8000/privatebase', domain: '127.0.0.1:8000' },
    { remote: 'private/moonbase', familiar: 'example.com/private/moonbase', full: 'example.com/private/moonbase', domain: 'example.com' },
    { remote: 'privatebase', familiar: 'example.com/privatebase', full: 'example.com/privatebase', domain: 'example.com' },
    { remote: 'private/moonbase', familiar: 'example.com:8000/private/moonbase', full: 'example.com:8000/private/moonbase', domain: 'example.com:8000' },
    { remote: 'privatebasee', familiar: 'example.com:8000/privatebasee', full: 'example.com:8000/privatebasee', domain: 'example.com:8000' },
    { remote: 'library/ubuntu-12.04-base', familiar: 'ubuntu-12.04-base', full: 'docker.io/library/ubuntu-12.04-base', ambiguous: 'index.docker.io/library/ubuntu-12.04-base', domain: 'docker.io' },
    { remote: 'library/foo', familiar: 'foo', full: 'docker.io/library/foo', ambiguous: 'docker.io/foo', domain: 'docker.io' },
    { remote: 'library/foo/bar', familiar: 'library/foo/bar', full: 'docker.io/library/foo/bar', domain: 'docker.io' },
    { remote: 'store/foo/bar', familiar: 'store/foo/bar', full: 'docker.io/store/foo/bar', domain: 'docker.io' },
    { remote: 'bar', familiar: 'Foo/bar', full: 'Foo/bar', domain: 'Foo' },
    { remote: 'bar', familiar: 'FOO/bar', full: 'FOO/bar', domain: 'FOO' },
  ];
  for (const tc of cases) {
    for (const input of [tc.familiar, tc.full, ...(tc.ambiguous ? [tc.ambiguous] : [])]) {
      it(`${input} → familiar ${tc.familiar}, full ${tc.full}`, () => {
        const ref = parseNormalizedNamed(input);
        assert.equal(familiarName(ref), tc.familiar);
        assert.equal(fullName(ref), tc.full);
        assert.equal(fullString(ref), tc.full);
        assert.equal(ref.domain, tc.domain);
        assert.equal(ref.path, tc.remote);
      });
    }
  }

  it('familiarizes a reference with both tag and digest (TestParseReferenceWithTagAndDigest)', () => {
    const short = 'busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa';
    const ref = parseNormalizedNamed(short);
    assert.equal(fullString(ref), `docker.io/library/${short}`);
    assert.equal(familiarString(ref), short);
    assert.equal(ref.tag, 'latest');
    assert.ok(ref.digest);
  });

  it('gives the familiar strings Docker prints', () => {
    assert.equal(familiarString(parseNormalizedNamed('busybox')), 'busybox');
    assert.equal(familiarString(parseNormalizedNamed('docker.io/myuser/app:1.0')), 'myuser/app:1.0');
    assert.equal(familiarString(parseNormalizedNamed('localhost:5000/x:y')), 'localhost:5000/x:y');
    assert.equal(familiarName(parseNormalizedNamed('localhost:5000/x:y')), 'localhost:5000/x');
    assert.equal(fullString(parseNormalizedNamed('busybox:1')), 'docker.io/library/busybox:1');
  });

  it('tells name-only references apart', () => {
    assert.equal(isNameOnly(parseNormalizedNamed('busybox')), true);
    assert.equal(isNameOnly(parseNormalizedNamed('busybox:1')), false);
    assert.equal(isNameOnly(parseNormalizedNamed(`busybox@${DGST}`)), false);
  });
});

describe('tagNameOnly / parseDockerRef', () => {
  it('adds :latest only when there is neither tag nor digest', () => {
    assert.equal(fullString(tagNameOnly(parseNormalizedNamed('busybox'))), 'docker.io/library/busybox:latest');
    assert.equal(fullString(tagNameOnly(parseNormalizedNamed('busybox:1'))), 'docker.io/library/busybox:1');
    assert.equal(fullString(tagNameOnly(parseNormalizedNamed(`busybox@${DGST}`))), `docker.io/library/busybox@${DGST}`);
  });

  // TestParseDockerRef
  const d = 'sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582';
  const cases: Array<[string, string]> = [
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:latest', 'docker.io/library/busybox:latest'],
    [`busybox@${d}`, `docker.io/library/busybox@${d}`],
    ['library/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/library/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/busybox:latest', 'docker.io/library/busybox:latest'],
    ['library/busybox:latest', 'docker.io/library/busybox:latest'],
    ['docker.io/library/busybox:latest', 'docker.io/library/busybox:latest'],
    ['gcr.io/library/busybox', 'gcr.io/library/busybox:latest'],
    [`gcr.io/library/busybox:latest@${d}`, `gcr.io/library/busybox@${d}`],
  ];
  for (const [input, expected] of cases) {
    it(`parseDockerRef(${input.length > 50 ? input.slice(0, 50) + '…' : input}) → ${expected.slice(0, 50)}`, () => {
      const ref = parseDockerRef(input);
      assert.equal(fullString(ref), expected);
      assert.deepEqual(parseReference(expected), ref);
    });
  }

  it('parseNamed accepts only canonical input (TestParseNamed)', () => {
    assert.deepEqual(parseNamed('docker.io/library/busybox:1'), { domain: 'docker.io', path: 'library/busybox', tag: '1' });
    assert.deepEqual(parseNamed('test.com/foo'), { domain: 'test.com', path: 'foo' });
    assert.deepEqual(parseNamed('test:8080/foo'), { domain: 'test:8080', path: 'foo' });
    assert.deepEqual(parseNamed('docker.io/library/foo'), { domain: 'docker.io', path: 'library/foo' });
    for (const s of ['test_com/foo', 'test.com', 'foo', 'library/foo', 'docker.io/foo', 'busybox']) {
      throwsInvalid(() => parseNamed(s), 'repository name must be canonical');
    }
  });
});

describe('parseAnyReference', () => {
  // TestParseAnyReference
  const D = 'sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c';
  const HEX = D.slice(7);
  const cases: Array<[string, string]> = [
    ['redis', 'docker.io/library/redis'],
    ['redis:latest', 'docker.io/library/redis:latest'],
    ['docker.io/library/redis:latest', 'docker.io/library/redis:latest'],
    [`redis@${D}`, `docker.io/library/redis@${D}`],
    [`docker.io/library/redis@${D}`, `docker.io/library/redis@${D}`],
    ['dmcgowan/myapp', 'docker.io/dmcgowan/myapp'],
    ['dmcgowan/myapp:latest', 'docker.io/dmcgowan/myapp:latest'],
    ['docker.io/mcgowan/myapp:latest', 'docker.io/mcgowan/myapp:latest'],
    [`dmcgowan/myapp@${D}`, `docker.io/dmcgowan/myapp@${D}`],
    [`docker.io/dmcgowan/myapp@${D}`, `docker.io/dmcgowan/myapp@${D}`],
    [HEX.slice(0, 63), `docker.io/library/${HEX.slice(0, 63)}`],
    ['dbcc1', 'docker.io/library/dbcc1'],
  ];
  for (const [input, equivalent] of cases) {
    it(`${input.slice(0, 50)} is a name equivalent to ${equivalent.slice(0, 50)}`, () => {
      const ref = parseAnyReference(input);
      assert.ok(isNamed(ref));
      assert.equal(fullString(ref), equivalent);
      assert.deepEqual(ref, parseReference(equivalent));
    });
  }

  it('reads a bare 64-hex id and a sha256 digest as digest references', () => {
    assert.deepEqual(parseAnyReference(HEX), { digest: D });
    assert.deepEqual(parseAnyReference(D), { digest: D });
    const ref = parseAnyReference(D);
    assert.equal(isNamed(ref), false);
    assert.equal(fullString(ref), D);
    assert.equal(familiarString(ref), D);
  });

  it('falls back to a name when the digest is not valid', () => {
    // `sha256:abc` is the repository `sha256` tagged `abc`
    assert.deepEqual(parseAnyReference('sha256:abc'), { domain: 'docker.io', path: 'library/sha256', tag: 'abc' });
    // an uppercase "digest" is not one, so it reads as repository `sha256` with a (valid) tag
    assert.deepEqual(parseAnyReference(`sha256:${'A'.repeat(64)}`), {
      domain: 'docker.io',
      path: 'library/sha256',
      tag: 'A'.repeat(64),
    });
  });
});

describe('familiarMatch (reference= image filter)', () => {
  // TestMatch
  const cases: Array<[string, string, boolean]> = [
    ['foo', 'foo/**/ba[rz]', false],
    ['foo/any/bat', 'foo/**/ba[rz]', false],
    ['foo/a/bar', 'foo/**/ba[rz]', true],
    ['foo/b/baz', 'foo/**/ba[rz]', true],
    ['foo/c/baz:tag', 'foo/**/ba[rz]', true],
    ['foo/c/baz:tag', 'foo/*/baz:tag', true],
    ['foo/c/baz:tag', 'foo/c/baz:tag', true],
    ['example.com/foo/c/baz:tag', '*/foo/c/baz', true],
    ['example.com/foo/c/baz:tag', 'example.com/foo/c/baz', true],
    // the filter examples of the docs
    ['busybox:latest', 'busy*', true],
    ['busybox:latest', 'busybox:*', true],
    ['busybox:latest', 'busybox:lat*', true],
    ['busybox:latest', 'busybox:1*', false],
    ['busybox:latest', 'busybox', true],
    ['docker.io/library/busybox:latest', 'busybox', true],
    ['busybox:latest', 'library/busybox', false],
    ['myuser/app:1', '*/app', true],
    ['myuser/app:1', '*/app:*', true],
    ['myuser/app:1', 'app', false],
    ['busybox:latest', '*', true],
    ['myuser/app:1', '*', false],
    ['localhost:5000/x:1', 'localhost:5000/*', true],
  ];
  for (const [reference, pattern, expected] of cases) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${reference}`, () => {
      assert.equal(familiarMatch(pattern, parseAnyReference(reference)), expected);
    });
  }

  it('matches a digest reference by its digest string only', () => {
    const ref = parseAnyReference(DGST);
    assert.equal(familiarMatch('sha256:*', ref), true);
    assert.equal(familiarMatch('busybox', ref), false);
  });

  it('reports a malformed pattern (TestMatchError)', () => {
    throwsInvalid(() => familiarMatch('[-x]', parseAnyReference('foo')), 'syntax error in pattern');
  });
});

describe('pathMatch (Go path.Match)', () => {
  // path/match_test.go
  const cases: Array<[string, string, boolean | 'bad']> = [
    ['abc', 'abc', true],
    ['*', 'abc', true],
    ['*c', 'abc', true],
    ['a*', 'a', true],
    ['a*', 'abc', true],
    ['a*', 'ab/c', false],
    ['a*/b', 'abc/b', true],
    ['a*/b', 'a/c/b', false],
    ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false],
    ['a*b?c*x', 'abxbbxdbxebxczzx', true],
    ['a*b?c*x', 'abxbbxdbxebxczzy', false],
    ['ab[c]', 'abc', true],
    ['ab[b-d]', 'abc', true],
    ['ab[e-g]', 'abc', false],
    ['ab[^c]', 'abc', false],
    ['ab[^b-d]', 'abc', false],
    ['ab[^e-g]', 'abc', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'ab', false],
    ['a?b', 'a☺b', true],
    ['a[^a]b', 'a☺b', true],
    ['a???b', 'a☺b', false],
    ['a[^a][^a][^a]b', 'a☺b', false],
    ['[a-ζ]*', 'α', true],
    ['*[a-ζ]', 'A', false],
    ['a?b', 'a/b', false],
    ['a*b', 'a/b', false],
    ['[\\]a]', ']', true],
    ['[\\-]', '-', true],
    ['[x\\-]', 'x', true],
    ['[x\\-]', '-', true],
    ['[x\\-]', 'z', false],
    ['[\\-x]', 'x', true],
    ['[\\-x]', '-', true],
    ['[\\-x]', 'a', false],
    ['[]a]', ']', 'bad'],
    ['[-]', '-', 'bad'],
    ['[x-]', 'x', 'bad'],
    ['[x-]', '-', 'bad'],
    ['[x-]', 'z', 'bad'],
    ['[-x]', 'x', 'bad'],
    ['[-x]', '-', 'bad'],
    ['[-x]', 'a', 'bad'],
    ['\\', 'a', 'bad'],
    ['[a-b-c]', 'a', 'bad'],
    ['[', 'a', 'bad'],
    ['[^', 'a', 'bad'],
    ['[^bc', 'a', 'bad'],
    ['a[', 'a', 'bad'],
    ['a[', 'ab', 'bad'],
    ['a[', 'x', 'bad'],
    ['a/b[', 'x', 'bad'],
    ['*x', 'xxx', true],
  ];
  for (const [pattern, name, expected] of cases) {
    it(`Match(${JSON.stringify(pattern)}, ${JSON.stringify(name)}) = ${expected}`, () => {
      if (expected === 'bad') throwsInvalid(() => pathMatch(pattern, name), 'syntax error in pattern');
      else assert.equal(pathMatch(pattern, name), expected);
    });
  }
});

describe('tag API helpers', () => {
  it('repoTagReference: undefined without a repo, latest by default, the tag param wins', () => {
    assert.equal(repoTagReference(''), undefined);
    assert.deepEqual(repoTagReference('busybox'), { domain: 'docker.io', path: 'library/busybox', tag: 'latest' });
    assert.deepEqual(repoTagReference('busybox', ''), { domain: 'docker.io', path: 'library/busybox', tag: 'latest' });
    assert.deepEqual(repoTagReference('busybox:1'), { domain: 'docker.io', path: 'library/busybox', tag: '1' });
    assert.deepEqual(repoTagReference('busybox:1', '2'), { domain: 'docker.io', path: 'library/busybox', tag: '2' });
    assert.deepEqual(repoTagReference('localhost:5000/app', 'v1'), { domain: 'localhost:5000', path: 'app', tag: 'v1' });
  });

  it('repoTagReference: refuses digests, 64-hex names and bad tags with moby\'s messages', () => {
    throwsInvalid(() => repoTagReference(`busybox@${DGST}`), 'cannot import digest reference');
    throwsInvalid(() => repoTagReference(HEX64), `invalid repository name (${HEX64}), cannot specify 64-byte hexadecimal strings`);
    throwsInvalid(() => repoTagReference('busybox', '-bad'), 'invalid tag format');
    throwsInvalid(() => repoTagReference('Busybox'), 'invalid reference format: repository name (library/Busybox) must be lowercase');
  });

  it('parseTagRequest refuses the digest algorithm as a repository name', () => {
    throwsInvalid(() => parseTagRequest('sha256', 'x'), 'refusing to create an ambiguous tag using digest algorithm as name');
    assert.deepEqual(parseTagRequest('sha512', 'x'), { domain: 'docker.io', path: 'library/sha512', tag: 'x' });
    assert.equal(parseTagRequest(''), undefined);
    assert.doesNotThrow(() => assertNotAmbiguousTag(parseNormalizedNamed('myuser/sha256')));
  });

  it('tagTarget refuses a digest reference and defaults the tag', () => {
    throwsInvalid(() => tagTarget(parseNormalizedNamed(`busybox@${DGST}`)), 'refusing to create a tag with a digest reference');
    throwsInvalid(() => tagTarget(parseNormalizedNamed(`busybox:1@${DGST}`)), 'refusing to create a tag with a digest reference');
    assert.equal(fullString(tagTarget(parseNormalizedNamed('busybox'))), 'docker.io/library/busybox:latest');
  });

  it('parseTagTarget follows the client\'s ImageTag checks', () => {
    assert.deepEqual(parseTagTarget('busybox:latest', 'myuser/app'), { domain: 'docker.io', path: 'myuser/app', tag: 'latest' });
    assert.deepEqual(parseTagTarget(HEX64, 'app:1'), { domain: 'docker.io', path: 'library/app', tag: '1' });
    throwsInvalid(
      () => parseTagTarget('busybox:latest', `busybox@sha256:abcdef76720241213f5303bda7704ec4c2ef75613173910a56fb1b6e20251507`),
      'refusing to create a tag with a digest reference',
    );
    throwsInvalid(
      () => parseTagTarget('busybox', 'Bad'),
      'error parsing reference: "Bad" is not a valid repository/tag: invalid reference format: repository name (library/Bad) must be lowercase',
    );
    throwsInvalid(
      () => parseTagTarget('-x', 'ok'),
      'error parsing reference: "-x" is not a valid repository/tag: invalid reference format',
    );
  });
});

describe('short ids and small predicates', () => {
  it('looksLikeShortId accepts hex prefixes up to 64 characters, with or without sha256:', () => {
    for (const s of ['0', 'abc', '0a1b2c', HEX64, 'sha256:0a1b', `sha256:${HEX64}`]) assert.equal(looksLikeShortId(s), true, s);
    for (const s of ['', 'xyz', 'ABC', HEX64 + 'f', 'sha256:', 'sha512:abc', 'busybox', '0a1b:tag']) {
      assert.equal(looksLikeShortId(s), false, s);
    }
  });

  it('shortIdHex strips the algorithm', () => {
    assert.equal(shortIdHex('sha256:0a1b'), '0a1b');
    assert.equal(shortIdHex('0a1b'), '0a1b');
    assert.equal(shortIdHex('busybox'), undefined);
  });

  it('digestError mirrors go-digest Validate', () => {
    assert.equal(digestError(DGST), undefined);
    assert.equal(digestError('sha256'), 'invalid checksum digest format');
    assert.equal(digestError(':abc'), 'invalid checksum digest format');
    assert.equal(digestError('sha256:'), 'invalid checksum digest format');
    assert.equal(digestError('sha256:abc'), 'invalid checksum digest length');
    assert.equal(digestError(`sha256:${'g'.repeat(64)}`), 'invalid checksum digest format');
    assert.equal(digestError('md5:abc'), 'unsupported digest algorithm');
    assert.equal(digestError('MD5:abc'), 'invalid checksum digest format');
  });

  it('isValidTag / isValidDomain follow the grammar', () => {
    assert.equal(isValidTag('latest'), true);
    assert.equal(isValidTag('.x'), false);
    assert.equal(isValidDomain('localhost:5000'), true);
    assert.equal(isValidDomain('[::1]:5000'), true);
    assert.equal(isValidDomain('-bad'), false);
  });

  it('the Reference type is a plain object', () => {
    const r: Reference = parseNormalizedNamed('busybox:1');
    assert.deepEqual(JSON.parse(JSON.stringify(r)), { domain: 'docker.io', path: 'library/busybox', tag: '1' });
  });
});
