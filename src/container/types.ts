// The container record as berth persists it, and Docker's HostConfig (the fields berth reads).
// Config and HostConfig are kept in Docker's own shapes so inspect can return them as they are.
import type { ContainerConfig } from '../image/types.js';
import type { ContainerNetworkState, EndpointRequest } from '../network/types.js';
import type { MountPointRecord } from './mounts.js';
import type { Resources } from '../runtime/spec.js';

export type { Resources };

export interface Ulimit { Name: string; Soft: number; Hard: number }
export interface RestartPolicy { Name: '' | 'no' | 'always' | 'unless-stopped' | 'on-failure'; MaximumRetryCount?: number }
export interface LogConfig { Type: string; Config: Record<string, string> }


export interface HostConfig extends Resources {
  Binds?: string[] | null;
  ContainerIDFile?: string;
  LogConfig?: LogConfig;
  NetworkMode?: string;
  PortBindings?: Record<string, Array<{ HostIp?: string; HostPort?: string }>> | null;
  RestartPolicy?: RestartPolicy;
  AutoRemove?: boolean;
  VolumeDriver?: string;
  VolumesFrom?: string[] | null;
  CapAdd?: string[] | null;
  CapDrop?: string[] | null;
  CgroupnsMode?: string;
  Dns?: string[] | null;
  DnsOptions?: string[] | null;
  DnsSearch?: string[] | null;
  ExtraHosts?: string[] | null;
  GroupAdd?: string[] | null;
  IpcMode?: string;
  Cgroup?: string;
  Links?: string[] | null;
  OomScoreAdj?: number;
  PidMode?: string;
  Privileged?: boolean;
  PublishAllPorts?: boolean;
  ReadonlyRootfs?: boolean;
  SecurityOpt?: string[] | null;
  StorageOpt?: Record<string, string> | null;
  Tmpfs?: Record<string, string> | null;
  UTSMode?: string;
  UsernsMode?: string;
  ShmSize?: number;
  Sysctls?: Record<string, string> | null;
  Runtime?: string;
  Isolation?: string;
  Init?: boolean | null;
  // The rest of moby's Resources that berth applies outside the cgroup limits.
  CgroupParent?: string;
  Devices?: Array<{ PathOnHost: string; PathInContainer: string; CgroupPermissions: string }> | null;
  Ulimits?: Ulimit[] | null;
  MaskedPaths?: string[] | null;
  ReadonlyPaths?: string[] | null;
  Mounts?: unknown[] | null;
  ConsoleSize?: [number, number];
  [k: string]: unknown;
}

/** One probe's result, as State.Health.Log keeps the last five. */
export interface HealthResult { Start: string; End: string; ExitCode: number; Output: string }
export interface HealthRecord { Status: 'starting' | 'healthy' | 'unhealthy'; FailingStreak: number; Log: HealthResult[] }

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerState {
  Status: ContainerStatus;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;   // RFC3339Nano; Docker's zero time "0001-01-01T00:00:00Z" when never
  FinishedAt: string;
  /** Present while (and after) a container with a healthcheck runs. */
  Health?: HealthRecord;
}

/** What berthd keeps of the monitor for one run of the container, to re-attach after a restart. */
export interface MonitorInfo {
  conmonPid: number;
  /** Field 22 of /proc/<pid>/stat at spawn, to tell the process from a reused pid. */
  conmonStartTime: string;
  containerPid: number;
}

export interface ContainerRecord {
  Id: string;                 // 64 hex
  Name: string;               // with the leading "/"
  Created: string;            // RFC3339Nano
  Path: string;
  Args: string[];
  Config: ContainerConfig;
  HostConfig: HostConfig;
  Image: string;              // sha256:<hex> of the image
  ImageRef: string;           // the reference as given, for ps ("busybox")
  State: ContainerState;
  RestartCount: number;
  /** The chain ids of the image's layers, top first (the overlay lowerdirs). */
  Layers: string[];
  MountLabel: string;
  ProcessLabel: string;
  AppArmorProfile: string;
  /** The monitor of the current or last run; absent before the first start. */
  Monitor?: MonitorInfo;
  /** Set by `stop`/`kill` from the user, so restart policies don't undo it (issue 6). */
  HasBeenManuallyStopped?: boolean;
  /** True between a create request and its completion: a record found so at start is removed. */
  Creating?: boolean;
  /**
   * The networks the container joins (what it asked for, by network name) and, while it runs,
   * the endpoints and published ports it got; kept as Docker keeps them in config.v2.json.
   */
  NetworkSettings?: ContainerNetworkState & { requested: Record<string, EndpointRequest> };
  /** Volumes, binds and tmpfs mounts, resolved at create (moby's MountPoints). */
  MountPoints?: MountPointRecord[];
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';
