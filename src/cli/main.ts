// berth entry point: global options, the command tree, Docker's error and exit-code conventions.
import { DaemonUnreachable } from '../client/client.js';
import { isBerthError } from '../common/errors.js';
import type { Command } from './command.js';
import { CliContext, StatusError } from './context.js';
import { argsError, parseCommandFlags, renderHelp, FlagError } from './dispatch.js';
import { imageCommands, imagesCmd, rmiCmd, tagCmd, saveCmd, loadCmd, importCmd, historyCmd, errText } from './commands/images.js';
import { versionCmd, infoCmd, dfCmd, systemPruneCmd, BERTH_CLIENT_VERSION } from './commands/system.js';
import { eventsCmd } from './commands/events.js';
import { loginCmd, logoutCmd, pullCmd, pushCmd } from './commands/registry-client.js';
import { bootstrapCmd } from './commands/bootstrap.js';
import { registryCommands } from './commands/registry.js';
import { inspectCmd } from './commands/inspect.js';
import { containerCommands, containerShortcuts, psCmd, rmCmd } from './commands/containers.js';
import { buildCmd, builderCmd } from './commands/build.js';
import { networkCommands } from './commands/network.js';
import { volumeCommands } from './commands/volume.js';
import { cpCmd } from './commands/cp.js';
import { commitCmd, diffCmd, exportCmd } from './commands/diff-commit-export.js';
import { portCmd } from './commands/port.js';
import { composeCmd } from './commands/compose.js';
import { isSpecCommand, parseSpecCommand, renderSpecHelp, versionLess, type ServerFeatures } from './container/spec-command.js';
import { CLIENT_API_VERSION } from '../client/client.js';

const shortcut = (c: Command): Command => ({ ...c, name: c.shortcut!, aliases: [], shortcut: undefined });
/** A container command at the top level (`berth run`, `berth rm`): same command, no group aliases. */
const topLevel = (c: Command): Command => ({ ...c, aliases: [], shortcut: undefined });

export const ROOT: Command = {
  name: 'berth',
  usage: '[OPTIONS] COMMAND',
  description: 'A self-sufficient runtime for containers',
  subcommands: [
    bootstrapCmd,
    versionCmd,
    infoCmd,
    eventsCmd,
    inspectCmd,
    ...containerShortcuts().map(topLevel),
    shortcut(psCmd),
    ...[cpCmd, commitCmd, diffCmd, exportCmd].map(topLevel),
    topLevel(rmCmd),
    portCmd,
    shortcut(imagesCmd),
    shortcut(rmiCmd),
    tagCmd,
    saveCmd,
    loadCmd,
    importCmd,
    historyCmd,
    buildCmd,
    pullCmd,
    pushCmd,
    loginCmd,
    logoutCmd,
    { name: 'container', usage: 'COMMAND', description: 'Manage containers', subcommands: [...containerCommands(), portCmd, cpCmd, commitCmd, diffCmd, exportCmd] },
    { name: 'image', usage: 'COMMAND', description: 'Manage images', subcommands: [...imageCommands(), buildCmd] },
    { name: 'network', usage: 'COMMAND', description: 'Manage networks', subcommands: networkCommands() },
    { name: 'volume', usage: 'COMMAND', description: 'Manage volumes', subcommands: volumeCommands() },
    { name: 'system', usage: 'COMMAND', description: 'Manage berth', subcommands: [dfCmd, eventsCmd, infoCmd, systemPruneCmd] },
    { name: 'registry', usage: 'COMMAND', description: 'Run an OCI distribution registry', subcommands: registryCommands() },
    builderCmd,
    composeCmd,
  ],
  flags: [
    { name: 'config', type: 'string', usage: 'Location of client config files', valueName: 'string', default: '/root/.docker' },
    { name: 'context', short: 'c', type: 'string', usage: 'Name of the context to use to connect to the daemon', valueName: 'string' },
    { name: 'debug', short: 'D', type: 'bool', usage: 'Enable debug mode' },
    { name: 'host', short: 'H', type: 'stringArray', usage: 'Daemon socket to connect to', valueName: 'list' },
    { name: 'log-level', short: 'l', type: 'string', usage: 'Set the logging level ("debug", "info", "warn", "error", "fatal")', valueName: 'string', default: 'info' },
    { name: 'tls', type: 'bool', usage: 'Use TLS; implied by --tlsverify', hidden: true },
    { name: 'version', short: 'v', type: 'bool', usage: 'Print version information and quit' },
  ],
};

