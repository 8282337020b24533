// version, info, and the `system` group: df, prune (events is in events.ts).
import { release } from 'node:os';
import { CLIENT_API_VERSION } from '../../client/client.js';
import { BAD_FILTER_FORMAT, encodeFilters, parseFilterFlag, Filters } from '../../common/filters.js';
import { hostArchitecture } from '../../image/types.js';
import { TEMPLATE_FORMAT_FLAG, type Command, LIST_FORMAT_USAGE } from '../command.js';
import { executeTemplate } from '../format.js';
import { humanSize, humanSize4 } from '../units.js';
import { errText } from './images.js';
import { StatusError, type CliContext } from '../context.js';
import type { SpecCommand } from '../container/spec-command.js';
import { confirm } from '../prompt.js';
import { renderDiskUsage, type DiskUsage } from './df.js';

export const BERTH_CLIENT_VERSION = '0.1.0';

function clientVersion() {
  return {
    Platform: { Name: 'berth' },
    Version: BERTH_CLIENT_VERSION,
    ApiVersion: CLIENT_API_VERSION,
    DefaultAPIVersion: CLIENT_API_VERSION,
    GitCommit: '',
    GoVersion: `node${process.versions.node}`,
    Os: 'linux',
    Arch: hostArchitecture(),
    BuildTime: '',
    Context: 'default',
  };
}

const pad = (k: string, w: number) => (k + ':').padEnd(w);

export const versionCmd: Command = {
  name: 'version',
  usage: '[OPTIONS]',
  description: 'Show the berth version information',
  args: {},
  flags: [TEMPLATE_FORMAT_FLAG],
  async run(ctx, o) {
    const client = clientVersion();
    let server: Record<string, any> | null = null;
    let serverErr: unknown;
    try {
      server = await ctx.client.get<Record<string, any>>('/version');
    } catch (e) {
      serverErr = e;
    }
    if (o.format) {
      ctx.out.write(executeTemplate(o.format, { Client: client, Server: server }) + '\n');
    } else {
      const lines = [
        'Client:',
        ` ${pad('Version', 19)}${client.Version}`,
        ` ${pad('API version', 19)}${client.ApiVersion}`,
        ` ${pad('Node version', 19)}${process.versions.node}`,
        ` ${pad('OS/Arch', 19)}${client.Os}/${client.Arch}`,
        ` ${pad('Context', 19)}${client.Context}`,
      ];
      if (server) {
        lines.push('', `Server: ${server.Platform?.Name ?? ''}`);
        for (const c of server.Components ?? []) {
          lines.push(` ${c.Name}:`);
          lines.push(`  ${pad('Version', 18)}${c.Version}`);
          if (c.Name === 'Engine') {
            lines.push(`  ${pad('API version', 18)}${server.ApiVersion} (minimum version ${server.MinAPIVersion})`);
            lines.push(`  ${pad('Node version', 18)}${String(server.GoVersion).replace(/^node/, '')}`);
            lines.push(`  ${pad('OS/Arch', 18)}${server.Os}/${server.Arch}`);
            lines.push(`  ${pad('Experimental', 18)}${c.Details?.Experimental ?? 'false'}`);
          }
        }
      }
      ctx.print(lines.join('\n'));
    }
    if (serverErr) throw new StatusError(errText(serverErr), 1);
  },
};

