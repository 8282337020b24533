// Adapts a Command (flags as a list, as commands declare them) to the pflag-compatible parser
// and cobra-style help in flags.ts.
import type { Command, Opts } from './command.js';
import { FlagError as ParseError, checkArgs, flagErrorText, parseFlags, renderHelp as renderCommandHelp, type FlagSpec } from './flags.js';

export class FlagError extends Error {
  constructor(message: string) {
    super(message);
  }
}

function specOf(cmd: Command): FlagSpec {
  const spec: FlagSpec = {};
  for (const f of cmd.flags ?? []) {
    spec[f.name] = { type: f.type, short: f.short, usage: f.usage, default: f.default, typeName: f.valueName, hidden: f.hidden };
  }
  return spec;
}

export function parseCommandFlags(cmd: Command, argv: string[], interspersed: boolean, path: string[] = [cmd.name]): { opts: Opts; args: string[] } {
  try {
    const r = parseFlags(specOf(cmd), argv, { interspersed });
    for (const w of r.warnings) process.stderr.write(w + '\n');
    return { opts: { ...(r.flags as Opts), help: r.help }, args: r.args };
  } catch (e) {
    if (e instanceof ParseError) throw new FlagError(flagErrorText(e, { path: path.join(' '), usage: cmd.usage }));
    throw e;
  }
}

/** Docker's argument-count error text, or null. */
export function argsError(cmd: Command, path: string[], args: string[]): string | null {
  if (!cmd.args) return null;
  return checkArgs({ path: path.join(' '), usage: cmd.usage }, args, cmd.args);
}

export function renderHelp(cmd: Command, path: string[]): string {
  const parent = path.slice(0, -1).join(' ');
  return renderCommandHelp({
    path: path.join(' '),
    usage: cmd.usage,
    short: cmd.description,
    aliases: cmd.aliases?.length || cmd.shortcut
      ? [path.join(' '), ...(cmd.aliases ?? []).map((a) => `${parent} ${a}`), ...(cmd.shortcut ? [`${path[0]} ${cmd.shortcut}`] : [])]
      : undefined,
    flags: specOf(cmd),
    subcommands: cmd.subcommands?.map((s) => ({ name: s.name, short: s.description, hidden: s.hidden, management: Boolean(s.subcommands) })),
    root: path.length === 1,
    width: process.stdout.columns || 80,
  });
}
