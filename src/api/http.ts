// Request/response helpers shared by every route: JSON bodies, Docker's boolean query values,
// newline-delimited JSON message streams (pull/load/import/build progress).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { messageOf } from './errors.js';

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  params: string[];
  query: URLSearchParams;
  /** The API version of the request as a number, e.g. 1.47. */
  version: number;
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
