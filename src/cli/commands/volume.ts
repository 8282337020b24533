// The volume commands (docker/cli cli/command/volume, as in docker 28): create, ls, inspect, rm,
// prune — with docker's flags, output and error texts. Cluster-volume flags are left out: berth
// has no swarm, and docker hides them too when its daemon is not a swarm manager.
import { BAD_FILTER_FORMAT, encodeFilters, parseFilterFlag, Filters } from '../../common/filters.js';
import { LIST_FORMAT_USAGE, type Command } from '../command.js';
import type { SpecCommand } from '../container/spec-command.js';
import { StatusError } from '../context.js';
import { formatList, printInspect } from '../format.js';
import { kvStringsToMap } from '../opts/kvfile.js';
import { validateLabel } from '../opts/validate.js';
import { confirm } from '../prompt.js';
import { goStruct } from '../template/index.js';
import { humanSize4 } from '../units.js';
import { errText } from './images.js';
import { naturalLess } from './system.js';

const enc = encodeURIComponent;

/** GET /volumes's items, as far as the CLI shows them. */
export interface VolumeSummary {
  Name: string; Driver: string; Mountpoint: string; Scope?: string; Labels?: Record<string, string> | null;
  UsageData?: { Size: number; RefCount: number } | null;
}

const validateFilter = (v: string) => {
  if (v !== '' && !v.includes('=')) throw new Error(BAD_FILTER_FORMAT);
};

function filtersOf(values: readonly string[] | undefined): Filters {
  let f = new Filters();
  try {
    for (const v of values ?? []) f = parseFilterFlag(v, f);
  } catch (e) {
    throw new StatusError((e as Error).message, 1);
  }
  return f;
}

const filterQuery = (f: Filters) => (f.len() ? encodeFilters(f) : undefined);

// ---- create

/** The POST /volumes/create body docker 28 sends (empty options and labels are left out). */
export function volumeCreateBody(name: string, o: { driver?: string; opt?: string[]; label?: string[] }): Record<string, unknown> {
  const body: Record<string, unknown> = { Driver: o.driver ?? 'local' };
  const opts = kvStringsToMap(o.opt ?? []);
  if (Object.keys(opts).length) body.DriverOpts = opts;
  const labels = kvStringsToMap(o.label ?? []);
  if (Object.keys(labels).length) body.Labels = labels;
  if (name) body.Name = name;
  return body;
}

export const volumeCreateCmd: SpecCommand = {
  name: 'create',
  usage: '[OPTIONS] [VOLUME]',
  description: 'Create a volume',
  args: { max: 1 },
  spec: {
    driver: { type: 'string', short: 'd', default: 'local', usage: 'Specify volume driver name' },
    label: { type: 'stringArray', typeName: 'list', usage: 'Set metadata for a volume', validate: validateLabel },
    name: { type: 'string', usage: 'Specify volume name', hidden: true },
    opt: { type: 'stringArray', short: 'o', typeName: 'map', defaultText: 'map[]', usage: 'Set driver specific options' },
  },
  async run(ctx, o, args) {
    let name = o.name as string;
    if (args.length === 1) {
      if (name) throw new StatusError('conflicting options: cannot specify a volume-name through both --name and as a positional arg', 1);
      name = args[0]!;
    }
    const v = await ctx.client.json<{ Name: string }>('POST', '/volumes/create', { body: volumeCreateBody(name, o) });
    ctx.print(v.Name);
  },
};

// ---- ls

export const VOLUME_HEADERS = {
  ID: 'ID', Name: 'VOLUME NAME', Group: 'GROUP', Driver: 'DRIVER', Scope: 'SCOPE', Availability: 'AVAILABILITY',
  Mountpoint: 'MOUNTPOINT', Labels: 'LABELS', Links: 'LINKS', Size: 'SIZE', Status: 'STATUS',
};
// SubHeaderContext.Label: the header of `{{.Label "com.example.some-name"}}` is "some name".
Object.defineProperty(VOLUME_HEADERS, 'Label', {
  value: (name: string) => (name.split('.').pop() ?? '').replace(/[-_]/g, ' '),
  enumerable: false,
});

const DEFAULT_VOLUME_TABLE = 'table {{.Driver}}\t{{.Name}}';

/** One row (formatter.volumeContext): fields in the order Go marshals its methods, `Label` a method. */
export function volumeRow(v: VolumeSummary): object {
  const labels = v.Labels ?? {};
  const row = goStruct('*formatter.volumeContext', {
    Availability: 'N/A',
    Driver: v.Driver,
    Group: 'N/A',
    Labels: Object.entries(labels).map(([k, val]) => `${k}=${val}`).join(','),
    Links: v.UsageData && v.UsageData.RefCount !== -1 ? String(v.UsageData.RefCount) : 'N/A',
    Mountpoint: v.Mountpoint,
    Name: v.Name,
    Scope: v.Scope ?? '',
    Size: v.UsageData && v.UsageData.Size !== -1 ? humanSize4(v.UsageData.Size) : 'N/A',
    Status: 'N/A',
  });
  Object.defineProperty(row, 'Label', { value: (k: string) => labels[k] ?? '', enumerable: false });
  return row;
}

