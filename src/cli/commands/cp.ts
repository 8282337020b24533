// `berth cp` (docker/cli cli/command/container/cp.go): files between a container and the local
// filesystem through the archive API, with Docker's rules for trailing `/` and `/.`, symlinks,
// missing destinations and `-` for tar streams on stdin/stdout.
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApiError } from '../../client/client.js';
import type { EngineClient } from '../../client/client.js';
import {
  decodePathStat, GO_MODE_DIR, GO_MODE_SYMLINK, hasModeBit, PATH_STAT_HEADER, type PathStat,
} from '../../container/archive.js';
import {
  copyInfoSourcePath, copyToLocal, counted, CopyError, tarLocalSource, validateOutputPath, validateOutputPathFileMode,
} from '../../container/archive-copy.js';
import {
  CopyRuleError, getRebaseName, goAbs, goJoin, planArchiveCopy, preserveTrailingDotOrSeparator, splitCpArg, splitPathDirEntry,
  type CopyInfo,
} from '../../container/archive-paths.js';
import { rebaseArchive } from '../../container/archive-tar.js';
import { changedSet, type SpecCommand } from '../container/spec-command.js';
import { StatusError, type CliContext } from '../context.js';
import { humanSizeWithPrecision } from '../units.js';

const archivePath = (container: string) => `/containers/${encodeURIComponent(container)}/archive`;

/** HEAD …/archive: the stat of a path in the container. */
export async function statContainerPath(client: EngineClient, container: string, path: string): Promise<PathStat> {
  const res = await client.raw('HEAD', archivePath(container), { query: { path } });
  res.resume();
  const h = res.headers[PATH_STAT_HEADER.toLowerCase()];
  if ((res.statusCode ?? 500) >= 400 || typeof h !== 'string') {
    throw new ApiError(res.statusCode ?? 500, res.statusCode === 404 ? `Could not find the file ${path} in container ${container}` : `HTTP ${res.statusCode}`);
  }
  return decodePathStat(h);
}

export interface CpConfig { container: string; sourcePath: string; destPath: string; followLink: boolean; copyUIDGID: boolean; quiet: boolean }

/** resolveLocalPath: absolute, with the trailing `/` or `/.` kept. */
const resolveLocalPath = (p: string): string => preserveTrailingDotOrSeparator(goAbs(p), p);

const summary = (bytes: number, dest: string) => `Successfully copied ${humanSizeWithPrecision(bytes, 3)} to ${dest}\n`;

export async function copyFromContainer(ctx: CliContext, cfg: CpConfig): Promise<void> {
  let dstPath = cfg.destPath;
  if (dstPath !== '-') dstPath = resolveLocalPath(dstPath);
  validateOutputPath(dstPath);
  let srcPath = cfg.sourcePath;
  let rebaseName = '';
  if (cfg.followLink) {
    // Following a symlink: copy its target, under the name asked for.
    const st = await statContainerPath(ctx.client, cfg.container, srcPath).catch(() => undefined);
    if (st && hasModeBit(st.mode, GO_MODE_SYMLINK)) {
      let target = st.linkTarget;
      if (!target.startsWith('/')) target = goJoin(splitPathDirEntry(srcPath)[0], target);
      [srcPath, rebaseName] = getRebaseName(srcPath, target);
    }
  }
  const res = await ctx.client.request('GET', archivePath(cfg.container), { query: { path: srcPath } });
  if (dstPath === '-') {
    await pipeline(res, ctx.out);
    return;
  }
  const stat = decodePathStat(String(res.headers[PATH_STAT_HEADER.toLowerCase()] ?? ''));
  const src: CopyInfo = { path: srcPath, exists: true, isDir: hasModeBit(stat.mode, GO_MODE_DIR), rebaseName };
  const count = { bytes: 0 };
  let content: AsyncIterable<Buffer> = counted(res as IncomingMessage & AsyncIterable<Buffer>, count);
  if (rebaseName) content = rebaseArchive(content, splitPathDirEntry(src.path)[1], rebaseName);
  let failed: unknown;
  try {
    await copyToLocal(content, src, dstPath, (name, why) => ctx.err.write(`skipping ${name}: ${why}\n`));
  } catch (e) {
    failed = e;
  } finally {
    res.destroy();
  }
  // As docker: the summary comes even when the copy failed.
  if (!cfg.quiet) ctx.err.write(summary(count.bytes, dstPath));
  if (failed) throw failed;
}

