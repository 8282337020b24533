// GET /containers/json and the container-prune filter: a port of moby's daemon/list.go
// (reduceContainers, foldFilter, filterByNameIDMatches, includeContainerInList, refreshImage) and
// daemon/prune.go (ContainersPrune's filters and matchLabels).

import { invalidParameter, notFound } from '../common/errors.js';
import { Filters, parseFilters, untilFromFilters } from '../common/filters.js';
import type { ContainerRecord, ContainerStatus } from './types.js';
import { PrefixIndex } from './prefix-index.js';
import {
  defaultNetworks,
  healthStatus,
  isRunning,
  parseTime,
  stateOf,
  summaryOf,
  type ContainerSummary,
  type EndpointSettings,
  type MountPoint,
  type PortSummary,
} from './views.js';

/** moby's acceptedPsFilterTags. */
export const ACCEPTED_PS_FILTERS = [
  'ancestor', 'before', 'exited', 'id', 'isolation', 'label', 'name', 'status', 'health', 'since', 'volume',
  'network', 'is-task', 'publish', 'expose',
] as const;

/** container.IsValidStateString. */
export const CONTAINER_STATES: readonly ContainerStatus[] = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'];
/** container.IsValidHealthString. */
export const HEALTH_STATES: readonly string[] = ['starting', 'healthy', 'unhealthy', 'none'];

export interface ListOptions {
  /** `all=true` (-a): stopped containers too. A `status` filter implies it. */
  all: boolean;
  /** `limit` (-n N, -l = 1): at most N, newest first, stopped ones included. <= 0 or absent: no limit. */
  limit?: number;
  /** `size=true` (-s): SizeRw / SizeRootFs from ctx.size. */
  size: boolean;
  /** The `filters` query value (JSON), or parsed filters. before/since are filters (`before=x`). */
  filters?: string | Filters;
  /** Clock for the Status texts (epoch ms). */
  now?: number;
}

export interface ListContext {
  /** The image id (sha256:…) a reference or id names, or undefined when there is no such image. */
  imageLookup(ref: string): string | undefined;
  /** Ids of the images built directly on `id` (for `ancestor=`, which also matches descendants). */
  imageChildren?(id: string): string[];
  /** Sizes, asked only when opts.size. */
  size?(rec: ContainerRecord): { sizeRw: number; sizeRootFs: number };
  /** Mount points (for `volume=` and the Mounts field); none by default. */
  mounts?(rec: ContainerRecord): MountPoint[];
  /** Endpoints (for `network=` and NetworkSettings); `defaultNetworks(rec)` by default. */
  networks?(rec: ContainerRecord): Record<string, Partial<EndpointSettings>>;
  /** Ports (for `publish=` / `expose=` and the Ports field); none by default. */
  ports?(rec: ContainerRecord): PortSummary[];
}

const toFilters = (f: string | Filters | undefined): Filters => (f instanceof Filters ? f : parseFilters(f));

/** strconv.Atoi as moby's `exited=` parsing uses it. */
function atoi(value: string): number {
  if (!/^[+-]?[0-9]+$/.test(value)) throw invalidParameter(`strconv.Atoi: parsing ${JSON.stringify(value)}: invalid syntax`);
  const n = BigInt(value);
  if (n > 9223372036854775807n || n < -9223372036854775808n) {
    throw invalidParameter(`strconv.Atoi: parsing ${JSON.stringify(value)}: value out of range`);
  }
  return Number(n);
}

