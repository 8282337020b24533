// Command-line flags as docker's CLI parses them (spf13/pflag under cobra): `-it`, `-p80`, `-e X`,
// `-e=X`, `--name=x`, `--name x`, `--rm`, `--rm=false`, `--` ends flags, a lone `-` is an argument,
// and pflag's error texts ("unknown flag: --foo", "flag needs an argument: 'e' in -e", ...).
// Also docker's help layout (cobra usage template + pflag's FlagUsagesWrapped) and its argument
// count errors.
//
//   const spec = defineFlags({
//     all: { type: 'bool', short: 'a', usage: 'Show all containers (default shows just running)' },
//     filter: { type: 'stringArray', short: 'f', typeName: 'filter', usage: 'Filter output based on conditions provided' },
//     last: { type: 'int', short: 'n', default: -1, usage: 'Show n last created containers (includes all states)' },
//   });
//   const { flags, args } = parseFlags(spec, ['-a', '--filter', 'status=exited']);
//   flags.all      // true (boolean)
//   flags.filter   // ['status=exited'] (string[])

import { quote } from './template/fmt.js';
import { formatDuration, parseDuration } from './units.js';
import { formatFloat } from './template/fmt.js';

export type FlagType = 'bool' | 'string' | 'int' | 'uint' | 'float' | 'duration' | 'stringArray' | 'stringSlice';

export interface FlagDef {
  type: FlagType;
  /** One-letter shorthand, used as `-x`. */
  short?: string;
  usage: string;
  /** Default value: boolean for bool, string for string, number for int/uint/float, nanoseconds
   * for duration, string[] for stringArray/stringSlice. */
  default?: boolean | string | number | readonly string[];
  /** Word shown after the flag in help, pflag's Value.Type() (e.g. "list", "filter", "bytes", "map").
   * Defaults to the type's own word: string, int, uint, float, duration, stringArray, strings. */
  typeName?: string;
  /** Replaces the help's "(default …)" text; "" shows none. */
  defaultText?: string;
  /** Not listed in help. */
  hidden?: boolean;
  /** pflag MarkDeprecated: hidden, and using it warns "Flag --x has been deprecated, MSG". */
  deprecated?: string;
  /** pflag MarkShorthandDeprecated: the shorthand is hidden in help and warns when used. */
  shortDeprecated?: string;
  /** pflag NoOptDefVal: the value used when the flag is given without `=value`. */
  noOptDefault?: string;
  /** Checks (and may rewrite) each value given on the command line (each element for repeatable
   * flags, each comma-separated item for stringSlice). Throw an Error to reject it: its message
   * follows `invalid argument "VALUE" for "-f, --filter" flag: `. */
  validate?: (value: string) => string | void;
}

/** Flag definitions keyed by long name. */
export type FlagSpec = Record<string, FlagDef>;

export type FlagValue<D> = D extends { type: 'bool' }
  ? boolean
  : D extends { type: 'string' }
    ? string
    : D extends { type: 'int' | 'uint' | 'float' | 'duration' }
      ? number
      : D extends { type: 'stringArray' | 'stringSlice' }
        ? string[]
        : unknown;

export type FlagValues<S extends FlagSpec> = { -readonly [K in keyof S]: FlagValue<S[K]> };

/** Identity, for declaring a spec with its literal types inferred. */
export function defineFlags<const S extends FlagSpec>(spec: S): S {
  return spec;
}

export interface ParseOptions {
  /** false for run/exec/create: flags end at the first positional argument (default true). */
  interspersed?: boolean;
  /** Add docker's hidden `--help`/`-h` (default true); its value comes back as `help`. */
  helpFlag?: boolean;
}

export interface ParseResult<S extends FlagSpec> {
  flags: FlagValues<S>;
  /** Positional arguments, in order. */
  args: string[];
  /** Long names of the flags given on the command line. */
  changed: Set<keyof S & string>;
  /** `--help` (or `-h`) was given. */
  help: boolean;
  /** Deprecation notices pflag prints while parsing (e.g. "Flag shorthand -h has been deprecated, use --help"). */
  warnings: string[];
  /** Number of positional arguments before `--`, or -1 (cobra's ArgsLenAtDash). */
  argsLenAtDash: number;
}

