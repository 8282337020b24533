// The firewall as text: iptables-restore lines for the bridge driver's rules, after libnetwork's
// iptables setup with userland-proxy=false (hairpin NAT, localhost DNAT via route_localnet),
// DOCKER-ISOLATION-STAGE-1/2 and --icc, in per-daemon chains. Every rule carries a comment naming
// its owner (`berth:g` the daemon, `berth:n:<net12>` a network, `berth:c:<ctr12>` a container) so a
// restarted daemon can tell its rules apart and remove exactly those nobody owns any more.
import type { Family } from './ipnet.js';
import type { PortRange } from './ports.js';

export type Table = 'filter' | 'nat' | 'raw';
export type Batch = Record<Table, string[]>;

export interface Chains {
  /** nat: DNAT of published ports; filter: ACCEPT of published ports. */
  ports: string;
  /** filter: jumped to from FORWARD. */
  fwd: string;
  iso1: string;
  iso2: string;
  /** nat: jumped to from POSTROUTING. */
  post: string;
  /** raw: jumped to from PREROUTING (loopback addresses arriving on a bridge are dropped). */
  raw: string;
}

export const chainsFor = (tag: string): Chains => ({
  ports: `BERTH-${tag}`,
  fwd: `BERTH-${tag}-FWD`,
  iso1: `BERTH-${tag}-ISO`,
  iso2: `BERTH-${tag}-ISO2`,
  post: `BERTH-${tag}-POST`,
  raw: `BERTH-${tag}-RAW`,
});

export const OWNER_GLOBAL = 'berth:g';
export const ownerOfNetwork = (id: string) => `berth:n:${id.slice(0, 12)}`;
export const ownerOfContainer = (id: string) => `berth:c:${id.slice(0, 12)}`;
const tagged = (owner: string) => `-m comment --comment ${owner}`;

export const emptyBatch = (): Batch => ({ filter: [], nat: [], raw: [] });
export const TABLES: Table[] = ['raw', 'filter', 'nat'];

/** One iptables-restore input; empty tables are left out. */
export function batchText(b: Batch): string {
  let out = '';
  for (const t of TABLES) {
    if (b[t].length) out += `*${t}\n${b[t].join('\n')}\nCOMMIT\n`;
  }
  return out;
}

export const batchSize = (b: Batch) => b.filter.length + b.nat.length + b.raw.length;

/** The daemon's chains and the jumps into them, for whatever of them is missing. */
export function globalRules(c: Chains, family: Family, have: { chains: Record<Table, Set<string>>; rules: Record<Table, string[]> }): Batch {
  const b = emptyBatch();
  const need = (t: Table, chain: string) => { if (!have.chains[t].has(chain)) b[t].push(`-N ${chain}`); };
  need('filter', c.fwd); need('filter', c.iso1); need('filter', c.iso2); need('filter', c.ports);
  need('nat', c.ports); need('nat', c.post);
  if (family === 4) need('raw', c.raw);
  const jumps: Array<[Table, string, string]> = [
    ...(family === 4 ? [['raw', 'PREROUTING', `-A PREROUTING ${tagged(OWNER_GLOBAL)} -j ${c.raw}`] as [Table, string, string]] : []),
    ['filter', 'FORWARD', `-I FORWARD 1 ${tagged(OWNER_GLOBAL)} -j ${c.fwd}`],
    ['filter', c.fwd, `-I ${c.fwd} 1 ${tagged(OWNER_GLOBAL)} -j ${c.iso1}`],
    ['nat', 'PREROUTING', `-A PREROUTING -m addrtype --dst-type LOCAL ${tagged(OWNER_GLOBAL)} -j ${c.ports}`],
    ['nat', 'OUTPUT', `-A OUTPUT -m addrtype --dst-type LOCAL ${tagged(OWNER_GLOBAL)} -j ${c.ports}`],
    ['nat', 'POSTROUTING', `-A POSTROUTING ${tagged(OWNER_GLOBAL)} -j ${c.post}`],
  ];
  for (const [t, from, rule] of jumps) {
    const target = rule.slice(rule.lastIndexOf(' -j ') + 4);
    const present = have.rules[t].some((r) => r.startsWith(`-A ${from} `) && r.endsWith(` -j ${target}`) && r.includes(OWNER_GLOBAL));
    if (!present) b[t].push(rule);
  }
  return b;
}

export interface NetworkFirewall {
  id: string;
  bridge: string;
  /** The network's subnet of this family. */
  subnet: string;
  internal: boolean;
  icc: boolean;
  masquerade: boolean;
}

