// The `ip -batch` lines that make a network's devices and a container's interfaces: the bridge
// (its own stable MAC, gateway addresses), a veth pair whose container end is created directly
// in the container's namespace, macvlan/ipvlan links made on the parent inside that namespace,
// then the container side: addresses, MTU, link up, default routes.
import { createHash } from 'node:crypto';

export const DEFAULT_MTU = 1500;

/** The host end of a container's veth: `veth` + 7 hex digits, stable for a container and network. */
export function hostVethName(containerId: string, networkId: string): string {
  return `veth${createHash('sha256').update(`${containerId}/${networkId}`).digest('hex').slice(0, 7)}`;
}

const v6 = (cidr: string) => cidr.includes(':');

/** A new bridge with its gateway addresses, up. */
export function bridgeLines(dev: string, mac: string, mtu: number, addrs: string[]): string[] {
  return [
    `link add name ${dev} address ${mac} mtu ${mtu} type bridge`,
    ...addrs.map((a) => `addr add ${a} dev ${dev}${v6(a) ? ' nodad' : ''}`),
    `link set ${dev} up`,
  ];
}

/** What an existing bridge lacks: missing addresses, the up flag. */
export function bridgeRepairLines(dev: string, have: { addrs: string[]; up: boolean }, want: string[]): string[] {
  const lines = want.filter((a) => !have.addrs.includes(a)).map((a) => `addr add ${a} dev ${dev}${v6(a) ? ' nodad' : ''}`);
  if (!have.up) lines.push(`link set ${dev} up`);
  return lines;
}

export interface IfaceSpec {
  ifname: string;
  mac: string;
  /** 0: the kernel's default (the parent's, for macvlan/ipvlan). */
  mtu: number;
  /** "a.b.c.d/nn", "x::y/nn". */
  addrs: string[];
}

/** Host namespace: the veth pair, its container end named `ifname` in /proc/<pid>/ns/net; the host end on the bridge, hairpin on. */
export function vethLines(hostVeth: string, bridge: string, pid: number, i: IfaceSpec): string[] {
  return [
    `link add ${hostVeth} mtu ${i.mtu} type veth peer name ${i.ifname} mtu ${i.mtu} address ${i.mac} netns ${pid}`,
    `link set ${hostVeth} master ${bridge} up`,
    `link set dev ${hostVeth} type bridge_slave hairpin on`,
  ];
}

/** Host namespace: a macvlan or ipvlan link on `parent`, created inside /proc/<pid>/ns/net. */
export function sublinkLines(driver: 'macvlan' | 'ipvlan', parent: string, pid: number, i: IfaceSpec, opts: Record<string, string>): string[] {
  if (driver === 'macvlan') {
    const mode = opts.macvlan_mode || 'bridge';
    const mac = mode === 'passthru' ? '' : ` address ${i.mac}`;
    return [`link add link ${parent} name ${i.ifname} netns ${pid}${mac} type macvlan mode ${mode}`];
  }
  const flag = opts.ipvlan_flag && opts.ipvlan_flag !== 'bridge' ? ` ${opts.ipvlan_flag}` : '';
  return [`link add link ${parent} name ${i.ifname} netns ${pid} type ipvlan mode ${opts.ipvlan_mode || 'l2'}${flag}`];
}

/** Inside the container: loopback up (once), each interface's addresses and MTU, up. */
export function containerIfaceLines(i: IfaceSpec, withLoopback: boolean): string[] {
  return [
    ...(withLoopback ? ['link set lo up'] : []),
    ...i.addrs.map((a) => (v6(a) ? `addr add ${a} dev ${i.ifname} nodad` : `addr add ${a} brd + dev ${i.ifname}`)),
    `link set ${i.ifname}${i.mtu > 0 ? ` mtu ${i.mtu}` : ''} up`,
  ];
}

/** Inside the container: the default routes (IPv4 and IPv6 gateways of the network giving the gateway). */
export function defaultRouteLines(ifname: string, gateways: string[]): string[] {
  return gateways.filter(Boolean).map((gw) => `route replace default via ${gw} dev ${ifname}`);
}

/**
 * A parent for an internal macvlan/ipvlan network created without `-o parent` (Docker makes a
 * dummy link `dm-<id12>`). Kernels without the dummy driver get a veth pair instead, both ends up.
 */
export function dummyParentLines(name: string, dummySupported: boolean): string[] {
  if (dummySupported) return [`link add ${name} type dummy`, `link set ${name} up`];
  const peer = `dp-${name.slice(3)}`;
  return [`link add ${name} type veth peer name ${peer}`, `link set ${peer} up`, `link set ${name} up`];
}
