// `system df`: docker/cli's formatter.DiskUsageContext (cli/command/formatter/disk_usage.go, the
// API < 1.52 form where the CLI computes totals and reclaimable space from the object lists).
import { volumeRow } from './volume.js';
import { familiarName, parseNormalizedNamed } from '../../image/reference.js';
import type { ImageSummary } from '../../image/views.js';
import { containerRow, PS_HEADERS, type ContainerSummary } from '../container/ps-format.js';
import { goTimeString } from '../format.js';
import { compileTemplate, goStruct, preFormat, renderFormatted, FormatError } from '../template/index.js';
import { humanDuration, humanSize4, humanSizeWithPrecision, truncateId } from '../units.js';

/** GET /system/df (API 1.47). */
export interface DiskUsage {
  LayersSize?: number;
  Images?: ImageSummary[] | null;
  Containers?: ContainerSummary[] | null;
  Volumes?: VolumeUsage[] | null;
  BuildCache?: BuildCacheUsage[] | null;
}

export interface VolumeUsage {
  Name: string; Driver: string; Mountpoint: string; Scope?: string; Labels?: Record<string, string> | null;
  UsageData?: { Size: number; RefCount: number } | null;
}

export interface BuildCacheUsage {
  ID: string; Type?: string; Description?: string; InUse?: boolean; Shared?: boolean; Size?: number;
  CreatedAt?: string; LastUsedAt?: string | null; UsageCount?: number;
}

const DEFAULT_TABLE = 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';
const IMAGE_TABLE = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}';
const CONTAINER_TABLE = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}';
const VOLUME_TABLE = 'table {{.Name}}\t{{.Links}}\t{{.Size}}';
const BUILD_CACHE_TABLE = 'table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}';
const RAW = 'type: {{.Type}}\ntotal: {{.TotalCount}}\nactive: {{.Active}}\nsize: {{.Size}}\nreclaimable: {{.Reclaimable}}\n';

