// /images/*: list, inspect, history, tag, remove, prune, save, load, import (fromSrc), pull
// (fromImage), push; and POST /auth, the registry login check.
import type { ServerResponse } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { errorMessage, invalidParameter, notImplemented } from '../../common/errors.js';
import { decodeAuthHeader, parseAuthJson, type AuthConfig } from '../../distribution/auth-config.js';
import type { JsonMessage, ProgressSink } from '../../distribution/progress.js';
import { isUnauthorized } from '../../distribution/registry.js';
import type { ImageService } from '../../image/service.js';
import { messageOf } from '../errors.js';
import { HANDLED, JsonStream, Status, boolValue, readBody, type Ctx } from '../http.js';
import type { Router } from '../router.js';

export function imageRoutes(r: Router, images: ImageService): void {
  r.get('/images/json', (c) => images.list({
    all: boolValue(c.query, 'all'),
    filters: c.query.get('filters') ?? undefined,
    digests: boolValue(c.query, 'digests'),
  }, c.version));

  r.get('/images/get', (c) => save(c, images, c.query.getAll('names').flatMap((n) => n.split(',')).filter(Boolean)));
  r.get('/images/{name*}/get', (c) => save(c, images, [c.params[0]]));
  r.get('/images/{name*}/json', (c) => images.inspect(c.params[0], c.version));
  r.get('/images/{name*}/history', (c) => images.history(c.params[0]));

  r.post('/images/{name*}/tag', async (c) => {
    await images.tag(c.params[0], c.query.get('repo') ?? '', c.query.get('tag') ?? undefined);
    return new Status(201, {});
  });

  r.delete('/images/{name*}', (c) => images.remove(c.params[0], boolValue(c.query, 'force'), !boolValue(c.query, 'noprune')));

  r.post('/images/prune', (c) => images.prune(c.query.get('filters') ?? undefined));

  r.post('/images/load', async (c) => {
    const quiet = boolValue(c.query, 'quiet');
    const out = new JsonStream(c.res);
    try {
      await images.load(detachedBody(c), {
        layer: (id, size) => { if (!quiet) out.status('Loading layer', { id, progressDetail: { current: size, total: size } }); },
        loaded: (line) => out.stream(line + '\n'),
      });
    } catch (e) {
      c.req.resume();
      out.error(e);
    }
    out.end();
    return HANDLED;
  });

  r.post('/images/create', async (c) => {
    const fromSrc = c.query.get('fromSrc');
    if (fromSrc === null) {
      const fromImage = c.query.get('fromImage');
      if (fromImage) return pull(c, images, fromImage);
      throw invalidParameter('either fromImage or fromSrc must be given');
    }
    if (fromSrc !== '-') throw invalidParameter(`importing from a URL is not supported: ${fromSrc}`);
    const platform = (c.query.get('platform') ?? '').split('/');
    const out = new JsonStream(c.res);
    try {
      const id = await images.import(detachedBody(c), c.query.get('repo') ?? undefined, c.query.get('tag') ?? undefined, {
        message: c.query.get('message') ?? undefined,
        changes: c.query.getAll('changes'),
        platformOs: platform[0] || undefined,
        platformArch: platform[1] || undefined,
      });
      out.status(id);
    } catch (e) {
      c.req.resume();
      out.error(e);
    }
    out.end();
    return HANDLED;
  });

  r.post('/images/{name*}/push', async (c) => {
    const auth = await pushAuth(c);
    return progressStream(c, (out, signal) => images.push(c.params[0]!, c.query.get('tag') || undefined, auth, out, signal));
  });

  r.post('/auth', async (c) => {
    const auth = parseAuthJson((await readBody(c)).toString('utf8') || '{}');
    try {
      return await images.login(auth);
    } catch (e) {
      // moby: errdefs.Unauthorized, answered as 401 with the registry's verdict.
      if (isUnauthorized(e)) throw new Status(401, { message: messageOf(e) });
      throw e;
    }
  });

  r.post('/images/search', () => { throw notImplemented('searching registries is not supported'); });
  r.get('/images/search', () => { throw notImplemented('searching registries is not supported'); });
}

