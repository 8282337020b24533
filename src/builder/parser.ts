// The Dockerfile parser: text → one Node per instruction, with BuildKit's rules
// (frontend/dockerfile/parser): parser directives, comments, line continuations with the escape
// token, heredocs, and each instruction's own argument splitting. Nodes are untyped;
// instructions.ts gives them meaning.
//
// Features are current BuildKit's; error texts are those of the reference dockerd (20.10's
// legacy builder, see test/integration/build-corpus.ts) wherever it rejects the input too:
// parser errors read `failed to parse Dockerfile: <reason>`, instruction errors
// `dockerfile parse error line N: <reason>`, and every error carries its line.
import { BerthError, invalidParameter } from '../common/errors.js';
import { goQuote } from './go-format.js';
import { isGoSpace, ShellLex } from './shell-lex.js';

export interface Heredoc {
  name: string;
  /** The body as written, with `<<-`'s leading tabs already removed. */
  content: string;
  /** False when any part of the delimiter was quoted: the body is then taken literally. */
  expand: boolean;
  /** `<<-` was used (already applied to content). */
  chomp: boolean;
}

/**
 * One instruction. `args` is laid out per instruction as BuildKit's line parsers split it:
 *  - FROM, EXPOSE: whitespace-separated words.
 *  - COPY, ADD, VOLUME: the JSON array's strings (json), else whitespace-separated words.
 *  - RUN, CMD, ENTRYPOINT, SHELL: the JSON array's strings (json), else [the rest of the line].
 *  - HEALTHCHECK: [type as written ('CMD', 'NONE', …), …the command as for CMD]; json from it.
 *  - ENV, LABEL: [key1, value1, key2, value2, …] with values raw (quotes and escapes kept);
 *    the legacy `ENV key value with spaces` form gives [key, 'value with spaces'].
 *  - ARG: one raw word per declaration (`name` or `name=value`).
 *  - MAINTAINER, USER, WORKDIR, STOPSIGNAL: [the rest of the line].
 *  - ONBUILD: [the trigger as Docker stores it in Config.OnBuild, e.g. 'RUN echo hi'].
 *  - anything else (unknown instructions, rejected by parseInstruction): [].
 */
export interface Node {
  /** The instruction keyword, lower-cased. */
  cmd: string;
  /** Node.Original: continuation lines joined, comment lines dropped, trimmed; no heredoc bodies. */
  original: string;
  /** Leading `--name=value` / `--name` words, quotes and escapes removed. */
  flags: string[];
  args: string[];
  json: boolean;
  heredocs: Heredoc[];
  startLine: number;
  endLine: number;
}

export interface ParseResult {
  nodes: Node[];
  escapeToken: '\\' | '`';
  /** The `# syntax=` directive's value, when there is one. */
  syntax?: string;
  /** The lines Docker prints before building (`[WARNING]: Empty continuation line found in: …`). */
  warnings: string[];
}

/** A Dockerfile error in Docker's words, with the line it is about and the bare reason. */
export class DockerfileParseError extends BerthError {
  constructor(message: string, readonly line: number, readonly reason: string) {
    super('InvalidParameter', message);
  }
}

/** An instruction's error: `dockerfile parse error line N: <reason>`. */
export function instructionError(line: number, reason: string): DockerfileParseError {
  return new DockerfileParseError(`dockerfile parse error line ${line}: ${reason}`, line, reason);
}

/** An error text whose line the caller adds. */
export class DockerfileError extends Error {}

/** A parser error with its line, worded by parseDockerfile (which knows the file's name). */
class LocatedError extends Error {
  constructor(readonly line: number, reason: string) {
    super(reason);
  }
}

function locate(line: number, e: unknown): unknown {
  if (e instanceof DockerfileError || e instanceof BerthError) return new LocatedError(line, e.message);
  return e;
}

/** Go's regexp `[\t\v\f\r ]+`, the separator of whitespace-delimited arguments. */
export const RE_WHITESPACE = /[\t\v\f\r ]+/;

/** strings.TrimSpace (Go's white space, not JavaScript's). */
export function goTrimSpace(s: string): string {
  return trimRightGoSpace(trimLeftGoSpace(s));
}

function trimLeftGoSpace(s: string): string {
  let i = 0;
  while (i < s.length && isGoSpace(s[i]!)) i++;
  return s.slice(i);
}

function trimRightGoSpace(s: string): string {
  let i = s.length;
  while (i > 0 && isGoSpace(s[i - 1]!)) i--;
  return s.slice(0, i);
}

