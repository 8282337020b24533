// /images/*: list, inspect, history, tag, remove, prune, save, load, import (fromSrc), pull
// (fromImage), push; and POST /auth, the registry login check.
import { pipeline } from 'node:stream/promises';
import { errorMessage, invalidParameter, notImplemented } from '../../common/errors.js';
import { decodeAuthHeader, parseAuthJson, type AuthConfig } from '../../distribution/auth-config.js';
import { isUnauthorized } from '../../distribution/registry.js';
import type { ImageService } from '../../image/service.js';
import { messageOf } from '../errors.js';
import { HANDLED, JsonStream, Status, boolValue, readBody, type Ctx } from '../http.js';
import { detachedBody, progressStream } from '../progress-stream.js';
import type { Router } from '../router.js';

const LEGACY_COMPOSE = /^docker-compose\/1\./;

export function imageRoutes(r: Router, images: ImageService): void {
  r.get('/images/json', (c) => images.list({
    all: boolValue(c.query, 'all'),
    filters: c.query.get('filters') ?? undefined,
    digests: boolValue(c.query, 'digests'),
  }, c.version));

  r.get('/images/get', (c) => save(c, images, c.query.getAll('names').flatMap((n) => n.split(',')).filter(Boolean)));
  r.get('/images/{name*}/get', (c) => save(c, images, [c.params[0]]));
  // docker-compose 1.x negotiates the newest API yet reads the image's ContainerConfig, which
  // API 1.45 dropped (Docker 25+ breaks it with KeyError: 'ContainerConfig' on every recreate):
  // it gets the 1.44 shape, whatever version it asked for.
  r.get('/images/{name*}/json', (c) => images.inspect(c.params[0], LEGACY_COMPOSE.test(c.req.headers['user-agent'] ?? '') ? Math.min(c.version, 1.44) : c.version));
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

