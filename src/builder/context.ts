// The build context: a directory the builder reads COPY/ADD sources from. Either a tar the client
// sent, extracted (safely, as a plain archive) into scratch space, or — for a local `berth build`
// — the user's directory read in place with .dockerignore applied as it is walked.
import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readFileSync, readdirSync, rmSync, type Stats } from 'node:fs';
import type { Readable } from 'node:stream';
import { invalidParameter } from '../common/errors.js';
import { openLayerStream } from '../layer/decompress.js';
import { unpackLayer } from '../layer/unpack.js';
import { IgnoreMatcher, parseDockerignore } from './dockerignore.js';

const SMALL_FILE = 1 << 20;

/** Content hashes of files in in-place contexts, across builds: (path, inode, size, times) → sha256. */
const hashMemo = new Map<string, string>();
const HASH_MEMO_MAX = 200_000;

export class BuildContext {
  private readonly hashes: Map<string, string>;
  /** The Dockerfile, read before .dockerignore may remove it from the context. */
  private dockerfile?: { name: string; text: string };

  private constructor(
    readonly root: string,
    private readonly matcher: IgnoreMatcher | undefined,
    private readonly owned: boolean,
    hashes?: Map<string, string>,
  ) {
    this.hashes = hashes ?? new Map();
  }

