// The network commands (docker/cli cli/command/network, as in docker 28): create, ls, inspect, rm,
// prune, connect, disconnect — with docker's client-side IPAM consolidation and its error texts.
import { BAD_FILTER_FORMAT, encodeFilters, parseFilterFlag, Filters } from '../../common/filters.js';
import { LIST_FORMAT_USAGE, type Command } from '../command.js';
import { changedSet, type SpecCommand } from '../container/spec-command.js';
import { StatusError, type CliContext } from '../context.js';
import { formatList, printInspect } from '../format.js';
import type { FlagDef, FlagSpec } from '../flags.js';
import { parseIP } from '../opts/ip.js';
import { kvStringsToMap } from '../opts/kvfile.js';
import { validateLabel, validateLink } from '../opts/validate.js';
import { confirm } from '../prompt.js';
import { goStruct } from '../template/index.js';
import { truncateId } from '../units.js';
import { errText } from './images.js';
import { naturalLess } from './system.js';

const enc = encodeURIComponent;

// ---- IPAM consolidation (createIPAMConfig), with Go's net.ParseCIDR / IPNet.Contains semantics

interface IPNet { ip: Uint8Array; mask: Uint8Array }

function to4(ip: Uint8Array): Uint8Array | null {
  if (ip.length === 4) return ip;
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return null;
  return ip[10] === 0xff && ip[11] === 0xff ? ip.subarray(12) : null;
}

/** net.ParseCIDR: the address (16 bytes) and the masked network; Go's error text otherwise. */
function parseCIDR(s: string): { ip: Uint8Array; net: IPNet } {
  const bad = () => new Error(`invalid CIDR address: ${s}`);
  const slash = s.indexOf('/');
  if (slash < 0) throw bad();
  const addr = s.slice(0, slash);
  const ip = parseIP(addr);
  if (!ip) throw bad();
  const bits = addr.includes(':') ? 128 : 32;
  const len = s.slice(slash + 1);
  if (!/^\d+$/.test(len) || Number(len) > bits) throw bad();
  const ones = Number(len);
  const mask = new Uint8Array(bits / 8);
  for (let i = 0; i < mask.length; i++) mask[i] = 0xff & ~(0xff >> Math.min(8, Math.max(0, ones - i * 8)));
  const base = mask.length === 4 ? to4(ip)! : ip;
  return { ip, net: { ip: base.map((b, i) => b & mask[i]!), mask } };
}

/** net.IPNet.Contains. */
function contains(n: IPNet, ip: Uint8Array | null): boolean {
  const nn = to4(n.ip) ?? n.ip;
  let m = n.mask;
  if (m.length === 4 && nn.length !== 4) return false;
  if (m.length === 16 && nn.length === 4) m = m.subarray(12);
  if (!ip) return false;
  const x = to4(ip) ?? ip;
  if (x.length !== nn.length) return false;
  for (let i = 0; i < x.length; i++) if ((nn[i]! & m[i]!) !== (x[i]! & m[i]!)) return false;
  return true;
}

/** docker/cli subnetMatches: whether `data` (an address, or a CIDR's address) lies in `subnet`. */
function subnetMatches(subnet: string, data: string): boolean {
  let net: IPNet;
  try {
    net = parseCIDR(subnet).net;
  } catch (e) {
    throw new Error(`invalid subnet: ${(e as Error).message}`);
  }
  const ip = data.includes('/') ? parseCIDR(data).ip : parseIP(data);
  return contains(net, ip);
}

export interface IpamConfig { Subnet?: string; IPRange?: string; Gateway?: string; AuxiliaryAddresses?: Record<string, string> }

export interface IpamInput {
  subnets: readonly string[];
  ipRanges: readonly string[];
  gateways: readonly string[];
  /** --aux-address values as given (`name=ip`). */
  auxAddresses: readonly string[];
}

