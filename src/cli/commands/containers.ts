// The container commands (docker/cli cli/command/container): start, stop, kill, restart, rm, ps,
// wait, rename, prune, inspect, and the `container` group with create/run/exec/logs.
import { BAD_FILTER_FORMAT, encodeFilters, parseFilterFlag, Filters } from '../../common/filters.js';
import { LIST_FORMAT_USAGE, type Command } from '../command.js';
import { changedSet, type SpecCommand } from '../container/spec-command.js';
import { containerFormat, containerRow, probeRow, renderPs, type ContainerSummary } from '../container/ps-format.js';
import { awaitStreamed, EscapeError, streamHijacked } from '../container/stream.js';
import { StatusError, type CliContext } from '../context.js';
import { printInspect } from '../format.js';
import { compileTemplate } from '../template/index.js';
import { humanSize4 } from '../units.js';
import { confirm } from '../prompt.js';
import { errText } from './images.js';
import { createCmd, runCmd, forwardSignals, monitorTtySize, waitExitOrRemoved } from './run.js';
import { execCmd } from './exec.js';
import { logsCmd } from './logs.js';
import { statsCmd } from './stats.js';
import { topCmd } from './top.js';
import { updateCmd } from './update.js';
import type { FlagSpec } from '../flags.js';

const enc = encodeURIComponent;

/** docker/cli parallelOperation: run `op` for each container at once, results in argument order. */
async function parallel(names: string[], op: (name: string) => Promise<unknown>): Promise<Array<unknown | null>> {
  return Promise.all(names.map((n) => op(n).then(() => null, (e: unknown) => e ?? new Error('error'))));
}

async function post(ctx: CliContext, path: string, query?: Record<string, string | number | boolean | undefined>): Promise<void> {
  const r = await ctx.client.request('POST', path, { query });
  r.resume();
}

/** The loop docker's stop/kill/rm share: print each success, collect the errors (errors.Join). */
function reportEach(ctx: CliContext, names: string[], results: Array<unknown | null>, skip?: (e: unknown) => boolean): void {
  const errs: string[] = [];
  names.forEach((n, i) => {
    const e = results[i];
    if (e) {
      if (skip?.(e)) {
        ctx.err.write(errText(e) + '\n');
        return;
      }
      errs.push(errText(e));
      return;
    }
    ctx.print(n);
  });
  if (errs.length) throw new StatusError(errs.join('\n'), 1);
}

/** opts.FilterOpt.Set's check, at parse time so the error is pflag's. */
const validateFilter = (v: string) => {
  if (v !== '' && !v.includes('=')) throw new Error(BAD_FILTER_FORMAT);
};

const SIGNAL_FLAG = { type: 'string' as const, short: 's', usage: 'Signal to send to the container' };
const TIMEOUT_FLAG = { type: 'int' as const, short: 't', usage: 'Seconds to wait before killing the container' };

