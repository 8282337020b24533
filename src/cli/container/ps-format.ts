// `berth ps` rows: docker/cli's formatter.ContainerContext (the fields templates and `--format json`
// see), its default table, DisplayablePorts and Ellipsis.
import { familiarString, parseNormalizedNamed, trimNamed, withTag } from '../../image/reference.js';
import { goTimeString } from '../format.js';
import { stringWidth } from '../table.js';
import { goJson, goStruct, renderFormatted } from '../template/index.js';
import { quote } from '../template/fmt.js';
import { humanDuration, humanSizeWithPrecision, truncateId } from '../units.js';

export interface PortSummary { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }
export interface MountPoint { Type?: string; Name?: string; Source?: string; Destination?: string; Driver?: string; Mode?: string; RW?: boolean; Propagation?: string }

/** GET /containers/json items (the fields ps reads). */
export interface ContainerSummary {
  Id: string;
  Names: string[] | null;
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  Ports: PortSummary[] | null;
  SizeRw?: number;
  SizeRootFs?: number;
  Labels: Record<string, string> | null;
  State: string;
  Status: string;
  HostConfig?: { NetworkMode?: string };
  NetworkSettings?: { Networks?: Record<string, unknown> | null } | null;
  Mounts?: MountPoint[] | null;
}

export const DEFAULT_PS_TABLE = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

export const PS_HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID', Names: 'NAMES', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED',
  Ports: 'PORTS', State: 'STATE', Status: 'STATUS', Size: 'SIZE', Labels: 'LABELS', Mounts: 'MOUNTS',
  LocalVolumes: 'LOCAL VOLUMES', Networks: 'NETWORKS', Platform: 'PLATFORM',
};
// SubHeaderContext.Label: the header of `{{.Label "com.example.some-name"}}` is "some name".
Object.defineProperty(PS_HEADERS, 'Label', {
  value: (name: string) => (name.split('.').pop() ?? '').replace(/[-_]/g, ' '),
  enumerable: false,
});

const ROW = Symbol('berth.ps.row');

/**
 * `json` for ps templates: a row is marshalled by its own MarshalJSON in docker (json.Marshal, so
 * <, > and & are escaped: `0.0.0.0:80-\u003e80/tcp`); anything else as docker's json function.
 */
const PS_FUNCS = {
  json: (v: unknown) => {
    try {
      return goJson(v === undefined ? null : v, { escapeHTML: typeof v === 'object' && v !== null && ROW in v });
    } catch {
      return '';
    }
  },
};

/** Renders rows for a --format value (already through containerFormat), as docker's formatter. */
export function renderPs(format: string, rows: readonly ContainerRow[], size: boolean): string {
  return renderFormatted(format, rows, PS_HEADERS, { defaultTableFormat: size ? `${DEFAULT_PS_TABLE}\t{{.Size}}` : DEFAULT_PS_TABLE, funcs: PS_FUNCS });
}

/** formatter.Ellipsis: at most `max` display cells, the last being "…" when cut. */
export function ellipsis(s: string, max: number): string {
  if (max <= 0) return '';
  const rs = [...s];
  if (max === 1) return rs[0] ?? '';
  if (Buffer.byteLength(s) === rs.length) return rs.length <= max ? s : rs.slice(0, max - 1).join('') + '…';
  const widths: number[] = [];
  let w = 0;
  for (const r of rs) {
    w += stringWidth(r);
    widths.push(w);
  }
  if (w <= max) return s;
  for (let i = 0; i < widths.length - 1; i++) {
    if (widths[i]! <= max - 1 && widths[i + 1]! > max - 1) return rs.slice(0, i + 1).join('') + '…';
  }
  return s;
}

