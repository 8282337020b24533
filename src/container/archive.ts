// A container's files through the archive API (moby daemon/archive*.go, container/archive.go):
// stat (`HEAD /containers/{id}/archive`), a tar of a path (`GET`), extraction of a tar into a
// directory (`PUT`) and the whole filesystem (`GET /containers/{id}/export`). Every path is
// resolved inside the container's root filesystem through an FsTree, running or stopped alike.
import type { Readable } from 'node:stream';
import { invalidParameter, isBerthError, notFound, systemError } from '../common/errors.js';
import { resolveInRoot } from '../common/rootfs-path.js';
import { rfc3339Nano } from '../common/time.js';
import { openLayerStream } from '../layer/decompress.js';
import { FsError, FsTree, type FsDir, type FsMount, type Stats } from './archive-fs.js';
import { extractTar } from './archive-extract.js';
import { containerAbsPath, goBase, goSplit } from './archive-paths.js';
import { tarTree, type TarTop } from './archive-tar.js';
import type { ContainerRecord } from './types.js';
import { resolveUser } from './user.js';

/**
 * What the container service provides for file access (ContainerService implements it). Kept
 * narrow so that the archive code needs no more of the service than this.
 */
export interface ContainerFsAccess {
  /** The record by name or id; NotFound "No such container: x". */
  record(nameOrId: string): ContainerRecord;
  /**
   * Runs `fn` with the container's root filesystem mounted: the merged mount of a running (or
   * paused) container, else a temporary overlay of its layers and upper dir, unmounted after `fn`
   * settles — with the container's lock held meanwhile so that no start mounts the same upper.
   * `mounts`: what the container sees mounted over its rootfs (its /etc/hosts, /etc/hostname,
   * /etc/resolv.conf, volumes and binds), with their host sources.
   */
  withRootfs<T>(nameOrId: string, fn: (view: RootfsView) => Promise<T>): Promise<T>;
  /** The container's writable layer and its image's layer dirs (top first), for diff and commit. */
  layerDirs(nameOrId: string): ContainerLayerDirs;
  pause(nameOrId: string): Promise<void>;
  unpause(nameOrId: string): Promise<void>;
  readonly events: { emit(type: 'container', action: string, id: string, attributes?: Record<string, string>): unknown };
  /** Docker's event attributes of a container (labels, image, name) plus `extra`. */
  attrs(rec: ContainerRecord, extra?: Record<string, string>): Record<string, string>;
}

export interface RootfsView {
  rec: ContainerRecord;
  /** Host path of the mounted root filesystem. */
  rootfs: string;
  mounts: FsMount[];
}

export interface ContainerLayerDirs {
  rec: ContainerRecord;
  upper: string;
  /** The image's layer dirs, top first (overlay's lowerdir order). */
  lowers: string[];
}

/** types.ContainerPathStat, as the X-Docker-Container-Path-Stat header carries it. */
export interface PathStat {
  name: string;
  size: number;
  /** Go's os.FileMode bits. */
  mode: number;
  mtime: string;
  linkTarget: string;
}

export const PATH_STAT_HEADER = 'X-Docker-Container-Path-Stat';

// Go's os.FileMode type bits.
export const GO_MODE_DIR = 2 ** 31;
export const GO_MODE_SYMLINK = 2 ** 27;
export const GO_MODE_DEVICE = 2 ** 26;
export const GO_MODE_NAMED_PIPE = 2 ** 25;
export const GO_MODE_SOCKET = 2 ** 24;
export const GO_MODE_SETUID = 2 ** 23;
export const GO_MODE_SETGID = 2 ** 22;
export const GO_MODE_CHAR_DEVICE = 2 ** 21;
export const GO_MODE_STICKY = 2 ** 20;
export const GO_MODE_IRREGULAR = 2 ** 19;
const S_IFMT = 0o170000;

