// The builder's pure pieces: cache keys, Go-formatted history comments, COPY wildcards, EXPOSE
// port specs, and the output sequencing of concurrent stages.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cacheKey, canonicalJson } from '../../src/builder/cache.js';
import { goQuote, goQuoteHealthcheck, goQuoteList, goQuoteRune } from '../../src/builder/go-format.js';
import { globRegExp } from '../../src/builder/copy-step.js';
import { exposedPortKeys } from '../../src/builder/stage.js';
import { cleanAbsPath as cleanPath } from '../../src/common/clean-path.js';
import { OutputSequencer } from '../../src/builder/output.js';
import { platformArgs } from '../../src/builder/builder.js';

describe('cache keys', () => {
  test('do not depend on object key order, and do on every value', () => {
    assert.equal(canonicalJson({ b: 1, a: [1, { d: 2, c: null }] }), '{"a":[1,{"c":null,"d":2}],"b":1}');
    assert.equal(cacheKey({ a: 1, b: 2 }), cacheKey({ b: 2, a: 1 }));
    assert.notEqual(cacheKey({ a: 1, b: 2 }), cacheKey({ a: 1, b: 3 }));
    assert.equal(canonicalJson({ a: undefined, b: 1 }), '{"b":1}');
  });
});

describe('Go formatting of history comments', () => {
  test('%q of strings and string slices', () => {
    assert.equal(goQuote('a "b"\n'), '"a \\"b\\"\\n"');
    assert.equal(goQuoteList(['cat', '/app/filecount']), '["cat" "/app/filecount"]');
    assert.equal(goQuoteList([]), '[]');
  });
  test('%q of an int is a rune literal', () => {
    assert.equal(goQuoteRune(0), "'\\x00'");
    assert.equal(goQuoteRune(3), "'\\x03'");
    assert.equal(goQuoteRune(65), "'A'");
    assert.equal(goQuoteRune(10), "'\\n'");
  });
  test('HEALTHCHECK %q of a HealthConfig', () => {
    assert.equal(
      goQuoteHealthcheck({ Test: ['CMD-SHELL', 'true'], Interval: 30e9, Timeout: 3e9, Retries: 3 }),
      '&{["CMD-SHELL" "true"] "30s" "3s" "0s" \'\\x03\'}',
    );
  });
});

describe('COPY wildcards (filepath.Match)', () => {
  test('* and ? stay within a path segment', () => {
    assert.ok(globRegExp('*.txt').test('a.txt'));
    assert.ok(!globRegExp('*.txt').test('d/a.txt'));
    assert.ok(globRegExp('d/*.txt').test('d/a.txt'));
    assert.ok(globRegExp('f?.go').test('f1.go'));
    assert.ok(!globRegExp('f?.go').test('f12.go'));
  });
  test('character classes, negation and escapes', () => {
    assert.ok(globRegExp('[ab].txt').test('a.txt'));
    assert.ok(!globRegExp('[^ab].txt').test('a.txt'));
    assert.ok(globRegExp('[^ab].txt').test('c.txt'));
    assert.ok(globRegExp('a\\*').test('a*'));
    assert.ok(!globRegExp('a\\*').test('ab'));
    assert.ok(globRegExp('x.y').test('x.y') && !globRegExp('x.y').test('xzy'));
  });
});

describe('EXPOSE and WORKDIR', () => {
  test('port specs expand to Docker\'s keys', () => {
    assert.deepEqual(exposedPortKeys('80'), ['80/tcp']);
    assert.deepEqual(exposedPortKeys('53/UDP'), ['53/udp']);
    assert.deepEqual(exposedPortKeys('8000-8002/tcp'), ['8000/tcp', '8001/tcp', '8002/tcp']);
    assert.throws(() => exposedPortKeys('http'), /Invalid containerPort: http/);
    assert.throws(() => exposedPortKeys('80/xtp'), /Invalid proto/);
  });
  test('paths are cleaned as filepath.Clean does', () => {
    assert.equal(cleanPath('/app/../srv/./x/'), '/srv/x');
    assert.equal(cleanPath('/'), '/');
  });
});

describe('output of concurrent stages', () => {
  test('a later stage is held back until earlier ones are done, then flushed in order', () => {
    const got: string[] = [];
    const seq = new OutputSequencer({ stream: (t) => got.push(t), aux: () => {} }, false);
    const a = seq.channel(0);
    const b = seq.channel(1);
    b.write('b1 ');
    a.write('a1 ');
    b.write('b2 ');
    assert.deepEqual(got, ['a1 ']);
    a.done();
    assert.deepEqual(got, ['a1 ', 'b1 ', 'b2 ']);
    b.write('b3 ');
    b.done();
    assert.deepEqual(got.join(''), 'a1 b1 b2 b3 ');
  });
  test('-q keeps the text back and prints only the id, or everything on failure', () => {
    const got: string[] = [];
    const seq = new OutputSequencer({ stream: (t) => got.push(t), aux: () => {} }, true);
    const a = seq.channel(0);
    a.write('Step 1/1 : FROM x\n');
    a.done();
    seq.finish('sha256:abc');
    assert.deepEqual(got, ['sha256:abc\n']);
    const got2: string[] = [];
    const seq2 = new OutputSequencer({ stream: (t) => got2.push(t), aux: () => {} }, true);
    const c = seq2.channel(0);
    c.write('Step 1/1 : FROM x\n');
    seq2.failed();
    assert.deepEqual(got2, ['Step 1/1 : FROM x\n']);
  });
});

describe('automatic platform args', () => {
  test('the host by default, --platform for the TARGET ones', () => {
    const host = new Map(platformArgs(undefined));
    assert.match(host.get('BUILDPLATFORM')!, /^linux\/[a-z0-9]+$/);
    assert.equal(host.get('TARGETPLATFORM'), host.get('BUILDPLATFORM'));
    const arm = new Map(platformArgs('linux/arm/v7'));
    assert.equal(arm.get('TARGETARCH'), 'arm');
    assert.equal(arm.get('TARGETVARIANT'), 'v7');
    assert.equal(arm.get('TARGETPLATFORM'), 'linux/arm/v7');
  });
});
