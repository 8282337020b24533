// /containers/* and /exec/*: the container lifecycle, attach, wait, logs and exec sessions.
import { invalidParameter } from '../../common/errors.js';
import type { ContainerService, WaitCondition } from '../../container/service.js';
import type { ExecService, ExecConfig } from '../../container/exec.js';
import type { CreateBody } from '../../container/create-config.js';
import { readLogs } from '../../container/logs/reader.js';
import { writeLogEntries } from '../../container/logs/format.js';
import { parseTimestampNs } from '../../container/logs/k8s-file.js';
import { HANDLED, NO_CONTENT, Status, boolValue, readJson, type Ctx } from '../http.js';
import { contentTypeFor, hijack } from '../hijack.js';
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
    return new Status(201, await containers.create(c.query.get('name') ?? undefined, body));
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

  r.post('/containers/{id}/resize', (c) => { containers.record(c.params[0]); return {}; });

  r.post('/containers/{id}/attach', async (c) => {
    const rec = containers.record(c.params[0]);
    const wantStdin = boolValue(c.query, 'stdin') && Boolean(rec.Config.OpenStdin);
    const stdout = boolValue(c.query, 'stdout');
    const stderr = boolValue(c.query, 'stderr');
    let stream: ReturnType<typeof hijack> | undefined;
    const pending: Array<['stdout' | 'stderr', Buffer]> = [];
    let ended = false;
    const { hub, detach } = await containers.attach(c.params[0], {
      stdout, stderr,
      write: (s, d) => { if (stream) return stream.write(s, d); pending.push([s, d]); return 0; },
      end: () => { ended = true; stream?.end(); },
      abort: () => stream?.destroy(),
    });
    stream = hijack(c, Boolean(rec.Config.Tty));
    for (const [s, d] of pending) stream.write(s, d);
    if (ended) stream.end();
    let stdinDone = false;
    const endStdin = () => {
      if (stdinDone) return;
      stdinDone = true;
      if (wantStdin) hub.stdinEnded();
    };
    if (wantStdin) {
      stream.stdin.on('data', (d: Buffer) => hub.writeStdin(d));
      stream.stdin.on('end', endStdin);
    } else {
      stream.stdin.resume();
    }
    void stream.closed.then(() => { detach(); endStdin(); });
    if (!boolValue(c.query, 'stream') && !boolValue(c.query, 'logs')) stream.end();
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
  r.post('/exec/{id}/resize', (c) => { execs.inspect(c.params[0]); return {}; });

  r.post('/exec/{id}/start', async (c) => {
    const body = (await readJson<{ Detach?: boolean; Tty?: boolean }>(c)) ?? {};
    const session = execs.prepare(c.params[0]);
    if (body.Detach) {
      void execs.start(c.params[0], undefined);
      return NO_CONTENT;
    }
    const tty = Boolean(body.Tty ?? session.config.Tty);
    const stream = hijack(c, tty);
    const wantStdin = Boolean(session.config.AttachStdin);
    if (!wantStdin) stream.stdin.resume();
    await execs.start(c.params[0], {
      stdin: wantStdin ? stream.stdin : undefined,
      write: (s, d) => {
        if (s === 'stdout' ? session.config.AttachStdout !== false : session.config.AttachStderr !== false) stream.write(s, d);
      },
      end: () => stream.end(),
    });
    return HANDLED;
  });
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
