// A container's files: HEAD/GET/PUT /containers/{id}/archive, GET /containers/{id}/export,
// GET /containers/{id}/changes and POST /commit (moby router/container copy.go, container_routes.go).
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalidParameter } from '../../common/errors.js';
import {
  archivePath, encodePathStat, exportContainer, extractToDir, PATH_STAT_HEADER, requirePath, statPath,
  type ContainerFsAccess,
} from '../../container/archive.js';
import { computeChanges } from '../../container/changes.js';
import { commitContainer } from '../../container/commit.js';
import type { ContainerConfig } from '../../image/types.js';
import type { ImageService } from '../../image/service.js';
import { detachedBody } from '../progress-stream.js';
import { HANDLED, Status, boolValue, readJson, sendJson, type Ctx, boolValueOr } from '../http.js';
import type { Router } from '../router.js';

/**
 * Streams a tar as the reply, leaving the reply open: the route ends it once the rootfs is
 * unmounted, so a client that has read everything finds nothing mounted any more. A failure
 * once bytes went out can only cut the connection.
 */
async function sendTar(c: Ctx, tar: Readable, headers: Record<string, string> = {}): Promise<void> {
  c.res.writeHead(200, { 'Content-Type': 'application/x-tar', ...headers });
  try {
    await pipeline(tar, c.res, { end: false });
  } catch {
    c.res.destroy();
  }
}

export function containerFileRoutes(r: Router, containers: ContainerFsAccess, images: ImageService): void {
  r.head('/containers/{id}/archive', async (c) => {
    const stat = await statPath(containers, c.params[0]!, requirePath(c.query.get('path')));
    c.res.writeHead(200, { [PATH_STAT_HEADER]: encodePathStat(stat) });
    c.res.end();
    return HANDLED;
  });

  r.get('/containers/{id}/archive', async (c) => {
    await archivePath(containers, c.params[0]!, requirePath(c.query.get('path')), (stat, tar) => sendTar(c, tar, { [PATH_STAT_HEADER]: encodePathStat(stat) }));
    c.res.end();
    return HANDLED;
  });

  r.put('/containers/{id}/archive', async (c) => {
    const path = requirePath(c.query.get('path'));
    const body = detachedBody(c);
    try {
      await extractToDir(containers, c.params[0]!, path, body, {
        noOverwriteDirNonDir: boolValue(c.query, 'noOverwriteDirNonDir'),
        copyUIDGID: boolValue(c.query, 'copyUIDGID'),
      });
    } catch (e) {
      // The rest of the upload is read and dropped, so the client gets to read the error.
      body.destroy();
      throw e;
    }
    c.res.writeHead(200);
    c.res.end();
    return HANDLED;
  });

  r.get('/containers/{id}/export', async (c) => {
    await exportContainer(containers, c.params[0]!, (tar) => sendTar(c, tar));
    c.res.end();
    return HANDLED;
  });

  r.get('/containers/{id}/changes', (c) => {
    const { upper, lowers } = containers.layerDirs(c.params[0]!);
    const changes = computeChanges(upper, lowers);
    // No changes is `null`, as moby's nil slice.
    sendJson(c.res, 200, changes.length ? changes : null);
    return HANDLED;
  });

  r.post('/commit', async (c) => {
    const container = c.query.get('container') ?? '';
    if (!container) throw invalidParameter('invalid name or ID supplied: ""');
    // The body is a container config (create's shape: its host and network parts are ignored).
    const body = await readJson<ContainerConfig & { HostConfig?: unknown; NetworkingConfig?: unknown }>(c);
    let config: ContainerConfig | null = null;
    if (body && typeof body === 'object') {
      const { HostConfig: _h, NetworkingConfig: _n, ...rest } = body;
      config = rest;
    }
    const id = await commitContainer(containers, images, {
      container,
      repo: c.query.get('repo') ?? '',
      tag: c.query.get('tag') ?? '',
      comment: c.query.get('comment') ?? '',
      author: c.query.get('author') ?? '',
      pause: boolValueOr(c.query, 'pause', true),
      changes: c.query.getAll('changes'),
      config,
    });
    return new Status(201, { Id: id });
  });
}
