// `docker diff`: what a container changed in its filesystem, from its overlay upper dir compared
// with the image's layers. The result is what Docker's naive diff reports (the one dockerd's
// overlay2 driver uses for a container): a file is changed (C) when its mode, owner, device,
// size or mtime differ from the image's, or its file capability; a directory only when its mode
// or owner differ or something below it changed, and then it comes before what is below it;
// everything under an added directory is added; a deleted directory is one entry. Whiteouts are
// deletions and an opaque directory deletes what the image had below it.
//
// Docker hides the mount points of a container's init layer (/etc/hosts, /proc, …); runc
// creates them in the upper dir here, so they are left out while they are still the empty
// placeholders runc made, in diff and in commit alike.
import { FsTree, isWhiteout, type FsDir, type Stats } from './archive-fs.js';
import { getXattr, OPAQUE_XATTR } from '../layer/fsutil.js';
import { INIT_DIRS, INIT_FILES } from './init-layer.js';

export enum ChangeKind { Modified = 0, Added = 1, Deleted = 2 }
export interface Change { Path: string; Kind: ChangeKind }

/** Docker's init layer: mount points that are not the container's changes. */
const PLACEHOLDER_DIRS = new Set(INIT_DIRS.map((d) => `/${d}`));
const PLACEHOLDER_FILES = new Set(INIT_FILES.map((f) => `/${f}`));

/**
 * An init-layer mount point that runc created in the upper dir and nothing changed since: an
 * empty placeholder file, or a placeholder directory (its contents are judged on their own).
 */
export function isPlaceholder(path: string, st: Stats, inLower: boolean): boolean {
  if (inLower) return false;
  if (PLACEHOLDER_FILES.has(path)) return st.isFile() && st.size === 0n;
  return PLACEHOLDER_DIRS.has(path) && st.isDirectory();
}

/**
 * The image's filesystem as overlay shows it below the upper dir: a lookup through the layer
 * dirs (top first) that honours their whiteouts and opaque directories. Layers are walked one
 * component at a time without following symlinks (overlay never merges through one).
 */
export class LowerView {
  private readonly trees: FsTree[];

  constructor(lowers: readonly string[]) {
    this.trees = [];
    for (const l of lowers) {
      this.trees.push(new FsTree(l, 'beneath'));
      // A layer whose root is opaque hides every layer below it.
      if (getXattr(l, OPAQUE_XATTR)?.toString() === 'y') break;
    }
  }

  close(): void {
    for (const t of this.trees) t.close();
  }

  /**
   * The entry at `path` as overlay shows it: its stat (from the topmost layer holding it) and,
   * for a directory, the layers whose directories merge into it (top first).
   */
  lookup(path: string): { st: Stats; top: number; dirLayers: number[] } | undefined {
    const parts = path.split('/').filter(Boolean);
    if (parts.length === 0) return undefined;
    // The layers still contributing to the directory walked so far, each with it open.
    let dirs: Array<{ i: number; dir: FsDir }> = this.trees.map((t, i) => ({ i, dir: t.root }));
    try {
      for (let k = 0; k < parts.length; k++) {
        const name = parts[k]!;
        const last = k === parts.length - 1;
        const next: Array<{ i: number; dir: FsDir }> = [];
        let first: { i: number; st: Stats } | undefined;
        const dirLayers: number[] = [];
        try {
          for (const { i, dir } of dirs) {
            const tree = this.trees[i]!;
            const st = tree.lstat(dir, name);
            if (!st) continue;
            if (isWhiteout(st)) break;
            first ??= { i, st };
            if (!st.isDirectory() || !first.st.isDirectory()) break;
            dirLayers.push(i);
            if (!last) next.push({ i, dir: tree.openChildDir(dir, name) });
            if (getXattr(dir.at(name), OPAQUE_XATTR)?.toString() === 'y') break;
          }
        } catch (e) {
          for (const n of next) this.trees[n.i]!.closeDir(n.dir);
          throw e;
        }
        for (const d of dirs) this.trees[d.i]!.closeDir(d.dir);
        dirs = next;
        if (!first) return undefined;
        if (last) return { st: first.st, top: first.i, dirLayers };
        if (!first.st.isDirectory()) return undefined;
      }
      return undefined;
    } finally {
      for (const d of dirs) this.trees[d.i]!.closeDir(d.dir);
    }
  }

  /** The names overlay shows in a lower directory. */
  children(path: string): Set<string> {
    const out = new Set<string>();
    const layers = path === '/' ? this.trees.map((_, i) => i) : this.lookup(path)?.dirLayers ?? [];
    const hidden = new Set<string>();
    for (const i of layers) {
      const tree = this.trees[i]!;
      const d = tree.openDir(path);
      try {
        for (const n of tree.readdir(d)) {
          if (hidden.has(n) || out.has(n)) continue;
          const st = tree.lstat(d, n);
          if (!st) continue;
          if (isWhiteout(st)) hidden.add(n);
          else out.add(n);
        }
      } finally {
        tree.closeDir(d);
      }
    }
    return out;
  }

