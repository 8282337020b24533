// Spawning the host's helper binaries (runc, mount, ip, iptables-restore, …) and collecting what they say.
import { spawn, type SpawnOptions } from 'node:child_process';
import { systemError } from './errors.js';

export interface CommandResult { code: number; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** `input`, when given, is written to the child's stdin (which is otherwise closed). */
export function runCommand(file: string, args: string[], opts: SpawnOptions & { input?: string } = {}): Promise<CommandResult> {
  const { input, ...spawnOpts } = opts;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], ...spawnOpts });
    if (input !== undefined) {
      child.stdin?.on('error', () => { /* the child exited before reading; its status tells */ });
      child.stdin?.end(input);
    }
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }));
  });
}

/** Runs a command and throws a SystemError carrying its stderr when it fails. */
export async function runChecked(file: string, args: string[], opts: SpawnOptions = {}): Promise<string> {
  const r = await runCommand(file, args, opts);
  if (r.code !== 0) {
    throw systemError(`${file} ${args[0] ?? ''} failed: ${(r.stderr || r.stdout).trim() || `exit status ${r.code}`}`);
  }
  return r.stdout;
}
