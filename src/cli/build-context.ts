// The build context the CLI sends, as the docker CLI prepares it (cli/command/image/build and
// build/context.go): the context directory and Dockerfile resolved (symlinks evaluated, `Dockerfile`
// falling back to `dockerfile`), the directory checked for unreadable files, and a streamed tar of
// it with .dockerignore applied — entries in Go's walk order, relative names, owner 0:0, modes and
// mtimes kept, symlinks as symlinks, hard links as links, and the Dockerfile and .dockerignore
// always in (the daemon drops them later when excluded). A Dockerfile from outside the context or
// from stdin travels in the tar as `.dockerfile.<20 hex>`, named in .dockerignore so the daemon
// leaves it out of the build. A context on stdin is a tar (sent as it is, compressed or not) or a
// Dockerfile alone.
import { randomBytes } from 'node:crypto';
import { closeSync, lstatSync, openSync, readFileSync, readlinkSync, realpathSync, type Stats } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { IgnoreMatcher, parseDockerignore, sortedNames, walkContext } from '../builder/dockerignore.js';
import { OutputBatcher } from '../layer/out-batcher.js';
import { BLOCK, padding } from '../layer/tar-reader.js';
import { END_OF_ARCHIVE, encodeHeader, type EntryHeader } from '../layer/tar-writer.js';

export const DEFAULT_DOCKERFILE = 'Dockerfile';
export const DOCKERIGNORE = '.dockerignore';

/** Go's text for an errno ("no such file or directory"), from a Node error. */
export function errnoText(e: unknown): string {
  const msg = (e as Error).message ?? String(e);
  const m = /^[A-Z0-9]+: ([^,]+),/.exec(msg);
  return m ? m[1]! : msg;
}

const code = (e: unknown) => (e as NodeJS.ErrnoException).code;

/**
 * filepath.EvalSymlinks; on failure Go's error for the first component that can't be looked up
 * (`lstat /ctx/Dockerfile: no such file or directory`).
 */
function evalSymlinks(p: string): string {
  try {
    return realpathSync(p);
  } catch (e) {
    let cur = '';
    for (const part of p.split('/').filter(Boolean)) {
      cur += `/${part}`;
      try {
        lstatSync(cur);
      } catch (e2) {
        throw new Error(`lstat ${cur}: ${errnoText(e2)}`);
      }
    }
    throw new Error(errnoText(e));
  }
}

/** Whether `docker build` takes the argument as a local directory (os.Stat succeeds: any type). */
export function isLocalPath(p: string): boolean {
  try {
    return realpathSync(p) !== '';
  } catch {
    return false;
  }
}

/** resolveAndValidateContextPath: the absolute, symlink-free context directory. */
export function resolveContextDir(given: string): string {
  const abs = resolve(given);
  let real: string;
  try {
    real = evalSymlinks(abs);
  } catch (e) {
    throw new Error(`unable to evaluate symlinks in context path: ${(e as Error).message}`);
  }
  let st: Stats;
  try {
    st = lstatSync(real);
  } catch (e) {
    throw new Error(`unable to stat context directory "${real}": lstat ${real}: ${errnoText(e)}`);
  }
  if (!st.isDirectory()) throw new Error(`context must be a directory: ${real}`);
  return real;
}

/**
 * getDockerfileRelPath: the Dockerfile's path relative to the context directory (it starts with
 * `../` when the file is outside it), or `-` for stdin. Without a name, `Dockerfile` — or
 * `dockerfile` when only that one exists. A relative name is taken from the context directory;
 * `docker build` itself makes `-f` absolute from the working directory first.
 */