export const startCmd: SpecCommand = {
  name: 'start',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Start one or more stopped containers',
  args: { min: 1 },
  helpAliases: ['berth container start', 'berth start'],
  annotations: { checkpoint: { experimental: true, ostype: 'linux' }, 'checkpoint-dir': { experimental: true, ostype: 'linux' } },
  spec: {
    attach: { type: 'bool', short: 'a', usage: 'Attach STDOUT/STDERR and forward signals' },
    checkpoint: { type: 'string', usage: 'Restore from this checkpoint' },
    'checkpoint-dir': { type: 'string', usage: 'Use a custom checkpoint storage directory' },
    'detach-keys': { type: 'string', usage: 'Override the key sequence for detaching a container' },
    interactive: { type: 'bool', short: 'i', usage: "Attach container's STDIN" },
  },
  async run(ctx, o, args) {
    if (o.attach || o.interactive) {
      if (args.length > 1) throw new StatusError('you cannot start and attach multiple containers at once', 1);
      const c = await ctx.client.get<{ Id: string; Config: { Tty: boolean; OpenStdin: boolean }; HostConfig: { AutoRemove: boolean } }>(`/containers/${enc(args[0]!)}/json`);
      const undo: Array<() => void> = [];
      if (!c.Config.Tty) undo.push(forwardSignals(ctx.client, c.Id));
      const stdin = Boolean(o.interactive && c.Config.OpenStdin);
      const h = await ctx.client.hijack('POST', `/containers/${c.Id}/attach`, {
        query: { stream: true, stdin, stdout: true, stderr: true, detachKeys: o['detach-keys'] || undefined },
      });
      try {
        if (stdin && c.Config.Tty && !process.stdin.isTTY) throw new StatusError('the input device is not a TTY', 1);
        const waiter = await waitExitOrRemoved(ctx.client, c.Id, c.HostConfig.AutoRemove);
        undo.push(() => waiter.cancel());
        try {
          await post(ctx, `/containers/${c.Id}/start`, { checkpoint: o.checkpoint || undefined, 'checkpoint-dir': o['checkpoint-dir'] || undefined });
        } catch (e) {
          h.close();
          if (c.HostConfig.AutoRemove) await waiter.status;
          throw e;
        }
        const streamed = streamHijacked(h, { stdin: stdin ? process.stdin : null, stdout: ctx.out, stderr: ctx.err, tty: c.Config.Tty, detachKeys: o['detach-keys'] });
        if (c.Config.Tty && ctx.out.isTTY) undo.push(monitorTtySize(ctx, `/containers/${c.Id}/resize`));
        if (await awaitStreamed(streamed, Boolean(stdin))) return 0;
        const status = await waiter.status;
        if (status !== 0) throw new StatusError('', status);
        return 0;
      } finally {
        h.close();
        for (const u of undo) u();
      }
    }
    if (o.checkpoint) {
      if (args.length > 1) throw new StatusError('you cannot restore multiple containers at once', 1);
      await post(ctx, `/containers/${enc(args[0]!)}/start`, { checkpoint: o.checkpoint, 'checkpoint-dir': o['checkpoint-dir'] || undefined });
      return 0;
    }
    const failed: string[] = [];
    for (const name of args) {
      try {
        await post(ctx, `/containers/${enc(name)}/start`);
        ctx.print(name);
      } catch (e) {
        ctx.err.write(errText(e) + '\n');
        failed.push(name);
      }
    }
    if (failed.length) throw new StatusError(`Error: failed to start containers: ${failed.join(', ')}`, 1);
    return 0;
  },
};

export const stopCmd: SpecCommand = {
  name: 'stop',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Stop one or more running containers',
  args: { min: 1 },
  helpAliases: ['berth container stop', 'berth stop'],
  spec: { signal: SIGNAL_FLAG, timeout: TIMEOUT_FLAG },
  async run(ctx, o, args) {
    const t = changedSet(o).has('timeout') ? o.timeout : undefined;
    const results = await parallel(args, (n) => post(ctx, `/containers/${enc(n)}/stop`, { signal: o.signal || undefined, t }));
    reportEach(ctx, args, results);
  },
};

export const killCmd: SpecCommand = {
  name: 'kill',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Kill one or more running containers',
  args: { min: 1 },
  helpAliases: ['berth container kill', 'berth kill'],
  spec: { signal: SIGNAL_FLAG },
  async run(ctx, o, args) {
    const results = await parallel(args, (n) => post(ctx, `/containers/${enc(n)}/kill`, { signal: o.signal || undefined }));
    reportEach(ctx, args, results);
  },
};

function pauseCommand(name: 'pause' | 'unpause', description: string): SpecCommand {
  return {
    name,
    usage: 'CONTAINER [CONTAINER...]',
    description,
    args: { min: 1 },
    helpAliases: [`berth container ${name}`, `berth ${name}`],
    spec: {},
    async run(ctx, _o, args) {
      const results = await parallel(args, (n) => post(ctx, `/containers/${enc(n)}/${name}`));
      reportEach(ctx, args, results);
    },
  };
}

