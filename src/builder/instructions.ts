// Typed instructions from parser Nodes, as BuildKit's instructions package makes them
// (frontend/dockerfile/instructions: parse.go, bflag.go, commands.go): argument counts, flags
// (BFlags), stage names, healthcheck options, and which fields dispatch expands. Nothing is
// expanded here except by expandInstruction/expandFrom, which the builder calls per step.
// As in parser.ts, features are current BuildKit's and texts the reference dockerd's (20.10)
// wherever it rejects the input too.
import { goQuote } from './go-format.js';
import {
  chompHeredoc,
  DockerfileError,
  DockerfileParseError,
  goTrimSpace,
  instructionError,
  parseHeredocMarker,
  RE_WHITESPACE,
  type Heredoc,
  type Node,
} from './parser.js';
import { checkProvidable, parseRunMount } from './run-mounts.js';
import { ShellLex, type EnvLookup } from './shell-lex.js';

export type Instruction =
  | FromInstr | RunInstr | CmdInstr | EntrypointInstr | EnvInstr | LabelInstr | ArgInstr | ExposeInstr
  | WorkdirInstr | UserInstr | VolumeInstr | CopyInstr | HealthcheckInstr | StopsignalInstr | OnbuildInstr
  | ShellInstr | MaintainerInstr;

interface Base {
  line: number;
  original: string;
}
export interface FromInstr extends Base {
  kind: 'from';
  image: string;
  /** Lower-cased and validated as BuildKit validates stage names. */
  stageName?: string;
  platform?: string;
}
export interface RunInstr extends Base {
  kind: 'run';
  cmd: string[];
  /** Shell form: the builder runs cmd through the SHELL. */
  prependShell: boolean;
  heredocs: Heredoc[];
  /** Every flag given, by name (`mount` holds the last --mount; all are in `mounts`). */
  flags: Record<string, string>;
  mounts: string[];
}
export interface CmdInstr extends Base { kind: 'cmd'; cmd: string[]; prependShell: boolean }
export interface EntrypointInstr extends Base { kind: 'entrypoint'; cmd: string[]; prependShell: boolean }
/** Raw values (quotes and escapes kept): expandInstruction processes them. */
export interface EnvInstr extends Base { kind: 'env'; pairs: Array<{ key: string; value: string }> }
export interface LabelInstr extends Base { kind: 'label'; pairs: Array<{ key: string; value: string }> }
export interface ArgInstr extends Base { kind: 'arg'; args: Array<{ key: string; value?: string }> }
/** Sorted as BuildKit sorts them before expansion. */
export interface ExposeInstr extends Base { kind: 'expose'; ports: string[] }
export interface WorkdirInstr extends Base { kind: 'workdir'; path: string }
export interface UserInstr extends Base { kind: 'user'; user: string }
export interface VolumeInstr extends Base { kind: 'volume'; volumes: string[] }
export interface CopyInstr extends Base {
  kind: 'copy' | 'add';
  /** Source paths; heredoc sources (`<<EOF`) are in `heredocs` instead, in source order. */
  sources: string[];
  dest: string;
  from?: string;
  chown?: string;
  chmod?: string;
  link: boolean;
  keepGitDir: boolean;
  checksum?: string;
  /** COPY --parents. */
  parents: boolean;
  /** --exclude patterns. */
  excludes: string[];
  /** ADD --unpack, when given. */
  unpack?: boolean;
  heredocs: Heredoc[];
  json: boolean;
}
/** Durations in nanoseconds; absent when not given or zero (Docker's defaults apply). */
export interface HealthcheckInstr extends Base {
  kind: 'healthcheck';
  /** ['NONE'], ['CMD', …exec form] or ['CMD-SHELL', command]. */
  test: string[];
  interval?: number;
  timeout?: number;
  startPeriod?: number;
  startInterval?: number;
  retries?: number;
}
export interface StopsignalInstr extends Base { kind: 'stopsignal'; signal: string }
/** The trigger as Docker stores it in Config.OnBuild, e.g. 'RUN echo hi'. */
export interface OnbuildInstr extends Base { kind: 'onbuild'; expression: string }
export interface ShellInstr extends Base { kind: 'shell'; shell: string[] }
export interface MaintainerInstr extends Base { kind: 'maintainer'; maintainer: string }