const trimNewline = (s: string) => s.replace(/[\r\n]+$/, '');
const isComment = (s: string) => trimLeftGoSpace(s).startsWith('#');

/** The lines as Go's scanner with BuildKit's split function yields them: line endings kept. */
function physicalLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
    lines.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

const DIRECTIVE = /^([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*([^\n]+?)[\t\n\f\r ]*$/;
const KNOWN_DIRECTIVES = new Set(['syntax', 'escape', 'check']);

/** Parser directives: `# key=value` comment lines before anything else, each at most once. */
class Directives {
  escapeToken: '\\' | '`' = '\\';
  syntax?: string;
  continuation = continuationRegex('\\');
  private done = false;
  private readonly seen = new Set<string>();

  /** Looks at one line; true when it was a directive. Throws DockerfileError for bad ones. */
  check(line: string): boolean {
    if (this.done) return false;
    const m = line.startsWith('#') ? DIRECTIVE.exec(trimLeftGoSpace(line.slice(1))) : null;
    const key = m?.[1]!.toLowerCase();
    if (!m || !key || !KNOWN_DIRECTIVES.has(key)) {
      this.done = true;
      return false;
    }
    if (this.seen.has(key)) throw new DockerfileError(`only one ${key} parser directive can be used`);
    this.seen.add(key);
    const value = m[2]!;
    if (key === 'escape') this.setEscapeToken(value);
    if (key === 'syntax') this.syntax = value;
    return true;
  }

  private setEscapeToken(value: string): void {
    if (value !== '`' && value !== '\\') {
      throw new DockerfileError(`invalid escape token '${value}' does not match \` or \\`);
    }
    this.escapeToken = value;
    this.continuation = continuationRegex(value);
  }
}

/**
 * The escape token last on a line (blanks after it allowed) continues the line, unless the
 * character before it is an escape token too; a line of just the token continues as well.
 */
function continuationRegex(token: '\\' | '`'): RegExp {
  const t = token === '\\' ? '\\\\' : '`';
  return new RegExp(`([^${t}])${t}[ \\t]*$|^${t}[ \\t]*$`, 'u');
}

function trimContinuation(line: string, d: Directives): { line: string; end: boolean } {
  const m = d.continuation.exec(line);
  if (!m) return { line, end: true };
  return { line: line.slice(0, m.index) + (m[1] ?? ''), end: false };
}

/** A physical line as an instruction line: newline gone, directives noted, comments blanked. */
function processLine(d: Directives, raw: string, stripLeft: boolean, lineNo: number): string {
  let token = trimNewline(raw);
  if (stripLeft) token = trimLeftGoSpace(token);
  try {
    d.check(token);
  } catch (e) {
    throw locate(lineNo, e);
  }
  return isComment(token) ? '' : token;
}

/** An instruction line split as BuildKit's splitCommand and line parsers split it. */
interface LineNode {
  cmd: string;
  flags: string[];
  args: string[];
  json: boolean;
  /** ONBUILD's trigger instruction. */
  child?: LineNode;
}

function splitCommand(line: string, escape: string): { keyword: string; flags: string[]; rest: string } {
  const trimmed = goTrimSpace(line);
  const m = RE_WHITESPACE.exec(trimmed);
  if (!m) return { keyword: trimmed, flags: [], rest: '' };
  const { rest, flags } = extractBuilderFlags(trimmed.slice(m.index + m[0].length), escape);
  return { keyword: trimmed.slice(0, m.index), flags, rest: goTrimSpace(rest) };
}

/** Leading `--…` words are flags (quotes and escapes processed); a lone `--` ends them. */
function extractBuilderFlags(line: string, escape: string): { rest: string; flags: string[] } {
  const chars = Array.from(line);
  const flags: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let word = '';
  let quote = '';
  let blankOK = false;
  for (let pos = 0; pos <= chars.length; pos++) {
    const atEnd = pos === chars.length;
    const ch = atEnd ? '' : chars[pos]!;
    if (phase === 'spaces') {
      if (atEnd) break;
      if (isGoSpace(ch)) continue;
      if (ch !== '-' || chars[pos + 1] !== '-') return { rest: chars.slice(pos).join(''), flags };
      phase = 'word';
    }
    if (atEnd) {
      if (word !== '--' && (blankOK || word.length > 0)) flags.push(word);
      break;
    }
    if (phase === 'word' && isGoSpace(ch)) {
      if (word === '--') return { rest: chars.slice(pos).join(''), flags };
      if (blankOK || word.length > 0) flags.push(word);
      phase = 'spaces';
      word = '';
      blankOK = false;
    } else if (phase === 'word' && (ch === "'" || ch === '"')) {
      quote = ch;
      blankOK = true;
      phase = 'quote';
    } else if (phase === 'quote' && ch === quote) {
      phase = 'word';
    } else if (ch === escape) {
      // An escape token at the very end is dropped (and closes an open quote).
      if (pos + 1 === chars.length) phase = 'word';
      else word += chars[++pos];
    } else {
      word += ch;
    }
  }
  return { rest: '', flags };
}

/** Words separated by white space; quotes group but are kept, as are escapes (parseWords). */
function parseWords(rest: string, escape: string): string[] {
  const chars = Array.from(rest);
  const words: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let word = '';
  let quote = '';
  let blankOK = false;
  for (let pos = 0; pos <= chars.length; pos++) {
    const atEnd = pos === chars.length;
    let ch = atEnd ? '' : chars[pos]!;
    if (phase === 'spaces') {
      if (atEnd) break;
      if (isGoSpace(ch)) continue;
      phase = 'word';
    }
    if (atEnd) {
      if (blankOK || word.length > 0) words.push(word);
      break;
    }
    if (phase === 'word') {
      if (isGoSpace(ch)) {
        if (blankOK || word.length > 0) words.push(word);
        phase = 'spaces';
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
      }
      if (ch === escape) {
        if (pos + 1 === chars.length) continue;
        word += ch;
        ch = chars[++pos]!;
      }
      word += ch;
      continue;
    }
    if (ch === quote) phase = 'word';
    // Inside single quotes the escape token is an ordinary character.
    if (ch === escape && quote !== "'") {
      if (pos + 1 === chars.length) {
        phase = 'word';
        continue;
      }
      word += ch;
      ch = chars[++pos]!;
    }
    word += ch;
  }
  return words;
}

/** ENV and LABEL: `key=value …`, or the legacy `key value with spaces`. */
function parseNameVal(rest: string, key: string, escape: string): string[] {
  const words = parseWords(rest, escape);
  if (words.length === 0) return [];
  if (!words[0]!.includes('=')) {
    const m = RE_WHITESPACE.exec(rest);
    if (!m) throw new DockerfileError(`${key} must have two arguments`);
    return [rest.slice(0, m.index), rest.slice(m.index + m[0].length)];
  }
  const out: string[] = [];
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq < 0) throw new DockerfileError(`Syntax error - can't find = in ${goQuote(word)}. Must be of the form: name=value`);
    out.push(word.slice(0, eq), word.slice(eq + 1));
  }
  return out;
}

