// Docker's stats JSON from cgroup metrics, and the stream the stats endpoint serves.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseNetDev, statsJson, statsText, streamStats, zeroStats, type StatsSample } from '../../src/container/stats.js';
import { metricsV1, metricsV2 } from '../../src/runtime/cgroup-stats.js';

const ID = 'a095fbaeab90900c5338233451c076ba4929e2f48433b35cc4843da8d9a43709';

// What a real dockerd (20.10, cgroup v1) answered for a created container with stream=0.
const DOCKER_ZERO = `{"read":"0001-01-01T00:00:00Z","preread":"0001-01-01T00:00:00Z","pids_stats":{},"blkio_stats":{"io_service_bytes_recursive":null,"io_serviced_recursive":null,"io_queue_recursive":null,"io_service_time_recursive":null,"io_wait_time_recursive":null,"io_merged_recursive":null,"io_time_recursive":null,"sectors_recursive":null},"num_procs":0,"storage_stats":{},"cpu_stats":{"cpu_usage":{"total_usage":0,"usage_in_kernelmode":0,"usage_in_usermode":0},"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},"precpu_stats":{"cpu_usage":{"total_usage":0,"usage_in_kernelmode":0,"usage_in_usermode":0},"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},"memory_stats":{},"name":"/c1","id":"${ID}"}\n`;

const v1 = metricsV1((c, f) => ({
  cpuacct: { 'cpuacct.usage': '230318431', 'cpuacct.stat': 'user 17\nsystem 5\n', 'cpuacct.usage_percpu': '128485153 101833278' },
  cpu: { 'cpu.stat': 'nr_periods 0\nnr_throttled 0\nthrottled_time 0\n' },
  memory: {
    'memory.usage_in_bytes': '552960', 'memory.max_usage_in_bytes': '40960000', 'memory.failcnt': '0', 'memory.limit_in_bytes': '9223372036854771712',
    'memory.stat': 'total_inactive_file 0\nhierarchical_memory_limit 9223372036854771712\n',
  },
  pids: { 'pids.current': '1', 'pids.max': '10' },
} as Record<string, Record<string, string>>)[c]?.[f]);

const sample = (over: Partial<StatsSample> = {}): StatsSample => ({
  read: '2026-11-26T10:09:56.144377676Z', metrics: v1, systemUsage: 5141530000000n, onlineCpus: 2, machineMemory: 25_000_000_000n, ...over,
});

