#!/usr/bin/env node
// Builds every case of the Dockerfile corpus (test/integration/build-corpus.ts) on a real
// Docker daemon with the legacy builder (DOCKER_BUILDKIT=0) and prints where the corpus's
// expectations differ from what Docker did, so that every expectation is Docker's truth.
//
//   node scripts/verify-build-corpus.mjs [--verbose] [case-name … | cache]
//
// The daemon is private: Debian's dockerd on its own --data-root, --exec-root, socket and
// pidfile under /tmp, --bridge none, no iptables; never the system daemon or /var/lib/docker.
// Its busybox is berth's bootstrap image (same archive, same id, same config), loaded with
// `docker load`. It is stopped by its PID and its directories removed at the end.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const only = argv.filter((a) => !a.startsWith('--'));

// The corpus and berth's bootstrap image, compiled on their own into a private directory (the
// shared build/ is left alone). Both import only node and tar-stream.
const out = mkdtempSync('/tmp/bvc-js-');
let C;
let busyboxArchive;
try {
  symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'));
  const tsc = spawnSync(join(root, 'node_modules/.bin/tsc'), [
    '--outDir', out, '--rootDir', root, '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext',
    '--strict', '--esModuleInterop', '--skipLibCheck', '--types', 'node',
    join(root, 'test/integration/build-corpus.ts'), join(root, 'src/cli/bootstrap.ts'),
  ], { encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(`tsc: ${tsc.stdout}${tsc.stderr}`);
  C = await import(join(out, 'test/integration/build-corpus.js'));
  ({ busyboxArchive } = await import(join(out, 'src/cli/bootstrap.js')));
} finally {
  rmSync(out, { recursive: true, force: true });
}

// dockerd may still be being installed by apt in the background.
for (let i = 0; spawnSync('sh', ['-c', 'command -v dockerd']).status !== 0; i++) {
  if (i === 0) console.log('waiting for dockerd to be installed…');
  if (i > 600) throw new Error('dockerd is not installed');
  await new Promise((r) => setTimeout(r, 1000));
}

const dir = mkdtempSync('/tmp/bvc-');
const socket = join(dir, 'docker.sock');
const env = { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: join(dir, 'cfg'), DOCKER_BUILDKIT: '0', DOCKER_CLI_HINTS: 'false' };
const docker = (args, opts = {}) => {
  const r = spawnSync('docker', args, { env, input: opts.input, maxBuffer: 1 << 30 });
  return { code: r.status ?? -1, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '' };
};
let dockerd;
let logs = '';

async function startDockerd() {
  logs = '';
  dockerd = spawn('dockerd', [
    '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '-H', `unix://${socket}`,
    '--pidfile', join(dir, 'docker.pid'), '--bridge', 'none', '--iptables=false', '--ip6tables=false',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  dockerd.stdout.on('data', (d) => { logs += d; });
  dockerd.stderr.on('data', (d) => { logs += d; });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (dockerd.exitCode !== null) throw new Error(`dockerd exited: ${logs.slice(-2000)}`);
    if (existsSync(socket) && docker(['version']).code === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`dockerd did not start: ${logs.slice(-2000)}`);
}

async function stopDockerd() {
  const p = dockerd;
  if (!p || p.exitCode !== null) return;
  const done = new Promise((r) => p.once('exit', r));
  process.kill(p.pid, 'SIGTERM');
  let timer;
  await Promise.race([done, new Promise((r) => { timer = setTimeout(r, 20_000); })]);
  clearTimeout(timer);
  if (p.exitCode === null) { process.kill(p.pid, 'SIGKILL'); await done; }
}

async function cleanup() {
  await stopDockerd();
  spawnSync('sh', ['-c', `grep -o ' ${dir}[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l`]);
  rmSync(dir, { recursive: true, force: true });
}

let failures = 0;
let server;
// Interrupted: the daemon is still stopped and its directories removed.
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => { server?.close(); cleanup().finally(() => process.exit(130)); });
try {
  await startDockerd();
  const archive = join(dir, 'busybox.tar');
  writeFileSync(archive, await busyboxArchive('busybox:latest'));
  const loaded = docker(['load', '-i', archive]);
  if (loaded.code !== 0) throw new Error(`load busybox: ${loaded.stderr}`);
  server = await C.serveHttpFiles();
  const vars = { HTTP: server.url };
  const harness = { env, workDir: join(dir, 'work'), vars };

  // Named cases bring the cases they build FROM.
  const wanted = new Set(only);
  for (const c of [...C.corpus].reverse()) if (wanted.has(c.name)) for (const a of c.after ?? []) wanted.add(a);
  const selected = C.corpus.filter((c) => c.dockerLegacy !== false && (!only.length || wanted.has(c.name)));
  const skipped = C.corpus.filter((c) => c.dockerLegacy === false).map((c) => c.name);
  const ok = selected.filter((c) => !c.expect.error);
  const bad = selected.filter((c) => c.expect.error);
  const results = C.scheduleCases(ok, 4, (c) => C.buildAndObserve(c, harness));
  const report = async (c, obs) => {
    const mism = C.compare(c, obs, vars);
    if (mism.length) failures++;
    console.log(mism.length ? `FAIL ${c.name}\n  ${mism.join('\n  ')}` : `ok   ${c.name}`);
    if (argv.includes('--verbose')) console.log(`  stdout:\n${obs.build.stdout}\n  stderr:\n${obs.build.stderr}`);
  };
  for (const c of ok) await report(c, await results.get(c.name));
  // Failing builds one at a time: each checks that `docker images` and `docker ps -a` are unchanged.
  for (const c of bad) await report(c, await C.buildAndObserve(c, harness));

  if (!only.length || only.includes('cache')) {
    const mism = await C.runCacheScenario(harness, { restart: async () => { await stopDockerd(); await startDockerd(); }, afterBuilderPrune: 'cached' });
    if (mism.length) { failures++; console.log(`FAIL cache scenario\n  ${mism.join('\n  ')}`); } else console.log('ok   cache scenario');
  }
  console.log(`\n${selected.length} cases verified against dockerd ${docker(['version', '-f', '{{.Server.Version}}']).stdout.trim()} (legacy builder)` +
    `, ${failures} failing; skipped as BuildKit-only: ${skipped.join(', ') || 'none'}`);
} finally {
  server?.close();
  await cleanup();
}
process.exit(failures ? 1 : 0);