const splitWhitespace = (rest: string) => (rest === '' ? [] : rest.split(RE_WHITESPACE));

/** A JSON array of strings, or undefined when the text is not a JSON array at all. */
function parseJSON(rest: string): string[] | undefined {
  const text = trimLeftGoSpace(rest);
  if (!text.startsWith('[')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  if (!value.every((v): v is string => typeof v === 'string')) {
    throw new DockerfileError('when using JSON array syntax, arrays must be comprised of strings only');
  }
  // Go's decoder turns lone surrogates from \u escapes into U+FFFD.
  return value.map((v) => v.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));
}

function parseMaybeJSON(rest: string): { args: string[]; json: boolean } {
  if (rest === '') return { args: [], json: false };
  const json = parseJSON(rest);
  return json ? { args: json, json: true } : { args: [rest], json: false };
}

function parseMaybeJSONToList(rest: string): { args: string[]; json: boolean } {
  const json = parseJSON(rest);
  return json ? { args: json, json: true } : { args: splitWhitespace(rest), json: false };
}

/** HEALTHCHECK: the type word, then the command parsed as CMD's. */
function parseHealthConfig(rest: string): { args: string[]; json: boolean } {
  let sep = 0;
  while (sep < rest.length && !isGoSpace(rest[sep]!)) sep++;
  let next = sep;
  while (next < rest.length && isGoSpace(rest[next]!)) next++;
  if (sep === 0) return { args: [], json: false };
  const cmd = parseMaybeJSON(rest.slice(next));
  return { args: [rest.slice(0, sep), ...cmd.args], json: cmd.json };
}