export interface Stage {
  name?: string;
  image: string;
  platform?: string;
  line: number;
  original: string;
  instructions: Instruction[];
}

const fail = (message: string): never => {
  throw new DockerfileError(message);
};
const errAtLeastOne = (cmd: string) => fail(`${cmd} requires at least one argument`);
const errExactlyOne = (cmd: string) => fail(`${cmd} requires exactly one argument`);

// ---- flags (BFlags) ----

type FlagKind = 'bool' | 'string' | 'strings';
interface FlagValue {
  used: boolean;
  value: string;
  values: string[];
}

/** Parses `--name[=value]` words against the flags an instruction accepts (BFlags.Parse). */
function parseFlags(args: string[], defs: Record<string, FlagKind>): Map<string, FlagValue> {
  const flags = new Map<string, FlagValue>();
  for (const name of Object.keys(defs)) flags.set(name, { used: false, value: defs[name] === 'bool' ? 'false' : '', values: [] });
  for (const a of args) {
    if (!a.startsWith('--')) fail(`Arg should start with -- : ${a}`);
    if (a === '--') break;
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    const value = eq < 0 ? '' : a.slice(eq + 1);
    const flag = flags.get(name);
    const kind = defs[name];
    if (!flag || !kind) return fail(`Unknown flag: ${name}`);
    if (flag.used && kind !== 'strings') fail(`Duplicate flag specified: ${name}`);
    flag.used = true;
    if (kind === 'bool') flag.value = boolFlag(name, value, eq >= 0);
    else if (eq < 0) fail(`Missing a value on flag: ${name}`);
    else if (kind === 'string') flag.value = value;
    else flag.values.push(value);
  }
  return flags;
}

function boolFlag(name: string, value: string, hasValue: boolean): string {
  if (hasValue && value === '') fail(`Missing a value on flag: ${name}`);
  const lower = value.toLowerCase();
  if (lower === 'true' || lower === '') return 'true';
  if (lower === 'false') return 'false';
  return fail(`Expecting boolean value for flag ${name}, not: ${value}`);
}

const noFlags = (node: Node) => parseFlags(node.flags, {});
const optional = (f: FlagValue | undefined) => (f?.used && f.value !== '' ? f.value : undefined);

// ---- Go's time.ParseDuration, for HEALTHCHECK options ----

const UNITS: Record<string, bigint> = {
  ns: 1n, us: 1000n, 'µs': 1000n, 'μs': 1000n, ms: 1000000n, s: 1000000000n, m: 60000000000n, h: 3600000000000n,
};
const MAX = 1n << 63n;

/** time.quote: non-ASCII and control characters as \x bytes. */
function timeQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || c >= 0x80) {
      for (const byte of Buffer.from(ch)) out += '\\x' + byte.toString(16).padStart(2, '0');
    } else {
      out += ch === '"' || ch === '\\' ? '\\' + ch : ch;
    }
  }
  return out + '"';
}

/** time.ParseDuration: nanoseconds, with Go's error texts. */
export function parseGoDuration(orig: string): bigint {
  const invalid = () => fail(`time: invalid duration ${timeQuote(orig)}`);
  let s = orig;
  const neg = s.startsWith('-');
  if (s.startsWith('-') || s.startsWith('+')) s = s.slice(1);
  if (s === '0') return 0n;
  if (s === '') invalid();
  let d = 0n;
  while (s !== '') {
    const m = /^([0-9]*)(\.([0-9]*))?/.exec(s)!;
    if (m[0] === '' || (m[1] === '' && (m[3] ?? '') === '')) invalid();
    const whole = m[1] === '' ? 0n : BigInt(m[1]!);
    if (whole > MAX) invalid();
    s = s.slice(m[0].length);
    const unitLen = s.search(/[0-9.]/);
    const unit = unitLen < 0 ? s : s.slice(0, unitLen);
    if (unit === '') fail(`time: missing unit in duration ${timeQuote(orig)}`);
    const scale = Object.hasOwn(UNITS, unit) ? UNITS[unit]! : fail(`time: unknown unit ${timeQuote(unit)} in duration ${timeQuote(orig)}`);
    s = s.slice(unit.length);
    if (whole > MAX / scale) invalid();
    let v = whole * scale;
    v += fraction(m[3] ?? '', scale);
    if (v > MAX) invalid();
    d += v;
    if (d > MAX) invalid();
  }
  if (neg) return -d;
  if (d > MAX - 1n) invalid();
  return d;
}

