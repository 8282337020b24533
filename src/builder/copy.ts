// COPY and ADD into a workspace root, with Docker's rules: a directory source copies its contents,
// a file lands at the destination path unless that ends in '/' or is an existing directory, new
// files and directories belong to root (or --chown), modes and times are kept (or --chmod).
// Destinations are resolved inside the root (chroot-like), sources never follow a link out of
// their own root.
import {
  chmodSync, copyFileSync, lchownSync, lstatSync, lutimesSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync,
  utimesSync,
  type Stats,
} from 'node:fs';
import { join, posix } from 'node:path';
import { invalidParameter } from '../common/errors.js';
import { resolveInRoot } from '../common/rootfs-path.js';

export interface Identity { uid: number; gid: number }

export interface CopyTarget {
  /** The workspace root (the container's /). */
  root: string;
  identity: Identity;
  /** --chmod: applied to every copied file and directory. */
  mode?: number;
  /** Keep the source's owners (ADD of an archive without --chown). */
  keepOwner?: boolean;
}

/** Whether `dest` (a path in the container) is an existing directory, links resolved in `root`. */
export function isDirInRoot(root: string, dest: string): boolean {
  try {
    return lstatSync(resolveInRoot(root, dest)).isDirectory();
  } catch {
    return false;
  }
}

/** Creates `dir` (a path in the container) and missing parents, owned by `identity`; its host path. */
export function mkdirAllInRoot(root: string, dir: string, identity: Identity): string {
  const target = resolveInRoot(root, dir);
  const base = root.endsWith('/') && root.length > 1 ? root.slice(0, -1) : root;
  if (target === base) return target;
  let cur = base;
  for (const c of target.slice(base.length + 1).split('/')) {
    cur = `${cur}/${c}`;
    let st: Stats | undefined;
    try { st = lstatSync(cur); } catch { /* missing */ }
    if (st?.isDirectory()) continue;
    if (st) throw invalidParameter(`failed to copy files: mkdir ${posix.join(dir)}: not a directory`);
    mkdirSync(cur, 0o755);
    lchownSync(cur, identity.uid, identity.gid);
  }
  return target;
}

/**
 * Copies host path `src` (a file, link or directory tree) to host path `dst`, which the caller
 * resolved inside the target root. A directory's contents merge into `dst`.
 * `skip` filters source paths relative to `src` (.dockerignore).
 */
export function copyTree(src: string, st: Stats, dst: string, t: CopyTarget, skip?: (rel: string, isDir: boolean) => boolean, rel = ''): void {
  if (st.isDirectory()) {
    let dstSt: Stats | undefined;
    try { dstSt = lstatSync(dst); } catch { /* missing */ }
    if (dstSt?.isSymbolicLink()) {
      // A link in the image where the source has a directory: follow it inside the root.
      const resolved = resolveInRoot(t.root, '/' + dst.slice(t.root.length));
      return copyTree(src, st, resolved, t, skip, rel);
    }
    const created = !dstSt;
    if (dstSt && !dstSt.isDirectory()) rmSync(dst, { force: true });
    if (!dstSt || !dstSt.isDirectory()) mkdirSync(dst);
    for (const name of readdirSync(src).sort()) {
      const childRel = rel ? `${rel}/${name}` : name;
      const childSrc = join(src, name);
      const cst = lstatSync(childSrc);
      if (skip?.(childRel, cst.isDirectory())) continue;
      copyTree(childSrc, cst, join(dst, name), t, skip, childRel);
    }
    // Docker chowns an existing destination directory only when it copied into it as new.
    if (created || rel !== '') {
      lchownSync(dst, ...owner(t, st));
      chmodSync(dst, t.mode ?? (st.mode & 0o7777));
      utimesSync(dst, st.atime, st.mtime);
    }
    return;
  }
  let dstSt: Stats | undefined;
  try { dstSt = lstatSync(dst); } catch { /* missing */ }
  if (dstSt) {
    if (dstSt.isDirectory()) throw invalidParameter(`cannot copy to non-directory: ${dst.slice(t.root.length)} is a directory`);
    rmSync(dst, { force: true });
  }
  if (st.isSymbolicLink()) {
    symlinkSync(readlinkSync(src), dst);
    lchownSync(dst, ...owner(t, st));
    lutimesSync(dst, st.atime, st.mtime);
    return;
  }
  if (!st.isFile()) return; // devices, fifos and sockets are not copied from a context
  copyFileSync(src, dst);
  lchownSync(dst, ...owner(t, st));
  chmodSync(dst, t.mode ?? (st.mode & 0o7777));
  utimesSync(dst, st.atime, st.mtime);
}

/** Ensures the parent of a file destination exists (created dirs owned by `identity`). */
export function prepareFileDest(root: string, destInContainer: string, identity: Identity): string {
  const parent = posix.dirname(destInContainer);
  const hostParent = mkdirAllInRoot(root, parent, identity);
  return join(hostParent, posix.basename(destInContainer));
}

/** Parses --chmod's octal mode as BuildKit does. */
export function parseChmod(s: string | undefined): number | undefined {
  if (s === undefined || s === '') return undefined;
  if (!/^[0-7]{3,4}$/.test(s)) throw invalidParameter(`invalid chmod parameter: ${s}`);
  return parseInt(s, 8);
}

/** --chown user[:group], names looked up in the workspace's /etc/passwd and /etc/group. */
export function parseChown(root: string, spec: string | undefined): Identity {
  if (!spec) return { uid: 0, gid: 0 };
  const [user, group] = spec.split(':', 2) as [string, string | undefined];
  const passwd = readInRoot(root, '/etc/passwd');
  const groups = readInRoot(root, '/etc/group');
  let uid: number;
  let gid: number | undefined;
  if (/^\d+$/.test(user)) uid = Number(user);
  else {
    const e = findEntry(passwd, user);
    if (!e) throw invalidParameter(`unable to convert uid/gid chown string to host mapping: can't find uid for user ${user}: no such user: ${user}`);
    uid = Number(e[2]);
    gid = Number(e[3]);
  }
  if (group !== undefined && group !== '') {
    if (/^\d+$/.test(group)) gid = Number(group);
    else {
      const e = findEntry(groups, group);
      if (!e) throw invalidParameter(`unable to convert uid/gid chown string to host mapping: can't find gid for group ${group}: no such group: ${group}`);
      gid = Number(e[2]);
    }
  } else if (gid === undefined) gid = uid;
  return { uid, gid };
}

function readInRoot(root: string, path: string): string {
  try {
    return readFileSync(resolveInRoot(root, path), 'utf8');
  } catch {
    return '';
  }
}

function findEntry(text: string, name: string): string[] | undefined {
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === name) return f;
  }
  return undefined;
}

function owner(t: CopyTarget, st: Stats): [number, number] {
  return t.keepOwner ? [st.uid, st.gid] : [t.identity.uid, t.identity.gid];
}
