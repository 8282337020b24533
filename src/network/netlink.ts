// Host network state through iproute2 and procfs: `ip -batch -` (in the host namespace, or in a
// container's through nsenter), a JSON snapshot of links and addresses, the host's routes (to keep
// automatically chosen subnets off them) and sysctls written directly.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { run } from './exec.js';
import type { Prefix } from './ipnet.js';

/**
 * Runs `ip` commands in one process; in the network namespace of `pid` when given. Stops at the
 * first failure, unless `force` (then every line is tried, and a failure is still reported).
 */
export async function ipBatch(lines: string[], pid?: number, o: { force?: boolean } = {}): Promise<void> {
  if (lines.length === 0) return;
  const input = lines.join('\n') + '\n';
  const args = [...(o.force ? ['-force'] : []), '-batch', '-'];
  if (pid === undefined) await run('ip', args, input);
  else await run('nsenter', [`--net=/proc/${pid}/ns/net`, 'ip', ...args], input);
}

export interface LinkInfo {
  name: string;
  kind?: string;
  master?: string;
  mac: string;
  mtu: number;
  up: boolean;
  /** "a.b.c.d/nn" and "x::y/nn", global scope only. */
  addrs: string[];
}

interface IpJsonLink {
  ifname: string; address?: string; mtu: number; flags?: string[]; master?: string;
  linkinfo?: { info_kind?: string };
  addr_info?: Array<{ family: string; local: string; prefixlen: number; scope?: string }>;
}

/** Every link of the host namespace with its kind, master and addresses (`ip -j -d addr show`). */
export async function listLinks(): Promise<LinkInfo[]> {
  const { stdout } = await run('ip', ['-j', '-d', 'addr', 'show']);
  const links = JSON.parse(stdout || '[]') as IpJsonLink[];
  return links.map((l) => ({
    name: l.ifname,
    kind: l.linkinfo?.info_kind,
    master: l.master,
    mac: l.address ?? '',
    mtu: l.mtu,
    up: (l.flags ?? []).includes('UP'),
    addrs: (l.addr_info ?? []).filter((a) => a.scope !== 'link' && a.scope !== 'host').map((a) => `${a.local}/${a.prefixlen}`),
  }));
}

export const linkExists = (name: string): boolean => existsSync(`/sys/class/net/${name}`);

export function writeSysctl(key: string, value: string): void {
  writeFileSync(`/proc/sys/${key.replaceAll('.', '/')}`, value);
}

export function readSysctl(key: string): string | undefined {
  try { return readFileSync(`/proc/sys/${key.replaceAll('.', '/')}`, 'utf8').trim(); } catch { return undefined; }
}

/**
 * The host's routes (main table), except default routes and IPv6 link-local/multicast/loopback:
 * the networks an automatically chosen subnet must not overlap (libnetwork's reserved networks).
 */
export function hostRoutes(): Prefix[] {
  const out: Prefix[] = [];
  try {
    for (const line of readFileSync('/proc/net/route', 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 8) continue;
      const le = (h: string) => { const v = parseInt(h, 16) >>> 0; return ((v & 255) << 24 | ((v >>> 8) & 255) << 16 | ((v >>> 16) & 255) << 8 | (v >>> 24)) >>> 0; };
      const dst = le(f[1]);
      const mask = le(f[7]);
      let bits = 0;
      for (let m = mask; m; m = (m << 1) >>> 0) bits++;
      if (bits === 0) continue;
      out.push({ addr: { family: 4, n: BigInt(dst) }, bits });
    }
  } catch { /* no procfs */ }
  try {
    for (const line of readFileSync('/proc/net/ipv6_route', 'utf8').split('\n')) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const n = BigInt(`0x${f[0]}`);
      const bits = parseInt(f[1], 16);
      if (bits === 0 || f[9] === 'lo') continue;
      if ((n >> 118n) === 0x3fan /* fe80::/10 */ || (n >> 120n) === 0xffn /* ff00::/8 */) continue;
      out.push({ addr: { family: 6, n }, bits });
    }
  } catch { /* no IPv6 */ }
  return out;
}
