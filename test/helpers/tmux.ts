// A private tmux server for driving interactive CLIs through a real terminal: each pane is a
// session of its own (so each has its own size), running one command directly (no shell in
// between, so C-c reaches the CLI itself and tmux records the CLI's own exit status).
//
// The server is reached only through its own socket in the caller's directory; kill() stops it
// through that socket, which also hangs up whatever still runs in its panes.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

let serial = 0;

export interface PaneExit {
  /** The exit status, or null when the process was killed by a signal. */
  status: number | null;
  signal: number | null;
}

export class Tmux {
  readonly socket: string;
  private readonly conf: string;
  private readonly env: NodeJS.ProcessEnv;
  private panes = 0;

  /** `dir` holds the socket and config (a test's temp dir); `env` is what the panes' commands get. */
  constructor(dir: string, env: NodeJS.ProcessEnv) {
    const n = `${process.pid}-${++serial}`;
    this.socket = join(dir, `tmux-${n}.sock`);
    this.conf = join(dir, `tmux-${n}.conf`);
    const { TMUX: _t, TMUX_PANE: _p, ...rest } = env;
    // TERM in the panes is default-terminal below; the tmux client itself only needs a known one.
    this.env = { ...rest, TERM: 'xterm-256color' };
    writeFileSync(this.conf, [
      // Keep a dead pane (and its screen) so its exit status can be read.
      'set -g remain-on-exit on',
      // No status line: the pane is the whole window, so the pane size is what was asked for.
      'set -g status off',
      'set -g default-terminal screen',
      'set -g history-limit 10000',
      // No client is ever attached, so a window's size is new-session's -x/-y until resize-window
      // (which itself turns the window's window-size to manual; `set -g window-size manual` here
      // makes tmux 3.3a's server exit at new-session).
      'set -g escape-time 0',
      '',
    ].join('\n'));
  }

  /** Run one tmux command on this server; throws with tmux's stderr when it fails. */
  tmux(...args: string[]): string {
    // -f only matters to the command that starts the server.
    const r = spawnSync('tmux', ['-S', this.socket, '-f', this.conf, ...args], { env: this.env, encoding: 'utf8' });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    return r.stdout;
  }

  /**
   * A new pane of `width` x `height` running `argv` directly, with this harness's env plus `env`.
   * The first pane starts the server.
   */
  pane(argv: string[], opts: { width?: number; height?: number; env?: Record<string, string> } = {}): Pane {
    const { width = 80, height = 24 } = opts;
    const name = `p${++this.panes}`;
    const envArgs: string[] = [];
    for (const [k, v] of Object.entries({ ...pick(this.env, 'DOCKER_HOST', 'DOCKER_CONFIG', 'DOCKER_CLI_HINTS', 'PATH'), ...opts.env })) envArgs.push('-e', `${k}=${v}`);
    this.tmux('new-session', '-d', '-s', name, '-x', String(width), '-y', String(height), ...envArgs, '--', ...argv);
    const pane = new Pane(this, name);
    const size = pane.size();
    if (size.width !== width || size.height !== height) throw new Error(`pane ${name} is ${size.width}x${size.height}, asked for ${width}x${height}`);
    return pane;
  }

  /** Stop this server (only this one: through its own socket). */
  kill(): void {
    if (this.panes) spawnSync('tmux', ['-S', this.socket, 'kill-server'], { env: this.env });
    rmSync(this.socket, { force: true });
    rmSync(this.conf, { force: true });
  }
}

export class Pane {
  constructor(readonly tmux: Tmux, readonly name: string) {}

  private get target(): string {
    return `=${this.name}:`;
  }

  /** Literal text, byte by byte (send-keys -H: nothing in it is taken as a key name or a `;`). */
  send(text: string): void {
    const hex = [...Buffer.from(text, 'utf8')].map((b) => b.toString(16).padStart(2, '0'));
    if (hex.length) this.tmux.tmux('send-keys', '-t', this.target, '-H', ...hex);
  }

  /** A line of input: the text, then Enter. */
  type(line: string): void {
    this.send(line);
    this.keys('Enter');
  }

  /** Keys by tmux name: 'Enter', 'C-c', 'C-p', 'C-q', ... each sent as its own key press. */
  keys(...keys: string[]): void {
    for (const k of keys) this.tmux.tmux('send-keys', '-t', this.target, k);
  }

