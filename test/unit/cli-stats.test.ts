// docker CLI's stats calculations and formatting, top's table and update's request body.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  calculateBlockIO, calculateCpuPercentUnix, calculateMemPercentUnixNoCache, calculateMemUsageUnixNoCache, calculateNetwork,
  emptyEntry, renderStats, statsEntry, streamFrame, type StatsEntry,
} from '../../src/cli/commands/stats.js';
import { renderTop } from '../../src/cli/commands/top.js';
import { updateBody } from '../../src/cli/commands/update.js';

describe('docker CLI stats calculations', () => {
  it('CPU %: container delta over system delta, times the online CPUs', () => {
    const pre = { cpu_usage: { total_usage: 1_000_000_000 }, system_cpu_usage: 100_000_000_000 };
    const cur = { cpu_usage: { total_usage: 1_500_000_000 }, system_cpu_usage: 102_000_000_000, online_cpus: 2 };
    assert.equal(calculateCpuPercentUnix(pre, cur), 50);
    // Without online_cpus the per-CPU list's length counts.
    assert.equal(calculateCpuPercentUnix(pre, { ...cur, online_cpus: 0, cpu_usage: { total_usage: 1_500_000_000, percpu_usage: [1, 2, 3, 4] } }), 100);
    assert.equal(calculateCpuPercentUnix(cur, cur), 0);
    assert.equal(calculateCpuPercentUnix(undefined, undefined), 0);
  });

  it('memory: usage without inactive file cache (v1 total_inactive_file, else v2 inactive_file)', () => {
    assert.equal(calculateMemUsageUnixNoCache({ usage: 1000, stats: { total_inactive_file: 300, inactive_file: 100 } }), 700);
    assert.equal(calculateMemUsageUnixNoCache({ usage: 1000, stats: { inactive_file: 100 } }), 900);
    assert.equal(calculateMemUsageUnixNoCache({ usage: 1000, stats: { total_inactive_file: 2000 } }), 1000);
    assert.equal(calculateMemUsageUnixNoCache({}), 0);
    assert.equal(calculateMemPercentUnixNoCache(2000, 500), 25);
    assert.equal(calculateMemPercentUnixNoCache(0, 500), 0);
  });

  it('block and network I/O', () => {
    assert.deepEqual(calculateBlockIO({ io_service_bytes_recursive: [{ op: 'Read', value: 10 }, { op: 'write', value: 5 }, { op: 'Total', value: 15 }, { op: 'read', value: 1 }, { op: '', value: 9 }] }), [11, 5]);
    assert.deepEqual(calculateBlockIO({ io_service_bytes_recursive: null }), [0, 0]);
    assert.deepEqual(calculateNetwork({ eth0: { rx_bytes: 100, tx_bytes: 10 }, eth1: { rx_bytes: 1, tx_bytes: 2 } }), [101, 12]);
  });

  it('makes an entry of a stats object', () => {
    const e = statsEntry('u1', {
      name: '/u1', id: 'cb9517047421057242aa41d45475342d8d1a037be4dcccfb31fb5db3dfb9be91',
      memory_stats: { usage: 552960, stats: { total_inactive_file: 233472 }, limit: 10485760 }, pids_stats: { current: 1 },
    });
    assert.equal(e.memory, 319488);
    assert.equal(e.memoryLimit, 10485760);
    assert.equal(e.pidsCurrent, 1);
  });
});

const entry = (over: Partial<StatsEntry>): StatsEntry => ({
  ...emptyEntry('u1'), name: '/u1', id: 'cb9517047421057242aa41d45475342d8d1a037be4dcccfb31fb5db3dfb9be91',
  memory: 319488, memoryLimit: 10485760, memoryPercentage: 3.046875, pidsCurrent: 1, ...over,
});

describe('stats formatting (formatter_stats.go)', () => {
  it('the default table, as docker printed it', () => {
    assert.equal(renderStats('', [entry({})], true), [
      'CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O   BLOCK I/O   PIDS',
      'cb9517047421   u1        0.00%     312KiB / 10MiB      3.05%     0B / 0B   0B / 0B     1',
      '',
    ].join('\n'));
  });

  it('--format json and custom tables with docker\'s headers', () => {
    assert.equal(renderStats('json', [entry({ container: 'cb9517047421' })], true),
      '{"BlockIO":"0B / 0B","CPUPerc":"0.00%","Container":"cb9517047421","ID":"cb9517047421","MemPerc":"3.05%","MemUsage":"312KiB / 10MiB","Name":"u1","NetIO":"0B / 0B","PIDs":"1"}\n');
    assert.equal(renderStats('table {{.Container}}\t{{.CPUPerc}}', [entry({ cpuPercentage: 50.204 })], true), 'CONTAINER   CPU %\nu1          50.20%\n');
    assert.equal(renderStats('{{.Name}} {{.NetIO}} {{.BlockIO}}', [entry({ networkRx: 1296, networkTx: 866, blockRead: 4096, blockWrite: 1.5e6 })], true), 'u1 1.3kB / 866B 4.1kB / 1.5MB\n');
    assert.equal(renderStats('{{.ID}}', [entry({})], false), 'cb9517047421057242aa41d45475342d8d1a037be4dcccfb31fb5db3dfb9be91\n');
  });

  it('an entry without data shows dashes', () => {
    assert.equal(renderStats('{{.Name}}|{{.CPUPerc}}|{{.MemUsage}}|{{.MemPerc}}|{{.NetIO}}|{{.BlockIO}}|{{.PIDs}}', [{ ...emptyEntry('x'), isInvalid: true }], true), '--|--|-- / --|--|--|--|--\n');
  });

  it('redraws as docker 28 does: home, the table, the lines again with erase-line, erase-below', () => {
    assert.equal(streamFrame('A\nB\n'), '\x1b[HA\nB\n\x1b[HA \x1b[K\nB \x1b[K\n \x1b[K\n\x1b[J');
  });
});

describe('top and update', () => {
  it('prints top\'s table with a minimum column width of 20', () => {
    assert.equal(renderTop({ Titles: ['PID', 'COMMAND'], Processes: [['8138', 'sleep 300']] }), 'PID                 COMMAND\n8138                sleep 300\n');
  });

  it('sends the UpdateConfig docker CLI 28 sends', () => {
    // Captured from `docker update --cpus 0.5 --pids-limit 3 x`.
    const docker = '{"CpuShares":0,"Memory":0,"NanoCpus":500000000,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":null,"BlkioDeviceReadBps":null,"BlkioDeviceWriteBps":null,"BlkioDeviceReadIOps":null,"BlkioDeviceWriteIOps":null,"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":null,"DeviceCgroupRules":null,"DeviceRequests":null,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":null,"OomKillDisable":null,"PidsLimit":3,"Ulimits":null,"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"RestartPolicy":{"Name":"","MaximumRetryCount":0}}';
    assert.equal(JSON.stringify(updateBody({ cpus: '0.5', 'pids-limit': 3 })), docker);
    const b = updateBody({ memory: '10m', restart: 'on-failure:3', 'memory-swap': '-1', 'kernel-memory': '10m' });
    assert.equal(b.Memory, 10485760);
    assert.equal(b.MemorySwap, -1);
    assert.equal(b.PidsLimit, null);
    assert.deepEqual(b.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 3 });
    assert.deepEqual(Object.keys(b).slice(18, 21), ['DeviceRequests', 'KernelMemory', 'MemoryReservation']);
  });
});
