// com.docker.compose.config-hash: what `up` compares to decide whether a container is still what
// the file asks for. As compose v2's ServiceHash: the service without its build section, pull
// policy and scale, replicas fixed at 1 — here as canonical JSON (keys sorted) under sha256.
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

export function serviceHash(s: ServiceConfig): string {
  const { build: _b, pull_policy: _p, scale: _s, ...rest } = s;
  const o: Record<string, unknown> = { ...rest };
  if (s.deploy) o.deploy = { ...s.deploy, replicas: 1 };
  return createHash('sha256').update(canonicalJson(o)).digest('hex');
}
