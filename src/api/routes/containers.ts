// /containers/* and /exec/*: the container lifecycle, attach, wait, logs and exec sessions.
import { PassThrough, type Readable } from 'node:stream';
import { errorMessage, invalidParameter } from '../../common/errors.js';
import { DEFAULT_DETACH_KEYS, DetachKeyFilter, parseDetachKeys } from '../../common/detach-keys.js';
import { nowNs } from '../../common/time.js';
import type { ContainerService, WaitCondition } from '../../container/service.js';
import { ExecStartError, type ExecService, type ExecConfig } from '../../container/exec.js';
import type { CreateBody } from '../../container/create-config.js';
import { readLogs } from '../../container/logs/reader.js';
import { writeLogEntries } from '../../container/logs/format.js';
import { parseTimestampNs } from '../../container/logs/k8s-file.js';
import { HANDLED, NO_CONTENT, Status, boolValue, readJson, type Ctx } from '../http.js';
import { contentTypeFor, hijack, type Hijacked } from '../hijack.js';
import type { Router } from '../router.js';

const optInt = (c: Ctx, key: string): number | undefined => {
  const v = c.query.get(key);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw invalidParameter(`invalid value for ${key}: ${v}`);
  return n;
};

export function containerRoutes(r: Router, containers: ContainerService, execs: ExecService): void {
  r.get('/containers/json', (c) => containers.list({
    all: boolValue(c.query, 'all'),
    limit: optInt(c, 'limit'),
    size: boolValue(c.query, 'size'),
    filters: c.query.get('filters') ?? undefined,
  }));

  r.post('/containers/create', async (c) => {
    const body = await readJson<CreateBody>(c);
    if (!body) throw invalidParameter('config cannot be empty in order to create a container');
    return new Status(201, await containers.create(c.query.get('name') ?? undefined, body, { platform: c.query.get('platform') ?? undefined }));
  });

  r.post('/containers/prune', (c) => containers.prune(c.query.get('filters') ?? undefined));

  r.get('/containers/{id}/json', (c) => containers.inspect(c.params[0], boolValue(c.query, 'size'), c.version));

  r.post('/containers/{id}/start', async (c) => {
    if (c.query.get('checkpoint')) throw invalidParameter('checkpoints are not supported');
    await containers.start(c.params[0]);
    return NO_CONTENT;
  });

  r.post('/containers/{id}/stop', async (c) => {
    await containers.stop(c.params[0], { timeout: optInt(c, 't'), signal: c.query.get('signal') ?? undefined });
    return NO_CONTENT;
  });

  r.post('/containers/{id}/restart', async (c) => {
    await containers.restart(c.params[0], { timeout: optInt(c, 't'), signal: c.query.get('signal') ?? undefined });
    return NO_CONTENT;
  });

  r.post('/containers/{id}/kill', async (c) => {
    await containers.kill(c.params[0], c.query.get('signal') ?? undefined);
    return NO_CONTENT;
  });

  r.post('/containers/{id}/pause', async (c) => {
    await containers.pause(c.params[0]);
    return NO_CONTENT;
  });

  r.post('/containers/{id}/unpause', async (c) => {
    await containers.unpause(c.params[0]);
    return NO_CONTENT;
  });

  r.delete('/containers/{id}', async (c) => {
    if (boolValue(c.query, 'link')) throw invalidParameter('legacy links are not supported');
    await containers.remove(c.params[0], { force: boolValue(c.query, 'force'), volumes: boolValue(c.query, 'v') });
    return NO_CONTENT;
  });

  r.post('/containers/{id}/rename', async (c) => {
    await containers.rename(c.params[0], c.query.get('name') ?? '');
    return NO_CONTENT;
  });

  r.post('/containers/{id}/wait', async (c) => {
    const cond = (c.query.get('condition') || 'not-running') as WaitCondition;
    if (!['not-running', 'next-exit', 'removed'].includes(cond)) throw invalidParameter(`invalid condition: "${cond}"`);
    const done = containers.wait(c.params[0], cond);
    // Headers go out at once: clients send wait before start and rely on it being registered.
    c.res.writeHead(200, { 'Content-Type': 'application/json' });
    c.res.flushHeaders();
    const code = await done;
    c.res.end(JSON.stringify({ StatusCode: code }) + '\n');
    return HANDLED;
  });

  r.post('/containers/{id}/resize', (c) => {
    const { rows, cols } = terminalSize(c);
    containers.resize(c.params[0], rows, cols);
    return emptyOk(c);
  });

  r.post('/containers/{id}/attach', async (c) => {
    const rec = containers.record(c.params[0]);
    const keys = detachKeys(c.query.get('detachKeys'));
    const wantStdin = boolValue(c.query, 'stdin') && Boolean(rec.Config.OpenStdin);
    const stdout = boolValue(c.query, 'stdout');
    const stderr = boolValue(c.query, 'stderr');
    const logs = boolValue(c.query, 'logs');
    const tty = Boolean(rec.Config.Tty);
    let stream: Hijacked | undefined;
    // Live output waits here until the stream is up and any replayed log has been written.
    let pending: Array<['stdout' | 'stderr', Buffer]> | undefined = [];
    let ended = false;
    const attachedNs = nowNs();
    const { hub, detach } = await containers.attach(c.params[0], {
      stdout, stderr,
      write: (s, d) => { if (stream && !pending) return stream.write(s, d); pending!.push([s, d]); return 0; },
      end: () => { ended = true; if (!pending) stream?.end(); },
      abort: () => stream?.destroy(),
    });
    stream = hijack(c, tty);
    const out = stream;
    // A container that keeps no log (the none driver) has nothing to replay.
    if (logs && (stdout || stderr) && rec.HostConfig.LogConfig?.Type !== 'none') {
      // The log up to the moment the live stream was joined, then the live stream.
      const files = containers.logFiles(rec.Id);
      await writeLogEntries(out.output, readLogs({ path: files.path, maxFiles: files.maxFiles }, {
        follow: false, stdout, stderr, until: attachedNs,
      }), { tty, timestamps: false }).catch(() => false);
    }
    for (const [s, d] of pending) out.write(s, d);
    pending = undefined;
    if (ended) out.end();
    let stdinDone = false;
    const release = () => {
      detach();
      if (stdinDone) return;
      stdinDone = true;
      if (wantStdin) hub.stdinEnded();
    };
    if (wantStdin) {
      const filter = new DetachKeyFilter(keys);
      const onData = (d: Buffer) => {
        const { data, detached } = filter.push(d);
        if (data.length) hub.writeStdin(data);
        if (!detached) return;
        out.stdin.off('data', onData);
        out.stdin.resume();
        containers.detached(rec.Id);
        release();
        out.end();
      };
      out.stdin.on('data', onData);
      out.stdin.on('end', () => { if (!stdinDone) { stdinDone = true; hub.stdinEnded(); } });
    } else {
      out.stdin.resume();
    }
    void out.closed.then(release);
    if (!boolValue(c.query, 'stream')) out.end();
    return HANDLED;
  });

  r.get('/containers/{id}/logs', async (c) => {
    const stdout = boolValue(c.query, 'stdout');
    const stderr = boolValue(c.query, 'stderr');
    if (!stdout && !stderr) throw invalidParameter('Bad parameters: you must choose at least one stream');
    const follow = boolValue(c.query, 'follow');
    const files = containers.logFiles(c.params[0]);
    const tailRaw = c.query.get('tail') ?? 'all';
    const tail = tailRaw === 'all' || tailRaw === '' ? undefined : Number(tailRaw);
    const since = sinceNs(c.query.get('since'));
    const until = sinceNs(c.query.get('until'));
    const ac = new AbortController();
    c.res.on('close', () => ac.abort());
    const tty = Boolean(files.rec.Config.Tty);
    c.res.writeHead(200, { 'Content-Type': contentTypeFor(c, tty) });
    c.res.flushHeaders();
    const entries = readLogs({ path: files.path, maxFiles: files.maxFiles }, {
      tail: tail !== undefined && Number.isFinite(tail) && tail >= 0 ? tail : undefined,
      since: since && since > 0n ? since : undefined,
      until: until && until > 0n ? until : undefined,
      follow: follow && files.stopped !== undefined,
      stdout, stderr,
      signal: ac.signal,
      stopped: files.stopped,
    });
    try {
      await writeLogEntries(c.res, entries, { tty, timestamps: boolValue(c.query, 'timestamps') });
    } catch { /* client went away */ }
    c.res.end();
    return HANDLED;
  });

  // ---- exec ----

  r.post('/containers/{id}/exec', async (c) => {
    const body = await readJson<ExecConfig>(c);
    if (!body) throw invalidParameter('config cannot be empty in order to create an exec');
    return new Status(201, execs.create(c.params[0], body));
  });

  r.get('/exec/{id}/json', (c) => execs.inspect(c.params[0]));
  r.post('/exec/{id}/resize', async (c) => {
    const { rows, cols } = terminalSize(c);
    await execs.resize(c.params[0], rows, cols);
    return emptyOk(c);
  });

  r.post('/exec/{id}/start', async (c) => {
    const body = (await readJson<{ Detach?: boolean; Tty?: boolean; ConsoleSize?: [number, number] | null }>(c)) ?? {};
    const session = execs.prepare(c.params[0]);
    const keys = detachKeys(session.config.DetachKeys || null);
    if (body.Detach) {
      void execs.start(c.params[0], undefined, body).catch(() => {});
      return NO_CONTENT;
    }
    const tty = Boolean(body.Tty ?? session.config.Tty);
    const stream = hijack(c, tty);
    const wantStdin = Boolean(session.config.AttachStdin);
    let stdin: Readable | undefined;
    if (wantStdin) {
      // The detach keys end the session's streams; the process carries on, as on Docker.
      const filter = new DetachKeyFilter(keys);
      const pass = new PassThrough();
      stream.stdin.on('data', (d: Buffer) => {
        if (pass.writableEnded) return;
        const { data, detached } = filter.push(d);
        if (data.length) pass.write(data);
        if (detached) {
          execs.detached(session.id);
          pass.end();
          stream.end();
        }
      });
      stream.stdin.on('end', () => pass.end());
      stdin = pass;
    } else {
      stream.stdin.resume();
    }
    try {
      await execs.start(c.params[0], {
        stdin,
        write: (s, d) => {
          if (s === 'stdout' ? session.config.AttachStdout !== false : session.config.AttachStderr !== false) stream.write(s, d);
        },
        end: () => stream.end(),
        closed: stream.closed,
      }, body);
    } catch (e) {
      // moby writes the error as output (stdout when multiplexed), for the CLI to print.
      if (e instanceof ExecStartError) stream.write('stdout', Buffer.from(`${e.message}\r\n`));
      else stream.systemError(errorMessage(e));
      stream.end();
    }
    return HANDLED;
  });
}

