// Expectations are config.json files written by a real dockerd 20.10 (Debian docker.io) on this host
// type, for the same options; where berth differs on purpose the test says why.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '../../src/common/errors.js';
import { parseProcLimits } from '../../src/runtime/host-limits.js';
import { seccompFor } from '../../src/runtime/seccomp.js';
import {
  allCapabilities, buildSpec, DEFAULT_CAPS, mergeTmpfsOptions, parseSecurityOpt, specJson, validateCapabilities, type SpecInput,
} from '../../src/runtime/spec.js';

const ID = 'a'.repeat(64);
const host = parseProcLimits('Max open files            20000                20000                files\nMax core file size        0                    unlimited            bytes\n');

function input(over: Partial<SpecInput> = {}, hc: SpecInput['hostConfig'] = {}): SpecInput {
  return {
    id: ID,
    args: ['sleep', '1000'],
    env: [],
    cwd: '',
    user: { uid: 0, gid: 0, additionalGids: [0], home: '/root' },
    tty: false,
    openStdin: false,
    hostname: 'aaaaaaaaaaaa',
    rootfsPath: '/merged',
    hostConfig: hc,
    networkMode: 'none',
    etcFiles: { hosts: '/c/hosts', hostname: '/c/hostname', resolvConf: '/c/resolv.conf' },
    cgroupsPath: `/berth/${ID}`,
    hostRlimits: host,
    seccomp: null,
    ...over,
  };
}

function throwsInvalid(fn: () => unknown, message: string) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isBerthError(e, 'InvalidParameter'), `expected InvalidParameter, got ${String(e)}`);
    assert.equal((e as Error).message, message);
    return true;
  });
}

const dests = (s: ReturnType<typeof buildSpec>) => s.mounts.map((m) => m.destination);

