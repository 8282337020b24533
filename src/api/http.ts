// Request/response helpers shared by every route: JSON bodies, Docker's boolean query values,
// newline-delimited JSON message streams (pull/load/import/build progress).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { invalidParameter } from '../common/errors.js';
import { messageOf } from './errors.js';

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  params: string[];
  query: URLSearchParams;
  /** The API version of the request as a number, e.g. 1.47. */
  version: number;
  /** Set for `Upgrade: tcp` requests: the raw connection, and bytes read past the headers. */
  upgrade?: { socket: Duplex; head: Buffer };
}

const MAX_JSON_BODY = 16 * 1024 * 1024;

/** The request body. For an upgraded request it is cut from the raw stream by Content-Length,
 *  and what follows it stays in `upgrade.head` as the start of the hijacked stream. */
export async function readBody(c: Ctx): Promise<Buffer> {
  const len = Number(c.req.headers['content-length'] ?? 0);
  if (c.upgrade) {
    const up = c.upgrade;
    if (!(len > 0)) return Buffer.alloc(0);
    if (len > MAX_JSON_BODY) throw invalidParameter('request body too large');
    while (up.head.length < len) {
      const chunk = await new Promise<Buffer | null>((resolve) => {
        const onData = (d: Buffer) => { cleanup(); resolve(d); };
        const onEnd = () => { cleanup(); resolve(null); };
        const cleanup = () => { up.socket.off('data', onData); up.socket.off('end', onEnd); up.socket.off('close', onEnd); up.socket.pause(); };
        up.socket.on('data', onData);
        up.socket.once('end', onEnd);
        up.socket.once('close', onEnd);
        up.socket.resume();
      });
      if (!chunk) break;
      up.head = Buffer.concat([up.head, chunk]);
    }
    const body = up.head.subarray(0, len);
    up.head = up.head.subarray(len);
    return body;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of c.req) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BODY) throw invalidParameter('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A JSON body, or undefined when empty; malformed JSON is the client's error (400). */
export async function readJson<T>(c: Ctx): Promise<T | undefined> {
  const body = await readBody(c);
  const text = body.toString('utf8').trim();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw invalidParameter(`invalid JSON: ${(e as Error).message}`);
  }
}

/** A handler's return value: JSON for 200, or one of these markers. */
export const NO_CONTENT = Symbol('no content');
export const HANDLED = Symbol('handled');
export class Status { constructor(readonly code: number, readonly body?: unknown) {} }

export type Handler = (c: Ctx) => unknown | Promise<unknown>;

/** Docker's httputils.BoolValue: "", "0", "no", "false", "none" are false. */
export function boolValue(q: URLSearchParams, key: string): boolean {
  const v = (q.get(key) ?? '').trim().toLowerCase();
  return !(v === '' || v === '0' || v === 'no' || v === 'false' || v === 'none');
}

/** httputils.BoolValueOrDefault: the default when the parameter is absent. */
export function boolValueOr(q: URLSearchParams, key: string, dflt: boolean): boolean {
  return q.has(key) ? boolValue(q, key) : dflt;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
  res.end(data);
}

/** Docker's JSON message stream: once it has begun the status is 200 and errors go in-band. */
export class JsonStream {
  constructor(private readonly res: ServerResponse) {
    if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/json' });
  }
  write(msg: Record<string, unknown>): void {
    if (!this.res.writableEnded) this.res.write(JSON.stringify(msg) + '\r\n');
  }
  status(status: string, extra: Record<string, unknown> = {}): void {
    this.write({ status, ...extra });
  }
  stream(text: string): void {
    this.write({ stream: text });
  }
  error(e: unknown): void {
    const message = messageOf(e);
    this.write({ errorDetail: { message }, error: message });
  }
  end(): void {
    this.res.end();
  }
}
