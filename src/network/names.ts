// What the embedded DNS server answers: a container on user-defined networks resolves the names,
// aliases and short ids of the containers it shares a network with (all addresses of a shared
// alias, for round-robin), `<name>.<network>`, and its own legacy link aliases; PTR queries give
// `<name>.<network>`. The asking container is known by its source address.

export interface NameEndpoint {
  containerId: string;
  networkId: string;
  networkName: string;
  /** DNSNames: name, aliases, short id, hostname (deduplicated; the first is the PTR name). */
  dnsNames: string[];
  ipv4?: string;
  ipv6?: string;
  /** "target:alias" legacy links, resolvable only by this endpoint's container. */
  links: string[];
}

const norm = (s: string) => s.toLowerCase().replace(/\.$/, '');

export class NameTable {
  private readonly byContainer = new Map<string, NameEndpoint[]>();
  private readonly byIp = new Map<string, string>(); // address → container id
  private readonly byNetwork = new Map<string, Map<string, NameEndpoint[]>>(); // network → name → endpoints

  add(ep: NameEndpoint): void {
    this.remove(ep.containerId, ep.networkId);
    const list = this.byContainer.get(ep.containerId) ?? [];
    list.push(ep);
    this.byContainer.set(ep.containerId, list);
    if (ep.ipv4) this.byIp.set(ep.ipv4, ep.containerId);
    if (ep.ipv6) this.byIp.set(ep.ipv6, ep.containerId);
    let names = this.byNetwork.get(ep.networkId);
    if (!names) this.byNetwork.set(ep.networkId, (names = new Map()));
    for (const n of new Set(ep.dnsNames.map(norm))) {
      const eps = names.get(n) ?? [];
      eps.push(ep);
      names.set(n, eps);
    }
  }

  remove(containerId: string, networkId: string): void {
    const list = this.byContainer.get(containerId);
    const ep = list?.find((e) => e.networkId === networkId);
    if (!list || !ep) return;
    list.splice(list.indexOf(ep), 1);
    if (list.length === 0) this.byContainer.delete(containerId);
    for (const ip of [ep.ipv4, ep.ipv6]) if (ip && this.byIp.get(ip) === containerId) this.byIp.delete(ip);
    const names = this.byNetwork.get(networkId);
    for (const n of new Set(ep.dnsNames.map(norm))) {
      const eps = names?.get(n)?.filter((e) => e !== ep);
      if (eps?.length) names!.set(n, eps);
      else names?.delete(n);
    }
    if (names?.size === 0) this.byNetwork.delete(networkId);
  }

  removeContainer(containerId: string): void {
    for (const ep of [...(this.byContainer.get(containerId) ?? [])]) this.remove(containerId, ep.networkId);
  }

  private lookup(networkId: string, name: string): NameEndpoint[] | undefined {
    return this.byNetwork.get(networkId)?.get(name);
  }

  /** Whether the address is one of our containers' (the DNS server answers nobody else). */
  knows(ip: string): boolean {
    return this.byIp.has(ip);
  }

  resolveName(clientIp: string, qname: string): { ipv4: string[]; ipv6: string[] } | undefined {
    const cid = this.byIp.get(clientIp);
    if (!cid) return undefined;
    const name = norm(qname);
    for (const ep of this.byContainer.get(cid) ?? []) {
      const candidates = [name];
      const suffix = `.${ep.networkName.toLowerCase()}`;
      if (name.endsWith(suffix)) candidates.push(name.slice(0, -suffix.length));
      for (const link of ep.links) {
        const i = link.lastIndexOf(':');
        const [target, alias] = i < 0 ? [link, link] : [link.slice(0, i), link.slice(i + 1)];
        if (norm(alias) === name) candidates.push(norm(target));
      }
      for (const c of candidates) {
        const hits = this.lookup(ep.networkId, c);
        if (hits?.length) {
          return {
            ipv4: hits.map((h) => h.ipv4).filter((x): x is string => !!x),
            ipv6: hits.map((h) => h.ipv6).filter((x): x is string => !!x),
          };
        }
      }
    }
    return undefined;
  }

  resolveAddr(clientIp: string, ip: string): string | undefined {
    const cid = this.byIp.get(clientIp);
    const target = this.byIp.get(ip);
    if (!cid || !target) return undefined;
    const mine = new Set((this.byContainer.get(cid) ?? []).map((e) => e.networkId));
    const ep = (this.byContainer.get(target) ?? []).find((e) => mine.has(e.networkId) && (e.ipv4 === ip || e.ipv6 === ip));
    return ep && ep.dnsNames.length ? `${ep.dnsNames[0]}.${ep.networkName}` : undefined;
  }
}
