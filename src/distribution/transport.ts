// HTTP(S) to registries: keep-alive agents per TLS setting, timeouts for stalled connections,
// streamed request bodies, and Go-worded transport errors (see errors.ts). Redirects and
// authorization are the caller's (repository.ts); this file only moves bytes.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { BerthError } from '../common/errors.js';
import { TransportError, goNetError } from './errors.js';
import type { TlsFiles } from './endpoints.js';

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** A Buffer is sent with Content-Length, a stream chunked. */
  body?: Buffer | Readable;
  /** TLS settings for https URLs (default: verified, system CAs). */
  tls?: { verify: boolean; files: TlsFiles };
  signal?: AbortSignal;
}

/** No byte in either direction for this long fails the request (then retried or resumed). */
const IDLE_TIMEOUT_MS = 60_000;
const MAX_ERROR_BODY = 1 << 20;

export class Transport {
  private readonly agents = new Map<string, http.Agent>();

  constructor(readonly userAgent: string) {}

  private agent(url: URL, tls: HttpRequest['tls']): http.Agent {
    const secure = url.protocol === 'https:';
    const key = secure ? `https|${tls?.verify !== false}|${tlsKey(tls?.files)}` : 'http';
    let a = this.agents.get(key);
    if (!a) {
      const common = { keepAlive: true, maxSockets: 32, maxFreeSockets: 8, scheduling: 'lifo' as const };
      a = secure
        ? new https.Agent({ ...common, rejectUnauthorized: tls?.verify !== false, ca: tls?.files.ca?.length ? [...tls.files.ca, ...systemCAs()] : undefined, cert: tls?.files.cert, key: tls?.files.key })
        : new http.Agent(common);
      this.agents.set(key, a);
    }
    return a;
  }

  /** Resolves with the response once its headers arrive, whatever its status. */
  send(r: HttpRequest): Promise<IncomingMessage> {
    const url = new URL(r.url);
    const secure = url.protocol === 'https:';
    const port = Number(url.port) || (secure ? 443 : 80);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const headers: Record<string, string> = { 'User-Agent': this.userAgent, ...r.headers };
    if (Buffer.isBuffer(r.body)) headers['Content-Length'] = String(r.body.length);
    else if (r.body) headers['Transfer-Encoding'] = 'chunked';
    else if (r.method === 'PUT' || r.method === 'POST' || r.method === 'PATCH') headers['Content-Length'] ??= '0';
    return new Promise((resolve, reject) => {
      let settled = false;
      let response: IncomingMessage | undefined;
      let socket: Socket | undefined;
      // One idle watchdog on the socket for the whole exchange, removed when it is over so a
      // keep-alive socket does not collect listeners; an abort tears down whichever side is live.
      const kill = (e: Error) => (response ? response.destroy(e) : req.destroy(e));
      const onIdle = () => kill(Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' }));
      const onAbort = () => kill(abortError(r.signal));
      const release = () => {
        r.signal?.removeEventListener('abort', onAbort);
        if (socket) { socket.off('timeout', onIdle); socket.setTimeout(0); socket = undefined; }
      };
      const fail = (e: unknown) => {
        release();
        if (settled) return;
        settled = true;
        if (r.body && !Buffer.isBuffer(r.body)) r.body.destroy();
        reject(toTransportError(e, r.method, r.url, host, port, r.signal));
      };
      const mod = secure ? https : http;
      const req = mod.request({
        method: r.method, protocol: url.protocol, hostname: host, port, path: url.pathname + url.search,
        headers, agent: this.agent(url, r.tls), servername: secure && !/^[\d.:]+$/.test(host) ? host : undefined,
      }, (res) => {
        if (settled) { res.destroy(); return; }
        settled = true;
        response = res;
        res.once('close', release);
        resolve(res);
      });
      req.on('socket', (s) => {
        socket = s;
        s.setTimeout(IDLE_TIMEOUT_MS);
        s.on('timeout', onIdle);
      });
      if (r.signal?.aborted) { fail(abortError(r.signal)); req.destroy(); return; }
      r.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', fail);
      if (r.body && !Buffer.isBuffer(r.body)) {
        const body = r.body;
        body.on('error', (e) => { req.destroy(e); fail(e); });
        body.pipe(req);
      } else {
        req.end(r.body);
      }
    });
  }

  close(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }
}

function tlsKey(f: TlsFiles | undefined): string {
  if (!f) return '';
  const size = (b?: Buffer) => (b ? b.length : 0);
  return `${(f.ca ?? []).map(size).join(',')}|${size(f.cert)}|${size(f.key)}`;
}

/** The extra CAs of certs.d are added to Node's roots, not used instead of them. */
function systemCAs(): readonly string[] {
  return rootCertificates;
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason = signal?.reason;
  return reason instanceof Error ? reason : Object.assign(new Error('context canceled'), { code: 'ABORT_ERR' });
}

function toTransportError(e: unknown, method: string, url: string, host: string, port: number, signal?: AbortSignal): BerthError {
  if (e instanceof BerthError) return e;
  if (signal?.aborted) return new TransportError(method, url, 'context canceled', false);
  const { text, fallback } = goNetError(e as NodeJS.ErrnoException, host, port);
  return new TransportError(method, url, text, fallback);
}

/** Reads a (bounded) response body. */
export async function readBody(res: IncomingMessage, max = MAX_ERROR_BODY): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res) {
    n += (c as Buffer).length;
    if (n > max) { res.destroy(); break; }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Discards a response body so its connection returns to the pool. */
export function drain(res: IncomingMessage): void {
  res.resume();
}
