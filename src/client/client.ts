// Typed Engine API client over a unix socket (used by the CLI, compose and tests).
// Transport only: requests, JSON, streams and Docker's error replies as typed errors.
import { request as httpRequest, Agent, type IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { BerthError, type ErrorCode } from '../common/errors.js';
import { hijack, HijackError, type HijackedStream } from './hijack.js';

export const CLIENT_API_VERSION = '1.47';
export const DEFAULT_SOCKET = '/run/berth/berth.sock';

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'InvalidParameter', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 304: 'NotModified', 501: 'NotImplemented', 503: 'Unavailable',
};

export class ApiError extends BerthError {
  constructor(readonly status: number, message: string) {
    super(CODE_BY_STATUS[status] ?? 'SystemError', message);
  }
}

export class DaemonUnreachable extends Error {
  constructor(readonly socketPath: string, cause: unknown) {
    super(`Cannot connect to the berth daemon at unix://${socketPath}. Is the berth daemon running?`, { cause });
  }
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | string[] | undefined>;
  body?: unknown;           // JSON-encoded unless a Buffer/stream
  stream?: Readable;        // raw request body
  headers?: Record<string, string>;
}

/** Resolves the daemon socket: -H, then DOCKER_HOST, then the default. */
export function resolveSocket(host: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const h = host || env.DOCKER_HOST || `unix://${DEFAULT_SOCKET}`;
  if (h.startsWith('unix://')) return h.slice(7);
  if (h.startsWith('/')) return h;
  throw new Error(`unsupported host ${h}: berth speaks only to unix:// sockets`);
}

export function buildQuery(q: RequestOptions['query']): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) p.append(k, x);
    else if (typeof v === 'boolean') { if (v) p.set(k, '1'); }
    else p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

export class EngineClient {
  private readonly agent: Agent;
  /** `version` defaults to DOCKER_API_VERSION when set (as docker's client: no negotiation). */
  constructor(readonly socketPath: string, readonly version = process.env.DOCKER_API_VERSION?.replace(/^v/, '') || CLIENT_API_VERSION) {
    this.agent = new Agent({ keepAlive: false });
  }

  path(p: string, q?: RequestOptions['query']): string {
    return `/v${this.version}${p}${buildQuery(q)}`;
  }

  /** Sends a request; resolves with the response once headers arrive (any status). */
  raw(method: string, p: string, opts: RequestOptions = {}): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { ...opts.headers };
      let payload: Buffer | undefined;
      if (opts.body !== undefined) {
        payload = Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(JSON.stringify(opts.body));
        headers['Content-Type'] ??= 'application/json';
        headers['Content-Length'] = String(payload.length);
      }
      const req = httpRequest({ socketPath: this.socketPath, method, path: this.path(p, opts.query), headers, agent: this.agent }, resolve);
      req.on('error', (e: NodeJS.ErrnoException) => {
        reject(e.code === 'ENOENT' || e.code === 'ECONNREFUSED' || e.code === 'EACCES' ? new DaemonUnreachable(this.socketPath, e) : e);
      });
      if (opts.stream) {
        opts.stream.on('error', (e) => req.destroy(e));
        opts.stream.pipe(req);
      } else {
        req.end(payload);
      }
    });
  }

  /** Sends a request and throws ApiError for a status ≥ 400. */
  async request(method: string, p: string, opts: RequestOptions = {}): Promise<IncomingMessage> {
    const res = await this.raw(method, p, opts);
    if ((res.statusCode ?? 500) >= 400) throw await errorFrom(res);
    return res;
  }

  async json<T>(method: string, p: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.request(method, p, opts);
    const body = await readAll(res);
    if (body.length === 0) return undefined as T;
    return JSON.parse(body.toString('utf8')) as T;
  }

  get<T>(p: string, query?: RequestOptions['query']): Promise<T> {
    return this.json<T>('GET', p, { query });
  }

  /**
   * HEAD /_ping (unversioned) as docker's client does before negotiating: the daemon's
   * Api-Version, Ostype and Docker-Experimental headers, or null if it can't be reached in time.
   */
  ping(timeoutMs = 2000): Promise<{ apiVersion: string; osType: string; experimental: boolean } | null> {
    return new Promise((resolve) => {
      const req = httpRequest({ socketPath: this.socketPath, method: 'HEAD', path: '/_ping', agent: this.agent, timeout: timeoutMs }, (res) => {
        res.resume();
        const h = res.headers;
        resolve({ apiVersion: String(h['api-version'] ?? ''), osType: String(h['ostype'] ?? ''), experimental: h['docker-experimental'] === 'true' });
      });
      req.on('timeout', () => { req.destroy(); resolve(null); });
      req.on('error', () => resolve(null));
      req.end();
    });
  }

  /**
   * A hijacked connection (attach, exec start): resolves once the daemon upgraded (101) or
   * answered 200; a daemon error is an ApiError as for `request`.
   */
  async hijack(method: string, p: string, opts: Pick<RequestOptions, 'query' | 'body' | 'headers'> = {}): Promise<HijackedStream> {
    try {
      return await hijack(this.socketPath, method, this.path(p, opts.query), { body: opts.body, headers: opts.headers });
    } catch (e) {
      if (e instanceof HijackError) throw new ApiError(e.status, e.message);
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES') throw new DaemonUnreachable(this.socketPath, e);
      throw e;
    }
  }

  /** Reads a newline-delimited JSON message stream, calling `onMessage` for each. */
  async jsonStream(res: IncomingMessage, onMessage: (m: JsonMessage) => void): Promise<void> {
    let buf = '';
    for await (const chunk of res) {
      buf += (chunk as Buffer).toString('utf8');
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (line) onMessage(JSON.parse(line) as JsonMessage);
      }
    }
    if (buf.trim()) onMessage(JSON.parse(buf) as JsonMessage);
  }
}

export interface JsonMessage {
  status?: string;
  stream?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message: string; code?: number };
  aux?: Record<string, unknown>;
}

export async function readAll(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function errorFrom(res: IncomingMessage): Promise<ApiError> {
  const body = (await readAll(res)).toString('utf8');
  let message = body.trim();
  try {
    const parsed = JSON.parse(body) as { message?: string };
    if (parsed.message !== undefined) message = parsed.message;
  } catch { /* plain text */ }
  return new ApiError(res.statusCode ?? 500, message || `HTTP ${res.statusCode}`);
}
