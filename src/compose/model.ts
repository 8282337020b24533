// The normalised compose model: every short syntax turned into its long form, paths absolute,
// defaults filled. A pure data structure (no host or daemon handles), so it can be exported to
// other targets as a pure function of it.

export interface PortConfig {
  name?: string;
  mode: string;
  host_ip?: string;
  target: number;
  published?: string;
  protocol: string;
  app_protocol?: string;
}

export interface ServiceVolume {
  type: 'volume' | 'bind' | 'tmpfs' | 'npipe' | 'image' | 'cluster';
  source?: string;
  target: string;
  read_only?: boolean;
  consistency?: string;
  bind?: { propagation?: string; create_host_path?: boolean; selinux?: string };
  volume?: { nocopy?: boolean; subpath?: string };
  tmpfs?: { size?: number; mode?: number };
}

export type DependsCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface DependsOn {
  condition: DependsCondition;
  required: boolean;
  restart?: boolean;
}

export interface Healthcheck {
  test?: string[];
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
  start_interval?: string;
  disable?: boolean;
}

export interface BuildConfig {
  context: string;
  dockerfile?: string;
  dockerfile_inline?: string;
  args?: Record<string, string | null>;
  target?: string;
  labels?: Record<string, string>;
  network?: string;
  no_cache?: boolean;
  pull?: boolean;
  shm_size?: number | string;
  cache_from?: string[];
  extra_hosts?: string[];
  tags?: string[];
  [k: string]: unknown;
}

export interface ServiceNetwork {
  aliases?: string[];
  ipv4_address?: string;
  ipv6_address?: string;
  priority?: number;
  [k: string]: unknown;
}

export interface EnvFile { path: string; required: boolean; format?: string }

/**
 * A service's use of a secret or config (the long syntax; the short `- name` is `{source: name}`).
 * The target stays as written: where it lands is decided when the container is made.
 */
export interface ServiceFileRef {
  source: string;
  target?: string;
  uid?: string;
  gid?: string;
  mode?: number;
}

/** A top-level secret: from a host file or a variable of the project's environment (no Swarm). */
export interface SecretConfig {
  name: string;
  file?: string;
  environment?: string;
  external?: boolean;
  labels?: Record<string, string>;
  driver?: string;
  driver_opts?: Record<string, string>;
  template_driver?: string;
  [k: string]: unknown;
}

/** A top-level config: a secret that may also be given inline (`content`, interpolated). */
export interface ConfigObjConfig extends SecretConfig {
  content?: string;
}

export interface ServiceConfig {
  name: string;
  image?: string;
  build?: BuildConfig;
  command?: string[] | null;
  entrypoint?: string[] | null;
  environment?: Record<string, string | null>;
  env_file?: EnvFile[];
  ports?: PortConfig[];
  expose?: string[];
  volumes?: ServiceVolume[];
  tmpfs?: string[];
  networks?: Record<string, ServiceNetwork | null>;
  network_mode?: string;
  depends_on?: Record<string, DependsOn>;
  healthcheck?: Healthcheck;
  restart?: string;
  deploy?: {
    replicas?: number;
    resources?: { limits?: { cpus?: string; memory?: number; pids?: number }; reservations?: { cpus?: string; memory?: number } };
    [k: string]: unknown;
  };
  scale?: number;
  labels?: Record<string, string>;
  user?: string;
  working_dir?: string;
  hostname?: string;
  domainname?: string;
  init?: boolean;
  stop_signal?: string;
  stop_grace_period?: string;
  cap_add?: string[];
  cap_drop?: string[];
  extra_hosts?: string[];
  dns?: string[];
  dns_search?: string[];
  profiles?: string[];
  privileged?: boolean;
  read_only?: boolean;
  tty?: boolean;
  stdin_open?: boolean;
  container_name?: string;
  pull_policy?: string;
  platform?: string;
  shm_size?: number;
  mem_limit?: number;
  cpus?: number;
  pids_limit?: number;
  sysctls?: Record<string, string>;
  ulimits?: Record<string, { soft: number; hard: number } | number>;
  logging?: { driver?: string; options?: Record<string, string> };
  security_opt?: string[];
  pid?: string;
  ipc?: string;
  devices?: unknown[];
  links?: string[];
  secrets?: ServiceFileRef[];
  configs?: ServiceFileRef[];
  [k: string]: unknown;
}

export interface NetworkConfig {
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  ipam?: { driver?: string; config?: Array<{ subnet?: string; gateway?: string; ip_range?: string }> };
  external?: boolean;
  internal?: boolean;
  enable_ipv6?: boolean;
  attachable?: boolean;
  labels?: Record<string, string>;
}

export interface VolumeConfig {
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  external?: boolean;
  labels?: Record<string, string>;
}

export interface Project {
  name: string;
  workingDir: string;
  configFiles: string[];
  /** The variables interpolation used (process env over .env), for `run -e X` lookups. */
  environment: Record<string, string>;
  services: Record<string, ServiceConfig>;
  /** Services left out by profiles (kept for `down`/orphan detection). */
  disabled: Record<string, ServiceConfig>;
  networks: Record<string, NetworkConfig>;
  volumes: Record<string, VolumeConfig>;
  secrets?: Record<string, SecretConfig>;
  configs?: Record<string, ConfigObjConfig>;
}
