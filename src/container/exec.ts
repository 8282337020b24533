// Exec sessions: extra processes in a running container, each through its own `conmon --exec`:
// conmon holds a TTY's pty master (Node cannot receive one), and its sync pipe tells a process
// that failed to start (runc's error) from one that ran and exited (its code), which a plain
// `runc exec` child cannot. Sessions don't survive berthd, as Docker's exec streams don't.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { conflict, errorMessage, invalidParameter, notFound, systemError } from '../common/errors.js';
import { RuntimeCreateError } from '../runtime/conmon.js';
import { startConmonExec, type ConmonExec } from '../runtime/conmon-exec.js';
import { resizeTerminal } from '../runtime/conmon-ctl.js';
import type { Runc } from '../runtime/runc.js';
import type { OciSpec } from '../runtime/spec.js';
import { allCapabilities, processJson } from '../runtime/spec.js';
import type { ContainerService } from './service.js';
import { resolveUser } from './user.js';
import type { Layout } from './paths.js';

export interface ExecConfig {
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  DetachKeys?: string;
  Tty?: boolean;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Privileged?: boolean;
  User?: string;
  WorkingDir?: string;
  ConsoleSize?: [number, number] | null;
}

interface Session {
  id: string;
  containerId: string;
  config: ExecConfig;
  running: boolean;
  exitCode: number | null;
  pid: number;
  canRemove: boolean;
  /** Settles once the process runs (or failed to): resizes wait for it, as moby's do. */
  started: Promise<void>;
  markStarted: () => void;
  /** conmon's directory for a TTY session (attach socket, ctl FIFO). */
  dir?: string;
  /** A health probe's session: forgotten as soon as it ends, as moby unregisters them. */
  ephemeral?: boolean;
}

/** What POST /exec/{id}/start may add to the session's config. */
export interface ExecStartOptions {
  ConsoleSize?: [number, number] | null;
}

export interface ExecIO {
  stdin?: Readable;
  write(stream: 'stdout' | 'stderr', data: Buffer): void;
  end(): void;
  /** The client went away: a TTY session's output is no longer wanted. */
  closed?: Promise<void>;
}

export interface ExecRuntime {
  conmon: string;
  /** Where TTY sessions' conmon directories go. */
  sessionsDir: string;
  /** The cgroup sessions' conmon processes are moved into, out of berthd's own. */
  monitorCgroup?: string;
}

/** Finished sessions are kept this long for `exec inspect`, as Docker keeps them until gc. */
const KEEP_FINISHED_MS = 5 * 60_000;