/** formatter.NewVolumeFormat: the template for a --format value. */
export function volumeFormat(source: string, quiet: boolean): string {
  if (source === 'table') return quiet ? '{{.Name}}' : DEFAULT_VOLUME_TABLE;
  if (source === 'raw') return quiet ? 'name: {{.Name}}' : 'name: {{.Name}}\\ndriver: {{.Driver}}\\n';
  return source;
}

/** `volume ls` output: sorted by name in natural order, as docker does, then formatted. */
export function renderVolumeList(list: VolumeSummary[], o: { format?: string; quiet?: boolean }): string {
  const rows = [...list].sort((a, b) => naturalLess(a.Name, b.Name)).map(volumeRow);
  return formatList(volumeFormat(o.format || 'table', Boolean(o.quiet)), rows, VOLUME_HEADERS, DEFAULT_VOLUME_TABLE);
}

export const volumeLsCmd: SpecCommand = {
  name: 'ls',
  aliases: ['list'],
  usage: '[OPTIONS]',
  description: 'List volumes',
  args: {},
  helpAliases: ['berth volume ls', 'berth volume list'],
  spec: {
    filter: { type: 'stringArray', short: 'f', typeName: 'filter', usage: 'Provide filter values (e.g. "dangling=true")', validate: validateFilter },
    format: {
      type: 'string',
      usage: LIST_FORMAT_USAGE,
    },
    quiet: { type: 'bool', short: 'q', usage: 'Only display volume names' },
  },
  async run(ctx, o) {
    const r = await ctx.client.get<{ Volumes: VolumeSummary[] | null }>('/volumes', { filters: filterQuery(filtersOf(o.filter)) });
    ctx.out.write(renderVolumeList(r?.Volumes ?? [], { format: o.format, quiet: o.quiet }));
  },
};

// ---- inspect

export const volumeInspectCmd: SpecCommand = {
  name: 'inspect',
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  description: 'Display detailed information on one or more volumes',
  args: { min: 1 },
  spec: {
    format: {
      type: 'string', short: 'f',
      usage: "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates",
    },
  },
  async run(ctx, o, args) {
    return printInspect(ctx, args, o.format, (n) => ctx.client.get(`/volumes/${enc(n)}`), 'volume');
  },
};

// ---- rm

export const volumeRmCmd: SpecCommand = {
  name: 'rm',
  aliases: ['remove'],
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  description: 'Remove one or more volumes',
  args: { min: 1 },
  helpAliases: ['berth volume rm', 'berth volume remove'],
  spec: {
    force: { type: 'bool', short: 'f', usage: 'Force the removal of one or more volumes' },
  },
  async run(ctx, o, args) {
    const errors: string[] = [];
    for (const name of args) {
      try {
        (await ctx.client.request('DELETE', `/volumes/${enc(name)}`, { query: { force: o.force ? '1' : undefined } })).resume();
      } catch (e) {
        errors.push(errText(e));
        continue;
      }
      ctx.print(name);
    }
    if (errors.length) throw new StatusError(errors.join('\n'), 1);
  },
};

// ---- prune

const ANONYMOUS_WARNING = 'WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue?';
const ALL_WARNING = 'WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue?';

/** The filters and warning of docker 28's volume prune (API ≥ 1.42): `--all` adds `all=true`. */
export function volumePrunePlan(o: { all?: boolean; filter?: string[] }): { filters: Filters; warning: string } {
  const filters = filtersOf(o.filter);
  if (!o.all) return { filters, warning: ANONYMOUS_WARNING };
  if (filters.contains('all')) throw new StatusError('conflicting options: cannot specify both --all and --filter all=1', 1);
  filters.add('all', 'true');
  return { filters, warning: ALL_WARNING };
}

/** What prune prints after the daemon answered. */
export function volumePruneOutput(r: { VolumesDeleted?: string[] | null; SpaceReclaimed?: number }): string {
  const deleted = r.VolumesDeleted ?? [];
  let out = '';
  if (deleted.length) out += `Deleted Volumes:\n${deleted.map((n) => n + '\n').join('')}\n`;
  return out + `Total reclaimed space: ${humanSize4(deleted.length ? r.SpaceReclaimed ?? 0 : 0)}\n`;
}

export const volumePruneCmd: SpecCommand = {
  name: 'prune',
  usage: '[OPTIONS]',
  description: 'Remove unused local volumes',
  args: {},
  spec: {
    all: { type: 'bool', short: 'a', usage: 'Remove all unused volumes, not just anonymous ones' },
    filter: { type: 'stringArray', typeName: 'filter', usage: 'Provide filter values (e.g. "label=<label>")', validate: validateFilter },
    force: { type: 'bool', short: 'f', usage: 'Do not prompt for confirmation' },
  },
  async run(ctx, o) {
    const { filters, warning } = volumePrunePlan(o);
    // Declined: docker ends quietly (a cancelled error), exit status 0.
    if (!o.force && !(await confirm(ctx, warning))) return 0;
    const r = await ctx.client.json<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/volumes/prune', { query: { filters: filterQuery(filters) } });
    ctx.out.write(volumePruneOutput(r ?? {}));
  },
};

/** The `volume` group's commands. */
export function volumeCommands(): Command[] {
  return [volumeCreateCmd, volumeInspectCmd, volumeLsCmd, volumePruneCmd, volumeRmCmd];
}
