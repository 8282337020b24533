// Docker's JSON shapes for images: ImageSummary (GET /images/json), ImageInspect and history.
import { familiarString, type Reference } from './reference.js';
import type { Image, ImageStore } from './store.js';
import type { LayerStore } from '../layer/store.js';

export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[];
  RepoDigests: string[];
  Created: number;
  Size: number;
  SharedSize: number;
  VirtualSize?: number;
  Labels: Record<string, string>;
  Containers: number;
}

export function imageSize(img: Image, layers: LayerStore, store: ImageStore): number {
  let size = 0;
  for (const c of store.chainOf(img)) size += layers.get(c)?.size ?? 0;
  return size;
}

export function repoTagsAndDigests(store: ImageStore, id: string, keep?: (r: Reference) => boolean): { tags: string[]; digests: string[] } {
  const tags: string[] = [];
  const digests: string[] = [];
  for (const r of store.referencesOf(id)) {
    if (keep && !keep(r)) continue;
    if (r.digest) digests.push(familiarString(r));
    else tags.push(familiarString(r));
  }
  return { tags: tags.sort(), digests: digests.sort() };
}

export function createdSeconds(img: Image): number {
  const t = Date.parse(img.config.created ?? '');
  return Number.isFinite(t) ? Math.floor(t / 1000) : 0;
}

export function summaryOf(img: Image, store: ImageStore, layers: LayerStore, apiVersion: number, containers: number, keep?: (r: Reference) => boolean): ImageSummary {
  const { tags, digests } = repoTagsAndDigests(store, img.record.id, keep);
  const size = imageSize(img, layers, store);
  const s: ImageSummary = {
    Id: img.record.id,
    ParentId: img.record.parent ?? '',
    // API < 1.43 reported untagged images with placeholder strings.
    RepoTags: tags.length || apiVersion >= 1.43 ? tags : ['<none>:<none>'],
    RepoDigests: digests.length || apiVersion >= 1.43 ? digests : ['<none>@<none>'],
    Created: createdSeconds(img),
    Size: size,
    SharedSize: -1,
    Labels: img.config.config?.Labels ?? {},
    Containers: containers,
  };
  if (apiVersion < 1.44) s.VirtualSize = size;
  return s;
}

export function inspectOf(img: Image, store: ImageStore, layers: LayerStore, apiVersion: number): Record<string, unknown> {
  const { tags, digests } = repoTagsAndDigests(store, img.record.id);
  const cfg = img.config;
  const size = imageSize(img, layers, store);
  const chain = store.chainOf(img);
  const dirs = chain.map((c) => layers.diffPath(c)).reverse();
  const out: Record<string, unknown> = {
    Id: img.record.id,
    RepoTags: tags,
    RepoDigests: digests,
    Parent: img.record.parent ?? '',
    Comment: cfg.comment ?? '',
    Created: cfg.created ?? '',
    DockerVersion: cfg.docker_version ?? '',
    Author: cfg.author ?? '',
    Config: normaliseConfig((cfg.config ?? {}) as Record<string, unknown>),
    Architecture: cfg.architecture,
    Os: cfg.os,
    Size: size,
    GraphDriver: {
      Name: 'overlay2',
      Data: dirs.length > 1
        ? { LowerDir: dirs.slice(1).join(':'), UpperDir: dirs[0], MergedDir: '', WorkDir: '' }
        : { UpperDir: dirs[0] ?? '' },
    },
    RootFS: { Type: 'layers', Layers: cfg.rootfs?.diff_ids ?? [] },
    Metadata: { LastTagTime: img.record.lastTagTime ?? '0001-01-01T00:00:00Z' },
  };
  if (cfg.variant) out.Variant = cfg.variant;
  if (apiVersion < 1.44) out.VirtualSize = size;
  if (apiVersion < 1.45) {
    out.Container = cfg.container ?? '';
    out.ContainerConfig = normaliseConfig((cfg.container_config ?? {}) as Record<string, unknown>);
  }
  return out;
}

/** Docker always emits these keys in image inspect's Config, with null for absent lists. */
function normaliseConfig(c: Record<string, unknown>): Record<string, unknown> {
  return {
    Hostname: c.Hostname ?? '',
    Domainname: c.Domainname ?? '',
    User: c.User ?? '',
    AttachStdin: c.AttachStdin ?? false,
    AttachStdout: c.AttachStdout ?? false,
    AttachStderr: c.AttachStderr ?? false,
    ...(c.ExposedPorts ? { ExposedPorts: c.ExposedPorts } : {}),
    Tty: c.Tty ?? false,
    OpenStdin: c.OpenStdin ?? false,
    StdinOnce: c.StdinOnce ?? false,
    Env: c.Env ?? null,
    Cmd: c.Cmd ?? null,
    ...(c.Healthcheck ? { Healthcheck: c.Healthcheck } : {}),
    ...(c.ArgsEscaped ? { ArgsEscaped: c.ArgsEscaped } : {}),
    Image: c.Image ?? '',
    Volumes: c.Volumes ?? null,
    WorkingDir: c.WorkingDir ?? '',
    Entrypoint: c.Entrypoint ?? null,
    OnBuild: c.OnBuild ?? null,
    Labels: c.Labels ?? null,
    ...(c.StopSignal ? { StopSignal: c.StopSignal } : {}),
    ...(c.Shell ? { Shell: c.Shell } : {}),
  };
}

export interface HistoryItem { Id: string; Created: number; CreatedBy: string; Tags: string[] | null; Size: number; Comment: string }

/** Newest first, as Docker: the top entry carries the image id, older ones `<missing>`. */
export function historyOf(img: Image, store: ImageStore, layers: LayerStore): HistoryItem[] {
  const chain = store.chainOf(img);
  const hist = img.config.history ?? [];
  const items: HistoryItem[] = [];
  let layerIdx = 0;
  for (const h of hist) {
    let size = 0;
    if (!h.empty_layer) {
      const c = chain[layerIdx++];
      size = c ? layers.get(c)?.size ?? 0 : 0;
    }
    const t = Date.parse(h.created ?? '');
    items.push({
      Id: '<missing>', Created: Number.isFinite(t) ? Math.floor(t / 1000) : 0,
      CreatedBy: h.created_by ?? '', Tags: null, Size: size, Comment: h.comment ?? '',
    });
  }
  if (hist.length === 0) {
    // No history recorded (some importers): one entry per layer so sizes still add up.
    for (const c of chain) items.push({ Id: '<missing>', Created: createdSeconds(img), CreatedBy: '', Tags: null, Size: layers.get(c)?.size ?? 0, Comment: '' });
  }
  items.reverse();
  // Walk the parent chain so entries that belong to locally known images carry their ids.
  let cur: Image | undefined = img;
  let pos = 0;
  while (cur && pos < items.length) {
    const { tags } = repoTagsAndDigests(store, cur.record.id);
    items[pos].Id = cur.record.id;
    items[pos].Tags = tags.length ? tags : null;
    const parent: Image | undefined = cur.record.parent ? store.get(cur.record.parent) : undefined;
    if (!parent) break;
    pos = items.length - (parent.config.history?.length ?? 0);
    if (pos <= 0) break;
    cur = parent;
  }
  return items;
}
