// POST /networks/create as moby's daemon.createNetwork + libnetwork.NewNetwork + the driver's
// option parsing: validation with Docker's texts, subnet choice (given, or the first free
// predefined pool; a random ULA /64 for IPv6), gateway and reserved addresses, driver options.
// Pure: it plans the record; the manager creates devices and rules.
import { randomBytes } from 'node:crypto';
import { BerthError } from '../common/errors.js';
import { AddressPool, allocatePredefined, checkPoolOverlap, randomUlaSubnet, type SplitPool } from './ipam.js';
import { contains, formatAddr, formatPrefix, isMasked, masked, overlaps, parseAddr, parsePrefix, type Family, type Prefix } from './ipnet.js';
import type { FamilyConfig, StoredNetwork } from './store.js';
import type { IpamConfig, NetworkCreateRequest, NetworkRecord } from './types.js';

export const OPT = {
  bridgeName: 'com.docker.network.bridge.name',
  defaultBridge: 'com.docker.network.bridge.default_bridge',
  icc: 'com.docker.network.bridge.enable_icc',
  masquerade: 'com.docker.network.bridge.enable_ip_masquerade',
  hostBinding: 'com.docker.network.bridge.host_binding_ipv4',
  mtu: 'com.docker.network.driver.mtu',
  enableIPv6: 'com.docker.network.enable_ipv6',
  enableIPv4: 'com.docker.network.enable_ipv4',
} as const;

export const PREDEFINED = new Set(['bridge', 'host', 'none', 'default']);
export const BUILTIN_DRIVERS = new Set(['bridge', 'host', 'null', 'macvlan', 'ipvlan']);
const MACVLAN_MODES = ['bridge', 'private', 'vepa', 'passthru'];
const IPVLAN_MODES = ['l2', 'l3', 'l3s'];
const IPVLAN_FLAGS = ['bridge', 'private', 'vepa'];

/** stringid.GenerateRandomID: 64 hex digits whose 12-digit prefix is not all decimal. */
export function randomId(rand: (n: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = rand(32).toString('hex');
    if (!/^[0-9]{12}/.test(id)) return id;
  }
}

/** moby's internal multierror.Join text: one error as is, several as "* a\n* b". */
export function joinErrors(errs: string[]): string {
  if (errs.length === 1) return errs[0].trim();
  return '* ' + errs.map((e) => e.replaceAll('\n', '\n\t')).join('\n* ');
}

/** Go's strconv.ParseBool. */
export function parseBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

const familyName = (f: Family) => (f === 4 ? 'IPv4' : 'IPv6');

function validateAddress(address: string | undefined, subnet: Prefix): string | undefined {
  if (!address) return undefined;
  const a = parseAddr(address);
  if (!a) return 'invalid address';
  if (a.family !== subnet.addr.family) return `parent subnet is an ${familyName(subnet.addr.family)} block`;
  if (!contains(subnet, a)) return `parent subnet ${formatPrefix(subnet)} doesn't contain this address`;
  return undefined;
}

/** api/types/network.ValidateIPAM, with its texts. */
export function validateIpam(configs: IpamConfig[], enableIPv6: boolean): void {
  const errs: string[] = [];
  for (const cfg of configs) {
    const subnet = parsePrefix(cfg.Subnet ?? '');
    if (!subnet) { errs.push(`invalid subnet ${cfg.Subnet ?? ''}: invalid CIDR block notation`); continue; }
    if (!enableIPv6 && subnet.addr.family === 6) continue;
    if (!isMasked(subnet)) errs.push(`invalid subnet ${formatPrefix(subnet)}: it should be ${formatPrefix(masked(subnet))}`);
    if (cfg.IPRange) {
      const r = parsePrefix(cfg.IPRange);
      if (!r) errs.push(`invalid ip-range ${cfg.IPRange}: invalid CIDR block notation`);
      else if (r.addr.family !== subnet.addr.family) errs.push(`invalid ip-range ${cfg.IPRange}: parent subnet is an ${familyName(subnet.addr.family)} block`);
      else {
        if (r.bits < subnet.bits) errs.push(`invalid ip-range ${cfg.IPRange}: CIDR block is bigger than its parent subnet ${formatPrefix(subnet)}`);
        if (!isMasked(r)) errs.push(`invalid ip-range ${formatPrefix(r)}: it should be ${formatPrefix(masked(r))}`);
        if (!overlaps(subnet, r)) {
          errs.push(`invalid ip-range ${cfg.IPRange}: parent subnet ${formatPrefix(subnet)} doesn't contain ip-range`);
        }
      }
    }
    const gwErr = validateAddress(cfg.Gateway, subnet);
    if (gwErr) errs.push(`invalid gateway ${cfg.Gateway}: ${gwErr}`);
    for (const [name, aux] of Object.entries(cfg.AuxiliaryAddresses ?? {})) {
      const e = validateAddress(aux, subnet);
      if (e) errs.push(`invalid auxiliary address ${name}: ${e}`);
    }
  }
  if (errs.length) throw new BerthError('InvalidParameter', `invalid network config:\n${joinErrors(errs)}`);
}

