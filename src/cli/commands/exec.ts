// `berth exec` (docker/cli container/exec.go): inspect first (so "no such container" wins), create
// the exec, then start it detached or hijacked, and exit with the exec's exit code.
import { DaemonUnreachable } from '../../client/client.js';
import { readKVEnvStrings } from '../opts/kvfile.js';
import { validateEnv } from '../opts/validate.js';
import type { SpecCommand } from '../container/spec-command.js';
import { awaitStreamed, streamHijacked } from '../container/stream.js';
import { StatusError } from '../context.js';
import { monitorTtySize } from './run.js';

/** The body of POST /containers/{id}/exec, as docker CLI builds it (parseExec). */
export interface ExecCreateRequest {
  User: string;
  Privileged: boolean;
  Tty: boolean;
  ConsoleSize?: [number, number];
  AttachStdin: boolean;
  AttachStderr: boolean;
  AttachStdout: boolean;
  Detach: boolean;
  DetachKeys: string;
  Env: string[] | null;
  WorkingDir: string;
  Cmd: string[];
}

export function parseExec(o: Record<string, any>, cmd: string[]): ExecCreateRequest {
  let env: string[];
  try {
    env = readKVEnvStrings(o['env-file'] ?? [], o.env ?? []);
  } catch (e) {
    throw new StatusError((e as Error).message, 1);
  }
  const detach = Boolean(o.detach);
  const tty = Boolean(o.tty);
  return {
    User: o.user ?? '',
    Privileged: Boolean(o.privileged),
    Tty: tty,
    ...(tty ? { ConsoleSize: [0, 0] as [number, number] } : {}),
    AttachStdin: !detach && Boolean(o.interactive),
    AttachStderr: !detach,
    AttachStdout: !detach,
    Detach: detach,
    DetachKeys: o['detach-keys'] ?? '',
    Env: env.length ? env : null,
    WorkingDir: o.workdir ?? '',
    Cmd: cmd,
  };
}

export const execCmd: SpecCommand = {
  name: 'exec',
  usage: '[OPTIONS] CONTAINER COMMAND [ARG...]',
  description: 'Execute a command in a running container',
  interspersed: false,
  args: { min: 2 },
  helpAliases: ['berth container exec', 'berth exec'],
  spec: {
    detach: { type: 'bool', short: 'd', usage: 'Detached mode: run command in the background' },
    'detach-keys': { type: 'string', usage: 'Override the key sequence for detaching a container' },
    env: { type: 'stringArray', short: 'e', typeName: 'list', usage: 'Set environment variables', validate: (v) => validateEnv(v) },
    'env-file': { type: 'stringArray', typeName: 'list', usage: 'Read in a file of environment variables' },
    interactive: { type: 'bool', short: 'i', usage: 'Keep STDIN open even if not attached' },
    privileged: { type: 'bool', usage: 'Give extended privileges to the command' },
    tty: { type: 'bool', short: 't', usage: 'Allocate a pseudo-TTY' },
    user: { type: 'string', short: 'u', usage: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
    workdir: { type: 'string', short: 'w', usage: 'Working directory inside the container' },
  },
  async run(ctx, o, args) {
    const [container, ...cmd] = args;
    const req = parseExec(o, cmd);
    await ctx.client.get(`/containers/${encodeURIComponent(container!)}/json`);
    if (!o.detach && req.Tty && req.AttachStdin && !process.stdin.isTTY) throw new StatusError('the input device is not a TTY', 1);
    if (req.Tty) req.ConsoleSize = ctx.out.isTTY ? [ctx.out.rows ?? 0, ctx.out.columns ?? 0] : [0, 0];
    const created = await ctx.client.json<{ Id: string }>('POST', `/containers/${encodeURIComponent(container!)}/exec`, { body: req });
    const id = created.Id;
    if (!id) throw new StatusError('exec ID empty', 1);
    const start = { Detach: Boolean(o.detach), Tty: req.Tty, ...(req.ConsoleSize ? { ConsoleSize: req.ConsoleSize } : {}) };
    if (o.detach) {
      (await ctx.client.request('POST', `/exec/${id}/start`, { body: start })).resume();
      return 0;
    }
    const h = await ctx.client.hijack('POST', `/exec/${id}/start`, { body: start });
    const undo: Array<() => void> = [];
    try {
      const streamed = streamHijacked(h, {
        stdin: req.AttachStdin ? process.stdin : null,
        stdout: ctx.out,
        stderr: req.Tty ? ctx.out : ctx.err,
        tty: req.Tty,
        detachKeys: req.DetachKeys,
      });
      if (req.Tty && process.stdin.isTTY) undo.push(monitorTtySize(ctx, `/exec/${id}/resize`));
      if (await awaitStreamed(streamed, Boolean(req.AttachStdin))) return 0;
    } finally {
      h.close();
      for (const u of undo) u();
    }
    try {
      const r = await ctx.client.get<{ ExitCode: number | null }>(`/exec/${id}/json`);
      const status = r.ExitCode ?? 0;
      if (status !== 0) throw new StatusError('', status);
    } catch (e) {
      if (e instanceof DaemonUnreachable) throw new StatusError('', 255);
      throw e;
    }
    return 0;
  },
};
