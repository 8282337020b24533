// The embedded DNS server: one in berthd, in the host network namespace, listening on UDP and TCP
// port 53 of each user-defined network's gateway. Inside a container, 127.0.0.11:53 is redirected
// to the gateway (dns-redirect.ts), and the client's source address tells the resolver which
// container asks, hence which names it may see. What is not ours goes to the host's resolvers.
import dgram from 'node:dgram';
import net from 'node:net';
import { errorMessage } from '../common/errors.js';
import { log } from '../common/log.js';
import { answerLocally, type DnsResolver, type Transport } from './dns-answer.js';
import { DnsForwarder } from './dns-forward.js';
import { errorReply, parseQuery, RCODE } from './dns-message.js';
import { FrameReader, frame } from './dns-tcp.js';
import { HostUpstreams, toUpstreams, type Upstream } from './dns-upstreams.js';

export type { DnsResolver } from './dns-answer.js';

export interface DnsServerOptions {
  /** Servers to forward to ("ip" or "ip:port"); default: the nameservers of /etc/resolv.conf. */
  upstreams?: string[];
  /** 53; tests may use another. */
  port?: number;
  /** Forwards in flight at once (1024, as Docker). */
  maxInFlight?: number;
  /** Per upstream attempt, in ms (4000, Docker's extIOTimeout). */
  timeoutMs?: number;
  /** The host resolv.conf read when `upstreams` is not given. */
  resolvConf?: string;
}

/** TCP clients: at most this many connections, idle ones closed after this long (miekg/dns's 8 s). */
const MAX_TCP_CONNECTIONS = 256;
const TCP_IDLE_MS = 8000;
/** Queries of one TCP connection being answered at once; the connection is paused beyond. */
const MAX_TCP_PENDING = 32;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30000;

interface Listener { udp: dgram.Socket; tcp: net.Server; clients: Set<net.Socket> }

export class DnsServer {
  private readonly port: number;
  private readonly forwarder: DnsForwarder;
  private readonly fixedUpstreams: Upstream[] | undefined;
  private readonly hostUpstreams: HostUpstreams;
  private readonly listeners = new Map<string, Listener>();
  private wanted: string[] = [];
  private queue: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = RETRY_MIN_MS;
  /** Addresses that failed to bind, and how often: the first failure is an error, retries are debug. */
  private readonly failures = new Map<string, number>();
  private closed = false;

  constructor(private readonly resolver: DnsResolver, opts: DnsServerOptions = {}) {
    this.port = opts.port ?? 53;
    this.forwarder = new DnsForwarder({ maxInFlight: opts.maxInFlight, timeoutMs: opts.timeoutMs });
    this.fixedUpstreams = opts.upstreams ? toUpstreams(opts.upstreams) : undefined;
    this.hostUpstreams = new HostUpstreams(opts.resolvConf);
  }

