// The devices and firewall rules a network owns, made idempotent: at daemon start every bridge
// (and macvlan dummy parent) is created or repaired from one snapshot of the host's links in one
// `ip -batch`, and each network's rules are replaced atomically (its old rules deleted and the
// current ones added in one iptables-restore commit) without touching container rules.
import { existsSync } from 'node:fs';
import { log } from '../common/log.js';
import { errorMessage } from '../common/errors.js';
import { bridgeLines, bridgeRepairLines, dummyParentLines } from './devices.js';
import { Firewall, type SavedTables } from './iptables.js';
import {
  batchSize, deleteOwned, deletions, emptyBatch, globalRules, mergeBatches, networkRules, ownerOfNetwork, teardown,
  type Batch, type Chains,
} from './iptables-rules.js';
import type { Family } from './ipnet.js';
import { randomMac } from './mac.js';
import { ipBatch, linkExists, writeSysctl, type LinkInfo } from './netlink.js';
import { driverOf, idOf, type LiveNetwork, type NetworkRegistry } from './registry.js';

export interface NetEnv {
  registry: NetworkRegistry;
  fw: Record<Family, Firewall>;
  chains: Chains;
  iptables: boolean;
  defaults: { icc: boolean; hostBinding: string };
}

const families = (n: LiveNetwork): Family[] => [...(n.stored.v4 ? [4 as const] : []), ...(n.stored.v6 ? [6 as const] : [])];

/** Creates or repairs the devices of `nets` (one `ip -batch`), then sets route_localnet on each bridge. */
export async function ensureNetworkDevices(env: NetEnv, nets: LiveNetwork[], links: LinkInfo[]): Promise<void> {
  const byName = new Map(links.map((l) => [l.name, l]));
  const lines: string[] = [];
  const bridges: string[] = [];
  for (const n of nets) {
    const s = n.stored;
    if (driverOf(n) === 'bridge' && s.bridge) {
      const want = env.registry.bridgeAddrs(n);
      const have = byName.get(s.bridge);
      const mtu = env.registry.bridgeOptions(n, env.defaults).mtu;
      lines.push(...(have ? bridgeRepairLines(s.bridge, have, want) : bridgeLines(s.bridge, randomMac(), mtu, want)));
      bridges.push(s.bridge);
    } else if ((driverOf(n) === 'macvlan' || driverOf(n) === 'ipvlan') && s.createdParent && s.parent && !byName.has(s.parent)) {
      lines.push(...dummyParentLines(s.parent, existsSync('/sys/module/dummy')));
    }
  }
  await ipBatch(lines);
  for (const br of bridges) setRouteLocalnet(br);
}

/** Published ports reach containers from 127.0.0.1 without a proxy: the bridge may route loopback sources. */
export function setRouteLocalnet(bridge: string): void {
  try { writeSysctl(`net.ipv4.conf.${bridge}.route_localnet`, '1'); } catch (e) {
    log.warn('cannot enable route_localnet', { bridge, error: errorMessage(e) });
  }
}

export async function removeNetworkDevices(n: LiveNetwork): Promise<void> {
  const lines: string[] = [];
  if (driverOf(n) === 'bridge' && n.stored.bridge && linkExists(n.stored.bridge)) lines.push(`link del ${n.stored.bridge}`);
  if (n.stored.createdParent && n.stored.parent && linkExists(n.stored.parent)) lines.push(`link del ${n.stored.parent}`);
  await ipBatch(lines);
}

function rulesOf(env: NetEnv, n: LiveNetwork, f: Family): Batch {
  const spec = env.registry.firewallSpec(n, f, env.defaults);
  return spec ? networkRules(env.chains, spec, f) : emptyBatch();
}

/**
 * At daemon start, per family: the daemon's chains and jumps (what is missing), every network's
 * rules replaced by the current ones, rules of networks that no longer exist removed. Container
 * rules are left for reconcile().
 */
export async function syncNetworkRules(env: NetEnv, familiesInUse: Family[]): Promise<Record<Family, SavedTables | undefined>> {
  const saved: Record<Family, SavedTables | undefined> = { 4: undefined, 6: undefined };
  if (!env.iptables) return saved;
  for (const f of familiesInUse) {
    const have = await env.fw[f].save();
    saved[f] = have;
    const nets = env.registry.all().filter((n) => families(n).includes(f));
    const drop = deleteOwned(have.rules, (owner) => owner.startsWith('berth:n:'));
    const b = mergeBatches(drop, globalRules(env.chains, f, have), ...nets.map((n) => rulesOf(env, n, f)));
    await env.fw[f].apply(b);
  }
  return saved;
}

export async function addNetworkRules(env: NetEnv, n: LiveNetwork): Promise<void> {
  if (!env.iptables) return;
  for (const f of families(n)) {
    const have = await env.fw[f].save();
    await env.fw[f].apply(mergeBatches(globalRules(env.chains, f, have), rulesOf(env, n, f)));
  }
}

export async function dropNetworkRules(env: NetEnv, n: LiveNetwork): Promise<void> {
  if (!env.iptables) return;
  for (const f of families(n)) {
    try {
      await env.fw[f].apply(deletions(rulesOf(env, n, f)));
    } catch {
      // Some rule was already gone: delete whatever of the network's is still there.
      const have = await env.fw[f].save();
      await env.fw[f].apply(deleteOwned(have.rules, (o) => o === ownerOfNetwork(idOf(n))));
    }
  }
}

/** Everything of the daemon's in both families: jumps, chains and their rules. */
export async function teardownRules(env: NetEnv): Promise<void> {
  for (const f of [4, 6] as const) {
    // Read back and repeat until nothing of ours is left: another program changing the ruleset
    // at the same moment (nf_tables) can fail a save or a restore, or add a jump after the read.
    let lastError: unknown;
    for (let attempt = 0; attempt < 4; attempt++) {
      let have: SavedTables;
      try {
        have = await env.fw[f].save();
      } catch (e) {
        lastError = e;
        await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
        continue;
      }
      const b = teardown(env.chains, have);
      if (batchSize(b) === 0) { lastError = undefined; break; }
      try { await env.fw[f].apply(b); } catch (e) { lastError = e; await new Promise((r) => setTimeout(r, 20 * (attempt + 1))); }
    }
    if (lastError) log.warn('firewall teardown incomplete', { family: f, error: errorMessage(lastError) });
  }
}

