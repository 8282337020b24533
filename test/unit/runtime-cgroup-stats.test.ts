// Reading a container's cgroups (v1 and v2) from file contents as containerd does for Docker's
// stats, and the host's CPU time.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  cgroupDirsFor, metricsV1, metricsV2, parseBlkioFile, parseFlatKeyed, parseIoStat, parseLimit, parseProcCgroup, parseProcStat,
  V1_MEMORY_KEYS, V2_MEMORY_KEYS,
} from '../../src/runtime/cgroup-stats.js';

const ID = 'f2041a956f03224b1a646f117bbf32263cb16ee9715ee76e028c2acc542a65ea';

describe('where a container\'s cgroups are', () => {
  it('parses /proc/<pid>/cgroup on a hybrid host, co-mounted controllers included', () => {
    const cg = parseProcCgroup([
      `9:name=systemd:/berth/${ID}`, `8:pids:/berth/${ID}`, `2:cpu,cpuacct:/berth/${ID}`, `4:memory:/berth/${ID}`, `0::/berth/${ID}`, '',
    ].join('\n'));
    assert.deepEqual(cg.v1, { pids: `/berth/${ID}`, cpu: `/berth/${ID}`, cpuacct: `/berth/${ID}`, memory: `/berth/${ID}` });
    assert.equal(cg.unified, `/berth/${ID}`);
    assert.deepEqual(cgroupDirsFor(cg, false), {
      version: 1,
      dirs: { pids: `/sys/fs/cgroup/pids/berth/${ID}`, cpu: `/sys/fs/cgroup/cpu/berth/${ID}`, cpuacct: `/sys/fs/cgroup/cpuacct/berth/${ID}`, memory: `/sys/fs/cgroup/memory/berth/${ID}` },
    });
    assert.deepEqual(cgroupDirsFor(cg, true), { version: 2, dir: `/sys/fs/cgroup/berth/${ID}` });
  });

  it('parses the v2-only form', () => {
    const cg = parseProcCgroup(`0::/system.slice/x\n`);
    assert.deepEqual(cg, { v1: {}, unified: '/system.slice/x' });
  });
});

describe('file parsers', () => {
  it('reads flat keyed files and limits, "max" included', () => {
    assert.deepEqual(parseFlatKeyed('nr_periods 12\nnr_throttled 3\nthrottled_time 99\n'), { nr_periods: 12n, nr_throttled: 3n, throttled_time: 99n });
    assert.equal(parseLimit('max\n', 0n), 0n);
    assert.equal(parseLimit('9223372036854771712\n', 0n), 9223372036854771712n);
  });

  it('reads v1 blkio files: per device and op, without the Total line', () => {
    const text = '8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:0 Async 12288\n8:0 Discard 0\n8:0 Total 12288\nTotal 12288\n';
    assert.deepEqual(parseBlkioFile(text), [
      { major: 8, minor: 0, op: 'Read', value: 4096n }, { major: 8, minor: 0, op: 'Write', value: 8192n },
      { major: 8, minor: 0, op: 'Sync', value: 0n }, { major: 8, minor: 0, op: 'Async', value: 12288n },
      { major: 8, minor: 0, op: 'Discard', value: 0n }, { major: 8, minor: 0, op: 'Total', value: 12288n },
    ]);
    assert.deepEqual(parseBlkioFile('8:16 400\n'), [{ major: 8, minor: 16, op: '', value: 400n }]);
    assert.deepEqual(parseBlkioFile('Total 0\n'), []);
  });

  it('reads v2 io.stat', () => {
    assert.deepEqual(parseIoStat('259:0 rbytes=1024 wbytes=2048 rios=1 wios=2 dbytes=0 dios=0\n'), [
      { major: 259, minor: 0, values: { rbytes: 1024n, wbytes: 2048n, rios: 1n, wios: 2n, dbytes: 0n, dios: 0n } },
    ]);
  });

  it('sums /proc/stat\'s first seven cpu fields into nanoseconds and counts the CPUs', () => {
    const s = parseProcStat('cpu  150643 0 30893 447147 1728 0 1760 74 0 0\ncpu0 74884 0 15282 224007 978 0 805 38 0 0\ncpu1 75759 0 15611 223140 749 0 954 35 0 0\nintr 1 2\n');
    assert.equal(s.systemUsage, (150643n + 30893n + 447147n + 1728n + 1760n) * 10_000_000n);
    assert.equal(s.onlineCpus, 2);
  });
});

