// A real Docker daemon (Debian docker.io) on private roots and socket, for interchange tests.
// Never the system daemon: its own --data-root, --exec-root, socket and pidfile under /tmp.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from './daemon.js';

export function hasDockerd(): boolean {
  return spawnSync('sh', ['-c', 'command -v dockerd']).status === 0;
}

export class RefDockerd {
  readonly dir = mkdtempSync('/tmp/bt-dockerd-');
  readonly socket = join(this.dir, 'docker.sock');
  private proc?: ChildProcess;
  private logs = '';

  async start(): Promise<void> {
    this.proc = spawn('dockerd', [
      '--data-root', join(this.dir, 'data'), '--exec-root', join(this.dir, 'exec'), '-H', `unix://${this.socket}`,
      '--pidfile', join(this.dir, 'docker.pid'), '--bridge', 'none', '--iptables=false', '--ip6tables=false',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout!.on('data', (d) => { this.logs += d; });
    this.proc.stderr!.on('data', (d) => { this.logs += d; });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`dockerd exited: ${this.logs.slice(-2000)}`);
      if (existsSync(this.socket) && this.docker(['version']).code === 0) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`dockerd did not start: ${this.logs.slice(-2000)}`);
  }

  docker(args: string[], env: NodeJS.ProcessEnv = {}): RunResult {
    const r = spawnSync('docker', args, { env: { ...process.env, DOCKER_HOST: `unix://${this.socket}`, DOCKER_CONFIG: join(this.dir, 'cfg'), ...env }, maxBuffer: 1 << 30 });
    return { code: r.status ?? -1, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '' };
  }

  async cleanup(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null) {
      const done = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([done, new Promise((r) => { timer = setTimeout(r, 20_000); })]);
      clearTimeout(timer);
      if (p.exitCode === null) p.kill('SIGKILL');
    }
    // dockerd unmounts what it mounted on a clean stop; anything left is unmounted before removal.
    spawnSync('sh', ['-c', `grep -o ' ${this.dir}[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l`]);
    rmSync(this.dir, { recursive: true, force: true });
    // dockerd's cgroup parent (`docker` in each hierarchy) outlives it; rmdir only removes empty ones,
    // so a system dockerd's containers, if any, are never touched.
    spawnSync('sh', ['-c', 'for d in /sys/fs/cgroup/*/docker /sys/fs/cgroup/docker; do [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \\; 2>/dev/null; done; true']);
  }
}