export const pauseCmd = pauseCommand('pause', 'Pause all processes within one or more containers');
export const unpauseCmd = pauseCommand('unpause', 'Unpause all processes within one or more containers');

export const restartCmd: SpecCommand = {
  name: 'restart',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Restart one or more containers',
  args: { min: 1 },
  helpAliases: ['berth container restart', 'berth restart'],
  spec: { signal: SIGNAL_FLAG, timeout: TIMEOUT_FLAG },
  async run(ctx, o, args) {
    const t = changedSet(o).has('timeout') ? o.timeout : undefined;
    const errs: string[] = [];
    for (const n of args) {
      try {
        await post(ctx, `/containers/${enc(n)}/restart`, { signal: o.signal || undefined, t });
        ctx.print(n);
      } catch (e) {
        errs.push(errText(e));
      }
    }
    if (errs.length) throw new StatusError(errs.join('\n'), 1);
  },
};

export const rmCmd: SpecCommand = {
  name: 'rm',
  aliases: ['remove'],
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Remove one or more containers',
  args: { min: 1 },
  helpAliases: ['berth container rm', 'berth container remove', 'berth rm'],
  spec: {
    force: { type: 'bool', short: 'f', usage: 'Force the removal of a running container (uses SIGKILL)' },
    link: { type: 'bool', short: 'l', usage: 'Remove the specified link' },
    volumes: { type: 'bool', short: 'v', usage: 'Remove anonymous volumes associated with the container' },
  },
  async run(ctx, o, args) {
    const results = await parallel(args, async (raw) => {
      const name = raw.replace(/^\/+|\/+$/g, '');
      if (name === '') throw new Error('container name cannot be empty');
      const r = await ctx.client.request('DELETE', `/containers/${enc(name)}`, { query: { v: o.volumes, link: o.link, force: o.force } });
      r.resume();
    });
    reportEach(ctx, args, results, (e) => Boolean(o.force) && (e as { status?: number }).status === 404);
  },
};

export const waitCmd: SpecCommand = {
  name: 'wait',
  usage: 'CONTAINER [CONTAINER...]',
  description: 'Block until one or more containers stop, then print their exit codes',
  args: { min: 1 },
  helpAliases: ['berth container wait', 'berth wait'],
  spec: {},
  async run(ctx, _o, args) {
    const errs: string[] = [];
    for (const n of args) {
      try {
        const r = await ctx.client.json<{ StatusCode: number; Error?: { Message: string } | null }>('POST', `/containers/${enc(n)}/wait`);
        ctx.print(String(r.StatusCode));
      } catch (e) {
        errs.push(errText(e));
      }
    }
    if (errs.length) throw new StatusError(errs.join('\n'), 1);
  },
};

export const renameCmd: SpecCommand = {
  name: 'rename',
  usage: 'CONTAINER NEW_NAME',
  description: 'Rename a container',
  args: { exact: 2 },
  helpAliases: ['berth container rename', 'berth rename'],
  spec: {},
  async run(ctx, _o, args) {
    const oldName = args[0]!.trim();
    const newName = args[1]!.trim();
    if (oldName === '' || newName === '') throw new StatusError('Error: Neither old nor new names may be empty', 1);
    try {
      await post(ctx, `/containers/${enc(oldName)}/rename`, { name: newName });
    } catch (e) {
      ctx.err.write(errText(e) + '\n');
      throw new StatusError(`Error: failed to rename container named ${oldName}`, 1);
    }
  },
};

const PS_SPEC: FlagSpec = {
  all: { type: 'bool', short: 'a', usage: 'Show all containers (default shows just running)' },
  filter: { type: 'stringArray', short: 'f', typeName: 'filter', usage: 'Filter output based on conditions provided', validate: validateFilter },
  format: {
    type: 'string',
    usage: LIST_FORMAT_USAGE,
  },
  last: { type: 'int', short: 'n', default: -1, usage: 'Show n last created containers (includes all states)' },
  latest: { type: 'bool', short: 'l', usage: 'Show the latest created container (includes all states)' },
  'no-trunc': { type: 'bool', usage: "Don't truncate output" },
  quiet: { type: 'bool', short: 'q', usage: 'Only display container IDs' },
  size: { type: 'bool', short: 's', usage: 'Display total file sizes' },
};

