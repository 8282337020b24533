// The confinement logic under the archive API and `cp`: paths resolved inside a tree, hostile
// archives refused or kept inside it, and symlinks swapped while we work (CVE-2018-15664) never
// leading out. Every case checks a canary directory outside the tree stays untouched.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeHeader, END_OF_ARCHIVE, type EntryHeader } from '../../src/layer/tar-writer.js';
import { readTar } from '../../src/layer/tar-reader.js';
import { FsError, FsTree } from '../../src/container/archive-fs.js';
import { extractTar, type ExtractOptions } from '../../src/container/archive-extract.js';
import { tarTree } from '../../src/container/archive-tar.js';

const root = process.getuid?.() === 0;
const entry = (h: Partial<EntryHeader> & { name: string }, data = Buffer.alloc(0)): Buffer =>
  Buffer.concat([encodeHeader({ type: '0', mode: 0o644, uid: 0, gid: 0, mtime: 1_600_000_000, ...h, size: data.length }), data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
const tar = (...entries: Buffer[]) => Buffer.concat([...entries, END_OF_ARCHIVE]);

let tmp: string;
let rootfs: string;
let canary: string;

const listCanary = () => readdirSync(canary).sort();
const extract = (bytes: Buffer, tree: FsTree, opts: Partial<ExtractOptions> = {}) =>
  extractTar((async function* () { yield bytes; })(), tree, { dest: '/dest', owner: 'archive', devices: 'create', ...opts });

async function withTree<T>(confinement: 'chroot' | 'beneath', fn: (t: FsTree) => Promise<T>, at = rootfs): Promise<T> {
  const t = new FsTree(at, confinement);
  try {
    return await fn(t);
  } finally {
    t.close();
  }
}

async function tarBytes(t: FsTree, path: string, name: string): Promise<Buffer> {
  const d = t.openDir(path);
  const chunks: Buffer[] = [];
  for await (const c of tarTree(t, { dir: d }, { name }, () => t.closeDir(d))) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'berth-hostile-'));
  canary = join(tmp, 'canary');
  mkdirSync(canary);
  writeFileSync(join(canary, 'secret'), 'host secret\n');
});
after(() => rmSync(tmp, { recursive: true, force: true }));
beforeEach(() => {
  rootfs = mkdtempSync(join(tmp, 'root-'));
  mkdirSync(join(rootfs, 'dest'));
  mkdirSync(join(rootfs, 'etc'));
  writeFileSync(join(rootfs, 'etc/passwd'), 'container passwd\n');
});

describe('resolving paths in a tree', () => {
  it('follows symlinks inside the root the way a chroot does', async () => {
    symlinkSync('/etc', join(rootfs, 'abs'));
    symlinkSync('../../../../../etc', join(rootfs, 'rel'));
    symlinkSync(canary, join(rootfs, 'host'));
    await withTree('chroot', async (t) => {
      for (const p of ['/abs', '/rel', 'abs/', '/dest/../rel/.']) {
        const d = t.openDir(p);
        assert.equal(d.path, '/etc', p);
        assert.deepEqual(t.readdir(d), ['passwd']);
        t.closeDir(d);
      }
      // The host path as a target means the same path inside the root, which does not exist.
      assert.throws(() => t.openDir('/host'), (e: FsError) => e.code === 'ENOENT');
    });
  });

  it('refuses anything leading out of a `beneath` tree', async () => {
    symlinkSync('/etc', join(rootfs, 'abs'));
    symlinkSync('../..', join(rootfs, 'dest/up'));
    symlinkSync('../etc', join(rootfs, 'dest/in'));
    await withTree('beneath', async (t) => {
      assert.throws(() => t.openDir('/abs'), (e: FsError) => e.code === 'EXDEV');
      assert.throws(() => t.openDir('/dest/up'), (e: FsError) => e.code === 'EXDEV');
      const d = t.openDir('/dest/in');
      assert.equal(d.path, '/etc');
      t.closeDir(d);
    });
  });

  it('tells a last component that is not a directory from a middle one', async () => {
    await withTree('chroot', async (t) => {
      assert.throws(() => t.openDir('/etc/passwd'), (e: FsError) => e.code === 'ENOTDIR' && e.last);
      assert.throws(() => t.openDir('/etc/passwd/x'), (e: FsError) => e.code === 'ENOTDIR' && !e.last);
    });
  });

  it('stops at a symlink loop', async () => {
    symlinkSync('loop', join(rootfs, 'loop'));
    await withTree('chroot', async (t) => assert.throws(() => t.openDir('/loop'), (e: FsError) => e.code === 'ELOOP'));
  });
});