describe('buildSpec: a default container', () => {
  const s = buildSpec(input());

  it('has Docker\'s process: user, env, cwd, 14 caps, clamped NOFILE', () => {
    assert.equal(s.ociVersion, '1.0.2-dev');
    assert.deepEqual(s.process.user, { uid: 0, gid: 0, additionalGids: [0] });
    assert.deepEqual(s.process.env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=aaaaaaaaaaaa', 'HOME=/root']);
    assert.equal(s.process.cwd, '/');
    assert.equal(s.process.terminal, false);
    assert.deepEqual(s.process.capabilities.bounding, [
      'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
      'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
    ]);
    assert.deepEqual(s.process.capabilities.effective, s.process.capabilities.bounding);
    assert.deepEqual(s.process.capabilities.permitted, s.process.capabilities.bounding);
    assert.deepEqual(s.process.capabilities.inheritable, []);
    assert.deepEqual(s.process.capabilities.ambient, []);
    // Docker's 1048576, clamped to the daemon's hard limit (runc fails above it).
    assert.deepEqual(s.process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 20000, soft: 20000 }]);
    assert.equal(s.process.noNewPrivileges, false);
    assert.equal(s.process.oomScoreAdj, 0);
  });

  it('has Docker\'s mounts, in Docker\'s order', () => {
    assert.deepEqual(s.mounts, [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=67108864'] },
      { destination: '/etc/resolv.conf', type: 'bind', source: '/c/resolv.conf', options: ['rbind', 'rprivate'] },
      { destination: '/etc/hostname', type: 'bind', source: '/c/hostname', options: ['rbind', 'rprivate'] },
      { destination: '/etc/hosts', type: 'bind', source: '/c/hosts', options: ['rbind', 'rprivate'] },
    ]);
  });

  it('has Docker\'s linux section on a cgroup v1 host', () => {
    assert.deepEqual(s.root, { path: '/merged', readonly: false });
    assert.equal(s.hostname, 'aaaaaaaaaaaa');
    assert.equal(s.linux.cgroupsPath, `/berth/${ID}`);
    assert.deepEqual(s.linux.namespaces.slice(0, 5), [{ type: 'mount' }, { type: 'network' }, { type: 'uts' }, { type: 'pid' }, { type: 'ipc' }]);
    assert.deepEqual(s.linux.sysctl, { 'net.ipv4.ip_unprivileged_port_start': '0', 'net.ipv4.ping_group_range': '0 2147483647' });
    assert.deepEqual(s.linux.resources, {
      devices: [
        { allow: false, access: 'rwm' },
        { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
        { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
        { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' },
        { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' },
        { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },
        { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' },
        { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' },
      ],
    });
    // Docker 20.10's lists plus the two later releases added (/proc/interrupts, powercap).
    assert.deepEqual(s.linux.maskedPaths, [
      '/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
      '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
    ]);
    assert.deepEqual(s.linux.readonlyPaths, ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']);
    assert.equal(s.linux.seccomp, undefined);
  });
});

describe('buildSpec: options', () => {
  it('adds TERM with a tty, lets the container env override defaults in place, and unsets with a bare name', () => {
    const s = buildSpec(input({ tty: true, env: ['PATH=/x', 'TERM=vt100', 'A=1', 'HOME=/h'], hostname: 'hh' }));
    assert.deepEqual(s.process.env, ['PATH=/x', 'HOSTNAME=hh', 'TERM=vt100', 'A=1', 'HOME=/h']);
    assert.equal(s.process.terminal, true);
    assert.deepEqual(buildSpec(input({ env: ['HOSTNAME', 'B=2'] })).process.env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'B=2', 'HOME=/root']);
  });

  it('normalises CapAdd/CapDrop like Docker: case, CAP_ prefix, ALL', () => {
    const caps = (hc: SpecInput['hostConfig']) => buildSpec(input({}, hc)).process.capabilities.bounding;
    assert.deepEqual(caps({ CapAdd: ['CAP_NET_ADMIN', 'sys_admin'], CapDrop: ['chown'] }), [
      'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP',
      'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE', 'CAP_NET_ADMIN', 'CAP_SYS_ADMIN',
    ]);
    assert.deepEqual(caps({ CapDrop: ['all'] }), []);
    assert.deepEqual(caps({ CapDrop: ['ALL'], CapAdd: ['chown'] }), ['CAP_CHOWN']);
    assert.deepEqual(caps({ CapAdd: ['ALL'], CapDrop: ['SYS_ADMIN'] }), allCapabilities().filter((c) => c !== 'CAP_SYS_ADMIN'));
    assert.deepEqual(caps({ CapAdd: ['chown'] }), [...DEFAULT_CAPS]);
  });

  it('refuses an unknown capability with Docker\'s text', () => {
    throwsInvalid(() => buildSpec(input({}, { CapAdd: ['foo'] })), 'invalid CapAdd: unknown capability: "CAP_FOO"');
    throwsInvalid(() => validateCapabilities({ CapDrop: ['CAP_foo'] }), 'invalid CapDrop: unknown capability: "CAP_FOO"');
  });

  it('opens everything for --privileged', () => {
    const s = buildSpec(input({ seccomp: undefined }, { Privileged: true }));
    assert.deepEqual(s.process.capabilities.bounding, allCapabilities());
    assert.ok(allCapabilities().includes('CAP_SYS_ADMIN'));
    assert.deepEqual(s.mounts[3]!.options, ['nosuid', 'noexec', 'nodev']);
    assert.deepEqual(s.mounts[4]!.options, ['nosuid', 'noexec', 'nodev']);
    assert.deepEqual(s.linux.resources.devices, [{ allow: true, access: 'rwm' }]);
    assert.deepEqual(s.linux.maskedPaths, []);
    assert.deepEqual(s.linux.readonlyPaths, []);
    assert.equal(s.linux.seccomp, undefined);
  });

  it('makes the rootfs and the etc files read-only for --read-only', () => {
    const s = buildSpec(input({}, { ReadonlyRootfs: true }));
    assert.equal(s.root.readonly, true);
    assert.deepEqual(s.mounts.filter((m) => m.destination.startsWith('/etc/')).map((m) => m.options), [
      ['rbind', 'ro', 'rprivate'], ['rbind', 'ro', 'rprivate'], ['rbind', 'ro', 'rprivate'],
    ]);
  });

  it('mounts --tmpfs with Docker\'s options, replaces /dev/shm, and orders mounts by depth', () => {
    const s = buildSpec(input({ initPath: '/usr/bin/tini-static' }, { Tmpfs: { '/run': '', '/data': 'exec,size=10m,uid=5', '/dev/shm': 'size=1m' } }));
    assert.deepEqual(dests(s), [
      '/proc', '/dev', '/dev/pts', '/sys', '/sys/fs/cgroup', '/dev/mqueue', '/sbin/docker-init',
      '/data', '/run', '/etc/resolv.conf', '/etc/hostname', '/etc/hosts', '/dev/shm',
    ]);
    const byDest = Object.fromEntries(s.mounts.map((m) => [m.destination, m]));
    assert.deepEqual(byDest['/sbin/docker-init'], { destination: '/sbin/docker-init', type: 'bind', source: '/usr/bin/tini-static', options: ['bind', 'ro'] });
    assert.deepEqual(byDest['/run']!.options, ['noexec', 'nosuid', 'nodev', 'rprivate']);
    assert.deepEqual(byDest['/data']!.options, ['nosuid', 'nodev', 'rprivate', 'exec', 'size=10m', 'uid=5']);
    assert.deepEqual(byDest['/dev/shm'], { destination: '/dev/shm', type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'nodev', 'rprivate', 'size=1m'] });
  });

  it('mounts a tmpfs at /etc before the etc files, and lets a user mount replace one', () => {
    const s = buildSpec(input({ mounts: [{ destination: '/etc/hosts/', type: 'bind', source: '/mine', options: ['rbind'] }] }, { Tmpfs: { '/etc': '' } }));
    assert.deepEqual(dests(s).slice(7), ['/etc', '/etc/hosts', '/etc/resolv.conf', '/etc/hostname']);
    assert.equal(s.mounts.find((m) => m.destination === '/etc/hosts')!.source, '/mine');
  });

  it('refuses bad tmpfs options and relative destinations', () => {
    throwsInvalid(() => buildSpec(input({}, { Tmpfs: { '/x': 'foo' } })), 'invalid tmpfs option ["foo"]');
    throwsInvalid(() => buildSpec(input({}, { Tmpfs: { '/x': 'foo=1' } })), 'invalid tmpfs option ["foo" "1"]');
    throwsInvalid(() => buildSpec(input({}, { Tmpfs: { x: '' } })), `invalid mount config for type "tmpfs": invalid mount path: 'x' mount path must be absolute`);
    assert.deepEqual(mergeTmpfsOptions(['noexec', 'rw', 'exec', 'ro', 'size=1', 'size=2', 'shared', 'defaults']), ['exec', 'ro', 'size=2', 'shared']);
  });

  it('sizes /dev/shm from ShmSize', () => {
    const shm = buildSpec(input({}, { ShmSize: 2097152 })).mounts.find((m) => m.destination === '/dev/shm')!;
    assert.deepEqual(shm.options, ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=2097152']);
  });

  it('sets and validates sysctls as runc would', () => {
    const s = buildSpec(input({ domainname: 'example.com' }, { Sysctls: { 'kernel.shm_rmid_forced': '1', 'net.ipv4.ip_forward': '1', 'net.ipv4.ip_unprivileged_port_start': '80' } }));
    assert.deepEqual(s.linux.sysctl, {
      'kernel.domainname': 'example.com',
      'net.ipv4.ip_unprivileged_port_start': '80',
      'net.ipv4.ping_group_range': '0 2147483647',
      'kernel.shm_rmid_forced': '1',
      'net.ipv4.ip_forward': '1',
    });
    throwsInvalid(() => buildSpec(input({ networkMode: 'host' }, { Sysctls: { 'net.ipv4.ip_forward': '1' } })), 'sysctl "net.ipv4.ip_forward" not allowed in host network namespace');
    throwsInvalid(() => buildSpec(input({}, { Sysctls: { 'kernel.foo': '1' } })), 'sysctl "kernel.foo" is not in a separate kernel namespace');
    throwsInvalid(() => buildSpec(input({}, { Sysctls: { 'fs.file-max': '1' } })), 'sysctl "fs.file-max" is not in a separate kernel namespace');
    assert.doesNotThrow(() => buildSpec(input({}, { Sysctls: { 'fs.mqueue.msg_max': '10', 'kernel.sem': '1 2 3 4', 'kernel.msgmax': '1' } })));
  });

  it('leaves the network namespace out for host, joins a path for container:', () => {
    const h = buildSpec(input({ networkMode: 'host' }));
    assert.ok(!h.linux.namespaces.some((n) => n.type === 'network'));
    assert.equal(h.linux.sysctl, undefined);
    const c = buildSpec(input({ networkMode: { netnsPath: '/proc/42/ns/net' } }));
    assert.deepEqual(c.linux.namespaces[1], { type: 'network', path: '/proc/42/ns/net' });
    assert.equal(c.linux.sysctl, undefined);
  });

  it('shares or joins the PID, IPC, UTS and cgroup namespaces as the modes say', () => {
    const types = (sp: ReturnType<typeof buildSpec>) => sp.linux.namespaces.map((n) => (n.path ? `${n.type}=${n.path}` : n.type));
    const host = buildSpec(input({ namespaces: { pid: 'host', ipc: 'host', uts: 'host', cgroup: 'host' }, shm: { source: '/dev/shm' }, domainname: 'example.org' }));
    assert.deepEqual(types(host), ['mount', 'network']);
    assert.equal(host.hostname, undefined, 'runc would rename the host');
    assert.equal(host.linux.sysctl?.['kernel.domainname'], undefined);
    assert.deepEqual(host.mounts.find((m) => m.destination === '/dev/shm'), { destination: '/dev/shm', type: 'bind', source: '/dev/shm', options: ['rbind', 'rprivate'] });
    const joined = buildSpec(input({ namespaces: { pid: { path: '/proc/7/ns/pid' }, ipc: { path: '/proc/7/ns/ipc' }, cgroup: 'private' } }));
    assert.deepEqual(types(joined), ['mount', 'network', 'uts', 'pid=/proc/7/ns/pid', 'ipc=/proc/7/ns/ipc', 'cgroup']);
    assert.equal(joined.hostname, 'aaaaaaaaaaaa');
    const none = buildSpec(input({ shm: 'none' }));
    assert.equal(none.mounts.find((m) => m.destination === '/dev/shm'), undefined);
    assert.deepEqual(types(none).slice(0, 5), ['mount', 'network', 'uts', 'pid', 'ipc']);
  });

  it('puts the resources that are set in linux.resources', () => {
    const r = buildSpec(input({}, { Memory: 67108864, MemorySwap: 134217728, PidsLimit: 50, CpuShares: 512, NanoCpus: 1.5e9, BlkioWeight: 300 })).linux.resources;
    assert.deepEqual(r.memory, { limit: 67108864, swap: 134217728 });
    assert.deepEqual(r.cpu, { shares: 512, period: 100000, quota: 150000 });
    assert.deepEqual(r.pids, { limit: 50 });
    assert.deepEqual(r.blockIO, { weight: 300 });
    assert.deepEqual(buildSpec(input({}, { Memory: 1000 })).linux.resources.memory, { limit: 1000, swap: 2000 });
    assert.deepEqual(buildSpec(input({}, { Memory: 1000, MemorySwap: -1 })).linux.resources.memory, { limit: 1000 });
    assert.equal(buildSpec(input({}, { PidsLimit: 0, Memory: 0 })).linux.resources.pids, undefined);
  });

  it('takes ulimits, no-new-privileges and oom score from HostConfig', () => {
    const s = buildSpec(input({}, { Ulimits: [{ Name: 'core', Soft: -1, Hard: -1 }, { Name: 'nofile', Soft: 512, Hard: 1024 }], SecurityOpt: ['no-new-privileges'], OomScoreAdj: 100 }));
    assert.deepEqual(s.process.rlimits, [
      { type: 'RLIMIT_CORE', hard: Infinity, soft: Infinity },
      { type: 'RLIMIT_NOFILE', hard: 1024, soft: 512 },
    ]);
    assert.equal(s.process.noNewPrivileges, true);
    assert.equal(s.process.oomScoreAdj, 100);
  });

  it('overrides masked and read-only paths from HostConfig', () => {
    const s = buildSpec(input({}, { MaskedPaths: ['/proc/x'], ReadonlyPaths: [] }));
    assert.deepEqual(s.linux.maskedPaths, ['/proc/x']);
    assert.deepEqual(s.linux.readonlyPaths, []);
  });
});

describe('parseSecurityOpt', () => {
  it('reads Docker\'s forms and refuses the rest with its texts', () => {
    assert.equal(parseSecurityOpt(['no-new-privileges:true']).noNewPrivileges, true);
    assert.equal(parseSecurityOpt(['no-new-privileges=false']).noNewPrivileges, false);
    assert.equal(parseSecurityOpt(['seccomp=unconfined']).seccomp, 'unconfined');
    throwsInvalid(() => parseSecurityOpt(['foo']), 'invalid --security-opt 1: "foo"');
    throwsInvalid(() => parseSecurityOpt(['foo=bar']), 'invalid --security-opt 2: "foo=bar"');
    throwsInvalid(() => parseSecurityOpt(['no-new-privileges=maybe']), 'invalid --security-opt 2: "no-new-privileges=maybe"');
  });
});

describe('buildSpec: seccomp', () => {
  it('applies the default policy for the container\'s caps unless unconfined', () => {
    assert.equal(buildSpec(input({ seccomp: undefined })).linux.seccomp, seccompFor(DEFAULT_CAPS));
    const admin = buildSpec(input({ seccomp: undefined }, { CapAdd: ['SYS_ADMIN'] })).linux.seccomp!;
    assert.ok(admin.syscalls.some((r) => r.names.includes('mount')));
    assert.equal(buildSpec(input({ seccomp: undefined }, { SecurityOpt: ['seccomp=unconfined'] })).linux.seccomp, undefined);
    assert.equal(buildSpec(input({ seccomp: null })).linux.seccomp, undefined);
  });

  it('evaluates a profile in Docker\'s format, from SecurityOpt or given', () => {
    const profile = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_ERRNO', excludes: { caps: ['CAP_SYS_ADMIN'] } }] };
    const viaOpt = buildSpec(input({ seccomp: undefined }, { SecurityOpt: [`seccomp=${JSON.stringify(profile)}`] })).linux.seccomp;
    assert.deepEqual(viaOpt, { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_ERRNO' }] });
    assert.deepEqual(buildSpec(input({ seccomp: profile }, { CapAdd: ['SYS_ADMIN'] })).linux.seccomp, { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [] });
  });
});

describe('specJson', () => {
  it('round-trips, writes RLIM_INFINITY as runc reads it, and splices the shared seccomp policy', () => {
    const s = buildSpec(input({ seccomp: undefined }, { Ulimits: [{ Name: 'core', Soft: -1, Hard: -1 }] }));
    const text = specJson(s);
    assert.match(text, /\{"type":"RLIMIT_CORE","hard":18446744073709551615,"soft":18446744073709551615\}/);
    const back = JSON.parse(text);
    assert.deepEqual(back.linux.seccomp, JSON.parse(JSON.stringify(s.linux.seccomp)));
    assert.deepEqual(back.mounts, s.mounts);
    assert.deepEqual(back.process.rlimits[1], { type: 'RLIMIT_NOFILE', hard: 20000, soft: 20000 });
    assert.equal(specJson(s), text);
    const plain = buildSpec(input());
    assert.deepEqual(JSON.parse(specJson(plain)), JSON.parse(JSON.stringify(plain)));
  });
});
