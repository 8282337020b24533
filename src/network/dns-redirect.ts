// Inside a container's network namespace, 127.0.0.11:53 (where resolv.conf points) is sent to
// berthd's DNS server on the network gateway: nat OUTPUT DNAT to <gateway>:53, nat POSTROUTING SNAT
// from loopback to the container's address (so the server knows the client), and route_localnet so
// the kernel lets 127.x packets leave through eth0 — with a raw-table rule dropping anything from
// outside addressed to 127.0.0.0/8, which route_localnet would otherwise let in (CVE-2020-8558).
// One process: nsenter execs sh, which writes the sysctl and execs iptables-restore.
import { runCommand } from '../common/command.js';
import { isIPv4 } from 'node:net';
import { invalidParameter, systemError } from '../common/errors.js';

export const EMBEDDED_DNS_ADDRESS = '127.0.0.11';

export interface DnsRedirectTarget { gateway: string; containerIp: string }

/**
 * The iptables-restore input for the container's namespace. It replaces the namespace's nat and
 * raw tables, which hold nothing but these rules, so applying it again (after a network connect or
 * disconnect moved the first network) leaves no stale rule.
 */
export function embeddedDnsRules(target: DnsRedirectTarget): string {
  const { gateway, containerIp } = target;
  // Only the chains used are declared: with iptables-nft every base chain is a hook registration,
  // and those dominate the cost (3 chains ≈ 19 ms, the 6 of full tables ≈ 31 ms, in a new netns).
  const lines = ['*nat', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]'];
  for (const proto of ['udp', 'tcp']) {
    lines.push(`-A OUTPUT -d ${EMBEDDED_DNS_ADDRESS}/32 -p ${proto} -m ${proto} --dport 53 -j DNAT --to-destination ${gateway}:53`);
  }
  for (const proto of ['udp', 'tcp']) {
    lines.push(`-A POSTROUTING -s 127.0.0.0/8 -d ${gateway}/32 -p ${proto} -m ${proto} --dport 53 -j SNAT --to-source ${containerIp}`);
  }
  lines.push('COMMIT', '*raw', ':PREROUTING ACCEPT [0:0]');
  lines.push(`-A PREROUTING -d 127.0.0.0/8 ! -i lo -j DROP`, 'COMMIT', '');
  return lines.join('\n');
}

/**
 * Redirects 127.0.0.11:53 in /proc/<pid>/ns/net to the first target's gateway. The server tells
 * a container's networks apart by its source address, so one redirect serves them all.
 */
export async function enableEmbeddedDns(pid: number, targets: DnsRedirectTarget[]): Promise<void> {
  if (!Number.isInteger(pid) || pid <= 0) throw invalidParameter(`invalid pid: ${pid}`);
  const target = targets.find((t) => isIPv4(t.gateway) && isIPv4(t.containerIp));
  if (!target) throw invalidParameter('embedded DNS needs an IPv4 gateway and container address');
  const script = 'echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet && exec iptables-restore -w 5';
  const r = await runCommand('nsenter', [`--net=/proc/${pid}/ns/net`, 'sh', '-c', script], { input: embeddedDnsRules(target) });
  if (r.code !== 0) {
    throw systemError(`setting up the embedded DNS redirect failed: ${r.stderr.trim() || `exit status ${r.code}`}`);
  }
}