/** The fractional digits' worth of `scale`, computed in float64 as Go does. */
function fraction(digits: string, scale: bigint): bigint {
  let f = 0n;
  let div = 1;
  for (const c of digits) {
    if (f > (MAX - 1n) / 10n) break;
    const y = f * 10n + BigInt(c);
    if (y > MAX) break;
    f = y;
    div *= 10;
  }
  return f > 0n ? BigInt(Math.trunc(Number(f) * (Number(scale) / div))) : 0n;
}

// ---- the instructions ----

function handleJSONArgs(args: string[], json: boolean): string[] {
  if (args.length === 0) return [];
  return json ? [...args] : [args.join(' ')];
}

/** strings.EqualFold(s, "as"), including Go's fold of ſ (U+017F) to s. */
const isAs = (s: string) => s.length === 2 && /^[aA][sSſ]$/.test(s);

function parseFrom(node: Node, base: Base): FromInstr {
  const args = node.args;
  let stageName: string | undefined;
  if (args.length === 3 && isAs(args[1]!)) {
    stageName = args[2]!.replace(/\u0130/g, 'i').toLowerCase();
    if (!/^[a-z][a-z0-9_.-]*$/.test(stageName)) {
      fail(`invalid name for build stage: ${goQuote(args[2]!)}, name can't start with a number or contain symbols`);
    }
  } else if (args.length !== 1) {
    fail('FROM requires either one or three arguments');
  }
  const platform = optional(parseFlags(node.flags, { platform: 'string' }).get('platform'));
  return { kind: 'from', ...base, image: args[0]!, ...(stageName ? { stageName } : {}), ...(platform ? { platform } : {}) };
}

/** ENV and LABEL pairs: flattened [key, value, …] from the parser. */
function parseKvps(node: Node, cmd: string): Array<{ key: string; value: string }> {
  noFlags(node);
  if (node.args.length === 0) errAtLeastOne(cmd);
  if (node.args.length % 2 !== 0) fail(`Bad input to ${cmd}, too many arguments`);
  const pairs = [];
  for (let j = 0; j < node.args.length; j += 2) {
    if (node.args[j] === '') fail(`${cmd} names can not be blank`);
    pairs.push({ key: node.args[j]!, value: node.args[j + 1]! });
  }
  return pairs;
}

function parseArg(node: Node, base: Base): ArgInstr {
  if (node.args.length === 0) errAtLeastOne('ARG');
  const args = node.args.map((arg) => {
    const eq = arg.indexOf('=');
    if (eq < 0) return { key: arg };
    if (eq === 0) fail('ARG names can not be blank');
    return { key: arg.slice(0, eq), value: arg.slice(eq + 1) };
  });
  return { kind: 'arg', ...base, args };
}

const COPY_FLAGS: Record<string, FlagKind> = { chown: 'string', from: 'string', chmod: 'string', link: 'bool', exclude: 'strings', parents: 'bool' };
const ADD_FLAGS: Record<string, FlagKind> = {
  chown: 'string', chmod: 'string', link: 'bool', 'keep-git-dir': 'bool', checksum: 'string', unpack: 'bool', exclude: 'strings',
};

