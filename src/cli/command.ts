// A command as data: its usage, flags and handler. main.ts parses argv against it.
import type { CliContext } from './context.js';

export type FlagType = 'bool' | 'string' | 'stringArray' | 'int' | 'duration' | 'stringSlice';

export interface FlagDef {
  name: string;
  short?: string;
  type: FlagType;
  default?: string | number | boolean;
  usage: string;
  /** The value word shown in help, e.g. `filter` in `--filter filter`. */
  valueName?: string;
  hidden?: boolean;
}

export type Opts = Record<string, any>;

export interface Command {
  name: string;
  aliases?: string[];
  /** A top-level shortcut for a management subcommand (`berth images` for `berth image ls`). */
  shortcut?: string;
  /** e.g. `[OPTIONS] IMAGE [IMAGE...]` */
  usage: string;
  description: string;
  flags?: FlagDef[];
  /** false for run/exec/create: flags stop at the first positional argument. */
  interspersed?: boolean;
  args?: { min?: number; max?: number; exact?: number };
  subcommands?: Command[];
  hidden?: boolean;
  run?(ctx: CliContext, opts: Opts, args: string[]): Promise<number | void>;
}

/** docker's --format help for list commands (ls, ps-like tables). */
export const LIST_FORMAT_USAGE = "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates";

export const FILTER_FLAG: FlagDef = { name: 'filter', short: 'f', type: 'stringArray', usage: 'Filter output based on conditions provided', valueName: 'filter' };
export const FORMAT_FLAG = (usage = `Format output using a custom template:
'table':            Print output in table format with column headers (default)
'table TEMPLATE':   Print output in table format using the given Go template
'json':             Print in JSON format
'TEMPLATE':         Print output using the given Go template.
Refer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates`): FlagDef =>
  ({ name: 'format', type: 'string', usage, valueName: 'string' });

export const INSPECT_FORMAT_FLAG: FlagDef = {
  name: 'format', short: 'f', type: 'string', valueName: 'string',
  usage: "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates",
};

export const TEMPLATE_FORMAT_FLAG: FlagDef = { name: 'format', short: 'f', type: 'string', usage: 'Format output using a custom template', valueName: 'string' };
