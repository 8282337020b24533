// .dockerignore parsing and matching, against moby/patternmatcher (ReadAll, New,
// MatchesOrParentMatches, MatchesUsingParentResults) and the docker CLI's context walk. The tables
// were checked against the docker 28 CLI's own context tars.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IgnoreMatcher, goClean, parseDockerignore, walkContext } from '../../src/builder/dockerignore.js';
import { isBerthError } from '../../src/common/errors.js';

describe('parseDockerignore', () => {
  it('reads patterns as ReadAll does', () => {
    const text = 'test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! ';
    assert.deepEqual(parseDockerignore(text), ['test1', 'test2', 'a/file/here', 'lastfile', '!inverted/abs/path', '!', '!']);
  });

  const cases: Array<[string, string, string[]]> = [
    ['a UTF-8 BOM is dropped', '\ufeffREADME.md\n', ['README.md']],
    ['CRLF line ends', 'a\r\nb\r\n', ['a', 'b']],
    ['a comment only at the start of the line', '#x\n  #y\n', ['#y']],
    ['surrounding whitespace trimmed', '  docs  \n\t*.md\t\n', ['docs', '*.md']],
    ['paths cleaned', './a/../b/\n/./c//d/\n', ['b', 'c/d']],
    ['an exception cleaned', '!./x/\n!/y\n', ['!x', '!y']],
    ['a lone slash kept', '/\n', ['/']],
    ['blank lines skipped', '\n\n  \n', []],
    ['no final newline', 'a\nb', ['a', 'b']],
  ];
  for (const [name, text, want] of cases) it(name, () => assert.deepEqual(parseDockerignore(text), want));
});

describe('goClean', () => {
  for (const [p, want] of [['', '.'], ['a/b/', 'a/b'], ['a/./b', 'a/b'], ['a/../..', '..'], ['/../a', '/a'], ['//a//b', '/a/b'], ['./', '.']]) {
    it(`cleans ${JSON.stringify(p)}`, () => assert.equal(goClean(p), want));
  }
});

// [patterns, path, excluded]
const MATCHES: Array<[string[], string, boolean]> = [
  // the reference's examples
  [['*/temp*'], 'somedir/temporary.txt', true],
  [['*/temp*'], 'somedir/temp', true],
  [['*/temp*'], 'temp', false],
  [['*/*/temp*'], 'somedir/subdir/temporary.txt', true],
  [['*/*/temp*'], 'somedir/temporary.txt', false],
  [['temp?'], 'tempa', true],
  [['temp?'], 'temp', false],
  [['temp?'], 'tempab', false],
  [['**/*.go'], 'a/b/c.go', true],
  [['**/*.go'], 'c.go', true],
  [['*.md', '!README.md'], 'README.md', false],
  [['*.md', '!README.md'], 'CHANGES.md', true],
  [['*.md', '!README*.md', 'README-secret.md'], 'README-secret.md', true],
  [['*.md', '!README*.md', 'README-secret.md'], 'README-public.md', false],
  [['*.md', 'README-secret.md', '!README*.md'], 'README-secret.md', false],
  // `*` and `?` stay within one path element
  [['*'], 'a/b', true], // through the parent `a`
  [['*.go'], 'a/b.go', false],
  [['a?b'], 'a/b', false],
  // a directory excludes what it holds
  [['a'], 'a/b/c', true],
  [['a/b'], 'a/b/c/d', true],
  [['a/b'], 'a', false],
  [['a/b'], 'ab', false],
  // `**`
  [['**'], 'anything/at/all', true],
  [['a/**'], 'a/x', true],
  [['a/**'], 'a', false],
  [['a/**/z.go'], 'a/z.go', true],
  [['a/**/z.go'], 'a/b/c/z.go', true],
  [['**/c'], 'a/b/c/z', true],
  [['foo**'], 'foobar/x', true],
  [['**foo'], 'barfoo', true],
  [['**/foo'], 'foo', true],
  [['**/foo'], 'xfoo', false],
  // classes and escapes
  [['[a-c]*'], 'b.txt', true],
  [['[a-c]*'], 'd.txt', false],
  [['[^a-c]*'], 'd.txt', true],
  [['[!a]*'], '!x', true], // `!` is no negation in Go's syntax
  [['[!a]*'], 'b', false],
  [['f\\[1\\].txt'], 'f[1].txt', true],
  [['f[[]1].txt'], 'f[1].txt', true],
  [['a\\?b'], 'a?b', true],
  [['a\\?b'], 'aXb', false],
  [['a.b'], 'aXb', false],
  [['a+b'], 'a+b', true],
  [['[[:digit:]]*'], '7up', true],
  [['[[:digit:]]*'], 'up', false],
  // exceptions
  [['a', '!a/b'], 'a/b/c', false],
  [['a', '!a/b'], 'a/c', true],
  [['!a', 'a'], 'a', true],
  [['*', '!keep', 'keep/secret'], 'keep/secret/x', true],
  // the context root is never excluded
  [['*'], '.', false],
  [['*'], './', false],
];

