// A container's published ports in the firewall: its mappings coalesced into ranges, one DNAT and
// one ACCEPT rule per range and family, added in one iptables-restore per family and removed
// exactly (or, if some rule went missing, by its owner comment).
import type { NetEnv } from './bridge.js';
import type { Family } from './ipnet.js';
import { deleteOwned, deletions, emptyBatch, mergeBatches, ownerOfContainer, portRules, type Batch } from './iptables-rules.js';
import { coalesce, type PortMapping } from './ports.js';

export interface PublishedPorts { containerId: string; portBridge?: string; mappings: PortMapping[] }

export function portBatches(env: NetEnv, p: PublishedPorts): Record<Family, Batch> {
  const out: Record<Family, Batch> = { 4: emptyBatch(), 6: emptyBatch() };
  if (!p.portBridge) return out;
  for (const r of coalesce(p.mappings)) {
    const f: Family = r.containerIp.includes(':') ? 6 : 4;
    out[f] = mergeBatches(out[f], portRules(env.chains, p.containerId, p.portBridge, r));
  }
  return out;
}

export async function applyPortRules(env: NetEnv, p: PublishedPorts): Promise<void> {
  const b = portBatches(env, p);
  await Promise.all(([4, 6] as const).map((f) => env.fw[f].apply(b[f])));
}

export async function removePortRules(env: NetEnv, p: PublishedPorts): Promise<void> {
  const b = portBatches(env, p);
  await Promise.all(([4, 6] as const).map(async (f) => {
    if (b[f].nat.length === 0) return;
    try {
      await env.fw[f].apply(deletions(b[f]));
    } catch {
      const have = await env.fw[f].save();
      await env.fw[f].apply(deleteOwned(have.rules, (o) => o === ownerOfContainer(p.containerId)));
    }
  }));
}