export const psCmd: SpecCommand = {
  name: 'ls',
  aliases: ['list', 'ps'],
  shortcut: 'ps',
  usage: '[OPTIONS]',
  description: 'List containers',
  args: {},
  helpAliases: ['berth container ls', 'berth container list', 'berth container ps', 'berth ps'],
  spec: PS_SPEC,
  async run(ctx, o) {
    const format: string = o.format ?? '';
    if (format && o.quiet) ctx.err.write('WARNING: Ignoring custom format, because both --format and --quiet are set.\n');
    let filters = new Filters();
    try {
      for (const v of o.filter ?? []) filters = parseFilterFlag(v, filters);
    } catch (e) {
      throw new StatusError((e as Error).message, 1);
    }
    let size: boolean = o.size;
    if (format) {
      let t;
      try {
        t = compileTemplate(format);
      } catch (e) {
        throw new StatusError(`failed to parse template: ${(e as Error).message}`, 1);
      }
      const probe = probeRow();
      try {
        t.execute(probe.row);
      } catch (e) {
        throw new StatusError(`failed to execute template: ${(e as Error).message}`, 1);
      }
      if (!o.quiet && !size && !changedSet(o).has('size') && probe.usesSize()) size = true;
    }
    let limit: number = o.last;
    if (o.latest && limit === -1) limit = 1;
    const list = await ctx.client.get<ContainerSummary[]>('/containers/json', {
      all: o.all,
      limit: limit > 0 ? limit : undefined,
      size,
      filters: filters.len() ? encodeFilters(filters) : undefined,
    });
    const now = Date.now();
    const rows = list.map((c) => containerRow(c, { trunc: !o['no-trunc'], now }));
    try {
      ctx.out.write(renderPs(containerFormat(format, o.quiet, size), rows, size));
    } catch (e) {
      throw new StatusError((e as Error).message, 1);
    }
  },
};

export const containerPruneCmd: SpecCommand = {
  name: 'prune',
  usage: '[OPTIONS]',
  description: 'Remove all stopped containers',
  args: {},
  spec: {
    filter: { type: 'stringArray', typeName: 'filter', usage: 'Provide filter values (e.g. "until=<timestamp>")', validate: validateFilter },
    force: { type: 'bool', short: 'f', usage: 'Do not prompt for confirmation' },
  },
  async run(ctx, o) {
    let filters = new Filters();
    try {
      for (const v of o.filter ?? []) filters = parseFilterFlag(v, filters);
    } catch (e) {
      throw new StatusError((e as Error).message, 1);
    }
    if (!o.force && !(await confirm(ctx, 'WARNING! This will remove all stopped containers.\nAre you sure you want to continue?'))) return 0;
    const rep = await ctx.client.json<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/containers/prune', {
      query: { filters: filters.len() ? encodeFilters(filters) : undefined },
    });
    if (rep.ContainersDeleted?.length) ctx.out.write(`Deleted Containers:\n${rep.ContainersDeleted.join('\n')}\n\n`);
    ctx.print(`Total reclaimed space: ${humanSize4(rep.SpaceReclaimed ?? 0)}`);
  },
};

const INSPECT_FORMAT = {
  type: 'string' as const, short: 'f',
  usage: "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates",
};

export const containerInspectCmd: SpecCommand = {
  name: 'inspect',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Display detailed information on one or more containers',
  args: { min: 1 },
  spec: {
    format: INSPECT_FORMAT,
    size: { type: 'bool', short: 's', usage: 'Display total file sizes' },
  },
  async run(ctx, o, args) {
    return printInspect(ctx, args, o.format, (n) => ctx.client.get(`/containers/${enc(n)}/json`, { size: o.size }), 'container');
  },
};

interface InspectState { Id: string; Config: { Tty: boolean; OpenStdin: boolean }; State: { Running: boolean; Paused: boolean; Restarting: boolean } }

