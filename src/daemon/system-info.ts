// /version, /info and /system/df: what the host and the engine look like, in Docker's shapes.
import { readFileSync, existsSync } from 'node:fs';
import { cpus, hostname, totalmem, release, arch } from 'node:os';
import { createHash } from 'node:crypto';
import { hostArchitecture } from '../image/types.js';
import type { DiskUsageReport, SystemBackend } from '../api/routes/system.js';
import type { ImageService } from '../image/service.js';
import type { ImageSummary } from '../image/views.js';
import type { ContainerService } from '../container/service.js';
import type { ContainerSummary } from '../container/views.js';
import type { ContainerRecord } from '../container/types.js';
import type { SizeCache } from '../container/size-cache.js';

export const BERTH_VERSION = '0.1.0';

export interface Counts { images: number; containers: number; running: number; paused: number; stopped: number }

/**
 * /info's container counts as moby's state counter keeps them (daemon.setStateCounter): a paused
 * container is paused, a running one running, and anything else — restarting included — stopped.
 */
export function containerCounts(recs: Iterable<Pick<ContainerRecord, 'State'>>): Omit<Counts, 'images'> {
  let running = 0, paused = 0, stopped = 0;
  for (const r of recs) {
    if (r.State.Paused) paused++;
    else if (r.State.Running && !r.State.Restarting) running++;
    else stopped++;
  }
  return { containers: running + paused + stopped, running, paused, stopped };
}

function osRelease(): { pretty: string; version: string } {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const get = (k: string) => new RegExp(`^${k}="?([^"\\n]*)"?`, 'm').exec(text)?.[1] ?? '';
    return { pretty: get('PRETTY_NAME') || 'Linux', version: get('VERSION_ID') };
  } catch {
    return { pretty: 'Linux', version: '' };
  }
}

function cgroupVersion(): '1' | '2' {
  return existsSync('/sys/fs/cgroup/cgroup.controllers') ? '2' : '1';
}

function readFlag(path: string): boolean {
  try { return readFileSync(path, 'utf8').trim() === '1'; } catch { return false; }
}

export class SystemInfo implements SystemBackend {
  private readonly id: string;
  constructor(private readonly opts: {
    /** dockerd's --insecure-registry entries, as /info reports them. */
    insecureRegistries?: string[];
    dataRoot: string; debug: () => boolean; counts: () => Counts; runtimes: Record<string, { path: string }>; defaultRuntime: string;
    /** Open `GET /events` streams. */
    eventListeners?: () => number;
    /** The containers' default log driver (--log-driver): what they show in LogConfig.Type. */
    logDriver?: string;
    diskUsage?: DiskUsage;
  }) {
    this.id = createHash('sha256').update(hostname() + opts.dataRoot).digest('hex').slice(0, 36)
      .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/, '$1-$2-$3-$4-$5').toUpperCase();
  }

  version(): Record<string, unknown> {
    const details = { ApiVersion: '1.47', Arch: hostArchitecture(), BuildTime: '', Experimental: 'false', GitCommit: '', GoVersion: `node${process.versions.node}`, KernelVersion: release(), MinAPIVersion: '1.24', Os: 'linux' };
    return {
      Platform: { Name: 'berth' },
      Components: [{ Name: 'Engine', Version: BERTH_VERSION, Details: details }],
      Version: BERTH_VERSION,
      GitCommit: '',
      GoVersion: `node${process.versions.node}`,
      Os: 'linux',
      Arch: hostArchitecture(),
      KernelVersion: release(),
      BuildTime: '',
    };
  }

  diskUsage(version: number): Promise<DiskUsageReport> {
    if (!this.opts.diskUsage) return Promise.resolve({ LayersSize: 0, Images: [], Containers: [], Volumes: [], BuildCache: [] });
    return this.opts.diskUsage.report(version);
  }

  info(): Record<string, unknown> {
    const c = this.opts.counts();
    const os = osRelease();
    const cg = cgroupVersion();
    return {
      ID: this.id,
      Containers: c.containers,
      ContainersRunning: c.running,
      ContainersPaused: c.paused,
      ContainersStopped: c.stopped,
      Images: c.images,
      Driver: 'overlay2',
      DriverStatus: [['Backing Filesystem', 'extfs'], ['Supports d_type', 'true'], ['Using metacopy', 'false'], ['Native Overlay Diff', 'true'], ['userxattr', 'false']],
      Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'ipvlan', 'macvlan', 'null'], Authorization: null, Log: ['k8s-file', 'json-file', 'local'] },
      MemoryLimit: true,
      SwapLimit: true,
      CpuCfsPeriod: true,
      CpuCfsQuota: true,
      CPUShares: true,
      CPUSet: true,
      PidsLimit: true,
      IPv4Forwarding: readFlag('/proc/sys/net/ipv4/ip_forward'),
      BridgeNfIptables: readFlag('/proc/sys/net/bridge/bridge-nf-call-iptables'),
      BridgeNfIp6tables: readFlag('/proc/sys/net/bridge/bridge-nf-call-ip6tables'),
      Debug: this.opts.debug(),
      NFd: 0,
      OomKillDisable: cg === '1',
      NGoroutines: 0,
      SystemTime: new Date().toISOString(),
      LoggingDriver: this.opts.logDriver ?? 'json-file',
      CgroupDriver: 'cgroupfs',
      CgroupVersion: cg,
      NEventsListener: this.opts.eventListeners?.() ?? 0,
      KernelVersion: release(),
      OperatingSystem: os.pretty,
      OSVersion: os.version,
      OSType: 'linux',
      Architecture: arch() === 'x64' ? 'x86_64' : arch(),
      IndexServerAddress: 'https://index.docker.io/v1/',
      RegistryConfig: registryConfig(this.opts.insecureRegistries ?? []),
      NCPU: cpus().length,
      MemTotal: totalmem(),
      GenericResources: null,
      DockerRootDir: this.opts.dataRoot,
      HttpProxy: process.env.HTTP_PROXY ?? '',
      HttpsProxy: process.env.HTTPS_PROXY ?? '',
      NoProxy: process.env.NO_PROXY ?? '',
      Name: hostname(),
      Labels: [],
      ExperimentalBuild: false,
      ServerVersion: BERTH_VERSION,
      Runtimes: this.opts.runtimes,
      DefaultRuntime: this.opts.defaultRuntime,
      Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
      LiveRestoreEnabled: true,
      Isolation: '',
      InitBinary: 'tini',
      ContainerdCommit: { ID: '' },
      RuncCommit: { ID: '' },
      InitCommit: { ID: '' },
      SecurityOptions: ['name=seccomp,profile=builtin', ...(cg === '2' ? ['name=cgroupns'] : [])],
      Warnings: null,
    };
  }
}

