// compose up / create / down / start / stop / restart / kill / rm / pause / unpause.
import { ComposeError } from '../../compose/errors.js';
import { Converger, sleep } from '../../compose/converge.js';
import { LABEL } from '../../compose/labels.js';
import { LogPrinter, displayName } from '../../compose/logs.js';
import type { Project } from '../../compose/model.js';
import { Operations, type Action } from '../../compose/ops.js';
import type { Command, FlagDef, Opts } from '../command.js';
import { StatusError, type CliContext } from '../context.js';
import { cliBuilder } from './compose-build.js';
import { api, colorOn, loadFromOpts, projectOrName, reporter } from './compose-project.js';

const TIMEOUT: FlagDef = { name: 'timeout', short: 't', type: 'int', usage: 'Specify a shutdown timeout in seconds', valueName: 'int', default: -1 };
/** The --timeout given, or undefined (each container's own stop timeout). */
const tmo = (o: Opts): number | undefined => (typeof o.timeout === 'number' && o.timeout >= 0 ? o.timeout : undefined);

function parseScale(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) {
    const m = /^([^=]+)=(\d+)$/.exec(v);
    if (!m) throw new StatusError(`invalid --scale value ${JSON.stringify(v)}: expected SERVICE=NUM`, 1);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}


const upCmd: Command = {
  name: 'up',
  usage: '[OPTIONS] [SERVICE...]',
  description: 'Create and start containers',
  flags: [
    { name: 'detach', short: 'd', type: 'bool', usage: 'Detached mode: Run containers in the background' },
    { name: 'build', type: 'bool', usage: 'Build images before starting containers' },
    { name: 'no-build', type: 'bool', usage: "Don't build an image, even if it's policy" },
    { name: 'force-recreate', type: 'bool', usage: "Recreate containers even if their configuration and image haven't changed" },
    { name: 'no-recreate', type: 'bool', usage: "If containers already exist, don't recreate them. Incompatible with --force-recreate." },
    { name: 'no-start', type: 'bool', usage: "Don't start the services after creating them" },
    { name: 'no-deps', type: 'bool', usage: "Don't start linked services" },
    { name: 'remove-orphans', type: 'bool', usage: 'Remove containers for services not defined in the Compose file' },
    { name: 'scale', type: 'stringArray', usage: 'Scale SERVICE to NUM instances. Overrides the `scale` setting in the Compose file if present.', valueName: 'scale' },
    { name: 'wait', type: 'bool', usage: 'Wait for services to be running|healthy. Implies detached mode.' },
    { name: 'wait-timeout', type: 'int', usage: 'Maximum duration in seconds to wait for the project to be running|healthy', valueName: 'int' },
    { name: 'abort-on-container-exit', type: 'bool', usage: 'Stops all containers if any container was stopped. Incompatible with -d' },
    { name: 'exit-code-from', type: 'string', usage: 'Return the exit code of the selected service container. Implies --abort-on-container-exit', valueName: 'string' },
    { name: 'no-color', type: 'bool', usage: 'Produce monochrome output' },
    { name: 'no-log-prefix', type: 'bool', usage: "Don't print prefix in logs" },
    { name: 'quiet-pull', type: 'bool', usage: 'Pull without printing progress information' },
    { name: 'pull', type: 'string', usage: 'Pull image before running ("always"|"missing"|"never")', valueName: 'string', default: 'policy' },
    TIMEOUT,
  ],
  async run(ctx, o, names) {
    if (o['force-recreate'] && o['no-recreate']) throw new StatusError('--force-recreate and --no-recreate are incompatible', 1);
    const abort = Boolean(o['abort-on-container-exit'] || o['exit-code-from']);
    const detach = Boolean(o.detach || o.wait);
    if (detach && abort) throw new StatusError('--abort-on-container-exit and --detach are incompatible', 1);
    const project = loadFromOpts(ctx, o, names);
    const c = new Converger(api(ctx), project, reporter(ctx, o), cliBuilder(ctx));
    await c.up({
      build: o.build, noBuild: o['no-build'], removeOrphans: o['remove-orphans'], scale: parseScale(o.scale ?? []),
      recreate: o['force-recreate'] ? 'force' : o['no-recreate'] ? 'never' : 'diverged', start: !o['no-start'],
      services: names, noDeps: o['no-deps'], wait: o.wait, waitTimeoutMs: (o['wait-timeout'] ?? 0) * 1000,
    });
    if (detach || o['no-start']) return 0;
    return attached(ctx, o, project, names, abort);
  },
};

/** Attached `up`: every container's log, prefixed, until they all exit (or one, with abort); Ctrl-C stops them. */
async function attached(ctx: CliContext, o: Opts, project: Project, names: string[], abort: boolean): Promise<number> {
  const a = api(ctx);
  const ops = new Operations(a, project, reporter(ctx, o));
  let containers = await a.containers(project.name, { services: names.length ? names : undefined });
  if (names.length) containers = containers.filter((c) => names.includes(c.Labels[LABEL.service]!));
  const printer = new LogPrinter(ctx.out, { follow: true, color: colorOn(ctx, o), prefix: !o['no-log-prefix'] });
  printer.register(containers.map(displayName));
  ctx.err.write('Attaching to ' + containers.map(displayName).join(', ') + '\n');
  let stopping = false;
  let exitCode = 0;
  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    await ops.act('stop', { timeout: tmo(o) });
  };
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      ctx.err.write('Gracefully stopping... (press Ctrl+C again to force)\n');
      exitCode = 130;
      stopAll().catch(() => {});
    } else {
      ops.act('kill', {}).catch(() => {}).finally(() => process.exit(130));
    }
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    await Promise.all(containers.map(async (c) => {
      const info = await a.inspect(c.Id);
      await printer.stream(a, c, info.Config.Tty);
      // The log ends when the container stops.
      let state = await a.inspect(c.Id).catch(() => null);
      for (let i = 0; state?.State.Running && i < 50; i++) {
        await sleep(100);
        state = await a.inspect(c.Id).catch(() => null);
      }
      const code = state?.State.ExitCode ?? 0;
      const name = displayName(c);
      if (!stopping) ctx.out.write(`${printer.prefix(name).replace(/\| $/, '')}exited with code ${code}\n`);
      const svc = c.Labels[LABEL.service];
      if (o['exit-code-from'] ? svc === o['exit-code-from'] : abort && !stopping) exitCode = code;
      if (abort && !stopping) {
        ctx.err.write('Aborting on container exit...\n');
        await stopAll();
      }
    }));
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
  return exitCode;
}

