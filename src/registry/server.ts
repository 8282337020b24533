// `berth registry serve`: the distribution API over HTTP or HTTPS, optional Basic auth, one
// access-log line per request on stderr.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { log } from '../common/log.js';
import { Htpasswd } from './auth.js';
import { isRegistryError, regError, type RegistryError } from './errors.js';
import { Registry } from './registry.js';
import { sendError } from './respond.js';
import { dispatch } from './routes.js';

export interface ServeOptions {
  root: string;
  /** `host:port`, `:port`, `[v6]:port`; port 0 picks a free one. */
  addr: string;
  htpasswd?: string;
  realm?: string;
  tls?: { cert: string; key: string };
}

export interface RunningRegistry {
  server: Server;
  /** What it listens on, `host:port`. */
  address: string;
  close(): Promise<void>;
}

/** Splits `host:port`; an empty host means every interface. */
export function parseAddr(addr: string): { host?: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(addr);
  if (!m || Number(m[3]) > 65535) throw new Error(`invalid listen address ${JSON.stringify(addr)} (want host:port)`);
  const host = m[1] ?? m[2];
  return { ...(host ? { host } : {}), port: Number(m[3]) };
}

export async function serve(opts: ServeOptions): Promise<RunningRegistry> {
  const registry = new Registry(opts.root);
  await registry.init();
  const auth = opts.htpasswd ? new Htpasswd(opts.htpasswd) : undefined;
  await auth?.load();
  const realm = opts.realm ?? 'berth-registry';
  const handler = (req: IncomingMessage, res: ServerResponse) => void handle(registry, auth, realm, req, res);
  const serverOpts = { requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 30_000 };
  const server: Server = opts.tls
    ? createHttpsServer({ ...serverOpts, cert: readFileSync(opts.tls.cert), key: readFileSync(opts.tls.key) }, handler)
    : createHttpServer(serverOpts, handler);
  const { host, port } = parseAddr(opts.addr);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  const a = server.address() as AddressInfo;
  const address = `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  return {
    server,
    address,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      // Requests still running (a long upload) get a moment, then their connections go.
      setTimeout(() => server.closeAllConnections(), 5000).unref();
    }),
  };
}

async function handle(registry: Registry, auth: Htpasswd | undefined, realm: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = process.hrtime.bigint();
  let user: string | null = null;
  let failure: string | undefined;
  const remote = req.socket.remoteAddress;
  res.on('close', () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const fields: Record<string, unknown> = {
      // A client gone before any answer is nginx's 499 (client closed request).
      status: res.headersSent ? res.statusCode : 499,
      bytes: req.method === 'HEAD' ? 0 : Number(res.getHeader('content-length') ?? 0),
      duration: `${ms.toFixed(1)}ms`,
      remote,
      user: user ?? '-',
      agent: req.headers['user-agent'] ?? '',
    };
    // Ended by us but not yet flushed when the client hung up is still a complete answer.
    if (!res.writableEnded) fields.aborted = true;
    if (failure) fields.error = failure;
    log.info(`${req.method} ${req.url}`, fields);
  });
  res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  try {
    const url = URL.canParse(`http://registry${req.url}`) ? new URL(`http://registry${req.url}`) : null;
    if (url && (url.pathname === '/v2' || url.pathname.startsWith('/v2/'))) {
      if (auth) {
        user = await auth.authenticate(req.headers.authorization);
        if (!user) {
          failure = req.headers.authorization ? 'invalid credentials' : undefined;
          return sendError(res, regError('UNAUTHORIZED', null), { 'WWW-Authenticate': `Basic realm="${realm}"` });
        }
      }
      if (await dispatch(registry, req, res, url)) return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('404 page not found\n');
  } catch (e) {
    const err: RegistryError = isRegistryError(e) ? e : regError('UNKNOWN', null, clientGone(req, e) ? 'client disconnected' : `unknown error: ${(e as Error)?.message ?? e}`);
    if (err.status >= 500 || !isRegistryError(e)) failure = err.message;
    else failure = `${err.code}: ${err.message}`;
    if (res.headersSent || req.socket.destroyed) res.destroy();
    else sendError(res, err);
  }
}

/** An error from the request body breaking off (the client went away mid-upload). */
function clientGone(req: IncomingMessage, e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return req.destroyed || code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (e as Error)?.message === 'aborted';
}
