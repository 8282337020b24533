// compose cp / attach / wait / scale / commit / export: docker compose v2's commands on one
// service's containers, each picking its containers by compose's labels and handing over to the
// code of the matching `berth` command (cp's archive copy, attach's hijack, the Converger).
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ContainerSummary } from '../../compose/api.js';
import { Converger, nameOf } from '../../compose/converge.js';
import { ComposeError } from '../../compose/errors.js';
import { LABEL } from '../../compose/labels.js';
import { Operations } from '../../compose/ops.js';
import { validateOutputPath } from '../../container/archive-copy.js';
import { goDir, splitCpArg } from '../../container/archive-paths.js';
import { familiarName, parseNormalizedNamed, tagNameOnly } from '../../image/reference.js';
import type { Command, Opts } from '../command.js';
import { StatusError, type CliContext } from '../context.js';
import { cliBuilder } from './compose-build.js';
import { api, loadFromOpts, projectOrName, reporter } from './compose-project.js';
import { attachCmd } from './containers.js';
import { copyFromContainer, copyToContainer } from './cp.js';

const INDEX_USAGE = 'index of the container if service has multiple replicas.';

const number = (c: ContainerSummary) => Number(c.Labels[LABEL.number] ?? 0);
const oneOff = (c: ContainerSummary) => c.Labels[LABEL.oneoff] === 'True';

/**
 * getSpecifiedContainer: the service's container of that number (index > 0), or its lowest
 * numbered one, service containers before one-offs of the same number.
 */
export function pickContainer(list: ContainerSummary[], service: string, index: number): ContainerSummary {
  const matching = list.filter((c) => c.Labels[LABEL.service] === service && (index <= 0 || number(c) === index));
  if (!matching.length) {
    throw new ComposeError('NotFound', index > 0 ? `service "${service}" is not running container #${index}` : `service "${service}" is not running`);
  }
  return [...matching].sort((a, b) => number(a) - number(b) || Number(oneOff(a)) - Number(oneOff(b)))[0]!;
}

/** The project's containers of a service: running only unless `all`; one-offs too unless excluded. */
async function serviceContainers(ctx: CliContext, o: Opts, service: string, opts: { all: boolean; oneoff: false | 'any' }): Promise<ContainerSummary[]> {
  const project = projectOrName(ctx, o);
  return api(ctx).containers(project.name, { all: opts.all, oneoff: opts.oneoff, services: [service] });
}

/** cobra's MinimumNArgs / RangeArgs texts, for the commands compose declares with them. */
function cobraArgs(args: string[], min: number, max = Infinity): void {
  if (max !== Infinity && (args.length < min || args.length > max)) throw new StatusError(`accepts between ${min} and ${max} arg(s), received ${args.length}`, 1);
  if (args.length < min) throw new StatusError(`requires at least ${min} arg(s), only received ${args.length}`, 1);
}

// ---- cp

const ALL_DEPRECATED = 'By default all the containers of the service will get the source file/directory to be copied';

const cpCmd: Command = {
  name: 'cp',
  usage: '[OPTIONS] SERVICE:SRC_PATH DEST_PATH|-\n\tberth compose cp [OPTIONS] SRC_PATH|- SERVICE:DEST_PATH',
  description: 'Copy files/folders between a service container and the local filesystem',
  args: { exact: 2 },
  flags: [
    { name: 'all', type: 'bool', usage: 'Copy to all the containers of the service', hidden: true },
    { name: 'archive', short: 'a', type: 'bool', usage: 'Archive mode (copy all uid/gid information)' },
    { name: 'follow-link', short: 'L', type: 'bool', usage: 'Always follow symbol link in SRC_PATH' },
    { name: 'index', type: 'int', usage: 'Index of the container if service has multiple replicas', valueName: 'int', default: 0 },
  ],
  async run(ctx, o, [source, destination]) {
    // pflag's notice for a deprecated flag (the dispatcher's flag table has no such mark).
    if (o.all) ctx.err.write(`Flag --all has been deprecated, ${ALL_DEPRECATED}\n`);
    if (source === '') throw new StatusError('source can not be empty', 1);
    if (destination === '') throw new StatusError('destination can not be empty', 1);
    const src = splitCpArg(source!);
    const dst = splitCpArg(destination!);
    if (src.container && o.all) throw new StatusError('cannot use the --all flag when copying from a service', 1);
    if (src.container && dst.container) throw new StatusError('copying between services is not supported', 1);
    if (!src.container && !dst.container) throw new StatusError('unknown copy direction', 1);
    const from = Boolean(src.container);
    const service = from ? src.container : dst.container;
    const targets = await copyTargets(ctx, o, service, from);
    const rep = reporter(ctx, o);
    const cfg = { sourcePath: src.path, destPath: dst.path, followLink: Boolean(o['follow-link']), copyUIDGID: Boolean(o.archive), quiet: true };
    await Promise.all(targets.map(async (c) => {
      const name = nameOf(c);
      const msg = from ? `copy ${name}:${src.path} to ${dst.path}` : `copy ${src.path} to ${name}:${dst.path}`;
      rep.event(name, msg, 'Copying');
      if (from) await copyFromContainer(ctx, { ...cfg, container: c.Id });
      else await copyToContainer(ctx, { ...cfg, container: c.Id });
      rep.event(name, msg, 'Copied');
    }));
  },
};

