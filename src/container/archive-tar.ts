// Tar archives of a part of an FsTree: what `GET /containers/{id}/archive`, export, commit and
// `berth cp` (host side) send. Entries come in Go's filepath.Walk order, named as moby's
// TarWithOptions names them; every file is opened through its directory's descriptor and its
// header written from the opened file's own stat, so a swap during the walk can neither pull in a
// file from outside the tree nor make the archive inconsistent.
import { closeSync, read, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { readXattrs, splitDev, OPAQUE_XATTR, OVERLAY_XATTR_PREFIX, getXattr } from '../layer/fsutil.js';
import { padding, readTar } from '../layer/tar-reader.js';
import { END_OF_ARCHIVE, encodeHeader, type EntryHeader } from '../layer/tar-writer.js';
import { OPAQUE_WHITEOUT, WHITEOUT_PREFIX } from '../layer/unpack.js';
import { errnoOf, isWhiteout, type FsDir, type FsTree, type Stats } from './archive-fs.js';
import { rebaseEntryName } from './archive-paths.js';

export interface TarTreeOptions {
  /**
   * The archive name of the top entry ('d', '.', 'f', or '/' for a whole rootfs); '' leaves the top
   * directory out and names its children from the top level, as `docker export` does.
   */
  name: string;
  /** An overlay upper dir: whiteouts become `.wh.` entries and opaque dirs a `.wh..wh..opq` entry. */
  layer?: boolean;
  /** Leaves out an entry (given by its tree path) and everything below it. */
  skip?: (treePath: string, st: Stats, dir: FsDir, name: string) => boolean;
}

/** The top of an archive: a named entry of a directory, or a directory itself. */
export type TarTop = { parent: FsDir; name: string } | { dir: FsDir };

const CHUNK = 1 << 20;
/** What opening a listed entry fails with when a racing process replaced it. */
const RACED = new Set(['ENOENT', 'ELOOP', 'ENOTDIR']);
const SMALL_FILE = 1 << 20;

/** The archive as a stream; `done` runs once it has ended or was abandoned. */
export function tarTree(tree: FsTree, top: TarTop, opts: TarTreeOptions, done?: () => void): Readable {
  const gen = entries(tree, top, opts);
  const stream = Readable.from(gen, { objectMode: false, highWaterMark: CHUNK });
  let finished = false;
  const finish = () => { if (!finished) { finished = true; done?.(); } };
  stream.once('close', finish);
  stream.once('end', finish);
  return stream;
}

const childName = (parent: string, c: string): string => (parent === '' ? c : parent.endsWith('/') ? parent + c : `${parent}/${c}`);
const dirName = (n: string): string => (n.endsWith('/') ? n : `${n}/`);
const seconds = (st: Stats): number => Number(st.mtimeNs / 1_000_000_000n) - (st.mtimeNs < 0n && st.mtimeNs % 1_000_000_000n !== 0n ? 1 : 0);

/** Gathers small pieces into large chunks. */
class Chunks {
  private parts: Buffer[] = [];
  private size = 0;
  push(b: Buffer): void {
    if (b.length === 0) return;
    this.parts.push(b);
    this.size += b.length;
  }
  get full(): boolean {
    return this.size >= CHUNK;
  }
  take(): Buffer {
    const b = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    return b;
  }
  get empty(): boolean {
    return this.size === 0;
  }
}

async function* entries(tree: FsTree, top: TarTop, opts: TarTreeOptions): AsyncGenerator<Buffer> {
  const out = new Chunks();
  const links = new Map<string, string>();

  function exportable(path: string | undefined): Map<string, Buffer> | undefined {
    if (!path) return undefined;
    const all = readXattrs(path);
    for (const n of all.keys()) if (n.startsWith(OVERLAY_XATTR_PREFIX)) all.delete(n);
    return all.size ? all : undefined;
  }

  const header = (name: string, st: Stats, h: Partial<EntryHeader> & { type: string }, xattrPath: string | undefined): Buffer =>
    encodeHeader({
      name, mode: Number(st.mode) & 0o7777, uid: Number(st.uid), gid: Number(st.gid), mtime: seconds(st), size: 0,
      xattrs: exportable(xattrPath), ...h,
    });

  /** One entry and, for a directory, everything below it. `dir`: the entry itself when it is a directory. */
  async function* visit(parent: FsDir | undefined, base: string, name: string, st: Stats, dir: FsDir | undefined): AsyncGenerator<Buffer> {
    const xattrPath = parent ? parent.at(base) : undefined;
    if (opts.layer && isWhiteout(st)) {
      const slash = name.lastIndexOf('/');
      out.push(encodeHeader({ name: `${name.slice(0, slash + 1)}${WHITEOUT_PREFIX}${name.slice(slash + 1)}`, type: '0', mode: 0o600, uid: Number(st.uid), gid: Number(st.gid), mtime: seconds(st), size: 0 }));
      return;
    }
    if (st.isDirectory()) {
      let d: FsDir;
      try {
        d = dir ?? tree.openChildDir(parent!, base);
      } catch (e) {
        if (RACED.has(errnoOf(e) ?? '')) return; // replaced by something else since it was listed
        throw e;
      }
      try {
        if (name !== '') out.push(header(dirName(name), st, { type: '5' }, xattrPath));
        if (opts.layer && xattrPath && getXattr(xattrPath, OPAQUE_XATTR)?.toString() === 'y') {
          out.push(encodeHeader({ name: childName(name, OPAQUE_WHITEOUT), type: '0', mode: Number(st.mode) & 0o777, uid: Number(st.uid), gid: Number(st.gid), mtime: seconds(st), size: 0 }));
        }
        for (const c of tree.readdir(d).sort()) {
          if (out.full) yield out.take();
          const cst = tree.lstat(d, c);
          if (!cst) continue; // gone meanwhile
          if (opts.skip?.(d.child(c), cst, d, c)) continue;
          yield* visit(d, c, childName(name, c), cst, undefined);
        }
      } finally {
        if (!dir) tree.closeDir(d);
      }
      return;
    }
    if (st.nlink > 1n) {
      const key = `${st.dev}:${st.ino}`;
      const first = links.get(key);
      if (first !== undefined) {
        out.push(header(name, st, { type: '1', linkname: first }, xattrPath));
        return;
      }
      links.set(key, name);
    }
    if (st.isFile()) {
      yield* file(parent!, base, name, xattrPath);
    } else if (st.isSymbolicLink()) {
      let target: string;
      try {
        target = tree.readlink(parent!, base);
      } catch {
        return; // replaced meanwhile
      }
      out.push(header(name, st, { type: '2', linkname: target }, xattrPath));
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      const { major, minor } = splitDev(Number(st.rdev));
      out.push(header(name, st, { type: st.isCharacterDevice() ? '3' : '4', devmajor: major, devminor: minor }, xattrPath));
    } else if (st.isFIFO()) {
      out.push(header(name, st, { type: '6' }, xattrPath));
    }
    // Sockets cannot be archived; Go's tar skips them too.
  }

  async function* file(parent: FsDir, base: string, name: string, xattrPath: string | undefined): AsyncGenerator<Buffer> {
    const opened = tree.openFileForRead(parent, base);
    if (!opened) return; // not a regular file any more
    const { fd, st } = opened;
    try {
      const size = Number(st.size);
      out.push(header(name, st, { type: '0', size }, xattrPath));
      if (size <= SMALL_FILE) {
        const buf = Buffer.alloc(size);
        for (let got = 0; got < size; ) {
          const n = readSync(fd, buf, got, size - got, got);
          if (n === 0) break; // shrank while read: the rest stays zero, the archive stays whole
          got += n;
        }
        out.push(buf);
      } else {
        for (let at = 0; at < size; ) {
          if (!out.empty) yield out.take();
          const chunk = Buffer.alloc(Math.min(CHUNK, size - at));
          let got = 0;
          while (got < chunk.length) {
            const n = await readAsync(fd, chunk, got, chunk.length - got, at + got);
            if (n === 0) break;
            got += n;
          }
          at += chunk.length;
          yield chunk;
        }
      }
      out.push(Buffer.alloc(padding(size)));
    } finally {
      closeSync(fd);
    }
  }

  if ('dir' in top) {
    yield* visit(undefined, '', opts.name, tree.statDir(top.dir), top.dir);
  } else {
    const st = tree.lstat(top.parent, top.name);
    if (st && !opts.skip?.(top.parent.child(top.name), st, top.parent, top.name)) yield* visit(top.parent, top.name, opts.name, st, undefined);
  }
  out.push(END_OF_ARCHIVE);
  yield out.take();
}

function readAsync(fd: number, buf: Buffer, off: number, len: number, pos: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buf, off, len, pos, (e, n) => (e ? reject(e) : resolve(n))));
}

/**
 * pkg/archive RebaseArchiveEntries: renames the first occurrence of `from` in every entry name
 * (and hard link target) to `to`, re-encoding headers and passing data through.
 */
export async function* rebaseArchive(input: AsyncIterable<Buffer>, from: string, to: string): AsyncGenerator<Buffer> {
  for await (const t of readTar(input)) {
    if (t.kind === 'header') {
      const h = t.header;
      yield encodeHeader({
        name: rebaseEntryName(h.name, from, to), type: h.type, mode: h.mode, uid: h.uid, gid: h.gid, size: t.dataSize,
        mtime: Math.floor(h.mtime), linkname: h.type === '1' ? rebaseEntryName(h.linkname, from, to) : h.linkname,
        devmajor: h.devmajor, devminor: h.devminor, xattrs: h.xattrs.size ? h.xattrs : undefined,
      });
    } else if (t.kind === 'data' || t.kind === 'padding') {
      yield t.kind === 'data' ? t.chunk : t.raw;
    }
  }
  yield END_OF_ARCHIVE;
}
