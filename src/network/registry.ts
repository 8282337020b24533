// The live networks: records with their address pools (gateway and auxiliary addresses taken),
// found as moby's FindNetwork finds them (full id, full name, unique id prefix), and what each
// one's options mean for the bridge driver.
import { BerthError } from '../common/errors.js';
import { OPT, PREDEFINED, parseBool } from './create.js';
import { DEFAULT_MTU } from './devices.js';
import { AddressPool } from './ipam.js';
import { mustAddr, mustPrefix, parsePrefix, type Family } from './ipnet.js';
import type { NetworkFirewall } from './iptables-rules.js';
import type { FamilyConfig, StoredNetwork } from './store.js';

export interface LiveNetwork {
  stored: StoredNetwork;
  v4?: AddressPool;
  v6?: AddressPool;
}

export const nameOf = (n: LiveNetwork) => n.stored.record.Name;
export const idOf = (n: LiveNetwork) => n.stored.record.Id;
export const driverOf = (n: LiveNetwork) => n.stored.record.Driver;
/** Docker's NetworkMode.IsUserDefined: anything but bridge, host, none, default. */
export const isUserDefined = (n: LiveNetwork) => !PREDEFINED.has(nameOf(n));
export const hasAddresses = (n: LiveNetwork) => ['bridge', 'macvlan', 'ipvlan'].includes(driverOf(n));

function poolOf(cfg: FamilyConfig): AddressPool {
  const pool = new AddressPool(mustPrefix(cfg.subnet), cfg.ipRange ? mustPrefix(cfg.ipRange) : undefined);
  for (const a of [cfg.gateway, ...cfg.aux]) {
    try { pool.allocate(mustAddr(a)); } catch { /* already reserved (network or broadcast address) */ }
  }
  return pool;
}

export interface BridgeOptions { icc: boolean; masquerade: boolean; mtu: number; hostBinding: string }

export class NetworkRegistry {
  private readonly nets = new Map<string, LiveNetwork>();

  all(): LiveNetwork[] { return [...this.nets.values()]; }
  byId(id: string): LiveNetwork | undefined { return this.nets.get(id); }

  add(stored: StoredNetwork): LiveNetwork {
    const n: LiveNetwork = { stored, ...(stored.v4 ? { v4: poolOf(stored.v4) } : {}), ...(stored.v6 ? { v6: poolOf(stored.v6) } : {}) };
    this.nets.set(stored.record.Id, n);
    return n;
  }

  delete(id: string): void { this.nets.delete(id); }

  /** FindNetwork: full id, then a unique full name, then a unique id prefix; Docker's errors otherwise. */
  find(term: string): LiveNetwork {
    const byName: LiveNetwork[] = [];
    const byPrefix: LiveNetwork[] = [];
    for (const n of this.nets.values()) {
      if (idOf(n) === term) return n;
      if (term !== '' && idOf(n).startsWith(term)) byPrefix.push(n);
      if (nameOf(n) === term) byName.push(n);
    }
    if (byName.length === 1) return byName[0];
    if (byName.length > 1) throw new BerthError('InvalidParameter', `network ${term} is ambiguous (${byName.length} matches found on name)`);
    if (byPrefix.length === 1) return byPrefix[0];
    if (byPrefix.length > 1) throw new BerthError('InvalidParameter', `network ${term} is ambiguous (${byPrefix.length} matches found based on ID prefix)`);
    throw new BerthError('NotFound', `network ${term} not found`);
  }

  tryFind(term: string): LiveNetwork | undefined {
    try { return this.find(term); } catch { return undefined; }
  }

  pool(n: LiveNetwork, family: Family): AddressPool | undefined { return family === 4 ? n.v4 : n.v6; }

  /** The bridge driver's options with their defaults. */
  bridgeOptions(n: LiveNetwork, defaults: { icc: boolean; hostBinding: string }): BridgeOptions {
    const o = n.stored.record.Options;
    const b = (k: string, d: boolean) => (o[k] === undefined ? d : parseBool(o[k]) ?? d);
    return {
      icc: b(OPT.icc, defaults.icc),
      masquerade: b(OPT.masquerade, true),
      mtu: Number(o[OPT.mtu]) || DEFAULT_MTU,
      hostBinding: o[OPT.hostBinding] || defaults.hostBinding,
    };
  }

  /** Gateway addresses of the bridge device ("10.1.0.1/16", "fd…::1/64"). */
  bridgeAddrs(n: LiveNetwork): string[] {
    return [n.stored.v4, n.stored.v6].filter((c): c is FamilyConfig => !!c).map((c) => `${c.gateway}/${parsePrefix(c.subnet)!.bits}`);
  }

  firewallSpec(n: LiveNetwork, family: Family, defaults: { icc: boolean; hostBinding: string }): NetworkFirewall | undefined {
    const cfg = family === 4 ? n.stored.v4 : n.stored.v6;
    if (driverOf(n) !== 'bridge' || !cfg || !n.stored.bridge) return undefined;
    const o = this.bridgeOptions(n, defaults);
    return { id: idOf(n), bridge: n.stored.bridge, subnet: cfg.subnet, internal: n.stored.record.Internal, icc: o.icc, masquerade: o.masquerade };
  }
}
