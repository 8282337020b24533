// Extracting a tar into an existing directory of an FsTree, with the semantics of moby's
// archive.Untar (what `docker cp` and `PUT /containers/{id}/archive` do): entries merge into
// what is there, an existing entry is replaced unless both are directories, `..` leaving the
// destination and links pointing out of it are refused with Docker's texts, directory times are
// set last. Unlike Untar, nothing relies on the path staying as it was: every parent is resolved
// through descriptors within the tree's confinement, every final component is created or opened
// without following a symlink, and ownership and modes are applied through the opened file.
import {
  chmodSync, closeSync, constants as fsc, fchmodSync, fchownSync, fstatSync, futimesSync, lchownSync,
  linkSync, lutimesSync, mkdirSync, openSync, rmdirSync, symlinkSync, unlinkSync, utimesSync,
} from 'node:fs';
import { isBerthError, systemError } from '../common/errors.js';
import { FileSink } from '../layer/file-sink.js';
import { mknod, OVERLAY_XATTR_PREFIX, setTarXattr } from '../layer/fsutil.js';
import { readTar, type TarHeader } from '../layer/tar-reader.js';
import { errnoOf, FsError, O_PATH, type FsDir, type FsTree } from './archive-fs.js';
import { goBase, goClean, goDir, goJoin } from './archive-paths.js';

export interface ExtractOptions {
  /** Tree path of the directory to extract into; it exists and is a directory. */
  dest: string;
  /** Refuse to replace a directory by a non-directory or the reverse (Docker's noOverwriteDirNonDir). */
  noOverwriteDirNonDir?: boolean;
  /**
   * Ownership: 'archive' applies the ids in the archive (the daemon's default), an identity
   * applies that one to every entry (copyUIDGID with a container user), 'none' leaves files to
   * the extracting user (the client side's NoLchown).
   */
  owner: 'archive' | 'none' | { uid: number; gid: number };
  /** Device nodes: created inside a container, skipped on the host. */
  devices: 'create' | 'skip';
  /** An entry that was left out, and why. */
  skipped?: (name: string, why: string) => void;
  /** How error messages show a tree path (the host path of a local destination). */
  showPath?: (treePath: string) => string;
}

const HEADER_TYPES = new Set(['0', '7', '1', '2', '3', '4', '5', '6']);
const within = (p: string, dir: string): boolean => p === dir || dir === '/' || p.startsWith(`${dir}/`);

/**
 * Whether `link`, joined (as Go's filepath.Join does, an absolute one too) to `base` — a path
 * relative to the destination — climbs out of the destination.
 */
export function linkEscapes(base: string, link: string): boolean {
  const SENTINEL = '/\0dest';
  const c = goClean(`${SENTINEL}/${base}/${link}`);
  return !(c === SENTINEL || c.startsWith(`${SENTINEL}/`));
}

/** `path` relative to `dir` (which holds it). */
const relTo = (path: string, dir: string): string => (path === dir ? '' : path.slice(dir === '/' ? 1 : dir.length + 1));
const quote = (s: string): string => JSON.stringify(s);

/** Untar's refusals and failures: plain errors with Docker's text (500 through the API). */
const failure = (msg: string, cause?: unknown) => systemError(msg, cause);

export async function extractTar(input: AsyncIterable<Buffer>, tree: FsTree, opts: ExtractOptions): Promise<void> {
  const x = new Extraction(tree, opts);
  try {
    for await (const t of readTar(input)) {
      if (t.kind === 'header') await x.begin(t.header, t.dataSize);
      else if (t.kind === 'data') await x.data(t.chunk);
      if (t.kind === 'data' || t.kind === 'header') await x.maybeEnd();
    }
    x.finishDirs();
  } finally {
    await x.close();
  }
}

interface PendingFile { sink: FileSink; header: TarHeader; dir: FsDir; base: string; remaining: number }

class Extraction {
  private file?: PendingFile;
  private readonly dirs: Array<{ path: string; atime: number; mtime: number }> = [];
  /**
   * The last parent directory opened, reused by the next entry in the same directory: entries
   * only change children of their parent, so the parent itself stays what the path names.
   */
  private cached?: { path: string; dir: FsDir };

  constructor(private readonly tree: FsTree, private readonly opts: ExtractOptions) {}

