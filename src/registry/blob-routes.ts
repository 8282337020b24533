// Blob endpoints: fetch (with Range), delete, and the upload protocol (POST to start, mount or
// push whole; PATCH chunks; PUT to finish; GET status; DELETE to cancel).
import { pipeline } from 'node:stream/promises';
import { regError } from './errors.js';
import { contentLength, parseContentRange, parseRange } from './http.js';
import { isValidName, parseDigest, requireDigest } from './names.js';
import { blobLocation, notModified, sendEmpty, sendError, uploadLocation, uploadRange, type Ctx } from './respond.js';

export async function getBlob(c: Ctx): Promise<void> {
  const d = requireDigest(c.param);
  const size = await c.registry.blobSize(c.name, d);
  const etag = `"${d.value}"`;
  const headers: Record<string, string> = {
    'Docker-Content-Digest': d.value,
    ETag: etag,
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'max-age=31536000',
  };
  if (notModified(c.req, etag)) return sendEmpty(c.res, 304, headers);
  const range = parseRange(c.req.headers.range, size);
  if (range === 'unsatisfiable') {
    return sendError(c.res, regError('RANGE_INVALID', { size }, `range not satisfiable for a blob of ${size} bytes`), { 'Content-Range': `bytes */${size}` });
  }
  const length = range ? range.end - range.start + 1 : size;
  c.res.writeHead(range ? 206 : 200, {
    ...headers,
    'Content-Type': 'application/octet-stream',
    'Content-Length': String(length),
    ...(range ? { 'Content-Range': `bytes ${range.start}-${range.end}/${size}` } : {}),
  });
  if (c.req.method === 'HEAD' || length === 0) return void c.res.end();
  await pipeline(c.registry.blobs.read(d, range ?? undefined), c.res);
}

export async function deleteBlob(c: Ctx): Promise<void> {
  await c.registry.deleteBlob(c.name, requireDigest(c.param));
  sendEmpty(c.res, 202);
}

/** POST /v2/<name>/blobs/uploads/[?mount=&from=][?digest=] */
export async function startUpload(c: Ctx): Promise<void> {
  const q = c.url.searchParams;
  const mount = q.get('mount');
  if (mount !== null) {
    const d = parseDigest(mount);
    const from = q.get('from');
    if (d && (from === null || isValidName(from)) && (await c.registry.mount(c.name, d, from ?? undefined))) {
      return sendEmpty(c.res, 201, { Location: blobLocation(c.name, d.value), 'Docker-Content-Digest': d.value });
    }
    // Not mountable: the client gets an upload session instead (the spec's 202 fallback).
  }
  const digest = q.get('digest');
  if (digest !== null) {
    const d = requireDigest(digest);
    await c.registry.uploads.putWhole(c.name, d, c.req, contentLength(c.req.headers['content-length']));
    return sendEmpty(c.res, 201, { Location: blobLocation(c.name, d.value), 'Docker-Content-Digest': d.value });
  }
  const uuid = await c.registry.uploads.create(c.name);
  sendEmpty(c.res, 202, { Location: uploadLocation(c.name, uuid), Range: '0-0', 'Docker-Upload-UUID': uuid });
}

export async function uploadStatus(c: Ctx): Promise<void> {
  const size = await c.registry.uploads.status(c.name, c.param);
  sendEmpty(c.res, 204, { Location: uploadLocation(c.name, c.param), Range: uploadRange(size), 'Docker-Upload-UUID': c.param });
}

export async function patchUpload(c: Ctx): Promise<void> {
  const range = parseContentRange(c.req.headers['content-range']);
  const size = await c.registry.uploads.append(c.name, c.param, c.req, range, contentLength(c.req.headers['content-length']));
  sendEmpty(c.res, 202, { Location: uploadLocation(c.name, c.param), Range: uploadRange(size), 'Docker-Upload-UUID': c.param });
}

export async function finishUpload(c: Ctx): Promise<void> {
  const d = requireDigest(c.url.searchParams.get('digest') ?? '');
  const range = parseContentRange(c.req.headers['content-range']);
  await c.registry.uploads.finish(c.name, c.param, d, c.req, range, contentLength(c.req.headers['content-length']));
  sendEmpty(c.res, 201, { Location: blobLocation(c.name, d.value), 'Docker-Content-Digest': d.value });
}

export async function cancelUpload(c: Ctx): Promise<void> {
  await c.registry.uploads.cancel(c.name, c.param);
  sendEmpty(c.res, 204);
}
