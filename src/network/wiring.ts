// From an endpoint to its `ip` lines: the container interface it gets (name, MAC, MTU,
// addresses), the host-namespace lines creating it inside the container, its default routes.
import type { NetEnv } from './bridge.js';
import { OPT } from './create.js';
import { DEFAULT_MTU, defaultRouteLines, sublinkLines, vethLines, type IfaceSpec } from './devices.js';
import { driverOf, type LiveNetwork } from './registry.js';
import type { StoredEndpoint } from './store.js';

/** An endpoint's container interface: name, MAC, MTU (the bridge's; the option's or the parent's for macvlan/ipvlan), addresses. */
export function ifaceOf(env: NetEnv, ep: StoredEndpoint, n: LiveNetwork): IfaceSpec {
  const mtu = driverOf(n) === 'bridge' ? env.registry.bridgeOptions(n, env.defaults).mtu : Number(n.stored.record.Options[OPT.mtu]) || 0;
  return {
    ifname: ep.ifname, mac: ep.mac, mtu,
    addrs: [ep.ipv4 ? `${ep.ipv4}/${ep.prefixLen}` : '', ep.ipv6 ? `${ep.ipv6}/${ep.prefixLen6}` : ''].filter(Boolean),
  };
}

/** Host-namespace lines making an endpoint's interface inside /proc/<pid>/ns/net. */
export function hostLines(env: NetEnv, ep: StoredEndpoint, n: LiveNetwork, pid: number): string[] {
  const i = ifaceOf(env, ep, n);
  if (driverOf(n) === 'bridge') return vethLines(ep.hostVeth!, n.stored.bridge!, pid, { ...i, mtu: i.mtu || DEFAULT_MTU });
  return sublinkLines(driverOf(n) as 'macvlan' | 'ipvlan', n.stored.parent!, pid, i, n.stored.record.Options);
}

/** The default routes through an endpoint (ipvlan l3/l3s: through the device, without a gateway). */
export function routeLines(ep: StoredEndpoint, n: LiveNetwork): string[] {
  const mode = n.stored.record.Options.ipvlan_mode;
  if (driverOf(n) === 'ipvlan' && (mode === 'l3' || mode === 'l3s')) return [`route replace default dev ${ep.ifname}`];
  return defaultRouteLines(ep.ifname, [ep.gateway, ep.gateway6]);
}
