// IP address management as libnetwork's default IPAM driver does it: predefined pools split into
// subnets (--default-address-pool), the first subnet that overlaps neither another network nor a
// host route, and per-subnet address sets (network and broadcast addresses reserved, lowest free
// address first, optionally within an --ip-range).
import { randomBytes } from 'node:crypto';
import { BerthError } from '../common/errors.js';
import {
  comparePrefix, contains, firstAddr, formatPrefix, lastAddr, masked, mustPrefix, overlaps, parsePrefix,
  type Addr, type Family, type Prefix,
} from './ipnet.js';

export interface AddressPoolSpec { base: string; size: number }

/** ipamutils' local-scope defaults: 172.17–172.31 as /16s, then 192.168.0.0/16 as /20s. */
export const DEFAULT_ADDRESS_POOLS: AddressPoolSpec[] = [
  ...Array.from({ length: 15 }, (_, i) => ({ base: `172.${17 + i}.0.0/16`, size: 16 })),
  { base: '192.168.0.0/16', size: 20 },
];

// ipamapi's well-known errors (Docker's texts and kinds).
export const ERR_IP_IN_USE = 'Address already in use';
export const ERR_IP_OUT_OF_RANGE = 'requested address is out of range';
export const ERR_NO_AVAILABLE_IPS = 'no available addresses on this pool';
export const ERR_POOL_OVERLAP = 'Pool overlaps with other one on this address space';
export const ERR_NO_MORE_SUBNETS = 'all predefined address pools have been fully subnetted';

export interface SplitPool { base: Prefix; size: number }

/** Validates and sorts --default-address-pool entries, dropping pools covered by an earlier one (as newAddrSpace). */
export function predefinedPools(specs: AddressPoolSpec[], family: Family): SplitPool[] {
  const pools: SplitPool[] = [];
  for (const [i, s] of specs.entries()) {
    const p = parsePrefix(s.base);
    if (!p || !s.size) throw new BerthError('InvalidParameter', `network at index ${i} (${s.base}) is not in canonical form`);
    if (p.bits > s.size) {
      throw new BerthError('InvalidParameter', `network at index ${i} (${s.base}) has a smaller prefix (/${p.bits}) than the target size of that pool (/${s.size})`);
    }
    if (p.addr.family === family) pools.push({ base: masked(p), size: s.size });
  }
  pools.sort((a, b) => comparePrefix(a.base, b.base));
  const out: SplitPool[] = [];
  for (const p of pools) if (!out.some((q) => overlaps(q.base, p.base))) out.push(p);
  return out;
}

/**
 * The first subnet of the predefined pools that overlaps none of `used` (other networks' subnets
 * and the host's routes). Candidates overlapping a used prefix are skipped past its end.
 */
export function allocatePredefined(pools: SplitPool[], used: Prefix[]): Prefix {
  for (const pool of pools) {
    const fam = pool.base.addr.family;
    const step = 1n << BigInt((fam === 4 ? 32 : 128) - pool.size);
    const end = lastAddr(pool.base);
    let cur = firstAddr(pool.base);
    while (cur + step - 1n <= end) {
      const cand: Prefix = { addr: { family: fam, n: cur }, bits: pool.size };
      const hit = used.find((u) => overlaps(u, cand));
      if (!hit) return cand;
      // Next aligned candidate after the overlapping prefix (or after this candidate if it is bigger).
      const after = (lastAddr(hit) > lastAddr(cand) ? lastAddr(hit) : lastAddr(cand)) + 1n;
      cur = ((after + step - 1n) / step) * step;
    }
  }
  throw new BerthError('InvalidParameter', ERR_NO_MORE_SUBNETS);
}

/** A random unique-local /64 (RFC 4193: fd + 40-bit global id + subnet 0) that overlaps nothing in `used`. */
export function randomUlaSubnet(used: Prefix[], rand: (n: number) => Buffer = randomBytes): Prefix {
  for (let attempt = 0; attempt < 64; attempt++) {
    const id = rand(5);
    let n = 0xfdn;
    for (const b of id) n = (n << 8n) | BigInt(b);
    const cand: Prefix = { addr: { family: 6, n: n << 80n }, bits: 64 };
    if (!used.some((u) => overlaps(u, cand))) return cand;
  }
  throw new BerthError('InvalidParameter', ERR_NO_MORE_SUBNETS);
}

/** Whether an explicitly requested subnet collides with an existing network's (ErrPoolOverlap). */
export function checkPoolOverlap(subnet: Prefix, existing: Prefix[]): void {
  if (existing.some((e) => overlaps(e, subnet))) {
    throw new BerthError('Forbidden', `invalid pool request: ${ERR_POOL_OVERLAP}`);
  }
}

/**
 * The addresses of one subnet: the network address (and for IPv4 the broadcast address) are
 * reserved unless the subnet is a /31 or /32; allocation takes the lowest free address of the
 * ip-range (or the subnet).
 */
export class AddressPool {
  readonly subnet: Prefix;
  readonly range: Prefix;
  private readonly used = new Set<bigint>();
  private readonly reserved = new Set<bigint>();

  constructor(subnet: Prefix, range?: Prefix) {
    this.subnet = masked(subnet);
    this.range = range ? masked(range) : this.subnet;
    const fam = this.subnet.addr.family;
    const hostBits = (fam === 4 ? 32 : 128) - this.subnet.bits;
    if (fam === 6 || hostBits > 1) this.reserved.add(firstAddr(this.subnet));
    if (fam === 4 && hostBits > 1) this.reserved.add(lastAddr(this.subnet));
  }

  get family(): Family { return this.subnet.addr.family; }

  /** A specific address (gateway, --ip, aux address, restored lease) or the lowest free one. */
  allocate(pref?: Addr): bigint {
    if (pref) {
      if (pref.family !== this.family || !contains(this.subnet, pref)) throw new BerthError('InvalidParameter', ERR_IP_OUT_OF_RANGE);
      if (this.used.has(pref.n) || this.reserved.has(pref.n)) throw new BerthError('Forbidden', ERR_IP_IN_USE);
      this.used.add(pref.n);
      return pref.n;
    }
    const last = lastAddr(this.range);
    for (let n = firstAddr(this.range); n <= last; n++) {
      if (!this.used.has(n) && !this.reserved.has(n)) {
        this.used.add(n);
        return n;
      }
    }
    throw new BerthError('Unavailable', ERR_NO_AVAILABLE_IPS);
  }

  release(n: bigint): void { this.used.delete(n); }
  isUsed(n: bigint): boolean { return this.used.has(n) || this.reserved.has(n); }
  get allocatedCount(): number { return this.used.size; }
}

export const prefixList = (xs: string[]): Prefix[] => xs.map(mustPrefix);
export const prefixText = formatPrefix;