async function inspectAndCheckState(ctx: CliContext, name: string): Promise<InspectState> {
  const c = await ctx.client.get<InspectState>(`/containers/${enc(name)}/json`);
  if (!c.State.Running) throw new StatusError('You cannot attach to a stopped container, start it first', 1);
  if (c.State.Paused) throw new StatusError('You cannot attach to a paused container, unpause it first', 1);
  if (c.State.Restarting) throw new StatusError('You cannot attach to a restarting container, wait until it is running', 1);
  return c;
}

export const attachCmd: SpecCommand = {
  name: 'attach',
  usage: '[OPTIONS] CONTAINER',
  description: 'Attach local standard input, output, and error streams to a running container',
  args: { exact: 1 },
  helpAliases: ['berth container attach', 'berth attach'],
  spec: {
    'detach-keys': { type: 'string', usage: 'Override the key sequence for detaching a container' },
    'no-stdin': { type: 'bool', usage: 'Do not attach STDIN' },
    'sig-proxy': { type: 'bool', default: true, usage: 'Proxy all received signals to the process' },
  },
  async run(ctx, o, [name]) {
    // Wait first, as docker does, so an exit while attaching is not missed.
    const waiter = await waitExitOrRemoved(ctx.client, name!, false).catch(() => undefined);
    const undo: Array<() => void> = [() => waiter?.cancel()];
    try {
      const c = await inspectAndCheckState(ctx, name!);
      const stdin = !o['no-stdin'] && c.Config.OpenStdin;
      if (stdin && c.Config.Tty && !process.stdin.isTTY) throw new StatusError('the input device is not a TTY', 1);
      if (o['sig-proxy'] && !c.Config.Tty) undo.push(forwardSignals(ctx.client, c.Id));
      const h = await ctx.client.hijack('POST', `/containers/${c.Id}/attach`, {
        query: { stream: true, stdin, stdout: true, stderr: true, detachKeys: o['detach-keys'] || undefined },
      });
      undo.push(() => h.close());
      await inspectAndCheckState(ctx, c.Id);
      if (c.Config.Tty && ctx.out.isTTY) {
        // docker resizes to one more row and column first, so a shell redraws its prompt on re-attach.
        await post(ctx, `/containers/${c.Id}/resize`, { h: (ctx.out.rows ?? 0) + 1, w: (ctx.out.columns ?? 0) + 1 }).catch(() => {});
        undo.push(monitorTtySize(ctx, `/containers/${c.Id}/resize`));
      }
      try {
        await streamHijacked(h, { stdin: stdin ? process.stdin : null, stdout: ctx.out, stderr: ctx.err, tty: c.Config.Tty, detachKeys: o['detach-keys'] });
      } catch (e) {
        if (e instanceof EscapeError) throw new StatusError(e.message, 1);
        throw e;
      } finally {
        if (stdin) {
          process.stdin.pause();
          if (!process.stdin.isTTY) process.stdin.destroy();
        }
      }
      const status = waiter ? await waiter.status : 0;
      if (status !== 0) throw new StatusError('', status);
      return 0;
    } finally {
      for (const u of undo) u();
    }
  },
};

/** All commands of the `container` group, in docker's order. */
export function containerCommands(): Command[] {
  return [attachCmd, createCmd, execCmd, containerInspectCmd, killCmd, logsCmd, psCmd, pauseCmd, containerPruneCmd, renameCmd, restartCmd, rmCmd, runCmd, startCmd, statsCmd, stopCmd, topCmd, unpauseCmd, updateCmd, waitCmd];
}

/** The top-level shortcuts docker has for container commands (`berth ps`, `berth rm`, `berth run`…). */
export function containerShortcuts(): Command[] {
  return [attachCmd, createCmd, execCmd, killCmd, logsCmd, pauseCmd, renameCmd, restartCmd, runCmd, startCmd, statsCmd, stopCmd, topCmd, unpauseCmd, updateCmd, waitCmd];
}
