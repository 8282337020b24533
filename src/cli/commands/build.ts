// `berth build` (also `berth image build`, `berth builder build`) and `berth builder prune`, as
// `DOCKER_BUILDKIT=0 docker build` (docker/cli image/build.go, the legacy builder's client): the
// same flags, the same POST /build query and headers, the context tar streamed with
// "Sending build context to Docker daemon" progress, the daemon's JSON stream rendered, an
// in-band error's code as exit status, and -q / --iidfile as docker handles them.
//
// berth's own shortcut: when the daemon is local and says so on /_ping (`Berth-Context-Dir: 1`),
// a directory context is not sent at all. The request then carries the directory's path
// (`X-Berth-Context-Dir`, Content-Type application/x-berth-context-dir, empty body) and the
// daemon reads it in place, applying .dockerignore itself.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { resolve } from 'node:path';
import { Transform, pipeline, type Readable, type TransformCallback } from 'node:stream';
import { createGzip } from 'node:zlib';
import { IgnoreMatcher } from '../../builder/dockerignore.js';
import { DaemonUnreachable, type JsonMessage } from '../../client/client.js';
import { encodeFilters, parseFilterFlag, BAD_FILTER_FORMAT, Filters } from '../../common/filters.js';
import { parseNormalizedNamed } from '../../image/reference.js';
import {
  contextFromReader, errnoText, isLocalPath, isOutsideContext, keepBuildFiles, localContext, packContext, randomDockerfileName,
  readDockerignore, validateContextDirectory,
} from '../build-context.js';
import type { Command, Opts } from '../command.js';
import type { SpecCommand } from '../container/spec-command.js';
import { StatusError, type CliContext } from '../context.js';
import type { FlagDef, FlagSpec } from '../flags.js';
import { JsonMessageRenderer } from '../jsonmessage.js';
import { parseMemBytes, parseMemSwapBytes, parseUlimit, validateEnv, validateExtraHost, validateLabel } from '../opts/validate.js';
import { confirm } from '../prompt.js';
import { humanSize4 } from '../units.js';
import { configPath, credentialsFor } from './credentials.js';

const check = (fn: (v: string) => unknown) => (v: string) => { fn(v); };
const list = (usage: string, extra: Partial<FlagDef> = {}): FlagDef => ({ type: 'stringArray', typeName: 'list', usage, ...extra });
const bytes = (usage: string, extra: Partial<FlagDef> = {}): FlagDef => ({ type: 'string', typeName: 'bytes', usage, validate: check(parseMemBytes), ...extra });

/** docker/cli's AddBuildFlags, plus a hidden --progress (buildx's; the legacy output either way). */
export const BUILD_FLAGS: FlagSpec = {
  'add-host': list('Add a custom host-to-IP mapping ("host:ip")', { validate: validateExtraHost }),
  'build-arg': list('Set build-time variables', { validate: (v) => validateEnv(v) }),
  'cache-from': { type: 'stringSlice', usage: 'Images to consider as cache sources' },
  'cgroup-parent': { type: 'string', usage: 'Set the parent cgroup for the "RUN" instructions during build' },
  compress: { type: 'bool', usage: 'Compress the build context using gzip' },
  'cpu-period': { type: 'int', usage: 'Limit the CPU CFS (Completely Fair Scheduler) period' },
  'cpu-quota': { type: 'int', usage: 'Limit the CPU CFS (Completely Fair Scheduler) quota' },
  'cpu-shares': { type: 'int', short: 'c', usage: 'CPU shares (relative weight)' },
  'cpuset-cpus': { type: 'string', usage: 'CPUs in which to allow execution (0-3, 0,1)' },
  'cpuset-mems': { type: 'string', usage: 'MEMs in which to allow execution (0-3, 0,1)' },
  'disable-content-trust': { type: 'bool', default: true, usage: 'Skip image verification' },
  file: { type: 'string', short: 'f', usage: 'Name of the Dockerfile (Default is "PATH/Dockerfile")' },
  'force-rm': { type: 'bool', usage: 'Always remove intermediate containers' },
  iidfile: { type: 'string', usage: 'Write the image ID to the file' },
  isolation: { type: 'string', usage: 'Container isolation technology' },
  label: list('Set metadata for an image', { validate: validateLabel }),
  memory: bytes('Memory limit', { short: 'm' }),
  'memory-swap': bytes('Swap limit equal to memory plus swap: -1 to enable unlimited swap', { validate: check(parseMemSwapBytes) }),
  network: { type: 'string', default: 'default', usage: 'Set the networking mode for the RUN instructions during build' },
  'no-cache': { type: 'bool', usage: 'Do not use cache when building the image' },
  platform: { type: 'string', default: process.env.DOCKER_DEFAULT_PLATFORM ?? '', usage: 'Set platform if server is multi-platform capable' },
  progress: { type: 'string', default: 'auto', usage: 'Set type of progress output (auto, plain, tty)', hidden: true, validate: check(validateProgress) },
  pull: { type: 'bool', usage: 'Always attempt to pull a newer version of the image' },
  quiet: { type: 'bool', short: 'q', usage: 'Suppress the build output and print image ID on success' },
  rm: { type: 'bool', default: true, usage: 'Remove intermediate containers after a successful build' },
  'security-opt': { type: 'stringSlice', usage: 'Security options' },
  'shm-size': bytes('Size of "/dev/shm"'),
  squash: { type: 'bool', usage: 'Squash newly built layers into a single new layer' },
  tag: list('Name and optionally a tag in the "name:tag" format', { short: 't', validate: check(parseNormalizedNamed) }),
  target: { type: 'string', usage: 'Set the target build stage to build.' },
  ulimit: { type: 'stringArray', typeName: 'ulimit', defaultText: '[]', usage: 'Ulimit options', validate: check(parseUlimit) },
};