/** A command-line error with pflag's message, e.g. `unknown flag: --foo`. Docker exits 125 on these. */
export class FlagError extends Error {
  readonly exitCode = 125;
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

export const HELP_FLAG: FlagDef = {
  type: 'bool',
  short: 'h',
  usage: 'Print usage',
  hidden: true,
  shortDeprecated: 'use --help',
};

// ---- value parsing (strconv)

function parseBool(s: string): boolean {
  switch (s) {
    case '1':
    case 't':
    case 'T':
    case 'TRUE':
    case 'true':
    case 'True':
      return true;
    case '0':
    case 'f':
    case 'F':
    case 'FALSE':
    case 'false':
    case 'False':
      return false;
  }
  throw new Error(`strconv.ParseBool: parsing ${quote(s)}: invalid syntax`);
}

function parseIntBase0(s: string, fn: 'ParseInt' | 'ParseUint'): bigint {
  const err = (why: string) => new Error(`strconv.${fn}: parsing ${quote(s)}: ${why}`);
  let body = s;
  let neg = false;
  if (fn === 'ParseInt' && (body[0] === '+' || body[0] === '-')) {
    neg = body[0] === '-';
    body = body.slice(1);
  }
  let base = 10;
  let digits = body;
  let prefixed = false;
  if (/^0[xX]/.test(body)) [base, digits, prefixed] = [16, body.slice(2), true];
  else if (/^0[oO]/.test(body)) [base, digits, prefixed] = [8, body.slice(2), true];
  else if (/^0[bB]/.test(body)) [base, digits, prefixed] = [2, body.slice(2), true];
  else if (/^0./.test(body)) [base, digits, prefixed] = [8, body.slice(1), true];
  if (prefixed && digits.includes('_')) {
    if (!/^_?[0-9a-zA-Z]+(_[0-9a-zA-Z]+)*$/.test(digits)) throw err('invalid syntax');
    digits = digits.replace(/_/g, '');
  }
  const valid: Record<number, RegExp> = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ };
  if (digits === '' || !valid[base]!.test(digits)) throw err('invalid syntax');
  let v = 0n;
  for (const d of digits) v = v * BigInt(base) + BigInt(parseInt(d, 16));
  if (neg) v = -v;
  const [min, max] = fn === 'ParseInt' ? [-(1n << 63n), (1n << 63n) - 1n] : [0n, (1n << 64n) - 1n];
  if (v < min || v > max) throw err('value out of range');
  return v;
}

function parseFloat64(s: string): number {
  const t = s.replace(/^[+]/, '');
  if (/^[-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(t)) return NaN;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    const v = Number(s);
    if (!Number.isFinite(v)) throw new Error(`strconv.ParseFloat: parsing ${quote(s)}: value out of range`);
    return v;
  }
  throw new Error(`strconv.ParseFloat: parsing ${quote(s)}: invalid syntax`);
}

/** encoding/csv's reading of one record, as pflag's stringSlice uses it. */
function readAsCSV(val: string): string[] {
  if (val === '') return [];
  const line = val.split('\n')[0]!.replace(/\r$/, '');
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let field = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) throw new Error(`parse error on line 1, column ${line.length + 1}: extraneous or missing " in quoted-field`);
        field += line.slice(j, q);
        if (line[q + 1] === '"') {
          field += '"';
          j = q + 2;
          continue;
        }
        if (q + 1 < line.length && line[q + 1] !== ',') {
          throw new Error(`parse error on line 1, column ${q + 2}: extraneous or missing " in quoted-field`);
        }
        i = q + 1;
        break;
      }
      fields.push(field);
    } else {
      const c = line.indexOf(',', i);
      const field = c < 0 ? line.slice(i) : line.slice(i, c);
      const bq = field.indexOf('"');
      if (bq >= 0) throw new Error(`parse error on line 1, column ${i + bq + 1}: bare " in non-quoted-field`);
      fields.push(field);
      i = c < 0 ? line.length : c;
    }
    if (i >= line.length) break;
    i++; // skip ','
    if (i === line.length) {
      fields.push('');
      break;
    }
  }
  return fields;
}

