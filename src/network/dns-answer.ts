// What the embedded DNS server answers itself, as Docker's resolver (libnetwork/resolver.go) does:
// A/AAAA for names on the asking container's networks (every address, in random order, TTL 600),
// an empty NOERROR for a known name without an address of the asked family or for MX, PTR for
// container addresses. Everything else is forwarded.
import type { Answer } from 'dns-packet';
import { errorMessage } from '../common/errors.js';
import { log } from '../common/log.js';
import { answerReply, errorReply, MAX_MESSAGE, normalizeName, ptrAddress, RCODE, type Query } from './dns-message.js';

/** Docker's respTTL for the records it owns. */
export const RECORD_TTL = 600;

/**
 * The names a client may resolve, looked up by the client's source address (each container
 * address belongs to one endpoint, so the address says which container and which networks).
 */
export interface DnsResolver {
  /**
   * Container names, network aliases and short ids on the client's networks (Docker also takes
   * `name.network`), given lower-case without the trailing dot. undefined: not ours, forward it.
   * A known name without addresses of the asked family gets an empty NOERROR answer.
   */
  resolveName(clientIp: string, name: string): { ipv4: string[]; ipv6: string[] } | undefined;
  /** PTR: the name for a container address on the client's networks (Docker: `name.network`). */
  resolveAddr(clientIp: string, ip: string): string | undefined;
  /**
   * The servers to forward this client's other queries to (its `--dns`), instead of the host's.
   * Optional; undefined or empty means the host's.
   */
  upstreamsFor?(clientIp: string): string[] | undefined;
  /**
   * Whether the client set `ndots` itself (`--dns-option ndots:N`): then a single-label A/AAAA name
   * that is not ours gets an empty answer instead of being forwarded, so the client goes on to its
   * search domains (Docker's NdotsSet). Optional; false by default.
   */
  ndotsSet?(clientIp: string): boolean;
  /**
   * Whether this address is a container the server should answer at all. Optional; when given and
   * false the query is dropped without a reply, so a gateway reachable from elsewhere (routed LAN
   * traffic) is not an open resolver. Docker's resolver, inside the container, never has to ask.
   */
  acceptsClient?(clientIp: string): boolean;
}

export type Transport = 'udp' | 'tcp';

/** The reply to a query the server answers itself, or undefined when the query is to be forwarded. */
export function answerLocally(resolver: DnsResolver, clientIp: string, q: Query, transport: Transport): Buffer | undefined {
  const maxSize = transport === 'tcp' ? MAX_MESSAGE : q.udpSize;
  const name = normalizeName(q.name);
  try {
    switch (q.type) {
      case 'A':
      case 'AAAA': {
        const found = name ? resolver.resolveName(clientIp, name) : undefined;
        if (!found) {
          if (name && !name.includes('.') && resolver.ndotsSet?.(clientIp)) return answerReply(q, [], maxSize);
          return undefined;
        }
        const ips = shuffle(q.type === 'A' ? found.ipv4 : found.ipv6);
        const answers = ips.map((ip): Answer => ({ type: q.type as 'A', name: q.name, class: 'IN', ttl: RECORD_TTL, data: ip }));
        return answerReply(q, answers, maxSize);
      }
      case 'MX':
        // A known name gets an empty NOERROR: mail clients then take it as an implicit MX (RFC 5321 5.1).
        return name && resolver.resolveName(clientIp, name) ? answerReply(q, [], maxSize) : undefined;
      case 'PTR': {
        const ip = ptrAddress(name);
        const host = ip ? resolver.resolveAddr(clientIp, ip) : undefined;
        if (!host) return undefined;
        return answerReply(q, [{ type: 'PTR', name: q.name, class: 'IN', ttl: RECORD_TTL, data: host.replace(/\.$/, '') }], maxSize);
      }
      default:
        return undefined;
    }
  } catch (e) {
    log.error('[resolver] failed to handle query', { name: q.name, type: q.type, error: errorMessage(e) });
    return errorReply(q.raw, RCODE.SERVFAIL);
  }
}

/** A shuffled copy (Fisher–Yates): round robin between the containers sharing an alias. */
function shuffle<T>(items: T[]): T[] {
  const out = [...new Set(items)];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
