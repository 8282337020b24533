// Forwarding a query the embedded DNS does not own, as Docker's resolver does: over the client's
// own transport (a truncated UDP answer goes back as it is, so the client retries over TCP), to
// each upstream in turn until one answers with something other than SERVFAIL/REFUSED. Each
// exchange has its own socket (a fresh source port) and a fresh random id, mapped back to the
// client's; a bounded number are in flight, each bounded in time.
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { errorMessage } from '../common/errors.js';
import { log } from '../common/log.js';
import type { Transport } from './dns-answer.js';
import { isReplyTo, RCODE, rcodeOf, withId } from './dns-message.js';
import { FrameReader, frame } from './dns-tcp.js';
import type { Upstream } from './dns-upstreams.js';

export interface ForwarderOptions {
  /** Forwards in flight at once; more are refused (Docker's maxConcurrent). */
  maxInFlight?: number;
  /** Per upstream attempt (Docker's extIOTimeout). */
  timeoutMs?: number;
}

export type ForwardResult = Buffer | 'servfail' | 'refused';

const LOG_INTERVAL_MS = 2000;

export class DnsForwarder {
  private readonly maxInFlight: number;
  private readonly timeoutMs: number;
  private inFlight = 0;
  private lastLimitLog = 0;
  private readonly aborts = new Set<() => void>();
  private closed = false;

  constructor(opts: ForwarderOptions = {}) {
    this.maxInFlight = opts.maxInFlight ?? 1024;
    this.timeoutMs = opts.timeoutMs ?? 4000;
  }

  /** The first usable upstream reply, with the client's id; 'servfail' when none answered. */
  async forward(query: Buffer, transport: Transport, upstreams: Upstream[]): Promise<ForwardResult> {
    if (this.closed) return 'servfail';
    if (this.inFlight >= this.maxInFlight) {
      if (Date.now() - this.lastLimitLog > LOG_INTERVAL_MS) {
        this.lastLimitLog = Date.now();
        log.error(`[resolver] more than ${this.maxInFlight} concurrent queries`);
      }
      return 'refused';
    }
    this.inFlight++;
    try {
      for (const up of upstreams) {
        if (this.closed) break;
        const sent = withId(query, randomInt(0x10000));
        let reply: Buffer;
        try {
          reply = await this.exchange(sent, transport, up);
        } catch (e) {
          log.debug('[resolver] failed to query DNS server', { server: `${up.host}:${up.port}`, error: errorMessage(e) });
          continue;
        }
        const rcode = rcodeOf(reply);
        if (rcode === RCODE.SERVFAIL || rcode === RCODE.REFUSED) continue;
        return withId(reply, query.readUInt16BE(0));
      }
      return 'servfail';
    } finally {
      this.inFlight--;
    }
  }

  /** Aborts every exchange in flight; later forwards answer 'servfail'. */
  close(): void {
    this.closed = true;
    for (const abort of [...this.aborts]) abort();
  }

  /** One query to one upstream: its reply, or an error (refused, timed out, closed). */
  private exchange(query: Buffer, transport: Transport, up: Upstream): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      let cleanup = () => {};
      let settled = false;
      const settle = (err: Error | undefined, reply?: Buffer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.aborts.delete(abort);
        cleanup();
        if (reply) resolve(reply);
        else reject(err);
      };
      const abort = () => settle(new Error('server closed'));
      const timer = setTimeout(() => settle(new Error('i/o timeout')), this.timeoutMs);
      this.aborts.add(abort);
      if (transport === 'udp') {
        const sock = dgram.createSocket(up.family === 6 ? 'udp6' : 'udp4');
        cleanup = () => { try { sock.close(); } catch { /* already closed */ } };
        sock.on('error', (e) => settle(e));
        // A connected socket takes datagrams from the upstream only, and hears its ICMP errors.
        sock.on('message', (msg) => { if (isReplyTo(msg, query)) settle(undefined, msg); });
        sock.connect(up.port, up.host, () => sock.send(query, (e) => { if (e) settle(e); }));
      } else {
        const sock = net.connect({ host: up.host, port: up.port });
        cleanup = () => sock.destroy();
        const frames = new FrameReader();
        sock.on('error', (e) => settle(e));
        sock.on('close', () => settle(new Error('connection closed before a reply')));
        sock.on('data', (chunk: Buffer) => {
          frames.push(chunk);
          try {
            for (let msg = frames.next(); msg; msg = frames.next()) {
              if (isReplyTo(msg, query)) return settle(undefined, msg);
            }
          } catch (e) {
            settle(e as Error);
          }
        });
        sock.write(frame(query));
      }
    });
  }
}