  /** Extracts a context tar (plain or compressed) into `dir`, which must exist and be empty. */
  static async fromTar(input: Readable, dir: string, dockerfile: string): Promise<BuildContext> {
    const hashes = new Map<string, string>();
    const { stream } = await openLayerStream(input);
    try {
      await unpackLayer(stream, dir, { plain: true, fileHashes: hashes, scratchDir: dir + '.scratch' });
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw invalidParameter(`failed to read the build context: ${(e as Error).message}`);
    } finally {
      stream.destroy();
      rmSync(dir + '.scratch', { recursive: true, force: true });
    }
    const ctx = new BuildContext(dir, undefined, true, hashes);
    try {
      ctx.dockerfile = { name: dockerfile, text: ctx.readDockerfile(dockerfile) };
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    ctx.removeIgnoredBuildFiles(dockerfile);
    return ctx;
  }

  /**
   * A local directory, read in place; .dockerignore applies to every walk, except to the
   * directories holding the Dockerfile, which the docker CLI's tar would carry.
   */
  static fromDirectory(dir: string, dockerfile: string): BuildContext {
    let st: Stats;
    try { st = lstatSync(dir); } catch { throw invalidParameter(`context directory ${dir} not found`); }
    if (!st.isDirectory()) throw invalidParameter(`context ${dir} is not a directory`);
    let patterns: string[] = [];
    try { patterns = parseDockerignore(readFileSync(`${dir}/.dockerignore`, 'utf8')); } catch { /* none */ }
    const ctx = new BuildContext(dir, patterns.length ? new IgnoreMatcher(patterns) : undefined, false);
    const df = cleanContextPath(dockerfile);
    ctx.dockerfile = { name: dockerfile, text: ctx.readDockerfile(dockerfile) };
    for (let i = df.indexOf('/'); i > 0; i = df.indexOf('/', i + 1)) ctx.keep.add(df.slice(0, i));
    return ctx;
  }

  private readonly keep = new Set<string>();

  /** The Dockerfile's text (read when the context was opened). */
  dockerfileText(name: string): string {
    if (this.dockerfile?.name === name) return this.dockerfile.text;
    return this.readDockerfile(name);
  }

  /**
   * moby's removeDockerfile: the client always sends the Dockerfile and .dockerignore, and the
   * daemon drops them from the context when .dockerignore excludes them.
   */
  private removeIgnoredBuildFiles(dockerfile: string): void {
    let patterns: string[];
    try { patterns = parseDockerignore(readFileSync(`${this.root}/.dockerignore`, 'utf8')); } catch { return; }
    if (!patterns.length) return;
    const m = new IgnoreMatcher(patterns);
    for (const f of ['.dockerignore', dockerfile]) if (m.excluded(f)) rmSync(`${this.root}/${f}`, { force: true });
  }

  /** Whether any path can be excluded (an in-place context with a .dockerignore). */
  hasExclusions(): boolean {
    return this.matcher !== undefined;
  }

  excluded(rel: string): boolean {
    return rel !== '' && this.matcher !== undefined && !this.keep.has(rel) && this.matcher.excluded(rel);
  }

  /** Whether a walk must enter an excluded directory because an exception may re-include something below. */
  mustDescend(rel: string): boolean {
    return this.matcher !== undefined && this.matcher.mustDescend(rel);
  }

  readDockerfile(name: string): string {
    const rel = cleanContextPath(name);
    try {
      return readFileSync(`${this.root}/${rel}`, 'utf8');
    } catch {
      throw invalidParameter(`Cannot locate specified Dockerfile: ${name}`);
    }
  }

  /** sha256 (hex) of a file's content in the context. */
  async fileHash(rel: string, abs: string, st: Stats): Promise<string> {
    const known = this.hashes.get(rel);
    if (known) return known;
    const memoKey = this.owned ? undefined : `${abs}\0${st.ino}\0${st.size}\0${st.mtimeMs}\0${st.ctimeMs}`;
    if (memoKey) {
      const m = hashMemo.get(memoKey);
      if (m) return m;
    }
    const h = await hashFile(abs, st.size);
    this.hashes.set(rel, h);
    if (memoKey) {
      if (hashMemo.size >= HASH_MEMO_MAX) hashMemo.clear();
      hashMemo.set(memoKey, h);
    }
    return h;
  }

  async close(): Promise<void> {
    if (this.owned) rmSync(this.root, { recursive: true, force: true });
  }
}

async function hashFile(path: string, size: number): Promise<string> {
  const h = createHash('sha256');
  if (size <= SMALL_FILE) {
    h.update(readFileSync(path));
    return h.digest('hex');
  }
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** A context-relative path, cleaned; refuses paths that leave the context. */
export function cleanContextPath(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (!out.length) throw invalidParameter(`Forbidden path outside the build context: ${p} ()`);
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

export interface ContextTree { root: string; excluded(rel: string): boolean; mustDescend(rel: string): boolean }

/** Whether a walk skips `rel`: excluded, unless a directory an exception may re-include something under. */
export function skipped(ctx: ContextTree, rel: string, isDir: boolean): boolean {
  return ctx.excluded(rel) && !(isDir && ctx.mustDescend(rel));
}

/** The topmost entries under directory `rel` that a walk skips, relative to `rel`. */
export function skippedUnder(ctx: ContextTree, rel: string): string[] {
  const out: string[] = [];
  const walk = (r: string) => {
    const abs = r ? `${ctx.root}/${r}` : ctx.root;
    for (const name of readdirSync(abs).sort()) {
      const child = r ? `${r}/${name}` : name;
      const isDir = lstatSync(`${abs}/${name}`).isDirectory();
      if (skipped(ctx, child, isDir)) out.push(rel ? child.slice(rel.length + 1) : child);
      else if (isDir) walk(child);
    }
  };
  walk(rel);
  return out;
}

/** Lists every entry under `rel` (sorted, pre-order), honouring the context's exclusions. */
export function* walkSource(ctx: ContextTree, rel: string): Generator<{ rel: string; abs: string; st: Stats }> {
  const abs = rel ? `${ctx.root}/${rel}` : ctx.root;
  const st = lstatSync(abs);
  yield { rel, abs, st };
  if (!st.isDirectory()) return;
  for (const name of readdirSync(abs).sort()) {
    const childRel = rel ? `${rel}/${name}` : name;
    if (ctx.excluded(childRel) && !(lstatSync(`${abs}/${name}`).isDirectory() && ctx.mustDescend(childRel))) continue;
    yield* walkSource(ctx, childRel);
  }
}
