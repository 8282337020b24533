// MAC addresses: libnetwork's netutils.GenerateMACFromIP (02:42 + the IPv4 address), random
// locally administered ones, and Go's net.ParseMAC for --mac-address.
import { randomBytes } from 'node:crypto';

const hex2 = (b: number) => b.toString(16).padStart(2, '0');

/** 02:42:<the 4 bytes of the IPv4 address>, as Docker derives a container's MAC. */
export function macFromIPv4(ip: bigint): string {
  const n = Number(ip);
  return ['02', '42', hex2(n >>> 24), hex2((n >>> 16) & 255), hex2((n >>> 8) & 255), hex2(n & 255)].join(':');
}

/** A random unicast, locally administered MAC (netutils.GenerateRandomMAC). */
export function randomMac(rand: (n: number) => Buffer = randomBytes): string {
  const b = rand(6);
  b[0] = (b[0] & 0xfe) | 0x02;
  return [...b].map(hex2).join(':');
}

/** Go's net.ParseMAC for 6-byte addresses in the three notations; lower-case colon form, or undefined. */
export function parseMac(s: string): string | undefined {
  let bytes: string[] | undefined;
  if (/^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/.test(s) && new Set(s.replace(/[0-9a-fA-F]/g, '')).size === 1) {
    bytes = s.split(/[:-]/);
  } else if (/^([0-9a-fA-F]{4}\.){2}[0-9a-fA-F]{4}$/.test(s)) {
    bytes = s.split('.').flatMap((g) => [g.slice(0, 2), g.slice(2)]);
  }
  return bytes?.map((x) => x.toLowerCase()).join(':');
}