function validateProgress(v: string): void {
  if (!['auto', 'plain', 'tty', 'quiet', 'rawjson'].includes(v)) throw new Error(`invalid progress mode "${v}": expected auto, plain or tty`);
}

const SENDING = 'Sending build context to Docker daemon';
/** progress.Reader's cadence: an update per 512 kB read, at most one per 100 ms. */
const UPDATE_EVERY = 512 * 1024;
const MIN_INTERVAL_MS = 100;

/**
 * Counts the context as it goes out and prints docker's progress line: on a terminal rewritten
 * in place while sending, elsewhere only the last one. `%8v` of units.HumanSize, `\r`, and the
 * stream formatter's `\r\n` after the last update.
 */
export class SendProgress extends Transform {
  private sent = 0;
  private lastUpdate = 0;
  private lastWrite = 0;

  constructor(private readonly print: (s: string) => void, private readonly terminal: boolean) {
    super();
  }

  static line(n: number): string {
    return `${SENDING} ${humanSize4(n).padStart(8)}\r`;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.sent += chunk.length;
    if (this.terminal && this.sent - this.lastUpdate > UPDATE_EVERY) {
      this.lastUpdate = this.sent;
      const now = Date.now();
      if (now - this.lastWrite >= MIN_INTERVAL_MS) {
        this.lastWrite = now;
        this.print(SendProgress.line(this.sent));
      }
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.print(`${SendProgress.line(this.sent)}\r\n`);
    cb();
  }
}

/** urlutil.IsURL / IsGitURL: contexts docker fetches itself. */
function isRemote(s: string): boolean {
  return /^https?:\/\//.test(s) || /^(git:\/\/|github\.com\/|git@)/.test(s);
}

/** opts.ConvertKVStringsToMap(WithNil): `k=v` → v, `k` → "" (or null, for build args). */
function kvMap(values: string[], nilForBare: boolean): Record<string, string | null> {
  const m: Record<string, string | null> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq < 0) m[v] = nilForBare ? null : '';
    else m[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return m;
}

interface DockerConfig {
  auths?: Record<string, unknown>;
  credHelpers?: Record<string, string>;
  proxies?: Record<string, { httpProxy?: string; httpsProxy?: string; noProxy?: string; ftpProxy?: string; allProxy?: string }>;
}

function loadConfig(): DockerConfig {
  try {
    const doc = JSON.parse(readFileSync(configPath(), 'utf8')) as DockerConfig;
    return doc && typeof doc === 'object' ? doc : {};
  } catch {
    return {};
  }
}

/** configfile.ParseProxyConfig: the config's proxies as build args, unless given already. */
function withProxyArgs(cfg: DockerConfig, daemonHost: string, args: Record<string, string | null>): Record<string, string | null> {
  const p = cfg.proxies?.[daemonHost] ?? cfg.proxies?.default;
  if (!p) return args;
  const permitted: Record<string, string | undefined> = {
    HTTP_PROXY: p.httpProxy, HTTPS_PROXY: p.httpsProxy, NO_PROXY: p.noProxy, FTP_PROXY: p.ftpProxy, ALL_PROXY: p.allProxy,
  };
  const out = { ...args };
  for (const [k, v] of Object.entries(permitted)) {
    if (!v) continue;
    if (!(k in out)) out[k] = v;
    if (!(k.toLowerCase() in out)) out[k.toLowerCase()] = v;
  }
  return out;
}

/** configFile.GetAllCredentials as X-Registry-Config: base64url (padded) JSON, `e30=` when empty. */
function registryConfigHeader(cfg: DockerConfig): string {
  const keys = new Set([...Object.keys(cfg.auths ?? {}), ...Object.keys(cfg.credHelpers ?? {})]);
  const all: Record<string, Record<string, string>> = {};
  for (const key of [...keys].sort()) {
    let c;
    try {
      c = credentialsFor(key);
    } catch {
      continue; // docker ignores a failing helper here
    }
    if (!c) continue;
    const entry: Record<string, string> = {};
    if (c.username) entry.username = c.username;
    if (c.password) entry.password = c.password;
    entry.serveraddress = key;
    if (c.identitytoken) entry.identitytoken = c.identitytoken;
    all[key] = entry;
  }
  return Buffer.from(JSON.stringify(all)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

const sortedJson = (m: Record<string, unknown>) => JSON.stringify(Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));

/** The POST /build query exactly as docker's client builds it (imageBuildOptionsToQuery). */
export function buildQuery(o: Opts, dockerfile: string, buildArgs: Record<string, string | null>): Record<string, string | string[]> {
  const q: Record<string, string | string[]> = {};
  const arr = (k: string): string[] => (o[k] as string[] | undefined) ?? [];
  if (arr('tag').length) q.t = arr('tag');
  if (arr('security-opt').length) q.securityopt = arr('security-opt');
  if (arr('add-host').length) q.extrahosts = arr('add-host');
  if (o.quiet) q.q = '1';
  if (o['no-cache']) q.nocache = '1';
  if (o.rm === false) q.rm = '0';
  if (o['force-rm']) q.forcerm = '1';
  if (o.pull) q.pull = '1';
  if (o.squash) q.squash = '1';
  if (o.isolation && o.isolation !== 'default') q.isolation = o.isolation;
  if (o['cpuset-cpus']) q.cpusetcpus = o['cpuset-cpus'];
  if (o.network && o.network !== 'default') q.networkmode = o.network;
  if (o['cpuset-mems']) q.cpusetmems = o['cpuset-mems'];
  if (o['cpu-shares']) q.cpushares = String(o['cpu-shares']);
  if (o['cpu-quota']) q.cpuquota = String(o['cpu-quota']);
  if (o['cpu-period']) q.cpuperiod = String(o['cpu-period']);
  if (o.memory) q.memory = String(parseMemBytes(o.memory));
  if (o['memory-swap']) q.memswap = String(parseMemSwapBytes(o['memory-swap']));
  if (o['cgroup-parent']) q.cgroupparent = o['cgroup-parent'];
  if (o['shm-size']) q.shmsize = String(parseMemBytes(o['shm-size']));
  if (dockerfile) q.dockerfile = dockerfile;
  if (o.target) q.target = o.target;
  if (arr('ulimit').length) {
    const byName = new Map(arr('ulimit').map((u) => { const l = parseUlimit(u); return [l.Name, l] as const; }));
    q.ulimits = JSON.stringify([...byName.values()].sort((a, b) => (a.Name < b.Name ? -1 : 1)));
  }
  if (Object.keys(buildArgs).length) q.buildargs = sortedJson(buildArgs);
  const labels = kvMap(arr('label'), false);
  if (Object.keys(labels).length) q.labels = sortedJson(labels);
  if (arr('cache-from').length) q.cachefrom = JSON.stringify(arr('cache-from'));
  if (o.platform) q.platform = String(o.platform).toLowerCase();
  q.version = '1';
  // url.Values.Encode sorts by key.
  return Object.fromEntries(Object.entries(q).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * GET /_ping before anything is sent: whether berthd reads context directories in place (it
 * answers `Berth-Context-Dir: 1`). A daemon that can't be reached fails the build here, before
 * any "Sending build context" line, as docker's version negotiation does.
 */
function probeDaemon(socketPath: string, timeoutMs = 2000): Promise<{ contextDir: boolean }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ socketPath, method: 'GET', path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve({ contextDir: res.headers['berth-context-dir'] === '1' });
    });
    req.on('timeout', () => { req.destroy(); resolve({ contextDir: false }); });
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED' || e.code === 'EACCES') reject(new DaemonUnreachable(socketPath, e));
      else resolve({ contextDir: false });
    });
    req.end();
  });
}