/** docker/cli createIPAMConfig's consolidation: one config per subnet, or docker's error text. */
export function consolidateIpam(o: IpamInput): IpamConfig[] {
  const { subnets, ipRanges, gateways } = o;
  if (subnets.length < ipRanges.length || subnets.length < gateways.length) {
    throw new Error('every ip-range or gateway must have a corresponding subnet');
  }
  const data = new Map<string, IpamConfig & { AuxiliaryAddresses: Record<string, string> }>();
  for (const s of subnets) {
    for (const k of data.keys()) {
      const ok1 = subnetMatches(s, k);
      const ok2 = subnetMatches(k, s);
      if (ok1 || ok2) throw new Error('multiple overlapping subnet configuration is not supported');
    }
    data.set(s, { Subnet: s, AuxiliaryAddresses: {} });
  }
  for (const r of ipRanges) {
    let match = false;
    for (const s of subnets) {
      parseCIDR(r);
      if (!subnetMatches(s, r)) continue;
      const d = data.get(s)!;
      if (d.IPRange) throw new Error(`cannot configure multiple ranges (${r}, ${d.IPRange}) on the same subnet (${s})`);
      d.IPRange = r;
      match = true;
    }
    if (!match) throw new Error(`no matching subnet for range ${r}`);
  }
  for (const g of gateways) {
    let match = false;
    for (const s of subnets) {
      if (!subnetMatches(s, g)) continue;
      const d = data.get(s)!;
      if (d.Gateway) throw new Error(`cannot configure multiple gateways (${g}, ${d.Gateway}) for the same subnet (${s})`);
      d.Gateway = g;
      match = true;
    }
    if (!match) throw new Error(`no matching subnet for gateway ${g}`);
  }
  for (const [key, aa] of Object.entries(mapOpt(o.auxAddresses))) {
    let match = false;
    for (const s of subnets) {
      if (!subnetMatches(s, aa)) continue;
      data.get(s)!.AuxiliaryAddresses[key] = aa;
      match = true;
    }
    if (!match) throw new Error(`no matching subnet for aux-address ${aa}`);
  }
  return [...data.values()].map((d) => {
    const c: IpamConfig = { Subnet: d.Subnet };
    if (d.IPRange) c.IPRange = d.IPRange;
    if (d.Gateway) c.Gateway = d.Gateway;
    if (Object.keys(d.AuxiliaryAddresses).length) c.AuxiliaryAddresses = d.AuxiliaryAddresses;
    return c;
  });
}

/** opts.MapOpts.GetAll: `k=v` → v, `k` alone → "" (the last value of a key wins). */
function mapOpt(values: readonly string[] | undefined): Record<string, string> {
  return kvStringsToMap(values ?? []);
}

export interface NetworkCreateOptions {
  driver: string; opt: string[]; label: string[]; internal: boolean; attachable: boolean; ingress: boolean;
  scope: string; 'config-only': boolean; 'config-from': string; 'ipam-driver': string; subnet: string[];
  'ip-range': string[]; gateway: string[]; 'aux-address': string[]; 'ipam-opt': string[];
  /** --ipv4 / --ipv6 when given (docker sends EnableIPv4/EnableIPv6 only then). */
  enableIPv4?: boolean; enableIPv6?: boolean;
}

/** The POST /networks/create body docker 28 sends (network.CreateRequest); throws docker's validation errors. */
export function networkCreateBody(name: string, o: NetworkCreateOptions): Record<string, unknown> {
  const config = consolidateIpam({ subnets: o.subnet ?? [], ipRanges: o['ip-range'] ?? [], gateways: o.gateway ?? [], auxAddresses: o['aux-address'] ?? [] });
  const body: Record<string, unknown> = { Driver: o.driver, Scope: o.scope ?? '' };
  if (o.enableIPv4 !== undefined) body.EnableIPv4 = o.enableIPv4;
  if (o.enableIPv6 !== undefined) body.EnableIPv6 = o.enableIPv6;
  Object.assign(body, {
    IPAM: { Driver: o['ipam-driver'], Config: config, Options: mapOpt(o['ipam-opt']) },
    Internal: Boolean(o.internal),
    Attachable: Boolean(o.attachable),
    Ingress: Boolean(o.ingress),
    ConfigOnly: Boolean(o['config-only']),
    ConfigFrom: o['config-from'] ? { Network: o['config-from'] } : null,
    Options: mapOpt(o.opt),
    Labels: kvStringsToMap(o.label ?? []),
    Name: name,
  });
  return body;
}

// ---- flags

/** opts.FilterOpt.Set's check, at parse time so the error is pflag's. */
const validateFilter = (v: string) => {
  if (v !== '' && !v.includes('=')) throw new Error(BAD_FILTER_FORMAT);
};

const mapFlag = (usage: string, short?: string): FlagDef => ({ type: 'stringArray', short, typeName: 'map', defaultText: 'map[]', usage });