export interface PlanContext {
  networks: StoredNetwork[];
  hostRoutes: Prefix[];
  pools4: SplitPool[];
  pools6: SplitPool[];
  id?: string;
  created: string;
}

function boolOpt(opts: Record<string, string>, key: string, def: boolean): boolean {
  if (!(key in opts)) return def;
  const v = parseBool(opts[key]);
  if (v === undefined) throw new BerthError('InvalidParameter', `strconv.ParseBool: parsing ${JSON.stringify(opts[key])}: invalid syntax`);
  return v;
}

/** Subnet, gateway and reserved addresses of one family: as configured, or a free predefined pool. */
export function planFamily(family: Family, cfg: IpamConfig | undefined, ctx: PlanContext): FamilyConfig {
  const existing = ctx.networks.flatMap((n) => [n.v4, n.v6]).filter((c): c is FamilyConfig => !!c).map((c) => parsePrefix(c.subnet)!)
    .filter((p) => p.addr.family === family);
  let subnet: Prefix;
  if (cfg?.Subnet) {
    subnet = masked(parsePrefix(cfg.Subnet)!);
    checkPoolOverlap(subnet, existing);
  } else {
    const used = [...existing, ...ctx.hostRoutes.filter((r) => r.addr.family === family)];
    const pools = family === 4 ? ctx.pools4 : ctx.pools6;
    subnet = family === 6 && pools.length === 0 ? randomUlaSubnet(used) : allocatePredefined(pools, used);
  }
  const range = cfg?.IPRange ? masked(parsePrefix(cfg.IPRange)!) : undefined;
  const pool = new AddressPool(subnet, range);
  const aux = Object.values(cfg?.AuxiliaryAddresses ?? {});
  for (const a of aux) pool.allocate(parseAddr(a)!);
  const gw = cfg?.Gateway ? pool.allocate(parseAddr(cfg.Gateway)!) : pool.allocate();
  return {
    subnet: formatPrefix(subnet), gateway: formatAddr({ family, n: gw }), ...(range ? { ipRange: formatPrefix(range) } : {}), aux,
    ...(cfg?.Subnet ? { configured: true } : {}),
  };
}

