// `berth compose`: docker compose v2's command line. Global options (-f, -p, --project-directory,
// --env-file, --profile) come before the subcommand; the subcommands live in compose-*.ts.
import { ComposeError } from '../../compose/errors.js';
import type { Command, FlagDef, Opts } from '../command.js';
import { StatusError, type CliContext } from '../context.js';
import { argsError, parseCommandFlags, renderHelp } from '../dispatch.js';
import { composeBuildCommands } from './compose-build.js';
import { composeExecCommands } from './compose-exec.js';
import { composeInfoCommands } from './compose-info.js';
import { composeLifecycleCommands } from './compose-lifecycle.js';
import { composeMoreCommands } from './compose-more.js';
import { composeObserveCommands } from './compose-observe.js';

export const COMPOSE_GLOBAL_FLAGS: FlagDef[] = [
  { name: 'file', short: 'f', type: 'stringArray', usage: 'Compose configuration files', valueName: 'stringArray' },
  { name: 'project-name', short: 'p', type: 'string', usage: 'Project name', valueName: 'string' },
  { name: 'project-directory', type: 'string', usage: 'Specify an alternate working directory\n(default: the path of the, first specified, Compose file)', valueName: 'string' },
  { name: 'env-file', type: 'stringArray', usage: 'Specify an alternate environment file', valueName: 'stringArray' },
  { name: 'profile', type: 'stringArray', usage: 'Specify a profile to enable', valueName: 'stringArray' },
  { name: 'ansi', type: 'string', usage: 'Control when to print ANSI control characters ("never"|"always"|"auto")', valueName: 'string', default: 'auto' },
  { name: 'progress', type: 'string', usage: 'Set type of progress output (auto, tty, plain, json, quiet)', valueName: 'string', default: 'auto' },
  { name: 'parallel', type: 'int', usage: 'Control max parallelism, -1 for unlimited', valueName: 'int', default: -1 },
  { name: 'compatibility', type: 'bool', usage: 'Run compose in backward compatibility mode' },
  { name: 'dry-run', type: 'bool', usage: 'Execute command in dry run mode', hidden: true },
];

/** Compose errors print as-is with their status; the rest goes to main's handler. */
export function composeRun(f: NonNullable<Command['run']>): NonNullable<Command['run']> {
  return async (ctx, o, args) => {
    try {
      return await f(ctx, o, args);
    } catch (e) {
      if (e instanceof ComposeError) throw new StatusError(e.message, e.status);
      throw e;
    }
  };
}

function subcommands(): Command[] {
  return [...composeLifecycleCommands(), ...composeInfoCommands(), ...composeExecCommands(), ...composeBuildCommands(), ...composeMoreCommands(), ...composeObserveCommands()]
    .map((c) => ({ ...c, run: c.run && composeRun(c.run) }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

const SUBCOMMANDS = subcommands();

export const composeCmd: Command = {
  name: 'compose',
  usage: '[OPTIONS] COMMAND',
  description: 'Define and run multi-container applications',
  interspersed: false,
  flags: COMPOSE_GLOBAL_FLAGS,
  subcommands: SUBCOMMANDS,
  async run(ctx: CliContext, global: Opts, args: string[]) {
    const path = ['berth', 'compose'];
    if (args.length === 0) {
      process.stdout.write(renderHelp(composeCmd, path));
      return 0;
    }
    const sub = SUBCOMMANDS.find((c) => c.name === args[0] || c.aliases?.includes(args[0]!));
    if (!sub) throw new StatusError(`unknown docker command: "compose ${args[0]}"`, 1);
    const subPath = [...path, sub.name];
    const parsed = parseCommandFlags(sub, args.slice(1), sub.interspersed !== false, subPath);
    if (parsed.opts.help) {
      process.stdout.write(renderHelp(sub, subPath));
      return 0;
    }
    const err = argsError(sub, subPath, parsed.args);
    if (err) throw new StatusError(err, 1);
    return sub.run!(ctx, { ...parsed.opts, ...globalOnly(global) }, parsed.args);
  },
};

function globalOnly(o: Opts): Opts {
  const out: Opts = {};
  for (const f of COMPOSE_GLOBAL_FLAGS) out[`global:${f.name}`] = o[f.name];
  return out;
}
