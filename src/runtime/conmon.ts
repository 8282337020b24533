// Launching conmon, the per-container monitor that outlives berthd: it runs `runc create`, holds
// the container's stdio, writes the log and the exit code, and serves the attach socket.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { systemError } from '../common/errors.js';
import { joinCgroup } from './cgroups.js';

export interface ConmonCreateOptions {
  conmon: string;
  runtime: string;
  runtimeRoot: string;
  id: string;
  name: string;
  bundle: string;
  /** The k8s-file log; undefined discards the output (the `none` driver). */
  logPath: string | undefined;
  exitDir: string;
  socketDir: string;
  stdin: boolean;
  tty: boolean;
  /** Without it conmon closes the container's stdin when an attach client goes away (StdinOnce). */
  leaveStdinOpen: boolean;
  /** Directory for the tty console socket; its path must stay short. */
  tmpDir: string;
  /** The cgroup conmon is moved into before it forks (runtime notes §10), e.g. /berth/conmon. */
  monitorCgroup?: string;
}

export interface ConmonStarted { containerPid: number; conmonPid: number; conmonStartTime: string }

/** An error from `runc create`, with runc's own message (e.g. executable file not found). */
export class RuntimeCreateError extends Error {}

export function conmonArgs(o: ConmonCreateOptions): string[] {
  const a = [
    '--api-version', '1', '-c', o.id, '-u', o.id, '-n', o.name, '-r', o.runtime, '-b', o.bundle,
    '-p', `${o.bundle}/container.pid`, '-P', `${o.bundle}/conmon.pid`, '-l', o.logPath === undefined ? 'none' : `k8s-file:${o.logPath}`,
    '--exit-dir', o.exitDir, '--socket-dir-path', o.socketDir, '--log-level', 'warning', '--no-sync-log',
    `--runtime-arg=--root=${o.runtimeRoot}`, `--runtime-arg=--log=${o.bundle}/runc.log`, '--runtime-arg=--log-format=json',
  ];
  if (o.stdin) a.push('-i');
  if (o.tty) a.push('-t');
  if (o.leaveStdinOpen) a.push('--leave-stdin-open');
  return a;
}

/** Field 22 of /proc/<pid>/stat: the process start time, to tell a pid from a reused one. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the comm field, index 0 is field 3 (state); field 22 is index 19.
    return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

export function monitorAlive(pid: number, startTime: string): boolean {
  return pid > 0 && processStartTime(pid) === startTime;
}

export function startConmon(o: ConmonCreateOptions): Promise<ConmonStarted> {
  return new Promise((resolve, reject) => {
    const held = o.monitorCgroup !== undefined;
    const child = spawn(o.conmon, conmonArgs(o), {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe', held ? 'pipe' : 'ignore'],
      env: {
        PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', _OCI_SYNCPIPE: '3', TMPDIR: o.tmpDir,
        ...(held ? { _OCI_STARTPIPE: '4' } : {}),
      },
      detached: true,
      cwd: o.bundle,
    });
    if (held) {
      // conmon blocks on the start pipe before it forks, so the monitor it forks stays in the group.
      if (child.pid) joinCgroup(o.monitorCgroup!, child.pid);
      const start = child.stdio[4] as Writable;
      start.on('error', () => { /* conmon gone: reported through the sync pipe */ });
      start.end('0');
    }
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const sync = child.stdio[3] as Readable;
    let settled = false;
    let containerPid: number | undefined;
    let exited = false;
    const finish = () => {
      if (settled || containerPid === undefined || !exited) return;
      settled = true;
      sync.destroy();
      child.stderr!.destroy();
      let conmonPid = 0;
      try { conmonPid = Number(readFileSync(`${o.bundle}/conmon.pid`, 'utf8').trim()); } catch { /* reported below */ }
      const conmonStartTime = processStartTime(conmonPid);
      if (!conmonPid || !conmonStartTime) { reject(systemError('conmon exited before the container started')); return; }
      resolve({ containerPid, conmonPid, conmonStartTime });
    };
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      sync.destroy();
      reject(e);
    };
    readSyncMessages(sync, (msg) => {
      if (settled || containerPid !== undefined) return;
      if (msg.data < 0) { fail(new RuntimeCreateError(runcErrorText(msg.message ?? 'runc create failed'))); return; }
      containerPid = msg.data;
      finish();
    });
    sync.on('end', () => {
      if (containerPid === undefined) {
        setImmediate(() => fail(systemError(`conmon failed: ${stderr.trim() || 'no sync message'}`)));
      }
    });
    child.once('error', (e) => fail(systemError(`cannot start conmon: ${e.message}`)));
    // The first conmon process exits as soon as it has forked the daemonised monitor.
    child.once('exit', (code) => {
      exited = true;
      if (code !== 0 && containerPid === undefined) {
        setTimeout(() => fail(systemError(`conmon exited with status ${code}: ${stderr.trim()}`)), 50);
        return;
      }
      finish();
    });
  });
}

/** Reads conmon's `{"data": N, "message"?: …}` lines from its sync or attach pipe. */
export function readSyncMessages(pipe: Readable, onMessage: (m: { data: number; message?: string }) => void): void {
  let buf = '';
  pipe.setEncoding('utf8');
  pipe.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        const m = JSON.parse(line) as { data?: unknown; message?: string };
        if (typeof m.data === 'number') onMessage({ data: m.data, message: m.message });
      } catch { /* not a message */ }
    }
  });
  pipe.on('error', () => { /* EOF and resets are handled through 'end' */ });
}

/** runc's messages come as its JSON log line or a logrus line; keep just the error text. */
export function runcErrorText(message: string): string {
  let text = message.trim();
  try {
    const j = JSON.parse(text) as { msg?: string };
    if (j.msg) text = j.msg;
  } catch {
    const m = /msg="((?:[^"\\]|\\.)*)"/.exec(text);
    if (m) text = m[1].replace(/\\"/g, '"');
  }
  return text;
}
