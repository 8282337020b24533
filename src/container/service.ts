// Containers: the records, their lifecycle through conmon and runc, and the state machine that
// keeps both consistent across concurrent requests and daemon restarts.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, rmdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { hostname as osHostname } from 'node:os';
import type { FsMount } from './archive-fs.js';
import type { ContainerLayerDirs, RootfsView } from './archive.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { conflict, invalidParameter, isBerthError, notFound, notImplemented, systemError, BerthError, errorMessage } from '../common/errors.js';
import { log } from '../common/log.js';
import { mountsUnder } from '../common/mountinfo.js';
import { nowRfc3339Nano, rfc3339Nano } from '../common/time.js';
import type { ImageService } from '../image/service.js';
import { imageSize } from '../image/views.js';
import { hexOf } from '../common/digest.js';
import { mountOverlay, unmount } from '../runtime/overlay.js';
import { mountShm } from '../runtime/shm.js';
import { startConmon, monitorAlive, RuntimeCreateError } from '../runtime/conmon.js';
import { AttachConnection } from '../runtime/attach.js';
import { reopenLog, resizeTerminal } from '../runtime/conmon-ctl.js';
import type { ExitWatcher, ExitRecord } from '../runtime/exit-watcher.js';
import type { Runc } from '../runtime/runc.js';
import { monitorCgroup, removeCgroup } from '../runtime/cgroups.js';
import { buildSpec, specJson, type NamespaceModes, type OciMount as OciMountInput, type OciSpec } from '../runtime/spec.js';
import { hostRlimits } from '../runtime/host-limits.js';
import { hostsFile, resolvConf, hostnameFile } from './etc-files.js';
import { resolveUser, ensureWorkdir } from './user.js';
import { AttachHub, type AttachClient } from './attach-hub.js';
import { checkDeviceRequests, joinedContainer, mergeImageConfig, networkChoice, pathAndArgs, validateHealthcheck, validateHostConfig, type CreateBody, type NetworkChoice } from './create-config.js';
import { embeddedResolvConf, portSummaries, stoppedEndpoint, type ContainerNetworks } from './networking.js';
import { mountView, ociMountOf, parseVolumesFrom, registerMountPoints, type ApiMount, type MountPointRecord } from './mounts.js';
import { chownTree, copyImageContent, type ContainerVolumes } from './volumes.js';
import { bindSubpath, subpathStaging, unbindSubpaths } from './volume-subpath.js';
import type { EndpointRequest, EndpointSettings } from '../network/types.js';
import { ContainerStore } from './store.js';
import type { Layout } from './paths.js';
import type { EventLog } from './events.js';
import { parseSignal, SIGKILL } from './signals.js';
import { directorySize } from './size.js';
import { ZERO_TIME, type ContainerRecord, type HealthRecord, type HostConfig, type Ulimit } from './types.js';
import { generateName, newContainerId, validateName } from './name.js';
import { PrefixIndex } from './prefix-index.js';
import { defaultNetworks, inspectOf } from './views.js';
import { listContainers, pruneFilter } from './list.js';
import { LogRotator, parseLogOpts } from './logs/rotator.js';
import { RestartBackoff, restartsAfterExit, restartsAtDaemonStart } from './restart-policy.js';

export interface RuntimeConfig {
  conmon: string;
  runtime: string;
  cgroupParent: string;
  initPath: string;
  logMaxSize: number;
  logMaxFiles: number;
  seccomp: boolean;
  hostResolvConf: string;
  /** berthd's --dns, --dns-search, --dns-opt: for containers that set none of their own. */
  dns?: { servers: string[]; search: string[]; options: string[] };
  /** berthd's --log-driver: for containers that name none. */
  logDriver?: string;
  /** berthd's --default-shm-size and --default-ulimit. */
  defaultShmSize?: number;
  defaultUlimits?: Ulimit[];
}

interface Live {
  rec: ContainerRecord;
  lock: Promise<void>;
  hub: AttachHub;
  exitWaiters: Array<(code: number) => void>;
  removeWaiters: Array<(code: number) => void>;
  rotator?: LogRotator;
  spec?: OciSpec;
  removing: boolean;
  removed: boolean;
  execIds: Set<string>;
  /** True when nothing of a run is left (no runc state, mount or bundle): rm then skips the
   *  ~20 ms of spawning runc delete and umount. */
  released: boolean;
  backoff: RestartBackoff;
  /** Pending restart of a container its restart policy brings back. */
  restartTimer?: NodeJS.Timeout;
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

const nowIso = nowRfc3339Nano;

export class ContainerService {
  private readonly live = new Map<string, Live>();
  private readonly index = new PrefixIndex();
  private readonly store: ContainerStore;
  private readonly hostHosts: string;
  private networks?: ContainerNetworks;
  private volumes?: ContainerVolumes;

  constructor(
    private readonly layout: Layout,
    private readonly images: ImageService,
    private readonly runc: Runc,
    private readonly exits: ExitWatcher,
    readonly events: EventLog,
    private readonly cfg: RuntimeConfig,
  ) {
    this.store = new ContainerStore(layout);
    try { this.hostHosts = readFileSync('/etc/hosts', 'utf8'); } catch { this.hostHosts = ''; }
    for (const d of [layout.containers, layout.bundles, layout.exits, layout.sockets, layout.runcRoot, layout.tmp]) {
      mkdirSync(d, { recursive: true, mode: 0o711 });
    }
  }

  /** Named and anonymous volumes; without them -v/--mount volumes are refused. */
  setVolumes(v: ContainerVolumes): void {
    this.volumes = v;
  }

  /** Bridge and user-defined networks; without them a container gets a loopback-only namespace. */
  setNetworks(n: ContainerNetworks): void {
    this.networks = n;
  }

  // ---- lookup ------------------------------------------------------------------------------

  private get(nameOrId: string): Live {
    const id = this.index.resolve(nameOrId);
    const l = this.live.get(id);
    if (!l || l.removed) throw notFound(`No such container: ${nameOrId}`);
    return l;
  }

  /** The record, for other services (networking, exec, images in use). */
  record(nameOrId: string): ContainerRecord {
    return this.get(nameOrId).rec;
  }

  all(): ContainerRecord[] {
    return [...this.live.values()].filter((l) => !l.removed).map((l) => l.rec);
  }

  counts(): { containers: number; running: number; paused: number; stopped: number } {
    let running = 0, paused = 0, stopped = 0;
    for (const r of this.all()) {
      // As moby's info: a restarting container counts as stopped.
      if (r.State.Paused) paused++;
      else if (r.State.Running && !r.State.Restarting) running++;
      else stopped++;
    }
    return { containers: running + paused + stopped, running, paused, stopped };
  }

  runningIds(): string[] {
    return this.all().filter((r) => r.State.Running && !r.State.Restarting).map((r) => r.Id);
  }

  containersUsing(imageId: string): Array<{ id: string; running: boolean }> {
    return this.all().filter((r) => r.Image === imageId).map((r) => ({ id: r.Id, running: r.State.Running }));
  }

  chainsInUse(): Set<string> {
    const s = new Set<string>();
    for (const r of this.all()) for (const c of r.Layers) s.add(c);
    return s;
  }

