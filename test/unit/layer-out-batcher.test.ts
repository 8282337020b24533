import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputBatcher } from '../../src/layer/out-batcher.js';

async function collect(out: OutputBatcher, produce: (out: OutputBatcher) => void): Promise<Buffer> {
  const parts: Buffer[] = [];
  const gen = async function* () {
    produce(out);
    yield* out.drain(true);
  };
  for await (const c of gen()) parts.push(c);
  return Buffer.concat(parts);
}

for (const syncSmallReads of [true, false]) {
  test(`output keeps queue order with ${syncSmallReads ? 'synchronous' : 'read-ahead'} small-file reads`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-batch-'));
    try {
      const files = [10, 70_000, 1, 5_000_000, 65_536, 300].map((size, i) => {
        const path = join(dir, `f${i}`);
        const data = randomBytes(size);
        writeFileSync(path, data);
        return { path, data };
      });
      const expected: Buffer[] = [];
      const got = await collect(new OutputBatcher({ syncSmallReads }), (out) => {
        for (let round = 0; round < 40; round++) {
          for (const f of files) {
            const raw = Buffer.from(`header ${round} ${f.path}\n`);
            out.raw(raw);
            out.file(f.path, f.data.length, f.path);
            expected.push(raw, f.data);
          }
        }
      });
      assert.ok(got.equals(Buffer.concat(expected)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`a file shorter than queued, or a symlink, fails the stream (${syncSmallReads ? 'sync' : 'async'})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-batch-'));
    try {
      writeFileSync(join(dir, 'short'), 'abc');
      symlinkSync('short', join(dir, 'link'));
      await assert.rejects(collect(new OutputBatcher({ syncSmallReads }), (out) => out.file(join(dir, 'short'), 10, 'short')), /shorter than expected/);
      await assert.rejects(collect(new OutputBatcher({ syncSmallReads }), (out) => out.file(join(dir, 'link'), 3, 'link')), /unreadable/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