  private show(p: string): string {
    return this.opts.showPath ? this.opts.showPath(p) : p;
  }

  async close(): Promise<void> {
    if (this.file) {
      await this.file.sink.abort().catch(() => {});
      this.file = undefined;
    }
    this.dropCache();
  }

  private dropCache(): void {
    if (this.cached) this.tree.closeDir(this.cached.dir);
    this.cached = undefined;
  }

  /** The parent directory of an entry, created (0755) where missing, resolved within the tree. */
  private parentOf(path: string): FsDir {
    const parent = goDir(path);
    if (this.cached?.path === parent) return this.cached.dir;
    this.dropCache();
    const owner = this.opts.owner === 'none' ? undefined : { uid: 0, gid: 0 };
    const dir = this.tree.openDir(parent, {
      mkdir: (d, name) => {
        try {
          mkdirSync(d.at(name), 0o755);
          if (owner) lchownSync(d.at(name), owner.uid, owner.gid);
        } catch (e) {
          if (errnoOf(e) !== 'EEXIST') throw e;
        }
      },
    });
    this.cached = { path: parent, dir };
    return dir;
  }

  async begin(h: TarHeader, dataSize: number): Promise<void> {
    try {
      await this.entry(h, dataSize);
    } catch (e) {
      throw this.goError(e, goJoin(this.opts.dest, goClean(h.name)));
    }
  }

  /** A Node errno error as Go prints it (`lchown /x: operation not permitted`). */
  private goError(e: unknown, path: string): unknown {
    if (e instanceof FsError || isBerthError(e) || !(e instanceof Error) || !errnoOf(e)) return e;
    const syscall = (e as NodeJS.ErrnoException).syscall ?? 'open';
    return new FsError(errnoOf(e)!, syscall, this.show(path));
  }

