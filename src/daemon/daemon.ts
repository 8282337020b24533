// The composition root: builds every service, wires them, serves the API, shuts down cleanly.
// It holds no engine logic of its own.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../common/atomic.js';
import { log } from '../common/log.js';
import { ApiServer } from '../api/server.js';
import { Router } from '../api/router.js';
import { systemRoutes } from '../api/routes/system.js';
import { imageRoutes } from '../api/routes/images.js';
import { ContentStore } from '../content/store.js';
import { LayerStore } from '../layer/store.js';
import { ImageStore } from '../image/store.js';
import { ImageService } from '../image/service.js';
import { DataRootLock } from './lock.js';
import { BERTH_VERSION, SystemInfo } from './system-info.js';
import type { DaemonConfig } from './config.js';

export class Daemon {
  private lock: DataRootLock;
  private server?: ApiServer;

  constructor(private readonly cfg: DaemonConfig) {
    this.lock = new DataRootLock(cfg.dataRoot);
  }

  async start(): Promise<void> {
    const { cfg } = this;
    mkdirSync(cfg.dataRoot, { recursive: true, mode: 0o710 });
    mkdirSync(cfg.execRoot, { recursive: true, mode: 0o700 });
    this.lock.acquire();

    const content = new ContentStore(join(cfg.dataRoot, 'content'));
    const layers = new LayerStore(join(cfg.dataRoot, 'layers'));
    const imageStore = new ImageStore(join(cfg.dataRoot, 'images'), content);
    await content.init();
    await layers.init();
    await imageStore.init();
    const images = new ImageService(imageStore, layers, content);
    const orphans = await images.collectGarbage();
    if (orphans) log.info('removed unreferenced layers', { count: orphans });

    const system = new SystemInfo({
      dataRoot: cfg.dataRoot,
      debug: () => cfg.debug,
      counts: () => ({ images: images.counts().images, containers: 0, running: 0, paused: 0, stopped: 0 }),
      runtimes: { runc: { path: 'runc' } },
      defaultRuntime: 'runc',
    });

    const router = new Router();
    systemRoutes(router, system);
    imageRoutes(router, images);

    this.server = new ApiServer(router, { version: BERTH_VERSION, experimental: false });
    mkdirSync(join(cfg.socket, '..'), { recursive: true });
    await this.server.listen(cfg.socket);
    writeFileAtomicSync(cfg.pidfile, String(process.pid));
    log.info('API listen on ' + cfg.socket);
  }

  async stop(): Promise<void> {
    if (this.server?.http.listening) {
      await this.server.close();
      rmSync(this.cfg.socket, { force: true });
      rmSync(this.cfg.pidfile, { force: true });
    }
    this.lock.release();
  }
}
