// A container's endpoints through its life: addresses, MACs and host ports taken before its
// process exists (prepare), interfaces, routes, NAT and the DNS redirect wired between `runc create`
// and `runc start` (plumb), live connect/disconnect, and everything given back when it stops
// (release). Leases are persisted per container; a restarted daemon takes back those of running
// containers (restore) and clears the rest (reconcile).
import { randomBytes } from 'node:crypto';
import { BerthError, errorMessage } from '../common/errors.js';
import { log } from '../common/log.js';
import type { NetEnv } from './bridge.js';
import { OPT } from './create.js';
import { containerIfaceLines, hostVethName } from './devices.js';
import { dnsNamesOf, parseLink, settingsOf, stoppedSettings, validateEndpoint } from './endpoint-view.js';
import { ERR_NO_AVAILABLE_IPS } from './ipam.js';
import { formatAddr, parseAddr, type Family } from './ipnet.js';
import { deleteOwned, mergeBatches, ownerOfContainer } from './iptables-rules.js';
import { macFromIPv4, parseMac, randomMac } from './mac.js';
import type { NameTable } from './names.js';
import { ipBatch, linkExists, listLinks } from './netlink.js';
import { applyPortRules, portBatches, removePortRules } from './port-rules.js';
import { hostLines, ifaceOf, routeLines } from './wiring.js';
import { bindingRequests, portMapOf, type PortAllocator, type PortMapping } from './ports.js';
import { allocateHostPorts, releaseHostPorts } from './publish.js';
import { driverOf, hasAddresses, idOf, isUserDefined, nameOf, type LiveNetwork } from './registry.js';
import type { NetworkStore, StoredContainer, StoredEndpoint } from './store.js';
import type { ContainerNetworkRequest, ContainerNetworkState, EndpointRequest, EndpointSettings } from './types.js';

export interface EndpointsEnv extends NetEnv {
  store: NetworkStore;
  names: NameTable;
  ports: PortAllocator;
  enableEmbeddedDns(pid: number, targets: Array<{ gateway: string; containerIp: string }>): Promise<void>;
}

interface LiveContainer {
  s: StoredContainer;
  /** Port rules being applied since prepare (overlapping `runc create`); plumb waits for them. */
  pending?: Promise<void>;
  /** Started in this daemon's life or restored; reconcile() releases the others. */
  claimed: boolean;
  pid?: number;
  dns?: string[];
  dnsOptions?: string[];
}

export const SETUP_NETWORKING = 'failed to set up container networking';

const wrap = (prefix: string, e: unknown) =>
  e instanceof BerthError ? new BerthError(e.code, `${prefix}: ${e.message}`) : new BerthError('SystemError', `${prefix}: ${errorMessage(e)}`);

export class ContainerEndpoints {
  readonly containers = new Map<string, LiveContainer>();

  constructor(private readonly env: EndpointsEnv) {}

  private net(id: string): LiveNetwork | undefined { return this.env.registry.byId(id); }

  // ---- leases ------------------------------------------------------------------------------

  /** At daemon start: every persisted lease, port and name is held again until restore/reconcile decide. */
  load(stored: StoredContainer[]): void {
    for (const s of stored) {
      for (const ep of s.endpoints) this.retake(ep);
      for (const m of s.mappings) this.env.ports.take(m.proto, m.hostIp, m.hostPort);
      this.containers.set(s.containerId, { s, claimed: false });
      this.register(s);
    }
  }

  private retake(ep: StoredEndpoint): void {
    const n = this.net(ep.networkId);
    for (const [ip, family] of [[ep.ipv4, 4], [ep.ipv6, 6]] as const) {
      const pool = n && (family === 4 ? n.v4 : n.v6);
      const a = ip ? parseAddr(ip) : undefined;
      if (pool && a) try { pool.allocate(a); } catch { /* held twice in the records: keep one */ }
    }
  }

  private register(s: StoredContainer): void {
    for (const ep of s.endpoints) {
      const n = this.net(ep.networkId);
      if (!n || !isUserDefined(n) || !ep.dnsNames.length) continue;
      this.env.names.add({ containerId: s.containerId, networkId: ep.networkId, networkName: nameOf(n), dnsNames: ep.dnsNames, ipv4: ep.ipv4, ipv6: ep.ipv6, links: ep.links });
    }
  }