  private async entry(h: TarHeader, dataSize: number): Promise<void> {
    const { dest } = this.opts;
    if (!HEADER_TYPES.has(h.type)) throw failure(`unhandled tar header type ${h.type.charCodeAt(0)}`);
    const name = goClean(h.name);
    const path = goJoin(dest, name);
    if (!within(path, dest) || name === '..' || name.startsWith('../')) throw failure(`${quote(name)} is outside of ${quote(this.show(dest))}`);

    if (path === dest) {
      // The destination itself (`./` in an archive of `dir/.`): nothing to create.
      if (h.type === '5') return;
      throw failure(`cannot overwrite directory ${quote(this.show(path))} with non-directory ${quote(this.show(dest))}`);
    }
    if ((h.type === '3' || h.type === '4') && this.opts.devices === 'skip') {
      this.opts.skipped?.(name, 'device nodes are only created inside containers');
      return;
    }
    const dir = this.parentOf(path);
    const base = goBase(path);
    const existing = this.tree.lstat(dir, base);
    const isDir = h.type === '5';
    if (existing) {
      if (this.opts.noOverwriteDirNonDir && existing.isDirectory() && !isDir) {
        throw failure(`cannot overwrite directory ${quote(this.show(path))} with non-directory ${quote(this.show(dest))}`);
      }
      if (this.opts.noOverwriteDirNonDir && !existing.isDirectory() && isDir) {
        throw failure(`cannot overwrite non-directory ${quote(this.show(path))} with directory ${quote(this.show(dest))}`);
      }
      if (!(existing.isDirectory() && isDir)) {
        if (this.tree.mountAt(path)) throw new FsError('EBUSY', 'unlinkat', this.show(path));
        this.removeAll(dir, base);
      }
    }

    switch (h.type) {
      case '5':
        this.directory(dir, base, path, h, Boolean(existing));
        return;
      case '0':
      case '7': {
        let fd: number;
        try {
          fd = openSync(dir.at(base), fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
        } catch (e) {
          throw new FsError(errnoOf(e) ?? 'EIO', 'open', this.show(path));
        }
        this.file = { sink: new FileSink(fd, path, h), header: h, dir, base, remaining: dataSize };
        return;
      }
      case '1':
        this.hardlink(dir, base, path, h);
        return;
      case '2':
        this.symlink(dir, base, path, h);
        return;
      default:
        await this.node(dir, base, path, h);
    }
  }

  async data(chunk: Buffer): Promise<void> {
    if (!this.file) return;
    this.file.remaining -= chunk.length;
    await this.file.sink.write(chunk);
  }

  /** Completes a regular file once all its data is written. */
  async maybeEnd(): Promise<void> {
    const f = this.file;
    if (!f || f.remaining > 0) return;
    this.file = undefined;
    try {
      await this.completeFile(f);
    } catch (e) {
      throw this.goError(e, f.sink.path);
    }
  }

  private async completeFile(f: PendingFile): Promise<void> {
    try {
      await f.sink.flush();
      const h = f.header;
      const fd = f.sink.fd;
      // chown clears setuid/setgid, so it goes first; then xattrs, mode and times, as Untar.
      const owner = this.ownerOf(h);
      if (owner) fchownSync(fd, owner.uid, owner.gid);
      this.xattrs(f.dir, f.base, h);
      fchmodSync(fd, h.mode & 0o7777);
      const [atime, mtime] = times(h);
      futimesSync(fd, atime, mtime);
    } finally {
      closeSync(f.sink.fd);
    }
  }

  finishDirs(): void {
    this.dropCache();
    // Directory times last: extracting into a directory changes its mtime.
    for (const d of this.dirs) {
      let dir: FsDir;
      try {
        dir = this.tree.openDir(d.path);
      } catch {
        continue; // replaced by a later entry
      }
      try {
        utimesSync(`/proc/self/fd/${dir.fd}`, d.atime, d.mtime);
      } finally {
        this.tree.closeDir(dir);
      }
    }
  }

  private ownerOf(h: TarHeader): { uid: number; gid: number } | undefined {
    const o = this.opts.owner;
    return o === 'none' ? undefined : o === 'archive' ? { uid: h.uid, gid: h.gid } : o;
  }

  private xattrs(dir: FsDir, base: string, h: TarHeader): void {
    // Overlay's own attributes from an archive would forge opaque dirs or redirects.
    for (const [n, v] of h.xattrs) if (!n.startsWith(OVERLAY_XATTR_PREFIX)) setTarXattr(dir.at(base), n, v);
  }

  private directory(dir: FsDir, base: string, path: string, h: TarHeader, exists: boolean): void {
    if (!exists) {
      try {
        mkdirSync(dir.at(base), 0o700);
      } catch (e) {
        throw new FsError(errnoOf(e) ?? 'EIO', 'mkdir', this.show(path));
      }
    }
    const d = this.tree.openChildDir(dir, base);
    let fd: number;
    try {
      fd = openSync(`/proc/self/fd/${d.fd}`, fsc.O_RDONLY | fsc.O_DIRECTORY);
    } finally {
      this.tree.closeDir(d);
    }
    try {
      const owner = this.ownerOf(h);
      if (owner) fchownSync(fd, owner.uid, owner.gid);
      if (!this.tree.mountAt(path)) this.xattrs(dir, base, h);
      fchmodSync(fd, h.mode & 0o7777);
    } finally {
      closeSync(fd);
    }
    const [atime, mtime] = times(h);
    this.dirs.push({ path, atime, mtime });
  }

  private symlink(dir: FsDir, base: string, path: string, h: TarHeader): void {
    // Untar's check, lexical as Docker's: a relative target must not leave the destination.
    if (linkEscapes(relTo(goDir(path), this.opts.dest), h.linkname)) throw failure(`invalid symlink ${quote(this.show(path))} -> ${quote(h.linkname)}`);
    try {
      symlinkSync(h.linkname, dir.at(base));
    } catch (e) {
      throw new FsError(errnoOf(e) ?? 'EIO', 'symlink', this.show(path));
    }
    const owner = this.ownerOf(h);
    if (owner) lchownSync(dir.at(base), owner.uid, owner.gid);
    this.xattrs(dir, base, h);
    const [atime, mtime] = times(h);
    lutimesSync(dir.at(base), atime, mtime);
  }

  private hardlink(dir: FsDir, base: string, path: string, h: TarHeader): void {
    const target = goJoin(this.opts.dest, h.linkname);
    if (linkEscapes('', h.linkname)) throw failure(`invalid hardlink ${quote(this.show(target))} -> ${quote(h.linkname)}`);
    if (this.tree.mountAt(target)) throw new FsError('EXDEV', `link ${this.show(target)}`, this.show(path));
    let tdir: FsDir;
    try {
      tdir = this.tree.openDir(goDir(target));
    } catch (e) {
      throw new FsError(e instanceof FsError ? e.code : errnoOf(e) ?? 'EIO', `link ${this.show(target)}`, this.show(path));
    }
    try {
      try {
        linkSync(tdir.at(goBase(target)), dir.at(base));
      } catch (e) {
        throw new FsError(errnoOf(e) ?? 'EIO', `link ${this.show(target)}`, this.show(path));
      }
    } finally {
      this.tree.closeDir(tdir);
    }
    const owner = this.ownerOf(h);
    if (owner) lchownSync(dir.at(base), owner.uid, owner.gid);
    this.xattrs(dir, base, h);
    // Untar sets mode and times of a link to anything but a symlink.
    this.throughPath(dir, base, path, (st) => !st.isSymbolicLink(), (p) => {
      chmodSync(p, h.mode & 0o7777);
      const [atime, mtime] = times(h);
      utimesSync(p, atime, mtime);
    });
  }

  /** Device nodes and FIFOs. */
  private async node(dir: FsDir, base: string, path: string, h: TarHeader): Promise<void> {
    const kind = h.type === '3' ? 'c' : h.type === '4' ? 'b' : 'p';
    await mknod(dir.atForChild(base), kind, h.mode, h.devmajor, h.devminor).catch((e) => {
      throw failure(`mknod ${this.show(path)}: ${(e as Error).message.replace(/^mknod [^:]*: /, '')}`, e);
    });
    const owner = this.ownerOf(h);
    if (owner) lchownSync(dir.at(base), owner.uid, owner.gid);
    this.xattrs(dir, base, h);
    const want = kind === 'p' ? 'isFIFO' : kind === 'c' ? 'isCharacterDevice' : 'isBlockDevice';
    this.throughPath(dir, base, path, (st) => st[want](), (p) => {
      chmodSync(p, h.mode & 0o7777);
      const [atime, mtime] = times(h);
      utimesSync(p, atime, mtime);
    });
  }

  /**
   * Applies path-based calls that follow symlinks (chmod, utimes) to exactly the entry just
   * made: opened with O_PATH|O_NOFOLLOW, checked, then reached through its descriptor.
   */
  private throughPath(dir: FsDir, base: string, path: string, ok: (st: ReturnType<typeof fstatSync>) => boolean, fn: (p: string) => void): void {
    let fd: number;
    try {
      fd = openSync(dir.at(base), O_PATH | fsc.O_NOFOLLOW);
    } catch (e) {
      throw new FsError(errnoOf(e) ?? 'EIO', 'open', this.show(path));
    }
    try {
      if (ok(fstatSync(fd))) fn(`/proc/self/fd/${fd}`);
    } finally {
      closeSync(fd);
    }
  }

  /** os.RemoveAll through descriptors: nothing below a directory is reached through a symlink. */
  private removeAll(dir: FsDir, base: string): void {
    const st = this.tree.lstat(dir, base);
    if (!st) return;
    if (st.isDirectory() && !this.tree.mountAt(dir.child(base))) {
      let sub: FsDir | undefined;
      try {
        sub = this.tree.openChildDir(dir, base);
      } catch (e) {
        if (errnoOf(e) !== 'ELOOP' && errnoOf(e) !== 'ENOTDIR') throw e;
      }
      if (sub) {
        try {
          for (const c of this.tree.readdir(sub)) this.removeAll(sub, c);
        } finally {
          this.tree.closeDir(sub);
        }
        try {
          rmdirSync(dir.at(base));
          return;
        } catch (e) {
          throw new FsError(errnoOf(e) ?? 'EIO', 'unlinkat', this.show(dir.child(base)));
        }
      }
    }
    try {
      unlinkSync(dir.at(base));
    } catch (e) {
      if (errnoOf(e) === 'ENOENT') return;
      throw new FsError(errnoOf(e) ?? 'EIO', 'unlinkat', this.show(dir.child(base)));
    }
  }
}

/** Untar's times: the access time is never before the modification time. */
function times(h: TarHeader): [number, number] {
  const atime = h.atime !== undefined && h.atime > h.mtime ? h.atime : h.mtime;
  return [atime, h.mtime];
}