  /**
   * Listens on exactly these addresses (UDP and TCP), closing the others. An address that cannot
   * be bound is logged and retried in the background while it stays in the list.
   */
  setListenAddresses(ips: string[]): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.wanted = [...new Set(ips)];
    const run = this.queue.then(() => this.reconcile());
    this.queue = run.catch(() => {});
    return run;
  }

  /** Stops listening, drops TCP clients and aborts forwards in flight. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.wanted = [];
    this.forwarder.close();
    await (this.queue = this.queue.then(() => this.reconcile()));
  }

  /** The reply to one client message, if any: what the sockets call (and tests, without sockets). */
  async handle(msg: Buffer, clientIp: string, transport: Transport): Promise<Buffer | undefined> {
    if (this.resolver.acceptsClient && !this.resolver.acceptsClient(clientIp)) return undefined;
    const q = parseQuery(msg);
    if (!q) return undefined;
    if (!('id' in q)) return q.reply;
    const local = answerLocally(this.resolver, clientIp, q, transport);
    if (local) return local;
    const own = this.resolver.upstreamsFor?.(clientIp);
    const upstreams = own?.length ? toUpstreams(own) : this.fixedUpstreams ?? (await this.hostUpstreams.get());
    const r = await this.forwarder.forward(msg, transport, upstreams);
    if (r === 'refused') return errorReply(msg, RCODE.REFUSED);
    if (r === 'servfail') return errorReply(msg, RCODE.SERVFAIL);
    return r;
  }

  private async reconcile(): Promise<void> {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const wanted = new Set(this.wanted);
    for (const [ip, l] of this.listeners) {
      if (wanted.has(ip)) continue;
      this.listeners.delete(ip);
      await closeListener(l);
    }
    for (const ip of this.failures.keys()) if (!wanted.has(ip)) this.failures.delete(ip);
    for (const ip of wanted) {
      if (this.listeners.has(ip)) continue;
      try {
        this.listeners.set(ip, await this.listen(ip));
        this.failures.delete(ip);
        log.debug('[resolver] listening', { address: ip, port: this.port });
      } catch (e) {
        const n = (this.failures.get(ip) ?? 0) + 1;
        this.failures.set(ip, n);
        (n === 1 ? log.error : log.debug)('[resolver] cannot listen for DNS queries', { address: ip, port: this.port, attempt: n, error: errorMessage(e) });
      }
    }
    if (this.failures.size && !this.closed) {
      this.retryTimer = setTimeout(() => { this.queue = this.queue.then(() => this.reconcile()).catch(() => {}); }, this.retryMs);
      this.retryTimer.unref();
      this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    } else {
      this.retryMs = RETRY_MIN_MS;
    }
  }

  private async listen(ip: string): Promise<Listener> {
    const udp = net.isIPv6(ip) ? dgram.createSocket({ type: 'udp6', ipv6Only: true }) : dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ address: ip, port: this.port, exclusive: true }, () => { udp.off('error', reject); resolve(); });
    });
    udp.on('error', (e) => log.warn('[resolver] UDP socket error', { address: ip, error: errorMessage(e) }));
    udp.on('message', (msg, rinfo) => this.onDatagram(udp, msg, rinfo));
    const clients = new Set<net.Socket>();
    const tcp = net.createServer({ allowHalfOpen: true }, (sock) => this.onConnection(sock, clients));
    tcp.maxConnections = MAX_TCP_CONNECTIONS;
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ host: ip, port: this.port, exclusive: true }, () => { tcp.off('error', reject); resolve(); });
      });
    } catch (e) {
      udp.close();
      throw e;
    }
    tcp.on('error', (e) => log.warn('[resolver] TCP listener error', { address: ip, error: errorMessage(e) }));
    return { udp, tcp, clients };
  }

  private onDatagram(udp: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    this.handle(msg, clientAddress(rinfo.address), 'udp').then(
      (reply) => {
        if (!reply || this.closed) return;
        udp.send(reply, rinfo.port, rinfo.address, (e) => { if (e) log.debug('[resolver] failed to write response', { error: errorMessage(e) }); });
      },
      (e) => log.error('[resolver] failed to handle query', { error: errorMessage(e) }),
    );
  }

  private onConnection(sock: net.Socket, clients: Set<net.Socket>): void {
    if (this.closed) { sock.destroy(); return; }
    clients.add(sock);
    sock.on('close', () => clients.delete(sock));
    sock.on('error', () => {});
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    const client = clientAddress(sock.remoteAddress ?? '');
    const frames = new FrameReader();
    let pending = 0;
    let ended = false;
    const pump = () => {
      try {
        while (pending < MAX_TCP_PENDING) {
          const msg = frames.next();
          if (!msg) break;
          pending++;
          this.handle(msg, client, 'tcp')
            .then((reply) => { if (reply && !sock.destroyed) sock.write(frame(reply)); })
            .catch((e) => log.error('[resolver] failed to handle query', { error: errorMessage(e) }))
            .finally(() => { pending--; pump(); });
        }
      } catch {
        sock.destroy(); // a zero-length frame: the stream is not DNS
        return;
      }
      if (pending >= MAX_TCP_PENDING || frames.ready) sock.pause();
      else if (ended) { if (!pending) sock.end(); }
      else sock.resume();
    };
    sock.on('data', (chunk: Buffer) => { frames.push(chunk); pump(); });
    // The client may half-close after its queries: answer them, then close.
    sock.on('end', () => { ended = true; pump(); });
  }
}

async function closeListener(l: Listener): Promise<void> {
  for (const s of l.clients) s.destroy();
  await Promise.all([
    new Promise<void>((resolve) => l.udp.close(() => resolve())),
    new Promise<void>((resolve) => l.tcp.close(() => resolve())),
  ]);
}

/** A client address without the IPv4-mapped prefix a dual-stack socket may add. */
function clientAddress(addr: string): string {
  return addr.startsWith('::ffff:') && net.isIPv4(addr.slice(7)) ? addr.slice(7) : addr;
}
