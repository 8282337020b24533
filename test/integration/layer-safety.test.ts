// Hostile or broken layer tars are refused, and a refused layer leaves nothing anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { LayerStore } from '../../src/layer/store.js';
import { encodeHeader, END_OF_ARCHIVE, type EntryHeader } from '../../src/layer/tar-writer.js';

const entry = (h: Partial<EntryHeader> & { name: string }, data = Buffer.alloc(0)): Buffer => {
  const header = encodeHeader({ type: '0', mode: 0o644, uid: 0, gid: 0, mtime: 1_600_000_000, ...h, size: data.length });
  return Buffer.concat([header, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
};

async function withStore(fn: (store: LayerStore, tmp: string) => Promise<void>): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'berth-safety-'));
  try {
    const store = new LayerStore(join(tmp, 'layers'), { durable: false });
    await store.init();
    await fn(store, tmp);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Staging must reject with InvalidParameter naming the entry, leaving no staging dir and no layer. */
async function assertRejected(store: LayerStore, tmp: string, blob: Buffer, message: RegExp): Promise<void> {
  await assert.rejects(store.stage(Readable.from([blob])), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'InvalidParameter', e.message);
    assert.match(e.message, message);
    return true;
  });
  assert.deepEqual(readdirSync(join(tmp, 'layers', '.staging')), []);
  assert.deepEqual(readdirSync(join(tmp, 'layers')), ['.staging']);
  assert.equal(store.list().length, 0);
}

test('entries escaping the layer directory are rejected and nothing is written outside', async () => {
  await withStore(async (store, tmp) => {
    const outside = join(tmp, 'outside');
    mkdirSync(outside);
    const payload = Buffer.from('pwned');
    const cases: [Buffer, RegExp][] = [
      [entry({ name: '../evil' }, payload), /invalid tar entry "\.\.\/evil": path escapes the layer directory/],
      [entry({ name: '../../../../outside/evil' }, payload), /path escapes the layer directory/],
      [entry({ name: join(outside, 'abs') }, payload), /invalid tar entry ".*\/outside\/abs": absolute path/],
      [entry({ name: 'a/../../x' }, payload), /invalid tar entry "a\/\.\.\/\.\.\/x": path escapes/],
      [Buffer.concat([entry({ name: 'link', type: '2', linkname: outside }), entry({ name: 'link/file' }, payload)]),
        /invalid tar entry "link\/file": parent "link" is a symbolic link/],
      [Buffer.concat([entry({ name: 'rel', type: '2', linkname: '../../../../outside' }), entry({ name: 'rel/sub/file' }, payload)]),
        /parent "rel" is a symbolic link/],
      [entry({ name: 'h', type: '1', linkname: '../../etc/passwd' }), /invalid tar entry "h": hard link target "\.\.\/\.\.\/etc\/passwd" escapes/],
      [entry({ name: 'h', type: '1', linkname: '/etc/passwd' }), /hard link target "\/etc\/passwd" escapes/],
      [Buffer.concat([entry({ name: 'etc', type: '2', linkname: '/etc' }), entry({ name: 'h', type: '1', linkname: 'etc/passwd' })]),
        /hard link target parent "etc" is a symbolic link/],
      [Buffer.concat([entry({ name: 'wh', type: '2', linkname: outside }), entry({ name: 'wh/.wh.x' })]), /parent "wh" is a symbolic link/],
      [Buffer.concat([entry({ name: 'op', type: '2', linkname: outside }), entry({ name: 'op/.wh..wh..opq' })]), /parent "op" is a symbolic link/],
    ];
    for (const [body, message] of cases) {
      // A harmless entry first, so the staging dir has content when the bad one arrives.
      await assertRejected(store, tmp, Buffer.concat([entry({ name: 'ok' }, Buffer.from('ok')), body, END_OF_ARCHIVE]), message);
      assert.deepEqual(readdirSync(outside), [], `after ${message}`);
    }
    assert.ok(!existsSync(join(tmp, 'evil')));
    assert.ok(!existsSync(join(tmp, 'layers', 'evil')));
  });
});

test('truncated and corrupt inputs leave nothing behind', async () => {
  await withStore(async (store, tmp) => {
    const tar = Buffer.concat([entry({ name: 'a' }, Buffer.alloc(100_000, 'a')), entry({ name: 'b' }, Buffer.alloc(5000, 'b')), END_OF_ARCHIVE]);
    const gz = gzipSync(tar);
    await assertRejected(store, tmp, gz.subarray(0, gz.length - 100), /gzip/);
    await assertRejected(store, tmp, tar.subarray(0, 60_000), /truncated/);
    await assertRejected(store, tmp, tar.subarray(0, 100_000 + 512 + 512 + 100), /truncated/);
    const bad = Buffer.from(tar);
    bad[512 + 100_352 + 10] ^= 0xff; // inside the second header
    await assertRejected(store, tmp, bad, /checksum/);
    await assertRejected(store, tmp, Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(100, 1)]), /zstd/);
  });
});

test('an input stream that fails mid-way leaves nothing behind', async () => {
  await withStore(async (store, tmp) => {
    async function* failing() {
      yield entry({ name: 'big' }, Buffer.alloc(1 << 20, 1)).subarray(0, 600_000);
      throw new Error('connection reset');
    }
    await assert.rejects(store.stage(Readable.from(failing())), /connection reset/);
    assert.deepEqual(readdirSync(join(tmp, 'layers', '.staging')), []);
  });
});
