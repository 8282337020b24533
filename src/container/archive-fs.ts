// A directory tree reached only through file descriptors, so that no path inside it can lead
// out of it — not even a symlink swapped in while we work (CVE-2018-15664). Node has no openat,
// but `/proc/self/fd/<dirfd>/<name>` is one: the magic link jumps to the directory the descriptor
// holds, and a single component is then looked up in it. Every step opens the next component with
// O_NOFOLLOW from the descriptor of the previous one; symlinks are read and resolved by us, within
// the tree, never by the kernel.
//
// Two confinements: `chroot` resolves symlinks as the container would (an absolute target starts
// over at the tree's root, `..` stops at it) — for a container's rootfs; `beneath` refuses any
// symlink that leads out of the tree — for a destination directory on the host.
//
// Mounts: bind mounts of the container (its /etc/hosts, volumes) are not visible in the overlay
// mount on the host; the tree substitutes their sources at their destinations, as Docker mounts
// them into the rootfs before archiving.
import {
  closeSync, constants as fsc, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, type BigIntStats,
} from 'node:fs';
import { goClean } from './archive-paths.js';

/** Linux's O_PATH (not in fs.constants): a descriptor that only names a file. */
export const O_PATH = 0o10000000;
const MAX_LINKS = 40; // Linux's MAXSYMLINKS
const RACE_RETRIES = 8;

export interface FsMount {
  /** Absolute, cleaned path in the tree. */
  destination: string;
  /** Host path of the mounted directory or file. */
  source: string;
  readOnly?: boolean;
}

export type Confinement = 'chroot' | 'beneath';

/** An errno-style error with Go's text (`lstat /x: no such file or directory`). */
export class FsError extends Error {
  /** Set by FsTree.openDir: the component that failed was the last one of the path. */
  last = false;
  constructor(readonly code: string, readonly op: string, readonly path: string, message?: string) {
    super(message ?? `${op} ${path}: ${strerror(code)}`);
  }
}

const STRERROR: Record<string, string> = {
  ENOENT: 'no such file or directory', ENOTDIR: 'not a directory', EISDIR: 'is a directory', EEXIST: 'file exists',
  ELOOP: 'too many levels of symbolic links', EACCES: 'permission denied', EPERM: 'operation not permitted',
  EBUSY: 'device or resource busy', ENOTEMPTY: 'directory not empty', EROFS: 'read-only file system',
  ENOSPC: 'no space left on device', EXDEV: 'invalid cross-device link', EINVAL: 'invalid argument',
  EMLINK: 'too many links', ENAMETOOLONG: 'file name too long',
};
export const strerror = (code: string): string => STRERROR[code] ?? code.toLowerCase();

export const errnoOf = (e: unknown): string | undefined => (e as NodeJS.ErrnoException)?.code;

/** A Node fs error as Go would print it for `op` on `path` (a path the user knows). */
export function goFsError(e: unknown, op: string, path: string): Error {
  const code = errnoOf(e);
  return code ? new FsError(code, op, path) : (e as Error);
}

/** An open directory of a tree, with its path in the tree. */
export class FsDir {
  constructor(readonly fd: number, readonly path: string, readonly mount?: FsMount) {}

  /** The host path of `name` in this directory, looked up from the descriptor. */
  at(name: string): string {
    return `/proc/self/fd/${this.fd}/${name}`;
  }

  /** The same path for another process (mknod(1)): /proc/self would be the child's. */
  atForChild(name: string): string {
    return `/proc/${process.pid}/fd/${this.fd}/${name}`;
  }

  /** The tree path of a child. */
  child(name: string): string {
    return this.path === '/' ? `/${name}` : `${this.path}/${name}`;
  }
}

export type Stats = BigIntStats;

export const isWhiteout = (st: Stats): boolean => st.isCharacterDevice() && st.rdev === 0n;

export class FsTree {
  readonly root: FsDir;
  private readonly mounts = new Map<string, FsMount>();
  private closed = false;