function parseLineArgs(cmd: string, rest: string, escape: string): Omit<LineNode, 'cmd' | 'flags'> {
  switch (cmd) {
    case 'add': case 'copy': case 'volume':
      return parseMaybeJSONToList(rest);
    case 'cmd': case 'entrypoint': case 'run': case 'shell':
      return parseMaybeJSON(rest);
    case 'env': case 'label':
      return { args: parseNameVal(rest, cmd.toUpperCase(), escape), json: false };
    case 'arg':
      return { args: parseWords(rest, escape), json: false };
    case 'expose': case 'from':
      return { args: splitWhitespace(rest), json: false };
    case 'healthcheck':
      return parseHealthConfig(rest);
    case 'maintainer': case 'stopsignal': case 'user': case 'workdir':
      return { args: rest === '' ? [] : [rest], json: false };
    case 'onbuild':
      return rest === '' ? { args: [], json: false } : { args: [], json: false, child: nodeFromLine(rest, escape) };
    default:
      return { args: [], json: false };
  }
}

function nodeFromLine(line: string, escape: string): LineNode {
  const { keyword, flags, rest } = splitCommand(line, escape);
  const cmd = keyword.toLowerCase();
  return { cmd, flags, ...parseLineArgs(cmd, rest, escape) };
}

const HEREDOC_INSTRUCTIONS = new Set(['add', 'copy', 'run']);

/** Heredocs belong to shell-form RUN, COPY and ADD, also as ONBUILD triggers. */
function canContainHeredoc(node: LineNode): boolean {
  const target = node.cmd === 'onbuild' && node.child ? node.child : node;
  return HEREDOC_INSTRUCTIONS.has(target.cmd) && !target.json;
}

const HEREDOC_MARKER = /^(\d*)<<(-?)[\t\n\f\r ]*([^<]*)$/;
const NO_ENV = () => undefined;
const markerLex = new ShellLex('\\', { skipUnsetEnv: true });
const markerLexRaw = new ShellLex('\\', { skipUnsetEnv: true, rawQuotes: true });
const lineLex = new ShellLex('\\', { rawQuotes: true, rawEscapes: true, skipUnsetEnv: true });

/**
 * A heredoc marker word (`<<EOF`, `<<-"EOF"`, `3<<EOF`), or undefined. Whether the body expands
 * is decided as BuildKit does: lex the delimiter with and without quote removal and compare
 * the quote counts (escaped quotes count on both sides).
 */
