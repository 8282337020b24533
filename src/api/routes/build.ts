// POST /build (the classic builder's API: a tar context in the body, Docker's JSON message stream
// out) and POST /build/prune.
import { isAbsolute } from 'node:path';
import { mkdirSync, rmSync } from 'node:fs';
import { invalidParameter, notImplemented } from '../../common/errors.js';
import { parseFilters } from '../../common/filters.js';
import { BuildContext } from '../../builder/context.js';
import type { Builder, BuildRequest } from '../../builder/builder.js';
import { parseNormalizedNamed } from '../../image/reference.js';
import { messageOf } from '../errors.js';
import { HANDLED, boolValue, type Ctx } from '../http.js';
import { LazyJsonStream, abortOnDisconnect, detachedBody } from '../progress-stream.js';
import type { Router } from '../router.js';

export interface BuildService {
  builder: Builder;
  /** A fresh scratch directory for an uploaded context. */
  scratchDir(): string;
  prune(all: boolean): Promise<{ deleted: string[]; reclaimed: number }>;
}

/** Header of a local `berth build` that lets the daemon read the context directory in place. */
export const CONTEXT_DIR_HEADER = 'x-berth-context-dir';

export function buildRoutes(r: Router, svc: BuildService): void {
  r.post('/build', (c) => build(c, svc));
  r.post('/build/prune', async (c) => {
    parseFilters(c.query.get('filters')).validate(['until', 'id', 'parent', 'type', 'description', 'inuse', 'shared', 'private']);
    const images = await svc.prune(boolValue(c.query, 'all'));
    // As `docker builder prune` does with BuildKit, the cache mounts go too.
    const mounts = svc.builder.pruneCacheMounts();
    const deleted = [...images.deleted, ...mounts.deleted];
    return { CachesDeleted: deleted.length ? deleted : null, SpaceReclaimed: images.reclaimed + mounts.reclaimed };
  });
  r.post('/build/cancel', () => ({}));
}

function jsonParam<T>(c: Ctx, name: string): T | undefined {
  const v = c.query.get(name);
  if (!v) return undefined;
  try {
    return JSON.parse(v) as T;
  } catch {
    throw invalidParameter(`invalid ${name} parameter: ${v}`);
  }
}

function parseRequest(c: Ctx): Omit<BuildRequest, 'context'> {
  if (c.query.get('remote')) throw notImplemented('remote build contexts (git or URL) are not supported');
  const tags = c.query.getAll('t').filter((t) => t !== '');
  for (const t of tags) {
    try { parseNormalizedNamed(t); } catch { throw invalidParameter('invalid reference format'); }
  }
  const shm = c.query.get('shmsize');
  return {
    dockerfile: c.query.get('dockerfile') || 'Dockerfile',
    tags,
    buildArgs: jsonParam<Record<string, string | null>>(c, 'buildargs') ?? {},
    labels: jsonParam<Record<string, string>>(c, 'labels') ?? {},
    target: c.query.get('target') || undefined,
    noCache: boolValue(c.query, 'nocache'),
    pull: boolValue(c.query, 'pull'),
    quiet: boolValue(c.query, 'q'),
    platform: c.query.get('platform') || undefined,
    networkMode: c.query.get('networkmode') || 'default',
    extraHosts: (c.query.get('extrahosts') ?? '').split(',').filter((h) => h !== ''),
    shmSize: shm ? Number(shm) || undefined : undefined,
  };
}

async function build(c: Ctx, svc: BuildService): Promise<symbol> {
  const opts = parseRequest(c);
  const localDir = c.req.headers[CONTEXT_DIR_HEADER];
  let context: BuildContext;
  // An uploaded context is extracted into a scratch directory of its own, removed with it.
  let scratch: string | undefined;
  if (typeof localDir === 'string' && localDir !== '') {
    if (!isAbsolute(localDir)) throw invalidParameter(`context directory must be absolute: ${localDir}`);
    c.req.resume();
    context = BuildContext.fromDirectory(localDir, opts.dockerfile);
  } else {
    scratch = svc.scratchDir();
    mkdirSync(scratch + '/context');
    try {
      context = await BuildContext.fromTar(detachedBody(c), scratch + '/context', opts.dockerfile);
    } catch (e) {
      rmSync(scratch, { recursive: true, force: true });
      throw e;
    }
  }
  const out = new LazyJsonStream(c.res);
  const abort = abortOnDisconnect(c.res);
  try {
    await svc.builder.build({ ...opts, context }, {
      stream: (text) => out.write({ stream: text }),
      aux: (value) => out.write({ aux: value }),
    }, abort.signal);
  } catch (e) {
    if (!out.started) throw e;
    const message = messageOf(e);
    const code = (e as { exitCode?: number }).exitCode;
    out.write({ errorDetail: code ? { code, message } : { message }, error: message });
  } finally {
    abort.done();
    await context.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
  c.res.end();
  return HANDLED;
}