function filtersOf(values: readonly string[] | undefined): Filters {
  let f = new Filters();
  try {
    for (const v of values ?? []) f = parseFilterFlag(v, f);
  } catch (e) {
    throw new StatusError((e as Error).message, 1);
  }
  return f;
}

// ---- commands

export const networkCreateCmd: SpecCommand = {
  name: 'create',
  usage: '[OPTIONS] NETWORK',
  description: 'Create a network',
  args: { exact: 1 },
  spec: {
    attachable: { type: 'bool', usage: 'Enable manual container attachment' },
    'aux-address': mapFlag('Auxiliary IPv4 or IPv6 addresses used by Network driver'),
    'config-from': { type: 'string', usage: 'The network from which to copy the configuration' },
    'config-only': { type: 'bool', usage: 'Create a configuration only network' },
    driver: { type: 'string', short: 'd', default: 'bridge', usage: 'Driver to manage the Network' },
    gateway: { type: 'stringSlice', usage: 'IPv4 or IPv6 Gateway for the master subnet' },
    ingress: { type: 'bool', usage: 'Create swarm routing-mesh network' },
    internal: { type: 'bool', usage: 'Restrict external access to the network' },
    'ip-range': { type: 'stringSlice', usage: 'Allocate container ip from a sub-range' },
    'ipam-driver': { type: 'string', default: 'default', usage: 'IP Address Management Driver' },
    'ipam-opt': mapFlag('Set IPAM driver specific options'),
    ipv4: { type: 'bool', default: true, usage: 'Enable or disable IPv4 address assignment' },
    ipv6: { type: 'bool', usage: 'Enable or disable IPv6 address assignment' },
    label: { type: 'stringArray', typeName: 'list', usage: 'Set metadata on a network', validate: validateLabel },
    opt: mapFlag('Set driver specific options', 'o'),
    scope: { type: 'string', usage: "Control the network's scope" },
    subnet: { type: 'stringSlice', usage: 'Subnet in CIDR format that represents a network segment' },
  },
  async run(ctx, o, [name]) {
    const changed = changedSet(o);
    let body: Record<string, unknown>;
    try {
      body = networkCreateBody(name!, {
        ...(o as NetworkCreateOptions),
        enableIPv4: changed.has('ipv4') ? o.ipv4 : undefined,
        enableIPv6: changed.has('ipv6') ? o.ipv6 : undefined,
      });
    } catch (e) {
      throw new StatusError((e as Error).message, 1);
    }
    const r = await ctx.client.json<{ Id: string }>('POST', '/networks/create', { body });
    ctx.print(r.Id);
  },
};

export interface NetworkSummary {
  Name: string; Id: string; Created?: string; Scope: string; Driver: string;
  EnableIPv4?: boolean; EnableIPv6?: boolean; Internal?: boolean; Labels?: Record<string, string> | null;
}

/** Go's time.Time.String() of an RFC 3339 timestamp as the daemon sends it. */
export function goTimeOfRFC3339(s: string | undefined): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(s ?? '');
  if (!m) return '0001-01-01 00:00:00 +0000 UTC';
  const frac = (m[3] ?? '').slice(0, 9).replace(/0+$/, '');
  const off = m[4] === 'Z' ? '+0000 UTC' : `${m[4]!.replace(':', '')} ${m[4]!.replace(':', '')}`;
  return `${m[1]} ${m[2]}${frac ? '.' + frac : ''} ${off}`;
}

export const NETWORK_HEADERS = {
  ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', IPv4: 'IPV4', IPv6: 'IPV6',
  Internal: 'INTERNAL', Labels: 'LABELS', CreatedAt: 'CREATED AT',
};
// SubHeaderContext.Label: the header of `{{.Label "com.example.some-name"}}` is "some name".
Object.defineProperty(NETWORK_HEADERS, 'Label', {
  value: (name: string) => (name.split('.').pop() ?? '').replace(/[-_]/g, ' '),
  enumerable: false,
});

const DEFAULT_NETWORK_TABLE = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';

/** One `network ls` row (networkContext): fields in Go's JSON order, `Label` a method. */
export function networkRow(n: NetworkSummary, trunc: boolean): object {
  const labels = n.Labels ?? {};
  const row = goStruct('*network.networkContext', {
    CreatedAt: goTimeOfRFC3339(n.Created),
    Driver: n.Driver,
    ID: trunc ? truncateId(n.Id) : n.Id,
    IPv4: String(Boolean(n.EnableIPv4)),
    IPv6: String(Boolean(n.EnableIPv6)),
    Internal: String(Boolean(n.Internal)),
    Labels: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(','),
    Name: n.Name,
    Scope: n.Scope,
  });
  Object.defineProperty(row, 'Label', { value: (k: string) => labels[k] ?? '', enumerable: false });
  return row;
}

