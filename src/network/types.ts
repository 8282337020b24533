// The network module's contract with the rest of the engine: Docker's API shapes for networks and
// endpoints, and what a container start/stop asks of the networks it joins.

/** GET /networks/{id} (API 1.47 network.Inspect), without Containers (added by the API layer). */
export interface NetworkRecord {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: string; // bridge | macvlan | ipvlan | host | null
  /** API ≥ 1.47 (added by the network module). */
  EnableIPv4?: boolean;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: IpamConfig[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

export interface IpamConfig { Subnet?: string; IPRange?: string; Gateway?: string; AuxiliaryAddresses?: Record<string, string> }

/** POST /networks/create body (network.CreateRequest). */
export interface NetworkCreateRequest {
  Name: string;
  Driver?: string;
  Scope?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  /** API ≥ 1.47 (added by the network module); only true is supported. */
  EnableIPv4?: boolean | null;
  EnableIPv6?: boolean | null;
  IPAM?: { Driver?: string; Config?: IpamConfig[] | null; Options?: Record<string, string> | null } | null;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
  ConfigOnly?: boolean;
  ConfigFrom?: { Network: string } | null;
}

/** network.EndpointSettings as container inspect shows it. */
export interface EndpointSettings {
  IPAMConfig: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } | null;
  Links: string[] | null;
  Aliases: string[] | null;
  MacAddress: string;
  DriverOpts: Record<string, string> | null;
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  DNSNames: string[] | null;
}

/** What a container asks for on one network (NetworkingConfig.EndpointsConfig[name]). */
export interface EndpointRequest {
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string } | null;
  Aliases?: string[] | null;
  Links?: string[] | null;
  MacAddress?: string;
  DriverOpts?: Record<string, string> | null;
}

export interface PortBinding { HostIp: string; HostPort: string }
/** "80/tcp" → bindings (null: exposed, not published). */
export type PortMap = Record<string, PortBinding[] | null>;

/** A container joining its networks at start. */
export interface ContainerNetworkRequest {
  containerId: string;
  /** The container's name without the leading '/'. */
  name: string;
  hostname: string;
  /** The running container's init pid: its network namespace is /proc/<pid>/ns/net. */
  pid: number;
  /** Network name or id → what the container asked for (from NetworkingConfig + HostConfig.NetworkMode). */
  endpoints: Record<string, EndpointRequest>;
  /** HostConfig.PortBindings and PublishAllPorts with Config.ExposedPorts. */
  portBindings: Record<string, Array<{ HostIp?: string; HostPort?: string }>> | null;
  publishAll: boolean;
  exposedPorts: string[];
  /** --link name:alias on the default bridge. */
  links: string[];
  /** HostConfig.Dns / DnsOptions (added by the network module): the embedded DNS server forwards to the
   *  container's --dns servers and honours its ndots option, as Docker's resolver does. */
  dns?: string[];
  dnsOptions?: string[];
}

/** What the container records and shows after joining. */
export interface ContainerNetworkState {
  networks: Record<string, EndpointSettings>;
  ports: PortMap;
  /** For /etc/hosts: the container's own addresses, and link entries (ip → names). */
  ips: string[];
  extraHosts: Array<{ ip: string; names: string[] }>;
  /** For resolv.conf: 127.0.0.11 when on a user-defined network (embedded DNS), else undefined. */
  nameserver?: string;
}
