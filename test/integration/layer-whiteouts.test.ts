// OCI whiteouts ⇄ overlay whiteouts, and packDirectory (overlay dir → OCI layer tar).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { getAttributeSync, setAttributeSync } from '@napi-rs/xattr';
import { packDirectory } from '../../src/layer/pack.js';
import { readTar, type TarHeader } from '../../src/layer/tar-reader.js';
import { encodeHeader, END_OF_ARCHIVE, type EntryHeader } from '../../src/layer/tar-writer.js';
import { unpackLayer } from '../../src/layer/unpack.js';

async function withTmp(fn: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'berth-wh-'));
  try {
    await fn(tmp);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const entry = (h: Partial<EntryHeader> & { name: string }, data = Buffer.alloc(0)): Buffer => {
  const header = encodeHeader({ type: '0', mode: 0o644, uid: 0, gid: 0, mtime: 1_600_000_000, ...h, size: data.length });
  return Buffer.concat([header, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
};

async function headers(s: Readable): Promise<TarHeader[]> {
  const out: TarHeader[] = [];
  for await (const t of readTar(s)) if (t.kind === 'header') out.push(t.header);
  return out;
}

const isWhiteout = (p: string) => {
  const st = lstatSync(p);
  return st.isCharacterDevice() && st.rdev === 0;
};

const listing = (dir: string) =>
  execFileSync('find', ['.', '-printf', '%y %m %U:%G %s %Ts %l %P\n'], { cwd: dir }).toString().split('\n').sort().join('\n');

async function unpackBuffer(tar: Buffer, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await unpackLayer(Readable.from([tar]), dir);
}

test('whiteout entries become char 0/0 devices and opaque markers an overlay xattr', async () => {
  await withTmp(async (tmp) => {
    const diff = join(tmp, 'diff');
    await unpackBuffer(Buffer.concat([
      entry({ name: 'etc/', type: '5', mode: 0o755 }),
      entry({ name: 'etc/.wh.motd' }),
      entry({ name: 'data/', type: '5', mode: 0o755 }),
      entry({ name: 'data/.wh..wh..opq' }),
      entry({ name: 'data/new-1' }, Buffer.from('new')),
      entry({ name: '.wh.top' }),
      entry({ name: 'implicit/parent/.wh.x' }),
      entry({ name: '.wh..wh.plnk/', type: '5' }),
      entry({ name: '.wh..wh.plnk/123.456' }, Buffer.from('aufs hard-link store')),
      END_OF_ARCHIVE,
    ]), diff);
    assert.ok(isWhiteout(join(diff, 'etc/motd')));
    assert.ok(isWhiteout(join(diff, 'top')));
    assert.ok(isWhiteout(join(diff, 'implicit/parent/x')));
    assert.ok(!existsSync(join(diff, 'etc/.wh.motd')));
    assert.ok(!existsSync(join(diff, 'data/.wh..wh..opq')));
    assert.ok(!existsSync(join(diff, '.wh..wh.plnk')), 'aufs metadata is skipped');
    assert.equal(getAttributeSync(join(diff, 'data'), 'trusted.overlay.opaque')?.toString(), 'y');
    assert.equal(getAttributeSync(join(diff, 'etc'), 'trusted.overlay.opaque'), null);
    assert.equal(lstatSync(join(diff, 'etc/motd')).mode & 0o7777, 0);
    // Nothing is left beside the layer directory (the shared whiteout inode is removed).
    assert.deepEqual(execFileSync('ls', ['-A', tmp]).toString().trim(), 'diff');
  });
});

test('packDirectory turns overlay whiteouts and opaque dirs back into OCI entries', async () => {
  await withTmp(async (tmp) => {
    const upper = join(tmp, 'upper');
    mkdirSync(join(upper, 'bin'), { recursive: true });
    mkdirSync(join(upper, 'home'));
    writeFileSync(join(upper, 'home/new'), 'n');
    // What the kernel leaves in an upper dir: whiteouts sharing one inode, overlay-private xattrs.
    execFileSync('mknod', ['-m', '000', join(upper, 'bin/vi'), 'c', '0', '0']);
    linkSync(join(upper, 'bin/vi'), join(upper, 'hello.txt'));
    setAttributeSync(join(upper, 'home'), 'trusted.overlay.opaque', 'y');
    setAttributeSync(join(upper, 'home/new'), 'trusted.overlay.origin', Buffer.from([0, 1, 2]));
    setAttributeSync(upper, 'trusted.overlay.uuid', 'x');
    writeFileSync(join(upper, 'a'), 'shared');
    linkSync(join(upper, 'a'), join(upper, 'b'));

    const hs = await headers(packDirectory(upper));
    assert.deepEqual(hs.map((h) => `${h.type} ${h.name}`), [
      '0 a', '1 b', '5 bin/', '0 bin/.wh.vi', '0 .wh.hello.txt', '5 home/', '0 home/.wh..wh..opq', '0 home/new',
    ]);
    assert.equal(hs.find((h) => h.name === 'b')!.linkname, 'a');
    assert.equal(hs.find((h) => h.name === 'bin/.wh.vi')!.mode, 0o600);
    for (const h of hs) for (const k of h.xattrs.keys()) assert.ok(!k.startsWith('trusted.overlay.'), `${h.name} exports ${k}`);

    const prefixed = await headers(packDirectory(join(upper, 'home'), { root: 'home' }));
    assert.deepEqual(prefixed.map((h) => h.name), ['home/', 'home/.wh..wh..opq', 'home/new']);
  });
});

test('pack then unpack reproduces the tree, whiteouts, xattrs and hard links', async () => {
  await withTmp(async (tmp) => {
    const src = join(tmp, 'src');
    mkdirSync(join(src, 'd/e'), { recursive: true });
    writeFileSync(join(src, 'd/e/big'), Buffer.alloc(2_000_000, 'b'));
    writeFileSync(join(src, 'cap'), 'c', { mode: 0o755 });
    setAttributeSync(join(src, 'cap'), 'security.capability', Buffer.from('AQAAAgAgAAAAAAAAAAAAAAAAAAA=', 'base64'));
    linkSync(join(src, 'cap'), join(src, 'cap2'));
    execFileSync('ln', ['-s', 'd/e/big', join(src, 'lnk')]);
    execFileSync('mknod', ['-m', '000', join(src, 'd/wh'), 'c', '0', '0']);
    setAttributeSync(join(src, 'd'), 'trusted.overlay.opaque', 'y');
    writeFileSync(join(src, `${'x'.repeat(200)}`), 'long name');

    const chunks: Buffer[] = [];
    for await (const c of packDirectory(src)) chunks.push(c as Buffer);
    const dst = join(tmp, 'dst');
    await unpackBuffer(Buffer.concat(chunks), dst);
    // The root itself is not in the tar. Whiteouts share one inode made at unpack time, so their
    // mtime is not the source's (nor is it on Docker's overlay driver, which mknods them afresh).
    const strip = (s: string) => s.split('\n').filter((l) => !/ $/.test(l))
      .map((l) => l.replace(/^(c \S+ \S+ \S+) \d+ /, '$1 - ')).join('\n');
    assert.equal(strip(listing(dst)), strip(listing(src)));
    assert.ok(isWhiteout(join(dst, 'd/wh')));
    assert.equal(getAttributeSync(join(dst, 'd'), 'trusted.overlay.opaque')?.toString(), 'y');
    assert.deepEqual(getAttributeSync(join(dst, 'cap'), 'security.capability'), Buffer.from('AQAAAgAgAAAAAAAAAAAAAAAAAAA=', 'base64'));
    assert.equal(lstatSync(join(dst, 'cap')).ino, lstatSync(join(dst, 'cap2')).ino);
  });
});
