// Unpack + tar-split replay must give back the exact layer tar (its sha256 is the diff id).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, lutimesSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync, linkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { getAttributeSync, setAttributeSync } from '@napi-rs/xattr';
import { pack } from 'tar-stream';
import { LayerStore } from '../../src/layer/store.js';
import { encodeHeader, END_OF_ARCHIVE, type EntryHeader } from '../../src/layer/tar-writer.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function streamSha(s: Readable): Promise<{ digest: string; length: number }> {
  const h = createHash('sha256');
  let length = 0;
  for await (const c of s) {
    h.update(c as Buffer);
    length += (c as Buffer).length;
  }
  return { digest: `sha256:${h.digest('hex')}`, length };
}

async function withStore(fn: (store: LayerStore, tmp: string) => Promise<void>): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'berth-layer-'));
  try {
    const store = new LayerStore(join(tmp, 'layers'), { durable: false });
    await store.init();
    await fn(store, tmp);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Registers `input` and checks that the replayed tar is byte-identical to `tar`. */
async function assertRoundTrip(store: LayerStore, input: Buffer, tar: Buffer): Promise<string> {
  const rec = await store.register(Readable.from([input]), null);
  assert.equal(rec.diffId, sha(tar));
  assert.equal(rec.tarSize, tar.length);
  const replayed = await streamSha(store.tarStream(rec.chainId));
  assert.equal(replayed.length, tar.length);
  assert.equal(replayed.digest, sha(tar));
  return rec.chainId;
}

/** `find` listing of everything that matters in a tree: type, mode, owner, size, mtime, link target, link count. */
function listing(dir: string): string {
  return execFileSync('find', ['.', '-printf', '%y %m %U:%G %s %Ts %l %n %P\n'], { cwd: dir }).toString().split('\n').sort().join('\n');
}

const entry = (h: Partial<EntryHeader> & { name: string }, data = Buffer.alloc(0)): Buffer => {
  const header = encodeHeader({ type: '0', mode: 0o644, uid: 0, gid: 0, mtime: 1_600_000_000, ...h, size: h.size ?? data.length });
  const pad = (512 - (data.length % 512)) % 512;
  return Buffer.concat([header, data, Buffer.alloc(pad)]);
};

test('a GNU tar round-trips byte for byte and unpacks to the same tree', async () => {
  await withStore(async (store, tmp) => {
    const src = join(tmp, 'src');
    mkdirSync(join(src, 'dir/sub'), { recursive: true });
    writeFileSync(join(src, 'dir/file.txt'), 'hello\n');
    writeFileSync(join(src, 'setuid-bin'), Buffer.alloc(10_000, 1), { mode: 0o4755 });
    execFileSync('chmod', ['4755', join(src, 'setuid-bin')]);
    writeFileSync(join(src, 'owned'), 'x');
    chownSync(join(src, 'owned'), 1000, 1001);
    linkSync(join(src, 'dir/file.txt'), join(src, 'hardlink'));
    symlinkSync('dir/file.txt', join(src, 'symlink'));
    execFileSync('mkfifo', [join(src, 'fifo')]);
    execFileSync('mknod', [join(src, 'null-dev'), 'c', '1', '3']);
    const longDir = join(src, 'dir/sub', 'l'.repeat(110));
    mkdirSync(longDir);
    writeFileSync(join(longDir, 'f'.repeat(120)), Buffer.alloc(70_000, 'z'));
    mkdirSync(join(src, 'sticky'), { mode: 0o1777 });
    execFileSync('chmod', ['1777', join(src, 'sticky')]);
    lutimesSync(join(src, 'symlink'), 1_500_000_000, 1_500_000_000);
    for (const d of ['dir/sub/' + 'l'.repeat(110), 'dir/sub', 'dir', 'sticky', '.']) utimesSync(join(src, d), 1_400_000_000, 1_400_000_000 + d.length);

    const tar = execFileSync('tar', ['-C', src, '-cf', '-', '.'], { maxBuffer: 1 << 26 });
    const chainId = await assertRoundTrip(store, tar, tar);
    assert.equal(listing(store.diffPath(chainId)), listing(src));
    const rec = store.get(chainId)!;
    // Regular files once (the hard link shares an inode), plus the symlink's target length, as Docker counts.
    assert.equal(rec.size, 6 + 10_000 + 1 + 70_000 + 'dir/file.txt'.length);
  });
});

test('a tar made by tar-stream round-trips', async () => {
  await withStore(async (store) => {
    const p = pack();
    p.entry({ name: 'etc', type: 'directory', mode: 0o755 });
    p.entry({ name: 'etc/hosts', mode: 0o644, mtime: new Date(1_234_000) }, '127.0.0.1 localhost\n');
    p.entry({ name: 'etc/link', type: 'symlink', linkname: 'hosts' });
    p.entry({ name: `${'deep/'.repeat(30)}file`, mode: 0o600 }, Buffer.alloc(513, 'q'));
    p.finalize();
    const parts: Buffer[] = [];
    for await (const c of p) parts.push(c as Buffer);
    const tar = Buffer.concat(parts);
    await assertRoundTrip(store, tar, tar);
  });
});

test('a pax tar with xattrs round-trips and its xattrs are applied, except overlay ones', async () => {
  await withStore(async (store, tmp) => {
    const src = join(tmp, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'f'), 'data');
    setAttributeSync(join(src, 'f'), 'user.color', 'blue');
    setAttributeSync(join(src, 'f'), 'security.capability', Buffer.from('AQAAAgAgAAAAAAAAAAAAAAAAAAA=', 'base64'));
    const gnu = execFileSync('tar', ['-C', src, '--xattrs', '--format=pax', '-cf', '-', '.']);
    const id = await assertRoundTrip(store, gnu, gnu);
    const f = join(store.diffPath(id), 'f');
    assert.equal(getAttributeSync(f, 'user.color')?.toString(), 'blue');
    assert.deepEqual(getAttributeSync(f, 'security.capability'), Buffer.from('AQAAAgAgAAAAAAAAAAAAAAAAAAA=', 'base64'));

    const forged = Buffer.concat([
      entry({ name: 'd/', type: '5', mode: 0o755, xattrs: new Map([['trusted.overlay.opaque', Buffer.from('y')], ['user.k', Buffer.from([0, 0xff, 1])]]) }),
      END_OF_ARCHIVE,
    ]);
    const id2 = await assertRoundTrip(store, forged, forged);
    const d = join(store.diffPath(id2), 'd');
    assert.equal(getAttributeSync(d, 'trusted.overlay.opaque'), null);
    assert.deepEqual(getAttributeSync(d, 'user.k'), Buffer.from([0, 0xff, 1]));
  });
});

