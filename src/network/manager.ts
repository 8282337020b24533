// NetworkManager: the network service berthd wires in. Networks (the predefined bridge, host and
// none, user-defined bridge, macvlan and ipvlan networks) with Docker's API semantics and texts;
// container endpoints through their life (endpoints.ts); the name table the embedded DNS server
// asks. Kernel state (bridges, veths, iptables rules in per-daemon chains BERTH-<tag>…) survives a
// daemon restart and is reconciled, never flushed; shutdown({ removeAll }) takes all of it away.
import { mkdir } from 'node:fs/promises';
import { BerthError } from '../common/errors.js';
import { Filters, parseFilters } from '../common/filters.js';
import { log } from '../common/log.js';
import { nowRfc3339Nano } from '../common/time.js';
import {
  addNetworkRules, dropNetworkRules, ensureNetworkDevices, removeNetworkDevices, syncNetworkRules, teardownRules, type NetEnv,
} from './bridge.js';
import { OPT, PREDEFINED, planNetwork, randomId } from './create.js';
import { enableEmbeddedDns as enableEmbeddedDnsDefault } from './dns-redirect.js';
import { ContainerEndpoints } from './endpoints.js';
import { DEFAULT_ADDRESS_POOLS, allocatePredefined, predefinedPools, type AddressPoolSpec } from './ipam.js';
import { formatAddr, formatPrefix, masked, mustPrefix, parsePrefix, type Family } from './ipnet.js';
import { Firewall } from './iptables.js';
import { chainsFor } from './iptables-rules.js';
import { NameTable } from './names.js';
import { hostRoutes, ipBatch, linkExists, listLinks, writeSysctl, type LinkInfo } from './netlink.js';
import { filterNetworks, prunable } from './network-filters.js';
import { PortAllocator, ephemeralRange } from './ports.js';
import { NetworkRegistry, driverOf, idOf, isUserDefined, nameOf, type LiveNetwork } from './registry.js';
import { NetworkStore, type StoredNetwork } from './store.js';
import type {
  ContainerNetworkRequest, ContainerNetworkState, EndpointRequest, EndpointSettings, NetworkCreateRequest, NetworkRecord,
} from './types.js';

export interface NetworkManagerOptions {
  /** <data-root>/networks: network records and leases. */
  root: string;
  /** Per-daemon suffix of the iptables chains (BERTH-<tag>, BERTH-<tag>-ISO…). */
  chainTag: string;
  /** The default bridge device ("none": no default bridge network). */
  bridgeName: string;
  /** --bip, e.g. 172.17.0.1/16. */
  bip?: string;
  /** --fixed-cidr: the default bridge's ip-range. */
  fixedCidr?: string;
  defaultAddressPools?: AddressPoolSpec[];
  icc: boolean;
  ipForward: boolean;
  iptables: boolean;
  userlandProxy: false;
  /** --ip: the default host address of published ports. */
  defaultBindIp?: string;
  /** Replaces the embedded DNS redirect (tests). */
  enableEmbeddedDns?: (pid: number, targets: Array<{ gateway: string; containerIp: string }>) => Promise<void>;
}

const asFilters = (f: string | Filters | undefined): Filters => (f instanceof Filters ? f : parseFilters(f));

export interface EndpointResource { Name: string; EndpointID: string; MacAddress: string; IPv4Address: string; IPv6Address: string }

export class NetworkManager {
  private readonly store: NetworkStore;
  private readonly registry = new NetworkRegistry();
  private readonly names = new NameTable();
  private readonly env: NetEnv & ConstructorParameters<typeof ContainerEndpoints>[0];
  private readonly endpoints: ContainerEndpoints;
  private readonly gatewayListeners = new Set<(gateways: string[]) => void>();
  private readonly pools4;
  private readonly pools6;

  constructor(private readonly opts: NetworkManagerOptions) {
    this.store = new NetworkStore(opts.root);
    const pools = opts.defaultAddressPools?.length ? opts.defaultAddressPools : DEFAULT_ADDRESS_POOLS;
    this.pools4 = predefinedPools(pools, 4);
    this.pools6 = predefinedPools(pools, 6);
    this.env = {
      registry: this.registry,
      fw: { 4: new Firewall(4), 6: new Firewall(6) },
      chains: chainsFor(opts.chainTag),
      iptables: opts.iptables,
      defaults: { icc: true, hostBinding: opts.defaultBindIp ?? '0.0.0.0' },
      store: this.store,
      names: this.names,
      ports: new PortAllocator(ephemeralRange()),
      enableEmbeddedDns: opts.enableEmbeddedDns ?? enableEmbeddedDnsDefault,
    };
    this.endpoints = new ContainerEndpoints(this.env);
  }

