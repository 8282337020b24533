// compose config / ps / ls / logs / images / top / port / version.
import type { ContainerSummary } from '../../compose/api.js';
import { nameOf } from '../../compose/converge.js';
import { imageName } from '../../compose/convert.js';
import { ComposeError } from '../../compose/errors.js';
import { serviceHash } from '../../compose/hash.js';
import { COMPOSE_VERSION, LABEL } from '../../compose/labels.js';
import { LogPrinter, displayName } from '../../compose/logs.js';
import { projectView, projectYaml } from '../../compose/serialize.js';
import type { Command } from '../command.js';
import { StatusError } from '../context.js';
import { createdSince } from '../format.js';
import { displayablePorts, ellipsis } from '../container/ps-format.js';
import { tabwrite } from '../table.js';
import { humanSize, truncateId } from '../units.js';
import { api, colorOn, loadFromOpts, projectOrName } from './compose-project.js';

const table = (rows: string[][]) => tabwrite(rows.map((r) => r.map((c) => c)), { minwidth: 0, tabwidth: 8, padding: 3, padchar: ' ' });

const configCmd: Command = {
  name: 'config',
  aliases: ['convert'],
  usage: '[OPTIONS] [SERVICE...]',
  description: 'Parse, resolve and render compose file in canonical format',
  flags: [
    { name: 'services', type: 'bool', usage: 'Print the service names, one per line.' },
    { name: 'volumes', type: 'bool', usage: 'Print the volume names, one per line.' },
    { name: 'networks', type: 'bool', usage: 'Print the network names, one per line.' },
    { name: 'profiles', type: 'bool', usage: 'Print the profile names, one per line.' },
    { name: 'images', type: 'bool', usage: 'Print the image names, one per line.' },
    { name: 'hash', type: 'string', usage: 'Print the service config hash, one per line.', valueName: 'string' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Only validate the configuration, don\'t print anything.' },
    { name: 'format', type: 'string', usage: 'Format the output. Values: [yaml | json]', valueName: 'string', default: 'yaml' },
    { name: 'no-interpolate', type: 'bool', usage: "Don't interpolate environment variables." },
    { name: 'output', short: 'o', type: 'string', usage: 'Save to file (default to stdout)', valueName: 'string' },
  ],
  async run(ctx, o, names) {
    const project = loadFromOpts(ctx, o, names, { interpolate: !o['no-interpolate'] });
    if (names.length) for (const n of Object.keys(project.services)) if (!names.includes(n)) delete project.services[n];
    if (o.quiet) return;
    const lines = (l: string[]) => { for (const x of l) ctx.print(x); };
    if (o.services) return lines(Object.keys(project.services));
    if (o.volumes) return lines(Object.keys(project.volumes));
    if (o.networks) return lines(Object.keys(project.networks));
    if (o.profiles) return lines([...new Set([...Object.values(project.services), ...Object.values(project.disabled)].flatMap((s) => s.profiles ?? []))].sort());
    if (o.images) return lines(Object.values(project.services).map((s) => imageName(project, s)));
    if (o.hash) {
      const want = o.hash === '*' ? Object.keys(project.services) : String(o.hash).split(',');
      return lines(want.map((n) => {
        const s = project.services[n];
        if (!s) throw new ComposeError('NotFound', `no such service: ${n}`);
        return `${n} ${serviceHash(s)}`;
      }));
    }
    const text = o.format === 'json' ? JSON.stringify(projectView(project), null, 2) + '\n' : projectYaml(project);
    if (o.output) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(o.output, text);
    } else ctx.out.write(text);
  },
};

function psRow(c: ContainerSummary): Record<string, unknown> {
  return {
    ID: c.Id, Name: nameOf(c), Image: c.Image, Command: c.Command, Project: c.Labels[LABEL.project], Service: c.Labels[LABEL.service],
    Created: c.Created, State: c.State, Status: c.Status, Health: /\((healthy|unhealthy|health: starting)\)/.exec(c.Status)?.[1]?.replace('health: ', '') ?? '',
    ExitCode: Number(/Exited \((\d+)\)/.exec(c.Status)?.[1] ?? 0), Labels: c.Labels, Ports: displayablePorts(c.Ports), Publishers: c.Ports.map((p) => ({ URL: p.IP ?? '', TargetPort: p.PrivatePort, PublishedPort: p.PublicPort ?? 0, Protocol: p.Type })),
  };
}