async function readAllStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** What goes to the daemon: a tar stream, or (in place) the context directory's path. */
type Body = { tar: Readable } | { dir: string };

async function prepareContext(ctx: CliContext, o: Opts, specified: string): Promise<{ body: Body; dockerfile: string }> {
  const dockerfileName: string = o.file ?? '';
  const unprepared = (e: unknown) => new StatusError(`unable to prepare context: ${(e as Error).message}`, 1);
  if (specified === '-') {
    await probeDaemon(ctx.client.socketPath);
    try {
      const r = await contextFromReader(process.stdin, dockerfileName);
      return { body: { tar: r.stream }, dockerfile: r.relDockerfile };
    } catch (e) {
      throw unprepared(e);
    }
  }
  if (!isLocalPath(specified)) {
    if (isRemote(specified)) {
      throw new StatusError(`unable to prepare context: remote build contexts are not supported by berth: "${specified}"; clone or download it and build from a local directory`, 1);
    }
    throw new StatusError(`unable to prepare context: path "${specified}" not found`, 1);
  }
  let local: { contextDir: string; relDockerfile: string };
  try {
    local = localContext(specified, dockerfileName);
  } catch (e) {
    throw unprepared(e);
  }
  const { contextDir, relDockerfile } = local;
  let extraDockerfile: Buffer | undefined;
  if (dockerfileName === '-') {
    extraDockerfile = await readAllStdin();
  } else if (isOutsideContext(relDockerfile)) {
    const path = dockerfileName || resolve(contextDir, relDockerfile);
    try {
      extraDockerfile = readFileSync(path);
    } catch (e) {
      throw new StatusError(`unable to open Dockerfile: open ${path}: ${errnoText(e)}`, 1);
    }
  }
  let excludes: string[];
  try {
    excludes = readDockerignore(contextDir);
    validateContextDirectory(contextDir, excludes);
  } catch (e) {
    throw new StatusError(`error checking context: ${(e as Error).message}`, 1);
  }
  const daemon = await probeDaemon(ctx.client.socketPath);
  // A header carries the path: one that is not printable ASCII goes the tar way instead.
  const inPlace = daemon.contextDir && extraDockerfile === undefined && process.env.BERTH_BUILD_SEND_CONTEXT !== '1'
    && /^[\x20-\x7e]+$/.test(contextDir);
  if (inPlace) return { body: { dir: contextDir }, dockerfile: relDockerfile };
  const matcher = new IgnoreMatcher(keepBuildFiles(excludes, relDockerfile, dockerfileName === '-'));
  if (extraDockerfile === undefined) return { body: { tar: packContext(contextDir, matcher) }, dockerfile: relDockerfile };
  const name = randomDockerfileName();
  return { body: { tar: packContext(contextDir, matcher, { extraDockerfile: { name, content: extraDockerfile } }) }, dockerfile: name };
}

