// `docker diff` from an overlay upper dir against layer dirs, and the writable layer as commit
// packs it. The expected lists are what dockerd 20.10's (naive) diff reports for the same edits.
// Whiteouts (char 0/0) and opaque dirs (trusted.* xattr) need root.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mknod, setXattr, OPAQUE_XATTR } from '../../src/layer/fsutil.js';
import { readTar } from '../../src/layer/tar-reader.js';
import { computeChanges, ChangeKind } from '../../src/container/changes.js';
import { writableLayerTar } from '../../src/container/commit.js';

const skip = process.getuid?.() !== 0 && 'needs root (whiteout devices, trusted.* xattrs)';
const show = (cs: Array<{ Path: string; Kind: ChangeKind }>) => cs.map((c) => `${'CAD'[c.Kind]} ${c.Path}`);

function files(root: string, spec: Record<string, string | null>): void {
  for (const [p, content] of Object.entries(spec)) {
    const abs = join(root, p);
    if (content === null) mkdirSync(abs, { recursive: true });
    else {
      mkdirSync(join(abs, '..'), { recursive: true });
      writeFileSync(abs, content);
    }
  }
}

describe('container changes', { skip }, () => {
  let tmp: string;
  let lowers: string[];
  let upper: string;
  const T = new Date('2024-01-01T00:00:00Z');

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'berth-changes-'));
    const bottom = join(tmp, 'l0');
    const top = join(tmp, 'l1');
    upper = join(tmp, 'upper');
    lowers = [top, bottom];
    files(bottom, {
      'etc/passwd': 'root:x:0:0\n', 'etc/group': 'root:x:0:\n', 'bin/a': 'a', 'bin/b': 'b', 'root/.profile': 'p',
      'home/user/f': 'f', 'tmp': null, 'opt/x': 'x', 'opt/y': 'y',
    });
    files(top, { 'opt/z': 'z', 'bin': null });
    await mknod(join(top, 'bin/b'), 'c', 0o600); // the top layer deleted /bin/b
    for (const d of ['etc', 'bin', 'tmp', 'home', 'opt', 'root']) utimesSync(join(bottom, d), T, T);

    files(upper, {
      'etc/passwd': 'root:x:0:0\nme:x:1:1\n', 'etc/newfile': 'n', 'etc/hosts': '', 'etc/hostname': '', 'proc': null,
      'home/n': 'n', 'a/b/c/d': '', 'tmp': null, 'opt': null, 'bin': null,
    });
    await mknod(join(upper, 'bin/a'), 'c', 0o600);
    await mknod(join(upper, 'bin/b'), 'c', 0o600); // a whiteout of what the image no longer has
    await mknod(join(upper, 'root'), 'c', 0o600);
    await mknod(join(upper, 'opt/x'), 'c', 0o600);
    setXattr(join(upper, 'home'), OPAQUE_XATTR, 'y');
    // /tmp copied up, its mtime changed, nothing in it: not a change, as in Docker.
    utimesSync(join(upper, 'tmp'), new Date(), new Date());
  });

  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('lists adds, changes and deletes in tree order, directories before their contents', () => {
    assert.deepEqual(show(computeChanges(upper, lowers)), [
      'A /a', 'A /a/b', 'A /a/b/c', 'A /a/b/c/d',
      'C /bin', 'D /bin/a',
      'C /etc', 'A /etc/newfile', 'C /etc/passwd',
      'C /home', 'A /home/n', 'D /home/user',
      'C /opt', 'D /opt/x',
      'D /root',
    ]);
  });

  it('reports nothing for an upper dir holding only runc\'s mount points', async () => {
    const up = join(tmp, 'upper2');
    files(up, { 'etc/hosts': '', 'etc/resolv.conf': '', 'etc/hostname': '', 'proc': null, 'sys': null, 'dev': null });
    assert.deepEqual(computeChanges(up, lowers), []);
  });

  it('reports a changed mount-point placeholder and a directory whose mode changed', async () => {
    const up = join(tmp, 'upper3');
    files(up, { 'etc/hosts': '127.0.0.1 me\n', 'tmp': null });
    const { chmodSync } = await import('node:fs');
    chmodSync(join(up, 'tmp'), 0o700);
    assert.deepEqual(show(computeChanges(up, lowers)), ['C /etc', 'A /etc/hosts', 'C /tmp']);
  });

  it('packs the writable layer in OCI form without the placeholders', async () => {
    const names: string[] = [];
    for await (const t of readTar(writableLayerTar(upper, lowers))) if (t.kind === 'header') names.push(t.header.name);
    assert.deepEqual(names, [
      'a/', 'a/b/', 'a/b/c/', 'a/b/c/d',
      'bin/', 'bin/.wh.a', 'bin/.wh.b',
      'etc/', 'etc/newfile', 'etc/passwd',
      'home/', 'home/.wh..wh..opq', 'home/n',
      'opt/', 'opt/.wh.x',
      '.wh.root',
      'tmp/',
    ]);
  });

  it('packs an upper dir of placeholders only as an empty layer', async () => {
    const up = join(tmp, 'upper4');
    files(up, { 'etc/hosts': '', 'etc/hostname': '', 'proc': null });
    const bytes: Buffer[] = [];
    for await (const c of writableLayerTar(up, lowers)) bytes.push(c as Buffer);
    assert.deepEqual(Buffer.concat(bytes), Buffer.alloc(1024));
  });
});