/** The record and device plan of a new network, or Docker's error. */
export function planNetwork(req: NetworkCreateRequest, ctx: PlanContext): StoredNetwork {
  const name = req.Name ?? '';
  if (PREDEFINED.has(name)) throw new BerthError('Forbidden', `operation is not permitted on predefined ${name} network `);
  if (name === '') throw new BerthError('InvalidParameter', 'invalid name: ');
  const driver = req.Driver || 'bridge';
  const opts: Record<string, string> = { ...(req.Options ?? {}) };
  let enableIPv6 = false;
  if (req.EnableIPv6 !== undefined && req.EnableIPv6 !== null) {
    enableIPv6 = req.EnableIPv6;
    delete opts[OPT.enableIPv6];
  } else if (OPT.enableIPv6 in opts) {
    const v = parseBool(opts[OPT.enableIPv6]);
    if (v === undefined) throw new BerthError('InvalidParameter', `driver-opt "${OPT.enableIPv6}" is not a valid bool`);
    enableIPv6 = v;
  }
  if (req.EnableIPv4 === false) throw new BerthError('InvalidParameter', 'IPv4 can only be disabled if experimental features are enabled');
  delete opts[OPT.enableIPv4];
  const configs = req.IPAM?.Config ?? [];
  validateIpam(configs, enableIPv6);
  if (req.IPAM?.Driver && req.IPAM.Driver !== 'default') {
    throw new BerthError('NotFound', `could not find plugin ${req.IPAM.Driver} in v1 plugin registry: plugin not found`);
  }
  if (ctx.networks.some((n) => n.record.Name === name)) throw new BerthError('Conflict', `network with name ${name} already exists`);
  if (driver === 'host' || driver === 'null') throw new BerthError('Forbidden', `only one instance of "${driver}" network is allowed`);
  if (driver === 'overlay') {
    throw new BerthError('Forbidden', 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.');
  }
  if (!BUILTIN_DRIVERS.has(driver)) throw new BerthError('NotFound', `could not find plugin ${driver} in v1 plugin registry: plugin not found`);
  if (req.ConfigOnly || req.ConfigFrom?.Network) throw new BerthError('InvalidParameter', 'config-only networks are not supported');

  const byFamily = (f: Family) => configs.filter((c) => parsePrefix(c.Subnet ?? '')?.addr.family === f);
  const v4cfgs = byFamily(4);
  const v6cfgs = enableIPv6 ? byFamily(6) : [];
  if (v4cfgs.length > 1 || v6cfgs.length > 1) throw new BerthError('InvalidParameter', 'only one subnet per address family is supported');

  const id = ctx.id ?? randomId();
  const out: StoredNetwork = { record: {} as NetworkRecord };
  const plan = () => {
    out.v4 = planFamily(4, v4cfgs[0], ctx);
    if (enableIPv6) out.v6 = planFamily(6, v6cfgs[0], ctx);
  };

  if (driver === 'bridge') {
    const bridge = opts[OPT.bridgeName] || `br-${id.slice(0, 12)}`;
    if (bridge.length > 15 || /[\s/:]/.test(bridge)) throw new BerthError('InvalidParameter', `invalid bridge name: ${bridge}`);
    const other = ctx.networks.find((n) => n.bridge === bridge);
    if (other) {
      throw new BerthError('Forbidden', `cannot create network ${id} (${bridge}): conflicts with network ${other.record.Id} (${bridge}): networks have same bridge name`);
    }
    boolOpt(opts, OPT.icc, true);
    boolOpt(opts, OPT.masquerade, true);
    if (opts[OPT.hostBinding] !== undefined && !parseAddr(opts[OPT.hostBinding])) {
      throw new BerthError('InvalidParameter', `failed to parse ${OPT.hostBinding} value ${opts[OPT.hostBinding]}`);
    }
    out.bridge = bridge;
  } else {
    const modeKey = driver === 'macvlan' ? 'macvlan_mode' : 'ipvlan_mode';
    const modes = driver === 'macvlan' ? MACVLAN_MODES : IPVLAN_MODES;
    if (opts[modeKey] !== undefined && opts[modeKey] !== '' && !modes.includes(opts[modeKey])) {
      throw new BerthError('InvalidParameter', driver === 'macvlan'
        ? `requested macvlan mode '${opts[modeKey]}' is not valid, 'bridge' mode is the macvlan driver default`
        : `requested ipvlan mode '${opts[modeKey]}' is not valid, 'l2' mode is the ipvlan driver default`);
    }
    if (driver === 'ipvlan' && opts.ipvlan_flag && !IPVLAN_FLAGS.includes(opts.ipvlan_flag)) {
      throw new BerthError('InvalidParameter', `requested ipvlan flag '${opts.ipvlan_flag}' is not valid, 'bridge' is the ipvlan driver default`);
    }
    const parent = opts.parent || opts.host_iface || '';
    if (parent) {
      const other = ctx.networks.find((n) => n.parent === parent && !n.createdParent);
      if (other) throw new BerthError('Forbidden', `network dm-${other.record.Id.slice(0, 12)} is already using parent interface ${parent}`);
      out.parent = parent;
    } else {
      out.parent = `dm-${id.slice(0, 12)}`;
      out.createdParent = true;
    }
  }
  if (opts[OPT.mtu] !== undefined && !/^[0-9]+$/.test(opts[OPT.mtu])) throw new BerthError('InvalidParameter', `invalid MTU number: ${opts[OPT.mtu]}`);
  plan();

  const shown = (cfg: IpamConfig | undefined, fc: FamilyConfig | undefined): IpamConfig[] => {
    if (!fc) return [];
    if (cfg?.Subnet) {
      return [{ Subnet: cfg.Subnet, ...(cfg.IPRange ? { IPRange: cfg.IPRange } : {}), ...(cfg.Gateway ? { Gateway: cfg.Gateway } : {}), ...(cfg.AuxiliaryAddresses && Object.keys(cfg.AuxiliaryAddresses).length ? { AuxiliaryAddresses: cfg.AuxiliaryAddresses } : {}) }];
    }
    return [{ Subnet: fc.subnet, Gateway: fc.gateway }];
  };
  out.record = {
    Name: name,
    Id: id,
    Created: ctx.created,
    Scope: 'local',
    Driver: driver,
    EnableIPv4: true,
    EnableIPv6: enableIPv6,
    IPAM: { Driver: 'default', Options: req.IPAM?.Options ?? {}, Config: [...shown(v4cfgs[0], out.v4), ...shown(v6cfgs[0], out.v6)] },
    Internal: !!req.Internal,
    Attachable: !!req.Attachable,
    Ingress: !!req.Ingress,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Options: opts,
    Labels: req.Labels ?? {},
  };
  return out;
}
