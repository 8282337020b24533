// Commands whose flags are declared with flags.ts's full FlagSpec (validators, help type words and
// default texts, pflag's Changed set) — the container commands need all of these to match docker.
// main.ts parses and renders help for them through parseSpecCommand / renderSpecHelp.
import type { Command, Opts } from '../command.js';
import { FlagError } from '../dispatch.js';
import { FlagError as ParseError, flagErrorText, parseFlags, renderHelp, type FlagSpec } from '../flags.js';

/** docker's flag annotations that hide a flag in help when the daemon can't use it. */
export interface FlagAnnotation {
  /** Minimum API version ("version" annotation). */
  version?: string;
  /** Only for daemons of this OS ("ostype"). */
  ostype?: string;
  /** Only for experimental daemons. */
  experimental?: boolean;
}

export interface SpecCommand extends Command {
  spec: FlagSpec;
  /** The "Aliases:" line of docker's help (with `berth`), e.g. ['berth container ls', 'berth ps']. */
  helpAliases?: string[];
  annotations?: Record<string, FlagAnnotation>;
}

/** What docker's help learns from a ping; null when the daemon could not be reached. */
export interface ServerFeatures { apiVersion: string; osType: string; experimental: boolean }

export function versionLess(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

/**
 * docker's hideUnsupportedFeatures: with a reachable daemon, flags for another OS, a newer API
 * or an experimental daemon are left out of help (an unreachable daemon shows everything).
 */
export function visibleSpec(cmd: SpecCommand, server: ServerFeatures | null): FlagSpec {
  if (!server || !cmd.annotations) return cmd.spec;
  const out: FlagSpec = {};
  for (const [name, def] of Object.entries(cmd.spec)) {
    const a = cmd.annotations[name];
    const hide = a !== undefined && (
      (a.ostype !== undefined && server.osType !== '' && a.ostype !== server.osType)
      || (a.version !== undefined && versionLess(server.apiVersion, a.version))
      || (a.experimental === true && !server.experimental));
    out[name] = hide ? { ...def, hidden: true } : def;
  }
  return out;
}

export function isSpecCommand(c: Command): c is SpecCommand {
  return (c as Partial<SpecCommand>).spec !== undefined;
}

/** Key under which parsed opts carry pflag's Changed set. */
export const CHANGED = '__changed';

export function parseSpecCommand(cmd: SpecCommand, argv: string[], path: string[]): { opts: Opts; args: string[] } {
  try {
    const r = parseFlags(cmd.spec, argv, { interspersed: cmd.interspersed !== false });
    // pflag prints its deprecation notices on cobra's output (stdout), as docker shows them.
    for (const w of r.warnings) process.stdout.write(w + '\n');
    return { opts: { ...(r.flags as Opts), help: r.help, [CHANGED]: r.changed }, args: r.args };
  } catch (e) {
    if (e instanceof ParseError) throw new FlagError(flagErrorText(e, { path: path.join(' '), usage: cmd.usage }));
    throw e;
  }
}

export function changedSet(opts: Opts): ReadonlySet<string> {
  return (opts[CHANGED] as Set<string> | undefined) ?? new Set();
}

export function renderSpecHelp(cmd: SpecCommand, path: string[], server: ServerFeatures | null = null): string {
  return renderHelp({
    path: path.join(' '),
    usage: cmd.usage,
    short: cmd.description,
    aliases: cmd.helpAliases,
    flags: visibleSpec(cmd, server),
    width: process.stdout.columns || 80,
  });
}
