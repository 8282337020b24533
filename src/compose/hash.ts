// com.docker.compose.config-hash: what `up` compares to decide whether a container is still what
// the file asks for. As compose v2's ServiceHash: the service without its build section, pull
// policy and scale, replicas fixed at 1 — here as canonical JSON (keys sorted) under sha256.
// Unlike v2, what the service's secrets and configs hold counts too (see SOURCES_DIGEST).
import { createHash } from 'node:crypto';
import type { ServiceConfig } from './model.js';

export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/**
 * Where the loader keeps a digest of the contents of a service's secrets and configs (files,
 * variables). A symbol key, so that it is no part of the model as printed or compared, yet
 * follows the service through the spreads that copy it, and every hash of the service (the
 * container label, `config --hash`) sees it.
 */
export const SOURCES_DIGEST: unique symbol = Symbol('compose.sources-digest');

export type WithSourcesDigest = { [SOURCES_DIGEST]?: string };

export function serviceHash(s: ServiceConfig): string {
  const { build: _b, pull_policy: _p, scale: _s, ...rest } = s;
  const o: Record<string, unknown> = { ...rest };
  if (s.deploy) o.deploy = { ...s.deploy, replicas: 1 };
  // A key no compose file can hold (not a valid service attribute, not an `x-` extension).
  const sources = (s as WithSourcesDigest)[SOURCES_DIGEST];
  if (sources) o['#sources'] = sources;
  return createHash('sha256').update(canonicalJson(o)).digest('hex');
}
