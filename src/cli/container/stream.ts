// docker/cli's hijackedIOStreamer: copies a hijacked attach/exec connection to the terminal —
// stdcopy-demultiplexed to stdout/stderr (raw when the container has a TTY) — and stdin to the
// connection, half-closing it at stdin's EOF. With a TTY on a terminal, stdin is put in raw mode
// and the detach keys (default ctrl-p,ctrl-q) end the session without stopping the container.
import { spawnSync } from 'node:child_process';
import { Writable, type Readable } from 'node:stream';
import type { HijackedStream } from '../../client/hijack.js';
import { demux } from '../../common/stdcopy.js';

export interface StreamIO {
  stdin?: NodeJS.ReadableStream & Readable | null;
  stdout?: NodeJS.WritableStream & Writable | null;
  stderr?: NodeJS.WritableStream & Writable | null;
  tty: boolean;
  /** `--detach-keys`; only checked client-side with a TTY, as docker does. */
  detachKeys?: string;
}

/** The user typed the detach sequence. */
export class EscapeError extends Error {
  constructor() {
    super('read escape sequence');
  }
}

/** moby/term ToBytes: "ctrl-p,ctrl-q" → [16, 17]. */
export function detachKeyBytes(keys: string): number[] {
  const out: number[] = [];
  for (const k of keys.split(',')) {
    if (k.length > 1) {
      if (k.length !== 6 || !k.toLowerCase().startsWith('ctrl-')) throw new Error(`Unknown character: '${k}'`);
      const c = k[5]!;
      const lc = c.toLowerCase();
      if (lc >= 'a' && lc <= 'z') out.push(lc.charCodeAt(0) - 'a'.charCodeAt(0) + 1);
      else if (c === '@') out.push(0);
      else if (c >= '[' && c <= '_') out.push(c.charCodeAt(0) - '['.charCodeAt(0) + 27);
      else throw new Error(`Unknown character: '${k}'`);
    } else if (k.length === 1) {
      out.push(k.charCodeAt(0));
    }
  }
  return out;
}

const DEFAULT_DETACH = [16, 17];

const discard = () => new Writable({ write(_c, _e, cb) { cb(); } });

/**
 * Streams until the output ends (or, with no output wanted, until stdin is done). Rejects with
 * EscapeError on the detach sequence, or with the stream's error (a daemon error frame).
 */
export async function streamHijacked(h: HijackedStream, io: StreamIO): Promise<void> {
  const stdin = io.stdin ?? null;
  const wantOutput = Boolean(io.stdout || io.stderr);
  const ttyIn = Boolean(stdin && io.tty && (stdin as { isTTY?: boolean }).isTTY);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    if (ttyIn) (stdin as unknown as { setRawMode(b: boolean): void }).setRawMode(false);
  };
  if (ttyIn) {
    (stdin as unknown as { setRawMode(b: boolean): void }).setRawMode(true);
    // libuv's raw mode keeps ONLCR; docker's (cfmakeraw) does not, so the container's \r\n is
    // not doubled. setRawMode(false) restores the saved settings, ONLCR included.
    spawnSync('stty', ['-onlcr'], { stdio: ['inherit', 'ignore', 'ignore'] });
  }

  let escKeys = DEFAULT_DETACH;
  if (io.detachKeys) {
    try {
      escKeys = detachKeyBytes(io.detachKeys);
    } catch { /* docker warns and uses the default */ }
  }

  let onData: ((d: Buffer) => void) | undefined;
  let onEnd: (() => void) | undefined;
  const inputDone = new Promise<void>((resolve, reject) => {
    if (!stdin) {
      h.closeWrite();
      resolve();
      return;
    }
    let matched = 0;
    let held: number[] = [];
    onData = (chunk: Buffer) => {
      if (!ttyIn) {
        if (!h.input.write(chunk)) {
          stdin.pause();
          h.input.once('drain', () => stdin.resume());
        }
        return;
      }
      // moby/term's EscapeProxy: hold back a prefix of the detach sequence until it is complete.
      const out: number[] = [];
      for (const b of chunk) {
        if (b === escKeys[matched]) {
          held.push(b);
          matched++;
          if (matched === escKeys.length) {
            if (out.length) h.input.write(Buffer.from(out));
            cleanupInput();
            reject(new EscapeError());
            return;
          }
          continue;
        }
        if (matched > 0) {
          out.push(...held);
          held = [];
          matched = 0;
        }
        out.push(b);
      }
      if (out.length) h.input.write(Buffer.from(out));
    };
    onEnd = () => {
      cleanupInput();
      h.closeWrite();
      resolve();
    };
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.resume();
  });
  inputDone.catch(() => {}); // also awaited below; never an unhandled rejection
  const cleanupInput = () => {
    restore();
    if (stdin && onData) stdin.off('data', onData);
    if (stdin && onEnd) stdin.off('end', onEnd);
    stdin?.pause();
  };

  const outputDone = wantOutput
    ? (async () => {
        try {
          if (io.tty) {
            await new Promise<void>((resolve, reject) => {
              const out = io.stdout ?? discard();
              h.output.on('data', (d: Buffer) => {
                if (!out.write(d)) {
                  h.output.pause();
                  out.once('drain', () => h.output.resume());
                }
              });
              h.output.once('end', resolve);
              h.output.once('close', resolve);
              h.output.once('error', reject);
            });
          } else {
            await demux(h.output, io.stdout ?? discard(), io.stderr ?? discard());
          }
        } finally {
          restore();
        }
      })()
    : null;

  try {
    if (outputDone) {
      // Output ending ends the session; stdin ending first just waits for the output.
      await Promise.race([outputDone, inputDone.then(() => outputDone)]);
    } else {
      await inputDone;
    }
  } finally {
    cleanupInput();
  }
}

/**
 * Waits for a hijacked stream to end; true when the user detached with the detach keys. Stops
 * reading the terminal afterwards when stdin was attached, so the CLI can exit.
 */
export async function awaitStreamed(streamed: Promise<void>, usedStdin: boolean): Promise<boolean> {
  try {
    await streamed;
    return false;
  } catch (e) {
    if (e instanceof EscapeError) return true;
    throw e;
  } finally {
    if (usedStdin) {
      process.stdin.pause();
      if (!process.stdin.isTTY) process.stdin.destroy();
    }
  }
}