  private giveBack(ep: StoredEndpoint, containerId: string): void {
    const n = this.net(ep.networkId);
    for (const [ip, family] of [[ep.ipv4, 4], [ep.ipv6, 6]] as const) {
      const pool = n && (family === 4 ? n.v4 : n.v6);
      const a = ip ? parseAddr(ip) : undefined;
      if (pool && a) pool.release(a.n);
    }
    this.env.names.remove(containerId, ep.networkId);
  }

  private allocateEndpoint(s: StoredContainer, n: LiveNetwork, req: EndpointRequest, ifname: string): StoredEndpoint {
    const ep: StoredEndpoint = {
      networkId: idOf(n), networkName: nameOf(n), driver: driverOf(n), endpointId: randomBytes(32).toString('hex'), ifname,
      prefixLen: 0, gateway: '', prefixLen6: 0, gateway6: '', mac: '', aliases: req.Aliases ?? [], dnsNames: [], links: req.Links ?? [], request: req,
    };
    if (!hasAddresses(n)) return ep;
    const ipam = req.IPAMConfig ?? {};
    const taken: Array<[Family, bigint]> = [];
    try {
      for (const family of [4, 6] as const) {
        const pool = family === 4 ? n.v4 : n.v6;
        const cfg = family === 4 ? n.stored.v4 : n.stored.v6;
        if (!pool || !cfg) continue;
        const want = family === 4 ? ipam.IPv4Address : ipam.IPv6Address;
        let ip: bigint;
        try {
          ip = pool.allocate(want ? parseAddr(want) : undefined);
        } catch (e) {
          if (e instanceof BerthError && e.message === ERR_NO_AVAILABLE_IPS) {
            throw new BerthError('Unavailable', `no available IPv${family} addresses on this network's address pools: ${nameOf(n)} (${idOf(n).slice(0, 12)})`);
          }
          throw e;
        }
        taken.push([family, ip]);
        if (family === 4) Object.assign(ep, { ipv4: formatAddr({ family, n: ip }), prefixLen: pool.subnet.bits, gateway: cfg.gateway });
        else Object.assign(ep, { ipv6: formatAddr({ family, n: ip }), prefixLen6: pool.subnet.bits, gateway6: cfg.gateway });
      }
    } catch (e) {
      for (const [f, ip] of taken) (f === 4 ? n.v4 : n.v6)!.release(ip);
      throw e;
    }
    const v4 = ep.ipv4 ? parseAddr(ep.ipv4)!.n : undefined;
    ep.mac = req.MacAddress ? parseMac(req.MacAddress)! : driverOf(n) === 'ipvlan' ? '' : v4 !== undefined ? macFromIPv4(v4) : randomMac();
    if (driverOf(n) === 'bridge') ep.hostVeth = hostVethName(s.containerId, idOf(n));
    if (isUserDefined(n)) ep.dnsNames = dnsNamesOf({ name: s.name, aliases: ep.aliases, containerId: s.containerId, hostname: s.hostname });
    return ep;
  }

  // ---- views -------------------------------------------------------------------------------

  stateOf(c: LiveContainer): ContainerNetworkState {
    const networks: Record<string, EndpointSettings> = {};
    for (const ep of c.s.endpoints) networks[this.net(ep.networkId) ? nameOf(this.net(ep.networkId)!) : ep.networkName] = settingsOf(ep);
    const userBridge = c.s.endpoints.some((ep) => ep.driver === 'bridge' && this.isUser(ep));
    return {
      networks,
      ports: portMapOf(c.s.exposed, c.s.mappings),
      ips: c.s.endpoints.flatMap((ep) => [ep.ipv4, ep.ipv6].filter((x): x is string => !!x)),
      extraHosts: c.s.extraHosts,
      ...(userBridge ? { nameserver: '127.0.0.11' } : {}),
    };
  }

  private isUser(ep: StoredEndpoint): boolean {
    const n = this.net(ep.networkId);
    return !!n && isUserDefined(n);
  }

  /** The endpoint giving the default route: the first one on a non-internal network with a real parent or a bridge. */
  private gatewayEndpoint(c: LiveContainer): StoredEndpoint | undefined {
    return c.s.endpoints.find((ep) => {
      const n = this.net(ep.networkId);
      return n && hasAddresses(n) && !n.stored.record.Internal && !n.stored.createdParent;
    });
  }

