// What a test daemon's networking may leave on the host: its bridges (the default one and the
// user networks' br-*, found by their addresses in the daemon's private /16) with their ports,
// and iptables rules and chains carrying its chain tag.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';

/** The chain tag berthd derives from its data root (src/daemon). */
export function chainTag(dataRoot: string): string {
  return createHash('sha256').update(dataRoot).digest('hex').slice(0, 6);
}

function json<T>(args: string[]): T {
  const r = spawnSync('ip', ['-j', ...args], { encoding: 'utf8' });
  try { return JSON.parse(r.stdout || '[]') as T; } catch { return [] as unknown as T; }
}

/** Our bridges: the default one by name, and any device holding an address in the same /16. */
function ourLinks(bridge: string, prefix16: string): string[] {
  const addrs = json<Array<{ ifname: string; addr_info?: Array<{ local: string }> }>>(['addr', 'show']);
  const bridges = new Set<string>();
  for (const a of addrs) {
    if (a.ifname === bridge || a.addr_info?.some((i) => i.local.startsWith(prefix16 + '.'))) bridges.add(a.ifname);
  }
  const links = json<Array<{ ifname: string; master?: string }>>(['link', 'show']);
  if (links.some((l) => l.ifname === bridge)) bridges.add(bridge);
  const out = new Set(bridges);
  for (const l of links) if (l.master && bridges.has(l.master)) out.add(l.ifname);
  return [...out].sort();
}

function ourRules(tag: string): string[] {
  const out: string[] = [];
  for (const cmd of ['iptables-save', 'ip6tables-save']) {
    const r = spawnSync(cmd, [], { encoding: 'utf8' });
    for (const line of (r.stdout ?? '').split('\n')) if (line.includes(`BERTH-${tag}`)) out.push(`${cmd}: ${line}`);
  }
  return out;
}

function prefix16(bridge: string): string {
  const addrs = json<Array<{ ifname: string; addr_info?: Array<{ local: string; family: string }> }>>(['addr', 'show', 'dev', bridge]);
  const v4 = addrs[0]?.addr_info?.find((i) => i.family === 'inet')?.local;
  return v4 ? v4.split('.').slice(0, 2).join('.') : '';
}

const knownPrefix = new Map<string, string>();

export function networkLeaks(dataRoot: string, bridge: string, base16?: string): { links: string[]; rules: string[] } {
  const p = base16 ?? knownPrefix.get(bridge) ?? prefix16(bridge);
  if (p) knownPrefix.set(bridge, p);
  return { links: p ? ourLinks(bridge, p) : ourLinks(bridge, '0.0.0.0.invalid'), rules: ourRules(chainTag(dataRoot)) };
}

/** Deletes what networkLeaks finds: for cleanup after a failed test. */
export function removeNetworkLeaks(dataRoot: string, bridge: string, base16?: string): void {
  const { links, rules } = networkLeaks(dataRoot, bridge, base16);
  for (const l of links) spawnSync('ip', ['link', 'del', l]);
  const tag = `BERTH-${chainTag(dataRoot)}`;
  for (const [save, ipt] of [['iptables-save', 'iptables'], ['ip6tables-save', 'ip6tables']] as const) {
    if (!rules.some((r) => r.startsWith(save))) continue;
    for (const table of ['filter', 'nat', 'mangle', 'raw']) {
      const r = spawnSync(save, ['-t', table], { encoding: 'utf8' });
      const lines = (r.stdout ?? '').split('\n');
      for (const line of lines) {
        if (line.startsWith('-A ') && line.includes(tag)) spawnSync(ipt, ['-w', '-t', table, ...splitRule(line.replace(/^-A /, '-D '))]);
      }
      for (const line of lines) {
        const m = /^:(\S+)/.exec(line);
        if (m && m[1]!.includes(tag)) {
          spawnSync(ipt, ['-w', '-t', table, '-F', m[1]!]);
          spawnSync(ipt, ['-w', '-t', table, '-X', m[1]!]);
        }
      }
    }
  }
  knownPrefix.delete(bridge);
}

/** iptables-save's quoting: words, with "…" for words holding spaces (comments). */
function splitRule(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push(m[1] !== undefined ? m[1].replace(/\\"/g, '"') : m[2]!);
  return out;
}