/** listContainersTargetedForCopy: the --index container, else every replica (to) or the first listed (from). */
async function copyTargets(ctx: CliContext, o: Opts, service: string, from: boolean): Promise<ContainerSummary[]> {
  const list = await serviceContainers(ctx, o, service, { all: true, oneoff: false });
  if (o.index > 0) return [pickContainer(list, service, o.index)];
  if (!list.length) throw new StatusError(`no container found for service "${service}"`, 1);
  return from ? list.slice(0, 1) : list;
}

// ---- attach

const attachCommand: Command = {
  name: 'attach',
  usage: '[OPTIONS] SERVICE',
  description: "Attach local standard input, output, and error streams to a service's running container",
  flags: [
    { name: 'detach-keys', type: 'string', usage: 'Override the key sequence for detaching from a container.', valueName: 'string' },
    { name: 'index', type: 'int', usage: INDEX_USAGE, valueName: 'int', default: 0 },
    { name: 'no-stdin', type: 'bool', usage: 'Do not attach STDIN' },
    { name: 'sig-proxy', type: 'bool', usage: 'Proxy all received signals to the process', default: true },
  ],
  async run(ctx, o, args) {
    cobraArgs(args, 1);
    const service = args[0]!;
    const c = pickContainer(await serviceContainers(ctx, o, service, { all: false, oneoff: 'any' }), service, o.index);
    return attachCmd.run!(ctx, { 'detach-keys': o['detach-keys'] ?? '', 'no-stdin': Boolean(o['no-stdin']), 'sig-proxy': o['sig-proxy'] !== false }, [c.Id]);
  },
};

// ---- wait

const waitCommand: Command = {
  name: 'wait',
  usage: 'SERVICE [SERVICE...] [OPTIONS]',
  description: 'Block until containers of all (or specified) services stop.',
  args: { min: 1 },
  flags: [
    { name: 'down-project', type: 'bool', usage: 'Drops project when the first container stops' },
  ],
  async run(ctx, o, services) {
    const project = projectOrName(ctx, o);
    const a = api(ctx);
    const list = (await a.containers(project.name, { all: false, oneoff: 'any', services }))
      .filter((c) => services.includes(c.Labels[LABEL.service] ?? ''));
    if (!list.length) throw new ComposeError('NotFound', `no containers for project "${project.name}"`);
    // Every container is waited for; the exit status is that of the last one to stop.
    let status = 0;
    await Promise.all(list.map(async (c) => {
      const code = await a.wait(c.Id);
      ctx.print(`container ${JSON.stringify(c.Id)} exited with status code ${code}`);
      status = code;
    }));
    if (o['down-project']) await new Operations(a, project, reporter(ctx, o)).down({ removeOrphans: true });
    return status;
  },
};

// ---- scale

/** parseServicesReplicasArgs: SERVICE=REPLICAS pairs, the last one for a service winning. */
export function parseReplicas(args: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const arg of args) {
    const i = arg.indexOf('=');
    const [key, val] = i < 0 ? ['', ''] : [arg.slice(0, i), arg.slice(i + 1)];
    if (!key || !val) throw new StatusError(`invalid scale specifier: ${arg}`, 1);
    // strconv.Atoi: an optional sign and decimal digits, within 64 bits.
    if (!/^[+-]?\d+$/.test(val) || !Number.isSafeInteger(Number(val))) throw new StatusError(`invalid scale specifier: can't parse replica value as int: ${arg}`, 1);
    out[key] = Number(val);
  }
  return out;
}