  activeOn(networkId: string): Array<{ containerId: string; name: string; ep: StoredEndpoint }> {
    const out: Array<{ containerId: string; name: string; ep: StoredEndpoint }> = [];
    for (const c of this.containers.values()) {
      for (const ep of c.s.endpoints) if (ep.networkId === networkId) out.push({ containerId: c.s.containerId, name: c.s.name, ep });
    }
    return out;
  }

  dnsSettings(clientIp: string): LiveContainer | undefined {
    for (const c of this.containers.values()) if (c.s.endpoints.some((ep) => ep.ipv4 === clientIp || ep.ipv6 === clientIp)) return c;
    return undefined;
  }

  // ---- prepare -----------------------------------------------------------------------------

  /** Docker's create-time checks of a container's endpoint requests (unknown network, addresses, aliases, MAC). */
  validate(endpoints: Record<string, EndpointRequest>): void {
    const nets = Object.entries(endpoints).map(([k, r]) => [this.env.registry.find(k), r ?? {}] as const);
    const special = nets.filter(([n]) => !hasAddresses(n));
    if (special.length && nets.length > 1) {
      throw new BerthError('InvalidParameter', special.some(([n]) => driverOf(n) === 'null')
        ? 'container cannot be connected to multiple networks with one of the networks in private (none) mode'
        : 'container sharing network namespace with another container or host cannot be connected to any other network');
    }
    for (const [n, r] of nets) validateEndpoint(n, r);
  }

  async prepare(req: ContainerNetworkRequest): Promise<ContainerNetworkState> {
    try {
      return await this.prepareInner(req);
    } catch (e) {
      throw wrap(SETUP_NETWORKING, e);
    }
  }

  private async prepareInner(req: ContainerNetworkRequest): Promise<ContainerNetworkState> {
    if (this.containers.has(req.containerId)) await this.release(req.containerId);
    this.validate(req.endpoints);
    const nets = Object.entries(req.endpoints).map(([k, r]) => [this.env.registry.find(k), r ?? {}] as const);
    const s: StoredContainer = { containerId: req.containerId, name: req.name, hostname: req.hostname, endpoints: [], mappings: [], exposed: [], extraHosts: [] };
    const c: LiveContainer = { s, claimed: true, dns: req.dns, dnsOptions: req.dnsOptions };
    try {
      for (const [i, [n, r]] of nets.entries()) s.endpoints.push(this.allocateEndpoint(s, n, r, `eth${i}`));
      if (nets[0] && !isUserDefined(nets[0][0]) && driverOf(nets[0][0]) === 'bridge') s.extraHosts = this.legacyLinks(req, nets[0][0]);
      await this.publish(c, req);
      await this.env.store.saveContainer(s);
    } catch (e) {
      for (const ep of s.endpoints) this.giveBack(ep, s.containerId);
      releaseHostPorts(this.env.ports, s.mappings);
      throw e;
    }
    this.containers.set(s.containerId, c);
    this.register(s);
    if (s.mappings.length && this.env.iptables) {
      c.pending = applyPortRules(this.env, c.s);
      c.pending.catch(() => undefined); // observed by plumb or release
    }
    return this.stateOf(c);
  }

  /** --link on the default bridge: /etc/hosts entries for running containers there (alias, short id, name). */
  private legacyLinks(req: ContainerNetworkRequest, bridge: LiveNetwork): Array<{ ip: string; names: string[] }> {
    const out: Array<{ ip: string; names: string[] }> = [];
    for (const link of req.links) {
      const { target, alias } = parseLink(link);
      const other = [...this.containers.values()].find((o) => o.s.name === target || o.s.containerId === target || (target.length >= 1 && o.s.containerId.startsWith(target)));
      const ep = other?.s.endpoints.find((e) => e.networkId === idOf(bridge) && e.ipv4);
      if (!other || !ep) throw new BerthError('Conflict', `Cannot link to a non running container: /${target} AS /${req.name}/${alias}`);
      out.push({ ip: ep.ipv4!, names: [...new Set([alias, other.s.containerId.slice(0, 12), other.s.name])] });
    }
    return out;
  }

