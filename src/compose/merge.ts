// The Compose Specification's merge rules for several `-f` files and for `extends`, applied to
// normalised services: mappings merge key by key, `command`/`entrypoint`/`healthcheck.test`
// are replaced, ports are unique by their binding, volumes by target, other sequences append
// the values not already there, scalars are replaced.
import type { PortConfig, ServiceVolume } from './model.js';

type Raw = Record<string, unknown>;

const isMap = (v: unknown): v is Raw => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

function appendUnique(a: unknown[], b: unknown[]): unknown[] {
  const seen = new Set(a.map((x) => JSON.stringify(x)));
  return [...a, ...b.filter((x) => !seen.has(JSON.stringify(x)))];
}

function unionBy<T>(a: T[], b: T[], key: (x: T) => string): T[] {
  const out = new Map<string, T>();
  for (const x of a) out.set(key(x), x);
  for (const x of b) out.set(key(x), x);
  return [...out.values()];
}

const portKey = (p: PortConfig) => `${p.host_ip ?? ''}:${p.published ?? ''}:${p.target}/${p.protocol}:${p.mode}`;
const REPLACED = new Set(['command', 'entrypoint', 'services.healthcheck.test']);

/** Deep merge, `over` wins; `path` is the key path inside a service (for the special cases). */
export function mergeValues(base: unknown, over: unknown, path: string): unknown {
  if (over === undefined) return base;
  if (base === undefined || base === null || over === null) return over;
  if (REPLACED.has(path) || path === 'healthcheck.test') return over;
  if (Array.isArray(base) && Array.isArray(over)) {
    if (path === 'ports') return unionBy(base as PortConfig[], over as PortConfig[], portKey);
    if (path === 'volumes') return unionBy(base as ServiceVolume[], over as ServiceVolume[], (v) => v.target);
    if (path === 'env_file') return unionBy(base as { path: string }[], over as { path: string }[], (v) => v.path);
    if (path === 'secrets' || path === 'configs') return unionBy(base as unknown[], over as unknown[], (v) => (isMap(v) ? String(v.source) : String(v)));
    return appendUnique(base, over);
  }
  if (isMap(base) && isMap(over)) {
    if (path === 'logging' && over.driver !== undefined && base.driver !== undefined && over.driver !== base.driver) return over;
    const out: Raw = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = mergeValues(base[k], v, path ? `${path}.${k}` : k);
    return out;
  }
  return over;
}

export function mergeService(base: Raw, over: Raw): Raw {
  return mergeValues(base, over, '') as Raw;
}

/** Merges whole (normalised) files: services by name, other sections key by key. */
export function mergeFiles(base: Raw, over: Raw): Raw {
  const out: Raw = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (k === 'services' && isMap(v)) {
      const services: Raw = { ...((base.services as Raw) ?? {}) };
      for (const [name, svc] of Object.entries(v)) {
        services[name] = services[name] ? mergeService(services[name] as Raw, (svc ?? {}) as Raw) : svc;
      }
      out.services = services;
    } else if (isMap(v) && isMap(base[k])) {
      const section: Raw = { ...(base[k] as Raw) };
      for (const [name, def] of Object.entries(v)) section[name] = mergeValues(section[name], def, `${k}.${name}`);
      out[k] = section;
    } else {
      out[k] = v;
    }
  }
  return out;
}