describe('IgnoreMatcher.excluded (MatchesOrParentMatches)', () => {
  for (const [patterns, path, want] of MATCHES) {
    it(`${JSON.stringify(patterns)} ${want ? 'excludes' : 'keeps'} ${path}`, () => {
      assert.equal(new IgnoreMatcher(patterns).excluded(path), want);
    });
  }
});

describe('IgnoreMatcher patterns', () => {
  const bad: Array<[string, string]> = [
    ['!', 'illegal exclusion pattern: "!"'],
    ['[', 'syntax error in pattern'],
    ['[]', 'syntax error in pattern'],
    ['[a-]', 'syntax error in pattern'],
    ['a\\', 'syntax error in pattern'],
    ['[z-a]*', 'syntax error in pattern'], // valid for filepath.Match, not for the regexp
  ];
  for (const [p, msg] of bad) {
    it(`rejects ${JSON.stringify(p)} with Docker's text`, () => {
      assert.throws(() => new IgnoreMatcher([p]), (e: unknown) => isBerthError(e, 'InvalidParameter') && (e as Error).message === msg);
    });
  }

  it('skips blank patterns and knows when it has none', () => {
    assert.equal(new IgnoreMatcher(['', '  ']).empty, true);
    assert.equal(new IgnoreMatcher(['a']).empty, false);
  });

  it('enters an excluded directory only when an exception names something below it', () => {
    const m = new IgnoreMatcher(['a', '!a/b/c/keep.txt', '!**/other']);
    assert.equal(m.mustDescend('a'), true);
    assert.equal(m.mustDescend('a/b'), true);
    assert.equal(m.mustDescend('x'), false); // `!**/other` names no directory literally
    assert.equal(new IgnoreMatcher(['a']).mustDescend('a'), false);
  });

  it('inherits per-pattern results from the parent, as the tar walk does', () => {
    // MatchesOrParentMatches lets `!a` re-include a/b through its parent; the walk does not.
    const m = new IgnoreMatcher(['a/b', '!a']);
    assert.equal(m.excluded('a/b'), false);
    const a = m.matchWithParent('a');
    assert.equal(a.excluded, false);
    assert.equal(m.matchWithParent('a/b', a.matches).excluded, true);
  });
});

describe('walkContext', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'berth-ignore-'));
    for (const d of ['a/b/c', 'dir', 'Z', 'node_modules/pkg/lib']) mkdirSync(join(root, d), { recursive: true });
    for (const f of ['Dockerfile', 'a/x.go', 'a/b/y.go', 'a/b/c/keep.txt', 'a/b/c/z.go', 'dir/f', 'Z/up', 'b.txt', 'node_modules/pkg/index.js', 'node_modules/pkg/lib/l.js']) {
      writeFileSync(join(root, f), f);
    }
    symlinkSync('/etc', join(root, 'link'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const walk = (patterns: string[]) => [...walkContext(root, new IgnoreMatcher(patterns))].map((e) => e.rel);

  it('visits everything in Go\'s order without patterns, not following symlinks', () => {
    assert.deepEqual(walk([]), [
      'Dockerfile', 'Z', 'Z/up', 'a', 'a/b', 'a/b/c', 'a/b/c/keep.txt', 'a/b/c/z.go', 'a/b/y.go', 'a/x.go', 'b.txt', 'dir', 'dir/f',
      'link', 'node_modules', 'node_modules/pkg', 'node_modules/pkg/index.js', 'node_modules/pkg/lib', 'node_modules/pkg/lib/l.js',
    ]);
  });

  it('leaves out an excluded directory and all it holds', () => {
    assert.deepEqual(walk(['node_modules', 'a', '*.txt']), ['Dockerfile', 'Z', 'Z/up', 'dir', 'dir/f', 'link']);
  });

  it('re-includes a file below an excluded directory without the directory itself', () => {
    assert.deepEqual(walk(['a', '!a/b/c/keep.txt', 'node_modules', 'Z', 'dir']), ['Dockerfile', 'a/b/c/keep.txt', 'b.txt', 'link']);
  });

  it('re-includes a subtree', () => {
    assert.deepEqual(walk(['node_modules', '!node_modules/pkg/lib']).filter((r) => r.startsWith('node_modules')), [
      'node_modules/pkg/lib', 'node_modules/pkg/lib/l.js',
    ]);
  });

  it('does not enter an excluded directory for an exception it cannot name', () => {
    assert.deepEqual(walk(['a', '!**/keep.txt']).filter((r) => r.startsWith('a')), []);
  });

  it('keeps everything but the exceptions under `*`', () => {
    assert.deepEqual(walk(['*', '!Dockerfile', '!dir']), ['Dockerfile', 'dir', 'dir/f']);
  });
});
