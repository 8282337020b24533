// Extracts a layer tar into a directory in overlayfs form (OCI whiteouts become char 0/0 devices
// and opaque xattrs), hashing the tar bytes on the way (the diff id).
//
// Safety does not rely on the filesystem: the extractor keeps its own tree of everything it
// created (the target starts empty and nothing else writes to it), resolves every entry against
// that tree, never follows a symlink in a parent and refuses names that leave the directory.
// Creation calls are synchronous on purpose: they take microseconds, while a thread-pool round
// trip per entry made layers of many small files several times slower.
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync, closeSync, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lutimesSync, mkdirSync, openSync,
  renameSync, symlinkSync, unlinkSync,
} from 'node:fs';
import { readdir, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidParameter, systemError } from '../common/errors.js';
import { FileSink } from './file-sink.js';
import { mknod, OPAQUE_XATTR, OVERLAY_XATTR_PREFIX, setTarXattr, setXattr } from './fsutil.js';
import { readTar, type TarHeader, type TarToken } from './tar-reader.js';

export const WHITEOUT_PREFIX = '.wh.';
export const WHITEOUT_META_PREFIX = '.wh..wh.';
export const OPAQUE_WHITEOUT = '.wh..wh..opq';

/** Receives what tar-split needs; see TarSplitWriter. */
export interface LayerRecorder {
  raw(bytes: Buffer): Promise<void> | void;
  file(path: string, size: number): number;
  shadowPath(index: number): Promise<string>;
}

export interface UnpackOptions {
  recorder?: LayerRecorder;
  /** A directory outside `dir` on the same filesystem for the shared whiteout inode (default: `dir`/..). */
  scratchDir?: string;
  /** A plain archive (a build context): `.wh.` names are ordinary files, not whiteouts. */
  plain?: boolean;
  /** Filled with the sha256 (hex) of each regular file's content, keyed by its cleaned path. */
  fileHashes?: Map<string, string>;
}

export interface UnpackResult {
  diffId: string;
  tarSize: number;
  /** Bytes of regular-file content left in the directory (hard links counted once). */
  size: number;
}

/** Unpacks into `dir`, which must exist and be empty. */
export async function unpackLayer(tar: AsyncIterable<Buffer>, dir: string, opts: UnpackOptions = {}): Promise<UnpackResult> {
  if ((await readdir(dir)).length > 0) throw systemError(`cannot unpack a layer into non-empty ${dir}`);
  const hash = createHash('sha256');
  let tarSize = 0;
  async function* tap(): AsyncGenerator<Buffer> {
    for await (const chunk of tar) {
      hash.update(chunk);
      tarSize += chunk.length;
      yield chunk;
    }
  }
  const u = new Extractor(dir, opts);
  try {
    for await (const token of readTar(tap())) await u.token(token);
    u.finish();
  } finally {
    await u.cleanup();
  }
  return { diffId: `sha256:${hash.digest('hex')}`, tarSize, size: u.size };
}

const entryError = (name: string, why: string) => invalidParameter(`invalid tar entry "${name}": ${why}`);

/** The entry's path relative to the layer root ('' for the root itself), cleaned lexically. */
export function cleanEntryPath(name: string): string {
  if (name.startsWith('/')) throw entryError(name, 'absolute path');
  if (name.includes('\0')) throw entryError(name, 'NUL in name');
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) throw entryError(name, 'path escapes the layer directory');
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

type Kind = 'dir' | 'file' | 'symlink' | 'other';
interface TreeNode {
  kind: Kind;
  children?: Map<string, TreeNode>;
  /** tar-split file record whose content lives at this path. */
  fileIndex?: number;
  size?: number;
  times?: [atime: number, mtime: number];
}

class Extractor {
  size = 0;
  private readonly root: TreeNode = { kind: 'dir', children: new Map() };
  private readonly recorder?: LayerRecorder;
  private readonly scratchDir: string;
  private file?: FileSink;
  private fileHash?: { rel: string; hash: ReturnType<typeof createHash> };
  private remaining = 0;
  private whiteoutInode?: string;

