// The composition root: builds every service, wires them, serves the API, shuts down cleanly.
// It holds no engine logic of its own.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../common/atomic.js';
import { log } from '../common/log.js';
import { ApiServer } from '../api/server.js';
import { Router } from '../api/router.js';
import { systemRoutes } from '../api/routes/system.js';
import { eventRoutes } from '../api/routes/events.js';
import { imageRoutes } from '../api/routes/images.js';
import { ContentStore } from '../content/store.js';
import { LayerStore } from '../layer/store.js';
import { ImageStore } from '../image/store.js';
import { ImageService } from '../image/service.js';
import { RegistryClient } from '../distribution/registry.js';
import { InsecureRegistries } from '../distribution/endpoints.js';
import { BlobSources } from '../distribution/blob-sources.js';
import { containerRoutes } from '../api/routes/containers.js';
import { buildRoutes } from '../api/routes/build.js';
import { containerFileRoutes } from '../api/routes/container-files.js';
import { networkRoutes } from '../api/routes/networks.js';
import { volumeRoutes } from '../api/routes/volumes.js';
import { swarmRoutes } from '../api/routes/swarm.js';
import { VolumeService } from '../volume/service.js';
import { NetworkManager } from '../network/manager.js';
import { DnsServer } from '../network/dns-server.js';
import { hexOf, sha256 } from '../common/digest.js';
import { Builder } from '../builder/builder.js';
import { BuildCache } from '../builder/cache.js';
import { ContainerBuildBackend, pruneBuildImages } from '../container/build-backend.js';
import { containerResourceRoutes } from '../api/routes/container-resources.js';
import { ContainerService } from '../container/service.js';
import { ExecService } from '../container/exec.js';
import { HealthMonitor } from '../container/health.js';
import { EventLog } from '../container/events.js';
import { SizeCache } from '../container/size-cache.js';
import { Layout } from '../container/paths.js';
import { parseLogOpts } from '../container/logs/rotator.js';
import { Runc } from '../runtime/runc.js';
import { monitorCgroup } from '../runtime/cgroups.js';
import { ExitWatcher } from '../runtime/exit-watcher.js';
import { readFileSync } from 'node:fs';
import { DataRootLock } from './lock.js';
import { BERTH_VERSION, DiskUsage, SystemInfo, containerCounts } from './system-info.js';
import type { DaemonConfig } from './config.js';

export class Daemon {
  private lock: DataRootLock;
  private server?: ApiServer;
  private containers?: ContainerService;
  private health?: HealthMonitor;
  private exits?: ExitWatcher;
  private registry?: { client: RegistryClient; sources: BlobSources };
  private networks?: NetworkManager;
  private dns?: DnsServer;

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
    const events = new EventLog();
    const registry = {
      client: new RegistryClient({ insecure: new InsecureRegistries(cfg.insecureRegistries), userAgent: `berth/${BERTH_VERSION} os/linux arch/${process.arch}` }),
      sources: new BlobSources(join(cfg.dataRoot, 'distribution', 'blob-sources.json')),
    };
    await registry.sources.load();
    this.registry = registry;
    const images = new ImageService(imageStore, layers, content, events, registry);

