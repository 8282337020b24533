// The OCI runtime's own commands. Each is a Go process start (~10 ms), so callers use them only
// where conmon cannot help: start, kill, pause/resume, delete, and state during reconciliation.
import { spawn } from 'node:child_process';
import { runCommand, type CommandResult } from '../common/command.js';
import { conflict, notFound, systemError } from '../common/errors.js';

export interface RuntimeState { status: 'created' | 'running' | 'paused' | 'stopped'; pid: number }

export class Runc {
  constructor(readonly binary: string, readonly root: string) {}

  private run(args: string[]): Promise<CommandResult> {
    return runCommand(this.binary, ['--root', this.root, ...args]);
  }

  private static message(r: CommandResult): string {
    const text = (r.stderr || r.stdout).trim();
    // runc prints logrus lines (`time=… level=error msg="…"`); the message is what a user needs,
    // from the error line when warnings come first.
    const lines = text.split('\n');
    const line = lines.find((l) => /\blevel=(error|fatal)\b/.test(l)) ?? text;
    const m = /msg="((?:[^"\\]|\\.)*)"/.exec(line);
    return m ? m[1]!.replace(/\\(["\\])/g, '$1') : text;
  }

  async start(id: string): Promise<void> {
    const r = await this.run(['start', id]);
    if (r.code !== 0) throw systemError(Runc.message(r));
  }

  /** Sends a signal; false when the container is not running (nothing to signal). */
  async kill(id: string, signal: string, all = false): Promise<boolean> {
    const r = await this.run(['kill', ...(all ? ['--all'] : []), id, signal]);
    if (r.code === 0) return true;
    const msg = Runc.message(r);
    if (/not running|container not running|does not exist|process already finished/i.test(msg)) return false;
    throw systemError(msg);
  }

  async delete(id: string, force = false): Promise<void> {
    const r = await this.run(['delete', ...(force ? ['--force'] : []), id]);
    if (r.code !== 0 && !/does not exist|not exist/i.test(Runc.message(r))) throw systemError(Runc.message(r));
  }

  async pause(id: string): Promise<void> {
    const r = await this.run(['pause', id]);
    if (r.code !== 0) throw conflict(Runc.message(r));
  }

  async resume(id: string): Promise<void> {
    const r = await this.run(['resume', id]);
    if (r.code !== 0) throw conflict(Runc.message(r));
  }

  async state(id: string): Promise<RuntimeState | undefined> {
    const r = await this.run(['state', id]);
    if (r.code !== 0) {
      if (/does not exist/i.test(Runc.message(r))) return undefined;
      throw notFound(Runc.message(r));
    }
    const s = JSON.parse(r.stdout) as RuntimeState;
    return { status: s.status, pid: s.pid };
  }

  /**
   * `runc update --resources -`: new cgroup limits for a running (or paused) container, as the
   * OCI LinuxResources JSON on stdin. Zero values leave a limit unchanged.
   */
  async update(id: string, resources: object): Promise<void> {
    const r = await new Promise<CommandResult>((resolve, reject) => {
      const child = spawn(this.binary, ['--root', this.root, 'update', '--resources', '-', id], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
      child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
      child.once('error', reject);
      child.once('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }));
      child.stdin.on('error', () => { /* runc exited early: its stderr says why */ });
      child.stdin.end(JSON.stringify(resources));
    });
    if (r.code !== 0) throw systemError(Runc.message(r));
  }
}
