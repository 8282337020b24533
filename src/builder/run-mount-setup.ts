// RUN --mount for one step, in two phases. plan(): each value expanded and parsed, its target
// resolved against WORKDIR and its source found, yielding what the step's cache key must hold
// (the content hash of a bound context path, the image a stage mount reads, the cache options).
// open(): just before the step runs, the host paths to mount (stage views opened, cache
// directories leased) and a close() that gives them all back.
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, lstatSync, type Stats } from 'node:fs';
import { resolveInRoot } from '../common/rootfs-path.js';
import type { BaseImage, RootView, RunMountSpec } from './backend.js';
import type { CacheMountLease } from './cache-mounts.js';
import { skippedUnder } from './context.js';
import { copyTree } from './copy.js';
import { hashContextSource } from './copy-step.js';
import { DockerfileError, instructionError } from './parser.js';
import { cacheId, checkProvidable, isSkipped, mountTarget, parseRunMount, type RunMount } from './run-mounts.js';
import type { StageEnv } from './stage.js';

export interface MountPlanHost {
  env: StageEnv;
  /** The RUN instruction's line, for errors. */
  line: number;
  workingDir: string;
  /** Expands a value with the stage's ENV and ARGs. */
  expand(word: string): string;
  /** A stage (by name or index) or an image. */
  stageByRef(ref: string): Promise<BaseImage | null>;
}

interface Planned {
  m: RunMount;
  target: string;
  /** `from`, resolved: null is an empty root (scratch). */
  fromImage?: BaseImage | null;
  /** Source path inside the context or `from`, cleaned and relative ('' is the root). */
  rel: string;
  /** A bind of the context: the entry, and what .dockerignore hides below it. */
  context?: { abs: string; hide: string[] };
  /** Cache: the store's key. */
  cacheKey?: string;
}

export interface OpenedMounts {
  mounts: RunMountSpec[];
  close(): Promise<void>;
}

export interface MountPlan {
  /** For the step's cache key. */
  key: unknown[];
  open(): Promise<OpenedMounts>;
}

