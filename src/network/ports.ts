// Port publishing: the container's PortBindings/ExposedPorts/-P turned into host bindings (as
// moby's buildSandboxOptions + the bridge driver's port mapper), host port allocation (the
// portallocator: explicit ports, ranges, ephemeral ports from ip_local_port_range), conflict checks
// against a host process (a bind that is closed at once: no socket is kept per port) and the
// coalescing of consecutive ports into one rule.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { BerthError } from '../common/errors.js';
import { parseAddr } from './ipnet.js';
import type { PortMap } from './types.js';

export type Proto = 'tcp' | 'udp' | 'sctp';

/**
 * One host binding asked for, on one or more host addresses that get the same port (0.0.0.0 and ::
 * for an empty HostIp): hostPort 0 = ephemeral; hostPortEnd > hostPort = "any port of the range".
 */
export interface BindingRequest { proto: Proto; containerPort: number; hostIps: string[]; hostPort: number; hostPortEnd: number }

/** A host port actually mapped to a container address. */
export interface PortMapping { proto: Proto; hostIp: string; hostPort: number; containerIp: string; containerPort: number }

/** Several consecutive mappings as one rule: host [hostPort, hostPortEnd] → container [containerPort, …]. */
export interface PortRange extends PortMapping { hostPortEnd: number }

export const DEFAULT_EPHEMERAL: [number, number] = [49153, 65535];

/** "80/tcp" → [80, 'tcp'] (a missing protocol is tcp, as nat.SplitProtoPort). */
export function parsePortKey(key: string): { port: number; proto: Proto } {
  const [p, proto = 'tcp'] = key.split('/');
  const port = Number(p);
  if (!/^[0-9]+$/.test(p) || port < 1 || port > 65535 || !['tcp', 'udp', 'sctp'].includes(proto.toLowerCase())) {
    throw new BerthError('InvalidParameter', `invalid port specification: "${key}"`);
  }
  return { port, proto: proto.toLowerCase() as Proto };
}

function parseHostPort(v: string | undefined): [number, number] {
  const s = (v ?? '').split('/')[0];
  if (s === '') return [0, 0];
  const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(s);
  const a = m ? Number(m[1]) : NaN;
  const b = m?.[2] !== undefined ? Number(m[2]) : a;
  if (!m || a > 65535 || b > 65535 || b < a) throw new BerthError('InvalidParameter', `invalid hostPort: ${v}`);
  return [a, b === a ? a : b];
}

const isUnspecified = (ip: string) => ip === '0.0.0.0' || ip === '::';
const familyOf = (ip: string) => (ip.includes(':') ? 6 : 4);

/**
 * The bindings a container asks for, in Docker's order (nat.SortPortMap: ports with explicit host
 * ports first, then by port number). An empty HostIp means `defaultIp` (the network's
 * host_binding_ipv4) and, when the container has IPv6, also "::". Bindings of an address family
 * the container lacks are dropped: without a userland proxy nothing can carry them.
 */
export function bindingRequests(o: {
  portBindings: Record<string, Array<{ HostIp?: string; HostPort?: string }>> | null;
  publishAll: boolean;
  exposedPorts: string[];
  defaultIp: string;
  hasIPv4: boolean;
  hasIPv6: boolean;
}): { requests: BindingRequest[]; exposed: string[] } {
  const keys = new Set<string>([...o.exposedPorts, ...Object.keys(o.portBindings ?? {})]);
  const norm = [...keys].map((k) => ({ key: k, ...parsePortKey(k) }));
  const explicit = (k: string) => (o.portBindings?.[k] ?? []).some((b) => b.HostPort);
  norm.sort((a, b) => Number(explicit(b.key)) - Number(explicit(a.key)) || a.port - b.port || a.proto.localeCompare(b.proto));
  const requests: BindingRequest[] = [];
  for (const { key, port, proto } of norm) {
    let bindings = o.portBindings?.[key] ?? [];
    if (bindings.length === 0 && o.publishAll) bindings = [{}];
    for (const b of bindings) {
      const [hostPort, hostPortEnd] = parseHostPort(b.HostPort);
      let ips: string[];
      if (!b.HostIp) ips = [o.defaultIp, ...(o.hasIPv6 && familyOf(o.defaultIp) === 4 ? ['::'] : [])];
      else {
        const a = parseAddr(b.HostIp.replace(/^\[|\]$/g, ''));
        if (!a) throw new BerthError('InvalidParameter', `invalid IP address: ${b.HostIp}`);
        ips = [b.HostIp.replace(/^\[|\]$/g, '')];
      }
      const usable = ips.filter((ip) => (familyOf(ip) === 4 ? o.hasIPv4 : o.hasIPv6));
      if (usable.length) requests.push({ proto, containerPort: port, hostIps: usable, hostPort, hostPortEnd });
    }
  }
  return { requests, exposed: norm.map((n) => `${n.port}/${n.proto}`) };
}

/** Linux's ip_local_port_range, the range Docker takes ephemeral ports from. */
export function ephemeralRange(path = '/proc/sys/net/ipv4/ip_local_port_range'): [number, number] {
  try {
    const [a, b] = readFileSync(path, 'utf8').trim().split(/\s+/).map(Number);
    if (a > 0 && b >= a && b <= 65535) return [a, b];
  } catch { /* not Linux, or no procfs */ }
  return DEFAULT_EPHEMERAL;
}