/** A unix st_mode as Go's os.FileMode (what fillFileStatFromSys computes). */
export function goFileMode(mode: number): number {
  let m = mode & 0o777;
  switch (mode & S_IFMT) {
    case 0o060000: m += GO_MODE_DEVICE; break;
    case 0o020000: m += GO_MODE_DEVICE + GO_MODE_CHAR_DEVICE; break;
    case 0o040000: m += GO_MODE_DIR; break;
    case 0o010000: m += GO_MODE_NAMED_PIPE; break;
    case 0o120000: m += GO_MODE_SYMLINK; break;
    case 0o140000: m += GO_MODE_SOCKET; break;
  }
  if (mode & 0o4000) m += GO_MODE_SETUID;
  if (mode & 0o2000) m += GO_MODE_SETGID;
  if (mode & 0o1000) m += GO_MODE_STICKY;
  return m;
}

/** Tests a Go FileMode bit (the modes exceed 32-bit integer arithmetic). */
export const hasModeBit = (mode: number, bit: number): boolean => Math.floor(mode / bit) % 2 === 1;

export function encodePathStat(s: PathStat): string {
  const ordered = { name: s.name, size: s.size, mode: s.mode, mtime: s.mtime, linkTarget: s.linkTarget };
  return Buffer.from(JSON.stringify(ordered)).toString('base64');
}

export function decodePathStat(header: string): PathStat {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
  } catch {
    throw invalidParameter(`unable to decode container path stat header: ${header}`);
  }
  const o = (v ?? {}) as Partial<PathStat>;
  return { name: o.name ?? '', size: o.size ?? 0, mode: o.mode ?? 0, mtime: o.mtime ?? '', linkTarget: o.linkTarget ?? '' };
}

const notFoundIn = (path: string, container: string) => notFound(`Could not find the file ${path} in container ${container}`);

/** The bad-parameter text moby answers a missing `path` with (sic). */
export function requirePath(path: string | null): string {
  if (!path) throw invalidParameter('bad parameter: pathcannot be empty');
  return path;
}

/** A filesystem error as the archive routes answer it: not found is 404, the rest as Go prints it. */
function apiError(e: unknown, path: string, container: string, absPath: string): Error {
  if (isBerthError(e)) return e;
  if (e instanceof FsError) {
    if (e.code === 'ENOENT') return notFoundIn(path, container);
    return systemError(`lstat ${absPath}: ${e.message.slice(e.message.lastIndexOf(': ') + 2)}`, e);
  }
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return notFoundIn(path, container);
  return systemError((e as Error).message, e);
}

interface Resolved {
  top: TarTop;
  st: Stats;
  stat: PathStat;
  /** The directory holding the top, or the top itself; the caller closes it. */
  dir: FsDir;
}

/** container.ResolvePath + StatPath: the parent resolved in the container, the last element not followed. */
function resolveStat(tree: FsTree, view: RootfsView, absPath: string): Resolved {
  const [dirPart, base] = goSplit(absPath);
  const dir = tree.openDir(dirPart);
  try {
    let top: TarTop;
    let st: Stats | undefined;
    if (base === '' || base === '.') {
      top = { dir };
      st = tree.statDir(dir);
    } else {
      top = { parent: dir, name: base };
      st = tree.lstat(dir, base);
      if (!st) throw new FsError('ENOENT', 'lstat', absPath);
    }
    let linkTarget = '';
    if (st.isSymbolicLink()) {
      // Fully evaluated in the container, as a path in it; informational only (never opened).
      const host = resolveInRoot(view.rootfs, absPath);
      linkTarget = host === view.rootfs ? '/' : host.slice(view.rootfs.replace(/\/$/, '').length) || '/';
    }
    const stat: PathStat = {
      name: goBase(absPath), size: Number(st.size), mode: goFileMode(Number(st.mode)), mtime: rfc3339Nano(st.mtimeNs), linkTarget,
    };
    return { top, st, stat, dir };
  } catch (e) {
    tree.closeDir(dir);
    throw e;
  }
}

/** `HEAD /containers/{id}/archive?path=`. */
export async function statPath(fsa: ContainerFsAccess, container: string, path: string): Promise<PathStat> {
  const absPath = containerAbsPath(path);
  return fsa.withRootfs(container, async (view) => {
    const tree = new FsTree(view.rootfs, 'chroot', view.mounts);
    try {
      const r = resolveStat(tree, view, absPath);
      tree.closeDir(r.dir);
      return r.stat;
    } catch (e) {
      throw apiError(e, path, container, absPath);
    } finally {
      tree.close();
    }
  });
}