export const infoCmd: Command = {
  name: 'info',
  usage: '[OPTIONS]',
  description: 'Display system-wide information',
  args: {},
  flags: [TEMPLATE_FORMAT_FLAG],
  async run(ctx, o) {
    const info = await ctx.client.get<Record<string, any>>('/info');
    if (o.format) {
      ctx.out.write(executeTemplate(o.format, { ...info, ClientInfo: { Version: BERTH_CLIENT_VERSION, Context: 'default', Debug: false } }) + '\n');
      return;
    }
    const l: string[] = [
      'Client:',
      ` Version:    ${BERTH_CLIENT_VERSION}`,
      ' Context:    default',
      ` Debug Mode: false`,
      '',
      'Server:',
      ` Containers: ${info.Containers}`,
      `  Running: ${info.ContainersRunning}`,
      `  Paused: ${info.ContainersPaused}`,
      `  Stopped: ${info.ContainersStopped}`,
      ` Images: ${info.Images}`,
      ` Server Version: ${info.ServerVersion}`,
      ` Storage Driver: ${info.Driver}`,
      ...(info.DriverStatus ?? []).map((p: string[]) => `  ${p[0]}: ${p[1]}`),
      ` Logging Driver: ${info.LoggingDriver}`,
      ` Cgroup Driver: ${info.CgroupDriver}`,
      ` Cgroup Version: ${info.CgroupVersion}`,
      ' Plugins:',
      `  Volume: ${(info.Plugins?.Volume ?? []).join(' ')}`,
      `  Network: ${(info.Plugins?.Network ?? []).join(' ')}`,
      `  Log: ${(info.Plugins?.Log ?? []).join(' ')}`,
      ` Swarm: ${info.Swarm?.LocalNodeState ?? 'inactive'}`,
      ` Runtimes: ${Object.keys(info.Runtimes ?? {}).join(' ')}`,
      ` Default Runtime: ${info.DefaultRuntime}`,
      ` Init Binary: ${info.InitBinary}`,
      ' Security Options:',
      ...(info.SecurityOptions ?? []).flatMap((s: string) => s.split(',').map((kv, i) => (i === 0 ? `  ${kv.replace(/^name=/, '')}` : `   ${kv.replace('=', ': ').replace(/^profile/, 'Profile')}`))),
      ` Kernel Version: ${info.KernelVersion ?? release()}`,
      ` Operating System: ${info.OperatingSystem}`,
      ` OSType: ${info.OSType}`,
      ` Architecture: ${info.Architecture}`,
      ` CPUs: ${info.NCPU}`,
      ` Total Memory: ${humanSize(info.MemTotal, 'binary')}`,
      ` Name: ${info.Name}`,
      ` ID: ${info.ID}`,
      ` Berth Root Dir: ${info.DockerRootDir}`,
      ` Debug Mode: ${info.Debug}`,
      ` Experimental: ${info.ExperimentalBuild}`,
      ' Insecure Registries:',
      ...((info.RegistryConfig?.InsecureRegistryCIDRs ?? []) as string[]).map((c) => `  ${c}`),
      ` Live Restore Enabled: ${info.LiveRestoreEnabled}`,
    ];
    ctx.print(l.join('\n'));
    for (const w of info.Warnings ?? []) ctx.err.write(w + '\n');
  },
};


const FORMAT_USAGE = LIST_FORMAT_USAGE;

export const dfCmd: SpecCommand = {
  name: 'df',
  usage: '[OPTIONS]',
  description: 'Show berth disk usage',
  args: {},
  spec: {
    format: { type: 'string', usage: FORMAT_USAGE },
    verbose: { type: 'bool', short: 'v', usage: 'Show detailed information on space usage' },
  },
  async run(ctx, o) {
    const du = await ctx.client.get<DiskUsage>('/system/df');
    try {
      ctx.out.write(renderDiskUsage(du, { verbose: o.verbose, format: o.format }));
    } catch (e) {
      throw new StatusError((e as Error).message, 1);
    }
  },
};

const validateFilter = (v: string) => {
  if (v !== '' && !v.includes('=')) throw new Error(BAD_FILTER_FORMAT);
};

interface PruneOpts { all: boolean; volumes: boolean; filters: Filters }

/** docker/cli's confirmationTemplate for `system prune`. */
export function systemPruneWarning(o: PruneOpts): string {
  const warnings = ['all stopped containers', 'all networks not used by at least one container'];
  if (o.volumes) warnings.push('all anonymous volumes not used by at least one container');
  warnings.push(o.all ? 'all images without at least one container associated to them' : 'all dangling images');
  warnings.push(o.all ? 'all build cache' : 'unused build cache');
  let text = 'WARNING! This will remove:\n' + warnings.map((w) => `  - ${w}\n`).join('');
  const filters: string[] = [];
  for (const name of ['label', 'label!', 'until']) for (const v of o.filters.get(name)) filters.push(`${name}=${v}`);
  filters.sort(naturalLess);
  if (filters.length) text += '\n  Items to be pruned will be filtered with:\n' + filters.map((f) => `  - ${f}\n`).join('');
  return text + '\nAre you sure you want to continue?';
}

/** fvbommel/sortorder.NaturalLess as a comparator: digit runs compare by value, digits before other bytes. */
export function naturalLess(a: string, b: string): number {
  const digit = (c: number) => c >= 48 && c <= 57;
  let i = 0, j = 0;
  while (i < a.length && j < b.length) {
    const c1 = a.charCodeAt(i), c2 = b.charCodeAt(j);
    const d1 = digit(c1), d2 = digit(c2);
    if (d1 !== d2) return d1 ? -1 : 1;
    if (!d1) {
      if (c1 !== c2) return c1 - c2;
      i++; j++;
      continue;
    }
    while (i < a.length && a[i] === '0') i++;
    while (j < b.length && b[j] === '0') j++;
    const nz1 = i, nz2 = j;
    while (i < a.length && digit(a.charCodeAt(i))) i++;
    while (j < b.length && digit(b.charCodeAt(j))) j++;
    if (i - nz1 !== j - nz2) return (i - nz1) - (j - nz2);
    const n1 = a.slice(nz1, i), n2 = b.slice(nz2, j);
    if (n1 !== n2) return n1 < n2 ? -1 : 1;
    if (nz1 !== nz2) return nz1 - nz2;
  }
  return a.length - b.length;
}