describe('stats JSON', () => {
  it('is exactly Docker\'s zero object for a container that is not running', () => {
    assert.equal(statsText(zeroStats('/c1', ID)), DOCKER_ZERO);
  });

  it('has Docker\'s fields, in its order, for a running container on cgroup v1', () => {
    const v = statsJson('/u1', ID, sample());
    assert.deepEqual(Object.keys(v), ['read', 'preread', 'pids_stats', 'blkio_stats', 'num_procs', 'storage_stats', 'cpu_stats', 'precpu_stats', 'memory_stats', 'name', 'id']);
    assert.deepEqual(Object.keys(v.cpu_stats), ['cpu_usage', 'system_cpu_usage', 'online_cpus', 'throttling_data']);
    assert.deepEqual(v.cpu_stats.cpu_usage, { total_usage: 230318431n, percpu_usage: [128485153n, 101833278n], usage_in_kernelmode: 50_000_000n, usage_in_usermode: 170_000_000n });
    assert.equal(v.cpu_stats.system_cpu_usage, 5141530000000n);
    assert.deepEqual(v.pids_stats, { current: 1n, limit: 10n });
    assert.deepEqual(v.blkio_stats.io_service_bytes_recursive, []);
    assert.deepEqual(Object.keys(v.memory_stats), ['usage', 'max_usage', 'stats', 'limit']);
    // No limit: the host's memory, as Docker reports it.
    assert.equal(v.memory_stats.limit, 25_000_000_000n);
    assert.equal(v.name, '/u1');
    assert.equal(v.networks, undefined);
  });

  it('prints uint64 values exactly', () => {
    const text = statsText(statsJson('/u1', ID, sample()));
    assert.match(text, /"hierarchical_memory_limit":9223372036854771712[,}]/);
    assert.match(text, /"percpu_usage":\[128485153,101833278\]/);
    assert.ok(text.endsWith('}\n'));
    assert.equal(JSON.parse(text).memory_stats.usage, 552960);
  });

  it('on cgroup v2 has no per-CPU figures nor max_usage, and OOM events as failcnt', () => {
    const m = metricsV2((f) => ({ 'cpu.stat': 'usage_usec 10\n', 'memory.current': '100', 'memory.max': '200', 'memory.events': 'oom 2\n', 'pids.current': '1', 'pids.max': 'max' } as Record<string, string>)[f]);
    const v = statsJson('/x', ID, sample({ metrics: m }));
    assert.equal(v.cpu_stats.cpu_usage.percpu_usage, undefined);
    assert.equal(v.cpu_stats.cpu_usage.total_usage, 10_000n);
    assert.deepEqual(Object.keys(v.memory_stats), ['usage', 'stats', 'failcnt', 'limit']);
    assert.equal(v.memory_stats.limit, 200n);
    assert.deepEqual(v.pids_stats, { current: 1n });
  });

  it('carries the previous sample as precpu_stats and preread', () => {
    const first = statsJson('/u1', ID, sample());
    const second = statsJson('/u1', ID, sample({ read: '2026-11-26T10:09:57Z' }), { read: first.read, cpu: first.cpu_stats });
    assert.equal(second.preread, first.read);
    assert.deepEqual(second.precpu_stats, first.cpu_stats);
  });

  it('reads /proc/<pid>/net/dev counters', () => {
    const text = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo:      10       1    0    0    0     0          0         0       10       1    0    0    0     0       0          0',
      '  eth0:    1296      16    1    2    0     0          0         0      866      11    3    4    0     0       0          0',
    ].join('\n');
    const n = parseNetDev(text);
    assert.deepEqual(n.eth0, { rx_bytes: 1296n, rx_packets: 16n, rx_errors: 1n, rx_dropped: 2n, tx_bytes: 866n, tx_packets: 11n, tx_errors: 3n, tx_dropped: 4n });
    assert.deepEqual(Object.keys(n), ['lo', 'eth0']);
  });
});

describe('the stats stream', () => {
  const run = async (opts: { stream: boolean; oneShot: boolean; samples: Array<StatsSample | undefined>; max?: number }) => {
    const out: Array<Record<string, any>> = [];
    const ac = new AbortController();
    let i = 0;
    await streamStats({
      name: () => '/u1', id: ID, stream: opts.stream, oneShot: opts.oneShot, signal: ac.signal, intervalMs: 1,
      sample: () => opts.samples[Math.min(i++, opts.samples.length - 1)],
      write: (t) => { out.push(JSON.parse(t)); if (out.length >= (opts.max ?? Infinity)) ac.abort(); },
    });
    return { out, samples: i };
  };

  it('stream=0 waits for a second sample so that CPU figures have a base', async () => {
    const r = await run({ stream: false, oneShot: false, samples: [sample({ systemUsage: 1n }), sample({ systemUsage: 2n })] });
    assert.equal(r.out.length, 1);
    assert.equal(r.samples, 2);
    assert.equal(r.out[0]!.precpu_stats.system_cpu_usage, 1);
    assert.equal(r.out[0]!.cpu_stats.system_cpu_usage, 2);
  });

  it('one-shot answers with the first sample, precpu zero', async () => {
    const r = await run({ stream: false, oneShot: true, samples: [sample()] });
    assert.equal(r.out.length, 1);
    assert.equal(r.out[0]!.preread, '0001-01-01T00:00:00Z');
    assert.equal(r.out[0]!.precpu_stats.system_cpu_usage, undefined);
  });

  it('streams one object per sample, zeros once the container stops, until aborted', async () => {
    const r = await run({ stream: true, oneShot: false, samples: [sample(), sample(), undefined], max: 4 });
    assert.equal(r.out.length, 4);
    assert.equal(r.out[1]!.preread, r.out[0]!.read);
    assert.equal(r.out[2]!.read, '0001-01-01T00:00:00Z');
    assert.deepEqual(r.out[2]!.memory_stats, {});
    assert.equal(r.out[2]!.precpu_stats.cpu_usage.total_usage, 230318431);
    assert.equal(r.out[3]!.precpu_stats.cpu_usage.total_usage, 0);
  });
});
