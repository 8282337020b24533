// COPY and ADD as steps: sources resolved (context, another stage, an image, a URL, a heredoc),
// hashed for the cache key as moby's `<cmd> <dir|file|multi>:<hash> in <dest> ` comment, then
// copied into a workspace over the current image.
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { closeSync, createReadStream, createWriteStream, lstatSync, mkdirSync, openSync, readSync, readlinkSync, rmSync, statSync, utimesSync, writeFileSync, type Stats } from 'node:fs';
import { basename, join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalidParameter } from '../common/errors.js';
import { resolveInRoot } from '../common/rootfs-path.js';
import { openLayerStream } from '../layer/decompress.js';
import { unpackLayer } from '../layer/unpack.js';
import type { BaseImage, RootView, StepLayer, Workspace } from './backend.js';
import { cleanContextPath, skipped, walkSource, type BuildContext, type ContextTree } from './context.js';
import { copyTree, isDirInRoot, mkdirAllInRoot, parseChmod, parseChown, prepareFileDest, type CopyTarget } from './copy.js';
import { IgnoreMatcher } from './dockerignore.js';
import type { CopyInstr } from './instructions.js';
import type { OutputChannel } from './output.js';
import type { StageEnv } from './stage.js';

export interface CopyHost {
  env: StageEnv;
  out: OutputChannel;
  image(): BaseImage | null;
  workingDir(): string;
  shell(): string[];
  stageResult(ref: string): Promise<BaseImage | null>;
  commit(cmd: string[], make: () => Promise<StepLayer | null>, extra: unknown): Promise<void>;
  openWorkspace(): Promise<Workspace>;
}

interface Source {
  /** Host path of the file or directory to copy. */
  abs: string;
  st: Stats;
  /** Tree the source lives in, for .dockerignore filtering (context sources only). */
  tree?: ContextTree;
  rel: string;
  /** ADD of a local archive: extracted rather than copied. */
  extract?: boolean;
  /** Downloaded (ADD <url>): the file name the URL gives. */
  urlName?: string;
  /** COPY --parents: the path under the destination (the source's path below the context root or the `/./` pivot). */
  parentsRel?: string;
}

