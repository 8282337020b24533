// DNS wire format for the embedded DNS server: reading a client's query, building replies the way
// miekg/dns's SetReply/SetRcode build them for Docker's resolver, truncation to the client's size,
// and the raw header fields the forwarder rewrites. Records are encoded by dns-packet.
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket } from 'dns-packet';

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

const HEADER = 12;
const QR = 0x8000;
const TC = 0x0200;
const RD = 0x0100;
const RA = 0x0080;
const CD = 0x0010;
/** A UDP reply fits 512 bytes unless the query's EDNS0 record offers more (RFC 1035, 6891). */
export const MIN_UDP_SIZE = 512;
export const MAX_MESSAGE = 65535;

/** A well-formed standard query with one question. */
export interface Query {
  raw: Buffer;
  id: number;
  flags: number;
  name: string;
  type: string;
  /** The largest UDP reply the client takes (512, or its EDNS0 payload size). */
  udpSize: number;
}

/**
 * A client message: a Query to answer; `{ reply }` for a query this server refuses to read
 * (FORMERR, NOTIMP), as miekg/dns's default accept function does; undefined for anything that
 * gets no reply at all (shorter than a header, or itself a response).
 */
export function parseQuery(raw: Buffer): Query | { reply: Buffer } | undefined {
  if (raw.length < HEADER) return undefined;
  const flags = raw.readUInt16BE(2);
  if (flags & QR) return undefined;
  const opcode = (flags >> 11) & 0xf;
  if (opcode !== 0) return { reply: headerOnlyReply(raw, RCODE.NOTIMP) };
  if (raw.readUInt16BE(4) !== 1 || raw.readUInt16BE(6) !== 0 || raw.readUInt16BE(8) !== 0) {
    return { reply: headerOnlyReply(raw, RCODE.FORMERR) };
  }
  let p: DecodedPacket;
  try {
    p = dnsPacket.decode(raw);
  } catch {
    return { reply: headerOnlyReply(raw, RCODE.FORMERR) };
  }
  const q = p.questions?.[0];
  if (!q) return { reply: headerOnlyReply(raw, RCODE.FORMERR) };
  let udpSize = MIN_UDP_SIZE;
  for (const a of p.additionals ?? []) {
    if (a.type === 'OPT' && typeof a.udpPayloadSize === 'number') udpSize = Math.max(udpSize, a.udpPayloadSize);
  }
  return { raw, id: raw.readUInt16BE(0), flags, name: q.name, type: String(q.type), udpSize };
}

/** Lower case, without the trailing dot: the form names are looked up in. */
export function normalizeName(name: string): string {
  return name.replace(/\.$/, '').toLowerCase();
}

/**
 * A reply to `q` carrying `answers` (NOERROR, recursion available), trimmed from the end until it
 * fits `maxSize`, with TC set when anything was trimmed.
 */
export function answerReply(q: Query, answers: Answer[], maxSize: number): Buffer {
  let tc = 0;
  const packet = {
    type: 'response' as const,
    id: q.id,
    flags: (q.flags & (RD | CD)) | RA,
    questions: [{ name: q.name, type: q.type as 'A', class: 'IN' as const }],
    answers: [...answers],
  };
  // dns-packet does not compress names, so every record's size is known without encoding.
  while (packet.answers.length && dnsPacket.encodingLength(packet) > maxSize) {
    packet.answers.pop();
    tc = TC;
  }
  packet.flags |= tc;
  return dnsPacket.encode(packet);
}

/** A reply to a raw query carrying only `rcode`, with the query's question copied when readable. */
export function errorReply(raw: Buffer, rcode: number): Buffer {
  const end = raw.readUInt16BE(4) === 1 ? questionEnd(raw) : undefined;
  if (end === undefined) return headerOnlyReply(raw, rcode);
  const out = Buffer.from(raw.subarray(0, end));
  writeReplyHeader(out, raw, rcode, 1);
  return out;
}

function headerOnlyReply(raw: Buffer, rcode: number): Buffer {
  const out = Buffer.alloc(HEADER);
  writeReplyHeader(out, raw, rcode, 0);
  return out;
}

function writeReplyHeader(out: Buffer, raw: Buffer, rcode: number, qdcount: number): void {
  const flags = raw.readUInt16BE(2);
  out.writeUInt16BE(raw.readUInt16BE(0), 0);
  out.writeUInt16BE(QR | (flags & (0x7800 | RD | CD)) | rcode, 2);
  out.writeUInt16BE(qdcount, 4);
  out.writeUInt32BE(0, 6);
  out.writeUInt16BE(0, 10);
}

/** The offset just past the first question (name, type, class), or undefined when it is cut short. */
export function questionEnd(raw: Buffer): number | undefined {
  let off = HEADER;
  for (;;) {
    if (off >= raw.length) return undefined;
    const len = raw[off]!;
    if (len === 0) { off += 1; break; }
    if ((len & 0xc0) === 0xc0) { off += 2; break; }
    if (len & 0xc0) return undefined;
    off += 1 + len;
  }
  return off + 4 <= raw.length ? off + 4 : undefined;
}

export function rcodeOf(raw: Buffer): number {
  return raw.readUInt16BE(2) & 0xf;
}

/** Whether `reply` answers `query`: a response with the same id and the same question (any case). */
export function isReplyTo(reply: Buffer, query: Buffer): boolean {
  if (reply.length < HEADER || !(reply.readUInt16BE(2) & QR) || reply.readUInt16BE(0) !== query.readUInt16BE(0)) return false;
  const qEnd = questionEnd(query);
  if (qEnd === undefined) return true;
  if (reply.readUInt16BE(4) !== 1 || reply.length < qEnd) return false;
  for (let i = HEADER; i < qEnd; i++) {
    let a = query[i]!;
    let b = reply[i]!;
    if (a >= 0x41 && a <= 0x5a) a |= 0x20;
    if (b >= 0x41 && b <= 0x5a) b |= 0x20;
    if (a !== b) return false;
  }
  return true;
}

/** A copy of `raw` with its id set to `id`. */
export function withId(raw: Buffer, id: number): Buffer {
  const out = Buffer.from(raw);
  out.writeUInt16BE(id, 0);
  return out;
}

/** The address a reverse-lookup name stands for ("4.3.2.1.in-addr.arpa" → "1.2.3.4"), if it names one. */
export function ptrAddress(name: string): string | undefined {
  const n = normalizeName(name);
  let m = /^((?:\d{1,3}\.){4})in-addr\.arpa$/.exec(n);
  if (m) {
    const octets = m[1]!.slice(0, -1).split('.').reverse();
    if (octets.some((o) => Number(o) > 255 || (o.length > 1 && o.startsWith('0')))) return undefined;
    return octets.join('.');
  }
  m = /^((?:[0-9a-f]\.){32})ip6\.arpa$/.exec(n);
  if (!m) return undefined;
  const hex = m[1]!.replace(/\./g, '').split('').reverse().join('');
  const groups: string[] = [];
  for (let i = 0; i < 32; i += 4) groups.push(hex.slice(i, i + 4));
  // The URL parser writes IPv6 in its canonical short form (RFC 5952).
  return new URL(`http://[${groups.join(':')}]`).hostname.slice(1, -1);
}
