// Expectations from moby/sys/user GetExecUser semantics and from a dockerd 20.10's config.json for
// `-u u1 --group-add 29 --group-add wheel --group-add 4242` and friends on the same passwd/group files.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBerthError } from '../../src/common/errors.js';
import { ensureWorkdir, execUser, resolveUser } from '../../src/container/user.js';
import { resolveInRoot } from '../../src/common/rootfs-path.js';

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nu1:x:1000:1000:U One:/home/u1:/bin/sh\n';
const GROUP = 'root:x:0:\nnogroup:x:65534:\ng1:x:1000:\nwheel:x:10:u1,root\naudio:x:29:u1\n';

function throwsInvalid(fn: () => unknown, message: string) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isBerthError(e, 'InvalidParameter'), `expected InvalidParameter, got ${String(e)}`);
    assert.equal((e as Error).message, message);
    return true;
  });
}

describe('execUser (GetExecUser + GetAdditionalGroups)', () => {
  it('resolves a name with its supplementary groups, then --group-add', () => {
    assert.deepEqual(execUser('u1', PASSWD, GROUP, ['29', 'wheel', '4242']), { uid: 1000, gid: 1000, home: '/home/u1', additionalGids: [1000, 10, 29, 29, 10, 4242] });
  });

  it('defaults to root, who is in wheel here', () => {
    assert.deepEqual(execUser('', PASSWD, GROUP), { uid: 0, gid: 0, home: '/root', additionalGids: [0, 10] });
  });

  it('takes an explicit group without supplementary groups', () => {
    assert.deepEqual(execUser('1000:10', PASSWD, GROUP), { uid: 1000, gid: 10, home: '/home/u1', additionalGids: [10] });
    assert.deepEqual(execUser('u1:audio', PASSWD, GROUP), { uid: 1000, gid: 29, home: '/home/u1', additionalGids: [29] });
    assert.deepEqual(execUser('0:4000', PASSWD, GROUP), { uid: 0, gid: 4000, home: '/root', additionalGids: [4000] });
  });

  it('allows a numeric uid absent from passwd, with gid 0 and home /', () => {
    assert.deepEqual(execUser('1234', PASSWD, GROUP), { uid: 1234, gid: 0, home: '/', additionalGids: [0] });
    assert.deepEqual(execUser('1234', null, null), { uid: 1234, gid: 0, home: '/', additionalGids: [0] });
    assert.deepEqual(execUser('', null, null), { uid: 0, gid: 0, home: '/', additionalGids: [0] });
  });

  it('refuses unknown names with Docker\'s texts', () => {
    throwsInvalid(() => execUser('nobody2', PASSWD, GROUP), 'unable to find user nobody2: no matching entries in passwd file');
    throwsInvalid(() => execUser('root', null, null), 'unable to find user root: no matching entries in passwd file');
    throwsInvalid(() => execUser('u1:nogroup2', PASSWD, GROUP), 'unable to find group nogroup2: no matching entries in group file');
    throwsInvalid(() => execUser('', PASSWD, GROUP, ['nogroup3']), 'Unable to find group nogroup3: no matching entries in group file');
    throwsInvalid(() => execUser('-5', PASSWD, GROUP), 'uids and gids must be in range 0-2147483647');
  });
});

describe('resolveInRoot', () => {
  let root: string;
  let outside: string;
  before(() => {
    outside = mkdtempSync(join(tmpdir(), 'berth-outside-'));
    root = mkdtempSync(join(tmpdir(), 'berth-root-'));
    mkdirSync(join(root, 'etc'));
    mkdirSync(join(root, 'real/sub'), { recursive: true });
    writeFileSync(join(outside, 'passwd'), 'evil:x:0:0::/:/bin/sh\n');
    symlinkSync(`/../../../../../../..${outside}/passwd`, join(root, 'etc/passwd'));
    symlinkSync('../real', join(root, 'etc/rel'));
    symlinkSync('/real/sub', join(root, 'abs'));
    symlinkSync('loop2', join(root, 'loop1'));
    symlinkSync('loop1', join(root, 'loop2'));
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('keeps absolute and climbing links inside the root', () => {
    assert.equal(resolveInRoot(root, '/etc/passwd'), `${root}${outside}/passwd`);
    assert.equal(resolveInRoot(root, '../../etc/rel/sub/x'), `${root}/real/sub/x`);
    assert.equal(resolveInRoot(root, '/abs/../y'), `${root}/real/y`);
    assert.equal(resolveInRoot(root, '/'), root);
    assert.equal(resolveInRoot(`${root}/`, 'missing/../abs'), `${root}/real/sub`);
  });

  it('gives up on link loops', () => {
    assert.throws(() => resolveInRoot(root, '/loop1/x'), /too many levels of symbolic links/);
  });

  it('never reads a passwd outside the rootfs', () => {
    // The link points out of the root; inside it, its target does not exist: no passwd at all.
    throwsInvalid(() => resolveUser(root, 'evil'), 'unable to find user evil: no matching entries in passwd file');
  });
});

describe('resolveUser and ensureWorkdir on a rootfs', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'berth-rootfs-'));
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc/passwd'), PASSWD);
    writeFileSync(join(root, 'etc/group'), GROUP);
    symlinkSync('/srv', join(root, 'work'));
    writeFileSync(join(root, 'file'), '');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('reads the image\'s passwd and group', () => {
    assert.deepEqual(resolveUser(root, 'u1', ['audio']), { uid: 1000, gid: 1000, home: '/home/u1', additionalGids: [1000, 10, 29, 29] });
  });

  it('creates the working dir 0755 inside the rootfs, through links resolved in it', () => {
    const uid = process.getuid!();
    const gid = process.getgid!();
    ensureWorkdir(root, '/work/a/b', uid, gid);
    const st = statSync(join(root, 'srv/a/b'));
    assert.ok(st.isDirectory());
    assert.equal(st.mode & 0o777, 0o755 & ~process.umask());
    assert.equal(st.uid, uid);
    ensureWorkdir(root, '/work/a/b', uid, gid); // exists: nothing to do
    throwsInvalid(() => ensureWorkdir(root, '/file', uid, gid), 'Cannot mkdir: /file is not a directory');
  });
});