function writeAsCSV(vals: readonly string[]): string {
  return vals.map((v) => (v === '' || /[",\r\n]/.test(v) || v[0] === ' ' ? `"${v.replace(/"/g, '""')}"` : v)).join(',');
}

function zeroValue(t: FlagType): unknown {
  switch (t) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'int':
    case 'uint':
    case 'float':
    case 'duration':
      return 0;
    case 'stringArray':
    case 'stringSlice':
      return [];
  }
}

function initialValue(def: FlagDef): unknown {
  if (def.default === undefined) return zeroValue(def.type);
  return Array.isArray(def.default) ? [...def.default] : def.default;
}

/** pflag's DefValue: the default as its Value.String() prints it. */
function defValueString(def: FlagDef): string {
  const v = initialValue(def);
  switch (def.type) {
    case 'bool':
      return v ? 'true' : 'false';
    case 'string':
      return String(v);
    case 'int':
    case 'uint':
      return String(v);
    case 'float':
      return formatFloat(v as number, 'g', -1);
    case 'duration':
      return formatDuration(v as number);
    case 'stringArray':
    case 'stringSlice':
      return '[' + writeAsCSV(v as string[]) + ']';
  }
}

function flagDisplayName(name: string, def: FlagDef): string {
  return def.short && !def.shortDeprecated ? `-${def.short}, --${name}` : `--${name}`;
}

// ---- parsing

class FlagSetParser {
  readonly values: Record<string, unknown> = {};
  readonly changed = new Set<string>();
  readonly warnings: string[] = [];
  private readonly shorthands = new Map<string, string>();
  args: string[] = [];
  argsLenAtDash = -1;

  constructor(private readonly spec: Record<string, FlagDef>) {
    for (const [name, def] of Object.entries(spec)) {
      this.values[name] = initialValue(def);
      if (def.short) {
        if (def.short.length !== 1) throw new Error(`${quote(def.short)} shorthand is more than one ASCII character`);
        const used = this.shorthands.get(def.short);
        if (used !== undefined) {
          throw new Error(`unable to redefine ${quote(def.short)} shorthand: it's already used for ${quote(used)} flag`);
        }
        this.shorthands.set(def.short, name);
      }
    }
  }

  private set(name: string, value: string): void {
    const def = this.spec[name]!;
    try {
      this.apply(name, def, value);
    } catch (e) {
      throw new FlagError(
        `invalid argument ${quote(value)} for ${quote(flagDisplayName(name, def))} flag: ${(e as Error).message}`,
      );
    }
    if (def.deprecated) this.warnings.push(`Flag --${name} has been deprecated, ${def.deprecated}`);
  }

  private apply(name: string, def: FlagDef, raw: string): void {
    const check = (v: string) => {
      const r = def.validate?.(v);
      return typeof r === 'string' ? r : v;
    };
    const first = !this.changed.has(name);
    switch (def.type) {
      case 'bool':
        this.values[name] = parseBool(check(raw));
        break;
      case 'string':
        this.values[name] = check(raw);
        break;
      case 'int': {
        const v = parseIntBase0(check(raw), 'ParseInt');
        this.values[name] = Number(v);
        break;
      }
      case 'uint': {
        const v = parseIntBase0(check(raw), 'ParseUint');
        this.values[name] = Number(v);
        break;
      }
      case 'float':
        this.values[name] = parseFloat64(check(raw));
        break;
      case 'duration':
        this.values[name] = parseDuration(check(raw));
        break;
      case 'stringArray': {
        const v = check(raw);
        this.values[name] = first ? [v] : [...(this.values[name] as string[]), v];
        break;
      }
      case 'stringSlice': {
        const items = readAsCSV(raw).map(check);
        this.values[name] = first ? items : [...(this.values[name] as string[]), ...items];
        break;
      }
    }
    this.changed.add(name);
  }

  private noOptDefault(def: FlagDef): string | undefined {
    if (def.noOptDefault !== undefined) return def.noOptDefault;
    return def.type === 'bool' ? 'true' : undefined;
  }

  private parseLongArg(s: string, rest: string[]): string[] {
    let name = s.slice(2);
    if (name.length === 0 || name[0] === '-' || name[0] === '=') throw new FlagError(`bad flag syntax: ${s}`);
    const eq = name.indexOf('=');
    const hasValue = eq >= 0;
    const inline = hasValue ? name.slice(eq + 1) : '';
    if (hasValue) name = name.slice(0, eq);
    const def = Object.prototype.hasOwnProperty.call(this.spec, name) ? this.spec[name] : undefined;
    if (def === undefined) throw new FlagError(`unknown flag: --${name}`);
    let value: string;
    const noOpt = this.noOptDefault(def);
    if (hasValue) value = inline;
    else if (noOpt !== undefined) value = noOpt;
    else if (rest.length > 0) {
      value = rest[0]!;
      rest = rest.slice(1);
    } else throw new FlagError(`flag needs an argument: ${s}`);
    this.set(name, value);
    return rest;
  }

  private parseSingleShortArg(shorthands: string, rest: string[]): { shorthands: string; rest: string[] } {
    let outShorts = shorthands.slice(1);
    const c = shorthands[0]!;
    const name = this.shorthands.get(c);
    if (name === undefined) {
      throw new FlagError(`unknown shorthand flag: ${quoteRuneChar(c)} in -${shorthands}`);
    }
    const def = this.spec[name]!;
    const noOpt = this.noOptDefault(def);
    let value: string;
    if (shorthands.length > 2 && shorthands[1] === '=') {
      value = shorthands.slice(2);
      outShorts = '';
    } else if (noOpt !== undefined) {
      value = noOpt;
    } else if (shorthands.length > 1) {
      value = shorthands.slice(1);
      outShorts = '';
    } else if (rest.length > 0) {
      value = rest[0]!;
      rest = rest.slice(1);
    } else {
      throw new FlagError(`flag needs an argument: ${quoteRuneChar(c)} in -${shorthands}`);
    }
    if (def.shortDeprecated) this.warnings.push(`Flag shorthand -${def.short} has been deprecated, ${def.shortDeprecated}`);
    this.set(name, value);
    return { shorthands: outShorts, rest };
  }

  parse(argv: readonly string[], interspersed: boolean): void {
    let args = [...argv];
    while (args.length > 0) {
      const s = args[0]!;
      args = args.slice(1);
      if (s.length === 0 || s[0] !== '-' || s.length === 1) {
        if (!interspersed) {
          this.args.push(s, ...args);
          return;
        }
        this.args.push(s);
        continue;
      }
      if (s[1] === '-') {
        if (s.length === 2) {
          this.argsLenAtDash = this.args.length;
          this.args.push(...args);
          return;
        }
        args = this.parseLongArg(s, args);
      } else {
        let shorthands = s.slice(1);
        while (shorthands.length > 0) ({ shorthands, rest: args } = this.parseSingleShortArg(shorthands, args));
      }
    }
  }
}

function quoteRuneChar(c: string): string {
  // Go's %q of a byte: 'z'
  if (c === "'") return "'\\''";
  if (c === '\\') return "'\\\\'";
  const cp = c.codePointAt(0)!;
  if (cp < 0x20 || cp === 0x7f) return `'\\x${cp.toString(16).padStart(2, '0')}'`;
  return `'${c}'`;
}

/**
 * Parses argv (without the command name) against `spec`. Throws FlagError with pflag's message.
 * Flags not given keep their defaults; `changed` tells which were given.
 */
export function parseFlags<const S extends FlagSpec>(spec: S, argv: readonly string[], opts: ParseOptions = {}): ParseResult<S> {
  const full: Record<string, FlagDef> = { ...spec };
  const withHelp = opts.helpFlag ?? true;
  if (withHelp && full.help === undefined) {
    const shortTaken = Object.values(spec).some((d) => d.short === 'h');
    full.help = shortTaken ? { ...HELP_FLAG, short: undefined, shortDeprecated: undefined } : HELP_FLAG;
  }
  const p = new FlagSetParser(full);
  p.parse(argv, opts.interspersed ?? true);
  const help = withHelp && p.values.help === true;
  const changed = new Set([...p.changed].filter((n) => n in spec)) as Set<keyof S & string>;
  const flags: Record<string, unknown> = {};
  for (const name of Object.keys(spec)) flags[name] = p.values[name];
  return {
    flags: flags as FlagValues<S>,
    args: p.args,
    changed,
    help,
    warnings: p.warnings,
    argsLenAtDash: p.argsLenAtDash,
  };
}

// ---- help

/** pflag UnquoteUsage: a `backquoted` word in the usage names the value; else the type word. */
export function unquoteUsage(def: FlagDef): { name: string; usage: string } {
  const usage = def.usage;
  const i = usage.indexOf('`');
  if (i >= 0) {
    const j = usage.indexOf('`', i + 1);
    if (j >= 0) {
      const name = usage.slice(i + 1, j);
      return { name, usage: usage.slice(0, i) + name + usage.slice(j + 1) };
    }
  }
  let name = def.typeName ?? def.type;
  switch (name) {
    case 'bool':
      name = '';
      break;
    case 'float64':
    case 'float':
      name = 'float';
      break;
    case 'int64':
      name = 'int';
      break;
    case 'uint64':
      name = 'uint';
      break;
    case 'stringSlice':
      name = 'strings';
      break;
  }
  return { name, usage };
}

function defaultIsZeroValue(def: FlagDef, defValue: string): boolean {
  switch (def.type) {
    case 'bool':
      return defValue === 'false';
    case 'duration':
      return defValue === '0' || defValue === '0s';
    case 'int':
    case 'uint':
    case 'float':
      return defValue === '0';
    case 'string':
      return defValue === '';
    case 'stringArray':
    case 'stringSlice':
      return defValue === '[]';
  }
}

function wrapN(i: number, slop: number, s: string): [string, string] {
  if (i + slop > s.length) return [s, ''];
  const head = s.slice(0, i);
  const w = Math.max(head.lastIndexOf(' '), head.lastIndexOf('\t'), head.lastIndexOf('\n'));
  if (w <= 0) return [s, ''];
  const nlPos = head.lastIndexOf('\n');
  if (nlPos > 0 && nlPos < w) return [s.slice(0, nlPos), s.slice(nlPos + 1)];
  return [s.slice(0, w), s.slice(w + 1)];
}

/** pflag's wrap: text for a column starting at `i`, lines at most `w` wide (0: no wrapping). */
function wrap(i: number, w: number, s: string): string {
  if (w === 0) return s.replace(/\n/g, '\n' + ' '.repeat(i));
  let wrapWidth = w - i;
  let r = '';
  if (wrapWidth < 24) {
    i = 16;
    wrapWidth = w - i;
    r += '\n' + ' '.repeat(i);
  }
  if (wrapWidth < 24) return s.replace(/\n/g, r);
  const slop = 5;
  wrapWidth -= slop;
  let l: string;
  [l, s] = wrapN(wrapWidth, slop, s);
  r += l.replace(/\n/g, '\n' + ' '.repeat(i));
  while (s !== '') {
    let t: string;
    [t, s] = wrapN(wrapWidth, slop, s);
    r += '\n' + ' '.repeat(i) + t.replace(/\n/g, '\n' + ' '.repeat(i));
  }
  return r;
}

/** True if the spec has a flag help would list. */
export function hasVisibleFlags(spec: FlagSpec): boolean {
  return Object.values(spec).some((d) => !d.hidden && !d.deprecated);
}

/**
 * pflag's FlagUsagesWrapped: one line per visible flag, sorted by name, usage aligned in a column
 * and wrapped to `cols` (docker passes the terminal width minus one, 79 when not a terminal).
 */
export function flagUsages(spec: FlagSpec, cols = 79, opts: { sort?: boolean } = {}): string {
  let names = Object.keys(spec).filter((n) => !spec[n]!.hidden && !spec[n]!.deprecated);
  if (opts.sort ?? true) names = [...names].sort();
  const lines: string[] = [];
  let maxlen = 0;
  for (const name of names) {
    const def = spec[name]!;
    let line = def.short && !def.shortDeprecated ? `  -${def.short}, --${name}` : `      --${name}`;
    const { name: varname, usage } = unquoteUsage(def);
    if (varname) line += ' ' + varname;
    if (def.noOptDefault !== undefined) {
      const t = def.typeName ?? def.type;
      if (t === 'string') line += `[="${def.noOptDefault}"]`;
      else if (t === 'bool') {
        if (def.noOptDefault !== 'true') line += `[=${def.noOptDefault}]`;
      } else line += `[=${def.noOptDefault}]`;
    }
    line += '\x00';
    if (line.length > maxlen) maxlen = line.length;
    line += usage;
    if (def.defaultText !== undefined) {
      if (def.defaultText !== '') line += ` (default ${def.defaultText})`;
    } else {
      const dv = defValueString(def);
      if (!defaultIsZeroValue(def, dv)) {
        line += (def.typeName ?? def.type) === 'string' ? ` (default ${quote(dv)})` : ` (default ${dv})`;
      }
    }
    lines.push(line);
  }
  let out = '';
  for (const line of lines) {
    const sidx = line.indexOf('\x00');
    const spacing = ' '.repeat(maxlen - sidx);
    out += line.slice(0, sidx) + ' ' + spacing + ' ' + wrap(maxlen + 2, cols, line.slice(sidx + 1)) + '\n';
  }
  return out;
}

export interface SubcommandInfo {
  name: string;
  /** One-line description. */
  short: string;
  /** Not listed (still counts for the name column width, as in cobra). */
  hidden?: boolean;
  /** Has subcommands of its own: listed under "Management Commands". */
  management?: boolean;
  /** Root command only: listed under "Common Commands", ordered by this number. */
  top?: number;
}

export interface CommandHelp {
  /** Full command path, e.g. "berth image ls". */
  path: string;
  /** Usage after the path, e.g. "[OPTIONS] [REPOSITORY[:TAG]]" (cobra's Use without the name). */
  usage?: string;
  /** One-line description. */
  short: string;
  /** Longer description, shown instead of `short` when present. */
  long?: string;
  /** The "Aliases:" line's entries, e.g. ["berth image ls", "berth image list", "berth images"]. */
  aliases?: string[];
  /** The "Examples:" section, verbatim. */
  example?: string;
  flags?: FlagSpec;
  subcommands?: SubcommandInfo[];
  /** Root command: its flags are shown as "Global Options" after the commands. */
  root?: boolean;
  /** Extra text at the end (docker's root "For more help on how to use Docker, head to …"). */
  additionalHelp?: string;
  /** Width for wrapping flag usages: the terminal width (docker uses 80 when stdin is not a tty). */
  width?: number;
}

/** cobra's UseLine as docker sets it up: path and usage. */
export function useLine(cmd: Pick<CommandHelp, 'path' | 'usage'>): string {
  return cmd.usage ? `${cmd.path} ${cmd.usage}` : cmd.path;
}

/** docker's help text for a command (its cobra usage template), ending with a newline. */
export function renderHelp(cmd: CommandHelp): string {
  const flags = cmd.flags ?? {};
  const hasFlags = hasVisibleFlags(flags);
  const subs = cmd.subcommands ?? [];
  const visible = subs.filter((s) => !s.hidden);
  const hasSubs = visible.length > 0;
  const cols = (cmd.width ?? 80) - 1;
  const padding = Math.max(11, ...subs.map((s) => s.name.length));
  const row = (s: SubcommandInfo) => `  ${s.name.padEnd(padding)} ${s.short}`;
  const byName = (a: SubcommandInfo, b: SubcommandInfo) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

  let out = 'Usage:';
  out += hasSubs ? `  ${cmd.path}${hasFlags ? ' [OPTIONS]' : ''} COMMAND` : `  ${useLine(cmd)}`;
  out += '\n\n' + (cmd.long ?? cmd.short).trim();
  if (cmd.aliases && cmd.aliases.length > 0) out += '\n\nAliases:\n  ' + cmd.aliases.join(', ');
  if (cmd.example) out += '\n\nExamples:\n' + cmd.example;
  if (!cmd.root && hasFlags) out += '\n\nOptions:\n' + flagUsages(flags, cols).trimEnd();
  const top = cmd.root ? visible.filter((s) => s.top !== undefined && !s.management) : [];
  if (top.length > 0) {
    out += '\n\nCommon Commands:';
    for (const s of [...top].sort((a, b) => a.top! - b.top!)) out += '\n' + row(s);
  }
  const mgmt = visible.filter((s) => s.management).sort(byName);
  if (mgmt.length > 0) {
    out += '\n\nManagement Commands:';
    for (const s of mgmt) out += '\n' + row(s);
  }
  const ops = visible.filter((s) => !s.management && !top.includes(s)).sort(byName);
  if (ops.length > 0) {
    out += '\n\nCommands:';
    for (const s of ops) out += '\n' + row(s);
  }
  if (cmd.root && hasFlags) out += '\n\nGlobal Options:\n' + flagUsages(flags, cols).trimEnd();
  if (hasSubs) out += `\n\nRun '${cmd.path} COMMAND --help' for more information on a command.`;
  if (cmd.additionalHelp) out += '\n\n' + cmd.additionalHelp;
  return out + '\n';
}

// ---- errors as docker prints them

/** The first word of the path: the binary name ("berth"). */
function binName(path: string): string {
  return path.split(' ')[0]!;
}

/** docker's FlagErrorFunc text for a FlagError (exit status 125). */
export function flagErrorText(err: Error, cmd: Pick<CommandHelp, 'path' | 'usage'>): string {
  return `${err.message}\n\nUsage:  ${useLine(cmd)}\n\nRun '${cmd.path} --help' for more information`;
}

function pluralize(word: string, n: number): string {
  return n === 1 ? word : word + 's';
}

export interface ArgsRule {
  min?: number;
  max?: number;
  exact?: number;
}

/**
 * docker/cli's argument-count validators (cli/required.go): returns the error text docker prints
 * (exit status 1), or null when `args` fit. {} means NoArgs; {min}, {max}, {min,max}, {exact}.
 */
export function checkArgs(
  cmd: Pick<CommandHelp, 'path' | 'usage'> & { hasSubcommands?: boolean },
  args: readonly string[],
  rule: ArgsRule,
): string | null {
  const bin = binName(cmd.path);
  const path = cmd.path;
  const use = useLine(cmd);
  const n = args.length;
  if (rule.exact !== undefined) {
    if (n === rule.exact) return null;
    return `${bin}: '${path}' requires ${rule.exact} ${pluralize('argument', rule.exact)}\n\nUsage:  ${use}\n\nRun '${path} --help' for more information`;
  }
  if (rule.min !== undefined && rule.max !== undefined) {
    if (n >= rule.min && n <= rule.max) return null;
    return `${bin}: '${path}' requires at least ${rule.min} and at most ${rule.max} ${pluralize('argument', rule.max)}\n\nUsage:  ${use}\n\nRun '${path} --help' for more information`;
  }
  if (rule.min !== undefined) {
    if (n >= rule.min) return null;
    return `${bin}: '${path}' requires at least ${rule.min} ${pluralize('argument', rule.min)}\n\nUsage:  ${use}\n\nSee '${path} --help' for more information`;
  }
  if (rule.max !== undefined) {
    if (n <= rule.max) return null;
    // "SRun" is docker 28's text, kept for byte-for-byte compatibility.
    return `${bin}: '${path}' requires at most ${rule.max} ${pluralize('argument', rule.max)}\n\nUsage:  ${use}\n\nSRun '${path} --help' for more information`;
  }
  if (n === 0) return null;
  if (cmd.hasSubcommands) {
    return `${bin}: unknown command: ${path} ${args[0]}\n\nUsage:  ${use}\n\nRun '${path} --help' for more information`;
  }
  return `${bin}: '${path}' accepts no arguments\n\nUsage:  ${use}\n\nRun '${path} --help' for more information`;
}