/**
 * The request body behind a PassThrough: a failing extraction destroys its input, and destroying
 * the request itself would reset the connection before the client reads the error we send back.
 */
function detachedBody(c: Ctx): Readable {
  const body = new PassThrough();
  c.req.pipe(body);
  body.on('close', () => { c.req.unpipe(body); c.req.resume(); });
  return body;
}

async function save(c: Ctx, images: ImageService, names: string[]): Promise<symbol> {
  const stream = images.save(names);
  c.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
  try {
    await pipeline(stream, c.res);
  } catch {
    c.res.destroy();
  }
  return HANDLED;
}

/**
 * Docker's JSON message stream for pull and push, begun lazily: an error before the first message
 * is an ordinary HTTP error (404 for an unknown manifest, 500 for an unreachable registry), one
 * after it goes in-band, as moby's WriteFlusher decides.
 */
class LazyJsonStream implements ProgressSink {
  started = false;
  constructor(private readonly res: ServerResponse) {}
  write(m: JsonMessage): void {
    if (!this.started) {
      this.started = true;
      this.res.writeHead(200, { 'Content-Type': 'application/json' });
    }
    if (!this.res.writableEnded && !this.res.destroyed) this.res.write(JSON.stringify(m) + '\r\n');
  }
  error(e: unknown): void {
    const message = messageOf(e);
    this.write({ errorDetail: { message }, error: message });
  }
}

/** Cancels a pull or push when its client goes away (moby's request context). */
function abortOnDisconnect(res: ServerResponse): { signal: AbortSignal; done(): void } {
  const ac = new AbortController();
  const onClose = () => { if (!res.writableFinished) ac.abort(new Error('context canceled')); };
  res.on('close', onClose);
  return { signal: ac.signal, done: () => res.off('close', onClose) };
}

/** X-Registry-Auth for a pull: an unreadable header counts as none, as in moby. */
function headerAuth(c: Ctx): AuthConfig | undefined {
  const h = c.req.headers['x-registry-auth'];
  if (typeof h !== 'string' || h === '') return undefined;
  try {
    return decodeAuthHeader(h);
  } catch {
    return undefined;
  }
}

/** A push takes the header, or (older clients) the auth config as the body. */
async function pushAuth(c: Ctx): Promise<AuthConfig | undefined> {
  const h = c.req.headers['x-registry-auth'];
  if (typeof h === 'string' && h !== '') return headerAuth(c);
  const body = (await readBody(c)).toString('utf8');
  if (body.trim() === '') throw invalidParameter('bad parameters and missing X-Registry-Auth: invalid X-Registry-Auth header: EOF');
  try {
    return parseAuthJson(body);
  } catch (e) {
    throw invalidParameter(`bad parameters and missing X-Registry-Auth: ${errorMessage(e)}`);
  }
}

function pull(c: Ctx, images: ImageService, fromImage: string): Promise<symbol> {
  return progressStream(c, (out, signal) => images.pull({
    image: fromImage, tag: c.query.get('tag') ?? undefined, platform: c.query.get('platform') || undefined,
    auth: headerAuth(c), signal,
  }, out));
}

/**
 * A pull or push as dockerd answers it: an error before the first progress message is an HTTP
 * error, a later one goes into the stream; a client that disconnects cancels the work.
 */
async function progressStream(c: Ctx, work: (out: LazyJsonStream, signal: AbortSignal) => Promise<unknown>): Promise<symbol> {
  const out = new LazyJsonStream(c.res);
  const abort = abortOnDisconnect(c.res);
  try {
    await work(out, abort.signal);
  } catch (e) {
    if (!out.started) throw e;
    out.error(e);
  } finally {
    abort.done();
  }
  c.res.end();
  return HANDLED;
}