/** network.NewFormat: the template for a --format value. */
export function networkFormat(source: string, quiet: boolean): string {
  if (source === 'table') return quiet ? '{{.ID}}' : DEFAULT_NETWORK_TABLE;
  if (source === 'raw') return quiet ? 'network_id: {{.ID}}' : 'network_id: {{.ID}}\\nname: {{.Name}}\\ndriver: {{.Driver}}\\nscope: {{.Scope}}\\n';
  return source;
}

/** `network ls` output: sorted by name as docker does (natural order), then formatted. */
export function renderNetworkList(list: NetworkSummary[], o: { format?: string; quiet?: boolean; noTrunc?: boolean }): string {
  const sorted = [...list].sort((a, b) => naturalLess(a.Name, b.Name));
  const rows = sorted.map((n) => networkRow(n, !o.noTrunc));
  return formatList(networkFormat(o.format || 'table', Boolean(o.quiet)), rows, NETWORK_HEADERS, DEFAULT_NETWORK_TABLE);
}

export const networkLsCmd: SpecCommand = {
  name: 'ls',
  aliases: ['list'],
  usage: '[OPTIONS]',
  description: 'List networks',
  args: {},
  helpAliases: ['berth network ls', 'berth network list'],
  spec: {
    filter: { type: 'stringArray', short: 'f', typeName: 'filter', usage: 'Provide filter values (e.g. "driver=bridge")', validate: validateFilter },
    format: {
      type: 'string',
      usage: LIST_FORMAT_USAGE,
    },
    'no-trunc': { type: 'bool', usage: 'Do not truncate the output' },
    quiet: { type: 'bool', short: 'q', usage: 'Only display network IDs' },
  },
  async run(ctx, o) {
    const f = filtersOf(o.filter);
    const list = await ctx.client.get<NetworkSummary[]>('/networks', { filters: f.len() ? encodeFilters(f) : undefined });
    ctx.out.write(renderNetworkList(list ?? [], { format: o.format, quiet: o.quiet, noTrunc: o['no-trunc'] }));
  },
};

export const networkInspectCmd: SpecCommand = {
  name: 'inspect',
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  description: 'Display detailed information on one or more networks',
  args: { min: 1 },
  spec: {
    format: {
      type: 'string', short: 'f',
      usage: "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates",
    },
    verbose: { type: 'bool', short: 'v', usage: 'Verbose output for diagnostics' },
  },
  async run(ctx, o, args) {
    return printInspect(ctx, args, o.format, (n) => ctx.client.get(`/networks/${enc(n)}`, { verbose: o.verbose ? 'true' : undefined }), 'network');
  },
};

const INGRESS_WARNING = 'WARNING! Before removing the routing-mesh network, make sure all the nodes in your swarm run the same docker engine version. Otherwise, removal may not be effective and functionality of newly create ingress networks will be impaired.\nAre you sure you want to continue?';

export const networkRmCmd: SpecCommand = {
  name: 'rm',
  aliases: ['remove'],
  usage: 'NETWORK [NETWORK...]',
  description: 'Remove one or more networks',
  args: { min: 1 },
  helpAliases: ['berth network rm', 'berth network remove'],
  spec: {
    force: { type: 'bool', short: 'f', usage: 'Do not error if the network does not exist' },
  },
  async run(ctx, o, args) {
    let failed = false;
    for (const name of args) {
      const nw = await ctx.client.get<{ Ingress?: boolean }>(`/networks/${enc(name)}`).catch(() => null);
      if (nw?.Ingress && !(await confirm(ctx, INGRESS_WARNING))) continue;
      try {
        (await ctx.client.request('DELETE', `/networks/${enc(name)}`)).resume();
      } catch (e) {
        if (o.force && (e as { status?: number }).status === 404) continue;
        ctx.err.write(errText(e) + '\n');
        failed = true;
        continue;
      }
      ctx.print(name);
    }
    if (failed) throw new StatusError('exit status 1', 1);
  },
};