/** strconv.ParseUint(s, 10, 16). */
function parseUint16(s: string): number {
  if (!/^[0-9]+$/.test(s)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (n > 65535) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/** go-connections nat.SplitProtoPort. */
function splitProtoPort(raw: string): [proto: string, port: string] {
  const parts = raw.split('/');
  if (raw.length === 0 || parts[0].length === 0) return ['', ''];
  if (parts.length === 1) return ['tcp', raw];
  if (parts[1].length === 0) return ['tcp', parts[0]];
  return [parts[1], parts[0]];
}

/** go-connections nat.ParsePortRange. */
function parsePortRange(ports: string): [number, number] {
  if (ports === '') throw new Error('empty string specified for ports');
  if (!ports.includes('-')) {
    const p = parseUint16(ports);
    return [p, p];
  }
  const parts = ports.split('-');
  const start = parseUint16(parts[0]);
  const end = parseUint16(parts[1]);
  if (end < start) throw new Error('invalid range specified for port: ' + ports);
  return [start, end];
}

/** moby's portOp for `publish=` / `expose=`: `80`, `80/udp`, `8000-8080/tcp` → "port/proto" keys. */
function portOp(key: string, value: string, into: Set<string>): void {
  if (value.includes(':')) throw invalidParameter(`filter for '${key}' should not contain ':': ${value}`);
  const [proto, port] = splitProtoPort(value);
  let range: [number, number];
  try {
    range = parsePortRange(port);
  } catch (e) {
    throw invalidParameter(`error while looking up for ${key} ${value}: ${(e as Error).message}`);
  }
  for (let i = range[0]; i <= range[1]; i++) into.add(`${i}/${proto}`);
}

/** moby's idOrNameFilter (before= / since=): an exact full id, else an exact name; NotFound otherwise. */
function idOrName(index: PrefixIndex, value: string): string {
  if (index.has(value)) return value;
  const id = index.byName(value);
  if (id === undefined) throw notFound(`No such container: ${value}`);
  return id;
}

/** Newest first by Created (nanoseconds); equal times: the later record in `records` first. */
function byCreatedDescending(records: readonly ContainerRecord[]): ContainerRecord[] {
  const keyed = records.map((rec, i) => ({ rec, i, ns: parseTime(rec.Created).ns }));
  keyed.sort((a, b) => (a.ns === b.ns ? b.i - a.i : a.ns < b.ns ? 1 : -1));
  return keyed.map((k) => k.rec);
}

/** refreshImage: the reference given at create while it still names the container's image, else the image id. */
export function imageNameOf(rec: ContainerRecord, imageLookup: (ref: string) => string | undefined): string {
  const ref = rec.Config?.Image || rec.ImageRef || rec.Image;
  if (ref === rec.Image) return ref;
  let id: string | undefined;
  try {
    id = imageLookup(ref);
  } catch {
    id = undefined;
  }
  return id !== undefined && id === rec.Image ? ref : rec.Image;
}

/**
 * GET /containers/json (`docker ps`). Errors (BerthError): unknown filter key → InvalidParameter
 * `invalid filter 'foo'`; bad values → `invalid filter 'status=foo'`, `invalid filter 'is-task=[x]'`,
 * `Unrecognised filter value for health: x`, `strconv.Atoi: …` (exited), port errors (publish/expose);
 * before/since naming no container → NotFound `No such container: x`.
 */
export function listContainers(records: readonly ContainerRecord[], opts: ListOptions, ctx: ListContext): ContainerSummary[] {
  const f = toFilters(opts.filters);
  f.validate(ACCEPTED_PS_FILTERS);
  const index = new PrefixIndex();
  for (const r of records) {
    try {
      index.add(r.Id, r.Name);
    } catch {
      // A duplicate name in the input: the first holder keeps it for name lookups.
      index.add(r.Id, '');
    }
  }

  // foldFilter
  let all = opts.all;
  const limit = opts.limit && opts.limit > 0 ? Math.trunc(opts.limit) : 0;
  const exitAllowed = f.get('exited').map(atoi);
  for (const v of f.get('status')) {
    if (!(CONTAINER_STATES as readonly string[]).includes(v)) throw invalidParameter(`invalid filter 'status=${v}'`);
    all = true;
  }
  let taskFilter = false;
  let isTask = false;
  if (f.contains('is-task')) {
    if (f.exactMatch('is-task', 'true')) {
      taskFilter = true;
      isTask = true;
    } else if (f.exactMatch('is-task', 'false')) {
      taskFilter = true;
    } else {
      throw invalidParameter(`invalid filter 'is-task=[${f.get('is-task').join(' ')}]'`);
    }
  }
  for (const v of f.get('health')) {
    if (!HEALTH_STATES.includes(v)) throw invalidParameter(`Unrecognised filter value for health: ${v}`);
  }
  let beforeId: string | undefined;
  for (const v of f.get('before')) beforeId = idOrName(index, v);
  let sinceId: string | undefined;
  for (const v of f.get('since')) sinceId = idOrName(index, v);

  const ancestorFilter = f.contains('ancestor');
  const images = new Set<string>();
  if (ancestorFilter) {
    const addWithDescendants = (id: string) => {
      if (images.has(id)) return;
      images.add(id);
      for (const child of ctx.imageChildren?.(id) ?? []) addWithDescendants(child);
    };
    for (const v of f.get('ancestor')) {
      let id: string | undefined;
      try {
        id = ctx.imageLookup(v);
      } catch {
        id = undefined;
      }
      if (id !== undefined) addWithDescendants(id);
    }
  }
  const publish = new Set<string>();
  for (const v of f.get('publish')) portOp('publish', v, publish);
  const expose = new Set<string>();
  for (const v of f.get('expose')) portOp('expose', v, expose);

  // filterByNameIDMatches: with `id=` values, only containers those values name as a unique id prefix.
  const ids = f.get('id');
  let idMatches: Set<string> | undefined;
  if (ids.length) {
    idMatches = new Set();
    for (const v of ids) {
      const id = index.tryIdByPrefix(v);
      if (id !== undefined) idMatches.add(id);
    }
  }
  const candidates = byCreatedDescending(records).filter((r) => !idMatches || idMatches.has(r.Id));

  const out: ContainerSummary[] = [];
  for (const rec of candidates) {
    // includeContainerInList
    if (beforeId !== undefined) {
      if (rec.Id === beforeId) beforeId = undefined;
      continue;
    }
    if (sinceId !== undefined && rec.Id === sinceId) break;
    const running = isRunning(rec);
    if (!running && !all && limit <= 0) continue;
    const name = rec.Name ?? '';
    if (!f.match('name', name) && !f.match('name', name.replace(/^\//, ''))) continue;
    if (!f.match('id', rec.Id)) continue;
    if (taskFilter && isTask) continue; // berth containers are never swarm tasks
    if (!f.matchKVList('label', rec.Config?.Labels ?? {})) continue;
    const isolation = String(rec.HostConfig?.Isolation ?? '').toLowerCase() || 'default';
    if (!f.match('isolation', isolation)) continue;
    if (limit > 0 && out.length === limit) break;
    if (exitAllowed.length) {
      const started = !parseTime(rec.State.StartedAt).zero;
      if (!exitAllowed.some((code) => code === rec.State.ExitCode && !running && started)) continue;
    }
    if (!f.match('status', stateOf(rec))) continue;
    if (!f.exactMatch('health', healthStatus(rec))) continue;
    if (f.contains('volume')) {
      const mounts = ctx.mounts?.(rec) ?? [];
      const byName = new Set(mounts.map((m) => (m.Name ? m.Name : m.Source)));
      const byDest = new Set(mounts.filter((m) => m.Destination).map((m) => m.Destination));
      if (!f.get('volume').some((v) => byDest.has(v) || byName.has(v))) continue;
    }
    if (ancestorFilter && !images.has(rec.Image)) continue;
    if (f.contains('network')) {
      const networks = ctx.networks?.(rec) ?? defaultNetworks(rec);
      const hit = f.get('network').some(
        (v) => Object.hasOwn(networks, v) || Object.values(networks).some((nw) => nw && (nw.NetworkID ?? '').startsWith(v)),
      );
      if (!hit) continue;
    }
    const ports = ctx.ports?.(rec) ?? [];
    if (publish.size || expose.size) {
      const hit = ports.some((p) => publish.has(`${p.PublicPort ?? 0}/${p.Type}`) || expose.has(`${p.PrivatePort}/${p.Type}`));
      if (!hit) continue;
    }

    const sizes = opts.size ? ctx.size?.(rec) : undefined;
    out.push(
      summaryOf(rec, {
        imageName: imageNameOf(rec, ctx.imageLookup),
        ...(sizes ? { sizeRw: sizes.sizeRw, sizeRootFs: sizes.sizeRootFs } : {}),
        ...(ctx.networks ? { networks: ctx.networks(rec) } : {}),
        ports,
        ...(ctx.mounts ? { mounts: ctx.mounts(rec) } : {}),
        ...(opts.now !== undefined ? { now: opts.now } : {}),
      }),
    );
  }
  return out;
}

/** moby's containersAcceptedFilters for POST /containers/prune. */
export const ACCEPTED_PRUNE_FILTERS = ['label', 'label!', 'until'] as const;

/**
 * The `container prune` selection: containers that are not running (created, exited, dead; paused and
 * restarting count as running), created at or before `until`, and matching `label` (all of them) and
 * none of `label!`. Errors: unknown key → `invalid filter 'x'`; until as untilFromFilters.
 */
export function pruneFilter(filters?: string | Filters, now?: number | Date): (rec: ContainerRecord) => boolean {
  const f = toFilters(filters);
  f.validate(ACCEPTED_PRUNE_FILTERS);
  const until = untilFromFilters(f, now);
  const negate = f.contains('label!');
  return (rec) => {
    if (isRunning(rec)) return false;
    if (until !== undefined && parseTime(rec.Created).ms > until) return false;
    const labels = rec.Config?.Labels ?? {};
    if (!f.matchKVList('label', labels)) return false;
    if (negate && f.matchKVList('label!', labels)) return false;
    return true;
  };
}
