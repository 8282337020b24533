// The local side of `docker cp` (moby pkg/archive copy.go and docker/cli's output checks): what a
// local source or destination is, the tar of a local source, and the extraction of a container's
// archive into a local directory — confined to that directory: nothing in the archive, not even
// a symlink it brings or one already there, makes it write outside.
import { lstatSync, readlinkSync, realpathSync, statSync, type Stats as NodeStats } from 'node:fs';
import type { Readable } from 'node:stream';
import { FsTree, goFsError, type FsDir } from './archive-fs.js';
import { extractTar } from './archive-extract.js';
import {
  CopyRuleError, getRebaseName, goBase, goClean, goDir, goJoin, goSplit, hasTrailingPathSeparator, planArchiveCopy,
  splitPathDirEntry, type CopyInfo,
} from './archive-paths.js';
import { rebaseArchive, tarTree, type TarTop } from './archive-tar.js';
import { GO_MODE_DEVICE, GO_MODE_IRREGULAR, hasModeBit } from './archive.js';

/** An error the `cp` command prints as it is (docker's plain errors). */
export class CopyError extends Error {}

const lstatGo = (p: string): NodeStats => {
  try {
    return lstatSync(p);
  } catch (e) {
    throw goFsError(e, 'lstat', p);
  }
};

/** Go's filepath.EvalSymlinks (the path must exist). */
function evalSymlinks(p: string): string {
  try {
    return realpathSync(p === '' ? '.' : p);
  } catch (e) {
    // Go names the component that failed; realpath does not say, so name the whole path.
    throw goFsError(e, 'lstat', goClean(p));
  }
}

/** command.ValidateOutputPathFileMode, on a Go FileMode. */
export function validateOutputPathFileMode(goMode: number): string | undefined {
  if (hasModeBit(goMode, GO_MODE_DEVICE)) return 'got a device';
  if (hasModeBit(goMode, GO_MODE_IRREGULAR)) return 'got an irregular file';
  return undefined;
}

/** command.ValidateOutputPath: the parent must exist; an existing path must be a dir or a regular file. */
export function validateOutputPath(path: string): void {
  const dir = goDir(goClean(path));
  if (dir !== '' && dir !== '.') {
    try {
      statSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new CopyError(`invalid output path: directory ${JSON.stringify(dir)} does not exist`);
    }
  }
  let st: NodeStats;
  try {
    st = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw goFsError(e, 'stat', path);
  }
  if (st.isDirectory() || st.isFile()) return;
  if (st.isCharacterDevice() || st.isBlockDevice()) throw new CopyError(`invalid output path: ${JSON.stringify(path)}: got a device`);
}

/** pkg/archive CopyInfoSourcePath: a local source, its parent's symlinks (or all, with -L) resolved. */
export function copyInfoSourcePath(path: string, followLink: boolean): CopyInfo {
  let resolved: string;
  let rebaseName = '';
  if (followLink) {
    [resolved, rebaseName] = getRebaseName(path, evalSymlinks(path));
  } else {
    const [dir, base] = goSplit(path);
    const rdir = evalSymlinks(dir);
    resolved = (rdir === '/' ? '' : rdir) + '/' + base;
    if (hasTrailingPathSeparator(path) && goBase(path) !== goBase(resolved)) rebaseName = goBase(path);
  }
  const st = lstatGo(resolved);
  return { path: resolved, exists: true, isDir: st.isDirectory(), rebaseName };
}

/**
 * pkg/archive CopyInfoDestinationPath: a local destination, following a symlink at its end (up
 * to 10); a missing one is fine if its parent is a directory.
 */
export function copyInfoDestinationPath(path: string): CopyInfo {
  const original = path;
  let p = path;
  let st: NodeStats | undefined;
  let err: unknown;
  const look = () => {
    try {
      st = lstatSync(p);
      err = undefined;
    } catch (e) {
      st = undefined;
      err = e;
    }
  };
  look();
  for (let n = 0; st?.isSymbolicLink(); n++) {
    if (n > 10) throw new CopyError(`too many symlinks in ${original}`);
    let target = readlinkSync(p, 'utf8');
    if (!target.startsWith('/')) target = goJoin(splitPathDirEntry(p)[0], target);
    p = target;
    look();
  }
  if (!st) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw goFsError(err, 'lstat', p);
    const parent = splitPathDirEntry(p)[0];
    let pst: NodeStats;
    try {
      pst = statSync(parent);
    } catch (e) {
      throw goFsError(e, 'stat', parent);
    }
    if (!pst.isDirectory()) throw new CopyError('not a directory');
    return { path: p, exists: false, isDir: false };
  }
  return { path: p, exists: true, isDir: st.isDirectory() };
}

/** pkg/archive TarResource: the archive of a local source, its top entry named as Docker names it. */
export function tarLocalSource(src: CopyInfo): Readable {
  const [dir, base] = splitPathDirEntry(src.path);
  const tree = new FsTree('/', 'chroot');
  let d: FsDir;
  try {
    d = tree.openDir(dir);
  } catch (e) {
    tree.close();
    throw e;
  }
  const top: TarTop = base === '.' || base === '/' ? { dir: d } : { parent: d, name: base };
  const name = src.rebaseName ? (src.rebaseName === '/' ? '' : src.rebaseName) : base;
  return tarTree(tree, top, { name }, () => { tree.closeDir(d); tree.close(); });
}

/** Counts the bytes passing (docker's copiedSize). */
export async function* counted(input: AsyncIterable<Buffer>, count: { bytes: number }): AsyncGenerator<Buffer> {
  for await (const chunk of input) {
    count.bytes += chunk.length;
    yield chunk;
  }
}

/**
 * pkg/archive CopyTo on the client: extracts an archive of `src` to the local `dstPath`
 * (renaming its top entry as the destination requires), never chowning, refusing to replace a
 * directory with a file or the reverse, leaving device nodes out (`skipped` hears of them).
 */
export async function copyToLocal(content: AsyncIterable<Buffer>, src: CopyInfo, dstPath: string, skipped?: (name: string, why: string) => void): Promise<void> {
  const dst = copyInfoDestinationPath(dstPath);
  let plan;
  try {
    plan = planArchiveCopy(src, dst);
  } catch (e) {
    if (e instanceof CopyRuleError) throw new CopyError(e.message);
    throw e;
  }
  const input = plan.rebase ? rebaseArchive(content, plan.rebase.from, plan.rebase.to) : content;
  const root = evalSymlinks(plan.dstDir);
  const tree = new FsTree(root, 'beneath');
  try {
    await extractTar(input, tree, {
      dest: '/', noOverwriteDirNonDir: true, owner: 'none', devices: 'skip', skipped,
      showPath: (p) => (p === '/' ? root : root === '/' ? p : root + p),
    });
  } finally {
    tree.close();
  }
}