  /** Host ports on the gateway endpoint (a non-internal bridge network), Docker's texts on conflict. */
  private async publish(c: LiveContainer, req: ContainerNetworkRequest): Promise<void> {
    const gw = this.gatewayEndpoint(c);
    const n = gw && this.net(gw.networkId);
    const usable = gw && n && driverOf(n) === 'bridge';
    const { requests, exposed } = bindingRequests({
      portBindings: req.portBindings, publishAll: req.publishAll, exposedPorts: req.exposedPorts,
      defaultIp: n ? n.stored.record.Options[OPT.hostBinding] || this.env.defaults.hostBinding : '0.0.0.0',
      hasIPv4: !!(usable && gw.ipv4), hasIPv6: !!(usable && gw.ipv6),
    });
    c.s.exposed = exposed;
    if (!usable || requests.length === 0) return;
    try {
      c.s.mappings = await allocateHostPorts(this.env.ports, requests, { v4: gw.ipv4, v6: gw.ipv6 });
    } catch (e) {
      throw wrap(`driver failed programming external connectivity on endpoint ${c.s.name} (${gw.endpointId})`, e);
    }
    c.s.portBridge = n.stored.bridge;
  }

  // ---- plumb -------------------------------------------------------------------------------

  private dnsTargets(c: LiveContainer): Array<{ gateway: string; containerIp: string }> {
    return c.s.endpoints.filter((ep) => ep.driver === 'bridge' && ep.ipv4 && this.isUser(ep)).map((ep) => ({ gateway: ep.gateway, containerIp: ep.ipv4! }));
  }

  /** Interfaces, routes, port rules and the DNS redirect in /proc/<pid>/ns/net: two `ip` processes, plus the rules started at prepare. */
  async plumb(containerId: string, pid: number): Promise<void> {
    const c = this.containers.get(containerId);
    if (!c) throw new BerthError('NotFound', `no network endpoints prepared for container ${containerId}`);
    c.pid = pid;
    const host: string[] = [];
    const inner: string[] = [];
    for (const ep of c.s.endpoints) {
      const n = this.net(ep.networkId);
      if (!n || !hasAddresses(n)) continue;
      host.push(...hostLines(this.env, ep, n, pid));
      const i = ifaceOf(this.env, ep, n);
      inner.push(...containerIfaceLines({ ...i, mtu: driverOf(n) === 'bridge' ? 0 : i.mtu }, inner.length === 0));
    }
    const gw = this.gatewayEndpoint(c);
    if (gw) inner.push(...routeLines(gw, this.net(gw.networkId)!));
    const wire = async () => { await ipBatch(host); await ipBatch(inner, pid); };
    // The DNS redirect's rules need no interface: they are set up alongside.
    const targets = this.dnsTargets(c);
    await Promise.all([wire(), c.pending, targets.length ? this.env.enableEmbeddedDns(pid, targets) : undefined]);
  }

  // ---- release -----------------------------------------------------------------------------

  /** After the container stopped: rules, leftover host devices, leases, ports, names, the record. Idempotent. */
  async release(containerId: string): Promise<void> {
    const c = this.containers.get(containerId);
    if (!c) return;
    this.containers.delete(containerId);
    await c.pending?.catch(() => undefined);
    const problems: string[] = [];
    if (c.s.mappings.length && this.env.iptables) await removePortRules(this.env, c.s).catch((e) => problems.push(errorMessage(e)));
    // The namespace's end takes its veth pair along, but the kernel does that asynchronously: a veth
    // still listed may vanish before `ip` gets to it.
    const dead = c.s.endpoints.map((ep) => ep.hostVeth).filter((v): v is string => !!v && linkExists(v));
    if (dead.length) {
      await ipBatch(dead.map((v) => `link del ${v}`), undefined, { force: true })
        .catch((e) => { if (dead.some(linkExists)) problems.push(errorMessage(e)); });
    }
    for (const ep of c.s.endpoints) this.giveBack(ep, containerId);
    releaseHostPorts(this.env.ports, c.s.mappings);
    this.env.names.removeContainer(containerId);
    await this.env.store.deleteContainer(containerId);
    if (problems.length) log.warn('network release incomplete', { container: containerId, errors: problems.join('; ') });
  }

  // ---- connect / disconnect ----------------------------------------------------------------