  /**
   * Keys one at a time with a pause in between, as a person types them. Detach sequences need
   * this: docker's escape proxy (moby/term) only matches a key that arrives in a read of its own.
   */
  async press(...keys: string[]): Promise<void> {
    for (const [i, k] of keys.entries()) {
      if (i) await sleep(250);
      this.keys(k);
    }
  }

  /** The screen (and with `history`, the scrollback above it), wrapped lines joined, trailing blanks dropped. */
  capture(history = true): string {
    const out = this.tmux.tmux('capture-pane', '-p', '-J', ...(history ? ['-S', '-'] : []), '-t', this.target);
    return out.split('\n').map((l) => l.trimEnd()).join('\n').replace(/\n+$/, '') + '\n';
  }

  /** Polls the capture (with scrollback) every 50 ms until it matches; the error carries the last screen. */
  async waitFor(what: RegExp | ((screen: string) => boolean), timeoutMs = 10_000, label = String(what)): Promise<string> {
    const test = typeof what === 'function' ? what : (s: string) => what.test(s);
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    for (;;) {
      screen = this.capture();
      if (test(screen)) return screen;
      if (Date.now() > deadline) break;
      await sleep(50);
    }
    throw new Error(`pane ${this.name}: timed out after ${timeoutMs} ms waiting for ${label}; ${this.describe()}; screen:\n${fence(screen)}`);
  }

  /** Resize the pane's window and check the pane really has that size afterwards. */
  resize(width: number, height: number): void {
    this.tmux.tmux('resize-window', '-t', this.target, '-x', String(width), '-y', String(height));
    const size = this.size();
    if (size.width !== width || size.height !== height) throw new Error(`pane ${this.name} is ${size.width}x${size.height} after resize to ${width}x${height}`);
  }

  size(): { width: number; height: number } {
    const [w, h] = this.display('#{pane_width} #{pane_height}').split(' ').map(Number);
    return { width: w, height: h };
  }

  /** The pane's command's exit, or null while it runs. */
  exit(): PaneExit | null {
    const [dead, status, signal] = this.display('#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}').split('|');
    if (dead !== '1') return null;
    if (status === '' && signal === '') {
      // The pane is dead as soon as its pty closes; the status comes when tmux has reaped the
      // process. tmux 3.3a here sometimes leaves an exited docker CLI a zombie until some other
      // child of the server exits (seen: seconds, and for good), so give it one to reap.
      this.tmux.tmux('run-shell', '-b', 'true');
      return null;
    }
    return { status: status === '' ? null : Number(status), signal: signal === '' ? null : Number(signal) };
  }

  /** Waits for the pane's command to end; the error carries the last screen. */
  async waitExit(timeoutMs = 10_000): Promise<PaneExit> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const e = this.exit();
      if (e) return e;
      if (Date.now() > deadline) break;
      await sleep(50);
    }
    throw new Error(`pane ${this.name}: no exit status after ${timeoutMs} ms (${this.describe()}); screen:\n${fence(this.capture())}`);
  }

  /** Waits for the exit and returns its status, failing (with the screen) when it was a signal. */
  async exitCode(timeoutMs = 10_000): Promise<number> {
    const e = await this.waitExit(timeoutMs);
    if (e.status === null) throw new Error(`pane ${this.name}: killed by signal ${e.signal}; screen:\n${fence(this.capture())}`);
    return e.status;
  }

  describe(): string {
    const [dead, status, signal] = this.display('#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}').split('|');
    if (dead !== '1') return 'command still running';
    return status === '' && signal === '' ? 'command ended (exit status not reaped yet)' : `command exited (status ${status || '-'}, signal ${signal || '-'})`;
  }

  private display(format: string): string {
    return this.tmux.tmux('display-message', '-p', '-t', this.target, format).trim();
  }
}

export function hasTmux(): boolean {
  return spawnSync('tmux', ['-V']).status === 0;
}

/** Run `fn` with a fresh tmux server that is killed afterwards, whatever happens. */
export async function withTmux<T>(dir: string, env: NodeJS.ProcessEnv, fn: (t: Tmux) => Promise<T>): Promise<T> {
  const t = new Tmux(dir, env);
  try {
    return await fn(t);
  } finally {
    t.kill();
  }
}

function pick(env: NodeJS.ProcessEnv, ...keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) if (env[k] !== undefined) out[k] = env[k]!;
  return out;
}

function fence(screen: string): string {
  return `----\n${screen}----`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