/** One pruner of docker's system prune: its reclaimed bytes and the text it prints (or ''). */
type Pruner = (ctx: CliContext, o: PruneOpts) => Promise<{ reclaimed: number; output: string }>;

const filterQuery = (f: Filters) => (f.len() ? encodeFilters(f) : undefined);

const pruneContainers: Pruner = async (ctx, o) => {
  const r = await ctx.client.json<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/containers/prune', { query: { filters: filterQuery(o.filters) } });
  const ids = r.ContainersDeleted ?? [];
  return { reclaimed: r.SpaceReclaimed ?? 0, output: ids.length ? `Deleted Containers:\n${ids.map((id) => id + '\n').join('')}` : '' };
};

const pruneNetworks: Pruner = async (ctx, o) => {
  const r = await ctx.client.json<{ NetworksDeleted: string[] | null }>('POST', '/networks/prune', { query: { filters: filterQuery(o.filters) } });
  const names = r.NetworksDeleted ?? [];
  return { reclaimed: 0, output: names.length ? `Deleted Networks:\n${names.map((n) => n + '\n').join('')}` : '' };
};

const pruneVolumes: Pruner = async (ctx, o) => {
  const r = await ctx.client.json<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/volumes/prune', { query: { filters: filterQuery(o.filters) } });
  const names = r.VolumesDeleted ?? [];
  return { reclaimed: r.SpaceReclaimed ?? 0, output: names.length ? `Deleted Volumes:\n${names.map((n) => n + '\n').join('')}` : '' };
};

const pruneImages: Pruner = async (ctx, o) => {
  const f = o.filters.clone();
  f.add('dangling', o.all ? 'false' : 'true');
  const r = await ctx.client.json<{ ImagesDeleted: Array<{ Untagged?: string; Deleted?: string }> | null; SpaceReclaimed: number }>('POST', '/images/prune', { query: { filters: encodeFilters(f) } });
  const recs = r.ImagesDeleted ?? [];
  const lines = recs.map((d) => (d.Untagged ? `untagged: ${d.Untagged}\n` : `deleted: ${d.Deleted}\n`)).join('');
  return { reclaimed: r.SpaceReclaimed ?? 0, output: recs.length ? `Deleted Images:\n${lines}` : '' };
};

const pruneBuildCache: Pruner = async (ctx, o) => {
  const r = await ctx.client.json<{ CachesDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/build/prune', { query: { all: o.all || undefined, filters: filterQuery(o.filters) } });
  const ids = r.CachesDeleted ?? [];
  return { reclaimed: r.SpaceReclaimed ?? 0, output: ids.length ? `Deleted build cache objects:\n${ids.map((id) => id + '\n').join('')}` : '' };
};

export const systemPruneCmd: SpecCommand = {
  name: 'prune',
  usage: '[OPTIONS]',
  description: 'Remove unused data',
  args: {},
  spec: {
    all: { type: 'bool', short: 'a', usage: 'Remove all unused images not just dangling ones' },
    filter: { type: 'stringArray', typeName: 'filter', usage: 'Provide filter values (e.g. "label=<key>=<value>")', validate: validateFilter },
    force: { type: 'bool', short: 'f', usage: 'Do not prompt for confirmation' },
    volumes: { type: 'bool', usage: 'Prune anonymous volumes' },
  },
  async run(ctx, o) {
    let filters = new Filters();
    for (const v of o.filter ?? []) filters = parseFilterFlag(v, filters);
    const opts: PruneOpts = { all: Boolean(o.all), volumes: Boolean(o.volumes), filters };
    if (opts.volumes && filters.contains('until')) throw new StatusError('ERROR: The "until" filter is not supported with "--volumes"', 1);
    // Declined: docker ends quietly (a cancelled error), exit status 0.
    if (!o.force && !(await confirm(ctx, systemPruneWarning(opts)))) return 0;
    // docker/cli's pruner order: containers, networks, volumes, images, build cache.
    const pruners = [pruneContainers, pruneNetworks, ...(opts.volumes ? [pruneVolumes] : []), pruneImages, pruneBuildCache];
    let total = 0;
    for (const p of pruners) {
      const { reclaimed, output } = await p(ctx, opts);
      total += reclaimed;
      if (output) ctx.out.write(output + '\n');
    }
    ctx.print(`Total reclaimed space: ${humanSize4(total)}`);
  },
};
