// config.json from buildSpec runs under the real runc with Docker's observable results: the
// capability masks, clamped ulimits, hostname and bound etc files, and a seccomp policy that
// blocks what Docker's blocks while busybox sh, runc init and tini run fine under it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostRlimits } from '../../src/runtime/host-limits.js';
import { buildSpec, specJson, type SpecInput } from '../../src/runtime/spec.js';
import { hostsFile, hostnameFile } from '../../src/container/etc-files.js';
import { resolveUser } from '../../src/container/user.js';

const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
const TINI = '/usr/bin/tini-static';
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const skip = process.getuid?.() !== 0 ? 'needs root' : !has('runc') ? 'runc not installed' : !BUSYBOX ? 'busybox-static not installed' : false;

// One cgroup parent per test process, removed at the end in every hierarchy (runc leaves it).
const PARENT = `berth-it-${process.pid}`;
let tmp = '';
let rootfs = '';
let n = 0;

function setupRootfs(): void {
  tmp = mkdtempSync(join(tmpdir(), 'berth-spec-runc-'));
  rootfs = join(tmp, 'rootfs');
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'home/u1', 'sbin']) mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync(BUSYBOX!, join(rootfs, 'bin/busybox'));
  const applets = spawnSync(BUSYBOX!, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter((a) => a && a !== 'busybox');
  for (const a of applets) symlinkSync('busybox', join(rootfs, 'bin', a));
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nu1:x:1000:1000:U One:/home/u1:/bin/sh\n');
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\ntty:x:5:u1\nu1:x:1000:\n');
  for (const f of ['hosts', 'hostname', 'resolv.conf']) writeFileSync(join(rootfs, 'etc', f), '');
  writeFileSync(join(tmp, 'hosts'), hostsFile({ hostname: 'berth-it', extraHosts: ['db:10.1.2.3'], networkMode: 'private' }));
  writeFileSync(join(tmp, 'hostname'), hostnameFile('berth-it'));
  writeFileSync(join(tmp, 'resolv.conf'), 'nameserver 10.255.255.53\n');
}

function removeCgroupParent(): string[] {
  const left: string[] = [];
  const seen = new Set<string>();
  for (const h of readdirSync('/sys/fs/cgroup')) {
    const dir = join('/sys/fs/cgroup', h, PARENT);
    if (!existsSync(dir)) continue;
    const real = realpathSync(dir);
    if (seen.has(real)) continue; // cpu and cpuacct are links to cpu,cpuacct
    seen.add(real);
    for (const leaf of readdirSync(dir, { withFileTypes: true })) if (leaf.isDirectory()) rmdirSync(join(dir, leaf.name));
    rmdirSync(dir);
    left.push(real);
  }
  return left;
}

interface Run { code: number | null; stdout: string; stderr: string }

