// Running the host's network tools (ip, nsenter, iptables-restore): one spawn, input on stdin,
// stdout collected, a SystemError with the tool's own message on failure.
import { spawn } from 'node:child_process';
import { systemError } from '../common/errors.js';

export interface ExecResult { stdout: string; stderr: string }

export function run(cmd: string, args: string[], input?: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => reject(systemError(`${cmd}: ${e.message}`, e)));
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString();
      const stderr = Buffer.concat(err).toString();
      if (code === 0) resolve({ stdout, stderr });
      else reject(systemError(`${[cmd, ...args].join(' ')}: ${stderr.trim() || `exit ${code ?? signal}`}`));
    });
    child.stdin.on('error', () => { /* the tool exited early; its status tells */ });
    child.stdin.end(input ?? '');
  });
}