const createCmd: Command = {
  name: 'create',
  usage: '[OPTIONS] [SERVICE...]',
  description: 'Creates containers for a service',
  flags: [
    { name: 'build', type: 'bool', usage: 'Build images before starting containers' },
    { name: 'no-build', type: 'bool', usage: "Don't build an image, even if it's policy" },
    { name: 'force-recreate', type: 'bool', usage: "Recreate containers even if their configuration and image haven't changed" },
    { name: 'no-recreate', type: 'bool', usage: "If containers already exist, don't recreate them." },
    { name: 'remove-orphans', type: 'bool', usage: 'Remove containers for services not defined in the Compose file' },
    { name: 'scale', type: 'stringArray', usage: 'Scale SERVICE to NUM instances.', valueName: 'scale' },
  ],
  async run(ctx, o, names) {
    const project = loadFromOpts(ctx, o, names);
    await new Converger(api(ctx), project, reporter(ctx, o), cliBuilder(ctx)).up({
      build: o.build, noBuild: o['no-build'], removeOrphans: o['remove-orphans'], scale: parseScale(o.scale ?? []),
      recreate: o['force-recreate'] ? 'force' : o['no-recreate'] ? 'never' : 'diverged', start: false, services: names,
    });
  },
};

const downCmd: Command = {
  name: 'down',
  usage: '[OPTIONS] [SERVICES]',
  description: 'Stop and remove containers, networks',
  flags: [
    { name: 'volumes', short: 'v', type: 'bool', usage: 'Remove named volumes declared in the "volumes" section of the Compose file and anonymous volumes attached to containers' },
    { name: 'rmi', type: 'string', usage: 'Remove images used by services. "local" remove only images that don\'t have a custom tag ("local"|"all")', valueName: 'string' },
    { name: 'remove-orphans', type: 'bool', usage: 'Remove containers for services not defined in the Compose file' },
    TIMEOUT,
  ],
  async run(ctx, o) {
    if (o.rmi && o.rmi !== 'local' && o.rmi !== 'all') throw new StatusError(`invalid value for --rmi: ${o.rmi}`, 1);
    const project = projectOrName(ctx, o);
    await new Operations(api(ctx), project, reporter(ctx, o)).down({ volumes: o.volumes, rmi: o.rmi || undefined, removeOrphans: o['remove-orphans'], timeout: tmo(o) });
  },
};

function actionCmd(action: Action, description: string, flags: FlagDef[] = []): Command {
  return {
    name: action,
    usage: '[OPTIONS] [SERVICE...]',
    description,
    flags,
    async run(ctx, o, names) {
      const project = projectOrName(ctx, o);
      for (const n of names) if (Object.keys(project.services).length && !project.services[n] && !project.disabled[n]) throw new ComposeError('NotFound', `no such service: ${n}`);
      if (action === 'start') {
        const ops = new Operations(api(ctx), project, reporter(ctx, o));
        const m = await ops.byService(names);
        if (!m.size) throw new ComposeError('Failed', 'service(s) not created: nothing to start');
      }
      await new Operations(api(ctx), project, reporter(ctx, o)).act(action, { services: names, timeout: tmo(o), signal: o.signal });
    },
  };
}

const rmCmd: Command = {
  name: 'rm',
  usage: '[OPTIONS] [SERVICE...]',
  description: 'Removes stopped service containers',
  flags: [
    { name: 'force', short: 'f', type: 'bool', usage: "Don't ask to confirm removal" },
    { name: 'stop', short: 's', type: 'bool', usage: 'Stop the containers, if required, before removing' },
    { name: 'volumes', short: 'v', type: 'bool', usage: 'Remove any anonymous volumes attached to containers' },
  ],
  async run(ctx, o, names) {
    const project = projectOrName(ctx, o);
    const removed = await new Operations(api(ctx), project, reporter(ctx, o)).rm({ services: names, stop: o.stop, volumes: o.volumes });
    if (!removed.length) ctx.err.write('No stopped containers\n');
  },
};

export function composeLifecycleCommands(): Command[] {
  return [
    upCmd, createCmd, downCmd, rmCmd,
    actionCmd('start', 'Start services'),
    actionCmd('stop', 'Stop services', [TIMEOUT]),
    actionCmd('restart', 'Restart service containers', [TIMEOUT, { name: 'no-deps', type: 'bool', usage: "Don't restart dependent services" }]),
    actionCmd('kill', 'Force stop service containers', [{ name: 'signal', short: 's', type: 'string', usage: 'SIGNAL to send to the container', valueName: 'string', default: 'SIGKILL' }, { name: 'remove-orphans', type: 'bool', usage: 'Remove containers for services not defined in the Compose file' }]),
    actionCmd('pause', 'Pause services'),
    actionCmd('unpause', 'Unpause services'),
  ];
}
