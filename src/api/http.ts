// Request/response helpers shared by every route: JSON bodies, Docker's boolean query values,
// newline-delimited JSON message streams (pull/load/import/build progress).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidParameter } from '../common/errors.js';
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

/** Docker's BoolValueOrDefault: the default when the key is absent. */
export function boolValueOr(q: URLSearchParams, key: string, def: boolean): boolean {
  return q.has(key) ? boolValue(q, key) : def;
}

export function intValue(q: URLSearchParams, key: string, def: number): number {
  const v = q.get(key);
  if (v === null || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n)) throw invalidParameter(`invalid value for ${key}: ${v}`);
  return n;
}

export async function readBody(req: IncomingMessage, limit = 16 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw invalidParameter('request body too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function readJson<T>(req: IncomingMessage): Promise<T | undefined> {
  const body = await readBody(req);
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch (e) {
    throw invalidParameter(`invalid JSON: ${messageOf(e)}`);
  }
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