export function parseHeredocMarker(word: string): { name: string; chomp: boolean; expand: boolean } | undefined {
  const m = HEREDOC_MARKER.exec(word);
  if (!m || m[3] === '') return undefined;
  const rest = m[3]!;
  const words = markerLex.processWords(rest, NO_ENV);
  if (words.length !== 1) return undefined;
  const raw = markerLexRaw.processWords(rest, NO_ENV);
  if (raw.length !== words.length) {
    throw new DockerfileError(`internal lexing of heredoc produced inconsistent results: ${rest}`);
  }
  const quotes = (s: string) => s.split(/['"]/).length - 1;
  return { name: words[0]!, chomp: m[2] === '-', expand: quotes(words[0]!) === quotes(raw[0]!) };
}

function heredocMarkersInLine(line: string): Array<{ name: string; chomp: boolean; expand: boolean }> {
  let words: string[];
  try {
    words = lineLex.processWords(line, NO_ENV);
  } catch {
    return [];
  }
  const markers = [];
  for (const word of words) {
    const marker = parseHeredocMarker(word);
    if (marker) markers.push(marker);
  }
  return markers;
}

/** `<<-` removes leading tabs from every body line (Go's `(?m)^\t+`, lines split at \n only). */
export function chompHeredoc(content: string): string {
  return content.replace(/(^|\n)\t+/g, '$1');
}

/** The ONBUILD trigger as Docker stores it: the line without `ONBUILD`, heredoc bodies appended. */
function onbuildExpression(line: string, bodies: Array<{ name: string; raw: string }>): string {
  let expression = line.replace(/^[\t\n\f\r ]*ONBUILD[\t\n\f\r ]*/i, '');
  for (const body of bodies) expression += '\n' + body.raw + body.name;
  return expression;
}

/** Go's bufio.Scanner holds at most 64 KiB, newline included. */
const MAX_LINE_BYTES = 64 * 1024;

/** Hands out physical lines and counts them (the count is the current line number). */
class LineReader {
  private index = 0;
  constructor(private readonly lines: string[]) {}
  get lineNo(): number {
    return this.index;
  }
  next(): string | undefined {
    const line = this.lines[this.index];
    if (line === undefined) return undefined;
    this.index++;
    if (Buffer.byteLength(line) - (line.endsWith('\n') ? 1 : 0) >= MAX_LINE_BYTES) {
      throw new LocatedError(this.index, `dockerfile line greater than max allowed size of ${MAX_LINE_BYTES - 1}`);
    }
    return line;
  }
}

/** Joins continuation lines; returns the logical line, or undefined for blank/comment lines. */
function readLogicalLine(reader: LineReader, first: string, d: Directives, warnings: string[]): string | undefined {
  const start = trimContinuation(processLine(d, first, true, reader.lineNo), d);
  if (start.end && start.line === '') return undefined;
  let line = start.line;
  let end = start.end;
  let hasEmpty = false;
  for (let raw = end ? undefined : reader.next(); raw !== undefined; raw = end ? undefined : reader.next()) {
    const processed = processLine(d, raw, false, reader.lineNo);
    if (isComment(raw)) continue;
    if (trimLeftGoSpace(trimNewline(processed)) === '') {
      hasEmpty = true;
      continue;
    }
    const part = trimContinuation(processed, d);
    line += part.line;
    end = part.end;
  }
  if (hasEmpty) warnings.push(`[WARNING]: Empty continuation line found in:\n    ${line}`);
  return line;
}

/** Reads each heredoc's body, in order, up to its delimiter line. */
function readHeredocBodies(reader: LineReader, line: string, startLine: number) {
  let markers;
  try {
    markers = heredocMarkersInLine(line);
  } catch (e) {
    throw locate(startLine, e);
  }
  return markers.map((marker) => {
    let raw = '';
    for (let body = reader.next(); body !== undefined; body = reader.next()) {
      const candidate = marker.chomp ? trimNewline(body).replace(/^\t+/, '') : trimNewline(body);
      if (candidate === marker.name) return { ...marker, raw };
      raw += body;
    }
    throw new LocatedError(startLine, 'unterminated heredoc');
  });
}

function toNode(line: string, escape: string, startLine: number, reader: LineReader): Node {
  let parsed: LineNode;
  try {
    parsed = nodeFromLine(line, escape);
  } catch (e) {
    throw locate(startLine, e);
  }
  const bodies = canContainHeredoc(parsed) && line.includes('<<') ? readHeredocBodies(reader, line, startLine) : [];
  const heredocs = bodies.map((b) => ({
    name: b.name,
    content: b.chomp ? chompHeredoc(b.raw) : b.raw,
    expand: b.expand,
    chomp: b.chomp,
  }));
  let args = parsed.args;
  if (parsed.cmd === 'onbuild' && parsed.child) args = [onbuildExpression(line, bodies)];
  return {
    cmd: parsed.cmd,
    original: goTrimSpace(line),
    flags: parsed.flags,
    args,
    json: parsed.json,
    heredocs,
    startLine,
    endLine: reader.lineNo,
  };
}

/**
 * Parses a Dockerfile. `name` words the errors as Docker does: `the Dockerfile (<name>) cannot
 * be empty`, `failed to parse <name>: …`. Unknown instructions are kept (with no args):
 * parseInstruction rejects them, so errors come in Docker's order.
 */
export function parseDockerfile(text: string, opts: { name?: string } = {}): ParseResult {
  const name = opts.name ?? 'Dockerfile';
  if (text.length === 0) throw invalidParameter(`the Dockerfile (${name}) cannot be empty`);
  try {
    return parseLines(physicalLines(text));
  } catch (e) {
    if (e instanceof LocatedError) throw new DockerfileParseError(`failed to parse ${name}: ${e.message}`, e.line, e.message);
    throw e;
  }
}

function parseLines(lines: string[]): ParseResult {
  const reader = new LineReader(lines);
  const d = new Directives();
  const nodes: Node[] = [];
  const warnings: string[] = [];
  for (let raw = reader.next(); raw !== undefined; raw = reader.next()) {
    if (reader.lineNo === 1 && raw.startsWith('\ufeff')) raw = raw.slice(1);
    const startLine = reader.lineNo;
    const line = readLogicalLine(reader, raw, d, warnings);
    if (line === undefined) continue;
    nodes.push(toNode(line, d.escapeToken, startLine, reader));
  }
  if (nodes.length === 0) throw new LocatedError(reader.lineNo, 'file with no instructions');
  if (warnings.length > 0) warnings.push('[WARNING]: Empty continuation lines will become errors in a future release.');
  const result: ParseResult = { nodes, escapeToken: d.escapeToken, warnings };
  if (d.syntax !== undefined) result.syntax = d.syntax;
  return result;
}
