// Unpacked layers work as overlay lowerdirs: whiteouts hide files, opaque dirs hide old contents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { LayerStore } from '../../src/layer/store.js';
import { encodeHeader, END_OF_ARCHIVE, type EntryHeader } from '../../src/layer/tar-writer.js';

const entry = (h: Partial<EntryHeader> & { name: string }, data = Buffer.alloc(0)): Buffer => {
  const header = encodeHeader({ type: '0', mode: 0o644, uid: 0, gid: 0, mtime: 1_600_000_000, ...h, size: data.length });
  return Buffer.concat([header, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
};

test('a merged overlay of two layers hides whited-out files and opaque dirs\' old contents', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'berth-overlay-'));
  const merged = join(tmp, 'merged');
  let mounted = false;
  try {
    const store = new LayerStore(join(tmp, 'layers'), { durable: false });
    await store.init();
    const base = await store.register(Readable.from([Buffer.concat([
      entry({ name: 'etc/', type: '5', mode: 0o755 }),
      entry({ name: 'etc/motd' }, Buffer.from('welcome')),
      entry({ name: 'etc/keep.conf' }, Buffer.from('keep')),
      entry({ name: 'data/', type: '5', mode: 0o755 }),
      entry({ name: 'data/old-1' }, Buffer.from('old')),
      entry({ name: 'data/old-dir/x' }, Buffer.from('old')),
      entry({ name: 'hello.txt' }, Buffer.from('hi')),
      entry({ name: 'bin/vi' }, Buffer.from('vi')),
      END_OF_ARCHIVE,
    ])]), null);
    const top = await store.register(Readable.from([Buffer.concat([
      entry({ name: 'etc/', type: '5', mode: 0o755 }),
      entry({ name: 'etc/.wh.motd' }),
      entry({ name: 'data/', type: '5', mode: 0o755 }),
      entry({ name: 'data/.wh..wh..opq' }),
      entry({ name: 'data/new-1' }, Buffer.from('new')),
      entry({ name: '.wh.hello.txt' }),
      entry({ name: 'bin/.wh.vi' }),
      END_OF_ARCHIVE,
    ])]), base.chainId);

    mkdirSync(merged);
    // Relative lowerdirs with cwd at the layers root, as the runtime mounts them (short option string).
    const rel = (id: string) => store.diffPath(id).slice(join(tmp, 'layers').length + 1);
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${rel(top.chainId)}:${rel(base.chainId)}`, merged], { cwd: join(tmp, 'layers') });
    mounted = true;

    assert.ok(!existsSync(join(merged, 'etc/motd')));
    assert.equal(readFileSync(join(merged, 'etc/keep.conf'), 'utf8'), 'keep');
    assert.deepEqual(readdirSync(join(merged, 'data')), ['new-1']);
    assert.ok(!existsSync(join(merged, 'hello.txt')));
    assert.deepEqual(readdirSync(join(merged, 'bin')), []);
    assert.deepEqual(readdirSync(merged).sort(), ['bin', 'data', 'etc']);
  } finally {
    if (mounted) execFileSync('umount', [merged]);
    rmSync(tmp, { recursive: true, force: true });
  }
});
