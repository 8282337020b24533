// Container views: expectations from moby's daemon/container/state.go (State.String / State.State),
// daemon/container/view.go (summary), api/types/container (inspect key order, Docker 27) and
// docker/go-units duration_test.go (HumanDuration).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration } from '../../src/common/human-duration.js';
import { ZERO_TIME, type ContainerRecord } from '../../src/container/types.js';
import {
  DEFAULT_MASKED_PATHS,
  DEFAULT_READONLY_PATHS,
  commandOf,
  inspectOf,
  parseTime,
  stateOf,
  statusText,
  summaryOf,
  unixSeconds,
  type InspectExtra,
} from '../../src/container/views.js';

const ID = 'a1b2c3d4e5f6' + '0'.repeat(52);
const NOW = Date.parse('2024-05-01T12:00:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();

type Patch = Omit<Partial<ContainerRecord>, 'State'> & { State?: Partial<ContainerRecord['State']> & { Health?: unknown } };

function record(p: Patch = {}): ContainerRecord {
  const base: ContainerRecord = {
    Id: ID,
    Name: '/web',
    Created: '2024-05-01T11:00:00.123456789Z',
    Path: 'sh',
    Args: ['-c', 'echo hi'],
    Config: { Image: 'busybox', Cmd: ['sh', '-c', 'echo hi'], Env: ['PATH=/bin'], Labels: { a: '1' } },
    HostConfig: { NetworkMode: 'default' },
    Image: 'sha256:' + 'f'.repeat(64),
    ImageRef: 'busybox',
    State: {
      Status: 'created', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false,
      Pid: 0, ExitCode: 0, Error: '', StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME,
    },
    RestartCount: 0,
    Layers: [],
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
  };
  const { State, ...rest } = p;
  return { ...base, ...rest, State: { ...base.State, ...(State ?? {}) } as ContainerRecord['State'] };
}

const running = (startedAgo: number, extra: Patch['State'] = {}) =>
  record({ State: { Status: 'running', Running: true, Pid: 42, StartedAt: ago(startedAgo), ...extra } });
const exited = (code: number, finishedAgo: number) =>
  record({ State: { Status: 'exited', ExitCode: code, StartedAt: ago(finishedAgo + 1000), FinishedAt: ago(finishedAgo) } });

const EXTRA: InspectExtra = {
  paths: {
    resolvConf: '/var/lib/berth/containers/x/resolv.conf', hostname: '/h', hosts: '/hosts', log: '/log.json',
    lower: '/l1:/l2', merged: '/merged', upper: '/upper', work: '/work',
  },
  execIds: [],
};

describe('humanDuration (go-units HumanDuration)', () => {
  const S = 1000, M = 60 * S, H = 60 * M, D = 24 * H, W = 7 * D, MO = 30 * D, Y = 365 * D;
  const cases: [number, string][] = [
    [-1, 'Less than a second'], [0, 'Less than a second'], [999, 'Less than a second'],
    [1 * S, '1 second'], [2 * S, '2 seconds'], [59 * S, '59 seconds'],
    [1 * M, 'About a minute'], [119 * S, 'About a minute'], [2 * M, '2 minutes'], [59 * M, '59 minutes'],
    [60 * M, 'About an hour'], [89 * M, 'About an hour'], [90 * M, '2 hours'], [47 * H, '47 hours'],
    [48 * H, '2 days'], [13 * D, '13 days'], [2 * W, '2 weeks'], [59 * D, '8 weeks'],
    [60 * D, '2 months'], [11 * MO, '11 months'], [729 * D, '24 months'], [2 * Y, '2 years'], [10 * Y, '10 years'],
  ];
  for (const [ms, text] of cases) it(`${ms} ms → ${text}`, () => assert.equal(humanDuration(ms), text));
});

describe('parseTime / unixSeconds', () => {
  it('keeps nanoseconds and flags the zero time', () => {
    const t = parseTime('2024-05-01T11:00:00.123456789Z');
    assert.equal(t.ns, BigInt(Date.parse('2024-05-01T11:00:00Z')) * 1_000_000n + 123_456_789n);
    assert.equal(t.zero, false);
    assert.equal(parseTime(ZERO_TIME).zero, true);
    assert.equal(parseTime('garbage').zero, true);
  });
  it('honours offsets and floors to seconds', () => {
    assert.equal(unixSeconds('2024-05-01T13:00:00.999+02:00'), Date.parse('2024-05-01T11:00:00Z') / 1000);
  });
});

describe('stateOf / statusText (State.State, State.String)', () => {
  const cases: [string, ContainerRecord, string, string][] = [
    ['created', record(), 'created', 'Created'],
    ['running 3 s', running(3000), 'running', 'Up 3 seconds'],
    ['just started', running(200), 'running', 'Up Less than a second'],
    ['running 2 h', running(2 * 3600_000), 'running', 'Up 2 hours'],
    ['paused', running(120_000, { Status: 'paused', Paused: true }), 'paused', 'Up 2 minutes (Paused)'],
    ['exited 5 min', exited(0, 5 * 60_000), 'exited', 'Exited (0) 5 minutes ago'],
    ['exited 137', exited(137, 1000), 'exited', 'Exited (137) 1 second ago'],
    ['restarting', record({ State: { Status: 'restarting', Running: true, Restarting: true, ExitCode: 1, StartedAt: ago(10_000), FinishedAt: ago(3000) } }),
      'restarting', 'Restarting (1) 3 seconds ago'],
    ['dead', record({ State: { Status: 'dead', Dead: true, StartedAt: ago(9000), FinishedAt: ago(5000) } }), 'dead', 'Dead'],
    ['removing', record({ State: { Status: 'removing', StartedAt: ago(9000), FinishedAt: ago(5000) } }), 'removing', 'Removal In Progress'],
    ['healthy', running(3000, { Health: { Status: 'healthy', FailingStreak: 0, Log: [] } }), 'running', 'Up 3 seconds (healthy)'],
    ['health starting', running(3000, { Health: { Status: 'starting', FailingStreak: 0, Log: [] } }), 'running', 'Up 3 seconds (health: starting)'],
    ['health unset', running(3000, { Health: { Status: '' as 'healthy', FailingStreak: 0, Log: [] } }), 'running', 'Up 3 seconds (unhealthy)'],
    ['started, never finished', record({ State: { Status: 'exited', StartedAt: ago(1000) } }), 'exited', ''],
  ];
  for (const [what, rec, state, text] of cases) {
    it(what, () => {
      assert.equal(stateOf(rec), state);
      assert.equal(statusText(rec, NOW), text);
    });
  }
});

describe('commandOf', () => {
  it('quotes args with spaces', () => assert.equal(commandOf(record()), "sh -c 'echo hi'"));
  it('is the path alone without args', () => assert.equal(commandOf(record({ Path: '/init', Args: [] })), '/init'));
});

describe('summaryOf (ContainerSummary)', () => {
  it('has Docker\'s keys in order', () => {
    const s = summaryOf(running(3000), { imageName: 'busybox', now: NOW });
    assert.deepEqual(Object.keys(s), [
      'Id', 'Names', 'Image', 'ImageID', 'Command', 'Created', 'Ports', 'Labels', 'State', 'Status', 'HostConfig',
      'NetworkSettings', 'Mounts',
    ]);
    assert.deepEqual(s.Names, ['/web']);
    assert.equal(s.Image, 'busybox');
    assert.equal(s.ImageID, 'sha256:' + 'f'.repeat(64));
    assert.equal(s.Created, Date.parse('2024-05-01T11:00:00Z') / 1000);
    assert.equal(s.State, 'running');
    assert.equal(s.Status, 'Up 3 seconds');
    assert.deepEqual(s.Ports, []);
    assert.deepEqual(s.Mounts, []);
    assert.deepEqual(s.Labels, { a: '1' });
    assert.deepEqual(s.HostConfig, { NetworkMode: 'default' });
    assert.deepEqual(Object.keys(s.NetworkSettings.Networks), ['bridge']);
    assert.deepEqual(Object.keys(s.NetworkSettings.Networks.bridge), [
      'IPAMConfig', 'Links', 'Aliases', 'MacAddress', 'DriverOpts', 'NetworkID', 'EndpointID', 'Gateway', 'IPAddress',
      'IPPrefixLen', 'IPv6Gateway', 'GlobalIPv6Address', 'GlobalIPv6PrefixLen', 'DNSNames',
    ]);
  });
  it('puts sizes right after Ports when asked', () => {
    const s = summaryOf(record(), { imageName: 'busybox', sizeRw: 12, sizeRootFs: 4096, now: NOW });
    const keys = Object.keys(s);
    assert.deepEqual(keys.slice(keys.indexOf('Ports'), keys.indexOf('Ports') + 3), ['Ports', 'SizeRw', 'SizeRootFs']);
    assert.equal(s.SizeRw, 12);
    assert.equal(s.SizeRootFs, 4096);
  });
  it('names networks after the mode; container: mode has none; annotations only when set', () => {
    const net = (mode: string) => Object.keys(summaryOf(record({ HostConfig: { NetworkMode: mode } }), { imageName: 'x' }).NetworkSettings.Networks);
    assert.deepEqual(net('none'), ['none']);
    assert.deepEqual(net('host'), ['host']);
    assert.deepEqual(net('bridge'), ['bridge']);
    assert.deepEqual(net('mynet'), ['mynet']);
    assert.deepEqual(net('container:abc'), []);
    const s = summaryOf(record({ HostConfig: { NetworkMode: 'none', Annotations: { k: 'v' } } }), { imageName: 'x' });
    assert.deepEqual(s.HostConfig, { NetworkMode: 'none', Annotations: { k: 'v' } });
  });
  it('has null Labels when none were set and no Names for a nameless record', () => {
    const s = summaryOf(record({ Name: '', Config: { Image: 'busybox' } }), { imageName: 'busybox' });
    assert.equal(s.Labels, null);
    assert.deepEqual(s.Names, []);
  });
});

describe('inspectOf (ContainerInspectResponse)', () => {
  it('has Docker\'s top-level keys in order, sizes only when asked', () => {
    const j = inspectOf(record(), EXTRA, 1.47);
    assert.deepEqual(Object.keys(j), [
      'Id', 'Created', 'Path', 'Args', 'State', 'Image', 'ResolvConfPath', 'HostnamePath', 'HostsPath', 'LogPath', 'Name',
      'RestartCount', 'Driver', 'Platform', 'MountLabel', 'ProcessLabel', 'AppArmorProfile', 'ExecIDs', 'HostConfig',
      'GraphDriver', 'Mounts', 'Config', 'NetworkSettings',
    ]);
    const sized = inspectOf(record(), { ...EXTRA, sizeRw: 0, sizeRootFs: 100 }, 1.47);
    const keys = Object.keys(sized);
    assert.deepEqual(keys.slice(keys.indexOf('GraphDriver'), keys.indexOf('GraphDriver') + 4), ['GraphDriver', 'SizeRw', 'SizeRootFs', 'Mounts']);
    assert.equal(sized.SizeRw, 0);
  });
  it('fills the fixed fields', () => {
    const j = inspectOf(record(), EXTRA, 1.47);
    assert.equal(j.Driver, 'overlay2');
    assert.equal(j.Platform, 'linux');
    assert.equal(j.ExecIDs, null);
    assert.deepEqual(j.Args, ['-c', 'echo hi']);
    assert.equal(j.Name, '/web');
    assert.deepEqual(j.Mounts, []);
    assert.deepEqual(j.GraphDriver, {
      Data: { LowerDir: '/l1:/l2', MergedDir: '/merged', UpperDir: '/upper', WorkDir: '/work' },
      Name: 'overlay2',
    });
    assert.deepEqual(inspectOf(record(), { ...EXTRA, execIds: ['e1'] }, 1.47).ExecIDs, ['e1']);
  });
  it('State keys in order; Health only with a healthcheck', () => {
    const st = inspectOf(record(), EXTRA, 1.47).State as Record<string, unknown>;
    assert.deepEqual(Object.keys(st), ['Status', 'Running', 'Paused', 'Restarting', 'OOMKilled', 'Dead', 'Pid', 'ExitCode', 'Error', 'StartedAt', 'FinishedAt']);
    assert.equal(st.Status, 'created');
    assert.equal(st.StartedAt, ZERO_TIME);
    const h = inspectOf(running(1000, { Health: { Status: 'healthy', FailingStreak: 0, Log: [] } }), EXTRA, 1.47).State as Record<string, unknown>;
    assert.deepEqual(h.Health, { Status: 'healthy', FailingStreak: 0, Log: [] });
  });
  it('HostConfig: every key in Docker\'s order with the daemon\'s defaults', () => {
    const hc = inspectOf(record(), EXTRA, 1.47).HostConfig as Record<string, unknown>;
    assert.deepEqual(Object.keys(hc), [
      'Binds', 'ContainerIDFile', 'LogConfig', 'NetworkMode', 'PortBindings', 'RestartPolicy', 'AutoRemove', 'VolumeDriver',
      'VolumesFrom', 'ConsoleSize', 'CapAdd', 'CapDrop', 'CgroupnsMode', 'Dns', 'DnsOptions', 'DnsSearch', 'ExtraHosts',
      'GroupAdd', 'IpcMode', 'Cgroup', 'Links', 'OomScoreAdj', 'PidMode', 'Privileged', 'PublishAllPorts', 'ReadonlyRootfs',
      'SecurityOpt', 'UTSMode', 'UsernsMode', 'ShmSize', 'Runtime', 'Isolation', 'CpuShares', 'Memory', 'NanoCpus',
      'CgroupParent', 'BlkioWeight', 'BlkioWeightDevice', 'BlkioDeviceReadBps', 'BlkioDeviceWriteBps',
      'BlkioDeviceReadIOps', 'BlkioDeviceWriteIOps', 'CpuPeriod', 'CpuQuota', 'CpuRealtimePeriod', 'CpuRealtimeRuntime',
      'CpusetCpus', 'CpusetMems', 'Devices', 'DeviceCgroupRules', 'DeviceRequests', 'MemoryReservation', 'MemorySwap',
      'MemorySwappiness', 'OomKillDisable', 'PidsLimit', 'Ulimits', 'CpuCount', 'CpuPercent', 'IOMaximumIOps',
      'IOMaximumBandwidth', 'MaskedPaths', 'ReadonlyPaths',
    ]);
    assert.deepEqual(hc.LogConfig, { Type: 'json-file', Config: {} });
    assert.deepEqual(hc.RestartPolicy, { Name: 'no', MaximumRetryCount: 0 });
    assert.deepEqual(hc.ConsoleSize, [0, 0]);
    assert.equal(hc.NetworkMode, 'default');
    assert.equal(hc.CgroupnsMode, 'host');
    assert.equal(hc.IpcMode, 'private');
    assert.equal(hc.ShmSize, 67108864);
    assert.equal(hc.Runtime, 'runc');
    assert.equal(hc.Isolation, '');
    assert.equal(hc.Binds, null);
    assert.equal(hc.OomKillDisable, null);
    assert.deepEqual(hc.MaskedPaths, DEFAULT_MASKED_PATHS);
    assert.deepEqual(hc.ReadonlyPaths, DEFAULT_READONLY_PATHS);
  });
  it('HostConfig: given values win; privileged keeps null paths; omitempty keys appear when set', () => {
    const hc = inspectOf(record({
      HostConfig: {
        NetworkMode: 'none', Privileged: true, Memory: 1 << 20, CgroupnsMode: 'private', Tmpfs: { '/t': '' },
        Annotations: { a: 'b' }, Init: true, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
      },
    }), { ...EXTRA, cgroupnsMode: 'private' }, 1.47).HostConfig as Record<string, unknown>;
    assert.equal(hc.MaskedPaths, null);
    assert.equal(hc.ReadonlyPaths, null);
    assert.equal(hc.Memory, 1048576);
    assert.equal(hc.CgroupnsMode, 'private');
    assert.deepEqual(hc.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 3 });
    const keys = Object.keys(hc);
    assert.equal(keys[keys.indexOf('ConsoleSize') + 1], 'Annotations');
    assert.equal(keys[keys.indexOf('SecurityOpt') + 1], 'Tmpfs');
    assert.equal(keys.at(-1), 'Init');
  });
  it('Config: Docker\'s keys in order, the image as given, the short id as hostname', () => {
    const c = inspectOf(record(), EXTRA, 1.47).Config as Record<string, unknown>;
    assert.deepEqual(Object.keys(c), [
      'Hostname', 'Domainname', 'User', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'Tty', 'OpenStdin', 'StdinOnce',
      'Env', 'Cmd', 'Image', 'Volumes', 'WorkingDir', 'Entrypoint', 'OnBuild', 'Labels',
    ]);
    assert.equal(c.Hostname, ID.slice(0, 12));
    assert.equal(c.Image, 'busybox');
    assert.equal(c.Entrypoint, null);
    const full = inspectOf(record({
      Config: { Image: 'busybox', ExposedPorts: { '80/tcp': {} }, Healthcheck: { Test: ['NONE'] }, StopSignal: 'SIGINT', StopTimeout: 0, Shell: ['/bin/sh'] },
    }), EXTRA, 1.47).Config as Record<string, unknown>;
    const k = Object.keys(full);
    assert.equal(k[k.indexOf('AttachStderr') + 1], 'ExposedPorts');
    assert.equal(k[k.indexOf('Cmd') + 1], 'Healthcheck');
    assert.deepEqual(k.slice(k.indexOf('Labels')), ['Labels', 'StopSignal', 'StopTimeout', 'Shell']);
    assert.equal(full.StopTimeout, 0);
  });
  it('NetworkSettings: Docker 27 keys, one empty endpoint per mode', () => {
    const ns = inspectOf(record(), EXTRA, 1.47).NetworkSettings as Record<string, unknown>;
    assert.deepEqual(Object.keys(ns), [
      'Bridge', 'SandboxID', 'SandboxKey', 'Ports', 'HairpinMode', 'LinkLocalIPv6Address', 'LinkLocalIPv6PrefixLen',
      'SecondaryIPAddresses', 'SecondaryIPv6Addresses', 'EndpointID', 'Gateway', 'GlobalIPv6Address', 'GlobalIPv6PrefixLen',
      'IPAddress', 'IPPrefixLen', 'IPv6Gateway', 'MacAddress', 'Networks',
    ]);
    assert.deepEqual(ns.Ports, {});
    const nets = ns.Networks as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(nets), ['bridge']);
    assert.equal(nets.bridge.IPAddress, '');
    assert.equal(nets.bridge.Aliases, null);
    const none = inspectOf(record({ HostConfig: { NetworkMode: 'none' } }), EXTRA, 1.47).NetworkSettings as { Networks: object };
    assert.deepEqual(Object.keys(none.Networks), ['none']);
    const host = inspectOf(record({ HostConfig: { NetworkMode: 'host' } }), EXTRA, 1.47).NetworkSettings as { Networks: object };
    assert.deepEqual(Object.keys(host.Networks), ['host']);
  });
  it('below API 1.45 user-defined networks list the short id and hostname as aliases', () => {
    const rec = record({ HostConfig: { NetworkMode: 'mynet' }, Config: { Image: 'busybox', Hostname: 'box' } });
    const old = (inspectOf(rec, EXTRA, 1.44).NetworkSettings as { Networks: Record<string, { Aliases: unknown }> }).Networks;
    assert.deepEqual(old.mynet.Aliases, [ID.slice(0, 12), 'box']);
    const cur = (inspectOf(rec, EXTRA, 1.47).NetworkSettings as { Networks: Record<string, { Aliases: unknown }> }).Networks;
    assert.equal(cur.mynet.Aliases, null);
  });
  it('omits LowerDir when there are no lower layers', () => {
    const g = inspectOf(record(), { ...EXTRA, paths: { ...EXTRA.paths, lower: '' } }, 1.47).GraphDriver as { Data: object };
    assert.deepEqual(Object.keys(g.Data), ['MergedDir', 'UpperDir', 'WorkDir']);
  });
});