export function dockerfileRelPath(absContextDir: string, given = ''): string {
  if (given === '-') return given;
  let abs = given;
  if (abs === '') {
    abs = join(absContextDir, DEFAULT_DOCKERFILE);
    if (!exists(abs)) {
      const alt = join(absContextDir, DEFAULT_DOCKERFILE.toLowerCase());
      if (exists(alt)) abs = alt;
    }
  }
  if (!isAbsolute(abs)) abs = join(absContextDir, abs);
  try {
    abs = evalSymlinks(abs);
  } catch (e) {
    throw new Error(`unable to evaluate symlinks in Dockerfile path: ${(e as Error).message}`);
  }
  if (!exists(abs)) throw new Error(`cannot locate Dockerfile: "${abs}"`);
  return relative(absContextDir, abs) || '.';
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** GetContextFromLocalDir: the context directory and the Dockerfile relative to it. */
export function localContext(dir: string, dockerfileName = ''): { contextDir: string; relDockerfile: string } {
  const contextDir = resolveContextDir(dir);
  const given = dockerfileName !== '' && dockerfileName !== '-' ? resolve(dockerfileName) : dockerfileName;
  return { contextDir, relDockerfile: dockerfileRelPath(contextDir, given) };
}

export function isOutsideContext(relDockerfile: string): boolean {
  return relDockerfile === '..' || relDockerfile.startsWith('../');
}

/** The patterns of the context's .dockerignore (none when there is no such file). */
export function readDockerignore(contextDir: string): string[] {
  let text: string;
  try {
    text = readFileSync(join(contextDir, DOCKERIGNORE), 'utf8');
  } catch (e) {
    if (code(e) === 'ENOENT') return [];
    throw new Error(`read ${join(contextDir, DOCKERIGNORE)}: ${errnoText(e)}`);
  }
  return parseDockerignore(text);
}

/**
 * TrimBuildFilesFromExcludes: exceptions for .dockerignore and the Dockerfile when the patterns
 * exclude them, so that both reach the daemon, which removes them from the build itself.
 */
export function keepBuildFiles(excludes: string[], relDockerfile: string, dockerfileFromStdin: boolean): string[] {
  const m = new IgnoreMatcher(excludes);
  const out = [...excludes];
  if (m.excluded(DOCKERIGNORE)) out.push(`!${DOCKERIGNORE}`);
  if (!dockerfileFromStdin && m.excluded(relDockerfile)) out.push(`!${relDockerfile}`);
  return out;
}

/**
 * ValidateContextDirectory: every file that is not excluded can be read. Symlinks and named pipes
 * are not opened; an excluded directory is not entered.
 */
export function validateContextDirectory(contextDir: string, excludes: string[]): void {
  const matcher = new IgnoreMatcher(excludes);
  const fail = (abs: string, e: unknown): never => {
    if (code(e) === 'EACCES' || code(e) === 'EPERM') throw new Error(`can't stat '${abs}'`);
    if (code(e) === 'ENOENT') throw new Error(`file ('${abs}') not found or excluded by .dockerignore`);
    throw e;
  };
  const visit = (dirAbs: string, dirRel: string): void => {
    let names: string[] = [];
    try {
      names = sortedNames(dirAbs);
    } catch (e) {
      fail(dirAbs, e);
    }
    for (const name of names) {
      const abs = join(dirAbs, name);
      const rel = dirRel ? `${dirRel}/${name}` : name;
      let st: Stats;
      try {
        st = lstatSync(abs);
      } catch (e) {
        return fail(abs, e);
      }
      if (matcher.excluded(rel)) continue;
      if (st.isSymbolicLink() || st.isFIFO()) continue;
      if (st.isDirectory()) {
        visit(abs, rel);
        continue;
      }
      try {
        closeSync(openSync(abs, 'r'));
      } catch (e) {
        if (code(e) === 'EACCES' || code(e) === 'EPERM') throw new Error(`no permission to read from '${abs}'`);
      }
    }
  };
  visit(contextDir, '');
}

/** `.dockerfile.` and 20 random hex digits: the name of a Dockerfile added to the context. */
export function randomDockerfileName(): string {
  return `.dockerfile.${randomBytes(32).toString('hex').slice(0, 20)}`;
}

export interface PackContextOptions {
  /**
   * A Dockerfile from outside the context or from stdin: added as `name` at the end of the tar,
   * and `name` appended to .dockerignore (created as `.dockerignore\n<name>\n` when absent).
   */
  extraDockerfile?: { name: string; content: Buffer };
  /** mtime of added entries (default: now). */
  now?: Date;
}

const sec = (ms: number) => Math.floor(ms / 1000);

/** Linux's major/minor of a dev_t (glibc's gnu_dev_major/minor). */
function splitRdev(rdev: number): { major: number; minor: number } {
  const hi = Math.floor(rdev / 2 ** 32);
  const lo = rdev >>> 0;
  return { major: ((lo >>> 8) & 0xfff) | ((hi & 0xfffff000) >>> 0), minor: (lo & 0xff) | ((lo >>> 12) & 0xfff00) };
}

/** The context tar as a stream, produced as it is read: file contents are never held whole. */
export function packContext(root: string, matcher: IgnoreMatcher, opts: PackContextOptions = {}): Readable {
  return Readable.from(generateContextTar(root, matcher, opts), { objectMode: false, highWaterMark: 1 << 20 });
}

async function* generateContextTar(root: string, matcher: IgnoreMatcher, opts: PackContextOptions): AsyncGenerator<Buffer> {
  const out = new OutputBatcher();
  const links = new Map<string, string>(); // "dev:ino" → first entry name
  const extra = opts.extraDockerfile;
  const now = sec((opts.now ?? new Date()).getTime());
  let sawDockerignore = false;

  for (const { rel, abs, stat: st } of walkContext(root, matcher)) {
    if (out.full) yield* out.drain();
    const base = { mode: st.mode, uid: 0, gid: 0, mtime: sec(st.mtimeMs) };
    const header = (h: Omit<EntryHeader, 'mode' | 'uid' | 'gid' | 'mtime'>) => out.raw(encodeHeader({ ...base, ...h }));
    if (st.isDirectory()) {
      header({ name: `${rel}/`, type: '5', size: 0 });
      continue;
    }
    if (st.isSocket()) continue; // not archivable; Docker skips them too
    if (st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      const first = links.get(key);
      if (first !== undefined) {
        header({ name: rel, type: '1', linkname: first, size: 0 });
        continue;
      }
      links.set(key, rel);
    }
    if (st.isFile()) {
      if (extra && rel === DOCKERIGNORE) {
        sawDockerignore = true;
        const content = Buffer.concat([readFileSync(abs), Buffer.from(`\n${extra.name}\n`)]);
        header({ name: rel, type: '0', size: content.length });
        out.raw(content);
        out.raw(Buffer.alloc(padding(content.length)));
        continue;
      }
      header({ name: rel, type: '0', size: st.size });
      out.file(abs, st.size, abs);
      out.raw(Buffer.alloc(padding(st.size)));
    } else if (st.isSymbolicLink()) {
      header({ name: rel, type: '2', linkname: readlinkSync(abs), size: 0 });
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      const { major, minor } = splitRdev(st.rdev);
      header({ name: rel, type: st.isCharacterDevice() ? '3' : '4', devmajor: major, devminor: minor, size: 0 });
    } else if (st.isFIFO()) {
      header({ name: rel, type: '6', size: 0 });
    }
  }
  if (extra) {
    addFile(out, extra.name, extra.content, now);
    if (!sawDockerignore) addFile(out, DOCKERIGNORE, Buffer.from(`${DOCKERIGNORE}\n${extra.name}\n`), now);
  }
  out.raw(END_OF_ARCHIVE);
  yield* out.drain(true);
}

function addFile(out: OutputBatcher, name: string, content: Buffer, mtime: number, mode = 0o600, uid = 0, gid = 0): void {
  out.raw(encodeHeader({ name, type: '0', mode, uid, gid, mtime, size: content.length }));
  out.raw(content);
  out.raw(Buffer.alloc(padding(content.length)));
}

/** A whole tar holding one Dockerfile (the context of `docker build -` given a Dockerfile). */
export function dockerfileOnlyTar(content: Buffer, now = new Date()): Buffer {
  const out: Buffer[] = [];
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  out.push(encodeHeader({ name: DEFAULT_DOCKERFILE, type: '0', mode: 0o644, uid, gid, mtime: sec(now.getTime()), size: content.length }));
  out.push(content, Buffer.alloc(padding(content.length)), END_OF_ARCHIVE);
  return Buffer.concat(out);
}

// ---- a context on stdin

/** The first bytes docker looks at to tell an archive from a Dockerfile. */
const PEEK = 2 * BLOCK;

/**
 * isArchive: gzip, bzip2, xz or zstd magic, or a first tar header with a valid checksum.
 */
export function isArchive(head: Buffer): boolean {
  const starts = (...bytes: number[]) => head.length >= bytes.length && bytes.every((b, i) => head[i] === b);
  if (starts(0x1f, 0x8b, 0x08) || starts(0x42, 0x5a, 0x68) || starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00) || starts(0x28, 0xb5, 0x2f, 0xfd)) return true;
  // zstd skippable frames: 0x184D2A50–0x184D2A5F, little-endian
  if (head.length >= 4 && (head.readUInt32LE(0) & 0xfffffff0) === 0x184d2a50) return true;
  if (head.length < BLOCK) return false;
  const h = head.subarray(0, BLOCK);
  if (h.every((b) => b === 0)) return false;
  const field = h.subarray(148, 156).toString('latin1').replace(/[\0 ]+$/, '').replace(/^[\0 ]+/, '');
  if (!/^[0-7]+$/.test(field)) return false;
  const want = parseInt(field, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : h[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return want === unsigned || want === signed;
}

/**
 * GetContextFromReader: stdin is either an archive, passed through untouched (the daemon detects
 * its compression), or a Dockerfile, sent as a tar holding only `Dockerfile`.
 */
export async function contextFromReader(input: Readable, dockerfileName = ''): Promise<{ stream: Readable; relDockerfile: string }> {
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let have = 0;
  let done = false;
  while (have < PEEK) {
    const r = await it.next();
    if (r.done) { done = true; break; }
    const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    chunks.push(chunk);
    have += chunk.length;
  }
  const head = Buffer.concat(chunks);
  if (isArchive(head)) {
    async function* rest(): AsyncGenerator<Buffer> {
      yield head;
      if (done) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
      }
    }
    return { stream: Readable.from(rest(), { objectMode: false }), relDockerfile: dockerfileName };
  }
  if (dockerfileName === '-') throw new Error('build context is not an archive');
  if (dockerfileName !== '') throw new Error('ambiguous Dockerfile source: both stdin and flag correspond to Dockerfiles');
  const parts: Buffer[] = [head];
  if (!done) for (;;) {
    const r = await it.next();
    if (r.done) break;
    parts.push(Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value));
  }
  return { stream: Readable.from([dockerfileOnlyTar(Buffer.concat(parts))], { objectMode: false }), relDockerfile: DEFAULT_DOCKERFILE };
}