const psCmd: Command = {
  name: 'ps',
  usage: '[OPTIONS] [SERVICE...]',
  description: 'List containers',
  flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Show all stopped containers (including those created by the run command)' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Only display IDs' },
    { name: 'services', type: 'bool', usage: 'Display services' },
    { name: 'format', type: 'string', usage: 'Format the output. Values: [table | json]', valueName: 'string', default: 'table' },
    { name: 'status', type: 'stringArray', usage: 'Filter services by status. Values: [paused | restarting | removing | running | dead | created | exited]', valueName: 'stringArray' },
    { name: 'filter', type: 'string', usage: 'Filter services by a property (supported filters: status).', valueName: 'string' },
    { name: 'no-trunc', type: 'bool', usage: "Don't truncate output" },
    { name: 'orphans', type: 'bool', usage: 'Include orphaned services (not declared by project)', default: true },
  ],
  async run(ctx, o, names) {
    const project = projectOrName(ctx, o);
    let list = await api(ctx).containers(project.name, { oneoff: o.all ? 'any' : false });
    const status: string[] = [...(o.status ?? []), ...(o.filter?.startsWith('status=') ? [o.filter.slice(7)] : [])];
    if (!o.all && !status.length) list = list.filter((c) => c.State === 'running' || c.State === 'restarting' || c.State === 'paused');
    if (status.length) list = list.filter((c) => status.includes(c.State));
    if (names.length) list = list.filter((c) => names.includes(c.Labels[LABEL.service]!));
    list.sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : 1));
    if (o.quiet) { for (const c of list) ctx.print(c.Id); return; }
    if (o.services) { for (const s of new Set(list.map((c) => c.Labels[LABEL.service]!))) ctx.print(s); return; }
    if (o.format === 'json') { for (const c of list) ctx.print(JSON.stringify(psRow(c))); return; }
    const rows = [['NAME', 'IMAGE', 'COMMAND', 'SERVICE', 'CREATED', 'STATUS', 'PORTS']];
    for (const c of list) {
      const cmd = o['no-trunc'] ? c.Command : ellipsis(c.Command, 20);
      rows.push([nameOf(c), c.Image, JSON.stringify(cmd), c.Labels[LABEL.service] ?? '', createdSince(c.Created), c.Status, displayablePorts(c.Ports)]);
    }
    ctx.out.write(table(rows));
  },
};

const lsCmd: Command = {
  name: 'ls',
  usage: '[OPTIONS]',
  description: 'List running compose projects',
  flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Show all stopped Compose projects' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Only display project names.' },
    { name: 'format', type: 'string', usage: 'Format the output. Values: [table | json]', valueName: 'string', default: 'table' },
    { name: 'filter', type: 'string', usage: 'Filter output based on conditions provided', valueName: 'filter' },
  ],
  async run(ctx, o) {
    const projects = new Map<string, { states: Map<string, number>; files: string }>();
    for (const c of await api(ctx).allComposeContainers()) {
      const p = c.Labels[LABEL.project]!;
      const e = projects.get(p) ?? { states: new Map(), files: c.Labels[LABEL.configFiles] ?? '' };
      e.states.set(c.State, (e.states.get(c.State) ?? 0) + 1);
      projects.set(p, e);
    }
    let list = [...projects.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    if (!o.all) list = list.filter(([, e]) => e.states.has('running'));
    if (o.filter?.startsWith('name=')) list = list.filter(([n]) => n.includes(o.filter.slice(5)));
    const statusOf = (m: Map<string, number>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([s, n]) => `${s}(${n})`).join(', ');
    if (o.quiet) { for (const [n] of list) ctx.print(n); return; }
    if (o.format === 'json') { ctx.print(JSON.stringify(list.map(([n, e]) => ({ Name: n, Status: statusOf(e.states), ConfigFiles: e.files })))); return; }
    ctx.out.write(table([['NAME', 'STATUS', 'CONFIG FILES'], ...list.map(([n, e]) => [n, statusOf(e.states), e.files])]));
  },
};

const logsCmd: Command = {
  name: 'logs',
  usage: '[OPTIONS] [SERVICE...]',
  description: 'View output from containers',
  flags: [
    { name: 'follow', short: 'f', type: 'bool', usage: 'Follow log output' },
    { name: 'tail', short: 'n', type: 'string', usage: 'Number of lines to show from the end of the logs for each container', valueName: 'string', default: 'all' },
    { name: 'timestamps', short: 't', type: 'bool', usage: 'Show timestamps' },
    { name: 'since', type: 'string', usage: 'Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)', valueName: 'string' },
    { name: 'until', type: 'string', usage: 'Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)', valueName: 'string' },
    { name: 'no-color', type: 'bool', usage: 'Produce monochrome output' },
    { name: 'no-log-prefix', type: 'bool', usage: "Don't print prefix in logs" },
    { name: 'index', type: 'int', usage: 'index of the container if service has multiple replicas', valueName: 'int' },
  ],
  async run(ctx, o, names) {
    const project = projectOrName(ctx, o);
    const a = api(ctx);
    let list = await a.containers(project.name, { oneoff: false });
    if (names.length) list = list.filter((c) => names.includes(c.Labels[LABEL.service]!));
    if (o.index) list = list.filter((c) => Number(c.Labels[LABEL.number]) === o.index);
    list.sort((x, y) => (nameOf(x) < nameOf(y) ? -1 : 1));
    const printer = new LogPrinter(ctx.out, { follow: o.follow, tail: o.tail, timestamps: o.timestamps, since: o.since || undefined, until: o.until || undefined, color: colorOn(ctx, o), prefix: !o['no-log-prefix'] });
    printer.register(list.map(displayName));
    await Promise.all(list.map(async (c) => printer.stream(a, c, (await a.inspect(c.Id)).Config.Tty)));
  },
};