  // ---- start-up ----------------------------------------------------------------------------

  /** Loads records, ensures the predefined networks, devices and network rules, takes back the leases. */
  async init(): Promise<void> {
    await mkdir(this.opts.root, { recursive: true });
    for (const s of await this.store.loadNetworks()) if (s.record?.Id) this.registry.add(s);
    const links = await listLinks();
    await this.ensurePredefined(links);
    await ensureNetworkDevices(this.env, this.registry.all(), links);
    await syncNetworkRules(this.env, this.familiesInUse());
    if (this.opts.ipForward) this.enableForwarding();
    this.endpoints.load(await this.store.loadContainers());
    this.emitGateways();
  }

  private familiesInUse(): Family[] {
    return this.registry.all().some((n) => n.stored.v6) ? [4, 6] : [4];
  }

  private enableForwarding(): void {
    try {
      writeSysctl('net.ipv4.ip_forward', '1');
      if (this.registry.all().some((n) => n.stored.v6)) writeSysctl('net.ipv6.conf.all.forwarding', '1');
    } catch (e) {
      log.warn('cannot enable IP forwarding', { error: String(e) });
    }
  }

  private predefinedRecord(name: string, driver: string, id: string, extra: Partial<NetworkRecord> = {}): NetworkRecord {
    return {
      Name: name, Id: id, Created: nowRfc3339Nano(), Scope: 'local', Driver: driver, EnableIPv4: driver === 'bridge', EnableIPv6: false,
      IPAM: { Driver: 'default', Options: null, Config: [] }, Internal: false, Attachable: false, Ingress: false,
      ConfigFrom: { Network: '' }, ConfigOnly: false, Options: {}, Labels: {}, ...extra,
    };
  }

  private async ensurePredefined(links: LinkInfo[]): Promise<void> {
    const byName = (name: string) => this.registry.all().find((n) => nameOf(n) === name);
    for (const [name, driver] of [['host', 'host'], ['none', 'null']] as const) {
      if (byName(name)) continue;
      const s: StoredNetwork = { record: this.predefinedRecord(name, driver, randomId()) };
      await this.store.saveNetwork(s);
      this.registry.add(s);
    }
    const existing = byName('bridge');
    if (this.opts.bridgeName === 'none') {
      if (existing) { this.registry.delete(idOf(existing)); await this.store.deleteNetwork(idOf(existing)); }
      return;
    }
    const v4 = this.defaultBridgeConfig(existing, links);
    const options: Record<string, string> = {
      [OPT.defaultBridge]: 'true', [OPT.icc]: String(this.opts.icc), [OPT.masquerade]: 'true',
      [OPT.hostBinding]: this.opts.defaultBindIp ?? '0.0.0.0', [OPT.bridgeName]: this.opts.bridgeName, [OPT.mtu]: '1500',
    };
    const record = this.predefinedRecord('bridge', 'bridge', existing ? idOf(existing) : randomId(), {
      ...(existing ? { Created: existing.stored.record.Created } : {}),
      IPAM: { Driver: 'default', Options: null, Config: [{ Subnet: v4.subnet, ...(v4.ipRange ? { IPRange: v4.ipRange } : {}), Gateway: v4.gateway }] },
      Options: options,
    });
    const s: StoredNetwork = { record, v4, bridge: this.opts.bridgeName };
    if (JSON.stringify(existing?.stored) !== JSON.stringify(s)) await this.store.saveNetwork(s);
    this.registry.add(s);
  }

