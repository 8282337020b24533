// JSON progress streams as dockerd writes them (pull, push, build): an error before the first
// message is an ordinary HTTP error, a later one goes in-band; a client that disconnects cancels.
import type { ServerResponse } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import type { JsonMessage, ProgressSink } from '../distribution/progress.js';
import { messageOf } from './errors.js';
import { HANDLED, type Ctx } from './http.js';

/**
 * The request body behind a PassThrough: a failing extraction destroys its input, and destroying
 * the request itself would reset the connection before the client reads the error we send back.
 */
export function detachedBody(c: Ctx): Readable {
  const body = new PassThrough();
  c.req.pipe(body);
  body.on('close', () => { c.req.unpipe(body); c.req.resume(); });
  return body;
}

/**
 * A pull or push as dockerd answers it: an error before the first progress message is an HTTP
 * error, a later one goes into the stream; a client that disconnects cancels the work.
 */
export async function progressStream(c: Ctx, work: (out: LazyJsonStream, signal: AbortSignal) => Promise<unknown>): Promise<symbol> {
  const out = new LazyJsonStream(c.res);
  const abort = abortOnDisconnect(c.res);
  try {
    await work(out, abort.signal);
  } catch (e) {
    if (!out.started) throw e;
    out.error(e);
  } finally {
    abort.done();
  }
  c.res.end();
  return HANDLED;
}

/**
 * Docker's JSON message stream for pull and push, begun lazily: an error before the first message
 * is an ordinary HTTP error (404 for an unknown manifest, 500 for an unreachable registry), one
 * after it goes in-band, as moby's WriteFlusher decides.
 */
export class LazyJsonStream implements ProgressSink {
  started = false;
  constructor(private readonly res: ServerResponse) {}
  write(m: JsonMessage): void {
    if (!this.started) {
      this.started = true;
      this.res.writeHead(200, { 'Content-Type': 'application/json' });
    }
    if (!this.res.writableEnded && !this.res.destroyed) this.res.write(JSON.stringify(m) + '\r\n');
  }
  error(e: unknown): void {
    const message = messageOf(e);
    this.write({ errorDetail: { message }, error: message });
  }
}

/** Cancels a pull or push when its client goes away (moby's request context). */
export function abortOnDisconnect(res: ServerResponse): { signal: AbortSignal; done(): void } {
  const ac = new AbortController();
  const onClose = () => { if (!res.writableFinished) ac.abort(new Error('context canceled')); };
  res.on('close', onClose);
  return { signal: ac.signal, done: () => res.off('close', onClose) };
}