/**
 * GET /system/df (moby's SystemDiskUsage, API 1.47 shape). Everything comes from what the stores
 * already record — layer sizes from the layer store, rw sizes from the SizeCache — so the answer
 * does not walk the image layers, nor the rw layers of stopped containers.
 */
export class DiskUsage {
  /** image id → chain ids (ids are content digests, so a chain never changes) */
  private readonly chains = new Map<string, string[]>();

  constructor(
    private readonly images: ImageService, private readonly containers: ContainerService, private readonly sizes: SizeCache,
    private readonly volumes?: { diskUsage(): Promise<unknown[]> },
  ) {}

  async report(version: number): Promise<DiskUsageReport> {
    const { store, layers } = this.images;
    const all = store.list();
    // How many images use each layer (moby's layerRefs, over every image).
    const refs = new Map<string, number>();
    const chainOf = new Map<string, string[]>();
    for (const img of all) {
      let chain = this.chains.get(img.record.id);
      if (!chain) this.chains.set(img.record.id, (chain = store.chainOf(img)));
      chainOf.set(img.record.id, chain);
      for (const c of chain) refs.set(c, (refs.get(c) ?? 0) + 1);
    }
    if (this.chains.size > chainOf.size) for (const id of this.chains.keys()) if (!chainOf.has(id)) this.chains.delete(id);
    const layerSize = (c: string) => layers.get(c)?.size ?? 0;
    let layersSize = 0;
    for (const c of refs.keys()) layersSize += layerSize(c);
    const imageSize = new Map<string, number>();
    for (const [id, chain] of chainOf) imageSize.set(id, chain.reduce((n, c) => n + layerSize(c), 0));

    const imageList = this.images.list({}, version) as ImageSummary[];
    for (const s of imageList) {
      let shared = 0;
      for (const c of chainOf.get(s.Id) ?? []) if ((refs.get(c) ?? 0) > 1) shared += layerSize(c);
      s.SharedSize = shared;
    }

    const summaries = (await this.containers.list({ all: true, size: false })) as ContainerSummary[];
    const recs = this.containers.all();
    const rw = await this.sizes.sizesRw(recs);
    this.sizes.retain(recs.map((r) => r.Id));
    const containers = summaries.map((c) => withSizes(c, rw.get(c.Id) ?? 0, imageSize.get(c.ImageID) ?? 0));
    const volumes = this.volumes ? await this.volumes.diskUsage() : [];
    return { LayersSize: layersSize, Images: imageList, Containers: containers, Volumes: volumes as DiskUsageReport['Volumes'], BuildCache: [] };
  }
}

/** SizeRw (omitted when 0, as Go's omitempty) and SizeRootFs, placed after Ports as Docker orders them. */
function withSizes(c: ContainerSummary, sizeRw: number, imageSize: number): ContainerSummary {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c)) {
    if (k === 'SizeRw' || k === 'SizeRootFs') continue;
    out[k] = v;
    if (k === 'Ports') {
      if (sizeRw) out.SizeRw = sizeRw;
      out.SizeRootFs = sizeRw + imageSize;
    }
  }
  return out as unknown as ContainerSummary;
}

/** moby's ServiceConfig in /info: CIDR entries as insecure ranges, names as insecure index configs. */
export function registryConfig(insecure: string[]): Record<string, unknown> {
  const cidrs = ['::1/128', '127.0.0.0/8'];
  const indexConfigs: Record<string, unknown> = { 'docker.io': { Name: 'docker.io', Mirrors: [], Secure: true, Official: true } };
  for (const entry of insecure) {
    if (/^[0-9a-fA-F.:]+\/\d+$/.test(entry)) {
      if (!cidrs.includes(entry)) cidrs.push(entry);
    } else {
      indexConfigs[entry] = { Name: entry, Mirrors: [], Secure: false, Official: false };
    }
  }
  return { AllowNondistributableArtifactsCIDRs: null, AllowNondistributableArtifactsHostnames: null, InsecureRegistryCIDRs: cidrs, IndexConfigs: indexConfigs, Mirrors: null };
}
