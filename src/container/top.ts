// GET /containers/{id}/top as moby does it: the host's `ps` with the client's arguments (default
// -ef), restricted to the container's processes with -q<pids> (retried without it for options
// that refuse -q), and only the rows whose PID is one of them kept.
import { spawn } from 'node:child_process';
import { systemError } from '../common/errors.js';

export interface TopResponse { Titles: string[]; Processes: string[][] }

/** Renaming a column to PID would fool the parser (moby's validatePSArgs). */
export function validatePsArgs(psArgs: string): void {
  const re = /\s+(\S*)=\s*(PID\S*)/g;
  for (const m of psArgs.matchAll(re)) {
    if (m[1] !== 'pid') throw systemError(`specifying "${m[1]}=${m[2]}" is not allowed`);
  }
}

const NO_HEADERS = new Set(['--no-header', '--no-headers', '--no-heading', '--no-headings', '--noheader', '--noheaders', '--noheading', '--noheadings']);

/** ps's arguments: the client's string split on single spaces, as Go's strings.Split. */
export function psArgv(psArgs: string): string[] {
  const args = (psArgs || '-ef').split(' ');
  for (const a of args) if (NO_HEADERS.has(a)) throw systemError(`option ${a} is not allowed`);
  return args;
}

/** `-q1,2,3`: ps lists only these processes. */
export function psPidsArg(pids: readonly number[]): string {
  return `-q${pids.join(',')}`;
}

/** Go's strings.Fields over ASCII whitespace only (moby's fieldsASCII). */
const fieldsAscii = (s: string): string[] => s.split(/[\t\n\f\r ]+/).filter((x) => x !== '');

/**
 * ps output → titles and the rows of the given pids. A row's surplus fields (a command with
 * spaces) are joined into the last column; lines whose PID is "-" (threads, with `-m`) follow
 * the process before them.
 */
export function parsePsOutput(output: string, pids: readonly number[]): TopResponse {
  const lines = output.split('\n');
  const titles = fieldsAscii(lines[0] ?? '');
  const pidIndex = titles.indexOf('PID');
  if (pidIndex < 0) throw systemError(`Couldn't find PID field in ps output`);
  const want = new Set(pids);
  const processes: string[][] = [];
  const append = (fields: string[]) => {
    const row = fields.slice(0, titles.length - 1);
    row.push(fields.slice(titles.length - 1).join(' '));
    processes.push(row);
  };
  let previousKept = false;
  for (const line of lines.slice(1)) {
    if (line.length === 0) continue;
    const fields = fieldsAscii(line);
    const f = fields[pidIndex];
    if (f === '-') {
      if (previousKept) append(fields);
      continue;
    }
    if (f === undefined || !/^[+-]?\d+$/.test(f)) throw systemError(`Unexpected pid '${f ?? ''}': strconv.Atoi: parsing ${JSON.stringify(f ?? '')}: invalid syntax`);
    if (want.has(Number(f))) {
      previousKept = true;
      append(fields);
      continue;
    }
    previousKept = false;
  }
  return { Titles: titles, Processes: processes };
}

function runPs(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('ps', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    p.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    p.once('error', reject);
    p.once('close', (code, signal) => resolve({ code: code ?? (signal ? -1 : 0), stdout, stderr }));
  });
}

/** Runs ps for the container's pids and parses its output (moby's ContainerTop after the checks). */
export async function top(pids: readonly number[], psArgs: string): Promise<TopResponse> {
  const args = psArgv(psArgs);
  let r = await runPs([...args, psPidsArg(pids)]);
  if (r.code !== 0) {
    // Some options (such as f) cannot be used together with -q.
    r = await runPs(args);
    if (r.code !== 0) {
      const first = r.stderr.split('\n')[0];
      throw systemError(`ps: ${first || `exit status ${r.code}`}`);
    }
  }
  return parsePsOutput(r.stdout, pids);
}