  private async locked<T>(l: Live, fn: () => Promise<T>): Promise<T> {
    const prev = l.lock;
    let release!: () => void;
    l.lock = new Promise((r) => { release = r; });
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Docker's event attributes for a container: its labels, image and name, plus extras. */
  attrs(rec: ContainerRecord, extra: Record<string, string> = {}): Record<string, string> {
    return { ...(rec.Config.Labels ?? {}), image: rec.Config.Image ?? '', name: rec.Name.slice(1), ...extra };
  }

  // ---- create ------------------------------------------------------------------------------

  async create(name: string | undefined, body: CreateBody, opts: { platform?: string } = {}): Promise<{ Id: string; Warnings: string[] }> {
    if (!body || typeof body !== 'object') throw invalidParameter('config cannot be empty in order to create a container');
    const { HostConfig: hc = {}, NetworkingConfig: nc, ...user } = body;
    const hostConfig: HostConfig = { ...hc };
    if (!user.Image) throw invalidParameter('no image specified');
    const image = this.images.resolveForPlatform(user.Image, opts.platform || undefined);
    const warnings = validateHostConfig(hostConfig);
    // As dockerd's adaptContainerSettings: the daemon's default is written into the container.
    if (!hostConfig.ShmSize && this.cfg.defaultShmSize) hostConfig.ShmSize = this.cfg.defaultShmSize;
    validateHealthcheck(user);
    const net = networkChoice(hostConfig.NetworkMode);
    if (!hostConfig.NetworkMode || hostConfig.NetworkMode === 'default') hostConfig.NetworkMode = 'bridge';
    if (net.kind === 'container') this.get(net.ref);
    const requested = this.requestedEndpoints(net, nc?.EndpointsConfig as Record<string, EndpointRequest> | undefined);
    // Bad log options are refused here rather than at start.
    parseLogOpts(hostConfig.LogConfig?.Config ?? {}, { maxSize: this.cfg.logMaxSize, maxFiles: this.cfg.logMaxFiles });
    const logDriver = hostConfig.LogConfig?.Type || this.cfg.logDriver || 'json-file';
    if (!['json-file', 'k8s-file', 'local', 'none'].includes(logDriver)) {
      throw invalidParameter(`logging driver "${logDriver}" is not supported by berth`);
    }
    hostConfig.LogConfig = logDriver === 'none'
      ? { Type: 'none', Config: {} }
      : { Type: 'json-file', Config: hostConfig.LogConfig?.Config ?? {} };

    const config = mergeImageConfig(user, image.config.config);
    const { path, args } = pathAndArgs(config);
    const id = newContainerId();
    // moby's newContainer: the host's name on the host network; a joined network brings its owner's names.
    if (net.kind === 'container') {
      const owner = this.get(net.ref).rec.Config;
      config.Hostname = owner.Hostname;
      config.Domainname = owner.Domainname;
    }
    if (!config.Hostname) config.Hostname = net.kind === 'host' ? osHostname() : id.slice(0, 12);
    config.Image = user.Image;

    let fullName: string;
    if (name) {
      validateName(name);
      fullName = name.startsWith('/') ? name : `/${name}`;
      this.reserveName(fullName);
    } else {
      fullName = this.uniqueName(id);
    }
    const rec: ContainerRecord = {
      Id: id, Name: fullName, Created: nowIso(), Path: path, Args: args, Config: config, HostConfig: hostConfig,
      Image: image.record.id, ImageRef: user.Image,
      State: { Status: 'created', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 0, ExitCode: 0, Error: '', StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME },
      RestartCount: 0, Layers: this.images.store.chainOf(image).slice().reverse(), MountLabel: '', ProcessLabel: '', AppArmorProfile: '',
    };
    if (requested) rec.NetworkSettings = { requested, networks: {}, ports: {}, ips: [], extraHosts: [] };
    const createdVolumes: string[] = [];
    try {
      rec.MountPoints = await this.resolveMountPoints(id, config, hostConfig, createdVolumes);
    } catch (e) {
      for (const v of createdVolumes) await this.volumes?.remove(v, true).catch(() => {});
      throw e;
    }
    const live = this.track(rec);
    try {
      const p = this.layout.of(id);
      await mkdir(p.upper, { recursive: true, mode: 0o755 });
      await mkdir(p.work, { recursive: true, mode: 0o700 });
      await this.writeEtcFiles(rec);
      await this.store.save(rec);
    } catch (e) {
      this.untrack(live);
      await this.store.removeFiles(id).catch(() => {});
      this.volumes?.dropReferences(id);
      for (const v of createdVolumes) await this.volumes?.remove(v, true).catch(() => {});
      throw e;
    }
    this.events.emit('container', 'create', id, this.attrs(rec));
    return { Id: id, Warnings: warnings };
  }

  private reserveName(fullName: string): void {
    const holder = this.index.byName(fullName);
    if (holder) {
      throw conflict(`Conflict. The container name "${fullName}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`);
    }
  }

  private uniqueName(id: string): string {
    for (let retry = 0; retry < 10; retry++) {
      const n = `/${generateName(retry)}`;
      if (!this.index.byName(n)) return n;
    }
    return `/${id.slice(0, 12)}`;
  }

  /**
   * The endpoints a container asks for at create, by network name: NetworkingConfig's, or the
   * network its mode names. Unknown networks are refused here, as dockerd refuses them.
   */
  private requestedEndpoints(net: NetworkChoice, cfg: Record<string, EndpointRequest> | undefined): Record<string, EndpointRequest> | undefined {
    if (!this.networks || net.kind !== 'private') return undefined;
    const out: Record<string, EndpointRequest> = {};
    const main = this.networks.get(net.name);
    out[main.Name] = {};
    // The docker CLI names the default network `default`, as NetworkMode does.
    for (const [name, ep] of Object.entries(cfg ?? {})) out[this.networks.get(name === 'default' ? 'bridge' : name).Name] = ep ?? {};
    return out;
  }

  /**
   * moby's registerMountPoints: binds checked (a -v source is created, a --mount one must exist),
   * named volumes looked up or created, anonymous ones created, all recorded as references.
   */
  private async resolveMountPoints(id: string, config: ContainerRecord['Config'], hc: HostConfig, created: string[]): Promise<MountPointRecord[]> {
    const points = registerMountPoints({
      binds: hc.Binds ?? [],
      mounts: (hc.Mounts ?? []) as ApiMount[],
      volumesFrom: (hc.VolumesFrom ?? []).map((spec) => {
        const { ref, mode } = parseVolumesFrom(spec);
        return { points: this.get(ref).rec.MountPoints ?? [], mode };
      }),
      configVolumes: Object.keys(config.Volumes ?? {}),
      tmpfs: Object.keys(hc.Tmpfs ?? {}),
    });
    for (const mp of points) {
      if (mp.Type === 'bind') {
        if (!existsSync(mp.Source)) {
          if (!mp.CreateSource) throw invalidParameter(`invalid mount config for type "bind": bind source path does not exist: ${mp.Source}`);
          mkdirSync(mp.Source, { recursive: true, mode: 0o755 });
        }
      } else if (mp.Type === 'volume') {
        if (!this.volumes) throw invalidParameter('volumes are not available');
        if (mp.Name && mp.Source) continue; // from --volumes-from: already resolved
        if (mp.Driver && mp.Driver !== 'local') throw invalidParameter(`error while mounting volume '${mp.Destination}': plugin "${mp.Driver}" not found`);
        let v;
        if (mp.Name) {
          v = await this.volumes.getOrCreate({ Name: mp.Name, DriverOpts: mp.VolumeDriverOpts, Labels: mp.VolumeLabels });
          if (v.created) created.push(v.Name);
        } else {
          v = await this.volumes.getOrCreate({ Labels: { 'com.docker.volume.anonymous': '' } });
          created.push(v.Name);
          mp.Name = v.Name;
        }
        mp.Source = v.Mountpoint;
      }
    }
    this.volumes?.setReferences(id, points.filter((p) => p.Type === 'volume').map((p) => p.Name!));
    return points;
  }

  /**
   * The OCI mounts of a starting container: volumes acquired (a driver-options volume is
   * mounted now), an empty volume filled once with the image's content at its destination, and
   * `:U` sources chowned to the container's user.
   */
  private async startMounts(rec: ContainerRecord, rootfs: string): Promise<{ mounts: OciMountInput[]; acquired: string[] }> {
    const mounts: OciMountInput[] = [];
    const acquired: string[] = [];
    try {
      for (const [i, mp] of (rec.MountPoints ?? []).entries()) {
        if (mp.Type === 'volume' && this.volumes) {
          mp.Source = await this.volumes.acquire(mp.Name!, rec.Id);
          acquired.push(mp.Name!);
          // The image's content goes into a whole empty volume only, never into a subpath.
          if (mp.CopyData && !mp.Subpath) {
            if (this.volumes.isEmpty(mp.Name!)) copyImageContent(rootfs, mp.Destination, mp.Source);
            mp.CopyData = false;
          }
        }
        if (mp.Chown && mp.Type !== 'tmpfs') {
          const u = resolveUser(rootfs, rec.Config.User ?? '');
          chownTree(mp.Source, u.uid, u.gid);
        }
        if (mp.Type === 'volume' && mp.Subpath) {
          const staged = join(subpathStaging(this.layout.of(rec.Id).bundle), String(i));
          await bindSubpath(mp.Source, mp.Subpath, staged);
          mounts.push({ ...ociMountOf(mp), source: staged });
        } else {
          mounts.push(ociMountOf(mp));
        }
      }
    } catch (e) {
      await unbindSubpaths(this.layout.of(rec.Id).bundle);
      for (const n of acquired) await this.volumes?.release(n, rec.Id).catch(() => {});
      throw e;
    }
    return { mounts, acquired };
  }

  private async releaseMounts(rec: ContainerRecord): Promise<void> {
    for (const mp of rec.MountPoints ?? []) {
      if (mp.Type === 'volume' && this.volumes) await this.volumes.release(mp.Name!, rec.Id).catch(() => {});
    }
  }

  /** The container's --dns, --dns-search and --dns-opt, each falling back to berthd's own (as dockerd's). */
  private dnsOf(hc: HostConfig): { dns: string[]; dnsSearch: string[]; dnsOptions: string[] } {
    const d = this.cfg.dns;
    return {
      dns: hc.Dns?.length ? hc.Dns : d?.servers ?? [],
      dnsSearch: hc.DnsSearch?.length ? hc.DnsSearch : d?.search ?? [],
      dnsOptions: hc.DnsOptions?.length ? hc.DnsOptions : d?.options ?? [],
    };
  }

  /** Joins the container's networks before its process exists: addresses, ports, /etc/hosts, resolv.conf. */
  private async prepareNetworks(rec: ContainerRecord): Promise<boolean> {
    const ns = rec.NetworkSettings;
    if (!this.networks || !ns || networkChoice(rec.HostConfig.NetworkMode).kind !== 'private') return false;
    const hc = rec.HostConfig;
    const dns = this.dnsOf(hc);
    const state = await this.networks.prepare({
      containerId: rec.Id, name: rec.Name.slice(1), hostname: rec.Config.Hostname ?? '', pid: 0,
      endpoints: ns.requested, portBindings: hc.PortBindings ?? null, publishAll: Boolean(hc.PublishAllPorts),
      exposedPorts: Object.keys(rec.Config.ExposedPorts ?? {}), links: hc.Links ?? [],
      dns: dns.dns, dnsOptions: dns.dnsOptions,
    });
    rec.NetworkSettings = { ...state, requested: ns.requested };
    const p = this.layout.of(rec.Id);
    const extra = [...(hc.ExtraHosts ?? []), ...state.extraHosts.map((e) => `${e.names.join(' ')}:${e.ip}`)];
    await writeFile(p.hosts, hostsFile({ hostname: rec.Config.Hostname ?? '', domainname: rec.Config.Domainname ?? '', extraHosts: extra, ips: state.ips, networkMode: 'bridge', hostGateway: this.networks.hostGateway() }));
    await writeFile(p.resolvConf, state.nameserver
      ? embeddedResolvConf(this.cfg.hostResolvConf, dns)
      : resolvConf(this.cfg.hostResolvConf, { ...dns, networkMode: 'bridge' }));
    return true;
  }

  /** After a run: the endpoints keep what was asked, lose their addresses; the ports go. */
  private async releaseNetworks(rec: ContainerRecord): Promise<void> {
    const ns = rec.NetworkSettings;
    if (!this.networks || !ns) return;
    await this.networks.release(rec.Id).catch((e) => log.warn('network release failed', { id: rec.Id, error: errorMessage(e) }));
    if (ns.ips.length) this.networkEvents(rec, 'disconnect');
    const networks: Record<string, EndpointSettings> = {};
    for (const [name, ep] of Object.entries(ns.networks)) networks[name] = stoppedEndpoint(ep, ns.requested[name]);
    rec.NetworkSettings = { requested: ns.requested, networks, ports: {}, ips: [], extraHosts: [] };
  }

  /** moby's `network connect`/`disconnect` events as a container joins and leaves its networks. */
  private networkEvents(rec: ContainerRecord, action: 'connect' | 'disconnect'): void {
    for (const [name, ep] of Object.entries(rec.NetworkSettings?.networks ?? {})) {
      let type = 'bridge';
      try { type = this.networks!.get(ep.NetworkID || name).Driver; } catch { /* removed meanwhile */ }
      this.events.emit('network', action, ep.NetworkID, { container: rec.Id, name, type });
    }
  }

  private track(rec: ContainerRecord): Live {
    const l: Live = {
      rec, lock: Promise.resolve(), hub: new AttachHub(Boolean(rec.Config.StdinOnce) && !rec.Config.Tty), exitWaiters: [], removeWaiters: [],
      removing: false, removed: false, execIds: new Set(), released: true, backoff: new RestartBackoff(),
    };
    this.live.set(rec.Id, l);
    this.index.add(rec.Id, rec.Name);
    return l;
  }

  private untrack(l: Live): void {
    l.removed = true;
    this.live.delete(l.rec.Id);
    this.index.remove(l.rec.Id, l.rec.Name);
  }

  private async writeEtcFiles(rec: ContainerRecord): Promise<void> {
    const p = this.layout.of(rec.Id);
    const h = rec.HostConfig;
    const mode = h.NetworkMode ?? 'bridge';
    await writeFile(p.hostname, hostnameFile(rec.Config.Hostname ?? ''));
    await writeFile(p.hosts, mode === 'host' && !(h.ExtraHosts?.length)
      ? this.hostHosts
      : hostsFile({ hostname: rec.Config.Hostname ?? '', domainname: rec.Config.Domainname ?? '', extraHosts: h.ExtraHosts ?? [], networkMode: mode, hostGateway: this.networks?.hostGateway() }));
    await writeFile(p.resolvConf, resolvConf(this.cfg.hostResolvConf, { ...this.dnsOf(h), networkMode: mode }));
  }

  // ---- start -------------------------------------------------------------------------------

  async start(nameOrId: string): Promise<void> {
    const l = this.get(nameOrId);
    await this.locked(l, async () => {
      try {
        if (!l.rec.State.Running) this.resetRestartPolicy(l);
        await this.startLocked(l);
      } catch (e) {
        // As Docker: an --rm container that cannot start is removed (`docker run` waits for it).
        if (l.rec.HostConfig.AutoRemove && !l.removed && !(e instanceof BerthError && e.code === 'NotModified')) {
          await this.removeLocked(l, { volumes: true }).catch(() => {});
        }
        throw e;
      }
    });
  }

  private async startLocked(l: Live): Promise<void> {
    const rec = l.rec;
    if (l.removing || l.removed) throw conflict(`cannot start container ${rec.Id}: removal in progress`);
    if (rec.State.Paused) throw conflict(`cannot start a paused container, try unpause instead`);
    if (rec.State.Running && !rec.State.Restarting) throw new BerthError('NotModified', 'container already started');
    const p = this.layout.of(rec.Id);
    const cgroupsPath = this.cgroupsPathOf(rec);
    let mounted = false;
    let conmonUp = false;
    let joined = false;
    let mountsTaken = false;
    l.released = false;
    try {
      joined = await this.prepareNetworks(rec);
      await mountOverlay({
        layersRoot: this.layout.layersRoot, lowers: rec.Layers.map((c) => `${hexOf(c)}/diff`),
        upper: p.upper, work: p.work, target: p.merged, volatile: Boolean(rec.HostConfig.AutoRemove),
      });
      mounted = true;
      if (rec.HostConfig.IpcMode === 'shareable') await mountShm(p.shm, rec.HostConfig.ShmSize);
      const { mounts } = await this.startMounts(rec, p.merged);
      mountsTaken = true;
      const spec = this.specFor(rec, p.merged, cgroupsPath, mounts);
      l.spec = spec;
      await mkdir(p.bundle, { recursive: true });
      await writeFile(`${p.bundle}/config.json`, specJson(spec));
      rmSync(`${p.bundle}/oom`, { force: true });
      this.exits.remove(rec.Id);
      const started = await startConmon({
        conmon: this.cfg.conmon, runtime: this.cfg.runtime, runtimeRoot: this.layout.runcRoot, id: rec.Id,
        name: rec.Name.slice(1), bundle: p.bundle, logPath: logsDiscarded(rec) ? undefined : p.log, exitDir: this.layout.exits, socketDir: this.layout.sockets,
        stdin: Boolean(rec.Config.OpenStdin), tty: Boolean(rec.Config.Tty),
        leaveStdinOpen: leaveStdinOpen(rec), tmpDir: this.layout.tmp, monitorCgroup: monitorCgroup(this.cfg.cgroupParent),
      });
      conmonUp = true;
      // The namespace exists once runc has created the container; it is wired before the process runs.
      if (joined) {
        await this.networks!.plumb(rec.Id, started.containerPid);
        this.networkEvents(rec, 'connect');
      }
      const [rows, cols] = rec.HostConfig.ConsoleSize ?? [0, 0];
      // Before `runc start`, so the process's first look at its terminal sees the client's size.
      if (rec.Config.Tty && rows > 0 && cols > 0) resizeTerminal(p.bundle, rows, cols);
      if (l.hub.wantsConnection) l.hub.connect(await AttachConnection.connect(p.bundle));
      this.exits.watchFor(rec.Id, (e) => void this.onExit(l, e));
      await this.runc.start(rec.Id);
      rec.State = {
        ...rec.State, Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false,
        Pid: started.containerPid, ExitCode: 0, Error: '', StartedAt: nowIso(), FinishedAt: rec.State.FinishedAt,
      };
      rec.Monitor = { conmonPid: started.conmonPid, conmonStartTime: started.conmonStartTime, containerPid: started.containerPid };
      if (hasHealthcheck(rec)) rec.State.Health = { Status: 'starting', FailingStreak: 0, Log: [] };
      this.startRotator(l);
      this.events.emit('container', 'start', rec.Id, this.attrs(rec));
      await this.store.save(rec);
    } catch (e) {
      this.exits.unwatch(rec.Id);
      l.hub.close();
      if (conmonUp) {
        await this.runc.kill(rec.Id, 'KILL').catch(() => false);
        await this.waitExitFile(rec.Id, 2000);
        await this.runc.delete(rec.Id).catch(() => {});
      }
      if (mounted) await unmount(p.merged).catch(() => {});
      if (rec.HostConfig.IpcMode === 'shareable') await unmount(p.shm).catch(() => {});
      if (joined) await this.releaseNetworks(rec);
      if (mountsTaken) await this.releaseMounts(rec);
      if (hasSubpaths(rec)) await unbindSubpaths(p.bundle);
      removeCgroup(cgroupsPath);
      rmSync(p.bundle, { recursive: true, force: true });
      this.exits.remove(rec.Id);
      l.released = true;
      throw this.startError(rec, e);
    }
  }

  /** moby's translateContainerdStartErr: 127 for a missing command, 126 for permission, else 128. */
  private startError(rec: ContainerRecord, e: unknown): Error {
    if (isBerthError(e) && e.code !== 'SystemError') return e;
    const raw = errorMessage(e);
    const desc = e instanceof RuntimeCreateError
      ? `failed to create task for container: failed to create shim task: OCI runtime create failed: ${raw}: unknown`
      : raw;
    const lower = desc.toLowerCase();
    let code = 128;
    let err: BerthError = new BerthError('SystemError', desc);
    if (lower.includes('executable file not found') || lower.includes('no such file or directory')) {
      code = 127; err = invalidParameter(desc);
    } else if (lower.includes('permission denied')) {
      code = 126; err = invalidParameter(desc);
    } else if (lower.includes('not a directory')) {
      err = invalidParameter(`${desc}: Are you trying to mount a directory onto a file (or vice-versa)? Check if the specified host path exists and is the expected type`);
    }
    rec.State = { ...rec.State, Status: rec.State.StartedAt === ZERO_TIME ? 'created' : 'exited', Running: false, Restarting: false, Pid: 0, ExitCode: code, Error: desc };
    void this.store.save(rec).catch(() => {});
    return err;
  }

  private specFor(rec: ContainerRecord, rootfs: string, cgroupsPath: string, mounts: OciMountInput[] = []): OciSpec {
    const hc = rec.HostConfig;
    checkDeviceRequests(hc);
    const user = resolveUser(rootfs, rec.Config.User ?? '', hc.GroupAdd ?? []);
    const cwd = rec.Config.WorkingDir || '/';
    if (cwd !== '/') ensureWorkdir(rootfs, cwd, 0, 0);
    const net = networkChoice(hc.NetworkMode);
    let networkMode: 'host' | 'none' | 'private' | { netnsPath: string } = net.kind === 'host' ? 'host' : net.kind === 'none' ? 'none' : 'private';
    if (net.kind === 'container') {
      const other = this.get(net.ref).rec;
      if (!other.State.Running) throw conflict(`cannot join network of a non running container: ${other.Id}`);
      networkMode = { netnsPath: `/proc/${other.State.Pid}/ns/net` };
    }
    const argv = [rec.Path, ...rec.Args];
    const p = this.layout.of(rec.Id);
    const init = hc.Init === true;
    const { namespaces, shm } = this.namespaceModes(rec);
    return buildSpec({
      id: rec.Id,
      args: init ? ['/sbin/docker-init', '--', ...argv] : argv,
      env: rec.Config.Env ?? [],
      cwd,
      user,
      tty: Boolean(rec.Config.Tty),
      openStdin: Boolean(rec.Config.OpenStdin),
      hostname: rec.Config.Hostname ?? '',
      domainname: rec.Config.Domainname,
      rootfsPath: rootfs,
      hostConfig: this.withDefaultUlimits(hc),
      networkMode,
      etcFiles: { hosts: p.hosts, hostname: p.hostname, resolvConf: p.resolvConf },
      initPath: init ? this.cfg.initPath : undefined,
      cgroupsPath,
      hostRlimits: hostRlimits(),
      // undefined lets the spec builder apply SecurityOpt (seccomp=…) or the default profile.
      seccomp: this.cfg.seccomp ? undefined : null,
      stopSignal: rec.Config.StopSignal,
      mounts,
      namespaces,
      shm,
    });
  }

  /** moby's mergeUlimits: the daemon's --default-ulimit for every name the container does not set. */
  private withDefaultUlimits(hc: HostConfig): HostConfig {
    const defaults = this.cfg.defaultUlimits ?? [];
    if (!defaults.length) return hc;
    const own = new Set((hc.Ulimits ?? []).map((u) => u.Name));
    return { ...hc, Ulimits: [...(hc.Ulimits ?? []), ...defaults.filter((u) => !own.has(u.Name))] };
  }

  /**
   * HostConfig's PidMode, IpcMode, UTSMode and CgroupnsMode as namespaces to share or join, and
   * where /dev/shm comes from (moby's WithNamespaces and setupIpcDirs, with their errors).
   */
  private namespaceModes(rec: ContainerRecord): { namespaces: NamespaceModes; shm?: 'none' | { source: string } } {
    const hc = rec.HostConfig;
    const namespaces: NamespaceModes = {};
    const pidDonor = joinedContainer(hc.PidMode);
    if (hc.PidMode === 'host') namespaces.pid = 'host';
    else if (pidDonor !== undefined) namespaces.pid = { path: `/proc/${this.runningDonor(pidDonor).State.Pid}/ns/pid` };
    if (hc.UTSMode === 'host') namespaces.uts = 'host';
    if (hc.CgroupnsMode === 'host' || hc.CgroupnsMode === 'private') namespaces.cgroup = hc.CgroupnsMode;
    const ipcDonor = joinedContainer(hc.IpcMode);
    let shm: 'none' | { source: string } | undefined;
    if (hc.IpcMode === 'none') shm = 'none';
    else if (hc.IpcMode === 'shareable') shm = { source: this.layout.of(rec.Id).shm };
    else if (hc.IpcMode === 'host') {
      if (!existsSync('/dev/shm')) throw systemError('/dev/shm is not mounted, but must be for --ipc=host');
      namespaces.ipc = 'host';
      shm = { source: '/dev/shm' };
    } else if (ipcDonor !== undefined) {
      const donor = this.runningDonor(ipcDonor);
      if (donor.HostConfig.IpcMode === 'host') shm = { source: '/dev/shm' };
      else if (donor.HostConfig.IpcMode === 'shareable') shm = { source: this.layout.of(donor.Id).shm };
      else throw invalidParameter(`container ${ipcDonor}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`);
      namespaces.ipc = { path: `/proc/${donor.State.Pid}/ns/ipc` };
    }
    return { namespaces, shm };
  }

  /** A container whose PID or IPC namespace is joined: it must exist and run (moby's getPIDContainer). */
  private runningDonor(ref: string): ContainerRecord {
    let donor: ContainerRecord;
    try {
      donor = this.get(ref).rec;
    } catch (e) {
      throw e instanceof BerthError ? invalidParameter(e.message) : e;
    }
    if (!donor.State.Running) throw conflict(`container ${ref} is not running`);
    if (donor.State.Restarting) throw conflict(`Container ${donor.Id} is restarting, wait until the container is running`);
    return donor;
  }

  private startRotator(l: Live): void {
    if (logsDiscarded(l.rec)) return;
    const opts = parseLogOpts(l.rec.HostConfig.LogConfig?.Config ?? {}, { maxSize: this.cfg.logMaxSize, maxFiles: this.cfg.logMaxFiles });
    if (!(opts.maxSize > 0)) return;
    const bundle = this.layout.of(l.rec.Id).bundle;
    l.rotator = new LogRotator({
      path: this.layout.of(l.rec.Id).log, maxSize: opts.maxSize, maxFiles: opts.maxFiles,
      reopen: () => { reopenLog(bundle); },
    });
    l.rotator.start();
  }

  private waitExitFile(id: string, ms: number): Promise<ExitRecord | undefined> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.exits.unwatch(id); resolve(undefined); }, ms);
      this.exits.watchFor(id, (e) => { clearTimeout(t); resolve(e); });
    });
  }

  // ---- exit --------------------------------------------------------------------------------

  private async onExit(l: Live, e: ExitRecord): Promise<void> {
    await this.locked(l, async () => {
      const rec = l.rec;
      if (!rec.State.Running) return;
      const p = this.layout.of(rec.Id);
      const oom = existsSync(`${p.bundle}/oom`);
      rec.State = {
        ...rec.State, Status: 'exited', Running: false, Paused: false, Restarting: false, Pid: 0,
        ExitCode: e.code < 0 ? 255 : e.code, OOMKilled: oom, FinishedAt: rfc3339Nano(e.atNs),
      };
      l.execIds.clear();
      const waiters = l.exitWaiters.splice(0);
      for (const w of waiters) w(rec.State.ExitCode);
      if (oom) this.events.emit('container', 'oom', rec.Id, this.attrs(rec));
      this.events.emit('container', 'die', rec.Id, this.attrs(rec, { exitCode: String(rec.State.ExitCode) }));
      l.rotator?.stop();
      l.rotator = undefined;
      if (rec.HostConfig.AutoRemove) {
        await this.removeLocked(l, { volumes: true });
        return;
      }
      const restart = !l.removing && restartsAfterExit(rec.HostConfig.RestartPolicy, rec.State.ExitCode, rec.RestartCount, Boolean(rec.HasBeenManuallyStopped));
      const ranForMs = Date.parse(rec.State.FinishedAt) - Date.parse(rec.State.StartedAt);
      if (restart) {
        rec.RestartCount++;
        rec.State = { ...rec.State, Status: 'restarting', Running: true, Restarting: true };
      }
      await this.store.save(rec);
      await this.releaseRun(rec);
      l.released = true;
      if (restart) this.scheduleRestart(l, l.backoff.next(Number.isFinite(ranForMs) ? ranForMs : 0));
    });
  }

  private scheduleRestart(l: Live, delayMs: number): void {
    clearTimeout(l.restartTimer);
    l.restartTimer = setTimeout(() => {
      l.restartTimer = undefined;
      void this.locked(l, async () => {
        if (!l.rec.State.Restarting || l.removing || l.removed) return;
        if (l.rec.HasBeenManuallyStopped) {
          this.cancelRestart(l);
          await this.store.save(l.rec);
          return;
        }
        // The state stays `restarting` (running, to every check) until the start is done, so a
        // stop that comes meanwhile waits for the lock and then stops the new run.
        try {
          await this.startLocked(l);
        } catch (e) {
          // startError recorded why; the policy gives up, as moby's does after a failed start.
          log.warn('restart policy: start failed', { id: l.rec.Id, error: errorMessage(e) });
        }
      });
    }, delayMs);
  }

  /**
   * A start by hand: the restart policy's count and backoff start over, and a manual stop no
   * longer holds (a policy's own restarts keep it, so a stop racing one is never undone).
   */
  private resetRestartPolicy(l: Live): void {
    l.rec.RestartCount = 0;
    l.rec.HasBeenManuallyStopped = false;
    l.backoff = new RestartBackoff();
  }

  /** cancelRestart under the lock, the exited state saved; the run may have begun meanwhile. */
  private async cancelRestartSaved(l: Live): Promise<void> {
    await this.locked(l, async () => { if (this.cancelRestart(l)) await this.store.save(l.rec); });
  }

  /** Ends a restart policy's pending restart; the container stays exited. */
  private cancelRestart(l: Live): boolean {
    clearTimeout(l.restartTimer);
    l.restartTimer = undefined;
    if (!l.rec.State.Restarting) return false;
    l.rec.State = { ...l.rec.State, Status: 'exited', Running: false, Restarting: false };
    return true;
  }

  /** Everything a finished run leaves: runc's state, the mount, the cgroup, the bundle. */
  private async releaseRun(rec: ContainerRecord): Promise<void> {
    const p = this.layout.of(rec.Id);
    await this.releaseMounts(rec);
    if (rec.NetworkSettings?.ips.length || Object.keys(rec.NetworkSettings?.ports ?? {}).length) {
      await this.releaseNetworks(rec);
      await this.store.save(rec);
    }
    await this.runc.delete(rec.Id).catch((e) => log.warn('runc delete failed', { id: rec.Id, error: errorMessage(e) }));
    await unmount(p.merged).catch((e) => log.warn('umount failed', { id: rec.Id, error: errorMessage(e) }));
    if (rec.HostConfig.IpcMode === 'shareable') await unmount(p.shm).catch((e) => log.warn('umount failed', { id: rec.Id, error: errorMessage(e) }));
    removeCgroup(this.cgroupsPathOf(rec));
    if (hasSubpaths(rec)) await unbindSubpaths(p.bundle);
    rmSync(p.bundle, { recursive: true, force: true });
    rmSync(`${this.layout.sockets}/${rec.Id}`, { force: true });
    this.exits.remove(rec.Id);
  }

  // ---- stop / kill / restart ----------------------------------------------------------------

  private nextExit(l: Live): Promise<number> {
    return new Promise((resolve) => l.exitWaiters.push(resolve));
  }

  async stop(nameOrId: string, opts: { timeout?: number; signal?: string }): Promise<void> {
    const l = this.get(nameOrId);
    const rec = l.rec;
    if (!rec.State.Running) throw new BerthError('NotModified', 'container already stopped');
    rec.HasBeenManuallyStopped = true;
    // Durable before anything happens: a restart policy must never undo this stop, even after a crash.
    await this.store.save(rec);
    await this.stopRunning(l, opts);
    // The exit is handled under the lock (state saved, run released) before the client hears back.
    await this.locked(l, async () => {});
    this.events.emit('container', 'stop', rec.Id, this.attrs(rec));
  }

  private async stopRunning(l: Live, opts: { timeout?: number; signal?: string }): Promise<void> {
    const rec = l.rec;
    if (rec.State.Restarting) {
      await this.cancelRestartSaved(l);
      // The pending restart may have started before the lock was ours: then stop that run.
      if (!rec.State.Running) return;
    }
    const sig = parseSignal(opts.signal || rec.Config.StopSignal || 'SIGTERM');
    const timeout = opts.timeout ?? rec.Config.StopTimeout ?? 10;
    const exited = this.nextExit(l);
    if (rec.State.Paused && sig !== SIGKILL) {
      // A frozen container handles TERM only once thawed.
      await this.runc.resume(rec.Id).catch(() => {});
      rec.State.Paused = false;
    }
    this.events.emit('container', 'kill', rec.Id, this.attrs(rec, { signal: String(sig) }));
    const sent = await this.runc.kill(rec.Id, String(sig)).catch(() => false);
    if (sent && timeout !== 0) {
      const done = timeout < 0 ? await exited.then(() => true) : await Promise.race([exited.then(() => true), delay(timeout * 1000).then(() => false)]);
      if (done) return;
    }
    if (!rec.State.Running) return;
    this.events.emit('container', 'kill', rec.Id, this.attrs(rec, { signal: String(SIGKILL) }));
    await this.runc.kill(rec.Id, 'KILL', true).catch(() => false);
    await Promise.race([exited, delay(10_000)]);
  }

  async kill(nameOrId: string, signal?: string): Promise<void> {
    const l = this.get(nameOrId);
    const rec = l.rec;
    const sig = parseSignal(signal || 'SIGKILL');
    if (!rec.State.Running) throw conflict(`cannot kill container: ${nameOrId}: container ${rec.Id} is not running`);
    if (sig === SIGKILL) rec.HasBeenManuallyStopped = true;
    if (rec.State.Restarting) {
      // No process to signal: the kill ends the pending restart (unless it began meanwhile).
      rec.HasBeenManuallyStopped = true;
      await this.cancelRestartSaved(l);
      if (!rec.State.Running) {
        this.events.emit('container', 'kill', rec.Id, this.attrs(rec, { signal: String(sig) }));
        return;
      }
    }
    this.events.emit('container', 'kill', rec.Id, this.attrs(rec, { signal: String(sig) }));
    const exited = sig === SIGKILL ? this.nextExit(l) : undefined;
    const sent = await this.runc.kill(rec.Id, String(sig));
    if (!sent) throw conflict(`cannot kill container: ${nameOrId}: container ${rec.Id} is not running`);
    if (rec.State.Paused && sig === SIGKILL) await this.thaw(l);
    if (exited) {
      await Promise.race([exited, delay(10_000)]);
      await this.locked(l, async () => {});
    }
  }

  async restart(nameOrId: string, opts: { timeout?: number; signal?: string }): Promise<void> {
    const l = this.get(nameOrId);
    if (l.rec.State.Running) {
      await this.stopRunning(l, opts);
      this.events.emit('container', 'stop', l.rec.Id, this.attrs(l.rec));
    }
    await this.locked(l, async () => {
      this.resetRestartPolicy(l);
      await this.startLocked(l);
    });
    this.events.emit('container', 'restart', l.rec.Id, this.attrs(l.rec));
  }

  // ---- wait --------------------------------------------------------------------------------

  /**
   * Registers the waiter synchronously, before the caller replies with its headers: `docker run`
   * sends wait before start, and must not miss an exit that happens right after.
   */
  wait(nameOrId: string, condition: WaitCondition): Promise<number> {
    const l = this.get(nameOrId);
    if (condition === 'removed') return new Promise((resolve) => l.removeWaiters.push(resolve));
    if (condition === 'not-running' && !l.rec.State.Running) return Promise.resolve(l.rec.State.ExitCode);
    return this.nextExit(l);
  }

  // ---- remove ------------------------------------------------------------------------------

  async remove(nameOrId: string, opts: { force?: boolean; volumes?: boolean }): Promise<void> {
    const l = this.get(nameOrId);
    if (l.removing) throw conflict(`removal of container ${nameOrId} is already in progress`);
    if (l.rec.State.Running && !opts.force) {
      if (l.rec.State.Restarting) throw conflict(`You cannot remove a restarting container ${l.rec.Id}. Stop the container before attempting removal or force remove`);
      if (l.rec.State.Paused) throw conflict(`cannot remove container "${l.rec.Name}": container is paused and must be unpaused first`);
      throw conflict(`cannot remove container "${l.rec.Name}": container is running: stop the container before removing or force remove`);
    }
    l.removing = true;
    try {
      // A start may be in flight (it holds the lock): kill whatever runs, then remove under the
      // lock, and go round again if a start slipped in between.
      for (;;) {
        if (l.rec.State.Restarting) {
          this.cancelRestart(l);
        } else if (l.rec.State.Running) {
          l.rec.HasBeenManuallyStopped = true;
          const exited = this.nextExit(l);
          await this.runc.kill(l.rec.Id, 'KILL', true).catch(() => false);
          if (l.rec.State.Paused) await this.thaw(l);
          await Promise.race([exited, delay(10_000)]);
        }
        const done = await this.locked(l, async () => {
          if (l.removed) return true;
          if (l.rec.State.Running) return false;
          await this.removeLocked(l, opts);
          return true;
        });
        if (done) break;
      }
    } finally {
      l.removing = false;
    }
  }

  /** Removal is logical first (the name and id are free, waiters answered), then physical. */
  private async removeLocked(l: Live, opts: { volumes?: boolean }): Promise<void> {
    const rec = l.rec;
    if (rec.State.Running) throw conflict(`cannot remove container "${rec.Name}": container is running: stop the container before removing or force remove`);
    rec.State.Status = 'removing';
    this.untrack(l);
    l.hub.drainAndClose(2000);
    // The volumes first, so whoever waits for the removal (`run --rm`) finds them released.
    this.volumes?.dropReferences(rec.Id);
    if (!l.released) await this.releaseMounts(rec);
    // rm -v and --rm take the container's anonymous volumes with it; named ones stay.
    if (opts.volumes) {
      for (const mp of rec.MountPoints ?? []) {
        if (mp.Type === 'volume' && mp.Anonymous) await this.volumes?.remove(mp.Name!, false).catch(() => {});
      }
    }
    for (const w of l.removeWaiters.splice(0)) w(rec.State.ExitCode);
    for (const w of l.exitWaiters.splice(0)) w(rec.State.ExitCode);
    this.events.emit('container', 'destroy', rec.Id, this.attrs(rec));
    await this.store.flush(rec.Id);
    // The record goes first: a crash from here on leaves only files the startup sweep removes.
    rmSync(this.layout.of(rec.Id).record, { force: true });
    if (!l.released) await this.releaseRun(rec);
    await this.store.removeFiles(rec.Id);
    if (!this.images.store.get(rec.Image)) {
      await this.images.releaseChains(rec.Layers).catch((e) => log.warn('cannot remove the layers of a deleted image', { id: rec.Id, error: errorMessage(e) }));
    }
  }

  async prune(filters: string | undefined): Promise<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }> {
    const keep = pruneFilter(filters);
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const l of [...this.live.values()]) {
      if (l.removed || l.rec.State.Running || !keep(l.rec)) continue;
      const size = await directorySize(this.layout.of(l.rec.Id).upper);
      try {
        await this.remove(l.rec.Id, {});
        deleted.push(l.rec.Id);
        reclaimed += size;
      } catch (e) {
        log.warn('prune: cannot remove container', { id: l.rec.Id, error: errorMessage(e) });
      }
    }
    this.events.emit('container', 'prune', '', { reclaimed: String(reclaimed) });
    return { ContainersDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed };
  }

  // ---- rename ------------------------------------------------------------------------------

  async rename(nameOrId: string, newName: string): Promise<void> {
    const l = this.get(nameOrId);
    if (!newName) throw invalidParameter('Neither old nor new names may be empty');
    validateName(newName);
    const full = newName.startsWith('/') ? newName : `/${newName}`;
    const old = l.rec.Name;
    if (full === old) throw invalidParameter('Renaming a container with the same name as its current name');
    this.reserveName(full);
    this.index.rename(l.rec.Id, old, full);
    l.rec.Name = full;
    try {
      await this.store.save(l.rec);
    } catch (e) {
      this.index.rename(l.rec.Id, full, old);
      l.rec.Name = old;
      throw e;
    }
    this.events.emit('container', 'rename', l.rec.Id, this.attrs(l.rec, { oldName: old }));
  }

  // ---- views -------------------------------------------------------------------------------

  private async sizes(rec: ContainerRecord): Promise<{ sizeRw: number; sizeRootFs: number }> {
    const sizeRw = await directorySize(this.layout.of(rec.Id).upper);
    const img = this.images.store.get(rec.Image);
    const base = img ? imageSize(img, this.images.layers, this.images.store) : 0;
    return { sizeRw, sizeRootFs: sizeRw + base };
  }

  async inspect(nameOrId: string, size: boolean, version: number): Promise<Record<string, unknown>> {
    const l = this.get(nameOrId);
    const p = this.layout.of(l.rec.Id);
    const s = size ? await this.sizes(l.rec) : undefined;
    return inspectOf(l.rec, {
      paths: {
        resolvConf: p.resolvConf, hostname: p.hostname, hosts: p.hosts, log: p.log,
        lower: l.rec.Layers.map((c) => this.images.layers.diffPath(c)).join(':'), merged: p.merged, upper: p.upper, work: p.work,
      },
      execIds: [...l.execIds],
      sizeRw: s?.sizeRw, sizeRootFs: s?.sizeRootFs,
      ...(l.rec.NetworkSettings ? { networks: l.rec.NetworkSettings.networks, ports: l.rec.NetworkSettings.ports } : {}),
      mounts: (l.rec.MountPoints ?? []).map(mountView),
    }, version);
  }

  async list(opts: { all: boolean; limit?: number; size: boolean; filters?: string }): Promise<unknown[]> {
    const recs = this.all();
    const sizes = new Map<string, { sizeRw: number; sizeRootFs: number }>();
    if (opts.size) for (const r of recs) sizes.set(r.Id, await this.sizes(r));
    return listContainers(recs, opts, {
      imageLookup: (ref: string) => this.images.store.lookup(ref)?.record.id,
      size: (r: ContainerRecord) => sizes.get(r.Id) ?? { sizeRw: 0, sizeRootFs: 0 },
      networks: (r: ContainerRecord) => r.NetworkSettings?.networks ?? defaultNetworks(r),
      ports: (r: ContainerRecord) => portSummaries(r.NetworkSettings?.ports),
      mounts: (r: ContainerRecord) => (r.MountPoints ?? []).map(mountView),
    });
  }

  // ---- networks ----------------------------------------------------------------------------

  /** `docker network connect`: recorded, and wired at once when the container runs. */
  async connectNetwork(nameOrId: string, network: string, req: EndpointRequest): Promise<{ containerId: string; networkId: string; name: string }> {
    const l = this.get(nameOrId);
    if (!this.networks) throw invalidParameter('networking is not enabled');
    return this.locked(l, async () => {
      const rec = l.rec;
      const kind = networkChoice(rec.HostConfig.NetworkMode).kind;
      if (kind !== 'private') throw invalidParameter(`container cannot be disconnected from host network or connected to host network`);
      const n = this.networks!.get(network);
      const running = rec.State.Running ? { pid: rec.State.Pid } : undefined;
      const ep = await this.networks!.connect(rec.Id, n.Id, req ?? {}, running, { name: rec.Name.slice(1), hostname: rec.Config.Hostname ?? '' });
      const ns = rec.NetworkSettings ?? { requested: {}, networks: {}, ports: {}, ips: [], extraHosts: [] };
      ns.requested[n.Name] = req ?? {};
      ns.networks[n.Name] = running ? ep : stoppedEndpoint(ep, req);
      if (running && ep.IPAddress) ns.ips = [...ns.ips, ep.IPAddress];
      rec.NetworkSettings = ns;
      await this.store.save(rec);
      return { containerId: rec.Id, networkId: n.Id, name: n.Name };
    });
  }

  async disconnectNetwork(nameOrId: string, network: string, force: boolean): Promise<{ containerId: string; networkId: string; name: string }> {
    const l = this.get(nameOrId);
    if (!this.networks) throw invalidParameter('networking is not enabled');
    return this.locked(l, async () => {
      const rec = l.rec;
      const n = this.networks!.get(network);
      await this.networks!.disconnect(rec.Id, n.Id, force);
      const ns = rec.NetworkSettings;
      if (ns) {
        const ip = ns.networks[n.Name]?.IPAddress;
        delete ns.requested[n.Name];
        delete ns.networks[n.Name];
        if (ip) ns.ips = ns.ips.filter((x) => x !== ip);
      }
      await this.store.save(rec);
      return { containerId: rec.Id, networkId: n.Id, name: n.Name };
    });
  }

  /** Containers attached (or asking to be) to a network: for network inspect and removal checks. */
  networkUsers(networkName: string): ContainerRecord[] {
    return this.all().filter((r) => r.NetworkSettings?.requested[networkName] !== undefined);
  }

  // ---- attach ------------------------------------------------------------------------------

  /** Adds an API client to the container's output; connects to conmon now if it is running. */
  async attach(nameOrId: string, client: AttachClient): Promise<{ hub: AttachHub; detach: () => void; rec: ContainerRecord }> {
    const l = this.get(nameOrId);
    const rec = l.rec;
    // A stopped container is fine: `start -a` attaches first and the output comes with the start.
    if (rec.State.Paused) throw conflict(`container ${rec.Id} is paused, unpause the container before attach`);
    if (rec.State.Restarting) throw conflict(`container ${rec.Id} is restarting, wait until the container is running`);
    const detach = l.hub.add(client);
    if (rec.State.Running && !l.hub.connected) {
      try {
        l.hub.connect(await AttachConnection.connect(this.layout.of(rec.Id).bundle));
      } catch (e) {
        detach();
        throw conflict(`cannot attach to container ${rec.Id}: ${errorMessage(e)}`);
      }
    }
    this.events.emit('container', 'attach', rec.Id, this.attrs(rec));
    return { hub: l.hub, detach, rec };
  }

  /** An attached client typed the detach keys. */
  detached(nameOrId: string): void {
    const rec = this.get(nameOrId).rec;
    this.events.emit('container', 'detach', rec.Id, this.attrs(rec));
  }

  /** POST /containers/{id}/resize: the container's terminal follows the client's window. */
  resize(nameOrId: string, rows: number, cols: number): void {
    const rec = this.get(nameOrId).rec;
    if (!rec.State.Running) throw conflict(`container ${rec.Id} is not running`);
    if (rec.Config.Tty) resizeTerminal(this.layout.of(rec.Id).bundle, rows, cols);
    this.events.emit('container', 'resize', rec.Id, this.attrs(rec, { height: String(rows), width: String(cols) }));
  }

  // ---- pause / health -----------------------------------------------------------------------

  async pause(nameOrId: string): Promise<void> {
    const l = this.get(nameOrId);
    await this.locked(l, async () => {
      const rec = l.rec;
      if (!rec.State.Running) throw conflict(`container ${rec.Id} is not running`);
      if (rec.State.Restarting) throw conflict(`container ${rec.Id} is restarting, wait until the container is running`);
      if (rec.State.Paused) throw conflict(`container ${rec.Id} is already paused`);
      await this.runc.pause(rec.Id);
      rec.State = { ...rec.State, Status: 'paused', Paused: true };
      this.events.emit('container', 'pause', rec.Id, this.attrs(rec));
      await this.store.save(rec);
    });
  }

  async unpause(nameOrId: string): Promise<void> {
    const l = this.get(nameOrId);
    await this.locked(l, async () => {
      const rec = l.rec;
      if (!rec.State.Paused) throw conflict(`container ${rec.Id} is not paused`);
      await this.runc.resume(rec.Id);
      rec.State = { ...rec.State, Status: 'running', Paused: false };
      this.events.emit('container', 'unpause', rec.Id, this.attrs(rec));
      await this.store.save(rec);
    });
  }

  /** A frozen container must thaw for a signal to act (kill -9, rm -f of a paused container). */
  private async thaw(l: Live): Promise<void> {
    await this.runc.resume(l.rec.Id).catch(() => {});
    if (l.rec.State.Running) l.rec.State = { ...l.rec.State, Status: 'running', Paused: false };
  }

  /**
   * Records a health probe's outcome (computed by `update` from the current health) for a
   * container that is still running; a status change is saved and becomes a health_status event.
   */
  async setHealth(id: string, update: (h: HealthRecord) => HealthRecord): Promise<void> {
    const l = this.live.get(id);
    if (!l) return;
    await this.locked(l, async () => {
      const rec = l.rec;
      if (!rec.State.Running || !rec.State.Health) return;
      const before = rec.State.Health.Status;
      rec.State.Health = update(rec.State.Health);
      if (rec.State.Health.Status !== before) {
        this.events.emit('container', `health_status: ${rec.State.Health.Status}`, rec.Id, this.attrs(rec));
      }
      await this.store.save(rec);
    });
  }

  /** A running (or paused) container's init pid and cgroup path, for stats, top and update. */
  runningInfo(nameOrId: string): { rec: ContainerRecord; pid: number; cgroupsPath: string } {
    const rec = this.get(nameOrId).rec;
    if (!rec.State.Running) throw conflict(`container ${rec.Id} is not running`);
    return { rec, pid: rec.State.Pid, cgroupsPath: this.cgroupsPathOf(rec) };
  }

  /**
   * POST /containers/{id}/update: `change` derives the new HostConfig from the current one (and
   * throws on invalid input), `apply` pushes it into a running container's cgroups; the record is
   * saved only when both succeed.
   */
  async updateHostConfig(nameOrId: string, change: (hc: HostConfig, rec: ContainerRecord) => HostConfig,
    apply: (hc: HostConfig, running: { id: string; cgroupsPath: string }) => Promise<void>): Promise<ContainerRecord> {
    const l = this.get(nameOrId);
    return this.locked(l, async () => {
      const rec = l.rec;
      if (l.removing || l.removed) throw conflict(`Cannot update container ${rec.Id}: container is marked for removal and cannot be "update"`);
      const next = change(rec.HostConfig, rec);
      if (rec.State.Running) await apply(next, { id: rec.Id, cgroupsPath: this.cgroupsPathOf(rec) });
      rec.HostConfig = next;
      l.spec = undefined;
      this.events.emit('container', 'update', rec.Id, this.attrs(rec));
      await this.store.save(rec);
      return rec;
    });
  }

  /**
   * `<parent>/<id>`, the parent being `--cgroup-parent` of the container or else of the daemon
   * (cgroupfs form). A relative parent is taken from the root: runc would resolve it against its
   * own cgroup, which is conmon's (`<daemon parent>/conmon`), and nest containers under it.
   */
  private cgroupsPathOf(rec: ContainerRecord): string {
    const own = rec.HostConfig.CgroupParent?.replace(/^\/+|\/+$/g, '');
    return own ? `/${own}/${rec.Id}` : `${this.cfg.cgroupParent}/${rec.Id}`;
  }

  /** The running container's process spec, the template for exec sessions. */
  processSpec(nameOrId: string): { rec: ContainerRecord; spec: OciSpec; rootfs: string } {
    const l = this.get(nameOrId);
    if (!l.rec.State.Running) throw conflict(`container ${l.rec.Id} is not running`);
    if (l.rec.State.Restarting) throw conflict(`Container ${l.rec.Id} is restarting, wait until the container is running`);
    if (l.rec.State.Paused) throw conflict(`Container ${l.rec.Id} is paused, unpause the container before exec`);
    if (!l.spec) {
      l.spec = JSON.parse(readFileSync(`${this.layout.of(l.rec.Id).bundle}/config.json`, 'utf8')) as OciSpec;
    }
    return { rec: l.rec, spec: l.spec, rootfs: this.layout.of(l.rec.Id).merged };
  }

  trackExec(containerId: string, execId: string, add: boolean): void {
    const l = this.live.get(containerId);
    if (!l) return;
    if (add) l.execIds.add(execId);
    else l.execIds.delete(execId);
  }

  logFiles(nameOrId: string): { rec: ContainerRecord; path: string; maxFiles: number; stopped: Promise<void> | undefined } {
    const l = this.get(nameOrId);
    if (logsDiscarded(l.rec)) throw notImplemented('configured logging driver does not support reading');
    const opts = parseLogOpts(l.rec.HostConfig.LogConfig?.Config ?? {}, { maxSize: this.cfg.logMaxSize, maxFiles: this.cfg.logMaxFiles });
    const stopped = l.rec.State.Running ? this.nextExit(l).then(() => undefined) : undefined;
    return { rec: l.rec, path: this.layout.of(l.rec.Id).log, maxFiles: opts.maxFiles, stopped };
  }

  // ---- files: archive, export, diff, commit (ContainerFsAccess) -------------------------------

  /**
   * Runs `fn` with the container's root filesystem: the merged mount while it runs, else a
   * temporary overlay of its layers and upper dir, mounted under the lock (so that no start
   * mounts the same upper and work dirs meanwhile) and unmounted after.
   */
  async withRootfs<T>(nameOrId: string, fn: (view: RootfsView) => Promise<T>): Promise<T> {
    const l = this.get(nameOrId);
    const running = () => l.rec.State.Running && !l.rec.State.Restarting;
    const view = (rootfs: string): RootfsView => ({ rec: l.rec, rootfs, mounts: this.fsMounts(l.rec) });
    if (running()) return fn(view(this.layout.of(l.rec.Id).merged));
    return this.locked(l, async () => {
      const p = this.layout.of(l.rec.Id);
      if (running()) return fn(view(p.merged));
      if (l.removed) throw notFound(`No such container: ${nameOrId}`);
      const target = join(this.layout.tmp, `fs-${l.rec.Id.slice(0, 12)}-${randomBytes(4).toString('hex')}`);
      await mountOverlay({ layersRoot: this.layout.layersRoot, lowers: l.rec.Layers.map((c) => `${hexOf(c)}/diff`), upper: p.upper, work: p.work, target });
      try {
        return await fn(view(target));
      } finally {
        await unmount(target).catch((e) => log.warn('umount failed', { target, error: errorMessage(e) }));
        // rmdir, never a recursive removal: if the unmount failed, that would empty the container.
        try { rmdirSync(target); } catch { /* still mounted: restore() sweeps it */ }
      }
    });
  }

  /** What the container sees mounted over its rootfs, with host sources: volumes, binds, /etc files. */
  private fsMounts(rec: ContainerRecord): FsMount[] {
    const p = this.layout.of(rec.Id);
    const out: FsMount[] = [];
    for (const m of rec.MountPoints ?? []) {
      // tmpfs contents live only in the container's mount namespace.
      if (m.Type !== 'tmpfs' && m.Source) out.push({ destination: m.Destination, source: m.Source, readOnly: !m.RW });
    }
    const taken = new Set(out.map((m) => m.destination));
    const readOnly = Boolean(rec.HostConfig.ReadonlyRootfs);
    for (const [destination, source] of [['/etc/resolv.conf', p.resolvConf], ['/etc/hostname', p.hostname], ['/etc/hosts', p.hosts]] as const) {
      if (!taken.has(destination)) out.push({ destination, source, readOnly });
    }
    return out;
  }

  /** The writable layer and the image's layer dirs (top first), for diff and commit. */
  layerDirs(nameOrId: string): ContainerLayerDirs {
    const rec = this.get(nameOrId).rec;
    return { rec, upper: this.layout.of(rec.Id).upper, lowers: rec.Layers.map((c) => this.images.layers.diffPath(c)) };
  }

  // ---- startup and shutdown -----------------------------------------------------------------

  /** Brings every record in line with what conmon and runc say after a (possibly crashed) daemon. */
  async restore(): Promise<void> {
    const { records, orphans } = this.store.loadAll();
    const mounted = mountedUnder(this.layout.containers);
    // Temporary rootfs mounts of stopped containers (cp, export) that a crash left behind.
    for (const m of mountedUnder(this.layout.tmp)) if (m.startsWith(`${this.layout.tmp}/fs-`)) await unmount(m).catch(() => {});
    for (const n of safeReaddir(this.layout.tmp)) {
      if (n.startsWith('fs-')) try { rmdirSync(join(this.layout.tmp, n)); } catch { /* still busy */ }
    }
    for (const id of orphans) {
      const p = this.layout.of(id);
      if (mounted.has(p.merged)) await unmount(p.merged).catch(() => {});
      if (mounted.has(p.shm)) await unmount(p.shm).catch(() => {});
      await this.runc.delete(id, true).catch(() => {});
      await unbindSubpaths(p.bundle);
      rmSync(p.bundle, { recursive: true, force: true });
      await this.store.removeFiles(id).catch(() => {});
    }
    for (const rec of records) {
      const l = this.track(rec);
      if (rec.MountPoints?.length) this.volumes?.setReferences(rec.Id, rec.MountPoints.filter((m) => m.Type === 'volume').map((m) => m.Name!));
      const p = this.layout.of(rec.Id);
      if (rec.State.Restarting) {
        // berthd stopped during a restart policy's backoff: nothing runs; the boot rule decides.
        rec.State = { ...rec.State, Status: 'exited', Running: false, Restarting: false, Pid: 0 };
        await this.store.save(rec);
      }
      l.released = !rec.State.Running && !mounted.has(p.merged) && !existsSync(p.bundle);
      if (rec.State.Running) {
        const exit = this.exits.read(rec.Id);
        if (exit) {
          rec.State = { ...rec.State, Status: 'exited', Running: false, Paused: false, Pid: 0, ExitCode: exit.code < 0 ? 255 : exit.code, FinishedAt: rfc3339Nano(exit.atNs), OOMKilled: existsSync(`${p.bundle}/oom`) };
          this.events.emit('container', 'die', rec.Id, this.attrs(rec, { exitCode: String(rec.State.ExitCode) }));
        } else if (rec.Monitor && monitorAlive(rec.Monitor.conmonPid, rec.Monitor.conmonStartTime)) {
          if (rec.NetworkSettings && this.networks) await this.networks.restore(rec.Id, rec.NetworkSettings, true, rec.State.Pid);
          for (const mp of rec.MountPoints ?? []) if (mp.Type === 'volume') await this.volumes?.acquire(mp.Name!, rec.Id).catch(() => {});
          this.exits.watchFor(rec.Id, (e) => void this.onExit(l, e));
          this.startRotator(l);
          continue;
        } else {
          // The monitor is gone, and with it the exit code: as Docker does when a shim is lost.
          await this.runc.kill(rec.Id, 'KILL', true).catch(() => false);
          rec.State = { ...rec.State, Status: 'exited', Running: false, Paused: false, Pid: 0, ExitCode: 255, FinishedAt: nowIso(), Error: 'container monitor (conmon) exited unexpectedly' };
        }
        if (rec.HostConfig.AutoRemove) {
          await this.removeLocked(l, { volumes: true });
          continue;
        }
        await this.store.save(rec);
        await this.releaseRun(rec);
        l.released = true;
      } else if (rec.HostConfig.AutoRemove && rec.State.StartedAt !== ZERO_TIME) {
        await this.removeLocked(l, { volumes: true });
      } else if (!l.released) {
        await this.releaseRun(rec);
        l.released = true;
      }
    }
    // Endpoints of containers that are not running any more, and rules nobody claimed.
    if (this.networks) {
      for (const l of this.live.values()) {
        if (!l.rec.State.Running && l.rec.NetworkSettings) await this.networks.restore(l.rec.Id, l.rec.NetworkSettings, false);
      }
      await this.networks.reconcile();
    }
    // Restart policies at daemon start, in the background as dockerd does.
    const autostart = [...this.live.values()].filter((x) => restartsAtDaemonStart(x.rec));
    if (autostart.length) void this.autostart(autostart);
    // Bundles no record claims (a create that crashed half-way).
    for (const id of safeReaddir(this.layout.bundles)) {
      if (!this.live.has(id)) {
        await this.runc.delete(id, true).catch(() => {});
        rmSync(`${this.layout.bundles}/${id}`, { recursive: true, force: true });
      }
    }
  }

  private async autostart(list: Live[]): Promise<void> {
    for (const l of list) {
      await this.locked(l, async () => {
        if (l.removed || l.rec.State.Running) return;
        // Documented Docker behaviour: an `always` container stopped by hand comes back here.
        l.rec.HasBeenManuallyStopped = false;
        await this.startLocked(l);
      }).catch((e) => log.warn('restart policy: start at daemon start failed', { id: l.rec.Id, error: errorMessage(e) }));
    }
  }

  /** berthd is stopping: containers keep running under conmon; only our connections go. */
  async shutdown(): Promise<void> {
    for (const l of this.live.values()) {
      clearTimeout(l.restartTimer);
      l.hub.close();
      l.rotator?.stop();
    }
    await this.store.flushAll();
    removeCgroup(monitorCgroup(this.cfg.cgroupParent));
    removeCgroup(this.cfg.cgroupParent);
  }
}

function hasSubpaths(rec: ContainerRecord): boolean {
  return (rec.MountPoints ?? []).some((mp) => mp.Subpath);
}

/** The `none` logging driver: output reaches attached clients only. */
function logsDiscarded(rec: ContainerRecord): boolean {
  return rec.HostConfig.LogConfig?.Type === 'none';
}

/**
 * conmon's --leave-stdin-open. Docker closes a container's stdin when the attached client's input
 * ends only for StdinOnce without a TTY: a terminal session survives its client detaching.
 */
function leaveStdinOpen(rec: ContainerRecord): boolean {
  return Boolean(rec.Config.OpenStdin) && (!rec.Config.StdinOnce || Boolean(rec.Config.Tty));
}

/** A healthcheck that probes: not absent, empty or NONE. */
function hasHealthcheck(rec: ContainerRecord): boolean {
  const test = rec.Config.Healthcheck?.Test;
  return Array.isArray(test) && test.length > 0 && test[0] !== 'NONE';
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Mount points below a directory, from one read of mountinfo. */
function mountedUnder(dir: string): Set<string> {
  return new Set(mountsUnder(dir));
}

