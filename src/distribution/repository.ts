// One repository on one registry endpoint: the distribution API calls a pull or push makes —
// manifests (HEAD/GET/PUT), tags, blobs (HEAD/GET with redirects and resumption), uploads (POST,
// cross-repository mount, streamed or chunked PATCH, PUT ?digest=). Every request carries the
// authorization its scopes need and is retried once with a fresh token on a 401 when its body can
// be sent again.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { invalidParameter } from '../common/errors.js';
import type { Authorizer } from './auth.js';
import { repositoryScope } from './auth.js';
import { resumableBlob, type BlobReaderOptions } from './blob-reader.js';
import type { Endpoint } from './endpoints.js';
import { errorFromResponse } from './errors.js';
import { MANIFEST_ACCEPT } from './manifest.js';
import { drain, readBody, type Transport } from './transport.js';
import { parseChallenges } from './www-authenticate.js';

const MAX_MANIFEST = 4 << 20;
const MAX_REDIRECTS = 10;

export interface FetchedManifest { bytes: Buffer; mediaType: string | undefined; digest: string }

interface SendOptions {
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  followRedirects?: boolean;
  /** Scopes beyond the repository's own (a mount's source repository). */
  extraScopes?: string[];
}

export class Repository {
  readonly base: string;

  constructor(
    readonly endpoint: Endpoint,
    /** The repository path on the registry (`library/busybox`). */
    readonly path: string,
    private readonly transport: Transport,
    private readonly authorizer: Authorizer,
    private readonly actions: string[],
    private readonly signal?: AbortSignal,
  ) {
    this.base = `${endpoint.url}/v2/${path}`;
  }

  /** The full name of the repository as references spell it (`127.0.0.1:5000/x`). */
  private scopes(extra: string[] = []): string[] {
    return [repositoryScope(this.path, this.actions), ...extra];
  }

  private tls(url: string): { verify: boolean; files: Endpoint['tls'] } | undefined {
    return new URL(url).host === new URL(this.endpoint.url).host ? { verify: this.endpoint.verify, files: this.endpoint.tls } : undefined;
  }