  constructor(private readonly dir: string, private readonly opts: UnpackOptions) {
    this.recorder = opts.recorder;
    this.scratchDir = opts.scratchDir ?? join(dir, '..');
  }

  async token(t: TarToken): Promise<void> {
    switch (t.kind) {
      case 'header':
        await this.raw(t.raw);
        this.remaining = t.dataSize;
        await this.entry(t.header, t.dataSize);
        if (this.remaining === 0) await this.endEntry();
        return;
      case 'data':
        this.remaining -= t.chunk.length;
        // Data of entries that are not extracted as files (e.g. a whiteout with content) is kept verbatim.
        this.fileHash?.hash.update(t.chunk);
        if (this.file) await this.file.write(t.chunk);
        else await this.raw(t.chunk);
        if (this.remaining === 0) await this.endEntry();
        return;
      case 'padding':
      case 'trailer':
        await this.raw(t.raw);
    }
  }

  /** Directory times last, children before parents: creating entries changes a directory's mtime. */
  finish(): void {
    const visit = (node: TreeNode, rel: string) => {
      for (const [name, child] of node.children!) if (child.kind === 'dir') visit(child, rel ? `${rel}/${name}` : name);
      if (node.times) lutimesSync(this.abs(rel), ...node.times);
    };
    visit(this.root, '');
  }

  async cleanup(): Promise<void> {
    if (this.file) {
      await this.file.abort();
      this.file = undefined;
    }
    if (this.whiteoutInode) await unlink(this.whiteoutInode).catch(() => {});
  }

  private async raw(b: Buffer): Promise<void> {
    const p = this.recorder?.raw(b);
    if (p) await p;
  }

  private abs(rel: string): string {
    return rel ? join(this.dir, rel) : this.dir;
  }

  private async entry(h: TarHeader, dataSize: number): Promise<void> {
    const rel = cleanEntryPath(h.name);
    if (this.opts.plain) return this.plainEntry(h, rel, dataSize);
    // aufs bookkeeping at the top level (.wh..wh.plnk, .wh..wh.aufs) means nothing on overlay; Docker skips it too.
    if (rel.startsWith(WHITEOUT_META_PREFIX) && rel !== OPAQUE_WHITEOUT) return;
    const base = rel.slice(rel.lastIndexOf('/') + 1);
    if (base.startsWith(WHITEOUT_PREFIX)) return this.whiteout(h, rel, base);
    return this.plainEntry(h, rel, dataSize);
  }

  private async plainEntry(h: TarHeader, rel: string, dataSize: number): Promise<void> {
    if (rel === '' && h.type !== '5') throw entryError(h.name, 'the layer root must be a directory');
    switch (h.type) {
      case '0':
      case '7':
        return this.regular(h, rel, dataSize);
      case '1':
        return this.hardlink(h, rel);
      case '2':
        return this.symlink(h, rel);
      case '3':
      case '4':
      case '6':
        return this.device(h, rel);
      case '5':
        return this.directory(h, rel);
      default:
        throw entryError(h.name, `unsupported entry type '${h.type}'`);
    }
  }

  private async regular(h: TarHeader, rel: string, dataSize: number): Promise<void> {
    const { parent, base } = await this.parentDir(h.name, rel);
    await this.replace(parent, base, rel, false);
    const path = this.abs(rel);
    const fd = openSync(path, 'wx', 0o600);
    this.file = new FileSink(fd, path, h);
    const node: TreeNode = { kind: 'file', size: dataSize };
    if (dataSize > 0 && this.recorder) node.fileIndex = this.recorder.file(rel, dataSize);
    if (this.opts.fileHashes) this.fileHash = { rel, hash: createHash('sha256') };
    parent.children!.set(base, node);
    this.size += dataSize;
  }