    const layout = new Layout(cfg.dataRoot, cfg.execRoot);
    const runc = new Runc(cfg.runtime, layout.runcRoot);
    const exits = new ExitWatcher(layout.exits);
    this.exits = exits;
    exits.start();
    const logDefaults = parseLogOpts(cfg.logOpts, { maxSize: 10 * 1024 * 1024, maxFiles: 3 });
    let hostResolvConf = '';
    try { hostResolvConf = readFileSync('/etc/resolv.conf', 'utf8'); } catch { /* none on the host */ }
    const containers = new ContainerService(layout, images, runc, exits, events, {
      conmon: cfg.conmon, runtime: cfg.runtime, cgroupParent: cfg.cgroupParent, initPath: cfg.initPath,
      logMaxSize: logDefaults.maxSize, logMaxFiles: logDefaults.maxFiles, seccomp: cfg.seccomp, hostResolvConf,
      dns: cfg.dns, logDriver: cfg.logDriver, defaultShmSize: cfg.defaultShmSize, defaultUlimits: cfg.defaultUlimits,
    });
    this.containers = containers;
    images.setUsage(containers);
    let networks: NetworkManager | undefined;
    if (cfg.bridge !== 'none') {
      networks = new NetworkManager({
        root: join(cfg.dataRoot, 'networks'),
        // Per data root, so test daemons and a system berthd never share a chain.
        chainTag: hexOf(sha256(cfg.dataRoot)).slice(0, 6),
        bridgeName: cfg.bridge, bip: cfg.bip, fixedCidr: cfg.fixedCidr,
        defaultAddressPools: cfg.defaultAddressPools.length ? cfg.defaultAddressPools : undefined,
        icc: cfg.icc, ipForward: cfg.ipForward, iptables: cfg.iptables, userlandProxy: false,
      });
      await networks.init();
      this.networks = networks;
      containers.setNetworks(networks);
      const dns = new DnsServer(networks, {});
      this.dns = dns;
      await dns.setListenAddresses(networks.gateways());
      networks.onGatewaysChanged((ips) => void dns.setListenAddresses(ips));
    }
    const volumes = new VolumeService({ root: join(cfg.dataRoot, 'volumes'), events });
    await volumes.init();
    containers.setVolumes(volumes);
    await containers.restore();
    // Volumes that running containers took back stay mounted; the rest go.
    await volumes.unmountUnused();
    const orphans = await images.collectGarbage();
    if (orphans) log.info('removed unreferenced layers', { count: orphans });
    registry.sources.retainOnly(layers.list().map((l) => l.diffId));
    const execs = new ExecService(containers, runc, layout, { conmon: cfg.conmon, sessionsDir: layout.execSessions, monitorCgroup: monitorCgroup(cfg.cgroupParent) });
    const health = new HealthMonitor(containers, execs, events);
    health.resume(containers.runningIds());
    this.health = health;

    const buildBackend = new ContainerBuildBackend(images, layers, {
      root: join(cfg.dataRoot, 'builder'), layersRoot: layout.layersRoot, runtime: cfg.runtime, runcRoot: layout.runcRoot,
      cgroupParent: cfg.cgroupParent, hostResolvConf, seccomp: cfg.seccomp,
    });
    await buildBackend.init();
    if (this.networks) buildBackend.setNetworks(this.networks);
    const buildCache = new BuildCache(join(cfg.dataRoot, 'builder', 'cache.json'));
    buildCache.load();
    const builder = new Builder(buildBackend, buildCache);

    const system = new SystemInfo({
      dataRoot: cfg.dataRoot,
      insecureRegistries: cfg.insecureRegistries,
      debug: () => cfg.debug,
      counts: () => ({ images: images.counts().images, ...containerCounts(containers.all()) }),
      runtimes: { runc: { path: 'runc' } },
      defaultRuntime: 'runc',
      logDriver: cfg.logDriver ?? 'json-file',
      eventListeners: () => events.streamCount,
      diskUsage: new DiskUsage(images, containers, new SizeCache((id) => layout.of(id).upper, events), volumes),
    });

    const router = new Router();
    systemRoutes(router, system);
    eventRoutes(router, events);
    imageRoutes(router, images);
    containerRoutes(router, containers, execs);
    containerResourceRoutes(router, containers, runc);
    containerFileRoutes(router, containers, images);
    if (networks) networkRoutes(router, networks, containers, events);
    volumeRoutes(router, volumes);
    swarmRoutes(router);
    buildRoutes(router, {
      builder,
      scratchDir: () => buildBackend.scratchDir(),
      prune: async () => {
        const ids = buildCache.imageIds();
        buildCache.clear();
        await buildCache.save();
        return pruneBuildImages(images, layers, ids);
      },
    });

    this.server = new ApiServer(router, { version: BERTH_VERSION, experimental: false });
    mkdirSync(join(cfg.socket, '..'), { recursive: true });
    await this.server.listen(cfg.socket);
    writeFileAtomicSync(cfg.pidfile, String(process.pid));
    log.info('API listen on ' + cfg.socket);
  }

  async stop(): Promise<void> {
    this.health?.stop();
    await this.containers?.shutdown();
    this.exits?.stop();
    await this.dns?.close();
    // Tests ask for a full teardown; a real daemon leaves bridges and rules for its containers.
    if (this.cfg.networkTeardown) await this.networks?.shutdown({ removeAll: true });
    await this.registry?.sources.flush();
    this.registry?.client.close();
    if (this.server?.http.listening) {
      await this.server.close();
      rmSync(this.cfg.socket, { force: true });
      rmSync(this.cfg.pidfile, { force: true });
    }
    this.lock.release();
  }
}