export const buildCmd: SpecCommand = {
  name: 'build',
  usage: '[OPTIONS] PATH | URL | -',
  description: 'Build an image from a Dockerfile',
  helpAliases: ['berth image build', 'berth build', 'berth builder build'],
  args: { exact: 1 },
  spec: BUILD_FLAGS,
  annotations: { network: { version: '1.25' }, platform: { version: '1.38' }, squash: { version: '1.25', experimental: true } },
  async run(ctx, o, [specified]) {
    if (o.file === '-' && specified === '-') throw new StatusError("invalid argument: can't use stdin for both build context and dockerfile", 1);
    const quiet = Boolean(o.quiet);
    let progBuff = '';
    let buildBuff = '';
    const progWrite = quiet ? (s: string) => { progBuff += s; } : (s: string) => { ctx.out.write(s); };
    const buildWrite = quiet ? (s: string) => { buildBuff += s; } : (s: string) => { ctx.out.write(s); };
    const iidfile: string = o.iidfile ?? '';
    if (iidfile) {
      try {
        rmSync(iidfile, { force: true });
      } catch (e) {
        throw new StatusError(`Removing image ID file: ${(e as Error).message}`, 1);
      }
    }

    const { body, dockerfile } = await prepareContext(ctx, o, specified!);
    const cfg = loadConfig();
    const buildArgs = withProxyArgs(cfg, `unix://${ctx.client.socketPath}`, kvMap(o['build-arg'] ?? [], true));
    const query = buildQuery(o, dockerfile, buildArgs);
    const headers: Record<string, string> = { 'X-Registry-Config': registryConfigHeader(cfg) };
    let stream: Readable | undefined;
    if ('dir' in body) {
      headers['Content-Type'] = 'application/x-berth-context-dir';
      headers['X-Berth-Context-Dir'] = body.dir;
      headers['Content-Length'] = '0';
    } else {
      headers['Content-Type'] = 'application/x-tar';
      const progress = new SendProgress(progWrite, !quiet && ctx.isTerminal());
      // Any failure (an unreadable file mid-walk) ends the upload with that error.
      const done = () => {};
      stream = o.compress ? pipeline(body.tar, createGzip(), progress, done) : pipeline(body.tar, progress, done);
    }

    let res;
    try {
      res = await ctx.client.request('POST', '/build', { query, headers, stream, ...(stream ? {} : { body: Buffer.alloc(0) }) });
    } catch (e) {
      if (quiet && progBuff) ctx.err.write(progBuff);
      throw e;
    }

    let imageId = '';
    let failure: { message: string; code: number } | undefined;
    const terminal = !quiet && ctx.isTerminal();
    const r = new JsonMessageRenderer(buildWrite, terminal, terminal ? ctx.out.columns || 80 : 200);
    await ctx.client.jsonStream(res, (m: JsonMessage) => {
      if (failure) return;
      if (m.aux) {
        const id = (m.aux as { ID?: unknown }).ID;
        if (typeof id === 'string') imageId = id;
        return;
      }
      const err = r.render(m);
      if (err !== undefined) {
        const code = m.errorDetail?.code ?? 0;
        failure = code === 401 ? { message: 'authentication is required', code: 1 } : { message: err, code: code || 1 };
      }
    });
    if (failure) {
      if (quiet) ctx.err.write(progBuff + buildBuff);
      throw new StatusError(failure.message, failure.code);
    }
    // -q: the daemon's output is just the image ID (with its newline), and that is what is printed.
    if (quiet) {
      imageId = buildBuff;
      ctx.out.write(imageId);
    }
    if (iidfile) {
      if (imageId === '') throw new StatusError(`Server did not provide an image ID. Cannot write ${iidfile}`, 1);
      writeFileSync(iidfile, imageId, { mode: 0o666 });
    }
  },
};