  /** --bip; else the existing record; else the device's own address; else the first free pool, as Docker picks it. */
  private defaultBridgeConfig(existing: LiveNetwork | undefined, links: LinkInfo[]): NonNullable<StoredNetwork['v4']> {
    const ipRange = this.opts.fixedCidr ? formatPrefix(masked(mustPrefix(this.opts.fixedCidr))) : undefined;
    const withRange = (c: { subnet: string; gateway: string }) => ({ subnet: c.subnet, gateway: c.gateway, ...(ipRange ? { ipRange } : {}), aux: [] });
    if (this.opts.bip) {
      const p = parsePrefix(this.opts.bip);
      if (!p || p.addr.family !== 4) throw new BerthError('InvalidParameter', `invalid --bip: ${this.opts.bip}`);
      return withRange({ subnet: formatPrefix(masked(p)), gateway: formatAddr(p.addr) });
    }
    if (existing?.stored.v4 && existing.stored.bridge === this.opts.bridgeName) return withRange(existing.stored.v4);
    const own = links.find((l) => l.name === this.opts.bridgeName)?.addrs.map(parsePrefix).find((p) => p?.addr.family === 4);
    if (own) return withRange({ subnet: formatPrefix(masked(own)), gateway: formatAddr(own.addr) });
    const used = [
      ...this.registry.all().filter((n) => nameOf(n) !== 'bridge').flatMap((n) => (n.stored.v4 ? [mustPrefix(n.stored.v4.subnet)] : [])),
      ...hostRoutes().filter((r) => r.addr.family === 4),
    ];
    const subnet = allocatePredefined(this.pools4, used);
    return withRange({ subnet: formatPrefix(subnet), gateway: formatAddr({ family: 4, n: subnet.addr.n + 1n }) });
  }

  // ---- networks ----------------------------------------------------------------------------

  private inUse = (id: string) => this.endpoints.activeOn(id).length > 0;

  /** GET /networks: `filters` as the query's JSON or parsed. */
  list(filters?: string | Filters): NetworkRecord[] {
    return filterNetworks(this.registry.all().map((n) => structuredClone(n.stored.record)), asFilters(filters), this.inUse);
  }

  /** A network by id, name or unique id prefix; NotFound `network X not found`, Docker's ambiguity errors. */
  get(idOrNamePrefix: string): NetworkRecord {
    return structuredClone(this.registry.find(idOrNamePrefix).stored.record);
  }

  async create(req: NetworkCreateRequest): Promise<{ Id: string; Warning: string }> {
    const s = planNetwork(req, {
      networks: this.registry.all().map((n) => n.stored), hostRoutes: hostRoutes(),
      pools4: this.pools4, pools6: this.pools6, created: nowRfc3339Nano(),
    });
    if (s.parent && !s.createdParent && !linkExists(s.parent)) {
      throw new BerthError('InvalidParameter', `-o parent interface was not found on the host: ${s.parent}`);
    }
    const n = this.registry.add(s);
    try {
      await this.store.saveNetwork(s);
      const links = s.bridge && linkExists(s.bridge) ? await listLinks() : [];
      await ensureNetworkDevices(this.env, [n], links);
      await addNetworkRules(this.env, n);
    } catch (e) {
      this.registry.delete(s.record.Id);
      await this.store.deleteNetwork(s.record.Id);
      await dropNetworkRules(this.env, n).catch(() => undefined);
      await removeNetworkDevices(n).catch(() => undefined);
      throw e;
    }
    if (s.v6 && this.opts.ipForward) this.enableForwarding();
    if (driverOf(n) === 'bridge') this.emitGateways();
    return { Id: s.record.Id, Warning: '' };
  }

  async remove(idOrName: string): Promise<void> {
    const n = this.registry.find(idOrName);
    const name = nameOf(n);
    if (PREDEFINED.has(name)) throw new BerthError('Forbidden', `${name} is a pre-defined network and cannot be removed`);
    const active = this.endpoints.activeOn(idOf(n));
    if (active.length) {
      const eps = active.map((a) => `name:${JSON.stringify(a.name)} id:${JSON.stringify(a.ep.endpointId.slice(0, 12))}`).join(', ');
      throw new BerthError('Forbidden', `error while removing network: network ${name} has active endpoints (${eps})`);
    }
    this.registry.delete(idOf(n));
    if (driverOf(n) === 'bridge') this.emitGateways();
    await dropNetworkRules(this.env, n);
    await removeNetworkDevices(n);
    await this.store.deleteNetwork(idOf(n));
  }

  /** Removes unused custom networks; returns their names. */
  async prune(filters?: string | Filters): Promise<string[]> {
    const out: string[] = [];
    for (const r of prunable(this.registry.all().map((n) => n.stored.record), asFilters(filters), this.inUse)) {
      try { await this.remove(r.Id); out.push(r.Name); } catch (e) { log.warn('network prune skipped a network', { network: r.Name, error: String(e) }); }
    }
    return out;
  }

  /** network inspect's Containers. */
  endpointsOf(networkId: string): Record<string, EndpointResource> {
    const out: Record<string, EndpointResource> = {};
    for (const { containerId, name, ep } of this.endpoints.activeOn(networkId)) {
      out[containerId] = {
        Name: name, EndpointID: ep.endpointId, MacAddress: ep.mac,
        IPv4Address: ep.ipv4 ? `${ep.ipv4}/${ep.prefixLen}` : '', IPv6Address: ep.ipv6 ? `${ep.ipv6}/${ep.prefixLen6}` : '',
      };
    }
    return out;
  }