export const networkPruneCmd: SpecCommand = {
  name: 'prune',
  usage: '[OPTIONS]',
  description: 'Remove all unused networks',
  args: {},
  spec: {
    filter: { type: 'stringArray', typeName: 'filter', usage: 'Provide filter values (e.g. "until=<timestamp>")', validate: validateFilter },
    force: { type: 'bool', short: 'f', usage: 'Do not prompt for confirmation' },
  },
  async run(ctx, o) {
    const f = filtersOf(o.filter);
    if (!o.force && !(await confirm(ctx, 'WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue?'))) return 0;
    const r = await ctx.client.json<{ NetworksDeleted: string[] | null }>('POST', '/networks/prune', { query: { filters: f.len() ? encodeFilters(f) : undefined } });
    const deleted = r?.NetworksDeleted ?? [];
    if (deleted.length) ctx.out.write(`Deleted Networks:\n${deleted.map((n) => n + '\n').join('')}\n`);
  },
};

/** docker/cli convertDriverOpt: `k=v` pairs, keys and values trimmed. */
export function convertDriverOpt(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const opt of values) {
    const i = opt.indexOf('=');
    const k = (i < 0 ? opt : opt.slice(0, i)).trim();
    if (i < 0 || k === '') throw new Error('invalid key/value pair format in driver options');
    out[k] = opt.slice(i + 1).trim();
  }
  return out;
}

export interface ConnectOptions { ip: string; ip6: string; link: string[]; alias: string[]; 'link-local-ip': string[]; 'driver-opt': string[]; 'gw-priority': number }

/** The POST /networks/{id}/connect body docker 28 sends (its EndpointSettings). */
export function networkConnectBody(container: string, o: ConnectOptions): Record<string, unknown> {
  const ipam: Record<string, unknown> = {};
  if (o.ip) ipam.IPv4Address = o.ip;
  if (o.ip6) ipam.IPv6Address = o.ip6;
  if (o['link-local-ip']?.length) ipam.LinkLocalIPs = o['link-local-ip'];
  return {
    Container: container,
    EndpointConfig: {
      IPAMConfig: ipam,
      Links: o.link?.length ? o.link : null,
      Aliases: o.alias ?? [],
      DriverOpts: convertDriverOpt(o['driver-opt'] ?? []),
      GwPriority: o['gw-priority'] ?? 0,
      MacAddress: '', NetworkID: '', EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0,
      IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, DNSNames: null,
    },
  };
}

async function post(ctx: CliContext, path: string, body: unknown): Promise<void> {
  (await ctx.client.request('POST', path, { body })).resume();
}

export const networkConnectCmd: SpecCommand = {
  name: 'connect',
  usage: '[OPTIONS] NETWORK CONTAINER',
  description: 'Connect a container to a network',
  args: { exact: 2 },
  spec: {
    alias: { type: 'stringSlice', usage: 'Add network-scoped alias for the container' },
    'driver-opt': { type: 'stringSlice', usage: 'driver options for the network' },
    'gw-priority': { type: 'int', usage: 'Highest gw-priority provides the default gateway. Accepts positive and negative values.' },
    ip: { type: 'string', usage: 'IPv4 address (e.g., "172.30.100.104")' },
    ip6: { type: 'string', usage: 'IPv6 address (e.g., "2001:db8::33")' },
    link: { type: 'stringArray', typeName: 'list', usage: 'Add link to another container', validate: validateLink },
    'link-local-ip': { type: 'stringSlice', usage: 'Add a link-local address for the container' },
  } satisfies FlagSpec,
  async run(ctx, o, [network, container]) {
    let body: Record<string, unknown>;
    try {
      body = networkConnectBody(container!, o as ConnectOptions);
    } catch (e) {
      throw new StatusError((e as Error).message, 1);
    }
    await post(ctx, `/networks/${enc(network!)}/connect`, body);
  },
};

export const networkDisconnectCmd: SpecCommand = {
  name: 'disconnect',
  usage: '[OPTIONS] NETWORK CONTAINER',
  description: 'Disconnect a container from a network',
  args: { exact: 2 },
  spec: {
    force: { type: 'bool', short: 'f', usage: 'Force the container to disconnect from a network' },
  },
  async run(ctx, o, [network, container]) {
    await post(ctx, `/networks/${enc(network!)}/disconnect`, { Container: container, Force: Boolean(o.force) });
  },
};

/** The `network` group's commands. */
export function networkCommands(): Command[] {
  return [networkConnectCmd, networkCreateCmd, networkDisconnectCmd, networkInspectCmd, networkLsCmd, networkPruneCmd, networkRmCmd];
}