describe('extracting hostile archives into a container (chroot confinement)', { skip: !root && 'needs root (chown, mknod)' }, () => {
  it('keeps absolute names inside the destination', async () => {
    await withTree('chroot', (t) => extract(tar(entry({ name: '/abs-file' }, Buffer.from('a'))), t));
    assert.equal(readFileSync(join(rootfs, 'dest/abs-file'), 'utf8'), 'a');
  });

  it('refuses names climbing out of the destination, with Docker\'s text', async () => {
    for (const name of ['../evil', 'a/../../evil', '..']) {
      await withTree('chroot', (t) => assert.rejects(extract(tar(entry({ name }, Buffer.from('x'))), t), /is outside of "\/dest"/));
    }
    assert.ok(!existsSync(join(rootfs, 'evil')));
  });

  it('writes through a symlink from the archive only inside the container', async () => {
    const bytes = tar(
      entry({ name: 'esc', type: '2', linkname: '/' }), entry({ name: 'esc/evil' }, Buffer.from('1')),
      entry({ name: 'host', type: '2', linkname: canary }), entry({ name: 'host/evil' }, Buffer.from('2')),
    );
    await withTree('chroot', (t) => extract(bytes, t));
    assert.equal(readFileSync(join(rootfs, 'evil'), 'utf8'), '1');
    assert.equal(readFileSync(join(rootfs, canary, 'evil'), 'utf8'), '2');
    assert.deepEqual(listCanary(), ['secret']);
  });

  it('refuses relative symlinks and hard links pointing out of the destination', async () => {
    await withTree('chroot', (t) => assert.rejects(extract(tar(entry({ name: 'up', type: '2', linkname: '../../..' })), t), /invalid symlink "\/dest\/up" -> "\.\.\/\.\.\/\.\."/));
    await withTree('chroot', (t) => assert.rejects(extract(tar(entry({ name: 'h', type: '1', linkname: '../etc/passwd' })), t), /invalid hardlink "\/etc\/passwd" -> "\.\.\/etc\/passwd"/));
    // An absolute target is taken below the destination, as Untar joins it.
    await withTree('chroot', (t) => assert.rejects(extract(tar(entry({ name: 'h', type: '1', linkname: '/etc/passwd' })), t), /link \/dest\/etc\/passwd \/dest\/h: no such file or directory/));
  });

  it('hard links a symlink itself, never what it points to', async () => {
    symlinkSync(join(canary, 'secret'), join(rootfs, 'dest/target'));
    await withTree('chroot', (t) => extract(tar(entry({ name: 'h', type: '1', linkname: 'target' })), t));
    assert.ok(lstatSync(join(rootfs, 'dest/h')).isSymbolicLink());
    assert.equal(statSync(join(canary, 'secret')).nlink, 1);
  });

  it('replaces an existing symlink instead of writing through it', async () => {
    symlinkSync(join(canary, 'secret'), join(rootfs, 'dest/f'));
    symlinkSync(canary, join(rootfs, 'dest/d'));
    await withTree('chroot', (t) => extract(tar(entry({ name: 'f' }, Buffer.from('new')), entry({ name: 'd/x' }, Buffer.from('x'))), t));
    assert.equal(readFileSync(join(rootfs, 'dest/f'), 'utf8'), 'new');
    assert.equal(readFileSync(join(canary, 'secret'), 'utf8'), 'host secret\n');
    // `d` is a symlink in the container: it leads to the same path inside the root.
    assert.equal(readFileSync(join(rootfs, canary, 'x'), 'utf8'), 'x');
    assert.deepEqual(listCanary(), ['secret']);
  });

  it('creates device nodes in a container, refuses to replace a directory with noOverwriteDirNonDir', async () => {
    await withTree('chroot', (t) => extract(tar(entry({ name: 'null', type: '3', mode: 0o666, devmajor: 1, devminor: 3 })), t));
    assert.ok(lstatSync(join(rootfs, 'dest/null')).isCharacterDevice());
    mkdirSync(join(rootfs, 'dest/dir'));
    await withTree('chroot', (t) => assert.rejects(extract(tar(entry({ name: 'dir' })), t, { noOverwriteDirNonDir: true }),
      /cannot overwrite directory "\/dest\/dir" with non-directory "\/dest"/));
    await withTree('chroot', (t) => assert.rejects(extract(tar(entry({ name: 'null', type: '5', mode: 0o755 })), t, { noOverwriteDirNonDir: true }),
      /cannot overwrite non-directory "\/dest\/null" with directory "\/dest"/));
  });

  it('applies ownership, modes and times from the archive, or the identity given', async () => {
    const bytes = tar(entry({ name: 'd', type: '5', mode: 0o750, uid: 12, gid: 34 }), entry({ name: 'd/f', mode: 0o4755, uid: 56, gid: 78 }, Buffer.from('f')));
    await withTree('chroot', (t) => extract(bytes, t));
    const d = statSync(join(rootfs, 'dest/d'));
    const f = statSync(join(rootfs, 'dest/d/f'));
    assert.deepEqual([d.mode & 0o7777, d.uid, d.gid, d.mtimeMs], [0o750, 12, 34, 1_600_000_000_000]);
    assert.deepEqual([f.mode & 0o7777, f.uid, f.gid], [0o4755, 56, 78]);
    await withTree('chroot', (t) => extract(bytes, t, { owner: { uid: 1, gid: 2 } }));
    assert.deepEqual([statSync(join(rootfs, 'dest/d/f')).uid, statSync(join(rootfs, 'dest/d/f')).gid], [1, 2]);
  });
});

