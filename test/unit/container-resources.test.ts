// Resource limits: Docker's checks at create and update, the HostConfig merge of an update, the
// limits as they go into the runtime spec and to `runc update`, and top's ps parsing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpusetListAvailable, parseUintList, validateHostConfig, validateRestartPolicy, verifyResources, type Resources } from '../../src/container/create-config.js';
import { mergeUpdate, verifyUpdate, type UpdateConfig } from '../../src/container/update.js';
import { buildSpec, deviceCgroupRules, devicesFromPath, resourcesOf, updateResourcesOf } from '../../src/runtime/spec.js';
import type { CgroupSupport } from '../../src/runtime/cgroup-stats.js';
import { parseProcLimits } from '../../src/runtime/host-limits.js';
import { isBerthError } from '../../src/common/errors.js';
import { parsePsOutput, psArgv, psPidsArg, validatePsArgs } from '../../src/container/top.js';
import type { HostConfig } from '../../src/container/types.js';

const V1: CgroupSupport = {
  memoryLimit: true, swapLimit: true, memoryReservation: true, memorySwappiness: true, oomKillDisable: true, pidsLimit: true,
  cpuShares: true, cpuCfs: true, cpuRealtime: true, cpuset: true, blkioWeight: false, blkioWeightDevice: false, blkioThrottle: true,
  cpus: '0-1', mems: '0',
};
const V2: CgroupSupport = { ...V1, memorySwappiness: false, oomKillDisable: false, cpuRealtime: false, blkioWeight: true, blkioWeightDevice: true };

const verify = (r: Resources, update = false, support = V1) => verifyResources(r, { update, support, numCpus: 2 });
const refused = (r: Resources, message: string, update = false, support = V1) => {
  assert.throws(() => verify(r, update, support), (e) => isBerthError(e, 'InvalidParameter') && e.message === message);
};