export class ExecService {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly containers: ContainerService, private readonly runc: Runc, private readonly layout: Layout, private readonly rt: ExecRuntime) {
    // Sessions don't survive berthd; a TTY session's conmon may, and cleans up after itself.
    rmSync(rt.sessionsDir, { recursive: true, force: true });
    mkdirSync(rt.sessionsDir, { recursive: true });
  }

  create(containerRef: string, cfg: ExecConfig): { Id: string } {
    const { rec } = this.containers.processSpec(containerRef);
    if (!cfg.Cmd || cfg.Cmd.length === 0) throw invalidParameter('No exec command specified');
    const id = randomBytes(32).toString('hex');
    let markStarted!: () => void;
    const started = new Promise<void>((r) => { markStarted = r; });
    this.sessions.set(id, { id, containerId: rec.Id, config: cfg, running: false, exitCode: null, pid: 0, canRemove: false, started, markStarted });
    this.containers.trackExec(rec.Id, id, true);
    this.containers.events.emit('container', 'exec_create', rec.Id, this.containers.attrs(rec, { execID: id, [`exec_create: ${cfg.Cmd.join(' ')}`]: '' }));
    return { Id: id };
  }

  private get(id: string): Session {
    const s = this.sessions.get(id);
    if (!s) throw notFound(`No such exec instance: ${id}`);
    return s;
  }

  inspect(id: string): Record<string, unknown> {
    const s = this.get(id);
    const cmd = s.config.Cmd ?? [];
    return {
      CanRemove: s.canRemove,
      ContainerID: s.containerId,
      DetachKeys: s.config.DetachKeys ?? '',
      ExitCode: s.exitCode,
      ID: s.id,
      OpenStderr: Boolean(s.config.AttachStderr),
      OpenStdin: Boolean(s.config.AttachStdin),
      OpenStdout: Boolean(s.config.AttachStdout),
      ProcessConfig: { arguments: cmd.slice(1), entrypoint: cmd[0] ?? '', privileged: Boolean(s.config.Privileged), tty: Boolean(s.config.Tty), user: s.config.User ?? '' },
      Running: s.running,
      Pid: s.pid,
    };
  }

  /** Checks that the session can start; throws before the caller hijacks the connection. */
  prepare(id: string): Session {
    const s = this.get(id);
    if (s.running || s.exitCode !== null) throw conflict(`Error: Exec command ${id} has already run`);
    this.containers.processSpec(s.containerId);
    return s;
  }

  /**
   * Runs `cmd` in the container as its own exec session (with Docker's exec events) and collects
   * up to `maxOutput` bytes of stdout and stderr together; past `timeoutMs` the process is
   * killed and the result is `timedOut`. For health probes.
   */
  async run(containerId: string, cmd: string[], opts: { timeoutMs: number; maxOutput: number }): Promise<{ exitCode: number; output: string; timedOut: boolean }> {
    const { Id } = this.create(containerId, { Cmd: cmd, AttachStdout: true, AttachStderr: true });
    this.sessions.get(Id)!.ephemeral = true;
    const chunks: Buffer[] = [];
    let size = 0;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      const pid = this.sessions.get(Id)?.pid;
      if (pid) { try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ } }
    }, opts.timeoutMs);
    try {
      const exitCode = await this.start(Id, {
        write: (_s, d) => {
          if (size >= opts.maxOutput) return;
          const part = d.subarray(0, opts.maxOutput - size);
          chunks.push(part);
          size += part.length;
        },
        end: () => {},
      });
      return { exitCode, output: Buffer.concat(chunks).toString('utf8'), timedOut };
    } catch (e) {
      return { exitCode: -1, output: errorMessage(e), timedOut };
    } finally {
      clearTimeout(timer);
    }
  }

  /** The client typed the detach keys: the process runs on without it. */
  detached(id: string): void {
    const s = this.get(id);
    const rec = this.containers.record(s.containerId);
    this.containers.events.emit('container', 'exec_detach', rec.Id, this.containers.attrs(rec, { execID: id }));
  }

  /** POST /exec/{id}/resize: waits up to 10 s for the session to start, as moby does. */
  async resize(id: string, rows: number, cols: number): Promise<void> {
    const s = this.get(id);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      s.started.then(() => false),
      new Promise<boolean>((r) => { timer = setTimeout(() => r(true), 10_000); }),
    ]);
    clearTimeout(timer);
    if (timedOut) throw systemError('timeout waiting for exec session ready');
    if (s.running && s.dir) resizeTerminal(s.dir, rows, cols);
  }

  /**
   * Runs the session through conmon; resolves with the exit code once its output has ended. A
   * process that cannot start rejects with moby's "OCI runtime exec failed" error, after the
   * session has recorded 126 or 127, and leaves `io` open for the caller to report it.
   */
  async start(id: string, io: ExecIO | undefined, opts: ExecStartOptions = {}): Promise<number> {
    const s = this.prepare(id);
    const { rec, spec, rootfs } = this.containers.processSpec(s.containerId);
    s.running = true;
    const dir = join(this.rt.sessionsDir, s.id);
    s.dir = dir;
    const finish = (code: number, endIo: boolean) => {
      rmSync(dir, { recursive: true, force: true });
      s.running = false;
      s.exitCode = code;
      s.pid = 0;
      s.canRemove = true;
      s.markStarted();
      this.containers.events.emit('container', 'exec_die', rec.Id, this.containers.attrs(rec, { execID: id, exitCode: String(code) }));
      if (endIo) io?.end();
      const forget = () => { this.sessions.delete(id); this.containers.trackExec(s.containerId, id, false); };
      if (s.ephemeral) forget();
      else setTimeout(forget, KEEP_FINISHED_MS).unref();
      return code;
    };
    let ex: ConmonExec;
    try {
      mkdirSync(dir, { recursive: true });
      const processFile = join(dir, 'process.json');
      writeFileSync(processFile, processJson(this.processOf(spec, rootfs, s.config, opts)));
      this.containers.events.emit('container', 'exec_start', rec.Id, this.containers.attrs(rec, { execID: id, [`exec_start: ${(s.config.Cmd ?? []).join(' ')}`]: '' }));
      ex = await startConmonExec({
        conmon: this.rt.conmon, runtime: this.runc.binary, runtimeRoot: this.runc.root, containerId: rec.Id, sessionId: s.id,
        dir, socketDir: this.layout.sockets, processSpec: processFile, tty: Boolean(s.config.Tty),
        stdin: Boolean(io?.stdin && s.config.AttachStdin), tmpDir: this.layout.tmp, monitorCgroup: this.rt.monitorCgroup,
      });
    } catch (e) {
      finish(startFailureCode(e), false);
      throw e instanceof RuntimeCreateError ? new ExecStartError(`OCI runtime exec failed: ${errorMessage(e)}: unknown`) : e;
    }
    s.pid = ex.pid;
    s.markStarted();
    const outputEnded = new Promise<void>((resolve) => {
      if (ex.attach.isEnded) resolve();
      ex.attach.on('end', resolve);
    });
    if (io) {
      ex.attach.on('data', (stream, d) => io.write(stream, d));
      if (io.stdin && s.config.AttachStdin) {
        io.stdin.on('data', (d: Buffer) => ex.attach.write(d));
        // moby closes an exec's stdin at the client's EOF only without a TTY.
        if (!s.config.Tty) io.stdin.on('end', () => ex.attach.closeStdin());
      }
      // A client that went away (or detached) no longer wants the output; the process runs on.
      void io.closed?.then(() => ex.attach.destroy());
    } else {
      ex.attach.destroy();
    }
    const code = await ex.exitCode;
    // conmon closes the attach socket after the exit; the last output may still be in flight.
    await Promise.race([outputEnded, new Promise((r) => setTimeout(r, 2000).unref())]);
    ex.attach.destroy();
    return finish(code, true);
  }

  private processOf(spec: OciSpec, rootfs: string, cfg: ExecConfig, opts: ExecStartOptions): OciSpec['process'] {
    const base = spec.process;
    const env = [...(base.env ?? [])];
    // moby's CreateDaemonEnvironment: a TTY exec gets TERM even in a container without one.
    if (cfg.Tty && !env.some((e) => e.startsWith('TERM='))) env.push('TERM=xterm');
    for (const e of cfg.Env ?? []) {
      const k = e.split('=')[0];
      const i = env.findIndex((x) => x.split('=')[0] === k);
      if (i >= 0) env[i] = e;
      else env.push(e);
    }
    const p: OciSpec['process'] = { ...base, terminal: Boolean(cfg.Tty), args: cfg.Cmd ?? [], env, cwd: cfg.WorkingDir || base.cwd };
    if (cfg.User) {
      const u = resolveUser(rootfs, cfg.User, []);
      p.user = { uid: u.uid, gid: u.gid, additionalGids: u.additionalGids };
    }
    if (cfg.Privileged) {
      const all = allCapabilities();
      p.capabilities = { bounding: all, effective: all, permitted: all };
    }
    const [rows, cols] = opts.ConsoleSize ?? cfg.ConsoleSize ?? [0, 0];
    if (cfg.Tty && rows > 0 && cols > 0) p.consoleSize = { height: rows, width: cols };
    else delete p.consoleSize;
    return p;
  }
}

/** The exec's process could not start; the message is moby's, for the hijacked stream. */
export class ExecStartError extends Error {}

/** moby's translateContainerdStartErr for execs: 127 for a missing command, 126 otherwise. */
function startFailureCode(e: unknown): number {
  const m = errorMessage(e).toLowerCase();
  return m.includes('executable file not found') || m.includes('no such file or directory') ? 127 : 126;
}