  async send(method: string, url: string, o: SendOptions = {}): Promise<IncomingMessage> {
    const replayable = !o.body || Buffer.isBuffer(o.body);
    let fresh = false;
    let target = url;
    let authorize = true;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const headers: Record<string, string> = { ...o.headers };
      if (authorize) {
        const auth = await this.authorizer.header(this.scopes(o.extraScopes), method, target, { fresh });
        if (auth) headers.Authorization = auth;
      }
      const res = await this.transport.send({ method, url: target, headers, body: o.body, tls: this.tls(target), signal: this.signal });
      const status = res.statusCode ?? 0;
      if (status === 401 && authorize && replayable && !fresh) {
        drain(res);
        this.authorizer.update(parseChallenges(res.headers['www-authenticate']));
        fresh = true;
        hop--;
        continue;
      }
      if (o.followRedirects && [301, 302, 303, 307, 308].includes(status) && res.headers.location) {
        drain(res);
        const next = new URL(res.headers.location, target).href;
        // Credentials for the registry are not sent to another host (a CDN's signed URL).
        if (new URL(next).host !== new URL(target).host) authorize = false;
        target = next;
        continue;
      }
      return res;
    }
    throw invalidParameter(`stopped after ${MAX_REDIRECTS} redirects`);
  }

  /** Throws the registry's error for a failed reply. */
  async fail(res: IncomingMessage): Promise<never> {
    const body = await readBody(res);
    throw errorFromResponse(res.statusCode ?? 500, res.headers['content-type'], body, res.headers['www-authenticate']);
  }

  /** HEAD of a manifest: its digest when the registry names it, undefined when it cannot tell. */
  async headManifest(reference: string): Promise<{ digest: string; mediaType?: string; size?: number } | undefined> {
    const res = await this.send('HEAD', `${this.base}/manifests/${reference}`, { headers: { Accept: MANIFEST_ACCEPT.join(', ') } });
    drain(res);
    const status = res.statusCode ?? 0;
    const digest = res.headers['docker-content-digest'];
    if (status >= 200 && status < 300 && typeof digest === 'string' && /^sha256:[a-f0-9]{64}$/.test(digest)) {
      return { digest, mediaType: res.headers['content-type'], size: Number(res.headers['content-length']) || undefined };
    }
    return undefined;
  }

  /** GET of a manifest, bounded, with its digest computed (and checked when asked for by digest). */
  async getManifest(reference: string): Promise<FetchedManifest> {
    const res = await this.send('GET', `${this.base}/manifests/${reference}`, { headers: { Accept: MANIFEST_ACCEPT.join(', ') } });
    if ((res.statusCode ?? 0) !== 200) return this.fail(res);
    const len = Number(res.headers['content-length']);
    if (len > MAX_MANIFEST) { res.destroy(); throw invalidParameter(`manifest too large: ${len} bytes`); }
    const bytes = await readBody(res, MAX_MANIFEST);
    if (bytes.length >= MAX_MANIFEST) throw invalidParameter('manifest too large');
    const digest = 'sha256:' + createHash('sha256').update(bytes).digest('hex');
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw invalidParameter(`manifest verification failed for digest ${reference}`);
    }
    return { bytes, mediaType: res.headers['content-type'], digest };
  }

  /** All tags (following `Link: <…>; rel="next"` pages). */
  async tags(): Promise<string[]> {
    const out: string[] = [];
    let url: string | undefined = `${this.base}/tags/list`;
    for (let page = 0; url && page < 1000; page++) {
      const res = await this.send('GET', url);
      if ((res.statusCode ?? 0) !== 200) return this.fail(res);
      const doc = JSON.parse((await readBody(res, 64 << 20)).toString('utf8')) as { tags?: string[] | null };
      out.push(...(doc.tags ?? []));
      const link = /<([^>]+)>\s*;\s*rel="?next"?/.exec(String(res.headers.link ?? ''));
      url = link ? new URL(link[1]!, url).href : undefined;
    }
    return out;
  }

  /** HEAD of a blob: its size when the registry has it, undefined when it does not. */
  async statBlob(digest: string): Promise<number | undefined> {
    const res = await this.send('HEAD', `${this.base}/blobs/${digest}`, { followRedirects: true });
    drain(res);
    const status = res.statusCode ?? 0;
    if (status === 404) return undefined;
    if (status >= 200 && status < 300) return Number(res.headers['content-length']) || 0;
    throw errorFromResponse(status, res.headers['content-type'], Buffer.alloc(0), res.headers['www-authenticate']);
  }

  /** A small blob (an image config) in memory, verified. */
  async blobBytes(digest: string, size: number, max = 64 << 20, what = 'image config'): Promise<Buffer> {
    if (size > max) throw invalidParameter(`blob ${digest} is too large (${size} bytes)`);
    const res = await this.send('GET', `${this.base}/blobs/${digest}`, { followRedirects: true });
    if ((res.statusCode ?? 0) !== 200) return this.fail(res);
    const bytes = await readBody(res, max + 1);
    const got = 'sha256:' + createHash('sha256').update(bytes).digest('hex');
    if (got !== digest) throw invalidParameter(`${what} verification failed for digest ${digest}`);
    return bytes;
  }

  /** A layer blob as a stream that resumes with Range requests after a dropped connection. */
  openBlob(digest: string, size: number, opts: BlobReaderOptions = {}): Readable {
    return resumableBlob(digest, size, async (offset) => {
      const headers: Record<string, string> = offset > 0 ? { Range: `bytes=${offset}-` } : {};
      const res = await this.send('GET', `${this.base}/blobs/${digest}`, { headers, followRedirects: true });
      const status = res.statusCode ?? 0;
      if (status === 200 || status === 206) return res;
      return this.fail(res);
    }, { signal: this.signal, ...opts });
  }

  /**
   * POST an upload, asking to mount `digest` from `from` (a repository path on the same registry)
   * when given: mounted (201), or an upload session to use instead (202).
   */
  async startUpload(mount?: { digest: string; from: string }): Promise<{ mounted: true } | { mounted: false; location: string; chunkMin?: number }> {
    const url = new URL(`${this.base}/blobs/uploads/`);
    const extra: string[] = [];
    if (mount) {
      url.searchParams.set('mount', mount.digest);
      url.searchParams.set('from', mount.from);
      extra.push(repositoryScope(mount.from, ['pull']));
    }
    const res = await this.send('POST', url.href, { extraScopes: extra });
    const status = res.statusCode ?? 0;
    if (status === 201 && mount) { drain(res); return { mounted: true }; }
    if (status === 202 && res.headers.location) {
      drain(res);
      const min = Number(res.headers['oci-chunk-min-length']);
      return { mounted: false, location: this.resolve(res.headers.location), chunkMin: min > 0 ? min : undefined };
    }
    return this.fail(res);
  }

  private resolve(location: string): string {
    return new URL(location, this.endpoint.url + '/').href;
  }

  /** PATCH the whole stream in one request (chunked transfer encoding): the next location. */
  async patchStream(location: string, body: Readable): Promise<string> {
    const res = await this.send('PATCH', location, { body, headers: { 'Content-Type': 'application/octet-stream' } });
    if ((res.statusCode ?? 0) !== 202) return this.fail(res);
    drain(res);
    return res.headers.location ? this.resolve(res.headers.location) : location;
  }

  /** PATCH one chunk at `offset` with Content-Range (registries that want chunked uploads). */
  async patchChunk(location: string, chunk: Buffer, offset: number): Promise<string> {
    const res = await this.send('PATCH', location, {
      body: chunk,
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${offset}-${offset + chunk.length - 1}` },
    });
    if ((res.statusCode ?? 0) !== 202) return this.fail(res);
    drain(res);
    return res.headers.location ? this.resolve(res.headers.location) : location;
  }

  /** PUT ?digest= closing an upload (with the remaining bytes as its body, if any). */
  async completeUpload(location: string, digest: string, body?: Buffer): Promise<void> {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    const res = await this.send('PUT', url.href, { body: body ?? Buffer.alloc(0), headers: { 'Content-Type': 'application/octet-stream' } });
    if ((res.statusCode ?? 0) !== 201 && (res.statusCode ?? 0) !== 204) return this.fail(res);
    drain(res);
  }

  /** A small blob in one POST + PUT (the config). */
  async putBlob(bytes: Buffer, digest: string): Promise<void> {
    const up = await this.startUpload();
    if (up.mounted) return;
    await this.completeUpload(up.location, digest, bytes);
  }

  /** PUT a manifest under a tag or digest; its digest. */
  async putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    const res = await this.send('PUT', `${this.base}/manifests/${reference}`, { body: bytes, headers: { 'Content-Type': mediaType } });
    if ((res.statusCode ?? 0) !== 201 && (res.statusCode ?? 0) !== 200 && (res.statusCode ?? 0) !== 202) return this.fail(res);
    drain(res);
    return 'sha256:' + createHash('sha256').update(bytes).digest('hex');
  }
}
