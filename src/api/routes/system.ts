// /_ping, /version, /info.
import { API_VERSION, MIN_API_VERSION } from '../server.js';
import { HANDLED, type Ctx } from '../http.js';
import type { Router } from '../router.js';

export interface SystemBackend {
  version(): Record<string, unknown>;
  info(): Record<string, unknown> | Promise<Record<string, unknown>>;
}

export function systemRoutes(r: Router, backend: SystemBackend): void {
  const ping = (c: Ctx) => {
    c.res.setHeader('Cache-Control', 'no-cache, no-store, must-revalidate');
    c.res.setHeader('Pragma', 'no-cache');
    c.res.setHeader('Builder-Version', '1');
    c.res.setHeader('Swarm', 'inactive');
    c.res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    if (c.req.method === 'HEAD') {
      c.res.setHeader('Content-Length', '0');
      c.res.writeHead(200);
      c.res.end();
    } else {
      c.res.setHeader('Content-Length', '2');
      c.res.writeHead(200);
      c.res.end('OK');
    }
    return HANDLED;
  };
  r.get('/_ping', ping).head('/_ping', ping);
  r.get('/version', () => ({ ...backend.version(), ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION }));
  r.get('/info', () => backend.info());
}
