// Docker's hijacked streams (attach, exec start): after `101 UPGRADED` (or a plain 200 for
// clients that don't ask to upgrade) the connection carries raw bytes both ways. Without a TTY,
// output is framed with stdcopy headers; stdin is never framed.
import { PassThrough, type Duplex, type Readable, type Writable } from 'node:stream';
import { frame } from '../common/stdcopy.js';
import type { Ctx } from './http.js';

export const RAW_STREAM = 'application/vnd.docker.raw-stream';
export const MULTIPLEXED_STREAM = 'application/vnd.docker.multiplexed-stream';

export interface Hijacked {
  /** Output toward the client; returns the bytes still queued on the connection. */
  write(stream: 'stdout' | 'stderr', data: Buffer): number;
  /** A daemon error after the stream began (stdcopy stream 3 when framed). */
  systemError(message: string): void;
  /** No more output: half-close toward the client. */
  end(): void;
  destroy(): void;
  /** The connection itself, for output already in the stream's format (a replayed log). */
  output: Writable;
  /** The client's stdin (its half-close ends this stream). */
  stdin: Readable;
  closed: Promise<void>;
}

export function contentTypeFor(c: Ctx, tty: boolean): string {
  return !tty && c.version >= 1.42 ? MULTIPLEXED_STREAM : RAW_STREAM;
}

export function hijack(c: Ctx, tty: boolean): Hijacked {
  const ct = contentTypeFor(c, tty);
  let out: Writable;
  let stdin: Readable;
  let closed: Promise<void>;
  if (c.upgrade) {
    const sock = c.upgrade.socket;
    sock.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${ct}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
    const pt = new PassThrough();
    if (c.upgrade.head.length) pt.write(c.upgrade.head);
    sock.on('data', (d: Buffer) => pt.write(d));
    sock.on('end', () => pt.end());
    sock.on('close', () => pt.end());
    sock.resume();
    stdin = pt;
    out = sock as Duplex;
    closed = new Promise((r) => sock.once('close', () => r()));
  } else {
    c.res.writeHead(200, { 'Content-Type': ct });
    c.res.flushHeaders();
    stdin = c.req;
    out = c.res;
    closed = new Promise((r) => c.res.once('close', () => r()));
  }
  return {
    write(stream, data) {
      // Output can outlive the stream: a detached client, a connection the client dropped.
      if (out.writableEnded || out.destroyed) return 0;
      out.write(tty ? data : frame(stream === 'stdout' ? 1 : 2, data));
      return out.writableLength;
    },
    systemError(message) {
      if (out.writableEnded || out.destroyed) return;
      out.write(tty ? Buffer.from(message + '\r\n') : frame(3, Buffer.from(message + '\n')));
    },
    end() {
      if (!out.writableEnded) out.end();
    },
    destroy() {
      out.destroy();
    },
    output: out,
    stdin,
    closed,
  };
}