function joinHostPort(host: string, port: string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function comparePorts(a: PortSummary, b: PortSummary): number {
  if (a.PrivatePort !== b.PrivatePort) return a.PrivatePort - b.PrivatePort;
  const ai = a.IP ?? '';
  const bi = b.IP ?? '';
  if (ai !== bi) return ai < bi ? -1 : 1;
  const ap = a.PublicPort ?? 0;
  const bp = b.PublicPort ?? 0;
  if (ap !== bp) return ap - bp;
  return a.Type < b.Type ? -1 : a.Type > b.Type ? 1 : 0;
}

function formGroup(key: string, start: number, last: number): string {
  const parts = key.split('/');
  let type = parts[0]!;
  let ip = '';
  if (parts.length > 1) {
    ip = parts[0]!;
    type = parts[1]!;
  }
  let group = String(start);
  if (start !== last) group = `${group}-${last}`;
  if (ip !== '') group = `${joinHostPort(ip, group)}->${group}`;
  return `${group}/${type}`;
}

/** formatter.DisplayablePorts: "0.0.0.0:8080->80/tcp, 9000-9001/tcp". */
export function displayablePorts(ports: readonly PortSummary[] | null | undefined): string {
  const sorted = [...(ports ?? [])].sort(comparePorts);
  const groups = new Map<string, { first: number; last: number }>();
  const result: string[] = [];
  const hostMappings: string[] = [];
  for (const p of sorted) {
    const current = p.PrivatePort;
    let key = p.Type;
    if (p.IP) {
      if ((p.PublicPort ?? 0) !== current) {
        hostMappings.push(`${joinHostPort(p.IP, String(p.PublicPort ?? 0))}->${p.PrivatePort}/${p.Type}`);
        continue;
      }
      key = `${p.IP}/${p.Type}`;
    }
    const g = groups.get(key);
    if (!g) {
      groups.set(key, { first: current, last: current });
      continue;
    }
    if (current === g.last + 1) {
      g.last = current;
      continue;
    }
    result.push(formGroup(key, g.first, g.last));
    // A new group for the key: Go replaces the map entry, keeping the key's first position.
    groups.set(key, { first: current, last: current });
  }
  for (const [key, g] of groups) result.push(formGroup(key, g.first, g.last));
  return [...result, ...hostMappings].join(', ');
}

function imageOf(c: ContainerSummary, trunc: boolean): string {
  if (c.Image === '') return '<no image>';
  if (!trunc) return c.Image;
  const t = truncateId(c.ImageID ?? '');
  if (t === truncateId(c.Image)) return t;
  try {
    let ref = parseNormalizedNamed(c.Image);
    if (ref.digest) {
      const tag = ref.tag;
      ref = trimNamed(ref);
      if (tag) ref = withTag(ref, tag);
    }
    return familiarString(ref);
  } catch {
    return c.Image;
  }
}

function namesOf(c: ContainerSummary, trunc: boolean): string {
  const names = (c.Names ?? []).map((n) => n.replace(/^\//, ''));
  if (trunc) return names.find((n) => !n.includes('/')) ?? '';
  return names.join(',');
}

/** The row a --format template sees for one container (formatter.ContainerContext). */
export interface ContainerRow {
  Command: string;
  CreatedAt: string;
  ID: string;
  Image: string;
  Labels: string;
  LocalVolumes: string;
  Mounts: string;
  Names: string;
  Networks: string;
  Platform: null;
  Ports: string;
  RunningFor: string;
  Size: string;
  State: string;
  Status: string;
  Label(name: string): string;
}

/**
 * One ps row. Fields are in Go's JSON order (sorted, as docker marshals its method map), so
 * `--format json` prints them as docker does; `Label` is a method, invisible to JSON.
 */
export function containerRow(c: ContainerSummary, opts: { trunc: boolean; now?: number }): ContainerRow {
  const trunc = opts.trunc;
  const labels = c.Labels ?? {};
  const mounts = (c.Mounts ?? []).map((m) => {
    const name = m.Name || m.Source || '';
    return trunc ? ellipsis(name, 15) : name;
  });
  const srw = humanSizeWithPrecision(c.SizeRw ?? 0, 3);
  const row = goStruct('*formatter.ContainerContext', {
    Command: quote(trunc ? ellipsis(c.Command ?? '', 20) : c.Command ?? ''),
    CreatedAt: goTimeString(new Date(c.Created * 1000)),
    ID: trunc ? truncateId(c.Id) : c.Id,
    Image: imageOf(c, trunc),
    Labels: Object.entries(labels).map(([k, v]) => `${k}=${v}`).sort().join(','),
    LocalVolumes: String((c.Mounts ?? []).filter((m) => m.Driver === 'local').length),
    Mounts: mounts.join(','),
    Names: namesOf(c, trunc),
    Networks: Object.keys(c.NetworkSettings?.Networks ?? {}).sort().join(','),
    Platform: null,
    Ports: displayablePorts(c.Ports),
    RunningFor: humanDuration((opts.now ?? Date.now()) - c.Created * 1000) + ' ago',
    Size: (c.SizeRootFs ?? 0) > 0 ? `${srw} (virtual ${humanSizeWithPrecision(c.SizeRootFs!, 3)})` : srw,
    State: c.State,
    Status: c.Status,
  }) as ContainerRow;
  Object.defineProperty(row, 'Label', { value: (name: string) => labels[name] ?? '', enumerable: false });
  Object.defineProperty(row, ROW, { value: true, enumerable: false });
  return row;
}

/** formatter.NewContainerFormat: the template ps uses for a --format value. */
export function containerFormat(source: string, quiet: boolean, size: boolean): string {
  if (source === 'table' || source === '') {
    if (quiet) return '{{.ID}}';
    return size ? `${DEFAULT_PS_TABLE}\t{{.Size}}` : DEFAULT_PS_TABLE;
  }
  if (source === 'raw') {
    if (quiet) return 'container_id: {{.ID}}';
    let f = 'container_id: {{.ID}}\nimage: {{.Image}}\ncommand: {{.Command}}\ncreated_at: {{.CreatedAt}}\nstate: {{- pad .State 1 0}}\nstatus: {{- pad .Status 1 0}}\nnames: {{.Names}}\nlabels: {{- pad .Labels 1 0}}\nports: {{- pad .Ports 1 0}}\n';
    if (size) f += 'size: {{.Size}}\\n';
    return f;
  }
  return quiet ? '{{.ID}}' : source;
}

/** A row for dry-running a user's template: records whether it reads .Size (ps then asks for sizes). */
export function probeRow(): { row: ContainerRow; usesSize: () => boolean } {
  let used = false;
  const base = containerRow({ Id: '', Names: [], Image: '', ImageID: '', Command: '', Created: 0, Ports: [], Labels: {}, State: '', Status: '' }, { trunc: true, now: 0 });
  const row = goStruct('*formatter.ContainerContext', {}) as ContainerRow;
  for (const k of Object.keys(base) as Array<keyof ContainerRow>) {
    if (k === 'Size') {
      Object.defineProperty(row, 'Size', { get: () => { used = true; return base.Size; }, enumerable: true });
    } else {
      Object.defineProperty(row, k, { value: base[k], enumerable: true });
    }
  }
  Object.defineProperty(row, 'Label', { value: () => '', enumerable: false });
  return { row, usesSize: () => used };
}
