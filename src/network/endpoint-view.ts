// An endpoint as Docker shows and checks it: EndpointSettings of container inspect, moby's
// validateEndpointSettings texts, DNSNames (buildEndpointDNSNames), legacy link parsing.
import { BerthError } from '../common/errors.js';
import { joinErrors } from './create.js';
import { contains, parseAddr, parsePrefix, type Addr, type Family } from './ipnet.js';
import { parseMac } from './mac.js';
import { isUserDefined, type LiveNetwork } from './registry.js';
import type { StoredEndpoint } from './store.js';
import type { EndpointRequest, EndpointSettings } from './types.js';

export function settingsOf(ep: StoredEndpoint): EndpointSettings {
  return {
    IPAMConfig: ep.request.IPAMConfig ?? null,
    Links: ep.links.length ? ep.links : null,
    Aliases: ep.aliases.length ? ep.aliases : null,
    MacAddress: ep.mac,
    DriverOpts: ep.request.DriverOpts ?? null,
    NetworkID: ep.networkId,
    EndpointID: ep.endpointId,
    Gateway: ep.gateway,
    IPAddress: ep.ipv4 ?? '',
    IPPrefixLen: ep.ipv4 ? ep.prefixLen : 0,
    IPv6Gateway: ep.gateway6,
    GlobalIPv6Address: ep.ipv6 ?? '',
    GlobalIPv6PrefixLen: ep.ipv6 ? ep.prefixLen6 : 0,
    DNSNames: ep.dnsNames.length ? ep.dnsNames : null,
  };
}

/** What a stopped container shows for a network it is attached to: what it asked for, no address. */
export function stoppedSettings(networkId: string, req: EndpointRequest): EndpointSettings {
  return {
    IPAMConfig: req.IPAMConfig ?? null, Links: req.Links ?? null, Aliases: req.Aliases ?? null, MacAddress: req.MacAddress ?? '',
    DriverOpts: req.DriverOpts ?? null, NetworkID: networkId, EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0,
    IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, DNSNames: null,
  };
}

/** buildEndpointDNSNames: name, aliases, short id, hostname, without repeats (the first is the PTR name). */
export function dnsNamesOf(o: { name: string; aliases: string[]; containerId: string; hostname: string }): string[] {
  return [...new Set([o.name, ...o.aliases, o.containerId.slice(0, 12), o.hostname].filter(Boolean))];
}

function staticAddr(s: string | undefined, family: Family): Addr | 'invalid' | undefined {
  if (!s) return undefined;
  const a = parseAddr(s);
  if (!a || a.family !== family || a.n === 0n) return 'invalid';
  return a;
}

/**
 * validateEndpointSettings: Docker's errors for static addresses and aliases on the default
 * bridge, malformed or out-of-subnet addresses, a malformed MAC; InvalidParameter.
 */
export function validateEndpoint(n: LiveNetwork, req: EndpointRequest): void {
  const ipam = req.IPAMConfig ?? {};
  const errs: string[] = [];
  const userDefined = isUserDefined(n);
  if (!userDefined) {
    if (ipam.IPv4Address || ipam.IPv6Address) errs.push('user specified IP address is supported on user defined networks only');
    if (req.Aliases?.length) errs.push('network-scoped alias is supported only for containers in user defined networks');
  }
  for (const family of [4, 6] as const) {
    const raw = family === 4 ? ipam.IPv4Address : ipam.IPv6Address;
    const a = staticAddr(raw, family);
    if (a === 'invalid') { errs.push(`invalid IPv${family} address: ${raw}`); continue; }
    if (!a || !userDefined) continue;
    const cfg = family === 4 ? n.stored.v4 : n.stored.v6;
    if (!cfg?.configured) errs.push('user specified IP address is supported only when connecting to networks with user configured subnets');
    else if (!contains(parsePrefix(cfg.subnet)!, a)) errs.push(`no configured subnet or ip-range contain the IP address ${raw}`);
  }
  if (req.MacAddress && !parseMac(req.MacAddress)) throw new BerthError('InvalidParameter', `invalid MAC address ${req.MacAddress}`);
  if (errs.length) throw new BerthError('InvalidParameter', `invalid endpoint settings:\n${joinErrors(errs)}`);
}

/** A legacy link as HostConfig.Links holds it ("/db:/web/alias") or as given ("db:alias", "db"). */
export function parseLink(link: string): { target: string; alias: string } {
  const i = link.indexOf(':');
  const target = (i < 0 ? link : link.slice(0, i)).replace(/^\//, '');
  const aliasPath = i < 0 ? target : link.slice(i + 1);
  return { target, alias: aliasPath.slice(aliasPath.lastIndexOf('/') + 1) };
}
