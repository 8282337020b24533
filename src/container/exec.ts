// Exec sessions: extra processes in a running container. Without a TTY they run as plain
// `runc exec` children of berthd with pipes, as the runtime notes recommend: the exit code is
// runc's and the streams need no monitor (Docker's exec streams don't survive a restart either).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants as osConstants } from 'node:os';
import { rmSync, writeFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { conflict, invalidParameter, notFound } from '../common/errors.js';
import type { Runc } from '../runtime/runc.js';
import type { OciSpec } from '../runtime/spec.js';
import { allCapabilities } from '../runtime/spec.js';
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
  child?: ChildProcess;
  canRemove: boolean;
}

export interface ExecIO {
  stdin?: Readable;
  write(stream: 'stdout' | 'stderr', data: Buffer): void;
  end(): void;
}

/** Finished sessions are kept this long for `exec inspect`, as Docker keeps them until gc. */
const KEEP_FINISHED_MS = 5 * 60_000;

export class ExecService {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly containers: ContainerService, private readonly runc: Runc, private readonly layout: Layout) {}

  create(containerRef: string, cfg: ExecConfig): { Id: string } {
    const { rec } = this.containers.processSpec(containerRef);
    if (!cfg.Cmd || cfg.Cmd.length === 0) throw invalidParameter('No exec command specified');
    const id = randomBytes(32).toString('hex');
    this.sessions.set(id, { id, containerId: rec.Id, config: cfg, running: false, exitCode: null, pid: 0, canRemove: false });
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

  /** Runs the session; resolves with the exit code once its output has ended. */
  start(id: string, io: ExecIO | undefined): Promise<number> {
    const s = this.prepare(id);
    const { rec, spec, rootfs } = this.containers.processSpec(s.containerId);
    const processFile = `${this.layout.tmp}/exec-${id}.json`;
    writeFileSync(processFile, JSON.stringify(this.processOf(spec, rootfs, s.config)));
    const child = spawn(this.runc.binary, ['--root', this.runc.root, 'exec', '--process', processFile, rec.Id], {
      stdio: [io?.stdin && s.config.AttachStdin ? 'pipe' : 'ignore', io ? 'pipe' : 'ignore', io ? 'pipe' : 'ignore'],
    });
    s.child = child;
    s.running = true;
    s.pid = child.pid ?? 0;
    this.containers.events.emit('container', 'exec_start', rec.Id, this.containers.attrs(rec, { execID: id, [`exec_start: ${(s.config.Cmd ?? []).join(' ')}`]: '' }));
    if (io) {
      child.stdout!.on('data', (d: Buffer) => io.write('stdout', d));
      child.stderr!.on('data', (d: Buffer) => io.write('stderr', d));
      if (io.stdin && child.stdin) {
        io.stdin.pipe(child.stdin);
        child.stdin.on('error', () => { /* the process closed its stdin */ });
      }
    }
    return new Promise((resolve) => {
      const finish = (code: number) => {
        rmSync(processFile, { force: true });
        s.running = false;
        s.exitCode = code;
        s.pid = 0;
        s.child = undefined;
        s.canRemove = true;
        this.containers.events.emit('container', 'exec_die', rec.Id, this.containers.attrs(rec, { execID: id, exitCode: String(code) }));
        io?.end();
        setTimeout(() => { this.sessions.delete(id); this.containers.trackExec(s.containerId, id, false); }, KEEP_FINISHED_MS).unref();
        resolve(code);
      };
      child.once('error', () => finish(126));
      child.once('close', (code, signal) => finish(code ?? (signal ? 128 + signalNumber(signal) : 255)));
    });
  }

  private processOf(spec: OciSpec, rootfs: string, cfg: ExecConfig): OciSpec['process'] {
    const base = spec.process;
    const env = [...(base.env ?? [])];
    for (const e of cfg.Env ?? []) {
      const k = e.split('=')[0];
      const i = env.findIndex((x) => x.split('=')[0] === k);
      if (i >= 0) env[i] = e;
      else env.push(e);
    }
    const p: OciSpec['process'] = { ...base, terminal: false, args: cfg.Cmd ?? [], env, cwd: cfg.WorkingDir || base.cwd };
    if (cfg.User) {
      const u = resolveUser(rootfs, cfg.User, []);
      p.user = { uid: u.uid, gid: u.gid, additionalGids: u.additionalGids };
    }
    if (cfg.Privileged) {
      const all = allCapabilities();
      p.capabilities = { bounding: all, effective: all, permitted: all };
    }
    delete (p as { consoleSize?: unknown }).consoleSize;
    return p;
  }
}

function signalNumber(sig: NodeJS.Signals): number {
  return (osConstants.signals as Record<string, number>)[sig] ?? 0;
}
