// /version and /info: what the host and the engine look like, in Docker's shapes.
import { readFileSync, existsSync } from 'node:fs';
import { cpus, hostname, totalmem, release, arch } from 'node:os';
import { createHash } from 'node:crypto';
import { hostArchitecture } from '../image/types.js';
import type { SystemBackend } from '../api/routes/system.js';

export const BERTH_VERSION = '0.1.0';

export interface Counts { images: number; containers: number; running: number; paused: number; stopped: number }

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
  constructor(private readonly opts: { dataRoot: string; debug: () => boolean; counts: () => Counts; runtimes: Record<string, { path: string }>; defaultRuntime: string }) {
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
      LoggingDriver: 'k8s-file',
      CgroupDriver: 'cgroupfs',
      CgroupVersion: cg,
      NEventsListener: 0,
      KernelVersion: release(),
      OperatingSystem: os.pretty,
      OSVersion: os.version,
      OSType: 'linux',
      Architecture: arch() === 'x64' ? 'x86_64' : arch(),
      IndexServerAddress: 'https://index.docker.io/v1/',
      RegistryConfig: { AllowNondistributableArtifactsCIDRs: null, AllowNondistributableArtifactsHostnames: null, InsecureRegistryCIDRs: ['127.0.0.0/8'], IndexConfigs: { 'docker.io': { Name: 'docker.io', Mirrors: [], Secure: true, Official: true } }, Mirrors: null },
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
