// The path rules of `docker cp` and the archive API, as Go's path/filepath and moby's
// pkg/archive (copy.go) define them: trailing `/` and `/.`, the destination cases of
// PrepareArchiveCopy and the rebasing of archive entry names. Pure functions, shared by the
// daemon's archive routes and the `cp` command.

/** Go's filepath.Clean for '/'-separated paths. */
export function goClean(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(c);
  }
  const s = out.join('/');
  return rooted ? `/${s}` : s || '.';
}

/** Go's filepath.Base: the last element, trailing slashes dropped; '.' for '' and '/' for all slashes. */
export function goBase(p: string): string {
  if (p === '') return '.';
  const t = p.replace(/\/+$/, '');
  if (t === '') return '/';
  return t.slice(t.lastIndexOf('/') + 1);
}

/** Go's filepath.Dir. */
export function goDir(p: string): string {
  return goClean(p.slice(0, p.lastIndexOf('/') + 1));
}

/** Go's filepath.Split: everything up to and including the last slash, and the rest. */
export function goSplit(p: string): [dir: string, file: string] {
  const i = p.lastIndexOf('/');
  return [p.slice(0, i + 1), p.slice(i + 1)];
}

/** Go's filepath.Join. */
export function goJoin(...parts: string[]): string {
  const nonEmpty = parts.filter((x) => x !== '');
  return nonEmpty.length ? goClean(nonEmpty.join('/')) : '';
}

/** Go's filepath.Abs against `cwd`. */
export function goAbs(p: string, cwd = process.cwd()): string {
  return p.startsWith('/') ? goClean(p) : goJoin(cwd, p);
}

/** Go's strings.Replace(s, old, new, 1); an empty `old` inserts at the start, as in Go. */
export function replaceFirst(s: string, old: string, replacement: string): string {
  const i = s.indexOf(old);
  return i < 0 ? s : s.slice(0, i) + replacement + s.slice(i + old.length);
}

export const hasTrailingPathSeparator = (p: string): boolean => p.length > 0 && p.endsWith('/');
/** The last element is `.` (e.g. `dir/.`). */
export const specifiesCurrentDir = (p: string): boolean => goBase(p) === '.';
/** A trailing `/` or `/.` asserts that the path is a directory. */
export const assertsDirectory = (p: string): boolean => hasTrailingPathSeparator(p) || specifiesCurrentDir(p);

/**
 * A cleaned path with the trailing `/.` or `/` of the original put back (pkg/archive
 * PreserveTrailingDotOrSeparator).
 */
export function preserveTrailingDotOrSeparator(cleaned: string, original: string): string {
  let out = cleaned;
  if (!specifiesCurrentDir(out) && specifiesCurrentDir(original)) {
    if (!hasTrailingPathSeparator(out)) out += '/';
    out += '.';
  }
  if (!hasTrailingPathSeparator(out) && hasTrailingPathSeparator(original)) out += '/';
  return out;
}

/** Directory and base name of a path, keeping a trailing `.` (pkg/archive SplitPathDirEntry). */
export function splitPathDirEntry(p: string): [dir: string, base: string] {
  let cleaned = goClean(p);
  if (specifiesCurrentDir(p)) cleaned += '/.';
  return [goDir(cleaned), goBase(cleaned)];
}

/**
 * After a symlink in `path` resolved to `resolved`: the resolved path with the request's trailing
 * `/.` or `/` kept, and the name the archive's top entry must take (pkg/archive GetRebaseName).
 */
export function getRebaseName(path: string, resolved: string): [resolvedPath: string, rebaseName: string] {
  let r = resolved;
  if (specifiesCurrentDir(path) && !specifiesCurrentDir(r)) r += '/.';
  if (hasTrailingPathSeparator(path) && !hasTrailingPathSeparator(r)) r += '/';
  return [r, goBase(path) !== goBase(r) ? goBase(path) : ''];
}

/** The path of an archive request as the container sees it: absolute, cleaned, trailing `/.` or `/` kept. */
export function containerAbsPath(path: string): string {
  return preserveTrailingDotOrSeparator(goJoin('/', path), path);
}

/** pkg/archive CopyInfo: one side of a copy. */
export interface CopyInfo {
  path: string;
  exists: boolean;
  isDir: boolean;
  /** The name the source's top entry must take in the destination, when a symlink changed it. */
  rebaseName?: string;
}

/** What a copy does with the source archive: where to extract it, and how to rename its top entry. */
export interface ArchiveCopyPlan {
  dstDir: string;
  rebase?: { from: string; to: string };
}

export class CopyRuleError extends Error {}

/**
 * pkg/archive PrepareArchiveCopy, without the stream: the directory to extract into and the
 * renaming of the archive's top entry, or Docker's refusal ("cannot copy directory",
 * "no such directory").
 */
export function planArchiveCopy(src: CopyInfo, dst: CopyInfo): ArchiveCopyPlan {
  const [dstDir, dstBase] = splitPathDirEntry(dst.path);
  let [, srcBase] = splitPathDirEntry(src.path);
  if (src.rebaseName) srcBase = src.rebaseName;
  if (dst.exists && dst.isDir) return { dstDir: dst.path };
  if (dst.exists && src.isDir) throw new CopyRuleError('cannot copy directory');
  if (dst.exists || src.isDir) return { dstDir, rebase: { from: srcBase, to: dstBase } };
  if (assertsDirectory(dst.path)) throw new CopyRuleError('no such directory');
  return { dstDir, rebase: { from: srcBase, to: dstBase } };
}

/** pkg/archive RebaseArchiveEntries' renaming of one entry name: `/` as the old base means ''. */
export function rebaseEntryName(name: string, from: string, to: string): string {
  return replaceFirst(name, from === '/' ? '' : from, to);
}

/**
 * `docker cp`'s CONTAINER:PATH split: an absolute path, or a relative one starting with `.`,
 * is local even when it contains a colon.
 */
export function splitCpArg(arg: string): { container: string; path: string } {
  if (arg.startsWith('/')) return { container: '', path: arg };
  const i = arg.indexOf(':');
  if (i < 0 || arg.slice(0, i).startsWith('.')) return { container: '', path: arg };
  return { container: arg.slice(0, i), path: arg.slice(i + 1) };
}