  /** Opens `hostRoot` (a trusted path) as the root of the tree. */
  constructor(readonly hostRoot: string, readonly confinement: Confinement = 'chroot', mounts: readonly FsMount[] = []) {
    this.root = new FsDir(openSync(hostRoot, O_PATH | fsc.O_DIRECTORY), '/');
    for (const m of mounts) this.mounts.set(goClean(m.destination), m);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.root.fd);
  }

  closeDir(d: FsDir): void {
    if (d !== this.root) closeSync(d.fd);
  }

  /** The mount whose destination is exactly `treePath`. */
  mountAt(treePath: string): FsMount | undefined {
    return this.mounts.get(treePath);
  }

  /** The mount holding `treePath` (the deepest destination at or above it). */
  mountHolding(treePath: string): FsMount | undefined {
    let best: FsMount | undefined;
    for (const [dest, m] of this.mounts) {
      if ((treePath === dest || treePath.startsWith(dest === '/' ? '/' : `${dest}/`)) && (!best || dest.length > best.destination.length)) best = m;
    }
    return best;
  }

  /** lstat of an entry (a mount's source for a mount point); undefined if absent. */
  lstat(dir: FsDir, name: string): Stats | undefined {
    const m = this.mounts.get(dir.child(name));
    try {
      return m ? lstatSync(m.source, { bigint: true }) : lstatSync(dir.at(name), { bigint: true });
    } catch (e) {
      const code = errnoOf(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw e;
    }
  }

  /** Stat of the directory itself. */
  statDir(dir: FsDir): Stats {
    return fstatSync(dir.fd, { bigint: true });
  }

  readdir(dir: FsDir): string[] {
    return readdirSync(`/proc/self/fd/${dir.fd}`);
  }

  readlink(dir: FsDir, name: string): string {
    return readlinkSync(dir.at(name), 'utf8');
  }

  /** Opens a child directory without following a symlink (a mount point opens its source). */
  openChildDir(dir: FsDir, name: string): FsDir {
    const path = dir.child(name);
    const m = this.mounts.get(path);
    const fd = m ? openSync(m.source, O_PATH | fsc.O_DIRECTORY) : openSync(dir.at(name), O_PATH | fsc.O_DIRECTORY | fsc.O_NOFOLLOW);
    return new FsDir(fd, path, m ?? dir.mount);
  }

  /**
   * Opens a regular file for reading, without following a symlink and without ever opening
   * anything else (a FIFO would block, a device node swapped in would reach a device): the entry
   * is pinned with O_PATH, checked, then reopened through its descriptor. Undefined if what is
   * there now is not a regular file.
   */
  openFileForRead(dir: FsDir, name: string): { fd: number; st: Stats } | undefined {
    const m = this.mounts.get(dir.child(name));
    let pin: number;
    try {
      pin = m ? openSync(m.source, O_PATH) : openSync(dir.at(name), O_PATH | fsc.O_NOFOLLOW);
    } catch (e) {
      if (errnoOf(e) === 'ENOENT') return undefined;
      throw e;
    }
    try {
      const st = fstatSync(pin, { bigint: true });
      if (!st.isFile()) return undefined;
      return { fd: openSync(`/proc/self/fd/${pin}`, fsc.O_RDONLY), st };
    } finally {
      closeSync(pin);
    }
  }

  /**
   * Resolves `path` (in the tree; relative paths start at the root) to an open directory,
   * following every symlink within the confinement. Missing components are made by `create`
   * when given (and then looked at again). Errors are FsErrors naming the tree path that failed:
   * ENOENT, ENOTDIR, ELOOP, or EXDEV for a `beneath` escape.
   */
  openDir(path: string, create?: { mkdir: (dir: FsDir, name: string) => void }): FsDir {
    const stack: FsDir[] = [this.root];
    const todo = path.split('/').reverse();
    let links = 0;
    let retries = 0;
    try {
      while (todo.length) {
        const c = todo.pop()!;
        if (c === '' || c === '.') continue;
        const cur = stack[stack.length - 1]!;
        if (c === '..') {
          if (stack.length > 1) this.closeDir(stack.pop()!);
          else if (this.confinement === 'beneath') throw new FsError('EXDEV', 'resolve', path, `path "${path}" leads outside of the destination`);
          continue;
        }
        const childPath = cur.child(c);
        const m = this.mounts.get(childPath);
        if (m) {
          try {
            stack.push(new FsDir(openSync(m.source, O_PATH | fsc.O_DIRECTORY), childPath, m));
          } catch (e) {
            throw new FsError(errnoOf(e) ?? 'EIO', 'lstat', childPath);
          }
          continue;
        }
        let st: Stats | undefined;
        try {
          st = lstatSync(cur.at(c), { bigint: true });
        } catch (e) {
          const code = errnoOf(e);
          if (code !== 'ENOENT' || !create) throw new FsError(code ?? 'EIO', 'lstat', childPath);
        }
        if (!st) {
          if (++retries > RACE_RETRIES) throw new FsError('ENOENT', 'lstat', childPath);
          create!.mkdir(cur, c);
          todo.push(c); // open what was just made, checking it again
          continue;
        }
        if (st.isSymbolicLink()) {
          if (++links > MAX_LINKS) throw new FsError('ELOOP', 'lstat', childPath);
          const target = readlinkSync(cur.at(c), 'utf8');
          if (target.startsWith('/')) {
            if (this.confinement === 'beneath') throw new FsError('EXDEV', 'resolve', path, `path "${path}" leads outside of the destination through the symbolic link "${childPath}"`);
            while (stack.length > 1) this.closeDir(stack.pop()!);
          }
          const parts = target.split('/');
          for (let i = parts.length - 1; i >= 0; i--) todo.push(parts[i]!);
          continue;
        }
        if (!st.isDirectory()) {
          const err = new FsError('ENOTDIR', 'lstat', childPath);
          err.last = todo.every((x) => x === '' || x === '.');
          throw err;
        }
        let fd: number;
        try {
          fd = openSync(cur.at(c), O_PATH | fsc.O_DIRECTORY | fsc.O_NOFOLLOW);
        } catch (e) {
          const code = errnoOf(e);
          // Swapped between lstat and open: look at it again.
          if ((code === 'ELOOP' || code === 'ENOTDIR' || code === 'ENOENT') && ++retries <= RACE_RETRIES) {
            todo.push(c);
            continue;
          }
          throw new FsError(code ?? 'EIO', 'open', childPath);
        }
        stack.push(new FsDir(fd, childPath, cur.mount));
      }
    } catch (e) {
      while (stack.length > 1) this.closeDir(stack.pop()!);
      throw e;
    }
    const top = stack.pop()!;
    while (stack.length > 1) this.closeDir(stack.pop()!);
    return top;
  }
}