/** Parse errors name the line as the parser's do; so do the errors of finding a source. */
function located<T>(line: number, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DockerfileError) throw instructionError(line, e.message);
    throw e;
  }
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A source path: relative, cleaned, refused when it climbs out of its root (as COPY's are). */
function sourcePath(raw: string, what: string): string {
  const out: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (!out.length) throw new DockerfileError(`--mount source ${JSON.stringify(raw)}: forbidden path outside the ${what}`);
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

export async function planRunMounts(h: MountPlanHost, raws: readonly string[]): Promise<MountPlan> {
  const planned: Planned[] = [];
  const key: unknown[] = [];
  const ctx = h.env.req.context;
  for (const raw of raws) {
    const m = located(h.line, () => {
      const parsed = parseRunMount(raw, h.expand)!;
      checkProvidable(parsed);
      return parsed;
    });
    if (isSkipped(m)) {
      key.push({ type: m.type, id: m.id ?? '', target: m.target, required: false });
      continue;
    }
    const target = located(h.line, () => mountTarget(m, h.workingDir));
    const p: Planned = { m, target, rel: '' };
    if (m.type === 'tmpfs') {
      key.push({ type: 'tmpfs', target, size: m.size ?? 0 });
      planned.push(p);
      continue;
    }
    if (m.from !== undefined) {
      p.fromImage = m.from.toLowerCase() === 'scratch' ? null : await h.stageByRef(m.from);
      p.rel = located(h.line, () => sourcePath(m.source, 'root of ' + m.from));
    }
    const from = p.fromImage === undefined ? undefined : (p.fromImage?.id ?? 'scratch');
    if (m.type === 'cache') {
      const id = cacheId(m);
      const base = { from: from ?? '', source: p.rel, mode: m.mode ?? null, uid: m.uid ?? null, gid: m.gid ?? null };
      // A cache seeded from a stage, or made with another owner or mode, is another cache (in
      // BuildKit its base differs); a plain one is just its id.
      const plain = from === undefined && m.mode === undefined && m.uid === undefined && m.gid === undefined;
      p.cacheKey = sha256(plain ? id : `${id}\0${JSON.stringify(base)}`);
      key.push({ type: 'cache', target, id, sharing: m.sharing ?? 'shared', readonly: m.readonly, ...base });
    } else if (from !== undefined) {
      key.push({ type: 'bind', target, from, source: p.rel, readonly: m.readonly });
    } else {
      p.rel = located(h.line, () => sourcePath(m.source, 'build context'));
      const abs = resolveInRoot(ctx.root, '/' + p.rel);
      const rel = abs === ctx.root ? '' : abs.slice(ctx.root.length + 1);
      let st: Stats | undefined;
      try { if (!rel || !ctx.excluded(rel)) st = lstatSync(abs); } catch { /* missing */ }
      if (!st) {
        throw instructionError(h.line, `--mount source ${JSON.stringify(m.source || '.')}: file not found in build context or excluded by .dockerignore`);
      }
      const hide = st.isDirectory() && ctx.hasExclusions() ? skippedUnder(ctx, rel) : [];
      p.context = { abs, hide };
      key.push({ type: 'bind', target, source: rel, content: await hashContextSource(ctx, ctx, { abs, st, rel }), readonly: m.readonly });
    }
    planned.push(p);
  }
  return { key, open: () => openMounts(h, planned) };
}

async function openMounts(h: MountPlanHost, planned: Planned[]): Promise<OpenedMounts> {
  const { backend, signal } = h.env;
  const views: RootView[] = [];
  const leases: CacheMountLease[] = [];
  const close = async () => {
    for (const l of leases.splice(0)) l.release();
    for (const v of views.splice(0)) await v.close().catch(() => {});
  };
  /** The host path of `rel` in `image`'s root (kept open until close). */
  const inImage = async (image: BaseImage | null, rel: string, from: string): Promise<{ abs: string; st: Stats }> => {
    let abs: string | undefined;
    if (image) {
      const view = await backend.openView(image);
      views.push(view);
      abs = resolveInRoot(view.root, '/' + rel);
    }
    let st: Stats | undefined;
    try { if (abs) st = lstatSync(abs); } catch { /* missing */ }
    if (!abs || !st) throw instructionError(h.line, `--mount from ${JSON.stringify(from)}: ${JSON.stringify('/' + rel)} not found`);
    return { abs, st };
  };
  const mounts: RunMountSpec[] = [];
  try {
    // Caches first, in key order: two steps that both lock caches x and y then never wait for
    // each other. A cache named twice in one step is one lease (a second lock would wait forever).
    const cacheDirs = new Map<string, string>();
    for (const p of [...planned].filter((x) => x.cacheKey).sort((a, b) => (a.cacheKey! < b.cacheKey! ? -1 : 1))) {
      if (cacheDirs.has(p.cacheKey!)) continue;
      const lease = await backend.cacheMounts().acquire(p.cacheKey!, p.m.sharing ?? 'shared', (dir) => initCache(h, p, dir), signal);
      leases.push(lease);
      cacheDirs.set(p.cacheKey!, lease.dir);
    }
    for (const p of planned) {
      const { m, target } = p;
      if (m.type === 'tmpfs') {
        mounts.push({ type: 'tmpfs', target, ...(m.size ? { size: m.size } : {}) });
      } else if (m.type === 'cache') {
        mounts.push({ type: 'bind', target, source: cacheDirs.get(p.cacheKey!)!, readonly: m.readonly });
      } else if (p.context) {
        mounts.push({ type: 'bind', target, source: p.context.abs, readonly: m.readonly, discardWrites: !m.readonly, hide: p.context.hide });
      } else {
        const { abs } = await inImage(p.fromImage ?? null, p.rel, m.from!);
        mounts.push({ type: 'bind', target, source: abs, readonly: m.readonly, discardWrites: !m.readonly });
      }
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { mounts, close };

  /** A new cache directory: a copy of `from`'s source when given, else empty with its owner and mode. */
  async function initCache(host: MountPlanHost, p: Planned, dir: string): Promise<void> {
    const { m } = p;
    if (p.fromImage !== undefined) {
      const view = p.fromImage ? await backend.openView(p.fromImage) : undefined;
      try {
        const abs = view ? resolveInRoot(view.root, '/' + p.rel) : undefined;
        let st: Stats | undefined;
        try { if (abs) st = lstatSync(abs); } catch { /* missing */ }
        if (!abs || !st?.isDirectory()) {
          throw instructionError(host.line, `--mount from ${JSON.stringify(m.from)}: ${JSON.stringify('/' + p.rel)} is not a directory`);
        }
        copyTree(abs, st, dir, { root: dir, identity: { uid: 0, gid: 0 }, keepOwner: true });
        chownSync(dir, st.uid, st.gid);
        chmodSync(dir, st.mode & 0o7777);
        // BuildKit applies uid, gid and mode only to a cache based on the root of `from`.
        if (p.rel !== '') return;
        if (m.uid === undefined && m.gid === undefined && m.mode === undefined) return;
      } finally {
        await view?.close();
      }
    }
    chownSync(dir, m.uid ?? 0, m.gid ?? 0);
    chmodSync(dir, m.mode ?? 0o755);
  }
}