const SUMMARY_HEADERS = { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' };
const IMAGE_HEADERS = {
  ID: 'IMAGE ID', Repository: 'REPOSITORY', Tag: 'TAG', Digest: 'DIGEST', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT',
  Size: 'SIZE', Containers: 'CONTAINERS', VirtualSize: 'SIZE', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE',
};
const VOLUME_HEADERS = {
  Name: 'VOLUME NAME', Driver: 'DRIVER', Scope: 'SCOPE', Mountpoint: 'MOUNTPOINT', Labels: 'LABELS', Links: 'LINKS', Size: 'SIZE',
  Availability: 'AVAILABILITY', Group: 'GROUP', Status: 'STATUS',
};
const BUILD_CACHE_HEADERS = {
  ID: 'CACHE ID', Parent: 'PARENT', CacheType: 'CACHE TYPE', Description: 'DESCRIPTION', Size: 'SIZE', CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT', LastUsedSince: 'LAST USED', LastUsedAt: 'LAST USED AT', UsageCount: 'USAGE', InUse: 'IN USE', Shared: 'SHARED',
};

/** `12 MB (34%)`, or just the size when the total is 0 (Go's integer percentage). */
function withPercent(reclaimable: number, total: number): string {
  return total > 0 ? `${humanSize4(reclaimable)} (${Math.trunc((reclaimable * 100) / total)}%)` : humanSize4(reclaimable);
}

const isActive = (c: ContainerSummary) => /running|paused|restarting/.test(c.State ?? '');

/** The four summary rows; fields in the order Go marshals their method map (sorted). */
export function summaryRows(du: DiskUsage): object[] {
  const images = du.Images ?? [];
  const containers = du.Containers ?? [];
  const volumes = du.Volumes ?? [];
  const cache = du.BuildCache ?? [];
  const layersSize = du.LayersSize ?? 0;

  let imagesUsed = 0;
  for (const i of images) {
    if (i.Containers !== 0 && i.Size !== -1 && i.SharedSize !== -1) imagesUsed += i.Size - i.SharedSize;
  }
  let cSize = 0, cReclaim = 0;
  for (const c of containers) {
    cSize += c.SizeRw ?? 0;
    if (!isActive(c)) cReclaim += c.SizeRw ?? 0;
  }
  let vSize = 0, vReclaim = 0;
  for (const v of volumes) {
    const size = v.UsageData?.Size ?? -1;
    if (size === -1) continue;
    vSize += size;
    if ((v.UsageData?.RefCount ?? 0) === 0) vReclaim += size;
  }
  let builderSize = 0, inUse = 0;
  for (const b of cache) {
    if (!b.Shared) builderSize += b.Size ?? 0;
    if (b.InUse && !b.Shared) inUse += b.Size ?? 0;
  }
  const row = (type: string, o: { Active: string; Reclaimable: string; Size: string; TotalCount: string; Type: string }) => goStruct(type, o);
  return [
    row('*formatter.diskUsageImagesContext', {
      Active: String(images.filter((i) => i.Containers > 0).length),
      Reclaimable: withPercent(layersSize - imagesUsed, layersSize),
      Size: humanSize4(layersSize),
      TotalCount: String(images.length),
      Type: 'Images',
    }),
    row('*formatter.diskUsageContainersContext', {
      Active: String(containers.filter(isActive).length),
      Reclaimable: withPercent(cReclaim, cSize),
      Size: humanSize4(cSize),
      TotalCount: String(containers.length),
      Type: 'Containers',
    }),
    row('*formatter.diskUsageVolumesContext', {
      Active: String(volumes.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length),
      Reclaimable: withPercent(vReclaim, vSize),
      Size: humanSize4(vSize),
      TotalCount: String(volumes.length),
      Type: 'Local Volumes',
    }),
    row('*formatter.diskUsageBuilderContext', {
      Active: String(cache.filter((b) => b.InUse).length),
      Reclaimable: humanSize4(builderSize - inUse),
      Size: humanSize4(builderSize),
      TotalCount: String(cache.length),
      Type: 'Build Cache',
    }),
  ];
}

function isDangling(i: ImageSummary): boolean {
  const tags = i.RepoTags ?? [];
  const digests = i.RepoDigests ?? [];
  if (tags.length === 0 && digests.length === 0) return true;
  return tags.length === 1 && tags[0] === '<none>:<none>' && digests.length === 1 && digests[0] === '<none>@<none>';
}

/** formatter.imageContext as `df -v` builds it: the first tag only; sizes as docker prints them. */
export function imageRow(i: ImageSummary, trunc: boolean, now = Date.now()): object {
  let repo = '<none>';
  let tag = '<none>';
  if ((i.RepoTags ?? []).length > 0 && !isDangling(i)) {
    try {
      const ref = parseNormalizedNamed(i.RepoTags[0]);
      if (ref.tag) { repo = familiarName(ref); tag = ref.tag; }
    } catch { /* docker skips what it cannot parse */ }
  }
  return goStruct('*formatter.imageContext', {
    Containers: i.Containers === -1 ? 'N/A' : String(i.Containers),
    CreatedAt: goTimeString(new Date(i.Created * 1000)),
    CreatedSince: humanDuration(now - i.Created * 1000) + ' ago',
    Digest: '',
    ID: trunc ? truncateId(i.Id) : i.Id,
    Repository: repo,
    SharedSize: i.SharedSize === -1 ? 'N/A' : humanSize4(i.SharedSize),
    Size: humanSizeWithPrecision(i.Size, 3),
    Tag: tag,
    UniqueSize: i.Size === -1 || i.SharedSize === -1 ? 'N/A' : humanSize4(i.Size - i.SharedSize),
    VirtualSize: humanSize4(i.Size),
  });
}

function buildCacheRow(b: BuildCacheUsage, trunc: boolean, now: number): object {
  const since = (t: string | null | undefined) => (t ? humanDuration(now - Date.parse(t)) + ' ago' : '');
  return goStruct('*formatter.buildCacheContext', {
    CacheType: b.Type ?? '', CreatedAt: b.CreatedAt ? goTimeString(new Date(b.CreatedAt)) : '', CreatedSince: since(b.CreatedAt),
    Description: b.Description ?? '', ID: trunc ? b.ID.slice(0, 12) : b.ID, InUse: String(Boolean(b.InUse)),
    LastUsedAt: b.LastUsedAt ? goTimeString(new Date(b.LastUsedAt)) : '', LastUsedSince: since(b.LastUsedAt),
    Parent: '', Shared: String(Boolean(b.Shared)), Size: humanSizeWithPrecision(b.Size ?? 0, 3), UsageCount: String(b.UsageCount ?? 0),
  });
}

/** docker's NewDiskUsageFormat for the summary. */
function summaryFormat(source: string): string {
  if (source === 'table') return DEFAULT_TABLE;
  if (source === 'raw') return RAW;
  return source;
}

/**
 * The whole `system df` output for a --format value ('' is the table) and -v. Throws FormatError
 * with docker's text for a bad template.
 */
export function renderDiskUsage(du: DiskUsage, opts: { verbose?: boolean; format?: string; now?: number } = {}): string {
  const format = opts.format || 'table';
  const now = opts.now ?? Date.now();
  if (!opts.verbose) return renderFormatted(summaryFormat(format), summaryRows(du), SUMMARY_HEADERS, { defaultTableFormat: DEFAULT_TABLE });

  const trunc = format.startsWith('table');
  const images = (du.Images ?? []).map((i) => imageRow(i, trunc, now));
  const containers = (du.Containers ?? []).map((c) => containerRow({ ...c, SizeRootFs: 0 }, { trunc, now }));
  const volumes = (du.Volumes ?? []).map(volumeRow);
  const cache = sortBuildCache(du.BuildCache ?? []).map((b) => buildCacheRow(b, trunc, now));
  if (format === 'table') {
    let builderSize = 0;
    for (const b of du.BuildCache ?? []) if (!b.Shared) builderSize += b.Size ?? 0;
    return 'Images space usage:\n\n' + table(IMAGE_TABLE, images, IMAGE_HEADERS)
      + '\nContainers space usage:\n\n' + table(CONTAINER_TABLE, containers, PS_HEADERS)
      + '\nLocal Volumes space usage:\n\n' + table(VOLUME_TABLE, volumes, VOLUME_HEADERS)
      + `\nBuild cache usage: ${humanSize4(builderSize)}\n\n` + table(BUILD_CACHE_TABLE, cache, BUILD_CACHE_HEADERS);
  }
  // Any other format runs once over the four lists (no newline added, as docker).
  const data = goStruct('*formatter.diskUsageContext', { Images: images, Containers: containers, Volumes: volumes, BuildCache: cache });
  let t;
  try {
    t = compileTemplate(preFormat(format));
  } catch (e) {
    throw new FormatError(`template parsing error: ${(e as Error).message}`);
  }
  try {
    return t.execute(data);
  } catch (e) {
    throw new FormatError((e as Error).message);
  }
}

function table(format: string, rows: object[], headers: Record<string, string>): string {
  return renderFormatted(format, rows, headers);
}

/** docker's buildCacheSort: in-use first, then most recently used, then by size. */
function sortBuildCache(items: BuildCacheUsage[]): BuildCacheUsage[] {
  return [...items].sort((a, b) => {
    if (Boolean(a.InUse) !== Boolean(b.InUse)) return a.InUse ? -1 : 1;
    const la = Date.parse(a.LastUsedAt ?? '') || 0;
    const lb = Date.parse(b.LastUsedAt ?? '') || 0;
    if (la !== lb) return lb - la;
    return (b.Size ?? 0) - (a.Size ?? 0);
  });
}