function findSub(cmd: Command, name: string): Command | undefined {
  return cmd.subcommands?.find((c) => c.name === name || c.aliases?.includes(name));
}

async function main(argv: string[]): Promise<number> {
  // Global options come before the command name.
  const global = parseCommandFlags(ROOT, argv, false);
  if (global.opts.version) { process.stdout.write(`Berth version ${BERTH_CLIENT_VERSION}\n`); return 0; }
  const ctx = new CliContext(global.opts.host?.[global.opts.host.length - 1]);
  let cmd = ROOT;
  let rest = global.args;
  const path = ['berth'];
  while (cmd.subcommands && rest.length) {
    const sub = findSub(cmd, rest[0]);
    if (!sub) break;
    cmd = sub;
    path.push(sub.name);
    rest = rest.slice(1);
  }
  if (cmd === ROOT && rest.length) {
    process.stderr.write(`berth: '${rest[0]}' is not a berth command.\nSee 'berth --help'\n`);
    return 1;
  }
  const helpText = () => (isSpecCommand(cmd) ? renderSpecHelp(cmd, path) : renderHelp(cmd, path));
  const help = async () => {
    if (!isSpecCommand(cmd)) { process.stdout.write(helpText()); return; }
    // As docker, help leaves out flags the daemon can't use (if it answers a ping).
    let server: ServerFeatures | null = null;
    if (cmd.annotations) {
      const ping = await ctx.client.ping();
      if (ping) {
        const mine = process.env.DOCKER_API_VERSION || CLIENT_API_VERSION;
        const theirs = ping.apiVersion || mine;
        const negotiated = process.env.DOCKER_API_VERSION ? mine : (versionLess(theirs, mine) ? theirs : mine);
        server = { apiVersion: negotiated, osType: ping.osType, experimental: ping.experimental };
      }
    }
    process.stdout.write(renderSpecHelp(cmd, path, server));
  };
  if (cmd !== ROOT && !cmd.run) {
    // A management command (`berth container`): as cobra, its help alone goes to stderr.
    if (global.opts.help || rest[0] === '--help' || rest[0] === '-h') { await help(); return 0; }
    if (rest.length === 0) { process.stderr.write(helpText()); return 0; }
    const p = path.join(' ');
    process.stderr.write(`berth: unknown command: ${p} ${rest[0]}\n\nUsage:  ${p}\n\nRun '${p} --help' for more information\n`);
    return 1;
  }
  if (global.opts.help || (!cmd.run && rest.length === 0)) {
    await help();
    return 0;
  }
  if (!cmd.run) {
    process.stderr.write(`berth: '${rest[0]}' is not a berth command.\nSee '${path.join(' ')} --help'\n`);
    return 1;
  }
  const parsed = isSpecCommand(cmd) ? parseSpecCommand(cmd, rest, path) : parseCommandFlags(cmd, rest, cmd.interspersed !== false, path);
  if (parsed.opts.help) { await help(); return 0; }
  const argErr = argsError(cmd, path, parsed.args);
  if (argErr) throw new StatusError(argErr, 1);
  const code = await cmd.run(ctx, parsed.opts, parsed.args);
  return typeof code === 'number' ? code : 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => {
    if (e instanceof FlagError) {
      process.stderr.write(`${e.message}\n`);
      process.exitCode = 125;
    } else if (e instanceof StatusError) {
      if (e.message) process.stderr.write(e.message + '\n');
      process.exitCode = e.status;
    } else if (e instanceof DaemonUnreachable) {
      process.stderr.write(e.message + '\n');
      process.exitCode = 1;
    } else if (isBerthError(e)) {
      process.stderr.write(errText(e) + '\n');
      process.exitCode = 1;
    } else {
      process.stderr.write(`${(e as Error)?.message ?? e}\n`);
      process.exitCode = 1;
    }
  },
);