function parseCopy(node: Node, base: Base, kind: 'copy' | 'add'): CopyInstr {
  const cmd = kind.toUpperCase();
  if (node.args.length < 2) {
    fail(`${cmd} requires at least two arguments, but only one was provided. Destination could not be determined`);
  }
  const flags = parseFlags(node.flags, kind === 'copy' ? COPY_FLAGS : ADD_FLAGS);
  const dest = node.args[node.args.length - 1]!;
  if (heredocMarker(dest)) fail(`${cmd} cannot accept a heredoc as a destination`);
  const sources: string[] = [];
  const heredocs: Heredoc[] = [];
  for (const src of node.args.slice(0, -1)) {
    const marker = heredocMarker(src);
    if (!marker) {
      sources.push(src);
      continue;
    }
    // Looked up by name; the last body of that name wins, as in BuildKit's map.
    const body = [...node.heredocs].reverse().find((h) => h.name === marker.name);
    const content = body?.content ?? '';
    heredocs.push({ name: marker.name, content: marker.chomp ? chompHeredoc(content) : content, expand: marker.expand, chomp: marker.chomp });
  }
  const instr: CopyInstr = {
    kind, ...base, sources, dest,
    link: flags.get('link')!.value === 'true',
    keepGitDir: flags.get('keep-git-dir')?.value === 'true',
    parents: flags.get('parents')?.value === 'true',
    excludes: flags.get('exclude')!.values,
    heredocs, json: node.json,
  };
  const optionals = { from: optional(flags.get('from')), chown: optional(flags.get('chown')), chmod: optional(flags.get('chmod')), checksum: optional(flags.get('checksum')) };
  for (const [k, v] of Object.entries(optionals)) if (v !== undefined) Object.assign(instr, { [k]: v });
  const unpack = flags.get('unpack');
  if (unpack?.used) instr.unpack = unpack.value === 'true';
  return instr;
}

/** MustParseHeredoc: a marker word, errors ignored. */
function heredocMarker(word: string) {
  try {
    return parseHeredocMarker(word);
  } catch {
    return undefined;
  }
}

function parseOnbuild(node: Node, base: Base): OnbuildInstr {
  if (node.args.length === 0) errAtLeastOne('ONBUILD');
  noFlags(node);
  const expression = node.args[0]!;
  const trigger = goTrimSpace(expression).split(RE_WHITESPACE)[0]!.toUpperCase();
  if (trigger === 'ONBUILD') fail("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (trigger === 'MAINTAINER' || trigger === 'FROM') fail(`${trigger} isn't allowed as an ONBUILD trigger`);
  return { kind: 'onbuild', ...base, expression };
}

function parseRun(node: Node, base: Base): RunInstr {
  const parsed = parseFlags(node.flags, { mount: 'strings', network: 'string', security: 'string' });
  const flags: Record<string, string> = {};
  for (const [name, f] of parsed) if (f.used) flags[name] = f.values.at(-1) ?? f.value;
  if (parsed.get('network')!.used && !['none', 'host', 'default'].includes(flags.network!)) {
    fail(`unsupported network mode ${goQuote(flags.network!)}`);
  }
  if (parsed.get('security')!.used && !['sandbox', 'insecure'].includes(flags.security!)) {
    fail(`unsupported security mode ${goQuote(flags.security!)}`);
  }
  // BuildKit runs an insecure step only with the security.insecure entitlement, which berth never grants.
  if (flags.security === 'insecure') fail('--security=insecure is not allowed: berth does not grant the security.insecure entitlement');
  // Checked now so that a bad --mount fails the build before any step runs; values holding a
  // variable are checked again, expanded, when the step runs.
  for (const raw of parsed.get('mount')!.values) {
    const m = parseRunMount(raw);
    if (m) checkProvidable(m);
  }
  return {
    kind: 'run', ...base, cmd: handleJSONArgs(node.args, node.json), prependShell: !node.json,
    heredocs: node.heredocs, flags, mounts: parsed.get('mount')!.values,
  };
}

/** An interval flag: zero means unset; anything else must be at least a millisecond. */
function interval(flags: Map<string, FlagValue>, name: string): number | undefined {
  const value = flags.get(name)!.value;
  if (value === '') return undefined;
  const d = parseGoDuration(value);
  if (d === 0n) return undefined;
  if (d < 1000000n) fail(`Interval ${goQuote(name)} cannot be less than 1ms`);
  return Number(d);
}

function parseHealthcheck(node: Node, base: Base): HealthcheckInstr {
  if (node.args.length === 0) errAtLeastOne('HEALTHCHECK');
  const typ = node.args[0]!.toUpperCase();
  const rest = node.args.slice(1);
  if (typ === 'NONE') {
    if (rest.length !== 0) fail('HEALTHCHECK NONE takes no arguments');
    return { kind: 'healthcheck', ...base, test: ['NONE'] };
  }
  const flags = parseFlags(node.flags, {
    interval: 'string', timeout: 'string', 'start-period': 'string', 'start-interval': 'string', retries: 'string',
  });
  if (typ !== 'CMD') fail(`Unknown type ${goQuote(typ)} in HEALTHCHECK (try CMD)`);
  const cmd = handleJSONArgs(rest, node.json);
  if (cmd.length === 0) fail('Missing command after HEALTHCHECK CMD');
  const h: HealthcheckInstr = { kind: 'healthcheck', ...base, test: [node.json ? 'CMD' : 'CMD-SHELL', ...cmd] };
  const durations = { interval: 'interval', timeout: 'timeout', startPeriod: 'start-period', startInterval: 'start-interval' } as const;
  for (const [field, flag] of Object.entries(durations)) {
    const ns = interval(flags, flag);
    if (ns !== undefined) h[field as keyof typeof durations] = ns;
  }
  const retries = flags.get('retries')!.value;
  if (retries !== '') h.retries = parseRetries(retries);
  return h;
}

/** strconv.ParseInt(s, 10, 32), then BuildKit's sign check. */
function parseRetries(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) fail(`strconv.ParseInt: parsing ${goQuote(s)}: invalid syntax`);
  const n = Number(s);
  if (n < -(2 ** 31) || n > 2 ** 31 - 1) fail(`strconv.ParseInt: parsing ${goQuote(s)}: value out of range`);
  if (n < 0) fail(`--retries cannot be negative (${n})`);
  return n;
}

