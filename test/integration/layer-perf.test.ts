// Throughput report (printed, never asserted): stage, replay and pack of big and many-file layers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, openSync, closeSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packDirectory } from '../../src/layer/pack.js';
import { LayerStore } from '../../src/layer/store.js';
import { encodeHeader, END_OF_ARCHIVE } from '../../src/layer/tar-writer.js';

function writeTar(path: string, files: { name: string; size: number }[]): void {
  const fd = openSync(path, 'w');
  try {
    for (const f of files) {
      writeSync(fd, encodeHeader({ name: f.name, type: '0', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: f.size }));
      for (let left = f.size; left > 0; ) {
        const n = Math.min(left, 8 << 20);
        writeSync(fd, randomBytes(n));
        left -= n;
      }
      writeSync(fd, Buffer.alloc((512 - (f.size % 512)) % 512));
    }
    writeSync(fd, END_OF_ARCHIVE);
  } finally {
    closeSync(fd);
  }
}

async function measure(store: LayerStore, tarPath: string, label: string): Promise<void> {
  const size = statSync(tarPath).size;
  const t0 = performance.now();
  const staged = await store.stage(createReadStream(tarPath, { highWaterMark: 1 << 20 }));
  const t1 = performance.now();
  const rec = await staged.commit(null);
  const t2 = performance.now();
  let n = 0;
  for await (const c of store.tarStream(rec.chainId)) n += (c as Buffer).length;
  const t3 = performance.now();
  assert.equal(n, size);
  let packed = 0;
  for await (const c of packDirectory(store.diffPath(rec.chainId))) packed += (c as Buffer).length;
  const t4 = performance.now();
  const mbps = (bytes: number, ms: number) => `${(bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s (${ms.toFixed(0)} ms)`;
  console.log(`# ${label}: ${(size / 1e6).toFixed(0)} MB — stage ${mbps(size, t1 - t0)}, commit ${(t2 - t1).toFixed(0)} ms, ` +
    `replay ${mbps(size, t3 - t2)}, packDirectory ${mbps(packed, t4 - t3)}`);
  await store.remove(rec.chainId);
}

test('throughput: 3 × 64 MB random files and 20,000 small files (printed)', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'berth-perf-'));
  try {
    const big = join(tmp, 'big.tar');
    writeTar(big, [1, 2, 3].map((i) => ({ name: `blob${i}`, size: 64 << 20 })));
    const small = join(tmp, 'small.tar');
    writeTar(small, [...Array(20_000).keys()].map((i) => ({ name: `d${i % 100}/f${i}`, size: 1000 })));
    for (const durable of [false, true]) {
      const store = new LayerStore(join(tmp, `layers-${durable}`), { durable });
      await store.init();
      for (let run = 1; run <= 2; run++) await measure(store, big, `3×64MB run ${run}${durable ? ', durable' : ''}`);
      await measure(store, small, `20k×1KB files${durable ? ', durable' : ''}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
