// compose exec and compose run. exec hands over to `berth exec` (same create/start/hijack code)
// on the service's container; run creates a one-off container and attaches as `berth run` does.
import { randomBytes } from 'node:crypto';
import { Converger, injectFileObjects } from '../../compose/converge.js';
import { checkFileSources } from '../../compose/secrets.js';
import { createBody, imageName } from '../../compose/convert.js';
import { ComposeError } from '../../compose/errors.js';
import { LABEL } from '../../compose/labels.js';
import { shellSplit } from '../../compose/units.js';
import type { Command } from '../command.js';
import { awaitStreamed, streamHijacked } from '../container/stream.js';
import { StatusError } from '../context.js';
import { cliBuilder } from './compose-build.js';
import { api, loadFromOpts, projectOrName, reporter } from './compose-project.js';
import { execCmd } from './exec.js';
import { forwardSignals, monitorTtySize, waitExitOrRemoved } from './run.js';

const execCommand: Command = {
  name: 'exec',
  usage: '[OPTIONS] SERVICE COMMAND [ARGS...]',
  description: 'Execute a command in a running container',
  interspersed: false,
  args: { min: 2 },
  flags: [
    { name: 'detach', short: 'd', type: 'bool', usage: 'Detached mode: Run command in the background' },
    { name: 'env', short: 'e', type: 'stringArray', usage: 'Set environment variables', valueName: 'stringArray' },
    { name: 'index', type: 'int', usage: 'Index of the container if service has multiple replicas', valueName: 'int', default: 1 },
    { name: 'no-TTY', short: 'T', type: 'bool', usage: 'Disable pseudo-TTY allocation. By default `docker compose exec` allocates a TTY.' },
    { name: 'privileged', type: 'bool', usage: 'Give extended privileges to the process' },
    { name: 'user', short: 'u', type: 'string', usage: 'Run the command as this user', valueName: 'string' },
    { name: 'workdir', short: 'w', type: 'string', usage: 'Path to workdir directory for this command', valueName: 'string' },
    { name: 'interactive', short: 'i', type: 'bool', usage: 'Keep STDIN open even if not attached', default: true, hidden: true },
  ],
  async run(ctx, o, [service, ...cmd]) {
    const project = projectOrName(ctx, o);
    const list = await api(ctx).containers(project.name, { services: [service!] });
    const c = list.find((x) => Number(x.Labels[LABEL.number]) === o.index && x.State === 'running');
    if (!c) throw new ComposeError('NotFound', `service "${service}" is not running`);
    const tty = !o['no-TTY'] && Boolean(process.stdin.isTTY);
    return execCmd.run!(ctx, {
      detach: o.detach, tty, interactive: !o.detach && o.interactive !== false, env: o.env ?? [], 'env-file': [], user: o.user, workdir: o.workdir,
      privileged: o.privileged, 'detach-keys': '',
    }, [c.Id, ...cmd]);
  },
};