  async connect(
    containerId: string, term: string, req: EndpointRequest, running: { pid: number } | undefined,
    info: { name: string; hostname: string },
  ): Promise<EndpointSettings> {
    const n = this.env.registry.find(term);
    if (driverOf(n) === 'host') throw new BerthError('InvalidParameter', 'cannot connect container to host network - container must be created in host network mode');
    if (driverOf(n) === 'null') throw new BerthError('InvalidParameter', 'container cannot be connected to multiple networks with one of the networks in private (none) mode');
    validateEndpoint(n, req);
    if (!running) return stoppedSettings(idOf(n), req);
    let c = this.containers.get(containerId);
    if (c?.s.endpoints.some((ep) => ep.networkId === idOf(n))) {
      throw new BerthError('Forbidden', `endpoint with name ${info.name} already exists in network ${nameOf(n)}`);
    }
    const fresh = !c;
    c ??= { s: { containerId, name: info.name, hostname: info.hostname, endpoints: [], mappings: [], exposed: [], extraHosts: [] }, claimed: true };
    c.pid = running.pid;
    const used = new Set(c.s.endpoints.map((ep) => ep.ifname));
    let idx = 0;
    while (used.has(`eth${idx}`)) idx++;
    const hadGateway = !!this.gatewayEndpoint(c);
    const ep = this.allocateEndpoint(c.s, n, req, `eth${idx}`);
    try {
      const inner = containerIfaceLines({ ...ifaceOf(this.env, ep, n), ...(driverOf(n) === 'bridge' ? { mtu: 0 } : {}) }, fresh);
      c.s.endpoints.push(ep);
      if (!hadGateway && this.gatewayEndpoint(c) === ep) inner.push(...routeLines(ep, n));
      await ipBatch(hostLines(this.env, ep, n, running.pid));
      await ipBatch(inner, running.pid);
      if (fresh) this.containers.set(containerId, c);
      await this.env.store.saveContainer(c.s);
    } catch (e) {
      c.s.endpoints = c.s.endpoints.filter((x) => x !== ep);
      this.giveBack(ep, containerId);
      if (ep.hostVeth && linkExists(ep.hostVeth)) await ipBatch([`link del ${ep.hostVeth}`]).catch(() => undefined);
      throw e;
    }
    this.register({ ...c.s, endpoints: [ep] });
    const targets = this.dnsTargets(c);
    if (targets.length) await this.env.enableEmbeddedDns(running.pid, targets);
    return settingsOf(ep);
  }

  /** Live removal of a running container's endpoint; nothing for a stopped one (its record holds the attachment). */
  async disconnect(containerId: string, term: string, force: boolean): Promise<void> {
    const n = this.env.registry.tryFind(term);
    if (!n) {
      if (force) return;
      this.env.registry.find(term); // Docker's NotFound / ambiguity error
      return;
    }
    if (driverOf(n) === 'host') throw new BerthError('InvalidParameter', 'cannot disconnect container from host network - container was created in host network mode');
    const c = this.containers.get(containerId);
    if (!c) return;
    const ep = c.s.endpoints.find((e) => e.networkId === idOf(n));
    if (!ep) throw new BerthError('SystemError', `container ${containerId} is not connected to network ${nameOf(n)}`);
    if (ep.hostVeth && linkExists(ep.hostVeth)) await ipBatch([`link del ${ep.hostVeth}`]);
    else if (!ep.hostVeth && hasAddresses(n) && c.pid) await ipBatch([`link del ${ep.ifname}`], c.pid).catch(() => undefined);
    const lost: PortMapping[] = c.s.mappings.filter((m) => m.containerIp === ep.ipv4 || m.containerIp === ep.ipv6);
    if (lost.length) {
      if (this.env.iptables) await removePortRules(this.env, { ...c.s, mappings: lost }).catch((e) => log.warn('port rules removal failed', { error: errorMessage(e) }));
      releaseHostPorts(this.env.ports, lost);
      c.s.mappings = c.s.mappings.filter((m) => !lost.includes(m));
    }
    this.giveBack(ep, containerId);
    c.s.endpoints = c.s.endpoints.filter((e) => e !== ep);
    await this.env.store.saveContainer(c.s);
    const targets = this.dnsTargets(c);
    if (targets.length && c.pid && ep.driver === 'bridge' && this.isUser(ep)) {
      await this.env.enableEmbeddedDns(c.pid, targets).catch((e) => log.warn('embedded DNS redirect update failed', { error: errorMessage(e) }));
    }
  }

  // ---- daemon restart ----------------------------------------------------------------------