/** A bridge network's forwarding, isolation and NAT rules (appended; their relative order matters only within the network). */
export function networkRules(c: Chains, n: NetworkFirewall, family: Family): Batch {
  const b = emptyBatch();
  const o = tagged(ownerOfNetwork(n.id));
  const br = n.bridge;
  if (n.internal) {
    b.filter.push(`-A ${c.iso1} ! -s ${n.subnet} -o ${br} ${o} -j DROP`);
    b.filter.push(`-A ${c.iso1} ! -d ${n.subnet} -i ${br} ${o} -j DROP`);
  } else {
    b.filter.push(`-A ${c.iso1} -i ${br} ! -o ${br} ${o} -j ${c.iso2}`);
  }
  b.filter.push(`-A ${c.iso2} -o ${br} ${o} -j DROP`);
  b.filter.push(`-A ${c.fwd} -o ${br} -m conntrack --ctstate RELATED,ESTABLISHED ${o} -j ACCEPT`);
  if (!n.internal) {
    b.filter.push(`-A ${c.fwd} -o ${br} ${o} -j ${c.ports}`);
    b.filter.push(`-A ${c.fwd} -i ${br} ! -o ${br} ${o} -j ACCEPT`);
  }
  b.filter.push(`-A ${c.fwd} -i ${br} -o ${br} ${o} -j ${n.icc ? 'ACCEPT' : 'DROP'}`);
  // Nothing reaches the containers from outside except through a published port (Docker 28).
  if (!n.internal) b.filter.push(`-A ${c.fwd} ! -i ${br} -o ${br} ${o} -j DROP`);
  // route_localnet lets the bridge route 127.0.0.0/8: nothing coming in through it may be addressed there.
  if (family === 4) b.raw.push(`-A ${c.raw} -i ${br} -d 127.0.0.0/8 ${o} -j DROP`);
  if (!n.internal) {
    if (n.masquerade) b.nat.push(`-A ${c.post} -s ${n.subnet} ! -o ${br} ${o} -j MASQUERADE`);
    // Published ports reached from the host itself (127.0.0.1 included, with route_localnet on the
    // bridge) and hairpin connections from the network's own containers answer through the bridge.
    if (family === 4) b.nat.push(`-A ${c.post} -o ${br} -m addrtype --src-type LOCAL ${o} -j MASQUERADE`);
    b.nat.push(`-A ${c.post} -s ${n.subnet} -o ${br} -m conntrack --ctstate DNAT ${o} -j MASQUERADE`);
  }
  return b;
}

const hostCidr = (ip: string) => `${ip}/${ip.includes(':') ? 128 : 32}`;
const isUnspecified = (ip: string) => ip === '0.0.0.0' || ip === '::';
const dport = (a: number, b: number) => (a === b ? `${a}` : `${a}:${b}`);

/** A published port range: one DNAT rule (ports kept, or shifted by a constant) and one ACCEPT rule. */
export function portRules(c: Chains, containerId: string, bridge: string, r: PortRange): Batch {
  const b = emptyBatch();
  const o = tagged(ownerOfContainer(containerId));
  const v6 = r.containerIp.includes(':');
  const dst = v6 ? `[${r.containerIp}]` : r.containerIp;
  const ctrEnd = r.containerPort + (r.hostPortEnd - r.hostPort);
  let to: string;
  if (r.hostPort === r.hostPortEnd) to = `${dst}:${r.containerPort}`;
  else if (r.hostPort === r.containerPort) to = dst;
  else to = `${dst}:${r.containerPort}-${ctrEnd}/${r.hostPort}`;
  const hostMatch = isUnspecified(r.hostIp) ? '' : ` -d ${hostCidr(r.hostIp)}`;
  b.nat.push(`-A ${c.ports}${hostMatch} -p ${r.proto} -m ${r.proto} --dport ${dport(r.hostPort, r.hostPortEnd)} ${o} -j DNAT --to-destination ${to}`);
  b.filter.push(`-A ${c.ports} -d ${hostCidr(r.containerIp)} -o ${bridge} -p ${r.proto} -m ${r.proto} --dport ${dport(r.containerPort, ctrEnd)} ${o} -j ACCEPT`);
  return b;
}

/** `-A` lines turned into `-D` lines (for exact removal of rules this daemon added or found). */
export function deletions(b: Batch): Batch {
  const flip = (l: string) => l.replace(/^-[AI] (\S+)(?: 1)? /, (_m, chain: string) => `-D ${chain} `);
  const out = emptyBatch();
  for (const t of TABLES) out[t] = b[t].filter((l) => /^-[AI] /.test(l)).map(flip);
  return out;
}

export function mergeBatches(...bs: Batch[]): Batch {
  const out = emptyBatch();
  for (const t of TABLES) out[t] = bs.flatMap((x) => x[t]);
  return out;
}

/** Rules (as iptables-save prints them) whose owner comment satisfies `drop`, as deletions. */
export function deleteOwned(saved: Record<Table, string[]>, drop: (owner: string) => boolean): Batch {
  const out = emptyBatch();
  for (const t of TABLES) {
    for (const line of saved[t]) {
      const m = /--comment "?(berth:[^"\s]+)"?/.exec(line);
      if (m && drop(m[1])) out[t].push(line.replace(/^-A /, '-D '));
    }
  }
  return out;
}

/**
 * Full removal of the daemon's chains: the jumps into them from the built-in chains, then the
 * chains themselves (flushed, deleted).
 */
export function teardown(c: Chains, saved: { chains: Record<Table, Set<string>>; rules: Record<Table, string[]> }): Batch {
  const ours = new Set(Object.values(c));
  const out = emptyBatch();
  for (const t of TABLES) {
    for (const line of saved.rules[t]) {
      const chain = line.split(' ')[1];
      const target = / -j (\S+)/.exec(line)?.[1];
      if (!ours.has(chain) && target && ours.has(target)) out[t].push(line.replace(/^-A /, '-D '));
    }
    const mine = [...saved.chains[t]].filter((x) => ours.has(x));
    for (const x of mine) out[t].push(`-F ${x}`);
    for (const x of mine) out[t].push(`-X ${x}`);
  }
  return out;
}
