// /_ping, /version, /info, /system/df.
import { invalidParameter } from '../../common/errors.js';
import { API_VERSION, MIN_API_VERSION } from '../server.js';
import { HANDLED, type Ctx } from '../http.js';
import type { Router } from '../router.js';

/** GET /system/df's body (API 1.47, SystemDataUsageResponse). */
export interface DiskUsageReport {
  LayersSize: number;
  Images: unknown[];
  Containers: unknown[];
  Volumes: unknown[];
  BuildCache: unknown[];
}

export interface SystemBackend {
  version(): Record<string, unknown>;
  info(): Record<string, unknown> | Promise<Record<string, unknown>>;
  diskUsage(version: number): Promise<DiskUsageReport>;
}

/** moby's DiskUsageObject values for `type=` (API ≥ 1.42). */
const DF_TYPES = ['container', 'image', 'volume', 'build-cache'] as const;

export function systemRoutes(r: Router, backend: SystemBackend): void {
  const ping = (c: Ctx) => {
    c.res.setHeader('Cache-Control', 'no-cache, no-store, must-revalidate');
    c.res.setHeader('Pragma', 'no-cache');
    c.res.setHeader('Builder-Version', '1');
    // A local `berth build` may then send the context directory's path instead of a tar of it.
    c.res.setHeader('Berth-Context-Dir', '1');
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

  r.get('/system/df', async (c) => {
    const types = c.version >= 1.42 ? c.query.getAll('type') : [];
    for (const t of types) if (!(DF_TYPES as readonly string[]).includes(t)) throw invalidParameter(`unknown object type: ${t}`);
    const du = await backend.diskUsage(c.version);
    if (types.length === 0) return du;
    // Only what was asked for; the rest is left out, as moby leaves it.
    const out: Record<string, unknown> = {};
    if (types.includes('image')) { out.LayersSize = du.LayersSize; out.Images = du.Images; }
    if (types.includes('container')) out.Containers = du.Containers;
    if (types.includes('volume')) out.Volumes = du.Volumes;
    if (types.includes('build-cache')) out.BuildCache = du.BuildCache;
    return out;
  });
}