test('zero padding and junk after the end-of-archive blocks are reproduced', async () => {
  await withStore(async (store) => {
    const tar = Buffer.concat([entry({ name: 'a' }, Buffer.from('abc')), END_OF_ARCHIVE, Buffer.alloc(9216), Buffer.from('trailing junk')]);
    await assertRoundTrip(store, tar, tar);
  });
});

test('gzip and zstd input: diff id hashes the tar, digest hashes the blob as given', async () => {
  await withStore(async (store, tmp) => {
    const tar = Buffer.concat([entry({ name: 'big' }, Buffer.alloc(300_000, 'b')), entry({ name: 'small' }, Buffer.from('s')), END_OF_ARCHIVE]);
    writeFileSync(join(tmp, 'l.tar'), tar);
    execFileSync('zstd', ['-q', join(tmp, 'l.tar'), '-o', join(tmp, 'l.tar.zst')]);
    for (const blob of [gzipSync(tar), readFileSync(join(tmp, 'l.tar.zst'))]) {
      const staged = await store.stage(Readable.from([blob.subarray(0, 3), blob.subarray(3)]));
      assert.equal(staged.diffId, sha(tar));
      assert.equal(staged.digest, sha(blob));
      assert.equal(staged.compressedSize, blob.length);
      assert.equal(staged.tarSize, tar.length);
      const rec = await staged.commit(null);
      assert.equal((await streamSha(store.tarStream(rec.chainId))).digest, sha(tar));
    }
    assert.equal(store.list().length, 1);
  });
});

test('a path written twice, or replaced in the same tar, still replays exactly', async () => {
  await withStore(async (store) => {
    const tar = Buffer.concat([
      entry({ name: 'f' }, Buffer.from('first version')),
      entry({ name: 'h', type: '1', linkname: 'f' }),
      entry({ name: 'f' }, Buffer.from('second')),
      entry({ name: 'd/x' }, Buffer.alloc(1000, 'x')),
      entry({ name: 'd', type: '2', linkname: 'f' }),
      entry({ name: 'gone' }, Buffer.from('deleted by a whiteout')),
      entry({ name: '.wh.gone' }),
      entry({ name: 'e/', type: '5' }),
      entry({ name: 'e/y' }, Buffer.from('y')),
      entry({ name: 'e', type: '0' }, Buffer.from('file over dir')),
      END_OF_ARCHIVE,
    ]);
    const id = await assertRoundTrip(store, tar, tar);
    const diff = store.diffPath(id);
    assert.equal(readFileSync(join(diff, 'f'), 'utf8'), 'second');
    assert.equal(readFileSync(join(diff, 'h'), 'utf8'), 'first version');
    assert.equal(readFileSync(join(diff, 'e'), 'utf8'), 'file over dir');
    assert.deepEqual(readdirSync(diff).sort(), ['d', 'e', 'f', 'gone', 'h']);
    assert.equal(store.get(id)!.size, 'second'.length + 'file over dir'.length + 'f'.length /* the symlink d */);
  });
});