function parseVolume(node: Node, base: Base): VolumeInstr {
  if (node.args.length === 0) errAtLeastOne('VOLUME');
  noFlags(node);
  const volumes = node.args.map((v) => goTrimSpace(v) || fail('VOLUME specified can not be an empty string'));
  return { kind: 'volume', ...base, volumes };
}

function parseShell(node: Node, base: Base): ShellInstr {
  noFlags(node);
  const shell = handleJSONArgs(node.args, node.json);
  if (shell.length === 0) errAtLeastOne('SHELL');
  if (!node.json) fail('SHELL requires the arguments to be in JSON form');
  return { kind: 'shell', ...base, shell };
}

/** Instructions that take exactly one argument (the rest of the line), checked before flags. */
function single(node: Node, cmd: string, checkFlags = true): string {
  if (node.args.length !== 1) errExactlyOne(cmd);
  if (checkFlags) noFlags(node);
  return node.args[0]!;
}

function dispatchParse(node: Node): Instruction {
  const base = { line: node.startLine, original: node.original };
  switch (node.cmd) {
    case 'env': return { kind: 'env', ...base, pairs: parseKvps(node, 'ENV') };
    case 'label': return { kind: 'label', ...base, pairs: parseKvps(node, 'LABEL') };
    case 'maintainer': return { kind: 'maintainer', ...base, maintainer: single(node, 'MAINTAINER') };
    case 'add': return parseCopy(node, base, 'add');
    case 'copy': return parseCopy(node, base, 'copy');
    case 'from': return parseFrom(node, base);
    case 'onbuild': return parseOnbuild(node, base);
    case 'workdir': return { kind: 'workdir', ...base, path: single(node, 'WORKDIR') };
    case 'run': return parseRun(node, base);
    case 'cmd': noFlags(node); return { kind: 'cmd', ...base, cmd: handleJSONArgs(node.args, node.json), prependShell: !node.json };
    case 'entrypoint':
      noFlags(node);
      return { kind: 'entrypoint', ...base, cmd: handleJSONArgs(node.args, node.json), prependShell: !node.json };
    case 'healthcheck': return parseHealthcheck(node, base);
    case 'expose':
      if (node.args.length === 0) errAtLeastOne('EXPOSE');
      noFlags(node);
      return { kind: 'expose', ...base, ports: [...node.args].sort() };
    case 'user': return { kind: 'user', ...base, user: single(node, 'USER') };
    case 'volume': return parseVolume(node, base);
    // BuildKit never parses STOPSIGNAL's or ARG's flags: they are ignored.
    case 'stopsignal': return { kind: 'stopsignal', ...base, signal: single(node, 'STOPSIGNAL', false) };
    case 'arg': return parseArg(node, base);
    case 'shell': return parseShell(node, base);
    default:
      return fail(`unknown instruction: ${node.original.split(RE_WHITESPACE)[0]!.toUpperCase()}`);
  }
}

