// The texts of the /etc/hosts, /etc/resolv.conf and /etc/hostname that berth bind-mounts into a
// container, built as Docker's libnetwork builds them (etchosts.Build, resolvconf.FilterResolvDNS
// and resolvconf.Build). Pure: the caller reads the host's files and writes the results.
import { isIP } from 'node:net';
import { invalidParameter } from '../common/errors.js';
import type { NetworkMode } from '../runtime/spec.js';

const isHost = (m: NetworkMode | string) => m === 'host';
// Go's net.ParseIP takes no zone ("fe80::1%eth0"); Node's isIP would.
const validIP = (s: string) => !s.includes('%') && isIP(s) !== 0;

export const HOST_GATEWAY = 'host-gateway';

/** One --add-host entry, `name:ip` or `name=ip`; the address may be in brackets. */
export function parseExtraHost(entry: string, hostGateway?: string): { host: string; ip: string } {
  let sep = entry.indexOf('=');
  // Only the first ':' separates, so that IPv6 addresses need no brackets.
  if (sep < 0) sep = entry.indexOf(':');
  const host = sep < 0 ? '' : entry.slice(0, sep);
  if (sep < 0 || host === '' || host.includes(':')) throw invalidParameter(`bad format for add-host: ${JSON.stringify(entry)}`);
  let ip = entry.slice(sep + 1);
  if (ip === HOST_GATEWAY) {
    if (!hostGateway) throw invalidParameter('unable to derive the IP value for host-gateway');
    return { host, ip: hostGateway };
  }
  if (ip.length > 2 && ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  if (!validIP(ip)) throw invalidParameter(`invalid IP address in add-host: ${JSON.stringify(ip)}`);
  return { host, ip };
}

/** --dns values must be plain addresses. */
export function validateDns(dns: readonly string[] | null | undefined): void {
  for (const d of dns ?? []) {
    if (!validIP(d)) throw invalidParameter(`bad nameserver address ${d}: ParseAddr(${JSON.stringify(d)}): unable to parse IP`);
  }
}

const DEFAULT_HOSTS =
  '127.0.0.1\tlocalhost\n' +
  '::1\tlocalhost ip6-localhost ip6-loopback\n' +
  'fe00::0\tip6-localnet\n' +
  'ff00::0\tip6-mcastprefix\n' +
  'ff02::1\tip6-allnodes\n' +
  'ff02::2\tip6-allrouters\n';

export interface HostsOptions {
  hostname: string;
  domainname?: string;
  extraHosts?: readonly string[] | null;
  /** The container's own addresses, each written as `ip\tfqdn hostname`. */
  ips?: readonly string[];
  networkMode: NetworkMode | string;
  /** The host's /etc/hosts text: with --network host and no --add-host it is used as is. */
  hostHosts?: string;
  /** The address `host-gateway` stands for in --add-host. */
  hostGateway?: string;
}

export function hostsFile(o: HostsOptions): string {
  const extra = o.extraHosts ?? [];
  if (isHost(o.networkMode) && extra.length === 0 && o.hostHosts !== undefined) return o.hostHosts;
  let out = DEFAULT_HOSTS;
  for (const e of extra) {
    const { host, ip } = parseExtraHost(e, o.hostGateway);
    out += `${ip}\t${host}\n`;
  }
  if (o.ips?.length) {
    const fqdn = o.domainname ? `${o.hostname}.${o.domainname}` : o.hostname;
    const dot = fqdn.indexOf('.');
    const names = dot < 0 ? fqdn : `${fqdn} ${fqdn.slice(0, dot)}`;
    for (const ip of o.ips) out += `${ip}\t${names}\n`;
  }
  return out;
}

export function hostnameFile(hostname: string): string {
  return `${hostname}\n`;
}

export interface ResolvOptions {
  dns?: readonly string[] | null;
  dnsSearch?: readonly string[] | null;
  dnsOptions?: readonly string[] | null;
  networkMode: NetworkMode | string;
}

// What Docker gives a container whose host resolves only through loopback (systemd-resolved,
// dnsmasq): the host's 127.0.0.53 means nothing inside another network namespace.
const DEFAULT_NAMESERVERS = ['8.8.8.8', '8.8.4.4', '2001:4860:4860::8888', '2001:4860:4860::8844'];
const LOCALHOST_NS = /^nameserver\s+((127\.([0-9]{1,3}\.){2}[0-9]{1,3})|(::1)$)\s*\n*/gm;
const isLoopback = (ip: string) => ip === '::1' || /^127\.([0-9]{1,3}\.){2}[0-9]{1,3}$/.test(ip);

// The fields of the host file's directives; comments ('#' to the end of a line) do not count.
function directives(text: string) {
  const nameservers: string[] = [];
  let search: string[] = [];
  let options: string[] = [];
  for (const raw of text.split('\n')) {
    const hash = raw.indexOf('#');
    const f = (hash < 0 ? raw : raw.slice(0, hash)).trim().split(/\s+/);
    if (f[0] === 'nameserver' && f.length === 2 && /^[0-9a-fA-F.:]+$/.test(f[1]!)) nameservers.push(f[1]!);
    else if (f[0] === 'search') search = f.slice(1);     // the last line wins, as in libc
    else if (f[0] === 'options') options = f.slice(1);
  }
  return { nameservers, search, options };
}

function build(nameservers: readonly string[], search: readonly string[], options: readonly string[]): string {
  let out = '';
  // A lone "." means "no search domains" (--dns-search .).
  if (search.length && search.join(' ').trim() !== '.') out += `search ${search.join(' ')}\n`;
  for (const ns of nameservers) out += `nameserver ${ns}\n`;
  if (options.length && options.join(' ').trim() !== '') out += `options ${options.join(' ')}\n`;
  return out;
}

/**
 * The container's resolv.conf from the host's text. Host network: the host file as it is.
 * Otherwise loopback nameservers are dropped (Google's public servers when none is left), the
 * rest of the file kept byte for byte. --dns, --dns-search and --dns-option each replace the
 * matching directives, and the file is then written anew.
 */
export function resolvConf(hostResolvConf: string, o: ResolvOptions): string {
  validateDns(o.dns);
  const overridden = !!(o.dns?.length || o.dnsSearch?.length || o.dnsOptions?.length);
  if (!overridden) {
    if (isHost(o.networkMode)) return hostResolvConf;
    const cleaned = hostResolvConf.replace(LOCALHOST_NS, '');
    if (directives(cleaned).nameservers.length) return cleaned;
    return `${cleaned}\n${DEFAULT_NAMESERVERS.map((ns) => `nameserver ${ns}`).join('\n')}`;
  }
  const host = directives(hostResolvConf);
  let nameservers: readonly string[] = o.dns?.length ? o.dns : host.nameservers;
  if (!o.dns?.length && !isHost(o.networkMode)) {
    nameservers = nameservers.filter((ns) => !isLoopback(ns));
    if (!nameservers.length) nameservers = DEFAULT_NAMESERVERS;
  }
  return build(nameservers, o.dnsSearch?.length ? o.dnsSearch : host.search, o.dnsOptions?.length ? o.dnsOptions : host.options);
}
