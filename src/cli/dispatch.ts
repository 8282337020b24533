// Parses argv against a Command's flags with spf13/pflag's rules (as the docker CLI does) and
// renders cobra-style help.
import type { Command, FlagDef, Opts } from './command.js';

export class FlagError extends Error {
  constructor(message: string, readonly cmdline: string) {
    super(message);
  }
}

const HELP: FlagDef = { name: 'help', type: 'bool', usage: 'Print usage' };

function flagsOf(cmd: Command): FlagDef[] {
  return [...(cmd.flags ?? []), HELP];
}

function setValue(opts: Opts, f: FlagDef, value: string, cmdline: string, display: string): void {
  switch (f.type) {
    case 'bool': {
      const v = value.toLowerCase();
      if (['1', 't', 'true'].includes(v)) opts[f.name] = true;
      else if (['0', 'f', 'false'].includes(v)) opts[f.name] = false;
      else throw new FlagError(`invalid argument "${value}" for "${display}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`, cmdline);
      break;
    }
    case 'int': {
      if (!/^[+-]?\d+$/.test(value)) throw new FlagError(`invalid argument "${value}" for "${display}" flag: strconv.ParseInt: parsing "${value}": invalid syntax`, cmdline);
      opts[f.name] = Number(value);
      break;
    }
    case 'stringArray':
      (opts[f.name] ??= []).push(value);
      break;
    default:
      opts[f.name] = value;
  }
}

/**
 * pflag semantics: `--name=v`, `--name v`, `--bool`, `--bool=false`, combined short booleans
 * `-it`, a short flag's value attached (`-p80`, `-e=X` keeps pflag's "strip one =") or next,
 * `--` ends flags, a lone `-` is an argument. With interspersed=false parsing stops at the first
 * positional argument (run/exec: the rest belongs to the container's command).
 */
export function parseCommandFlags(cmd: Command, argv: string[], interspersed: boolean, path: string[] = [cmd.name]): { opts: Opts; args: string[] } {
  const cmdline = path.join(' ');
  const defs = flagsOf(cmd);
  const opts: Opts = {};
  for (const f of defs) if (f.default !== undefined) opts[f.name] = f.default;
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { args.push(...argv.slice(i + 1)); break; }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const f = defs.find((d) => d.name === name);
      if (!f) throw new FlagError(`unknown flag: --${name}`, cmdline);
      const display = f.short ? `-${f.short}, --${f.name}` : `--${f.name}`;
      if (eq >= 0) setValue(opts, f, a.slice(eq + 1), cmdline, display);
      else if (f.type === 'bool') opts[f.name] = true;
      else if (i + 1 < argv.length) setValue(opts, f, argv[++i], cmdline, display);
      else throw new FlagError(`flag needs an argument: --${name}`, cmdline);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j];
        const f = defs.find((d) => d.short === c) ?? (c === 'h' && !defs.some((d) => d.short === 'h') ? HELP : undefined);
        if (!f) throw new FlagError(`unknown shorthand flag: '${c}' in ${a}`, cmdline);
        const display = `-${c}, --${f.name}`;
        if (f.type === 'bool') {
          if (a[j + 1] === '=') { setValue(opts, f, a.slice(j + 2), cmdline, display); break; }
          opts[f.name] = true;
          continue;
        }
        let v = a.slice(j + 1);
        if (v.startsWith('=')) v = v.slice(1);
        if (v === '' && j + 1 >= a.length) {
          if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: '${c}' in -${c}`, cmdline);
          v = argv[++i];
        }
        setValue(opts, f, v, cmdline, display);
        break;
      }
      continue;
    }
    args.push(a);
    if (!interspersed) { args.push(...argv.slice(i + 1)); break; }
  }
  return { opts, args };
}

function flagLines(defs: FlagDef[]): string[] {
  const visible = defs.filter((f) => !f.hidden).sort((a, b) => (a.name < b.name ? -1 : 1));
  const left = visible.map((f) => {
    const value = f.type === 'bool' ? '' : ` ${f.valueName ?? (f.type === 'int' ? 'int' : f.type === 'stringArray' ? 'list' : 'string')}`;
    return `${f.short ? `  -${f.short}, ` : '      '}--${f.name}${value}`;
  });
  const width = Math.max(...left.map((l) => l.length)) + 3;
  return visible.map((f, i) => {
    let usage = f.usage;
    if (f.default !== undefined && f.default !== false && f.default !== '') usage += ` (default ${typeof f.default === 'string' ? JSON.stringify(f.default) : f.default})`;
    const [first, ...more] = usage.split('\n');
    return [left[i].padEnd(width) + first, ...more.map((m) => ' '.repeat(width) + m)].join('\n');
  });
}

export function renderHelp(cmd: Command, path: string[]): string {
  const cmdline = path.join(' ');
  const out: string[] = [];
  out.push(`\nUsage:  ${cmdline} ${cmd.usage}`, '', cmd.description, '');
  if (cmd.aliases?.length) {
    const parent = path.slice(0, -1).join(' ');
    out.push('Aliases:', `  ${[cmd.name, ...cmd.aliases].map((a) => (a === 'images' || a === 'rmi' ? `berth ${a}` : `${parent} ${a}`)).join(', ')}`, '');
  }
  if (cmd.subcommands?.length) {
    const subs = cmd.subcommands.filter((s) => !s.hidden);
    const w = Math.max(...subs.map((s) => s.name.length)) + 3;
    out.push(cmd === undefined ? '' : path.length === 1 ? 'Commands:' : 'Commands:');
    for (const s of subs) out.push(`  ${s.name.padEnd(w)}${s.description}`);
    out.push('');
  }
  const defs = cmd.flags ?? [];
  if (defs.length || cmd.run) {
    out.push(path.length === 1 ? 'Global Options:' : 'Options:');
    out.push(...flagLines(path.length === 1 ? defs : flagsOf(cmd)));
    out.push('');
  }
  if (cmd.subcommands?.length) out.push(`Run '${cmdline} COMMAND --help' for more information on a command.`, '');
  return out.join('\n');
}