describe('extracting into a local directory (beneath confinement)', { skip: !root && 'needs root' }, () => {
  it('refuses to write through a symlink leading out, and skips device nodes', async () => {
    const skipped: string[] = [];
    const bytes = tar(entry({ name: 'esc', type: '2', linkname: canary }), entry({ name: 'esc/evil' }, Buffer.from('x')));
    await withTree('beneath', (t) => assert.rejects(extract(bytes, t, { dest: '/', owner: 'none', devices: 'skip' }), /leads outside of the destination/), join(rootfs, 'dest'));
    await withTree('beneath', (t) => extract(tar(entry({ name: 'sda', type: '4', mode: 0o666, devmajor: 8, devminor: 0 })), t,
      { dest: '/', owner: 'none', devices: 'skip', skipped: (n) => skipped.push(n) }), join(rootfs, 'dest'));
    assert.deepEqual(skipped, ['sda']);
    assert.ok(!existsSync(join(rootfs, 'dest/sda')));
    assert.deepEqual(listCanary(), ['secret']);
  });

  it('never chowns on the client side', async () => {
    await withTree('beneath', (t) => extract(tar(entry({ name: 'f', uid: 4242, gid: 4242 }, Buffer.from('f'))), t, { dest: '/', owner: 'none', devices: 'skip' }), join(rootfs, 'dest'));
    assert.equal(statSync(join(rootfs, 'dest/f')).uid, process.getuid!());
  });
});

