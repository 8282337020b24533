// Running the host's network tools (ip, nsenter, iptables-restore): one spawn, input on stdin,
// stdout collected, a SystemError with the tool's own message on failure.
import { runCommand } from '../common/command.js';
import { systemError } from '../common/errors.js';

export interface ExecResult { stdout: string; stderr: string }

export async function run(cmd: string, args: string[], input?: string): Promise<ExecResult> {
  let r;
  try {
    r = await runCommand(cmd, args, { input: input ?? '' });
  } catch (e) {
    throw systemError(`${cmd}: ${(e as Error).message}`, e);
  }
  if (r.code === 0) return { stdout: r.stdout, stderr: r.stderr };
  throw systemError(`${[cmd, ...args].join(' ')}: ${r.stderr.trim() || `exit ${r.code === -1 ? r.signal : r.code}`}`);
}