  /** An xattr of the entry at `path` in the topmost layer holding it. */
  xattr(path: string, name: string): Buffer | null {
    const hit = this.lookup(path);
    if (!hit) return null;
    const tree = this.trees[hit.top]!;
    const slash = path.lastIndexOf('/');
    const d = tree.openDir(path.slice(0, slash) || '/');
    try {
      return getXattr(d.at(path.slice(slash + 1)), name);
    } finally {
      tree.closeDir(d);
    }
  }
}

/** archive.statDifferent: directories are compared by type, mode and owner only. */
function statDifferent(a: Stats, b: Stats): boolean {
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid || a.rdev !== b.rdev) return true;
  if (a.isDirectory()) return false;
  return !sameFsTime(a.mtimeNs, b.mtimeNs) || a.size !== b.size;
}

/** Equal times, or equal seconds with one side lacking nanoseconds (tar has whole seconds). */
function sameFsTime(a: bigint, b: bigint): boolean {
  if (a === b) return true;
  const s = 1_000_000_000n;
  return a / s === b / s && (a % s === 0n || b % s === 0n);
}

const join = (dir: string, name: string) => (dir === '/' ? `/${name}` : `${dir}/${name}`);

/** The container's changes: upper dir against its image's layer dirs (top first). */
export function computeChanges(upper: string, lowers: readonly string[]): Change[] {
  const up = new FsTree(upper, 'beneath');
  const low = new LowerView(lowers);
  try {
    return walkDir(up, up.root, '/', low, true);
  } finally {
    low.close();
    up.close();
  }
}

/**
 * The changes below one directory of the upper dir. `merged`: the image's content of this
 * directory still shows through (false below an opaque or added directory).
 */
function walkDir(up: FsTree, dir: FsDir, path: string, low: LowerView, merged: boolean): Change[] {
  const entries: Array<{ name: string; changes: Change[] }> = [];
  const present = new Set<string>();
  for (const name of up.readdir(dir)) {
    const st = up.lstat(dir, name);
    if (!st) continue;
    const p = join(path, name);
    const lower = low.lookup(p)?.st;
    present.add(name);
    if (isWhiteout(st)) {
      if (lower) entries.push({ name, changes: [{ Path: p, Kind: ChangeKind.Deleted }] });
      continue;
    }
    entries.push({ name, changes: entryChanges(up, dir, name, p, st, lower, low, merged) });
  }
  if (!merged) {
    // Overlay shows only the upper dir here: what the image had is gone.
    for (const name of low.children(path)) if (!present.has(name)) entries.push({ name, changes: [{ Path: join(path, name), Kind: ChangeKind.Deleted }] });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return entries.flatMap((e) => e.changes);
}

function entryChanges(up: FsTree, dir: FsDir, name: string, path: string, st: Stats, lower: Stats | undefined, low: LowerView, merged: boolean): Change[] {
  if (isPlaceholder(path, st, Boolean(lower))) {
    if (!st.isDirectory()) return [];
    return withinDir(up, dir, name, path, low, merged, false);
  }
  if (!lower) {
    const out: Change[] = [{ Path: path, Kind: ChangeKind.Added }];
    if (st.isDirectory()) out.push(...addedBelow(up, dir, name, path));
    return out;
  }
  const changed = statDifferent(lower, st) || capabilityDiffers(dir, name, low, path, st, lower);
  if (!st.isDirectory()) return changed ? [{ Path: path, Kind: ChangeKind.Modified }] : [];
  if (!lower.isDirectory()) {
    // A file became a directory: everything in it is new.
    return [{ Path: path, Kind: ChangeKind.Modified }, ...addedBelow(up, dir, name, path)];
  }
  const opaque = getXattr(dir.at(name), OPAQUE_XATTR)?.toString() === 'y';
  return withinDir(up, dir, name, path, low, merged && !opaque, changed);
}

/** A directory present on both sides: reported (before its contents) if it or they changed. */
function withinDir(up: FsTree, dir: FsDir, name: string, path: string, low: LowerView, merged: boolean, changed: boolean): Change[] {
  const d = up.openChildDir(dir, name);
  let inner: Change[];
  try {
    inner = walkDir(up, d, path, low, merged);
  } finally {
    up.closeDir(d);
  }
  return changed || inner.length ? [{ Path: path, Kind: ChangeKind.Modified }, ...inner] : [];
}

/** Everything below an added directory is added. */
function addedBelow(up: FsTree, dir: FsDir, name: string, path: string): Change[] {
  const d = up.openChildDir(dir, name);
  try {
    const out: Change[] = [];
    for (const c of up.readdir(d).sort()) {
      const st = up.lstat(d, c);
      if (!st || isWhiteout(st)) continue;
      const p = join(path, c);
      out.push({ Path: p, Kind: ChangeKind.Added });
      if (st.isDirectory()) out.push(...addedBelow(up, d, c, p));
    }
    return out;
  } finally {
    up.closeDir(d);
  }
}

function capabilityDiffers(dir: FsDir, name: string, low: LowerView, path: string, st: Stats, lower: Stats): boolean {
  if (!st.isFile() || !lower.isFile()) return false;
  const mine = getXattr(dir.at(name), 'security.capability');
  const theirs = low.xattr(path, 'security.capability');
  return !(mine === null ? theirs === null : theirs !== null && mine.equals(theirs));
}