  private async endEntry(): Promise<void> {
    if (this.fileHash) {
      this.opts.fileHashes!.set(this.fileHash.rel, this.fileHash.hash.digest('hex'));
      this.fileHash = undefined;
    }
    const f = this.file;
    if (!f) return;
    await f.flush();
    const h = f.header;
    // chown clears setuid/setgid and file capabilities, so it goes first.
    fchownSync(f.fd, h.uid, h.gid);
    fchmodSync(f.fd, h.mode & 0o7777);
    this.applyXattrs(f.path, h);
    futimesSync(f.fd, h.atime ?? h.mtime, h.mtime);
    this.file = undefined;
    closeSync(f.fd);
  }

  private async hardlink(h: TarHeader, rel: string): Promise<void> {
    let target: string;
    try {
      target = cleanEntryPath(h.linkname);
    } catch {
      throw entryError(h.name, `hard link target "${h.linkname}" escapes the layer directory`);
    }
    const t = this.lookup(h.name, target);
    if (!t) throw entryError(h.name, `hard link target "${h.linkname}" does not exist`);
    if (t.kind === 'dir') throw entryError(h.name, `hard link target "${h.linkname}" is a directory`);
    if (target === rel) return;
    const { parent, base } = await this.parentDir(h.name, rel);
    await this.replace(parent, base, rel, false);
    linkSync(this.abs(target), this.abs(rel));
    parent.children!.set(base, { kind: t.kind });
  }

  private async symlink(h: TarHeader, rel: string): Promise<void> {
    const { parent, base } = await this.parentDir(h.name, rel);
    await this.replace(parent, base, rel, false);
    const path = this.abs(rel);
    symlinkSync(h.linkname, path);
    // Docker's layer size counts a symlink as its lstat size: the target's length in bytes.
    const size = Buffer.byteLength(h.linkname);
    parent.children!.set(base, { kind: 'symlink', size });
    this.size += size;
    lchownSync(path, h.uid, h.gid);
    this.applyXattrs(path, h);
    lutimesSync(path, h.atime ?? h.mtime, h.mtime);
  }

  private async device(h: TarHeader, rel: string): Promise<void> {
    const { parent, base } = await this.parentDir(h.name, rel);
    await this.replace(parent, base, rel, false);
    const path = this.abs(rel);
    await mknod(path, h.type === '3' ? 'c' : h.type === '4' ? 'b' : 'p', h.mode, h.devmajor, h.devminor);
    parent.children!.set(base, { kind: 'other' });
    this.setAttrs(path, h);
  }

  private async directory(h: TarHeader, rel: string): Promise<void> {
    let node = this.root;
    if (rel !== '') {
      const { parent, base } = await this.parentDir(h.name, rel);
      const existing = await this.replace(parent, base, rel, true);
      if (existing) node = existing;
      else {
        mkdirSync(this.abs(rel), 0o700);
        node = { kind: 'dir', children: new Map() };
        parent.children!.set(base, node);
      }
    }
    this.setAttrs(this.abs(rel), h);
    node.times = [h.atime ?? h.mtime, h.mtime];
  }

  private async whiteout(h: TarHeader, rel: string, base: string): Promise<void> {
    const { parent } = await this.parentDir(h.name, rel);
    const parentRel = rel.slice(0, Math.max(0, rel.length - base.length - 1));
    if (base === OPAQUE_WHITEOUT) {
      setXattr(this.abs(parentRel), OPAQUE_XATTR, 'y');
      return;
    }
    if (base.startsWith(WHITEOUT_META_PREFIX)) return; // other aufs markers, meaningless on overlay
    const name = base.slice(WHITEOUT_PREFIX.length);
    if (name === '' || name === '.' || name === '..') throw entryError(h.name, 'invalid whiteout name');
    const target = parentRel ? `${parentRel}/${name}` : name;
    await this.replace(parent, name, target, false);
    await this.linkWhiteout(this.abs(target));
    parent.children!.set(name, { kind: 'other' });
  }

