// LayerStore bookkeeping: chain ids, deduplication, concurrency, crash leftovers, removal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { chainIds, hexOf } from '../../src/common/digest.js';
import { LayerStore } from '../../src/layer/store.js';
import { encodeHeader, END_OF_ARCHIVE } from '../../src/layer/tar-writer.js';

const layerTar = (name: string, content: string): Buffer => {
  const data = Buffer.from(content);
  return Buffer.concat([
    encodeHeader({ name, type: '0', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: data.length }),
    data, Buffer.alloc((512 - (data.length % 512)) % 512), END_OF_ARCHIVE,
  ]);
};

async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'berth-store-'));
  try {
    await fn(join(tmp, 'layers'));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

test('chain ids follow the parent chain and records persist across restarts', async () => {
  await withRoot(async (root) => {
    const store = new LayerStore(root, { durable: true });
    await store.init();
    const base = await store.register(Readable.from([layerTar('a', 'base')]), null);
    const top = await store.register(Readable.from([layerTar('b', 'top')]), base.chainId);
    assert.equal(base.chainId, base.diffId);
    assert.deepEqual([base.chainId, top.chainId], chainIds([base.diffId, top.diffId]));
    assert.equal(top.parent, base.chainId);
    assert.equal(readFileSync(join(store.diffPath(top.chainId), 'b'), 'utf8'), 'top');
    assert.equal(statSync(store.diffPath(top.chainId)).mode & 0o7777, 0o755, 'a tar without a ./ entry gets a 0755 root');
    assert.deepEqual(JSON.parse(readFileSync(join(root, hexOf(top.chainId), 'layer.json'), 'utf8')), top);

    const again = new LayerStore(root);
    await again.init();
    assert.deepEqual(again.list().sort((x, y) => x.chainId.localeCompare(y.chainId)), [base, top].sort((x, y) => x.chainId.localeCompare(y.chainId)));
    await assert.rejects(again.register(Readable.from([layerTar('c', 'c')]), 'sha256:' + '0'.repeat(64)), { code: 'NotFound' });
  });
});

test('the same layer staged concurrently is stored once', async () => {
  await withRoot(async (root) => {
    const store = new LayerStore(root, { durable: false });
    await store.init();
    const tar = layerTar('same', 'x'.repeat(100_000));
    const staged = await Promise.all([1, 2, 3, 4].map(() => store.stage(Readable.from([tar]))));
    const recs = await Promise.all(staged.map((s) => s.commit(null)));
    assert.equal(new Set(recs.map((r) => r.chainId)).size, 1);
    assert.equal(new Set(recs.map((r) => r.createdAt)).size, 1, 'every commit returns the first record');
    assert.equal(store.list().length, 1);
    assert.deepEqual(readdirSync(join(root, '.staging')), []);
    assert.deepEqual(readdirSync(root).sort(), ['.staging', hexOf(recs[0]!.chainId)].sort());
    await assert.rejects(staged[0]!.commit(null), { code: 'Conflict' });
  });
});

test('different layers stage concurrently', async () => {
  await withRoot(async (root) => {
    const store = new LayerStore(root, { durable: false });
    await store.init();
    const recs = await Promise.all([...Array(8).keys()].map((i) => store.register(Readable.from([layerTar(`f${i}`, `content ${i}`.repeat(5000))]), null)));
    assert.equal(new Set(recs.map((r) => r.chainId)).size, 8);
    for (const [i, r] of recs.entries()) assert.equal(readFileSync(join(store.diffPath(r.chainId), `f${i}`), 'utf8'), `content ${i}`.repeat(5000));
  });
});

test('init removes leftovers of interrupted unpacks and keeps whole layers', async () => {
  await withRoot(async (root) => {
    const store = new LayerStore(root, { durable: false });
    await store.init();
    const good = await store.register(Readable.from([layerTar('g', 'good')]), null);
    mkdirSync(join(root, '.staging', 'abc', 'diff'), { recursive: true });
    const orphan = join(root, 'f'.repeat(64));
    mkdirSync(join(orphan, 'diff'), { recursive: true });
    const corrupt = join(root, 'e'.repeat(64));
    mkdirSync(corrupt);
    writeFileSync(join(corrupt, 'layer.json'), '{"truncated');

    const fresh = new LayerStore(root);
    await fresh.init();
    assert.deepEqual(fresh.list(), [good]);
    assert.ok(!existsSync(orphan));
    assert.ok(!existsSync(corrupt));
    assert.deepEqual(readdirSync(join(root, '.staging')), []);
  });
});

test('discard and remove delete the layer data', async () => {
  await withRoot(async (root) => {
    const store = new LayerStore(root, { durable: false });
    await store.init();
    const staged = await store.stage(Readable.from([layerTar('d', 'discard me')]));
    await staged.discard();
    await assert.rejects(staged.commit(null), { code: 'Conflict' });
    assert.deepEqual(readdirSync(join(root, '.staging')), []);

    const rec = await store.register(Readable.from([layerTar('r', 'remove me')]), null);
    await store.remove(rec.chainId);
    assert.equal(store.get(rec.chainId), undefined);
    assert.throws(() => store.tarStream(rec.chainId), { code: 'NotFound' });
    assert.deepEqual(readdirSync(root), ['.staging']);
    assert.deepEqual(readdirSync(join(root, '.staging')), []);
  });
});