describe('resource checks at create (moby\'s verifyPlatformContainerResources)', () => {
  it('refuses what Docker refuses, with its texts', () => {
    refused({ Memory: 4 << 20 }, 'Minimum memory limit allowed is 6MB');
    refused({ Memory: 10 << 20, MemorySwap: 5 << 20 }, 'Minimum memoryswap limit should be larger than memory limit, see usage');
    refused({ MemorySwap: 50 << 20 }, 'You should always set the Memory limit when using Memoryswap limit, see usage');
    refused({ MemorySwappiness: 101 }, 'Invalid value: 101, valid memory swappiness range is 0-100');
    refused({ MemoryReservation: 1 << 20 }, 'Minimum memory reservation allowed is 6MB');
    refused({ Memory: 50 << 20, MemoryReservation: 100 << 20 }, 'Minimum memory limit can not be less than memory reservation limit, see usage');
    refused({ NanoCpus: 5e8, CpuPeriod: 1000 }, 'Conflicting options: Nano CPUs and CPU Period cannot both be set');
    refused({ NanoCpus: 5e8, CpuQuota: 1000 }, 'Conflicting options: Nano CPUs and CPU Quota cannot both be set');
    refused({ NanoCpus: 5e9 }, 'Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available');
    refused({ NanoCpus: -1 }, 'Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available');
    refused({ CpuPeriod: 500 }, 'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
    refused({ CpuPeriod: 2000000 }, 'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
    refused({ CpuQuota: 500 }, 'CPU cfs quota can not be less than 1ms (i.e. 1000)');
    refused({ CpusetCpus: '5' }, 'Requested CPUs are not available - requested 5, available: 0-1');
    refused({ CpusetCpus: '0-3' }, 'Requested CPUs are not available - requested 0-3, available: 0-1');
    refused({ CpusetCpus: 'abc' }, 'Invalid value abc for cpuset cpus: invalid format: abc');
    refused({ CpusetMems: '3' }, 'Requested memory nodes are not available - requested 3, available: 0');
    refused({ BlkioWeight: 5 }, 'Range of blkio weight is from 10 to 1000', false, V2);
    refused({ BlkioWeight: 2000 }, 'Range of blkio weight is from 10 to 1000', false, V2);
    refused({ CpuRealtimeRuntime: 2000, CpuRealtimePeriod: 1000 }, 'cpu real-time runtime cannot be higher than cpu real-time period');
    refused({ CpuRealtimePeriod: 1000 }, 'Your kernel does not support cgroup cpu real-time period', false, V2);
    refused({ IOMaximumBandwidth: 1 }, 'Invalid QoS settings: linux does not support Maximum IO Bandwidth or Maximum IO IOps');
  });

  it('accepts what Docker accepts', () => {
    assert.deepEqual(verify({ Memory: 64 << 20, MemorySwap: -1, NanoCpus: 1e6, CpuShares: 1, CpusetCpus: '0,1', CpusetMems: '0', PidsLimit: 0, CpuQuota: -1 }), []);
    assert.deepEqual(verify({ NanoCpus: 2e9 }), []);
    // Swap without memory is fine in an update (the container may have a memory limit).
    assert.deepEqual(verify({ MemorySwap: 50 << 20 }, true), []);
  });

  it('drops what the host cannot limit, with Docker\'s warnings', () => {
    const r: Resources = { BlkioWeight: 5, MemorySwappiness: 20, OomKillDisable: true, KernelMemory: 10 << 20 };
    assert.deepEqual(verify(r), [
      'Specifying a kernel memory limit is deprecated and will be removed in a future release.',
      'OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.',
      'Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.',
    ]);
    assert.equal(r.BlkioWeight, 0);
    assert.equal(r.KernelMemory, 0);
    const v2: Resources = { MemorySwappiness: 20, OomKillDisable: true, Memory: 64 << 20 };
    assert.deepEqual(verify(v2, false, V2), [
      'Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.',
      'Your kernel does not support OomKillDisable. OomKillDisable discarded.',
    ]);
    assert.equal(v2.MemorySwappiness, null);
    assert.equal(v2.OomKillDisable, null);
  });

  it('parses CPU lists as moby does', () => {
    assert.deepEqual([...parseUintList('0-2,5')], [0, 1, 2, 5]);
    assert.throws(() => parseUintList('3-1'), /invalid format: 3-1/);
    assert.throws(() => parseUintList('1,,2'), /invalid format: 1,,2/);
    assert.equal(cpusetListAvailable('', '0-1'), true);
    assert.equal(cpusetListAvailable('1', '0-1'), true);
    assert.equal(cpusetListAvailable('0,2', '0-1'), false);
  });
});

describe('validateHostConfig fills Docker\'s defaults', () => {
  it('MemorySwap is twice Memory, -1 swappiness and a pids limit ≤ 0 are "not set"', () => {
    const h: HostConfig = { Memory: 64 << 20, MemorySwappiness: -1, PidsLimit: 0 };
    validateHostConfig(h);
    assert.equal(h.MemorySwap, 128 << 20);
    assert.equal(h.MemorySwappiness, null);
    assert.equal(h.PidsLimit, null);
    const keep: HostConfig = { Memory: 64 << 20, MemorySwap: -1, PidsLimit: 20 };
    validateHostConfig(keep);
    assert.equal(keep.MemorySwap, -1);
    assert.equal(keep.PidsLimit, 20);
  });

  it('validates restart policies as moby\'s validateRestartPolicy', () => {
    assert.throws(() => validateRestartPolicy({ Name: 'bogus' }), /invalid restart policy: unknown policy 'bogus'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'/);
    assert.throws(() => validateRestartPolicy({ Name: 'always', MaximumRetryCount: 3 }), /maximum retry count can only be used with 'on-failure'$/);
    assert.throws(() => validateRestartPolicy({ Name: 'no', MaximumRetryCount: -1 }), /can only be used with 'on-failure' and cannot be negative/);
    assert.throws(() => validateRestartPolicy({ Name: 'on-failure', MaximumRetryCount: -1 }), /maximum retry count cannot be negative/);
    validateRestartPolicy({ Name: 'on-failure', MaximumRetryCount: 3 });
    validateRestartPolicy({ Name: '', MaximumRetryCount: 3 });
  });
});

describe('update: checks and merge (moby\'s UpdateContainer)', () => {
  const ID = 'c'.repeat(64);
  const conflict = (cur: HostConfig, body: UpdateConfig, msg: string) => {
    assert.throws(() => mergeUpdate(cur, body, ID), (e) => isBerthError(e, 'Conflict') && e.message === `Cannot update container ${ID}: ${msg}`);
  };

  it('sets only what the request sets', () => {
    const cur: HostConfig = { Memory: 64 << 20, MemorySwap: 128 << 20, CpuShares: 512, NanoCpus: 5e8, PidsLimit: 20, RestartPolicy: { Name: 'no' } };
    const next = mergeUpdate(cur, { Memory: 32 << 20, CpuShares: 0, NanoCpus: 8e8, CpusetCpus: '', RestartPolicy: { Name: '', MaximumRetryCount: 0 } }, ID);
    assert.deepEqual(next, { ...cur, Memory: 32 << 20, NanoCpus: 8e8 });
    assert.deepEqual(cur.Memory, 64 << 20);
    assert.deepEqual(mergeUpdate(cur, { PidsLimit: 0, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } }, ID).RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 2 });
    assert.equal(mergeUpdate(cur, { PidsLimit: 0 }, ID).PidsLimit, 0);
  });

  it('refuses conflicting CPU and memory settings, and restart policies with --rm', () => {
    conflict({ NanoCpus: 5e8 }, { CpuQuota: 50000 }, 'Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set');
    conflict({ NanoCpus: 5e8 }, { CpuPeriod: 50000 }, 'Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set');
    conflict({ CpuQuota: 50000 }, { NanoCpus: 5e8 }, 'Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set');
    conflict({ CpuPeriod: 50000 }, { NanoCpus: 5e8 }, 'Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set');
    const mem = 'Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time';
    conflict({ Memory: 64 << 20, MemorySwap: 128 << 20 }, { Memory: 200 << 20 }, mem);
    conflict({}, { Memory: 100 << 20 }, mem);
    conflict({ MemorySwap: -1 }, { Memory: 100 << 20 }, mem);
    assert.equal(mergeUpdate({}, { Memory: 100 << 20, MemorySwap: 200 << 20 }, ID).MemorySwap, 200 << 20);
    conflict({ AutoRemove: true }, { RestartPolicy: { Name: 'always' } }, 'Restart policy cannot be updated because AutoRemove is enabled for the container');
    mergeUpdate({ AutoRemove: true }, { RestartPolicy: { Name: 'no' } }, ID);
  });

  it('checks the request before anything else, a pids limit ≤ 0 meaning unlimited', () => {
    const body: UpdateConfig = { PidsLimit: -1, MemorySwap: 64 << 20 };
    assert.deepEqual(verifyUpdate(body, { support: V1, numCpus: 2 }), []);
    assert.equal(body.PidsLimit, 0);
    assert.throws(() => verifyUpdate({ NanoCpus: 3e9 }, { support: V1, numCpus: 2 }), /Range of CPUs is from 0.01 to 2.00/);
    assert.throws(() => verifyUpdate({ RestartPolicy: { Name: 'bogus' } }, { support: V1, numCpus: 2 }), /unknown policy 'bogus'/);
    assert.deepEqual(verifyUpdate({ BlkioWeight: 300 }, { support: V1, numCpus: 2 }), ['Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.']);
  });
});

describe('limits in the runtime spec and for runc update', () => {
  it('translates HostConfig as moby does at start', () => {
    const r = resourcesOf({ Memory: 64 << 20, MemorySwap: 128 << 20, MemoryReservation: 32 << 20, NanoCpus: 5e8, CpuShares: 512, CpusetCpus: '0', PidsLimit: 20, CpuRealtimeRuntime: 100, CpuRealtimePeriod: 1000 });
    assert.deepEqual(r.memory, { limit: 64 << 20, swap: 128 << 20, reservation: 32 << 20 });
    assert.deepEqual(r.cpu, { shares: 512, period: 100000, quota: 50000, realtimePeriod: 1000, realtimeRuntime: 100, cpus: '0' });
    assert.deepEqual(r.pids, { limit: 20 });
    assert.deepEqual(resourcesOf({ CpuPeriod: 50000, CpuQuota: -1 }).cpu, { period: 50000, quota: -1 });
  });

  it('gives runc update the merged limits, lifting a pids limit with -1', () => {
    assert.deepEqual(updateResourcesOf({ Memory: 32 << 20, MemorySwap: 64 << 20, NanoCpus: 8e8, PidsLimit: 0, Devices: [{ PathOnHost: '/dev/null', PathInContainer: '/dev/x', CgroupPermissions: 'rwm' }] }), {
      memory: { limit: 32 << 20, swap: 64 << 20 }, cpu: { period: 100000, quota: 80000 }, pids: { limit: -1 },
    });
    assert.deepEqual(updateResourcesOf({ Memory: 32 << 20, MemorySwap: -1 }).memory, { limit: 32 << 20, swap: -1 });
    assert.deepEqual(updateResourcesOf({}), {});
  });

  it('creates a --device node and allows it in the devices cgroup, after Docker\'s defaults', () => {
    const d = devicesFromPath('/dev/null', '/dev/mynull', 'rw');
    assert.equal(d.devices.length, 1);
    assert.deepEqual({ ...d.devices[0], uid: 0, gid: 0 }, { path: '/dev/mynull', type: 'c', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 });
    assert.deepEqual(d.rules, [{ allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }]);
    assert.throws(() => devicesFromPath('/dev/no-such-device', '/dev/x', 'rwm'), (e) => e instanceof Error && e.message === 'error gathering device information while adding custom device "/dev/no-such-device": no such file or directory');
    assert.throws(() => devicesFromPath('/proc/version', '/dev/x', 'rwm'), /adding custom device "\/proc\/version": not a device node/);
  });

  it('turns device cgroup rules into allow rules (* as -1)', () => {
    assert.deepEqual(deviceCgroupRules(['c 42:* rmw', 'b 8:0 r']), [
      { allow: true, type: 'c', major: 42, minor: -1, access: 'rmw' }, { allow: true, type: 'b', major: 8, minor: 0, access: 'r' },
    ]);
    assert.throws(() => deviceCgroupRules(['x 1:2 r']), /invalid device cgroup rule format: 'x 1:2 r'/);
  });

  it('puts devices and rules in the spec', () => {
    const s = buildSpec({
      id: 'x', args: ['sh'], env: [], cwd: '/', user: { uid: 0, gid: 0, additionalGids: [] }, tty: false, openStdin: false, hostname: 'h',
      rootfsPath: '/r', networkMode: 'none', etcFiles: { hosts: '/h', hostname: '/hn', resolvConf: '/rc' }, cgroupsPath: '/berth/x',
      hostRlimits: parseProcLimits('Max open files            20000                20000                files\n'), seccomp: null,
      hostConfig: { Devices: [{ PathOnHost: '/dev/null', PathInContainer: '/dev/n2', CgroupPermissions: 'r' }], DeviceCgroupRules: ['c 42:* rmw'] },
    });
    assert.equal(s.linux.devices?.[0]?.path, '/dev/n2');
    const rules = s.linux.resources.devices;
    assert.deepEqual(rules[0], { allow: false, access: 'rwm' });
    assert.deepEqual(rules.slice(-2), [{ allow: true, type: 'c', major: 1, minor: 3, access: 'r' }, { allow: true, type: 'c', major: 42, minor: -1, access: 'rmw' }]);
  });
});

describe('top: ps arguments and output (moby\'s ContainerTop)', () => {
  it('refuses renaming a column to PID and headerless output', () => {
    assert.throws(() => validatePsArgs('-o user=PID'), /specifying "user=PID" is not allowed/);
    validatePsArgs('-o pid=PID');
    assert.throws(() => psArgv('-ef --no-headers'), /option --no-headers is not allowed/);
    assert.deepEqual(psArgv(''), ['-ef']);
    assert.deepEqual(psArgv('-o pid,comm'), ['-o', 'pid,comm']);
    assert.equal(psPidsArg([12, 34]), '-q12,34');
  });

  it('keeps the container\'s rows, joins the command\'s words, follows thread lines', () => {
    const out = [
      'UID          PID    PPID  C STIME TTY          TIME CMD',
      'root           1       0  0 09:00 ?        00:00:01 /sbin/init splash',
      'root        8138    8127  0 10:17 ?        00:00:00 sleep 300',
      'root        8140    8138  0 10:17 ?        00:00:00 sh -c echo  hi',
      '',
    ].join('\n');
    assert.deepEqual(parsePsOutput(out, [8138, 8140]), {
      Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'],
      Processes: [['root', '8138', '8127', '0', '10:17', '?', '00:00:00', 'sleep 300'], ['root', '8140', '8138', '0', '10:17', '?', '00:00:00', 'sh -c echo hi']],
    });
    const threads = 'PID TID CMD\n8138 - sleep\n- 8138 -\n9 - other\n- 9 -\n';
    assert.deepEqual(parsePsOutput(threads, [8138]).Processes, [['8138', '-', 'sleep'], ['-', '8138', '-']]);
    assert.throws(() => parsePsOutput('COMMAND\nsleep\n', [1]), /Couldn't find PID field in ps output/);
  });
});
