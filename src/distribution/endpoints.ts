// Which endpoints a registry host is tried on, as dockerd's registry service decides:
//  - docker.io (and its aliases) is https://registry-1.docker.io, always with TLS;
//  - an insecure registry — in an --insecure-registry CIDR (127.0.0.0/8 and ::1/128 are always
//    there) or named by host[:port] — is tried on HTTPS without certificate checks, then on HTTP;
//  - anything else is HTTPS with verification, using CAs and client certificates found in
//    /etc/docker/certs.d/<host[:port]>/ (ca.crt / *.crt, client.cert + client.key) as Docker does.
import { lookup } from 'node:dns/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { join } from 'node:path';
import { invalidParameter } from '../common/errors.js';
import { DEFAULT_REGISTRY_HOST, INDEX_NAME, registryHostname } from './auth-config.js';

export interface TlsFiles { ca?: Buffer[]; cert?: Buffer; key?: Buffer }

export interface Endpoint {
  /** `https://127.0.0.1:5000` (no trailing slash). */
  url: string;
  /** Verify the server certificate (off for insecure registries). */
  verify: boolean;
  tls: TlsFiles;
}

const DEFAULT_CERT_DIRS = ['/etc/docker/certs.d', '/etc/containers/certs.d'];

export class InsecureRegistries {
  private readonly cidrs = new BlockList();
  private readonly names = new Set<string>();
  readonly list: string[];

  /** `entries` as --insecure-registry takes them: CIDRs or host[:port] (a scheme is refused). */
  constructor(entries: string[] = []) {
    this.cidrs.addSubnet('127.0.0.0', 8, 'ipv4');
    this.cidrs.addSubnet('::1', 128, 'ipv6');
    this.list = ['::1/128', '127.0.0.0/8'];
    for (const raw of entries) {
      const e = raw.trim();
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(e)) throw invalidParameter(`insecure registry ${e} should not contain '://'`);
      const m = /^(.+)\/(\d{1,3})$/.exec(e);
      if (m && isIP(m[1]!)) {
        const family = isIP(m[1]!) === 6 ? 'ipv6' : 'ipv4';
        const bits = Number(m[2]);
        if (bits > (family === 'ipv6' ? 128 : 32)) throw invalidParameter(`invalid CIDR address: ${e}`);
        this.cidrs.addSubnet(m[1]!, bits, family);
        this.list.push(e);
        continue;
      }
      if (e === '' || e.includes('/')) throw invalidParameter(`insecure registry ${e} is not a valid CIDR or host[:port]`);
      if (registryHostname(e) === INDEX_NAME) continue; // Docker Hub is always secure
      this.names.add(e.toLowerCase());
      this.list.push(e);
    }
  }

  /** Whether `host` (host[:port] as in a reference domain) may be reached without verified TLS. */
  async isInsecure(host: string): Promise<boolean> {
    if (registryHostname(host) === INDEX_NAME) return false;
    if (this.names.has(host.toLowerCase())) return true;
    const name = hostOnly(host);
    if (this.names.has(name.toLowerCase())) return true;
    let addrs: string[];
    if (isIP(name)) addrs = [name];
    else {
      try {
        addrs = (await lookup(name, { all: true })).map((a) => a.address);
      } catch {
        addrs = [];
      }
    }
    return addrs.some((a) => this.cidrs.check(a, isIP(a) === 6 ? 'ipv6' : 'ipv4'));
  }
}

/** `host[:port]` → host, IPv6 brackets removed. */
export function hostOnly(hostPort: string): string {
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']');
    return end > 0 ? hostPort.slice(1, end) : hostPort;
  }
  const colon = hostPort.lastIndexOf(':');
  return colon > 0 && hostPort.indexOf(':') === colon ? hostPort.slice(0, colon) : hostPort;
}

/** The endpoints to try for a reference domain, in order (LookupPullEndpoints / LookupPushEndpoints). */
export async function endpointsFor(domain: string, insecure: InsecureRegistries, certDirs = DEFAULT_CERT_DIRS): Promise<Endpoint[]> {
  if (registryHostname(domain) === INDEX_NAME) {
    return [{ url: `https://${DEFAULT_REGISTRY_HOST}`, verify: true, tls: tlsFiles(DEFAULT_REGISTRY_HOST, certDirs) }];
  }
  const tls = tlsFiles(domain, certDirs);
  if (await insecure.isInsecure(domain)) {
    return [{ url: `https://${domain}`, verify: false, tls }, { url: `http://${domain}`, verify: false, tls: {} }];
  }
  return [{ url: `https://${domain}`, verify: true, tls }];
}

/** registry.ReadCertsDirectory: *.crt are CAs, *.cert + matching *.key a client pair. */
export function tlsFiles(host: string, dirs: string[]): TlsFiles {
  const out: TlsFiles = {};
  for (const base of dirs) {
    const dir = join(base, host);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names.sort()) {
      try {
        if (n.endsWith('.crt')) (out.ca ??= []).push(readFileSync(join(dir, n)));
        else if (n.endsWith('.cert') && !out.cert) {
          const key = n.slice(0, -5) + '.key';
          if (names.includes(key)) {
            out.cert = readFileSync(join(dir, n));
            out.key = readFileSync(join(dir, key));
          }
        }
      } catch { /* unreadable: ignored as Docker logs and skips */ }
    }
  }
  return out;
}
