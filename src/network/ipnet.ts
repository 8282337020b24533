// IP addresses and prefixes as Go's net/netip treats them (ParseAddr, ParsePrefix, Masked, Overlaps,
// Contains, String), on bigints so IPv4 and IPv6 share one code path.

export type Family = 4 | 6;

export interface Addr { readonly family: Family; readonly n: bigint }
export interface Prefix { readonly addr: Addr; readonly bits: number }

const bitLen = (f: Family) => (f === 4 ? 32 : 128);

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    // netip rejects empty fields, non-digits, values > 255 and leading zeros ("IPv4 field has octet with leading zero").
    if (!/^[0-9]{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = (n << 8n) | BigInt(v);
  }
  return n;
}

function parseV6(s: string): bigint | undefined {
  if (s.includes('%')) return undefined; // zones have no place in network config
  let head = s;
  let tail4: bigint | undefined;
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.slice(lastColon + 1).includes('.')) {
    tail4 = parseV4(s.slice(lastColon + 1));
    if (tail4 === undefined) return undefined;
    head = s.slice(0, lastColon + 1) + '0:0'; // placeholder groups, replaced below
  }
  const dbl = head.indexOf('::');
  if (dbl !== head.lastIndexOf('::')) return undefined;
  const splitGroups = (x: string) => (x === '' ? [] : x.split(':'));
  let groups: string[];
  if (dbl >= 0) {
    const left = splitGroups(head.slice(0, dbl));
    const right = splitGroups(head.slice(dbl + 2));
    const missing = 8 - left.length - right.length;
    if (missing < 1) return undefined;
    groups = [...left, ...Array<string>(missing).fill('0'), ...right];
  } else {
    groups = head.split(':');
  }
  if (groups.length !== 8) return undefined;
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail4 !== undefined) n = (n & ~0xffffffffn) | tail4;
  return n;
}

/** netip.ParseAddr (without zones); undefined when invalid. */
export function parseAddr(s: string): Addr | undefined {
  if (s.includes(':')) {
    const n = parseV6(s);
    return n === undefined ? undefined : { family: 6, n };
  }
  const n = parseV4(s);
  return n === undefined ? undefined : { family: 4, n };
}

/** netip.ParsePrefix: "addr/bits" with bits in range; the address keeps its host bits (see `masked`). */
export function parsePrefix(s: string): Prefix | undefined {
  const slash = s.lastIndexOf('/');
  if (slash < 0) return undefined;
  const addr = parseAddr(s.slice(0, slash));
  const b = s.slice(slash + 1);
  if (!addr || !/^[0-9]{1,3}$/.test(b) || (b.length > 1 && b[0] === '0')) return undefined;
  const bits = Number(b);
  if (bits > bitLen(addr.family)) return undefined;
  return { addr, bits };
}

export function mustPrefix(s: string): Prefix {
  const p = parsePrefix(s);
  if (!p) throw new Error(`invalid prefix ${s}`);
  return p;
}

export function mustAddr(s: string): Addr {
  const a = parseAddr(s);
  if (!a) throw new Error(`invalid address ${s}`);
  return a;
}

const hostMask = (f: Family, bits: number) => (1n << BigInt(bitLen(f) - bits)) - 1n;

export function masked(p: Prefix): Prefix {
  return { addr: { family: p.addr.family, n: p.addr.n & ~hostMask(p.addr.family, p.bits) }, bits: p.bits };
}

export const isMasked = (p: Prefix) => masked(p).addr.n === p.addr.n;
export const firstAddr = (p: Prefix): bigint => masked(p).addr.n;
export const lastAddr = (p: Prefix): bigint => masked(p).addr.n | hostMask(p.addr.family, p.bits);
export const prefixSize = (p: Prefix): bigint => hostMask(p.addr.family, p.bits) + 1n;

export function contains(p: Prefix, a: Addr): boolean {
  return p.addr.family === a.family && a.n >= firstAddr(p) && a.n <= lastAddr(p);
}

export function overlaps(a: Prefix, b: Prefix): boolean {
  if (a.addr.family !== b.addr.family) return false;
  return firstAddr(a) <= lastAddr(b) && firstAddr(b) <= lastAddr(a);
}

export function formatAddr(a: Addr): string {
  if (a.family === 4) {
    const n = Number(a.n);
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((a.n >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952: the longest run (≥ 2) of zero groups becomes "::", the first one on a tie.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

export const addrOf = (family: Family, n: bigint): Addr => ({ family, n });
export const formatPrefix = (p: Prefix): string => `${formatAddr(p.addr)}/${p.bits}`;
export const ipString = (family: Family, n: bigint): string => formatAddr({ family, n });

/** Go's netip.Prefix.Masked().String() of a prefix string; undefined when invalid. */
export function canonicalPrefix(s: string): string | undefined {
  const p = parsePrefix(s);
  return p ? formatPrefix(masked(p)) : undefined;
}

/** Sort order of netip prefixes (address first, then length), as moby's PrefixCompare. */
export function comparePrefix(a: Prefix, b: Prefix): number {
  if (a.addr.family !== b.addr.family) return a.addr.family - b.addr.family;
  if (a.addr.n !== b.addr.n) return a.addr.n < b.addr.n ? -1 : 1;
  return a.bits - b.bits;
}
