// /images/*: list, inspect, history, tag, remove, prune, save, load, import (fromSrc).
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalidParameter, notImplemented } from '../../common/errors.js';
import type { ImageService } from '../../image/service.js';
import { HANDLED, JsonStream, Status, boolValue, type Ctx } from '../http.js';
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
      if (c.query.get('fromImage')) throw notImplemented('pulling images is not supported yet');
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