  async restore(containerId: string, state: ContainerNetworkState, running: boolean, pid?: number): Promise<void> {
    const c = this.containers.get(containerId);
    if (!running) { await this.release(containerId); return; }
    if (c) { c.claimed = true; if (pid) c.pid = pid; return; }
    // No record of ours (lost, or older than it): rebuild the leases from what the container shows.
    const s: StoredContainer = { containerId, name: '', hostname: '', endpoints: [], mappings: [], exposed: Object.keys(state.ports ?? {}), extraHosts: state.extraHosts ?? [] };
    for (const [i, [name, es]] of Object.entries(state.networks ?? {}).entries()) {
      const n = this.env.registry.tryFind(es.NetworkID || name);
      if (!n) continue;
      const ep: StoredEndpoint = {
        networkId: idOf(n), networkName: nameOf(n), driver: driverOf(n), endpointId: es.EndpointID, ifname: `eth${i}`,
        ...(driverOf(n) === 'bridge' ? { hostVeth: hostVethName(containerId, idOf(n)) } : {}),
        ...(es.IPAddress ? { ipv4: es.IPAddress } : {}), prefixLen: es.IPPrefixLen, gateway: es.Gateway,
        ...(es.GlobalIPv6Address ? { ipv6: es.GlobalIPv6Address } : {}), prefixLen6: es.GlobalIPv6PrefixLen, gateway6: es.IPv6Gateway,
        mac: es.MacAddress, aliases: es.Aliases ?? [], dnsNames: es.DNSNames ?? [], links: es.Links ?? [], request: {},
      };
      s.name ||= ep.dnsNames[0] ?? '';
      this.retake(ep);
      s.endpoints.push(ep);
    }
    const gw = s.endpoints.find((ep) => ep.driver === 'bridge');
    for (const [key, bindings] of Object.entries(state.ports ?? {})) {
      const [p, proto = 'tcp'] = key.split('/');
      for (const b of bindings ?? []) {
        const containerIp = (b.HostIp.includes(':') ? gw?.ipv6 : gw?.ipv4) ?? '';
        const m: PortMapping = { proto: proto as PortMapping['proto'], hostIp: b.HostIp, hostPort: Number(b.HostPort), containerIp, containerPort: Number(p) };
        this.env.ports.take(m.proto, m.hostIp, m.hostPort);
        s.mappings.push(m);
      }
    }
    if (gw) s.portBridge = this.net(gw.networkId)?.stored.bridge;
    this.containers.set(containerId, { s, claimed: true, ...(pid ? { pid } : {}) });
    this.register(s);
    await this.env.store.saveContainer(s);
  }

  /**
   * After every restore: endpoints nobody claimed are released; port rules of unknown containers
   * removed and missing ones of live containers added (one iptables-restore per family); host veths
   * on this daemon's bridges that belong to no live endpoint deleted.
   */
  async reconcile(familiesInUse: Family[]): Promise<void> {
    for (const [id, c] of [...this.containers]) if (!c.claimed) await this.release(id);
    if (this.env.iptables) {
      const live = new Set([...this.containers.keys()].map((id) => ownerOfContainer(id)));
      for (const f of familiesInUse) {
        const have = await this.env.fw[f].save();
        const present = new Set(have.rules.nat.map((l) => /--comment "?(berth:c:[0-9a-f]+)/.exec(l)?.[1]).filter(Boolean));
        const stale = deleteOwned(have.rules, (o) => o.startsWith('berth:c:') && !live.has(o));
        const missing = [...this.containers.values()].filter((c) => c.s.mappings.length && !present.has(ownerOfContainer(c.s.containerId)))
          .map((c) => portBatches(this.env, c.s)[f]);
        await this.env.fw[f].apply(mergeBatches(stale, ...missing));
      }
    }
    const bridges = new Set(this.env.registry.all().map((n) => n.stored.bridge).filter(Boolean));
    const expected = new Set([...this.containers.values()].flatMap((c) => c.s.endpoints.map((ep) => ep.hostVeth)).filter(Boolean));
    const orphans = (await listLinks()).filter((l) => l.kind === 'veth' && l.master && bridges.has(l.master) && !expected.has(l.name));
    if (orphans.length) await ipBatch(orphans.map((l) => `link del ${l.name}`)).catch((e) => log.warn('orphan veth removal failed', { error: errorMessage(e) }));
  }
}