/**
 * `GET /containers/{id}/archive?path=`: `send` gets the stat and the tar and resolves once the
 * tar is consumed; the rootfs stays mounted until then.
 */
export async function archivePath(fsa: ContainerFsAccess, container: string, path: string,
  send: (stat: PathStat, tar: Readable) => Promise<void>): Promise<void> {
  const absPath = containerAbsPath(path);
  await fsa.withRootfs(container, async (view) => {
    const tree = new FsTree(view.rootfs, 'chroot', view.mounts);
    let r: Resolved;
    try {
      r = resolveStat(tree, view, absPath);
    } catch (e) {
      tree.close();
      throw apiError(e, path, container, absPath);
    }
    // The top is named after the requested path's last element (TarResourceRebase), so a
    // followed symlink or `dir/.` keep the name the client asked for.
    const tar = tarTree(tree, r.top, { name: goBase(absPath) }, () => { tree.closeDir(r.dir); tree.close(); });
    fsa.events.emit('container', 'archive-path', view.rec.Id, fsa.attrs(view.rec));
    try {
      await send(r.stat, tar);
    } finally {
      tar.destroy();
    }
  });
}

export interface ExtractRequest {
  noOverwriteDirNonDir: boolean;
  copyUIDGID: boolean;
}

/** `PUT /containers/{id}/archive?path=`: extracts a (possibly compressed) tar into a directory. */
export async function extractToDir(fsa: ContainerFsAccess, container: string, path: string, input: Readable, req: ExtractRequest): Promise<void> {
  const absPath = containerAbsPath(path);
  await fsa.withRootfs(container, async (view) => {
    const rec = view.rec;
    const tree = new FsTree(view.rootfs, 'chroot', view.mounts);
    try {
      // The destination is evaluated with its last element followed: extracting to a symlink to
      // a directory extracts into that directory.
      let dest: FsDir;
      try {
        dest = tree.openDir(absPath);
      } catch (e) {
        if (e instanceof FsError && e.code === 'ENOTDIR' && e.last) throw invalidParameter('extraction point is not a directory');
        throw apiError(e, path, container, absPath);
      }
      const destPath = dest.path;
      tree.closeDir(dest);
      const mount = tree.mountHolding(destPath);
      if (mount?.readOnly) throw invalidParameter('mounted volume is marked read-only');
      if (!mount && rec.HostConfig.ReadonlyRootfs) throw invalidParameter('container rootfs is marked read-only');
      let owner: 'archive' | { uid: number; gid: number } = 'archive';
      if (req.copyUIDGID && rec.Config.User) {
        const u = resolveUser(view.rootfs, rec.Config.User);
        owner = { uid: u.uid, gid: u.gid };
      }
      const { stream } = await openLayerStream(input);
      try {
        await extractTar(stream, tree, { dest: destPath, noOverwriteDirNonDir: req.noOverwriteDirNonDir, owner, devices: 'create' });
      } catch (e) {
        throw isBerthError(e) ? e : systemError((e as Error).message, e);
      } finally {
        stream.destroy();
      }
    } finally {
      tree.close();
    }
    fsa.events.emit('container', 'extract-to-dir', rec.Id, fsa.attrs(rec));
  });
}

/**
 * `GET /containers/{id}/export`: the container's filesystem (image layers and writable layer,
 * without its volumes) as a tar with relative names.
 */
export async function exportContainer(fsa: ContainerFsAccess, container: string, send: (tar: Readable) => Promise<void>): Promise<void> {
  await fsa.withRootfs(container, async (view) => {
    const tree = new FsTree(view.rootfs, 'chroot');
    const tar = tarTree(tree, { dir: tree.root }, { name: '' }, () => tree.close());
    try {
      await send(tar);
    } finally {
      tar.destroy();
    }
    fsa.events.emit('container', 'export', view.rec.Id, fsa.attrs(view.rec));
  });
}
