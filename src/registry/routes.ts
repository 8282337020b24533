// The distribution API's route table, and the manifest, tag, catalog and referrers endpoints.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { cancelUpload, deleteBlob, finishUpload, getBlob, patchUpload, startUpload, uploadStatus } from './blob-routes.js';
import { regError } from './errors.js';
import { nextLink, paginate, parsePageSize } from './http.js';
import { MANIFEST_MAX_BYTES, MediaType, parseAccept } from './media.js';
import { requireDigest, requireName } from './names.js';
import type { Registry } from './registry.js';
import { manifestLocation, notModified, readBody, sendEmpty, sendJson, type Ctx, type Handler } from './respond.js';

async function base(c: Ctx): Promise<void> {
  sendJson(c.res, 200, {});
}

async function catalog(c: Ctx): Promise<void> {
  const n = parsePageSize(c.url.searchParams.get('n'));
  const { page, next } = paginate(await c.registry.repos.list(), n, c.url.searchParams.get('last') ?? undefined);
  sendJson(c.res, 200, { repositories: page }, next !== undefined ? { Link: nextLink('/v2/_catalog', n!, next) } : {});
}

async function tagsList(c: Ctx): Promise<void> {
  const n = parsePageSize(c.url.searchParams.get('n'));
  if (!(await c.registry.repos.exists(c.name))) throw regError('NAME_UNKNOWN', { name: c.name });
  const { page, next } = paginate(await c.registry.repos.tags(c.name), n, c.url.searchParams.get('last') ?? undefined);
  sendJson(c.res, 200, { name: c.name, tags: page }, next !== undefined ? { Link: nextLink(`/v2/${c.name}/tags/list`, n!, next) } : {});
}

async function getManifest(c: Ctx): Promise<void> {
  const m = await c.registry.manifests.get(c.name, c.param, parseAccept(c.req.headers.accept));
  const etag = `"${m.digest.value}"`;
  const headers = { 'Docker-Content-Digest': m.digest.value, ETag: etag };
  if (notModified(c.req, etag)) return sendEmpty(c.res, 304, headers);
  c.res.writeHead(200, { ...headers, 'Content-Type': m.mediaType, 'Content-Length': String(m.body.length) });
  c.res.end(c.req.method === 'HEAD' ? undefined : m.body);
}

async function putManifest(c: Ctx): Promise<void> {
  const body = await readBody(c.req, MANIFEST_MAX_BYTES);
  const { digest, subject } = await c.registry.manifests.put(c.name, c.param, body, c.req.headers['content-type']);
  sendEmpty(c.res, 201, {
    Location: manifestLocation(c.name, digest.value),
    'Docker-Content-Digest': digest.value,
    ...(subject ? { 'OCI-Subject': subject.value } : {}),
  });
}

async function deleteManifest(c: Ctx): Promise<void> {
  await c.registry.manifests.delete(c.name, c.param);
  sendEmpty(c.res, 202);
}

async function referrers(c: Ctx): Promise<void> {
  const subject = requireDigest(c.param);
  const artifactType = c.url.searchParams.get('artifactType') || undefined;
  const manifests = await c.registry.manifests.referrers(c.name, subject, artifactType);
  const body = JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests });
  c.res.writeHead(200, {
    'Content-Type': MediaType.ociIndex,
    'Content-Length': String(Buffer.byteLength(body)),
    ...(artifactType ? { 'OCI-Filters-Applied': 'artifactType' } : {}),
  });
  c.res.end(body);
}

interface Route {
  pattern: RegExp;
  /** Whether the first group is a repository name. */
  named: boolean;
  methods: Record<string, Handler>;
}

const route = (pattern: RegExp, methods: Record<string, Handler>, named = true): Route => ({ pattern, named, methods });

const ROUTES: Route[] = [
  route(/^\/v2\/?$/, { GET: base, HEAD: base }, false),
  route(/^\/v2\/_catalog$/, { GET: catalog }, false),
  route(/^\/v2\/(.+)\/tags\/list$/, { GET: tagsList }),
  route(/^\/v2\/(.+)\/manifests\/([^/]+)$/, { GET: getManifest, HEAD: getManifest, PUT: putManifest, DELETE: deleteManifest }),
  route(/^\/v2\/(.+)\/blobs\/uploads\/?$/, { POST: startUpload }),
  route(/^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/, { GET: uploadStatus, PATCH: patchUpload, PUT: finishUpload, DELETE: cancelUpload }),
  route(/^\/v2\/(.+)\/blobs\/([^/]+)$/, { GET: getBlob, HEAD: getBlob, DELETE: deleteBlob }),
  route(/^\/v2\/(.+)\/referrers\/([^/]+)$/, { GET: referrers }),
];

/** Finds and runs the handler for a request; false when no route matches the path. */
export async function dispatch(registry: Registry, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  for (const r of ROUTES) {
    const m = r.pattern.exec(url.pathname);
    if (!m) continue;
    const handler = r.methods[req.method ?? ''];
    if (!handler) throw regError('UNSUPPORTED', { method: req.method }, `method ${req.method} not allowed`);
    const [name, param] = r.named ? [decode(m[1]!), decode(m[2] ?? '')] : ['', ''];
    if (r.named) requireName(name);
    await handler({ req, res, url, registry, name, param });
    return true;
  }
  return false;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