/** Types one Node; errors read `dockerfile parse error line N: …` as Docker's. */
export function parseInstruction(node: Node): Instruction {
  try {
    return dispatchParse(node);
  } catch (e) {
    if (e instanceof DockerfileError) throw instructionError(node.startLine, e.message);
    throw e;
  }
}

/** An error Docker words without a location; the line is still attached. */
const unlocated = (line: number, reason: string) => new DockerfileParseError(reason, line, reason);

/**
 * Splits a Dockerfile into stages. ARGs before the first FROM are meta args; any other
 * instruction there is BuildKit's "no build stage in current context". A stage name used twice
 * fails with the legacy builder's text (BuildKit only warns: DuplicateStageName).
 */
export function parseStages(nodes: Node[]): { metaArgs: ArgInstr[]; stages: Stage[] } {
  const metaArgs: ArgInstr[] = [];
  const stages: Stage[] = [];
  for (const node of nodes) {
    const ins = parseInstruction(node);
    if (stages.length === 0 && ins.kind === 'arg') {
      metaArgs.push(ins);
    } else if (ins.kind === 'from') {
      if (ins.stageName && stages.some((s) => s.name === ins.stageName)) {
        throw unlocated(ins.line, `${ins.stageName} stage name already used`);
      }
      stages.push({
        ...(ins.stageName ? { name: ins.stageName } : {}), image: ins.image, ...(ins.platform ? { platform: ins.platform } : {}),
        line: ins.line, original: ins.original, instructions: [],
      });
    } else if (stages.length === 0) {
      throw unlocated(node.startLine, 'no build stage in current context');
    } else {
      stages[stages.length - 1]!.instructions.push(ins);
    }
  }
  return { metaArgs, stages };
}

/** FROM's image and --platform, expanded as BuildKit expands them (with the meta args). */
export function expandFrom(i: FromInstr, lex: ShellLex, env: EnvLookup): FromInstr {
  const out = { ...i, image: lex.processWord(i.image, env) };
  if (i.platform !== undefined) out.platform = lex.processWord(i.platform, env);
  return out;
}

/** Heredoc bodies expand with `\` and quotes left alone: they are shell text (ExpandRaw). */
const heredocLex = new ShellLex('\\', { skipProcessQuotes: true });

function expandCopy(i: CopyInstr, lex: ShellLex, env: EnvLookup): CopyInstr {
  const w = (s: string) => lex.processWord(s, env);
  const out: CopyInstr = { ...i };
  for (const k of ['chown', 'chmod', 'from', 'checksum'] as const) {
    const v = i[k];
    if (v !== undefined) out[k] = w(v);
  }
  out.sources = i.sources.map(w);
  out.dest = w(i.dest);
  out.heredocs = i.heredocs.map((h) => (h.expand ? { ...h, content: heredocLex.processWord(h.content, env) } : h));
  return out;
}

/**
 * A copy of `i` with the fields Docker expands at dispatch time processed through `lex`:
 * ENV/LABEL keys and values, ARG names and defaults, EXPOSE (split into words), WORKDIR, USER,
 * VOLUME, STOPSIGNAL, COPY/ADD sources, dest, --chown, --chmod, --from, --checksum and
 * expandable heredoc bodies, FROM (see expandFrom). RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK,
 * ONBUILD and MAINTAINER are returned as they are.
 */
export function expandInstruction(i: Instruction, lex: ShellLex, env: EnvLookup): Instruction {
  const w = (s: string) => lex.processWord(s, env);
  switch (i.kind) {
    case 'env': case 'label':
      return { ...i, pairs: i.pairs.map((p) => ({ key: w(p.key), value: w(p.value) })) };
    case 'arg':
      return { ...i, args: i.args.map((a) => (a.value === undefined ? { key: w(a.key) } : { key: w(a.key), value: w(a.value) })) };
    case 'expose':
      return { ...i, ports: i.ports.flatMap((p) => lex.processWords(p, env)) };
    case 'workdir': return { ...i, path: w(i.path) };
    case 'user': return { ...i, user: w(i.user) };
    case 'volume': return { ...i, volumes: i.volumes.map(w) };
    case 'stopsignal': return { ...i, signal: w(i.signal) };
    case 'copy': case 'add': return expandCopy(i, lex, env);
    case 'from': return expandFrom(i, lex, env);
    default: return i;
  }
}
