// Exec sessions with a terminal, through `conmon --exec --exec-attach`: Node cannot receive a
// pty master (no SCM_RIGHTS), conmon can, and it serves the session's attach socket and ctl FIFO
// like a container's. Protocol (runtime notes §5, §6): the start pipe is written once to let
// conmon fork, conmon reports on the attach pipe when `<dir>/attach` exists, the engine connects
// and writes the start pipe again, and only then does conmon run `runc exec`; the sync pipe then
// carries the exec's pid and, when it ends, its exit code.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { systemError } from '../common/errors.js';
import { AttachConnection } from './attach.js';
import { joinCgroup } from './cgroups.js';
import { RuntimeCreateError, readSyncMessages, runcErrorText } from './conmon.js';

export interface ConmonExecOptions {
  conmon: string;
  runtime: string;
  runtimeRoot: string;
  containerId: string;
  sessionId: string;
  /** The session's own directory: conmon creates attach, ctl and winsz in it. */
  dir: string;
  socketDir: string;
  /** The OCI process object, written as JSON. */
  processSpec: string;
  tty: boolean;
  stdin: boolean;
  /** Directory for the tty console socket; its path must stay short. */
  tmpDir: string;
  /** The cgroup conmon is moved into before it forks, as for a container's monitor. */
  monitorCgroup?: string;
}

export interface ConmonExec {
  pid: number;
  attach: AttachConnection;
  /** The exec's exit code, once conmon reports it (255 when conmon goes away without one). */
  exitCode: Promise<number>;
}

export function conmonExecArgs(o: ConmonExecOptions): string[] {
  const a = [
    '--api-version', '1', '-c', o.containerId, '-u', o.sessionId.slice(0, 12), '-r', o.runtime, '-b', o.dir,
    '-p', `${o.dir}/exec.pid`, '-l', 'none', '--exit-dir', `${o.dir}/exits`, '--socket-dir-path', o.socketDir,
    '--log-level', 'warning', `--runtime-arg=--root=${o.runtimeRoot}`,
    '-e', '--exec-process-spec', o.processSpec, '--exec-attach',
  ];
  if (o.tty) a.push('-t');
  if (o.stdin) a.push('-i');
  // A terminal session outlives its client detaching (docker exec -it, ctrl-p ctrl-q).
  if (o.tty) a.push('--leave-stdin-open');
  return a;
}

export function startConmonExec(o: ConmonExecOptions): Promise<ConmonExec> {
  mkdirSync(`${o.dir}/exits`, { recursive: true });
  return new Promise((resolve, reject) => {
    const child = spawn(o.conmon, conmonExecArgs(o), {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4', _OCI_ATTACHPIPE: '5', TMPDIR: o.tmpDir },
      detached: true,
      cwd: o.dir,
    });
    const sync = child.stdio[3] as Readable;
    const start = child.stdio[4] as Writable;
    const attachPipe = (child.stdio as unknown as Readable[])[5]!;
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    start.on('error', () => { /* conmon gone: reported through the sync pipe */ });
    let settled = false;
    let attach: AttachConnection | undefined;
    let resolveExit!: (code: number) => void;
    const exitCode = new Promise<number>((r) => { resolveExit = r; });
    let pid: number | undefined;
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      attach?.destroy();
      for (const p of [sync, attachPipe, child.stderr!]) p.destroy();
      start.destroy();
      reject(e);
    };

    readSyncMessages(attachPipe, (m) => {
      if (m.data !== 0 || attach) return;
      AttachConnection.connect(o.dir).then((conn) => {
        attach = conn;
        // Second write: conmon now runs `runc exec`.
        start.end('0');
      }, (e: Error) => fail(systemError(`cannot attach to exec session: ${e.message}`)));
    });
    readSyncMessages(sync, (m) => {
      if (pid === undefined) {
        if (m.data < 0) {
          fail(new RuntimeCreateError(runcErrorText(m.message ?? 'runc exec failed')));
          return;
        }
        pid = m.data;
        if (!attach) { fail(systemError('conmon started the exec before it was attached')); return; }
        settled = true;
        attachPipe.destroy();
        child.stderr!.destroy();
        resolve({ pid, attach, exitCode });
        return;
      }
      resolveExit(m.data < 0 ? 255 : m.data);
    });
    sync.on('end', () => {
      resolveExit(255);
      if (!settled) setImmediate(() => fail(systemError(`conmon failed: ${stderr.trim() || 'no sync message'}`)));
    });
    child.once('error', (e) => fail(systemError(`cannot start conmon: ${e.message}`)));
    child.once('exit', (code) => {
      if (code !== 0) setTimeout(() => fail(systemError(`conmon exited with status ${code}: ${stderr.trim()}`)), 50);
    });
    if (o.monitorCgroup !== undefined && child.pid) joinCgroup(o.monitorCgroup, child.pid);
    // First write: conmon forks its monitor, which then sets up the attach socket.
    start.write('0');
  });
}
