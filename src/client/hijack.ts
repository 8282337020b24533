// Hijacked connections (attach, exec start): the request goes out with `Connection: Upgrade` and
// `Upgrade: tcp`; the daemon answers `101 UPGRADED` (or, older daemons, a plain `200 OK`) and the
// socket then carries the raw stream both ways. stdin EOF is a half-close of the socket.
//
//   const h = await hijack(socketPath, 'POST', '/v1.47/containers/x/attach?stream=1&stdout=1');
//   h.output.on('data', …);          // frames (stdcopy) unless the container has a TTY
//   process.stdin.pipe(h.input);      // ends with a half-close
//   await h.done;                     // the daemon closed its side
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Duplex, Readable, Writable } from 'node:stream';

export interface HijackOptions {
  /** JSON body (exec start's `{"Detach":false,"Tty":false}`). */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface HijackedStream {
  /** The status the daemon answered with: 101 (upgraded) or 200. */
  readonly statusCode: number;
  /** `application/vnd.docker.multiplexed-stream` or `…raw-stream` (older daemons: raw-stream even when framed). */
  readonly contentType: string;
  /** What the daemon sends (any bytes that came with the response head included). */
  readonly output: Readable;
  /** What goes to the container's stdin; `end()` half-closes the connection. */
  readonly input: Writable;
  /** The raw connection. */
  readonly socket: Duplex;
  /** Half-close: no more input (docker's CloseWrite). Idempotent. */
  closeWrite(): void;
  /** Tears the connection down. */
  close(): void;
  /** Resolves when the daemon's side has ended (output fully read or the socket closed). */
  readonly done: Promise<void>;
}

/** A non-2xx answer to a hijack request: status and the daemon's message. */
export class HijackError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function readBody(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function errorMessage(body: string, status: number): string {
  try {
    const m = (JSON.parse(body) as { message?: string }).message;
    if (m !== undefined) return m;
  } catch { /* plain text */ }
  return body.trim() || `HTTP ${status}`;
}

/**
 * Sends `method path` over the unix socket asking for a hijacked connection. Resolves once the
 * daemon has switched protocols (101) or answered 200; rejects with HijackError (status ≥ 300)
 * or the connection error (with `.code` as Node sets it).
 */
export function hijack(socketPath: string, method: string, path: string, opts: HijackOptions = {}): Promise<HijackedStream> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Connection: 'Upgrade', Upgrade: 'tcp', ...opts.headers };
    let payload: Buffer | undefined;
    if (opts.body !== undefined) {
      payload = Buffer.from(JSON.stringify(opts.body));
      headers['Content-Type'] ??= 'application/json';
      headers['Content-Length'] = String(payload.length);
    } else {
      headers['Content-Type'] ??= 'text/plain';
    }
    // A connection of its own (agent: false): it is hijacked, or closed after an error reply.
    const req = httpRequest({ socketPath, method, path, headers, agent: false });
    let settled = false;
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      reject(e);
    };
    req.on('error', fail);
    req.on('upgrade', (res: IncomingMessage, socket: Duplex, head: Buffer) => {
      settled = true;
      if (head.length) socket.unshift(head);
      resolve(streamOf(res, socket, socket, socket));
    });
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 500;
      if (status >= 300) {
        readBody(res).then((b) => fail(new HijackError(status, errorMessage(b, status))), fail);
        return;
      }
      // A daemon that does not upgrade: the body is the output; input goes to the raw socket.
      settled = true;
      const socket = res.socket as Duplex;
      resolve(streamOf(res, res, socket, socket));
    });
    req.end(payload);
  });
}

function streamOf(res: IncomingMessage, output: Readable, input: Writable, socket: Duplex): HijackedStream {
  let writeClosed = false;
  const done = new Promise<void>((resolve) => {
    let finished = false;
    const fin = () => {
      if (finished) return;
      finished = true;
      resolve();
    };
    output.once('end', fin);
    output.once('close', fin);
    socket.once('close', fin);
    output.once('error', fin);
  });
  // Errors after the daemon closed (EPIPE on a late stdin write) are not the caller's concern.
  socket.on('error', () => {});
  return {
    statusCode: res.statusCode ?? 0,
    contentType: String(res.headers['content-type'] ?? ''),
    output,
    input,
    socket,
    done,
    closeWrite() {
      if (writeClosed) return;
      writeClosed = true;
      if (!socket.destroyed && socket.writable) socket.end();
    },
    close() {
      socket.destroy();
    },
  };
}