const imagesCmd: Command = {
  name: 'images',
  usage: '[OPTIONS] [SERVICE...]',
  description: 'List images used by the created containers',
  flags: [
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Only display IDs' },
    { name: 'format', type: 'string', usage: 'Format the output. Values: [table | json]', valueName: 'string', default: 'table' },
  ],
  async run(ctx, o, names) {
    const project = projectOrName(ctx, o);
    const a = api(ctx);
    let list = await a.containers(project.name, { oneoff: 'any' });
    if (names.length) list = list.filter((c) => names.includes(c.Labels[LABEL.service]!));
    list.sort((x, y) => (nameOf(x) < nameOf(y) ? -1 : 1));
    const rows: string[][] = [];
    const json: unknown[] = [];
    for (const c of list) {
      const img = await a.imageInspect(c.ImageID).catch(() => null);
      const tagged = (img?.RepoTags ?? []).find((t) => t === c.Image || t === `${c.Image}:latest`) ?? img?.RepoTags?.[0] ?? '<none>:<none>';
      const i = tagged.lastIndexOf(':');
      const [repo, tag] = [tagged.slice(0, i), tagged.slice(i + 1)];
      rows.push([nameOf(c), repo, tag, truncateId(c.ImageID), img ? humanSize(img.Size) : '']);
      json.push({ ID: c.ImageID, ContainerName: nameOf(c), Repository: repo, Tag: tag, Size: img?.Size ?? 0 });
    }
    if (o.quiet) { for (const id of new Set(list.map((c) => c.ImageID))) ctx.print(id); return; }
    if (o.format === 'json') { ctx.print(JSON.stringify(json)); return; }
    ctx.out.write(table([['CONTAINER', 'REPOSITORY', 'TAG', 'IMAGE ID', 'SIZE'], ...rows]));
  },
};

const topCmd: Command = {
  name: 'top',
  usage: '[SERVICES...]',
  description: 'Display the running processes',
  async run(ctx, o, names) {
    const project = projectOrName(ctx, o);
    const a = api(ctx);
    let list = (await a.containers(project.name)).filter((c) => c.State === 'running');
    if (names.length) list = list.filter((c) => names.includes(c.Labels[LABEL.service]!));
    list.sort((x, y) => (nameOf(x) < nameOf(y) ? -1 : 1));
    const tops = await Promise.all(list.map((c) => a.top(c.Id)));
    list.forEach((c, i) => {
      ctx.print(nameOf(c));
      ctx.out.write(table([tops[i]!.Titles, ...tops[i]!.Processes]));
      ctx.print('');
    });
  },
};

const portCmd: Command = {
  name: 'port',
  usage: '[OPTIONS] SERVICE PRIVATE_PORT',
  description: 'Print the public port for a port binding',
  args: { exact: 2 },
  flags: [
    { name: 'index', type: 'int', usage: 'Index of the container if service has multiple replicas', valueName: 'int', default: 1 },
    { name: 'protocol', type: 'string', usage: 'tcp or udp', valueName: 'string', default: 'tcp' },
  ],
  async run(ctx, o, [service, port]) {
    const project = projectOrName(ctx, o);
    const a = api(ctx);
    const c = (await a.containers(project.name, { services: [service!] })).find((x) => Number(x.Labels[LABEL.number]) === o.index);
    if (!c) throw new StatusError(`service "${service}" is not running`, 1);
    const i = await a.inspect(c.Id);
    const b = i.NetworkSettings.Ports?.[`${port}/${o.protocol}`]?.[0];
    if (!b) throw new StatusError(`no port ${port}/${o.protocol} for container ${nameOf(c)}: port is not exposed`, 1);
    ctx.print(`${b.HostIp || '0.0.0.0'}:${b.HostPort}`);
  },
};

const versionCmd: Command = {
  name: 'version',
  usage: '[OPTIONS]',
  description: 'Show the Docker Compose version information',
  flags: [
    { name: 'format', short: 'f', type: 'string', usage: 'Format the output. Values: [pretty | json]. (Default: pretty)', valueName: 'string' },
    { name: 'short', type: 'bool', usage: 'Shows only Compose\'s version number' },
  ],
  async run(ctx, o) {
    if (o.short) return void ctx.print(COMPOSE_VERSION);
    if (o.format === 'json') return void ctx.print(JSON.stringify({ version: `v${COMPOSE_VERSION}` }));
    ctx.print(`Berth Compose version v${COMPOSE_VERSION}`);
  },
};

export function composeInfoCommands(): Command[] {
  return [configCmd, psCmd, lsCmd, logsCmd, imagesCmd, topCmd, portCmd, versionCmd];
}
