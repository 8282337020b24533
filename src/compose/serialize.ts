// `compose config`: the normalised model as YAML, laid out as docker compose v2 prints it
// (services by name, their keys in the model's order, long syntaxes, resource names resolved).
import { stringify } from 'yaml';
import type { Project, ServiceConfig } from './model.js';

const PORT_ORDER = ['name', 'mode', 'host_ip', 'target', 'published', 'protocol', 'app_protocol'];
const VOLUME_ORDER = ['type', 'source', 'target', 'read_only', 'consistency', 'bind', 'volume', 'tmpfs'];
// compose-go's field order; a service's short `- name` prints as `- source: name`, modes in decimal.
const FILE_REF_ORDER = ['source', 'target', 'uid', 'gid', 'mode'];
const FILE_OBJECT_ORDER = ['name', 'file', 'environment', 'content', 'external', 'labels', 'driver', 'driver_opts', 'template_driver'];

function ordered<T extends object>(o: T, order: string[]): T {
  const out: Record<string, unknown> = {};
  for (const k of order) if ((o as Record<string, unknown>)[k] !== undefined) out[k] = (o as Record<string, unknown>)[k];
  for (const [k, v] of Object.entries(o)) if (!(k in out) && v !== undefined) out[k] = v;
  return out as T;
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The service as printed: no `name`, keys sorted (compose-go's field order is alphabetical but for profiles). */
export function serviceView(s: ServiceConfig): Record<string, unknown> {
  const { name: _n, ...rest } = s;
  const v: Record<string, unknown> = sortKeys(rest as Record<string, unknown>);
  if (s.build) v.build = ordered({ dockerfile: 'Dockerfile', ...s.build }, ['context', 'dockerfile']);
  if (s.ports) v.ports = s.ports.map((p) => ordered(p, PORT_ORDER));
  if (s.volumes) v.volumes = s.volumes.map((x) => ordered(x, VOLUME_ORDER));
  if (s.secrets) v.secrets = s.secrets.map((x) => ordered(x, FILE_REF_ORDER));
  if (s.configs) v.configs = s.configs.map((x) => ordered(x, FILE_REF_ORDER));
  if (s.environment) v.environment = sortKeys(s.environment);
  if (s.labels) v.labels = sortKeys(s.labels);
  if (s.profiles) return { profiles: s.profiles, ...v };
  return v;
}

export function projectView(p: Project): Record<string, unknown> {
  const out: Record<string, unknown> = { name: p.name, services: {} };
  for (const [n, s] of Object.entries(p.services)) (out.services as Record<string, unknown>)[n] = serviceView(s);
  if (Object.keys(p.networks).length) out.networks = sortKeys(p.networks as Record<string, unknown>);
  if (Object.keys(p.volumes).length) out.volumes = sortKeys(p.volumes as Record<string, unknown>);
  for (const section of ['secrets', 'configs'] as const) {
    const defs = p[section] ?? {};
    if (Object.keys(defs).length) out[section] = Object.fromEntries(Object.entries(sortKeys(defs)).map(([k, d]) => [k, ordered(d, FILE_OBJECT_ORDER)]));
  }
  return out;
}

export function projectYaml(p: Project): string {
  return stringify(projectView(p), { lineWidth: 0, nullStr: 'null', indentSeq: true, aliasDuplicateObjects: false });
}
