// docker cp's path rules (moby pkg/archive copy.go, Go's path/filepath) and the archive API's
// stat header. Expectations from Go's behaviour and from a dockerd 20.10's answers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  containerAbsPath, getRebaseName, goBase, goClean, goDir, goJoin, goSplit, planArchiveCopy, preserveTrailingDotOrSeparator,
  rebaseEntryName, splitCpArg, splitPathDirEntry, type CopyInfo,
} from '../../src/container/archive-paths.js';
import { decodePathStat, encodePathStat, goFileMode, hasModeBit, GO_MODE_DIR, GO_MODE_SYMLINK } from '../../src/container/archive.js';
import { linkEscapes } from '../../src/container/archive-extract.js';

describe('Go path functions', () => {
  it('Clean, Base, Dir, Split and Join as Go has them', () => {
    assert.equal(goClean(''), '.');
    assert.equal(goClean('/a/../../b/./c/'), '/b/c');
    assert.equal(goClean('a/../../b'), '../b');
    assert.equal(goClean('//'), '/');
    assert.equal(goBase(''), '.');
    assert.equal(goBase('/'), '/');
    assert.equal(goBase('/a/b/'), 'b');
    assert.equal(goBase('/a/.'), '.');
    assert.equal(goDir('/a/b'), '/a');
    assert.equal(goDir('a'), '.');
    assert.deepEqual(goSplit('/a/b/'), ['/a/b/', '']);
    assert.deepEqual(goSplit('/a/b'), ['/a/', 'b']);
    assert.equal(goJoin('/', '..'), '/');
    assert.equal(goJoin('/tmp', '/etc'), '/tmp/etc');
    assert.equal(goJoin('', ''), '');
  });

  it('keeps a trailing / or /. through cleaning (PreserveTrailingDotOrSeparator)', () => {
    assert.equal(preserveTrailingDotOrSeparator('/d', '/d/'), '/d/');
    assert.equal(preserveTrailingDotOrSeparator('/d', '/d/.'), '/d/.');
    assert.equal(preserveTrailingDotOrSeparator('/', '/.'), '/.');
    assert.equal(preserveTrailingDotOrSeparator('/', '/'), '/');
    assert.equal(containerAbsPath('d/./'), '/d/./', 'Go\'s Base of d/./ is ., then the slash comes back too');
    assert.equal(containerAbsPath('/d/..'), '/');
    assert.equal(containerAbsPath('x/../y/.'), '/y/.');
  });

  it('splits a path into directory and entry, keeping a trailing dot (SplitPathDirEntry)', () => {
    assert.deepEqual(splitPathDirEntry('/a/b'), ['/a', 'b']);
    assert.deepEqual(splitPathDirEntry('/a/b/'), ['/a', 'b']);
    assert.deepEqual(splitPathDirEntry('/a/b/.'), ['/a/b', '.']);
    assert.deepEqual(splitPathDirEntry('/'), ['/', '/']);
  });

  it('rebases after a symlink as GetRebaseName does', () => {
    assert.deepEqual(getRebaseName('/dl', '/d'), ['/d', 'dl']);
    assert.deepEqual(getRebaseName('/dl/', '/d'), ['/d/', 'dl']);
    assert.deepEqual(getRebaseName('/dl/.', '/d'), ['/d/.', '']);
    assert.deepEqual(getRebaseName('/x', '/x'), ['/x', '']);
  });
});

