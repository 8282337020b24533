// The image config as OCI image-spec and Docker write it (fields berth reads or writes).

export interface ContainerConfig {
  Hostname?: string;
  Domainname?: string;
  User?: string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ExposedPorts?: Record<string, object> | null;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; StartInterval?: number; Retries?: number };
  ArgsEscaped?: boolean;
  Image?: string;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Entrypoint?: string[] | null;
  NetworkDisabled?: boolean;
  MacAddress?: string;
  OnBuild?: string[] | null;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  StopTimeout?: number;
  Shell?: string[];
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  author?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
  // Docker-specific fields kept as they come.
  container?: string;
  container_config?: ContainerConfig;
  docker_version?: string;
  comment?: string;
  parent?: string;
  [k: string]: unknown;
}

/** What the store keeps per image beside the config blob. */
export interface ImageRecord {
  id: string;               // sha256:<config digest>
  parent?: string;          // the image this one was built on (builder, commit)
  lastTagTime?: string;
  addedAt: string;          // when this engine first stored it
}

export function hostArchitecture(): string {
  switch (process.arch) {
    case 'x64': return 'amd64';
    case 'ia32': return '386';
    case 'arm64': return 'arm64';
    case 'arm': return 'arm';
    case 's390x': return 's390x';
    case 'ppc64': return 'ppc64le';
    default: return process.arch;
  }
}