/** The detach keys of a request (moby's default when absent), refused with Docker's text when invalid. */
function detachKeys(v: string | null): number[] {
  const keys = v || DEFAULT_DETACH_KEYS;
  try {
    return parseDetachKeys(keys);
  } catch {
    throw invalidParameter(`Invalid detach keys (${keys}) provided`);
  }
}

/** The h and w of a resize, parsed as moby parses them (unsigned 32-bit). */
function terminalSize(c: Ctx): { rows: number; cols: number } {
  const parse = (key: string): number => {
    const v = c.query.get(key) ?? '';
    if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw invalidParameter(`strconv.ParseUint: parsing ${JSON.stringify(v)}: invalid syntax`);
    return Number(v);
  };
  return { rows: parse('h'), cols: parse('w') };
}

/** 200 with an empty body, as moby answers resize. */
function emptyOk(c: Ctx): typeof HANDLED {
  c.res.writeHead(200, { 'Content-Length': '0' });
  c.res.end();
  return HANDLED;
}

/** Docker's since/until: unix seconds with an optional fraction, or an RFC 3339 time. */
function sinceNs(v: string | null): bigint | undefined {
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) {
    const [s, f = ''] = v.split('.');
    return BigInt(s) * 1_000_000_000n + BigInt((f + '000000000').slice(0, 9));
  }
  const ns = parseTimestampNs(v);
  if (ns === undefined) throw invalidParameter(`invalid value for since/until: ${v}`);
  return ns;
}
