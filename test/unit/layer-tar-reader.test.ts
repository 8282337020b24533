import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { readTar, type TarHeader, type TarToken } from '../../src/layer/tar-reader.js';
import { encodeHeader, END_OF_ARCHIVE } from '../../src/layer/tar-writer.js';
import { cleanEntryPath } from '../../src/layer/unpack.js';

async function* chunked(buf: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

interface Parsed {
  entries: { header: TarHeader; data: Buffer }[];
  /** Every byte the tokenizer handed out, in order. */
  bytes: Buffer;
}

async function parse(source: AsyncIterable<Buffer>): Promise<Parsed> {
  const entries: Parsed['entries'] = [];
  const all: Buffer[] = [];
  let data: Buffer[] = [];
  const flush = () => {
    if (entries.length) entries[entries.length - 1]!.data = Buffer.concat(data);
    data = [];
  };
  for await (const t of readTar(source) as AsyncGenerator<TarToken>) {
    if (t.kind === 'header') {
      flush();
      entries.push({ header: t.header, data: Buffer.alloc(0) });
      all.push(t.raw);
    } else if (t.kind === 'data') {
      data.push(t.chunk);
      all.push(t.chunk);
    } else all.push(t.raw);
  }
  flush();
  return { entries, bytes: Buffer.concat(all) };
}

async function tarStreamArchive(): Promise<Buffer> {
  const p = pack();
  p.entry({ name: 'dir', type: 'directory', mode: 0o755, mtime: new Date(1_000_000_000_000) });
  p.entry({ name: 'dir/hello.txt', mode: 0o644, uid: 1000, gid: 1000, mtime: new Date(1_000_000_000_000) }, 'hello world\n');
  p.entry({ name: `${'long-directory-name/'.repeat(6)}${'f'.repeat(90)}`, mode: 0o600 }, Buffer.alloc(1000, 7));
  p.entry({ name: 'link', type: 'symlink', linkname: 'dir/hello.txt' });
  p.finalize();
  const parts: Buffer[] = [];
  for await (const c of p) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

test('tokenizer hands out every byte and the same entries whatever the chunk size', async () => {
  const tar = await tarStreamArchive();
  const whole = await parse(chunked(tar, tar.length));
  assert.deepEqual(whole.bytes, tar);
  assert.deepEqual(whole.entries.map((e) => e.header.name), [
    'dir', 'dir/hello.txt', `${'long-directory-name/'.repeat(6)}${'f'.repeat(90)}`, 'link',
  ]);
  assert.equal(whole.entries[1]!.data.toString(), 'hello world\n');
  assert.equal(whole.entries[1]!.header.uid, 1000);
  assert.equal(whole.entries[1]!.header.mtime, 1_000_000_000);
  assert.equal(whole.entries[3]!.header.type, '2');
  assert.equal(whole.entries[3]!.header.linkname, 'dir/hello.txt');
  for (const size of [1, 7, 511, 513, 4096]) {
    const p = await parse(chunked(tar, size));
    assert.deepEqual(p.bytes, tar, `chunk size ${size}`);
    assert.deepEqual(p.entries.map((e) => [e.header.name, e.data.toString('hex')]), whole.entries.map((e) => [e.header.name, e.data.toString('hex')]));
  }
});

test('pax records give path, linkpath, size, times and binary xattrs', async () => {
  const cap = Buffer.from([1, 0, 0, 2, 0x20, 0, 0, 0, 0xff, 0x80]);
  const name = `pax/${'ü'.repeat(80)}/file`;
  const tar = Buffer.concat([
    encodeHeader({ name, type: '0', mode: 0o4755, uid: 3_000_000, gid: 5, size: 3, mtime: 1234, xattrs: new Map([['security.capability', cap], ['user.a', Buffer.from('b')]]) }),
    Buffer.from('abc'), Buffer.alloc(509),
    encodeHeader({ name: 'sym', type: '2', mode: 0o777, uid: 0, gid: 0, size: 0, mtime: 0, linkname: 't'.repeat(150) }),
    END_OF_ARCHIVE,
  ]);
  const p = await parse(chunked(tar, 1));
  assert.deepEqual(p.bytes, tar);
  const [f, s] = p.entries;
  assert.equal(f!.header.name, name);
  assert.equal(f!.header.uid, 3_000_000);
  assert.equal(f!.header.mode, 0o4755);
  assert.equal(f!.data.toString(), 'abc');
  assert.deepEqual(f!.header.xattrs.get('security.capability'), cap);
  assert.deepEqual(f!.header.xattrs.get('user.a'), Buffer.from('b'));
  assert.equal(s!.header.linkname, 't'.repeat(150));
});

test('GNU long names and long link names are resolved', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-tar-'));
  try {
    const long = `${'d'.repeat(120)}/${'n'.repeat(130)}`;
    mkdirSync(join(dir, 'src', 'd'.repeat(120)), { recursive: true });
    writeFileSync(join(dir, 'src', long), 'content');
    execFileSync('ln', ['-s', long, join(dir, 'src', 'lnk')]);
    const tar = execFileSync('tar', ['--format=gnu', '-C', join(dir, 'src'), '-cf', '-', '.'], { maxBuffer: 1 << 24 });
    assert.ok(tar.includes(Buffer.from('././@LongLink')), 'GNU tar used long-name entries');
    const p = await parse(chunked(tar, 100));
    assert.deepEqual(p.bytes, tar);
    const file = p.entries.find((e) => e.header.name === `./${long}`);
    assert.ok(file);
    assert.equal(file.data.toString(), 'content');
    assert.equal(p.entries.find((e) => e.header.name === './lnk')?.header.linkname, long);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('base-256 numeric fields are read', async () => {
  const h = encodeHeader({ name: 'big', type: '0', mode: 0o644, uid: 0, gid: 0, size: 5, mtime: 0 });
  h.fill(0, 124, 136);
  h[124] = 0x80;
  h[135] = 5;
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  const p = await parse(chunked(Buffer.concat([h, Buffer.from('12345'), Buffer.alloc(507), END_OF_ARCHIVE]), 64));
  assert.equal(p.entries[0]!.header.size, 5);
  assert.equal(p.entries[0]!.data.toString(), '12345');
});

test('a truncated archive is rejected, mid-data and mid-header', async () => {
  const tar = await tarStreamArchive();
  for (const cut of [700, 1024 + 100, 2048 + 300]) {
    await assert.rejects(parse(chunked(tar.subarray(0, cut), 64)), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'InvalidParameter');
      assert.match(e.message, /truncated/);
      return true;
    });
  }
});

test('an archive that stops right after a file\'s data, before its padding, ends cleanly (as Go reads it)', async () => {
  const h = encodeHeader({ name: 'f', type: '0', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 5 });
  const p = await parse(chunked(Buffer.concat([h, Buffer.from('12345')]), 64));
  assert.equal(p.entries.length, 1);
  assert.equal(p.entries[0]!.data.toString(), '12345');
  await assert.rejects(parse(chunked(Buffer.concat([h, Buffer.from('12345'), Buffer.alloc(3)]), 64)), /truncated/);
});

test('a header with a bad checksum is rejected', async () => {
  const tar = Buffer.from(await tarStreamArchive());
  tar[512 + 3] ^= 0x01; // inside the second header's name
  await assert.rejects(parse(chunked(tar, 512)), /checksum/);
});

test('an archive without end blocks is accepted, as Go does', async () => {
  const body = Buffer.concat([encodeHeader({ name: 'x', type: '0', mode: 0o644, uid: 0, gid: 0, size: 1, mtime: 0 }), Buffer.from('x'), Buffer.alloc(511)]);
  const p = await parse(chunked(body, 1000));
  assert.equal(p.entries.length, 1);
  assert.deepEqual(p.bytes, body);
});

test('bytes after the end-of-archive blocks are kept as trailer', async () => {
  const tar = Buffer.concat([await tarStreamArchive(), Buffer.alloc(3000), Buffer.from('junk after the end')]);
  const p = await parse(chunked(tar, 333));
  assert.deepEqual(p.bytes, tar);
});

test('entry paths are cleaned lexically and escapes refused', () => {
  assert.equal(cleanEntryPath('./a//b/./c/'), 'a/b/c');
  assert.equal(cleanEntryPath('./'), '');
  assert.equal(cleanEntryPath('a/../b'), 'b');
  assert.throws(() => cleanEntryPath('../x'), /invalid tar entry "..\/x": path escapes the layer directory/);
  assert.throws(() => cleanEntryPath('a/../../x'), /escapes/);
  assert.throws(() => cleanEntryPath('/etc/passwd'), /absolute path/);
});
