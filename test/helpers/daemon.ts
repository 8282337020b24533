// A real berthd on temporary roots and socket, driven through the berth CLI and the real docker
// CLI. Every test daemon is stopped and its directories removed, even when a test fails.
import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { networkLeaks, removeNetworkLeaks } from './network.js';
import { fileURLToPath } from 'node:url';
import { request } from 'node:http';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BERTH = join(ROOT, 'bin/berth');
export const BERTHD = join(ROOT, 'bin/berthd');

export interface RunResult { code: number; stdout: string; stderr: string }

export class TestDaemon {
  readonly dir: string;
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly socket: string;
  private proc?: ChildProcess;
  logs = '';
  /** Each test daemon puts its containers under its own cgroup, so leak checks are exact. */
  readonly cgroupParent: string;
  /** Its own default bridge, address pool and firewall chains, so test daemons never meet. */
  readonly bridge: string;
  readonly subnetBase: string;

  constructor(name = 'bt') {
    this.dir = mkdtempSync(`/tmp/${name}-`);
    this.dataRoot = join(this.dir, 'data');
    this.execRoot = join(this.dir, 'exec');
    this.socket = join(this.dir, 'berth.sock');
    this.cgroupParent = `berth-test-${this.dir.split('/').pop()}`;
    const r = randomBytes(3);
    this.bridge = `bt${r.toString('hex').slice(0, 5)}`;
    this.subnetBase = `10.${200 + (r[0]! % 50)}.${r[1]! % 256}`;
    mkdirSync(join(this.dir, 'docker-config'), { recursive: true });
  }

  async start(extra: string[] = []): Promise<void> {
    this.proc = spawn(process.execPath, ['--max-semi-space-size=1', BERTHD, '-H', `unix://${this.socket}`, '--data-root', this.dataRoot, '--exec-root', this.execRoot, '--log-level', 'debug', '--cgroup-parent', this.cgroupParent,
      '--bridge', this.bridge, '--bip', `${this.subnetBase}.1/24`, '--default-address-pool', `base=${this.subnetBase.split('.').slice(0, 2).join('.')}.0.0/16,size=24`,
      '--network-teardown', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout!.on('data', (d) => { this.logs += d; });
    this.proc.stderr!.on('data', (d) => { this.logs += d; });
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`berthd exited ${this.proc.exitCode}: ${this.logs}`);
      if (existsSync(this.socket) && (await this.ping())) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`berthd did not start: ${this.logs}`);
  }