describe('cp destination rules (PrepareArchiveCopy)', () => {
  const file = (path: string, extra: Partial<CopyInfo> = {}): CopyInfo => ({ path, exists: true, isDir: false, ...extra });
  const dir = (path: string, extra: Partial<CopyInfo> = {}): CopyInfo => ({ path, exists: true, isDir: true, ...extra });
  const missing = (path: string): CopyInfo => ({ path, exists: false, isDir: false });

  it('extracts into an existing directory as it is', () => {
    assert.deepEqual(planArchiveCopy(file('/src/f'), dir('/dst')), { dstDir: '/dst' });
    assert.deepEqual(planArchiveCopy(dir('/src/d'), dir('/dst/')), { dstDir: '/dst/' });
    assert.deepEqual(planArchiveCopy(dir('/src/d/.'), dir('/dst')), { dstDir: '/dst' });
  });

  it('renames a file onto an existing file', () => {
    assert.deepEqual(planArchiveCopy(file('/src/f'), file('/dst/g')), { dstDir: '/dst', rebase: { from: 'f', to: 'g' } });
  });

  it('refuses a directory onto an existing file', () => {
    assert.throws(() => planArchiveCopy(dir('/src/d'), file('/dst/g')), /^Error: cannot copy directory$/);
  });

  it('creates a missing destination from a directory, contents of `/.` included', () => {
    assert.deepEqual(planArchiveCopy(dir('/src/d'), missing('/dst/new')), { dstDir: '/dst', rebase: { from: 'd', to: 'new' } });
    assert.deepEqual(planArchiveCopy(dir('/src/d/.'), missing('/dst/new')), { dstDir: '/dst', rebase: { from: '.', to: 'new' } });
    assert.deepEqual(planArchiveCopy(dir('/src/d'), missing('/dst/new/')), { dstDir: '/dst', rebase: { from: 'd', to: 'new' } });
  });

  it('creates a missing file, but not a missing directory from a file', () => {
    assert.deepEqual(planArchiveCopy(file('/src/f'), missing('/dst/new')), { dstDir: '/dst', rebase: { from: 'f', to: 'new' } });
    assert.throws(() => planArchiveCopy(file('/src/f'), missing('/dst/new/')), /^Error: no such directory$/);
    assert.throws(() => planArchiveCopy(file('/src/f'), missing('/dst/new/.')), /^Error: no such directory$/);
  });

  it('uses the name asked for when a symlink was followed', () => {
    assert.deepEqual(planArchiveCopy(file('/d', { rebaseName: 'dl' }), missing('/out/x')), { dstDir: '/out', rebase: { from: 'dl', to: 'x' } });
  });

  it('renames entries as RebaseArchiveEntries: first occurrence, the root as an empty base', () => {
    assert.equal(rebaseEntryName('d/f', 'd', 'new'), 'new/f');
    assert.equal(rebaseEntryName('./f', '.', 'new'), 'new/f');
    assert.equal(rebaseEntryName('/bin/', '/', 'root'), 'root/bin/');
    assert.equal(rebaseEntryName('/', '/', 'root'), 'root/');
  });

  it('splits CONTAINER:PATH, leaving local paths with a colon alone', () => {
    assert.deepEqual(splitCpArg('c1:/etc'), { container: 'c1', path: '/etc' });
    assert.deepEqual(splitCpArg('/abs/a:b'), { container: '', path: '/abs/a:b' });
    assert.deepEqual(splitCpArg('./a:b'), { container: '', path: './a:b' });
    assert.deepEqual(splitCpArg('file'), { container: '', path: 'file' });
    assert.deepEqual(splitCpArg('c1:'), { container: 'c1', path: '' });
  });

  it('refuses links that climb out of the destination, lexically as Untar does', () => {
    assert.equal(linkEscapes('', '/etc'), false, 'an absolute symlink target is joined below the destination');
    assert.equal(linkEscapes('a/b', '../../x'), false);
    assert.equal(linkEscapes('a/b', '../../../x'), true);
    assert.equal(linkEscapes('', '..'), true);
    assert.equal(linkEscapes('', '/../x'), true, 'Go joins before cleaning');
  });
});

describe('the X-Docker-Container-Path-Stat header', () => {
  it('carries Go FileModes, as dockerd sends them', () => {
    assert.equal(goFileMode(0o40755), 2147484141);
    assert.equal(goFileMode(0o120777), 134218239);
    assert.equal(goFileMode(0o100644), 420);
    assert.equal(goFileMode(0o20666), 0o666 + 2 ** 26 + 2 ** 21);
    assert.equal(goFileMode(0o104755), 0o755 + 2 ** 23);
    assert.ok(hasModeBit(2147484141, GO_MODE_DIR));
    assert.ok(!hasModeBit(2147484141, GO_MODE_SYMLINK));
    assert.ok(hasModeBit(134218239, GO_MODE_SYMLINK));
  });

  it('is base64 JSON with Docker\'s field order', () => {
    // Captured from dockerd 20.10 for `HEAD /containers/c1/archive?path=/d`.
    const docker = 'eyJuYW1lIjoiZCIsInNpemUiOjQwOTYsIm1vZGUiOjIxNDc0ODQxNDEsIm10aW1lIjoiMjAyNi0xMS0yNlQxMzo0MToxOS43NDQzODM3MjNaIiwibGlua1RhcmdldCI6IiJ9';
    const stat = decodePathStat(docker);
    assert.deepEqual(stat, { name: 'd', size: 4096, mode: 2147484141, mtime: '2026-11-26T13:41:19.744383723Z', linkTarget: '' });
    assert.equal(encodePathStat(stat), docker);
  });
});