const runCommand: Command = {
  name: 'run',
  usage: '[OPTIONS] SERVICE [COMMAND] [ARGS...]',
  description: 'Run a one-off command on a service',
  interspersed: false,
  args: { min: 1 },
  flags: [
    { name: 'detach', short: 'd', type: 'bool', usage: 'Run container in background and print container ID' },
    { name: 'rm', type: 'bool', usage: 'Automatically remove the container when it exits' },
    { name: 'env', short: 'e', type: 'stringArray', usage: 'Set environment variables', valueName: 'stringArray' },
    { name: 'no-deps', type: 'bool', usage: "Don't start linked services" },
    { name: 'no-TTY', short: 'T', type: 'bool', usage: 'Disable pseudo-TTY allocation (default: auto-detected)' },
    { name: 'interactive', short: 'i', type: 'bool', usage: 'Keep STDIN open even if not attached', default: true },
    { name: 'name', type: 'string', usage: 'Assign a name to the container', valueName: 'string' },
    { name: 'user', short: 'u', type: 'string', usage: 'Run as specified username or uid', valueName: 'string' },
    { name: 'workdir', short: 'w', type: 'string', usage: 'Working directory inside the container', valueName: 'string' },
    { name: 'entrypoint', type: 'string', usage: 'Override the entrypoint of the image', valueName: 'string' },
    { name: 'label', short: 'l', type: 'stringArray', usage: 'Add or override a label', valueName: 'stringArray' },
    { name: 'service-ports', type: 'bool', usage: "Run command with all service's ports enabled and mapped to the host" },
    { name: 'build', type: 'bool', usage: 'Build image before starting container' },
    { name: 'remove-orphans', type: 'bool', usage: 'Remove containers for services not defined in the Compose file' },
  ],
  async run(ctx, o, [service, ...cmd]) {
    const project = loadFromOpts(ctx, o, [service!]);
    const s = project.services[service!];
    if (!s) throw new ComposeError('NotFound', `no such service: ${service}`);
    const a = api(ctx);
    const rep = reporter(ctx, o);
    const conv = new Converger(a, project, rep, cliBuilder(ctx));
    const deps = Object.keys(s.depends_on ?? {}).filter((d) => project.services[d]);
    if (!o['no-deps'] && deps.length) await conv.up({ services: deps, build: o.build });
    await conv.ensureNetworks();
    await conv.ensureVolumes();
    await conv.ensureImages({ [s.name]: s }, { build: o.build });
    await conv.loadContainers();
    if (!o['no-deps']) await conv.waitDependencies(s);
    const env = (o.env as string[] ?? []).map((e) => (e.includes('=') ? e : `${e}=${project.environment[e] ?? process.env[e] ?? ''}`));
    const tty = !o['no-TTY'] && !o.detach && Boolean(process.stdin.isTTY);
    const interactive = !o.detach && o.interactive !== false;
    const name = o.name || `${project.name}-${s.name}-run-${randomBytes(6).toString('hex')}`;
    const body = createBody(project, { ...s, labels: { ...(s.labels ?? {}), ...Object.fromEntries((o.label ?? []).map((l: string) => [l.split('=')[0], l.split('=').slice(1).join('=')])) } }, {
      name, number: 1, oneoff: true, imageId: await a.imageId(imageName(project, s)) ?? undefined,
      override: {
        Cmd: cmd.length ? cmd : undefined, Entrypoint: o.entrypoint ? shellSplit(o.entrypoint) : undefined, Env: env, Tty: tty, OpenStdin: interactive,
        User: o.user || undefined, WorkingDir: o.workdir || undefined, noPorts: !o['service-ports'],
      },
    });
    checkFileSources(project, [s]);
    const id = await a.create(name, body);
    await injectFileObjects(a, project, s, id);
    if (o.detach) {
      await a.start(id);
      ctx.print(name);
      return 0;
    }
    const undo: Array<() => void> = [];
    if (!tty) undo.push(forwardSignals(ctx.client, id));
    const h = await ctx.client.hijack('POST', `/containers/${id}/attach`, { query: { stream: true, stdin: interactive, stdout: true, stderr: true } });
    try {
      const waiter = await waitExitOrRemoved(ctx.client, id, false);
      undo.push(() => waiter.cancel());
      await a.start(id);
      const streamed = streamHijacked(h, { stdin: interactive ? process.stdin : null, stdout: ctx.out, stderr: tty ? ctx.out : ctx.err, tty });
      if (tty && ctx.out.isTTY) undo.push(monitorTtySize(ctx, `/containers/${id}/resize`));
      if (await awaitStreamed(streamed, interactive)) return 0;
      const code = await waiter.status;
      if (code !== 0) throw new StatusError('', code);
      return 0;
    } finally {
      h.close();
      for (const u of undo) u();
      if (o.rm) await a.remove(id, { force: true }).catch(() => {});
    }
  },
};

export function composeExecCommands(): Command[] {
  return [execCommand, runCommand];
}