const PRUNE_WARNING = 'WARNING! This will remove all dangling build cache. Are you sure you want to continue?';
const PRUNE_ALL_WARNING = 'WARNING! This will remove all build cache. Are you sure you want to continue?';

export const builderPruneCmd: SpecCommand = {
  name: 'prune',
  usage: '',
  description: 'Remove build cache',
  args: {},
  spec: {
    all: { type: 'bool', short: 'a', usage: 'Remove all unused build cache, not just dangling ones' },
    filter: {
      type: 'stringArray', typeName: 'filter', usage: 'Provide filter values (e.g. "until=24h")',
      validate: (v) => { if (v !== '' && !v.includes('=')) throw new Error(BAD_FILTER_FORMAT); },
    },
    force: { type: 'bool', short: 'f', usage: 'Do not prompt for confirmation' },
    'keep-storage': bytes('Amount of disk space to keep for cache'),
  },
  async run(ctx, o) {
    let filters = new Filters();
    for (const v of o.filter ?? []) filters = parseFilterFlag(v, filters);
    // Declined: docker ends quietly (a cancelled error), exit status 0.
    if (!o.force && !(await confirm(ctx, o.all ? PRUNE_ALL_WARNING : PRUNE_WARNING))) return 0;
    const keep = o['keep-storage'] ? parseMemBytes(o['keep-storage']) : 0;
    const rep = await ctx.client.json<{ CachesDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/build/prune', {
      query: { all: o.all ? '1' : undefined, filters: encodeFilters(filters), 'keep-storage': keep ? String(keep) : undefined },
    });
    const ids = rep?.CachesDeleted ?? [];
    if (ids.length) ctx.out.write(`Deleted build cache objects:\n${ids.map((id) => `${id}\n`).join('')}\n`);
    ctx.print(`Total reclaimed space: ${humanSize4(rep?.SpaceReclaimed ?? 0)}`);
  },
};

/** `berth builder`: docker's management command for builds. */
export const builderCmd: Command = {
  name: 'builder',
  usage: 'COMMAND',
  description: 'Manage builds',
  subcommands: [buildCmd, builderPruneCmd],
};
