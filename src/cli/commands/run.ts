// `berth create` and `berth run` (docker/cli container/create.go and run.go): options → create
// body, the pull-on-missing dance, --cidfile, then for run: attach (hijacked) and wait before
// start, stdin pumped to the container, output demultiplexed, and the container's exit status.
import { closeSync, existsSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import { ApiError, type EngineClient } from '../../client/client.js';
import type { HijackedStream } from '../../client/hijack.js';
import { familiarString, isNamed, parseAnyReference, tagNameOnly, type Reference } from '../../image/reference.js';
import { CREATE_ANNOTATIONS, CREATE_FLAGS, RUN_FLAGS, parseCreateRequest, validatePullOpt, type CreateRequest } from '../container/create-opts.js';
import { changedSet, type SpecCommand } from '../container/spec-command.js';
import { awaitStreamed, streamHijacked } from '../container/stream.js';
import { StatusError, type CliContext } from '../context.js';
import { displayJsonMessages } from '../jsonmessage.js';
import type { Opts } from '../command.js';
import { errText } from './images.js';
import { authHeaderFor } from './credentials.js';

/** docker's `docker: MSG\n\nRun 'docker CMD --help' for more information` (cli.StatusError). */
export function runError(cmd: 'run' | 'create', msg: string, status = 125): StatusError {
  return new StatusError(`berth: ${msg}\n\nRun 'berth ${cmd} --help' for more information`, status);
}

/** run.go toStatusError: 127 for a missing executable, 126 for one that can't run, else 125. */
export function runStatusCode(msg: string): number {
  if (msg.includes('executable file not found') || msg.includes('no such file or directory') || msg.includes('system cannot find the file specified')) return 127;
  if (msg.includes('permission denied') || msg.includes('is a directory') || msg.includes('cannot execute')) return 126;
  return 125;
}

function consoleSize(ctx: CliContext): [number, number] {
  return ctx.out.isTTY ? [ctx.out.rows ?? 0, ctx.out.columns ?? 0] : [0, 0];
}

interface CreateOptions { name: string; platform: string; pull: string; quiet: boolean }

/** The cidfile as docker handles it: refused if present, removed again unless an id was written. */
class CidFile {
  private fd: number | undefined;
  private written = false;
  constructor(private readonly path: string) {
    if (!path) return;
    if (existsSync(path)) throw new Error(`container ID file found, make sure the other container isn't running or delete ${path}`);
    try {
      this.fd = openSync(path, 'w', 0o666);
    } catch (e) {
      throw new Error(`failed to create the container ID file: open ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
    }
  }
  write(id: string): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, id);
    this.written = true;
  }
  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    if (!this.written) {
      try {
        unlinkSync(this.path);
      } catch { /* gone already */ }
    }
  }
}

async function pullImage(ctx: CliContext, image: Reference, o: CreateOptions): Promise<void> {
  const res = await ctx.client.request('POST', '/images/create', {
    query: { fromImage: `${image.domain}/${image.path}`, tag: image.tag ?? image.digest, platform: o.platform || undefined },
    headers: { 'X-Registry-Auth': authHeaderFor(image.domain) },
  });
  // --quiet: the progress goes nowhere (errors still count).
  const sink = o.quiet ? (new Writable({ write(_c, _e, cb) { cb(); } }) as unknown as NodeJS.WriteStream) : ctx.err;
  try {
    await displayJsonMessages(ctx.client, res, sink);
  } catch (e) {
    throw new Error((e as Error).message);
  }
}

/** create.go createContainer: the id of the new container (warnings printed, cidfile written). */
export async function createContainer(ctx: CliContext, body: CreateRequest, o: CreateOptions): Promise<string> {
  const hc = body.HostConfig as Record<string, unknown>;
  if (hc.OomKillDisable === true && !hc.Memory) {
    ctx.err.write("WARNING: Disabling the OOM killer on containers without setting a '-m/--memory' limit may be dangerous.\n");
  }
  for (const dns of (hc.Dns as string[]) ?? []) {
    if (/((127\.([0-9]{1,3}\.){2}[0-9]{1,3})|(::1)$)/.test(dns)) {
      ctx.err.write(`WARNING: Localhost DNS setting (--dns=${dns}) may fail in containers.\n`);
      break;
    }
  }
  const cid = new CidFile(body.HostConfig.ContainerIDFile);
  try {
    const ref = parseAnyReference(body.Image);
    const named = isNamed(ref) ? tagNameOnly(ref) : undefined;
    if (o.pull === 'always' && named) await pullImage(ctx, named, o);
    const post = () => ctx.client.json<{ Id: string; Warnings: string[] | null }>('POST', '/containers/create', {
      query: { name: o.name || undefined, platform: o.platform || undefined },
      body,
    });
    let created: { Id: string; Warnings: string[] | null };
    try {
      created = await post();
    } catch (e) {
      if (e instanceof ApiError && e.status === 404 && named && o.pull === 'missing') {
        if (!o.quiet) ctx.err.write(`Unable to find image '${familiarString(named)}' locally\n`);
        await pullImage(ctx, named, o);
        created = await post();
      } else {
        throw e;
      }
    }
    for (const w of created.Warnings ?? []) ctx.err.write(`WARNING: ${w}\n`);
    cid.write(created.Id);
    return created.Id;
  } finally {
    cid.close();
  }
}

function buildRequest(cmd: 'run' | 'create', ctx: CliContext, o: Opts, args: string[]): CreateRequest {
  try {
    validatePullOpt(o.pull);
    const body = parseCreateRequest({ flags: o, changed: changedSet(o), image: args[0]!, args: args.slice(1), consoleSize: consoleSize(ctx) });
    if (o['use-api-socket']) {
      (body.HostConfig.Mounts ??= []).push({ Type: 'bind', Source: ctx.client.socketPath, Target: '/var/run/docker.sock' });
    }
    return body;
  } catch (e) {
    if (e instanceof StatusError) throw e;
    throw runError(cmd, (e as Error).message);
  }
}

const createOpts = (o: Opts): CreateOptions => ({ name: o.name, platform: o.platform, pull: o.pull, quiet: o.quiet });

export const createCmd: SpecCommand = {
  name: 'create',
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  description: 'Create a new container',
  interspersed: false,
  args: { min: 1 },
  spec: CREATE_FLAGS,
  annotations: CREATE_ANNOTATIONS,
  helpAliases: ['berth container create', 'berth create'],
  async run(ctx, o, args) {
    const body = buildRequest('create', ctx, o, args);
    const id = await createContainer(ctx, body, createOpts(o));
    ctx.print(id);
  },
};

const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGALRM'];

/** ForwardAllSignals: signals to the CLI go to the container (`kill?signal=INT`). Returns the undo. */
export function forwardSignals(client: EngineClient, id: string): () => void {
  const handlers = FORWARDED_SIGNALS.map((sig) => {
    const h = () => {
      client.request('POST', `/containers/${id}/kill`, { query: { signal: sig.slice(3) } }).then((r) => r.resume(), () => {});
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => { for (const [sig, h] of handlers) process.off(sig, h); };
}

/** MonitorTtySize: the container's TTY follows the terminal's size. Returns the undo. */
export function monitorTtySize(ctx: CliContext, resizePath: string): () => void {
  const resize = () => {
    const h = ctx.out.rows ?? 0;
    const w = ctx.out.columns ?? 0;
    if (!h && !w) return;
    ctx.client.request('POST', resizePath, { query: { h, w } }).then((r) => r.resume(), () => {});
  };
  resize();
  ctx.out.on('resize', resize);
  return () => { ctx.out.off('resize', resize); };
}

/**
 * waitExitOrRemoved: POST …/wait (the daemon answers with headers once it is waiting), then the
 * exit status when the container ends; `cancel` drops the request.
 */
export async function waitExitOrRemoved(client: EngineClient, id: string, waitRemove: boolean): Promise<{ status: Promise<number>; cancel(): void }> {
  const res = await client.request('POST', `/containers/${id}/wait`, { query: { condition: waitRemove ? 'removed' : 'next-exit' } });
  let cancelled = false;
  const status = (async () => {
    try {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      const r = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { StatusCode: number; Error?: { Message: string } | null };
      if (r.Error?.Message) {
        process.stderr.write(`Error waiting for container: ${r.Error.Message}\n`);
        return 125;
      }
      return r.StatusCode;
    } catch (e) {
      if (!cancelled) process.stderr.write(`error waiting for container: ${(e as Error).message}\n`);
      return 125;
    }
  })();
  return { status, cancel() { cancelled = true; res.destroy(); } };
}

export const runCmd: SpecCommand = {
  name: 'run',
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  description: 'Create and run a new container from an image',
  interspersed: false,
  args: { min: 1 },
  spec: RUN_FLAGS,
  annotations: CREATE_ANNOTATIONS,
  helpAliases: ['berth container run', 'berth run'],
  async run(ctx, o, args) {
    const body = buildRequest('run', ctx, o, args);
    if (!o.detach) {
      if (body.Tty && body.AttachStdin && !process.stdin.isTTY) throw new StatusError('the input device is not a TTY', 1);
    } else {
      if ((o.attach as string[]).length !== 0) throw new StatusError('conflicting options: cannot specify both --attach and --detach', 1);
      body.AttachStdin = false;
      body.AttachStdout = false;
      body.AttachStderr = false;
      body.StdinOnce = false;
    }

    let id: string;
    try {
      id = await createContainer(ctx, body, createOpts(o));
    } catch (e) {
      const msg = errText(e);
      throw runError('run', msg, runStatusCode(msg));
    }

    const undo: Array<() => void> = [];
    // As docker: with a TTY, ctrl-c is a byte on the terminal, not a signal to proxy.
    if (o['sig-proxy'] && !body.Tty) undo.push(forwardSignals(ctx.client, id));
    let hijacked: HijackedStream | undefined;
    try {
      if (!body.AttachStdout && !body.AttachStderr) ctx.print(id);
      const attach = body.AttachStdin || body.AttachStdout || body.AttachStderr;
      let streamed: Promise<void> | undefined;
      if (attach) {
        hijacked = await ctx.client.hijack('POST', `/containers/${id}/attach`, {
          query: { stream: true, stdin: body.AttachStdin, stdout: body.AttachStdout, stderr: body.AttachStderr, detachKeys: o['detach-keys'] || undefined },
        });
      }
      const waiter = await waitExitOrRemoved(ctx.client, id, body.HostConfig.AutoRemove);
      undo.push(() => waiter.cancel());
      const status = waiter.status;
      try {
        await ctx.client.request('POST', `/containers/${id}/start`).then((r) => r.resume());
      } catch (e) {
        hijacked?.close();
        const msg = errText(e);
        if (body.HostConfig.AutoRemove) await status;
        throw runError('run', msg, runStatusCode(msg));
      }
      if (hijacked) {
        streamed = streamHijacked(hijacked, {
          stdin: body.AttachStdin ? process.stdin : null,
          stdout: body.AttachStdout ? ctx.out : null,
          stderr: body.AttachStderr ? (body.Tty ? ctx.out : ctx.err) : null,
          tty: body.Tty,
          detachKeys: o['detach-keys'],
        });
        if (body.Tty && ctx.out.isTTY) undo.push(monitorTtySize(ctx, `/containers/${id}/resize`));
      }
      if (streamed && (await awaitStreamed(streamed, Boolean(body.AttachStdin)))) return 0;
      if (!body.AttachStdout && !body.AttachStderr) return 0;
      const code = await status;
      if (code !== 0) throw new StatusError('', code);
      return 0;
    } finally {
      hijacked?.close();
      for (const u of undo) u();
    }
  },
};