describe('archiving a tree', () => {
  it('archives a symlink as a symlink, never the host file it names', async () => {
    symlinkSync('/etc/passwd', join(rootfs, 'dest/pw'));
    symlinkSync(join(canary, 'secret'), join(rootfs, 'dest/s'));
    const bytes = await withTree('chroot', (t) => tarBytes(t, '/dest', 'dest'));
    const names: string[] = [];
    for await (const tk of readTar((async function* () { yield bytes; })())) if (tk.kind === 'header') names.push(`${tk.header.name}${tk.header.linkname ? ` -> ${tk.header.linkname}` : ''}`);
    assert.deepEqual(names, ['dest/', 'dest/pw -> /etc/passwd', `dest/s -> ${join(canary, 'secret')}`]);
    assert.ok(!bytes.includes('host secret'));
  });

  it('names entries as moby does for dir, dir/ and dir/.', async () => {
    mkdirSync(join(rootfs, 'dest/sub'));
    writeFileSync(join(rootfs, 'dest/sub/f'), 'f');
    linkSync(join(rootfs, 'dest/sub/f'), join(rootfs, 'dest/hl'));
    const list = async (name: string) => {
      const bytes = await withTree('chroot', (t) => tarBytes(t, '/dest', name));
      const out: string[] = [];
      for await (const tk of readTar((async function* () { yield bytes; })())) if (tk.kind === 'header') out.push(tk.header.type === '1' ? `${tk.header.name} => ${tk.header.linkname}` : tk.header.name);
      return out;
    };
    assert.deepEqual(await list('dest'), ['dest/', 'dest/hl', 'dest/sub/', 'dest/sub/f => dest/hl']);
    assert.deepEqual(await list('.'), ['./', './hl', './sub/', './sub/f => ./hl']);
    assert.deepEqual(await list('/'), ['/', '/hl', '/sub/', '/sub/f => /hl']);
    assert.deepEqual(await list(''), ['hl', 'sub/', 'sub/f => hl']);
  });
});

/** A process flipping `<dir>/flip` between a directory and a symlink to `target`, until killed. */
function flipper(dir: string, target: string) {
  return spawn('sh', ['-c', `cd "${dir}" && while :; do rm -rf flip; mkdir flip; rm -rf flip; ln -s "${target}" flip; done`], { stdio: 'ignore' });
}

describe('a symlink swapped while we work (CVE-2018-15664)', { skip: !root && 'needs root' }, () => {
  it('is a real race: a path-based writer lands outside (control)', async () => {
    const control = join(tmp, 'control');
    mkdirSync(control, { recursive: true });
    const p = flipper(join(rootfs, 'dest'), control);
    try {
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && readdirSync(control).length === 0) {
        try { writeFileSync(join(rootfs, 'dest/flip/evil'), 'x'); } catch { /* lost the race this time */ }
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      p.kill('SIGKILL');
    }
    assert.deepEqual(readdirSync(control), ['evil']);
  });

  it('never writes outside the tree, extracting in a loop against the swap', async () => {
    const p = flipper(join(rootfs, 'dest'), canary);
    try {
      const bytes = tar(entry({ name: 'flip/evil' }, Buffer.from('evil')), entry({ name: 'flip/sub/evil2' }, Buffer.from('evil')));
      const deadline = Date.now() + 1500;
      let runs = 0;
      while (Date.now() < deadline) {
        runs++;
        await withTree('chroot', (t) => extract(bytes, t)).catch(() => {});
        await withTree('beneath', (t) => extract(bytes, t, { dest: '/', owner: 'none', devices: 'skip' }), join(rootfs, 'dest')).catch(() => {});
      }
      assert.ok(runs > 10);
    } finally {
      p.kill('SIGKILL');
    }
    assert.deepEqual(listCanary(), ['secret']);
  });

  it('never reads outside the tree, archiving in a loop against the swap', async () => {
    const p = flipper(join(rootfs, 'dest'), canary);
    try {
      const deadline = Date.now() + 1500;
      while (Date.now() < deadline) {
        const bytes = await withTree('chroot', (t) => tarBytes(t, '/dest', 'dest')).catch(() => Buffer.alloc(0));
        assert.ok(!bytes.includes('host secret'), 'host file content in the archive');
      }
    } finally {
      p.kill('SIGKILL');
    }
  });
});