const V1_FILES: Record<string, Record<string, string>> = {
  cpuacct: { 'cpuacct.usage': '33675804\n', 'cpuacct.stat': 'user 2\nsystem 1\n', 'cpuacct.usage_percpu': '30517227 3158577 \n' },
  cpu: { 'cpu.stat': 'nr_periods 12\nnr_throttled 4\nthrottled_time 5000\nnr_bursts 0\nburst_time 0\n' },
  memory: {
    'memory.usage_in_bytes': '552960\n', 'memory.max_usage_in_bytes': '40960000\n', 'memory.failcnt': '0\n', 'memory.limit_in_bytes': '9223372036854771712\n',
    'memory.stat': 'cache 4096\nrss 49152\nswap 0\nworkingset_refault_anon 0\ninactive_file 4096\nhierarchical_memory_limit 9223372036854771712\ntotal_inactive_file 4096\n',
  },
  pids: { 'pids.current': '3\n', 'pids.max': 'max\n' },
  blkio: { 'blkio.throttle.io_service_bytes_recursive': '8:0 Read 4096\n8:0 Write 0\nTotal 4096\n', 'blkio.throttle.io_serviced_recursive': '8:0 Read 1\nTotal 1\n' },
};

describe('cgroup v1 metrics', () => {
  const m = metricsV1((c, f) => V1_FILES[c]?.[f]);

  it('takes CPU time from cpuacct (stat ticks as nanoseconds) and throttling from cpu.stat', () => {
    assert.deepEqual(m.cpu, {
      total: 33675804n, kernel: 10_000_000n, user: 20_000_000n, perCpu: [30517227n, 3158577n],
      periods: 12n, throttledPeriods: 4n, throttledTime: 5000n,
    });
  });

  it('keeps the memory.stat keys moby reports, unlimited as the kernel says it', () => {
    assert.equal(m.memory!.usage, 552960n);
    assert.equal(m.memory!.maxUsage, 40960000n);
    assert.equal(m.memory!.limit, 9223372036854771712n);
    assert.deepEqual(Object.keys(m.memory!.stats), [...V1_MEMORY_KEYS]);
    assert.equal(m.memory!.stats.hierarchical_memory_limit, 9223372036854771712n);
    assert.equal(m.memory!.stats.total_inactive_file, 4096n);
    assert.equal('swap' in m.memory!.stats, false);
  });

  it('has pids (no limit: 0) and the throttle blkio statistics without CFQ', () => {
    assert.deepEqual(m.pids, { current: 3n, limit: 0n });
    assert.deepEqual(m.blkio!.ioServiceBytesRecursive, [{ major: 8, minor: 0, op: 'Read', value: 4096n }, { major: 8, minor: 0, op: 'Write', value: 0n }]);
    assert.deepEqual(m.blkio!.ioServicedRecursive, [{ major: 8, minor: 0, op: 'Read', value: 1n }]);
    assert.deepEqual(m.blkio!.sectorsRecursive, []);
  });

  it('reads nothing it cannot find', () => {
    const none = metricsV1(() => undefined);
    assert.equal(none.cpu, undefined);
    assert.equal(none.memory, undefined);
    assert.equal(none.pids, undefined);
  });
});

const V2_FILES: Record<string, string> = {
  'cpu.stat': 'usage_usec 2000\nuser_usec 1500\nsystem_usec 500\nnr_periods 10\nnr_throttled 2\nthrottled_usec 300\n',
  'memory.current': '1048576\n',
  'memory.max': 'max\n',
  'memory.stat': 'anon 4096\nfile 8192\ninactive_file 8192\nactive_file 0\npgfault 7\nzswap 1\n',
  'memory.events': 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n',
  'pids.current': '2\n',
  'pids.max': '20\n',
  'io.stat': '8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n',
};

describe('cgroup v2 metrics', () => {
  const m = metricsV2((f) => V2_FILES[f]);

  it('converts cpu.stat microseconds to nanoseconds, without per-CPU figures', () => {
    assert.deepEqual(m.cpu, { total: 2_000_000n, kernel: 500_000n, user: 1_500_000n, periods: 10n, throttledPeriods: 2n, throttledTime: 300_000n });
  });

  it('reports memory.current, memory.max ("max" as 2^64-1), moby\'s stat keys and OOM events as failcnt', () => {
    assert.equal(m.memory!.usage, 1048576n);
    assert.equal(m.memory!.limit, 18446744073709551615n);
    assert.deepEqual(Object.keys(m.memory!.stats), [...V2_MEMORY_KEYS]);
    assert.equal(m.memory!.stats.inactive_file, 8192n);
    assert.equal(m.memory!.stats.slab, 0n);
    assert.equal(m.memory!.failcnt, 1n);
  });

  it('has pids and read/write bytes per device from io.stat', () => {
    assert.deepEqual(m.pids, { current: 2n, limit: 20n });
    assert.deepEqual(m.blkio!.ioServiceBytesRecursive, [{ major: 8, minor: 0, op: 'read', value: 100n }, { major: 8, minor: 0, op: 'write', value: 200n }]);
    assert.equal(m.blkio!.ioServicedRecursive, null);
  });
});