  /**
   * Every whiteout is a hard link to one char 0/0 inode (as the kernel shares its own whiteouts),
   * which costs one mknod spawn per layer instead of one per whiteout.
   */
  private async linkWhiteout(path: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (!this.whiteoutInode) {
        const p = join(this.scratchDir, `.whiteout-${randomBytes(8).toString('hex')}`);
        await mknod(p, 'c', 0);
        this.whiteoutInode = p;
      }
      try {
        linkSync(this.whiteoutInode, path);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EMLINK' || attempt > 0) throw e;
        unlinkSync(this.whiteoutInode);
        this.whiteoutInode = undefined;
      }
    }
  }

  private setAttrs(path: string, h: TarHeader): void {
    lchownSync(path, h.uid, h.gid);
    chmodSync(path, h.mode & 0o7777);
    this.applyXattrs(path, h);
    lutimesSync(path, h.atime ?? h.mtime, h.mtime);
  }

  private applyXattrs(path: string, h: TarHeader): void {
    // Overlay's own attributes from a tar would let a layer forge opaque dirs or redirects.
    for (const [name, value] of h.xattrs) if (!name.startsWith(OVERLAY_XATTR_PREFIX)) setTarXattr(path, name, value);
  }

  /** The directory node holding `rel`, creating missing parents (0755) and refusing symlinked ones. */
  private async parentDir(name: string, rel: string): Promise<{ parent: TreeNode; base: string }> {
    const parts = rel.split('/');
    const base = parts.pop()!;
    let node = this.root;
    let path = '';
    for (const part of parts) {
      path = path ? `${path}/${part}` : part;
      let child = node.children!.get(part);
      if (!child) {
        mkdirSync(this.abs(path));
        chmodSync(this.abs(path), 0o755);
        child = { kind: 'dir', children: new Map() };
        node.children!.set(part, child);
      } else if (child.kind === 'symlink') {
        throw entryError(name, `parent "${path}" is a symbolic link`);
      } else if (child.kind !== 'dir') {
        throw entryError(name, `parent "${path}" is not a directory`);
      }
      node = child;
    }
    return { parent: node, base };
  }

  private lookup(name: string, rel: string): TreeNode | undefined {
    if (rel === '') return this.root;
    let node: TreeNode | undefined = this.root;
    const parts = rel.split('/');
    for (let i = 0; i < parts.length; i++) {
      if (node.kind !== 'dir') return undefined;
      node = node.children!.get(parts[i]!);
      if (!node) return undefined;
      if (i < parts.length - 1 && node.kind === 'symlink') {
        throw entryError(name, `hard link target parent "${parts.slice(0, i + 1).join('/')}" is a symbolic link`);
      }
    }
    return node;
  }

  /** Makes room for a new entry: a directory over a directory merges (returns it), anything else replaces. */
  private async replace(parent: TreeNode, base: string, rel: string, isDir: boolean): Promise<TreeNode | undefined> {
    const existing = parent.children!.get(base);
    if (!existing) return undefined;
    if (existing.kind === 'dir' && isDir) return existing;
    const moved = await this.shadowFiles(existing, rel);
    if (existing.kind === 'dir') await rm(this.abs(rel), { recursive: true, force: true });
    else if (!moved) unlinkSync(this.abs(rel));
    parent.children!.delete(base);
    return undefined;
  }

  /**
   * Moves aside the content of recorded files about to be deleted so replay can still read them.
   * True if `rel` itself was moved.
   */
  private async shadowFiles(node: TreeNode, rel: string): Promise<boolean> {
    for (const [name, child] of node.children ?? []) await this.shadowFiles(child, `${rel}/${name}`);
    if (node.kind === 'symlink') this.size -= node.size ?? 0;
    if (node.kind !== 'file') return false;
    this.size -= node.size ?? 0;
    if (node.fileIndex === undefined || !this.recorder) return false;
    renameSync(this.abs(rel), await this.recorder.shadowPath(node.fileIndex));
    return true;
  }
}