export async function copyToContainer(ctx: CliContext, cfg: CpConfig): Promise<void> {
  let srcPath = cfg.sourcePath;
  const dstPath = cfg.destPath;
  if (srcPath !== '-') srcPath = resolveLocalPath(srcPath);
  // What the destination is decides how the archive is shaped; a failed stat is left to the
  // extraction (a missing path whose parent exists is fine).
  const dst: CopyInfo = { path: dstPath, exists: false, isDir: false };
  try {
    let st = await statContainerPath(ctx.client, cfg.container, dstPath);
    if (hasModeBit(st.mode, GO_MODE_SYMLINK)) {
      let target = st.linkTarget;
      if (!target.startsWith('/')) target = goJoin(splitPathDirEntry(dstPath)[0], target);
      dst.path = target;
      st = await statContainerPath(ctx.client, cfg.container, target);
    }
    const bad = validateOutputPathFileMode(st.mode);
    if (bad) throw new CopyError(`destination "${cfg.container}:${dstPath}" must be a directory or a regular file: ${bad}`);
    dst.exists = true;
    dst.isDir = hasModeBit(st.mode, GO_MODE_DIR);
  } catch (e) {
    if (e instanceof CopyError) throw e;
  }

  let content: AsyncIterable<Buffer>;
  let resolvedDst: string;
  const count = { bytes: 0 };
  if (srcPath === '-') {
    if (!dst.isDir) throw new CopyError(`destination "${cfg.container}:${dstPath}" must be a directory`);
    content = process.stdin;
    resolvedDst = dst.path;
  } else {
    const src = copyInfoSourcePath(srcPath, cfg.followLink);
    const tar = tarLocalSource(src);
    let plan;
    try {
      plan = planArchiveCopy(src, dst);
    } catch (e) {
      tar.destroy();
      if (e instanceof CopyRuleError) throw new CopyError(e.message);
      throw e;
    }
    content = counted(plan.rebase ? rebaseArchive(tar, plan.rebase.from, plan.rebase.to) : tar, count);
    resolvedDst = plan.dstDir;
  }
  let failed: unknown;
  try {
    const res = await ctx.client.request('PUT', archivePath(cfg.container), {
      query: { path: resolvedDst, noOverwriteDirNonDir: 'true', copyUIDGID: cfg.copyUIDGID ? 'true' : undefined },
      stream: Readable.from(content, { objectMode: false }),
      // Keep-alive, as docker's client: the daemon then reads the rest of an upload it refused,
      // and its error reaches us instead of a reset connection.
      headers: { 'Content-Type': 'application/x-tar', Connection: 'keep-alive' },
    });
    await new Promise<void>((resolve) => { res.on('end', resolve).on('close', resolve).resume(); });
  } catch (e) {
    failed = e;
  }
  if (!cfg.quiet) ctx.err.write(summary(count.bytes, `${cfg.container}:${dst.path}`));
  if (failed) throw failed;
}

export const cpCmd: SpecCommand = {
  name: 'cp',
  usage: '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
  description: 'Copy files/folders between a container and the local filesystem',
  args: { exact: 2 },
  helpAliases: ['berth container cp', 'berth cp'],
  spec: {
    archive: { type: 'bool', short: 'a', usage: 'Archive mode (copy all uid/gid information)' },
    'follow-link': { type: 'bool', short: 'L', usage: 'Always follow symbol link in SRC_PATH' },
    quiet: { type: 'bool', short: 'q', usage: 'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached' },
  },
  async run(ctx, o, args) {
    const [source, destination] = args as [string, string];
    if (source === '') throw new StatusError('source can not be empty', 1);
    if (destination === '') throw new StatusError('destination can not be empty', 1);
    // Progress is for terminals: without one, docker is quiet unless told otherwise.
    const quiet = changedSet(o).has('quiet') ? Boolean(o.quiet) : !ctx.isTerminal();
    const src = splitCpArg(source);
    const dst = splitCpArg(destination);
    const base = { followLink: Boolean(o['follow-link']), copyUIDGID: Boolean(o.archive), quiet, sourcePath: src.path, destPath: dst.path };
    // Local errors print as they are (exit 1), the daemon's as "Error response from daemon: …".
    if (src.container && dst.container) throw new CopyError('copying between containers is not supported');
    if (src.container) await copyFromContainer(ctx, { ...base, container: src.container });
    else if (dst.container) await copyToContainer(ctx, { ...base, container: dst.container });
    else throw new CopyError('must specify at least one container source');
  },
};