  // ---- containers --------------------------------------------------------------------------

  /** Docker's create-time checks of NetworkingConfig (unknown networks, static addresses, aliases, MAC). */
  validateEndpoints(endpoints: Record<string, EndpointRequest>): void { this.endpoints.validate(endpoints); }

  prepare(req: ContainerNetworkRequest): Promise<ContainerNetworkState> { return this.endpoints.prepare(req); }
  plumb(containerId: string, pid: number): Promise<void> { return this.endpoints.plumb(containerId, pid); }
  release(containerId: string): Promise<void> { return this.endpoints.release(containerId); }

  connect(
    containerId: string, networkIdOrName: string, req: EndpointRequest, running: { pid: number } | undefined,
    info: { name: string; hostname: string },
  ): Promise<EndpointSettings> {
    return this.endpoints.connect(containerId, networkIdOrName, req, running, info);
  }

  disconnect(containerId: string, networkIdOrName: string, force: boolean): Promise<void> {
    return this.endpoints.disconnect(containerId, networkIdOrName, force);
  }

  restore(containerId: string, state: ContainerNetworkState, running: boolean, pid?: number): Promise<void> {
    return this.endpoints.restore(containerId, state, running, pid);
  }

  reconcile(): Promise<void> { return this.endpoints.reconcile(this.familiesInUse()); }

  // ---- embedded DNS ------------------------------------------------------------------------

  resolveName(clientIp: string, name: string): { ipv4: string[]; ipv6: string[] } | undefined {
    return this.names.resolveName(clientIp, name);
  }

  resolveAddr(clientIp: string, ip: string): string | undefined { return this.names.resolveAddr(clientIp, ip); }

  /** Only our containers may query: the gateways are reachable from wherever routes lead to them. */
  acceptsClient(clientIp: string): boolean { return this.names.knows(clientIp); }

  /** The client's own --dns servers, if it set any. */
  upstreamsFor(clientIp: string): string[] | undefined {
    const dns = this.endpoints.dnsSettings(clientIp)?.dns;
    return dns?.length ? dns : undefined;
  }

  ndotsSet(clientIp: string): boolean {
    return (this.endpoints.dnsSettings(clientIp)?.dnsOptions ?? []).some((o) => o.startsWith('ndots:'));
  }

  /** What `host-gateway` in --add-host stands for: the default bridge's address, as moby's HostGatewayIP. */
  hostGateway(): string | undefined {
    return this.registry.all().find((n) => nameOf(n) === 'bridge')?.stored.v4?.gateway;
  }

  /** Gateway addresses of the user-defined bridge networks: where the DNS server listens. */
  gateways(): string[] {
    return this.registry.all().filter((n) => driverOf(n) === 'bridge' && isUserDefined(n) && n.stored.v4).map((n) => n.stored.v4!.gateway);
  }

  /** Called with the new list whenever it changes (and once at init); returns an unsubscribe function. */
  onGatewaysChanged(cb: (gateways: string[]) => void): () => void {
    this.gatewayListeners.add(cb);
    return () => this.gatewayListeners.delete(cb);
  }

  private emitGateways(): void {
    const g = this.gateways();
    for (const cb of this.gatewayListeners) {
      try { cb(g); } catch (e) { log.warn('gateway listener failed', { error: String(e) }); }
    }
  }

  // ---- shutdown ----------------------------------------------------------------------------

  /**
   * Without removeAll nothing changes: rules, bridges and veths stay for the running containers
   * and the next daemon. With removeAll every device and rule of this daemon goes (tests, teardown).
   */
  async shutdown(o: { removeAll?: boolean } = {}): Promise<void> {
    this.gatewayListeners.clear();
    if (!o.removeAll) return;
    const bridges = new Set(this.registry.all().map((n) => n.stored.bridge).filter((b): b is string => !!b));
    const parents = this.registry.all().filter((n) => n.stored.createdParent).map((n) => n.stored.parent!);
    const links = await listLinks();
    const lines = [
      ...links.filter((l) => l.kind === 'veth' && l.master && bridges.has(l.master)).map((l) => `link del ${l.name}`),
      ...[...bridges, ...parents].filter((b) => links.some((l) => l.name === b)).map((b) => `link del ${b}`),
    ];
    await ipBatch(lines);
    await teardownRules(this.env);
  }
}