function run(script: string, over: Partial<SpecInput> = {}, user = ''): Run {
  const id = `${PARENT}-${n++}`;
  const bundle = join(tmp, 'bundles', id);
  mkdirSync(bundle, { recursive: true });
  const spec = buildSpec({
    id,
    args: ['sh', '-c', script],
    env: [],
    cwd: '/',
    user: resolveUser(rootfs, user, []),
    tty: false,
    openStdin: false,
    hostname: 'berth-it',
    rootfsPath: rootfs,
    hostConfig: { ReadonlyRootfs: true },
    networkMode: 'private',
    etcFiles: { hosts: join(tmp, 'hosts'), hostname: join(tmp, 'hostname'), resolvConf: join(tmp, 'resolv.conf') },
    cgroupsPath: `/${PARENT}/${id}`,
    hostRlimits: hostRlimits(),
    ...over,
  });
  writeFileSync(join(bundle, 'config.json'), specJson(spec));
  try {
    const r = spawnSync('runc', ['--root', join(tmp, 'state'), 'run', '--bundle', bundle, id], { encoding: 'utf8', timeout: 30_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    spawnSync('runc', ['--root', join(tmp, 'state'), 'delete', '--force', id], { stdio: 'ignore' });
  }
}

const capEff = (out: string) => /^CapEff:\s*([0-9a-f]+)$/m.exec(out)?.[1];

describe('buildSpec under runc', { skip }, () => {
  before(setupRootfs);
  after(() => {
    if (tmp) {
      removeCgroupParent();
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('runs root with Docker\'s caps, clamped NOFILE, its hostname and etc files, under seccomp', () => {
    const r = run('id; grep Cap /proc/self/status; echo nofile=$(ulimit -n):$(ulimit -Hn); hostname; cat /etc/hosts; touch /x 2>/dev/null || echo ro-root');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^uid=0\(root\) gid=0\(root\) groups=0\(root\)$/m);
    assert.equal(capEff(r.stdout), '00000000a80425fb');
    assert.match(r.stdout, /^CapBnd:\s*00000000a80425fb$/m);
    assert.match(r.stdout, /^CapInh:\s*0000000000000000$/m);
    assert.match(r.stdout, /^CapAmb:\s*0000000000000000$/m);
    // Docker's 1048576 clamped to the daemon's hard limit (20000 on these hosts).
    const hard = Math.min(1048576, hostRlimits().get('RLIMIT_NOFILE')!.hard);
    assert.match(r.stdout, new RegExp(`^nofile=${hard}:${hard}$`, 'm'));
    assert.match(r.stdout, /^berth-it$/m);
    assert.match(r.stdout, /^127\.0\.0\.1\tlocalhost$/m);
    assert.match(r.stdout, /^10\.1\.2\.3\tdb$/m);
    assert.match(r.stdout, /^ro-root$/m);
  });

  it('blocks what Docker\'s default policy blocks: a user namespace without CAP_SYS_ADMIN', () => {
    const r = run('unshare -U true && echo allowed || echo denied');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^denied$/m);
    assert.match(r.stderr, /Operation not permitted/);
  });

  it('lets the same call through without seccomp, so the denial is seccomp\'s', () => {
    const r = run('unshare -U true && echo allowed || echo denied', { seccomp: null });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^allowed$/m);
  });

  it('gives CapEff 0 with --cap-drop ALL and to a non-root user', () => {
    const dropped = run('grep Cap /proc/self/status', { hostConfig: { ReadonlyRootfs: true, CapDrop: ['ALL'] } });
    assert.equal(dropped.code, 0, dropped.stderr);
    assert.equal(capEff(dropped.stdout), '0000000000000000');
    assert.match(dropped.stdout, /^CapBnd:\s*0000000000000000$/m);

    const u1 = run('id; grep Cap /proc/self/status; echo home=$HOME', {}, 'u1');
    assert.equal(u1.code, 0, u1.stderr);
    assert.match(u1.stdout, /^uid=1000\(u1\) gid=1000\(u1\) groups=5\(tty\),1000\(u1\)$/m);
    assert.equal(capEff(u1.stdout), '0000000000000000');
    assert.match(u1.stdout, /^CapBnd:\s*00000000a80425fb$/m);
    assert.match(u1.stdout, /^home=\/home\/u1$/m);
  });

  it('runs tini as docker-init under the default policy', { skip: !existsSync(TINI) && 'tini-static not installed' }, () => {
    const script = 'echo pid1=$(tr "\\0" " " </proc/1/cmdline | cut -d" " -f1); exit 3';
    const r = run('', { initPath: TINI, args: ['/sbin/docker-init', '--', 'sh', '-c', script] });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /^pid1=\/sbin\/docker-init$/m);
  });

  it('removes every cgroup parent it made', () => {
    const removed = removeCgroupParent();
    assert.ok(removed.length > 0, 'runc made the parent somewhere');
    assert.deepEqual(removeCgroupParent(), []);
  });
});