/**
 * Host ports in use by containers, per protocol. A binding on 0.0.0.0 (or ::) conflicts with any
 * binding of the same family on that port, a specific address only with itself and the wildcard.
 */
export class PortAllocator {
  private readonly used = new Map<string, Set<string>>(); // "tcp/8080" → host IPs
  private readonly last = new Map<string, number>(); // "tcp/4" → last ephemeral port handed out

  constructor(readonly range: [number, number]) {}

  isFree(proto: Proto, ip: string, port: number): boolean {
    const ips = this.used.get(`${proto}/${port}`);
    if (!ips) return true;
    for (const other of ips) {
      if (familyOf(other) !== familyOf(ip)) continue;
      if (other === ip || isUnspecified(other) || isUnspecified(ip)) return false;
    }
    return true;
  }

  take(proto: Proto, ip: string, port: number): void {
    const k = `${proto}/${port}`;
    let ips = this.used.get(k);
    if (!ips) this.used.set(k, (ips = new Set()));
    ips.add(ip);
  }

  release(proto: Proto, ip: string, port: number): void {
    const k = `${proto}/${port}`;
    const ips = this.used.get(k);
    ips?.delete(ip);
    if (ips?.size === 0) this.used.delete(k);
  }

  /**
   * A port for every address in `ips` at once (Docker gives the IPv4 and IPv6 bindings of one
   * request the same port): the explicit port, the first free port of a range, or the next free
   * ephemeral port after the last one handed out. `skip` excludes ports found busy on the host.
   */
  pick(proto: Proto, ips: string[], start: number, end: number, skip: Set<number> = new Set()): number | undefined {
    const free = (p: number) => !skip.has(p) && ips.every((ip) => this.isFree(proto, ip, p));
    if (start > 0 && end === start) return free(start) ? start : undefined;
    if (start > 0) {
      for (let p = start; p <= end; p++) if (free(p)) return p;
      return undefined;
    }
    const [lo, hi] = this.range;
    const lk = `${proto}/${familyOf(ips[0])}`;
    const from = this.last.get(lk) ?? hi;
    for (let i = 1; i <= hi - lo + 1; i++) {
      const p = lo + ((from - lo + i) % (hi - lo + 1));
      if (free(p)) {
        this.last.set(lk, p);
        return p;
      }
    }
    return undefined;
  }
}

/** Docker's texts for a host port another container holds / a host process holds. */
export const portAllocatedMessage = (ip: string, port: number | string) => `Bind for ${ip.includes(':') ? `[${ip}]` : ip}:${port} failed: port is already allocated`;
export const hostPortBusyMessage = (m: PortMapping) =>
  `failed to bind host port for ${m.hostIp.includes(':') ? `[${m.hostIp}]` : m.hostIp}:${m.hostPort}:${m.containerIp}:${m.containerPort}/${m.proto}: address already in use`;

/**
 * Whether a host process holds the port: bind (TCP: listen) and close at once. SCTP cannot be
 * probed from Node and counts as free. Resolves true when the port is free.
 */
export function probeHostPort(proto: Proto, ip: string, port: number): Promise<boolean> {
  if (proto === 'sctp') return Promise.resolve(true);
  return new Promise((resolve) => {
    if (proto === 'udp') {
      const s = familyOf(ip) === 6 ? createSocket({ type: 'udp6', ipv6Only: true }) : createSocket({ type: 'udp4' });
      s.once('error', () => { s.close(); resolve(false); });
      s.bind({ address: ip, port, exclusive: true }, () => s.close(() => resolve(true)));
      return;
    }
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: ip, port, exclusive: true, ipv6Only: familyOf(ip) === 6 }, () => srv.close(() => resolve(true)));
  });
}

/** Consecutive mappings (same protocol, host IP and container IP, host and container ports both +1) as ranges. */
export function coalesce(mappings: PortMapping[]): PortRange[] {
  const sorted = [...mappings].sort((a, b) =>
    a.proto.localeCompare(b.proto) || a.hostIp.localeCompare(b.hostIp) || a.containerIp.localeCompare(b.containerIp) || a.hostPort - b.hostPort);
  const out: PortRange[] = [];
  for (const m of sorted) {
    const prev = out[out.length - 1];
    if (prev && prev.proto === m.proto && prev.hostIp === m.hostIp && prev.containerIp === m.containerIp
      && m.hostPort === prev.hostPortEnd + 1 && m.containerPort === prev.containerPort + (m.hostPort - prev.hostPort)) {
      prev.hostPortEnd = m.hostPort;
    } else {
      out.push({ ...m, hostPortEnd: m.hostPort });
    }
  }
  return out;
}

/** NetworkSettings.Ports: every exposed port, with its bindings (IPv4 first) or null; keys sorted as Go's encoding/json writes a map. */
export function portMapOf(exposed: string[], mappings: PortMapping[]): PortMap {
  const out: PortMap = {};
  for (const k of [...exposed].sort()) out[k] = null;
  const ordered = [...mappings].sort((a, b) => familyOf(a.hostIp) - familyOf(b.hostIp));
  for (const m of ordered) {
    const k = `${m.containerPort}/${m.proto}`;
    (out[k] ??= []).push({ HostIp: m.hostIp, HostPort: String(m.hostPort) });
  }
  return out;
}
