// docker/cli's hijackedIOStreamer: copies a hijacked attach/exec connection to the terminal —
// stdcopy-demultiplexed to stdout/stderr (raw when the container has a TTY) — and stdin to the
// connection, half-closing it at stdin's EOF. With a TTY on a terminal, stdin is put in raw mode
// and the detach keys (default ctrl-p,ctrl-q) end the session without stopping the container.
import { spawnSync } from 'node:child_process';
import { Writable, type Readable } from 'node:stream';
import type { HijackedStream } from '../../client/hijack.js';
import { demux } from '../../common/stdcopy.js';
import { DEFAULT_DETACH_KEYS, DetachKeyFilter, parseDetachKeys } from '../../common/detach-keys.js';

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
export const detachKeyBytes = parseDetachKeys;

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

  let escKeys = parseDetachKeys(DEFAULT_DETACH_KEYS);
  if (io.detachKeys) {
    try {
      escKeys = parseDetachKeys(io.detachKeys);
    } catch { /* docker warns and uses the default */ }
  }
  const detachFilter = new DetachKeyFilter(escKeys);

  let onData: ((d: Buffer) => void) | undefined;
  let onEnd: (() => void) | undefined;
  const inputDone = new Promise<void>((resolve, reject) => {
    if (!stdin) {
      h.closeWrite();
      resolve();
      return;
    }
    onData = (chunk: Buffer) => {
      if (!ttyIn) {
        if (!h.input.write(chunk)) {
          stdin.pause();
          h.input.once('drain', () => stdin.resume());
        }
        return;
      }
      const { data, detached } = detachFilter.push(chunk);
      if (data.length) h.input.write(data);
      if (detached) {
        cleanupInput();
        reject(new EscapeError());
      }
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
