// What every handler gets (the request, the response, the repository name and path
// parameters, the registry) and the few ways a handler answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, regError, type RegistryError } from './errors.js';
import type { Registry } from './registry.js';

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  registry: Registry;
  /** The repository name (routes under /v2/<name>/). */
  name: string;
  /** The path parameter after the name: a reference, a digest or an upload id. */
  param: string;
}

export type Handler = (c: Ctx) => Promise<void>;

/** An empty answer with headers (Content-Length: 0, as distribution sends). */
export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'Content-Length': '0' });
  res.end();
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

export function sendError(res: ServerResponse, err: RegistryError, headers: Record<string, string> = {}): void {
  const body = errorBody([err]);
  res.writeHead(err.status, { 'Content-Type': 'application/json; charset=utf-8', ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** A request body of at most `limit` bytes (manifests); a larger one is drained and refused with 413. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('close', () => { if (!req.complete) reject(new Error('aborted')); });
    req.on('end', () => {
      if (size > limit) reject(regError('MANIFEST_INVALID', null, `manifest too big: more than ${limit} bytes`, 413));
      else resolve(Buffer.concat(chunks));
    });
  });
}

/** `If-None-Match` naming this entity's ETag. */
export function notModified(req: IncomingMessage, etag: string): boolean {
  const v = req.headers['if-none-match'];
  return v !== undefined && v.split(',').some((t) => t.trim() === etag || t.trim() === '*');
}

export const uploadLocation = (name: string, uuid: string) => `/v2/${name}/blobs/uploads/${uuid}`;
export const blobLocation = (name: string, digest: string) => `/v2/${name}/blobs/${digest}`;
export const manifestLocation = (name: string, digest: string) => `/v2/${name}/manifests/${digest}`;
/** The `Range` header of an upload holding `size` bytes (distribution writes `0-0` when empty). */
export const uploadRange = (size: number) => `0-${Math.max(size - 1, 0)}`;