  ping(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = request({ socketPath: this.socket, path: '/_ping', agent: false }, (res) => { res.resume(); resolve(res.statusCode === 200); });
      req.on('error', () => resolve(false));
      req.end();
    });
  }

  /** SIGTERM and wait; returns the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return p?.exitCode ?? null;
    const done = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
    p.kill(signal);
    return done;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  async cleanup(): Promise<void> {
    await this.stop();
    // Containers outlive berthd by design; a test's containers must not outlive the test.
    for (const pid of conmonPids(this.execRoot)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    spawnSync('sh', ['-c', `for r in $(ls ${this.execRoot}/runc 2>/dev/null); do runc --root ${this.execRoot}/runc delete --force $r; done`]);
    for (const m of mountsUnder(this.dir).reverse()) spawnSync('umount', ['-l', m]);
    for (const c of cgroupDirs(this.cgroupParent)) spawnSync('sh', ['-c', `find ${c} -depth -type d -exec rmdir {} \\; 2>/dev/null`]);
    removeNetworkLeaks(this.dataRoot, this.bridge, this.subnetBase.split('.').slice(0, 2).join('.'));
    rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * Asserts that the daemon's containers left no mount or conmon behind (after up to 5 s for
   * monitors still exiting), then stops the daemon and asserts no cgroup is left either.
   */
  async assertNoLeaks(): Promise<void> {
    const deadline = Date.now() + 5000;
    let leaks = this.leaks();
    while (Date.now() < deadline && (leaks.mounts.length || leaks.conmons.length)) {
      await new Promise((r) => setTimeout(r, 100));
      leaks = this.leaks();
    }
    assert.deepEqual(leaks.mounts, []);
    assert.deepEqual(leaks.conmons, []);
    await this.stop();
    assert.deepEqual(this.leaks().cgroups, []);
    assert.deepEqual(networkLeaks(this.dataRoot, this.bridge, this.subnetBase.split('.').slice(0, 2).join('.')), { links: [], rules: [] });
  }

  /** What this daemon's containers left behind: mounts, conmon processes, cgroup dirs. */
  leaks(): { mounts: string[]; conmons: number[]; cgroups: string[] } {
    return { mounts: mountsUnder(this.dir), conmons: conmonPids(this.execRoot), cgroups: cgroupDirs(this.cgroupParent) };
  }

  berthAsync(args: string[], opts: { input?: string | Buffer } = {}): Promise<RunResult> {
    return runAsync(process.execPath, [BERTH, ...args], this.env(), opts.input);
  }

  dockerAsync(args: string[], opts: { input?: string | Buffer } = {}): Promise<RunResult> {
    return runAsync('docker', args, this.env(), opts.input);
  }

  env(): NodeJS.ProcessEnv {
    return { ...process.env, DOCKER_HOST: `unix://${this.socket}`, DOCKER_CONFIG: join(this.dir, 'docker-config'), DOCKER_CLI_HINTS: 'false' };
  }

  berth(args: string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv } = {}): RunResult {
    return toResult(spawnSync(process.execPath, [BERTH, ...args], { env: { ...this.env(), ...opts.env }, input: opts.input, maxBuffer: 1 << 30 }));
  }

  docker(args: string[], opts: { input?: string | Buffer } = {}): RunResult {
    return toResult(spawnSync('docker', args, { env: this.env(), input: opts.input, maxBuffer: 1 << 30 }));
  }

  /** Raw HTTP against the socket. */
  http(method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
    return new Promise((resolve, reject) => {
      // A connection per request: Node 20's keep-alive agent can reuse a socket the daemon is
      // closing at its idle timeout, and the request then fails with EPIPE.
      const req = request({ socketPath: this.socket, method, path, headers, agent: false }, (res) => {
        let data = '';
        res.on('data', (d) => { data += d; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  readJson(rel: string): unknown {
    return JSON.parse(readFileSync(join(this.dataRoot, rel), 'utf8'));
  }
}

export function runAsync(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string | Buffer): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout!.on('data', (d) => { stdout += d; });
    p.stderr!.on('data', (d) => { stderr += d; });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    p.stdin!.end(input);
  });
}

export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m && m.startsWith(dir + '/'));
}

export function conmonPids(execRoot: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (cmd.startsWith('/usr/bin/conmon\0') && cmd.includes(execRoot + '/')) out.push(Number(p));
    } catch { /* exited */ }
  }
  return out;
}

export function cgroupDirs(parent: string): string[] {
  const out: string[] = [];
  for (const h of readdirSync('/sys/fs/cgroup')) {
    const p = join('/sys/fs/cgroup', h, parent);
    if (existsSync(p)) out.push(p);
  }
  return out;
}

function toResult(r: SpawnSyncReturns<Buffer>): RunResult {
  return { code: r.status ?? -1, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '' };
}

export function ok(r: RunResult, what = ''): string {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

export function hasDockerCli(): boolean {
  return spawnSync('docker', ['--version']).status === 0;
}

export function spawnOk(cmd: string, args: string[], opts: { cwd?: string; input?: Buffer } = {}): Buffer {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, input: opts.input, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** A daemon started before the file's tests with busybox bootstrapped, and cleaned up after. */
export function daemonWithBusybox(name: string): TestDaemon {
  const d = new TestDaemon(name);
  before(async () => {
    await d.start();
    ok(d.berth(['bootstrap', 'busybox']), 'bootstrap');
  });
  after(() => d.cleanup());
  return d;
}
