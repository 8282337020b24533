// The Engine API server: version prefixes and negotiation, Docker's common headers, routing,
// and the single mapping from thrown errors to Docker's `{"message": …}` replies.
import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { chmodSync, rmSync } from 'node:fs';
import { log } from '../common/log.js';
import { HANDLED, NO_CONTENT, Status, sendJson, type Ctx } from './http.js';
import { messageOf, statusOf } from './errors.js';
import type { Router } from './router.js';

export const API_VERSION = '1.47';
export const MIN_API_VERSION = '1.24';

export interface ServerInfo { version: string; experimental: boolean }

const versionRe = /^\/v(\d+\.\d+)(\/.*)$/;

function cmpVersion(a: string, b: string): number {
  const [a1, a2] = a.split('.').map(Number);
  const [b1, b2] = b.split('.').map(Number);
  return a1 - b1 || a2 - b2;
}

export class ApiServer {
  readonly http: Server;

  constructor(private readonly router: Router, private readonly info: ServerInfo) {
    this.http = createServer({ keepAlive: true }, (req, res) => void this.handle(req, res));
    // Attach and exec start ask for `Upgrade: tcp`; Node hands those over as raw sockets.
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const res = new ServerResponse(req);
      res.assignSocket(socket as Socket);
      socket.on('error', () => socket.destroy());
      res.on('finish', () => socket.end());
      void this.handle(req, res, { socket, head });
    });
    // Hijacked and streaming requests may stay open indefinitely.
    this.http.requestTimeout = 0;
    this.http.headersTimeout = 60_000;
  }

  listen(socketPath: string, mode = 0o660): Promise<void> {
    rmSync(socketPath, { force: true });
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(socketPath, () => {
        chmodSync(socketPath, mode);
        this.http.off('error', reject);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse, upgrade?: Ctx['upgrade']): Promise<void> {
    res.setHeader('Api-Version', API_VERSION);
    res.setHeader('Docker-Experimental', String(this.info.experimental));
    res.setHeader('Ostype', 'linux');
    res.setHeader('Server', `Docker/${this.info.version} (linux)`);
    const url = new URL(req.url ?? '/', 'http://localhost');
    let path = url.pathname;
    let version = API_VERSION;
    const m = versionRe.exec(path);
    if (m) {
      version = m[1];
      path = m[2];
    }
    try {
      if (cmpVersion(version, MIN_API_VERSION) < 0) {
        throw new Status(400, { message: `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version` });
      }
      if (cmpVersion(version, API_VERSION) > 0) {
        throw new Status(400, { message: `client version ${version} is too new. Maximum supported API version is ${API_VERSION}` });
      }
      const route = this.router.match(req.method ?? 'GET', path);
      if (!route) {
        sendJson(res, 404, { message: 'page not found' });
        return;
      }
      const ctx: Ctx = { req, res, params: route.params, query: url.searchParams, version: Number(version), upgrade };
      const out = await route.handler(ctx);
      if (out === HANDLED || res.writableEnded || res.headersSent) return;
      if (out === NO_CONTENT) { res.writeHead(204); res.end(); return; }
      if (out instanceof Status) { sendJson(res, out.code, out.body ?? {}); return; }
      sendJson(res, 200, out ?? {});
    } catch (e) {
      if (e instanceof Status) {
        if (!res.headersSent) sendJson(res, e.code, e.body ?? {});
        return;
      }
      const status = statusOf(e);
      if (status >= 500) log.error('handler failed', { method: req.method, path, error: messageOf(e) });
      else log.debug('request failed', { method: req.method, path, status, error: messageOf(e) });
      if (status === 304) {
        if (!res.headersSent) { res.writeHead(304); res.end(); }
      } else if (!res.headersSent) sendJson(res, status, { message: messageOf(e) });
      else res.destroy();
    }
  }
}