const GLOB = /[*?[]/;

export async function copyStep(h: CopyHost, ins: CopyInstr): Promise<void> {
  if (ins.sources.length === 0 && ins.heredocs.length === 0) throw invalidParameter(`${ins.kind.toUpperCase()} requires at least two arguments`);
  const cmdName = ins.kind.toUpperCase();
  const scratch: string[] = [];
  let view: RootView | undefined;
  try {
    let tree: ContextTree;
    let fromImage: BaseImage | null = null;
    if (ins.from) {
      fromImage = await h.stageResult(ins.from);
      view = fromImage ? await h.env.backend.openView(fromImage) : undefined;
      const root = view?.root ?? emptyDir(h, scratch);
      tree = { root, excluded: () => false, mustDescend: () => false };
    } else {
      tree = h.env.req.context;
    }
    const heredocRoot = ins.heredocs.length ? heredocDir(h, ins, scratch) : undefined;
    const excludes = ins.excludes.length ? new IgnoreMatcher(ins.excludes) : undefined;
    const sources: Source[] = [];
    const hashes: string[] = [];
    for (const doc of ins.heredocs) {
      const abs = join(heredocRoot!, doc.name);
      sources.push({ abs, st: lstatSync(abs), rel: doc.name });
      hashes.push(`file:${sha256(doc.content)}`);
    }
    for (const raw of ins.sources) {
      if (ins.kind === 'add' && /^https?:\/\//.test(raw)) {
        const s = await download(h, raw, scratch);
        sources.push(s);
        // moby writes a downloaded file's hash bare, without the `file:` prefix.
        hashes.push(await hashFileContent(s.abs));
        continue;
      }
      const { path, pivot } = ins.parents ? parentsPivot(raw, cmdName) : { path: raw, pivot: undefined };
      let found = resolveSources(tree, path, ins.from !== undefined, cmdName);
      if (excludes) found = applyExcludes(tree, found, path, excludes, cmdName);
      for (const s of found) {
        if (ins.kind === 'add' && !ins.from && s.st.isFile() && isArchive(s.abs)) s.extract = true;
        if (ins.parents) s.parentsRel = pivot === undefined ? s.rel : s.rel === pivot ? '' : s.rel.slice(pivot.length + 1);
        sources.push(s);
        hashes.push(fromImage !== null || ins.from ? `${s.st.isDirectory() ? 'dir' : 'file'}:${sha256(`${fromImage?.id ?? 'scratch'}:${s.rel}`)}` : await hashContextSource(h.env.req.context, s.tree ?? tree, s));
      }
    }
    if (sources.length === 0) throw invalidParameter(`${cmdName} failed: no source files were specified`);
    const hash = hashes.length === 1 ? hashes[0]! : `multi:${sha256(hashes.join(','))}`;

    let dest = ins.dest;
    if (!dest.startsWith('/')) {
      const slash = dest.endsWith('/') || dest === '.' || dest.endsWith('/.');
      dest = posix.join('/', h.workingDir(), dest);
      if (slash && !dest.endsWith('/')) dest += '/';
    }
    const destIsDir = dest.endsWith('/');
    if (sources.length > 1 && !destIsDir) {
      throw invalidParameter(`When using ${cmdName} with more than one source file, the destination must be a directory and end with a /`);
    }
    const mode = parseChmod(ins.chmod);
    const chown = ins.chown ? `--chown=${ins.chown}` : '';
    const comment = `${cmdName} ${chown}${hash} in ${ins.dest} `;
    // --link: BuildKit copies into an empty layer and merges it over the base, so that the layer
    // can be rebased without running the step again. A classic-builder image has no such layers
    // (each is the diff of a step over its parent), and the diff of a copy over the base holds
    // the same files, so the flag changes nothing here but the cache key. The one difference:
    // BuildKit cannot follow a symlink of the base at a destination parent; berth does, as
    // COPY without --link does.
    await h.commit([...h.shell(), `#(nop) ${comment}`], async () => {
      const ws = await h.openWorkspace();
      try {
        const identity = parseChown(ws.root, ins.chown);
        const target: CopyTarget = { root: ws.root, identity, mode };
        for (const s of sources) {
          if (s.parentsRel !== undefined) await copySource(h, ws.root, target, s, posix.join(dest, s.parentsRel), false, scratch);
          else await copySource(h, ws.root, target, s, dest, destIsDir, scratch);
        }
      } catch (e) {
        await ws.discard();
        throw e;
      }
      return ws.finish();
    }, {
      chown: ins.chown ?? null, chmod: ins.chmod ?? null, from: ins.from ?? null, link: ins.link,
      // Only when given, so the keys of other COPY steps stay as they were.
      excludes: ins.excludes.length ? ins.excludes : undefined, parents: ins.parents || undefined,
    });
  } finally {
    await view?.close();
    for (const d of scratch) rmSync(d, { recursive: true, force: true });
  }
}

async function copySource(h: CopyHost, root: string, target: CopyTarget, s: Source, dest: string, destIsDir: boolean, scratch: string[]): Promise<void> {
  const skip = s.tree ? (rel: string, isDir: boolean) => skipped(s.tree!, s.rel ? `${s.rel}/${rel}` : rel, isDir) : undefined;
  if (s.st.isDirectory() || s.extract) {
    const existed = isDirInRoot(root, dest);
    const dst = mkdirAllInRoot(root, dest, target.identity);
    if (s.extract) {
      const dir = join(h.env.backend.scratchDir());
      scratch.push(dir);
      const out = join(dir, 'x');
      mkdirSync(out);
      await extractArchive(s.abs, out, dir);
      copyTree(out, lstatSync(out), dst, { ...target, keepOwner: target.identity.uid === 0 && target.identity.gid === 0 }, undefined);
      return;
    }
    copyTree(s.abs, s.st, dst, target, skip);
    if (!existed) utimesSync(dst, s.st.atime, s.st.mtime);
    return;
  }
  const name = s.urlName ?? basename(s.rel || s.abs);
  const fileDest = destIsDir || isDirInRoot(root, dest) ? posix.join(dest, name) : dest;
  const dst = prepareFileDest(root, fileDest, target.identity);
  copyTree(s.abs, s.st, dst, target);
}

/** Context (or other root) entries a source names: one path, or every match of a wildcard. */
function resolveSources(tree: ContextTree, raw: string, fromRoot: boolean, cmdName: string): Source[] {
  if (!GLOB.test(raw)) {
    let rel: string;
    let abs: string;
    if (fromRoot) {
      abs = resolveInRoot(tree.root, '/' + raw);
      rel = abs.slice(tree.root.length + 1);
    } else {
      rel = contextPath(raw, cmdName);
      // A link named as the source is followed, inside the context.
      abs = resolveInRoot(tree.root, '/' + rel);
      if (rel && tree.excluded(rel)) abs = '';
    }
    let st: Stats | undefined;
    try { if (abs) st = lstatSync(abs); } catch { /* missing */ }
    if (!st) {
      throw invalidParameter(`${cmdName} failed: file not found in build context or excluded by .dockerignore: stat ${raw.replace(/^\/+/, '')}: file does not exist`);
    }
    return [{ abs, st, rel: abs === tree.root ? '' : abs.slice(tree.root.length + 1), tree: fromRoot ? undefined : tree }];
  }
  const pattern = contextPath(raw, cmdName);
  const segs = pattern.split('/');
  const firstGlob = segs.findIndex((s) => GLOB.test(s));
  const prefix = segs.slice(0, firstGlob).join('/');
  const re = globRegExp(pattern);
  const out: Source[] = [];
  let start: Stats | undefined;
  try { start = lstatSync(prefix ? join(tree.root, prefix) : tree.root); } catch { /* missing */ }
  if (!start?.isDirectory()) return out;
  const walk = (rel: string) => {
    const it = walkSource(tree, rel);
    it.next(); // the directory itself
    for (const e of it) {
      if (re.test(e.rel)) {
        out.push({ abs: e.abs, st: e.st, rel: e.rel, tree: fromRoot ? undefined : tree });
      }
    }
  };
  walk(prefix);
  // A matched directory brings its whole tree; its own matching descendants are not separate sources.
  const dirs = out.filter((s) => s.st.isDirectory()).map((s) => s.rel + '/');
  return out.filter((s) => !dirs.some((d) => s.rel.startsWith(d)));
}

/**
 * COPY --parents: a source's path is kept under the destination, from the context root or from
 * the pivot a `/./` marks (`src/./app/*.js` copies to `<dest>/app/…`).
 */
function parentsPivot(raw: string, cmdName: string): { path: string; pivot: string | undefined } {
  const cut = raw.indexOf('/./');
  if (cut < 0) return { path: raw, pivot: undefined };
  const pivot = contextPath(raw.slice(0, cut), cmdName);
  return { path: `${raw.slice(0, cut)}/${raw.slice(cut + 3)}`, pivot: pivot || undefined };
}

/**
 * --exclude, as BuildKit's copy applies it: patterns (.dockerignore syntax) match paths below a
 * directory source, relative to it, and the matches of a wildcard relative to its fixed prefix;
 * a source named literally is never excluded itself.
 */
function applyExcludes(tree: ContextTree, found: Source[], raw: string, m: IgnoreMatcher, cmdName: string): Source[] {
  let out = found;
  if (GLOB.test(raw)) {
    const segs = contextPath(raw, cmdName).split('/');
    const prefix = segs.slice(0, segs.findIndex((x) => GLOB.test(x))).join('/');
    out = found.filter((s) => !m.excluded(prefix ? s.rel.slice(prefix.length + 1) : s.rel));
  }
  for (const s of out) if (s.st.isDirectory()) s.tree = excludingTree(s.tree ?? tree, s.rel, m);
  return out;
}

/** `tree` with what `m` excludes below `base` (paths relative to it) left out too. */
function excludingTree(tree: ContextTree, base: string, m: IgnoreMatcher): ContextTree {
  const below = (rel: string) => (base === '' ? rel : rel.startsWith(base + '/') ? rel.slice(base.length + 1) : '');
  const mEx = (rel: string) => below(rel) !== '' && m.excluded(below(rel));
  return {
    root: tree.root,
    excluded: (rel) => tree.excluded(rel) || mEx(rel),
    // A walk enters an excluded directory only if everything that excludes it allows that.
    mustDescend: (rel) => (!tree.excluded(rel) || tree.mustDescend(rel)) && (!mEx(rel) || m.mustDescend(below(rel))),
  };
}

function contextPath(raw: string, cmdName: string): string {
  try {
    return cleanContextPath(raw);
  } catch {
    throw invalidParameter(`${cmdName} failed: forbidden path outside the build context: ${raw} ()`);
  }
}

/** Go's filepath.Match over a whole path: `*` and `?` stay within one segment. */
export function globRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw invalidParameter(`syntax error in pattern: ${pattern}`);
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = '^' + cls.slice(1).replace(/\\/g, '\\\\');
      else cls = cls.replace(/\\/g, '\\\\');
      re += `[${cls}]`;
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * moby's hash of a context source: every entry's name, type, mode, size, link and content (not
 * times or owners). Also the cache key of a RUN --mount=type=bind of the context.
 */
export async function hashContextSource(ctx: BuildContext, tree: ContextTree, s: { abs: string; st: Stats; rel: string }): Promise<string> {
  const hash = createHash('sha256');
  if (!s.st.isDirectory()) {
    const content = s.st.isFile() ? await ctx.fileHash(s.rel, s.abs, s.st) : '';
    hash.update(`${s.st.mode}\0${s.st.size}\0${content}`);
    return `file:${hash.digest('hex')}`;
  }
  for (const e of walkSource(tree, s.rel)) {
    const name = e.rel.slice(s.rel.length);
    // The source directory's own attributes are not copied (only its contents are), and in an
    // uploaded context the root's are the scratch directory's, not the client's.
    if (name === '') continue;
    let body = '';
    if (e.st.isFile()) body = await ctx.fileHash(e.rel, e.abs, e.st);
    else if (e.st.isSymbolicLink()) body = '->' + readlinkSync(e.abs);
    hash.update(`${name}\0${e.st.mode}\0${e.st.isFile() ? e.st.size : 0}\0${body}\n`);
  }
  return `dir:${hash.digest('hex')}`;
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

async function hashFileContent(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const c of createReadStream(path)) hash.update(c as Buffer);
  return hash.digest('hex');
}

function emptyDir(h: CopyHost, scratch: string[]): string {
  const d = h.env.backend.scratchDir();
  scratch.push(d);
  return d;
}

/** COPY <<EOF: each heredoc becomes a file (0644) named by its delimiter. */
function heredocDir(h: CopyHost, ins: CopyInstr, scratch: string[]): string {
  const d = h.env.backend.scratchDir();
  scratch.push(d);
  for (const doc of ins.heredocs) writeFileSync(join(d, doc.name), doc.content, { mode: 0o644 });
  return d;
}

/** ADD <url>: fetched every build (the cache compares the content), mode 0600, Last-Modified kept. */
async function download(h: CopyHost, url: string, scratch: string[]): Promise<Source> {
  const d = h.env.backend.scratchDir();
  scratch.push(d);
  const path = join(d, 'download');
  let res: Response;
  try {
    res = await fetch(url, { signal: h.env.signal, redirect: 'follow' });
  } catch (e) {
    throw invalidParameter(`failed to GET ${url}: ${(e as Error).message}`);
  }
  if (!res.ok || !res.body) throw invalidParameter(`failed to GET ${url} with status ${res.status} ${res.statusText}: ${(await res.text().catch(() => '')).trim()}`);
  await pipeline(res.body as unknown as Readable, createWriteStream(path, { mode: 0o600 }));
  const lm = res.headers.get('last-modified');
  if (lm && !Number.isNaN(Date.parse(lm))) utimesSync(path, new Date(lm), new Date(lm));
  let name = posix.basename(new URL(url).pathname);
  if (!name || name === '/') name = '';
  const st = statSync(path);
  return { abs: path, st, rel: name, urlName: name || undefined };
}

/** tar, or tar compressed with gzip, bzip2, xz or zstd: what ADD extracts. */
function isArchive(path: string): boolean {
  const b = Buffer.alloc(512);
  let n = 0;
  const fd = openSync(path, 'r');
  try { n = readSync(fd, b, 0, 512, 0); } finally { closeSync(fd); }
  if (n >= 2 && b[0] === 0x1f && b[1] === 0x8b) return true;
  if (n >= 3 && b.subarray(0, 3).toString('latin1') === 'BZh') return true;
  if (n >= 6 && b.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return true;
  if (n >= 4 && b.readUInt32LE(0) === 0xfd2fb528) return true;
  return n >= 262 && b.subarray(257, 262).toString('latin1') === 'ustar';
}

async function extractArchive(path: string, out: string, scratch: string): Promise<void> {
  const head = Buffer.alloc(6);
  const fd = openSync(path, 'r');
  try { readSync(fd, head, 0, 6, 0); } finally { closeSync(fd); }
  let input: Readable;
  let proc: ReturnType<typeof spawn> | undefined;
  if (head.subarray(0, 3).toString('latin1') === 'BZh' || head.equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) {
    proc = spawn(head[0] === 0x42 ? 'bzip2' : 'xz', ['-dc', path], { stdio: ['ignore', 'pipe', 'ignore'] });
    input = proc.stdout!;
  } else {
    input = (await openLayerStream(createReadStream(path))).stream;
  }
  try {
    await unpackLayer(input, out, { plain: true, scratchDir: scratch });
  } catch (e) {
    throw invalidParameter(`failed to extract ${basename(path)}: ${(e as Error).message}`);
  } finally {
    input.destroy();
    proc?.kill();
  }
}