const scaleCommand: Command = {
  name: 'scale',
  usage: '[SERVICE=REPLICAS...]',
  description: 'Scale services ',
  flags: [
    { name: 'no-deps', type: 'bool', usage: "Don't start linked services" },
  ],
  async run(ctx, o, args) {
    cobraArgs(args, 1);
    const scale = parseReplicas(args);
    const services = Object.keys(scale).sort();
    const project = loadFromOpts(ctx, o, services);
    // Scale is create then start of those services: `up` of them with their replica counts.
    await new Converger(api(ctx), project, reporter(ctx, o), cliBuilder(ctx)).up({ services, noDeps: Boolean(o['no-deps']), scale });
  },
};

// ---- commit

const commitCommand: Command = {
  name: 'commit',
  usage: '[OPTIONS] SERVICE [REPOSITORY[:TAG]]',
  description: "Create a new image from a service container's changes",
  flags: [
    { name: 'author', short: 'a', type: 'string', usage: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")', valueName: 'string' },
    { name: 'change', short: 'c', type: 'stringArray', usage: 'Apply Dockerfile instruction to the created image', valueName: 'list' },
    { name: 'index', type: 'int', usage: INDEX_USAGE, valueName: 'int', default: 0 },
    { name: 'message', short: 'm', type: 'string', usage: 'Commit message', valueName: 'string' },
    { name: 'pause', short: 'p', type: 'bool', usage: 'Pause container during commit', default: true },
  ],
  async run(ctx, o, args) {
    cobraArgs(args, 1, 2);
    const [service, reference] = args as [string, string | undefined];
    const c = pickContainer(await serviceContainers(ctx, o, service, { all: false, oneoff: 'any' }), service, o.index);
    const { repo, tag } = commitReference(reference ?? '');
    const name = nameOf(c);
    const msg = `Commit ${name}`;
    const rep = reporter(ctx, o);
    rep.event(name, msg, 'Committing');
    const res = await ctx.client.json<{ Id: string }>('POST', '/commit', {
      query: { container: c.Id, repo, tag, comment: o.message ?? '', author: o.author ?? '', changes: o.change ?? [], pause: o.pause === false ? '0' : undefined },
    });
    rep.event(name, msg, `Committed as ${res.Id}`);
  },
};

/** The client's ContainerCommit: the reference as repository and tag (latest when none). */
function commitReference(reference: string): { repo: string; tag: string } {
  if (!reference) return { repo: '', tag: '' };
  let ref = parseNormalizedNamed(reference);
  if (ref.digest) throw new StatusError('refusing to create a tag with a digest reference', 1);
  ref = tagNameOnly(ref);
  return { repo: familiarName(ref), tag: ref.tag ?? '' };
}

// ---- export

const exportCommand: Command = {
  name: 'export',
  usage: '[OPTIONS] SERVICE',
  description: "Export a service container's filesystem as a tar archive",
  flags: [
    { name: 'index', type: 'int', usage: INDEX_USAGE, valueName: 'int', default: 0 },
    { name: 'output', short: 'o', type: 'string', usage: 'Write to a file, instead of STDOUT', valueName: 'string' },
  ],
  async run(ctx, o, args) {
    cobraArgs(args, 1);
    const service = args[0]!;
    const c = pickContainer(await serviceContainers(ctx, o, service, { all: false, oneoff: 'any' }), service, o.index);
    const output: string = o.output ?? '';
    if (!output) {
      if (ctx.isTerminal()) throw new StatusError('output option is required when exporting to terminal', 1);
    } else {
      try {
        validateOutputPath(output);
      } catch (e) {
        throw new StatusError(`failed to export container: ${(e as Error).message}`, 1);
      }
    }
    const name = nameOf(c);
    reporter(ctx, o).event(name, `export ${name} to ${output}`, 'Exporting');
    const res = await ctx.client.request('GET', `/containers/${encodeURIComponent(c.Id)}/export`);
    if (!output) {
      await pipeline(res, ctx.out);
      return;
    }
    await writeAtomically(res, output);
  },
};

/** atomicwriter: a temporary file beside the target (mode 0600), renamed over it once complete. */
async function writeAtomically(content: NodeJS.ReadableStream, output: string): Promise<void> {
  const tmp = join(goDir(output), `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await pipeline(content, createWriteStream(tmp, { mode: 0o600 }));
    renameSync(tmp, output);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export function composeMoreCommands(): Command[] {
  return [cpCmd, attachCommand, waitCommand, scaleCommand, commitCommand, exportCommand];
}
