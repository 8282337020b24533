// `berth network …` and `berth port`: docker/cli 28's client-side IPAM consolidation and its error
// texts, the create/connect request bodies, `network ls` rows and formats, rm/prune output, and
// `port` lines and errors. The expected texts are docker CLI 28's (checked against the real binary).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  consolidateIpam, convertDriverOpt, goTimeOfRFC3339, networkConnectBody, networkCreateBody, networkCreateCmd,
  networkConnectCmd, networkLsCmd, networkPruneCmd, networkRmCmd, renderNetworkList, type NetworkCreateOptions, type NetworkSummary,
} from '../../src/cli/commands/network.js';
import { portCmd, portLines } from '../../src/cli/commands/port.js';
import { parseSpecCommand, renderSpecHelp, type SpecCommand } from '../../src/cli/container/spec-command.js';
import { StatusError, type CliContext } from '../../src/cli/context.js';
import { ApiError } from '../../src/client/client.js';

const ipam = (subnets: string[], ipRanges: string[] = [], gateways: string[] = [], auxAddresses: string[] = []) =>
  consolidateIpam({ subnets, ipRanges, gateways, auxAddresses });

describe('network create IPAM consolidation', () => {
  it('pairs ranges, gateways and aux addresses with their subnets', () => {
    assert.deepEqual(ipam(['10.0.0.0/24', '10.1.0.0/24', 'fd00::/64'], ['10.1.0.128/25'], ['10.1.0.1', '10.0.0.1', 'fd00::1'], ['h=10.0.0.5', 'g=fd00::5']), [
      { Subnet: '10.0.0.0/24', Gateway: '10.0.0.1', AuxiliaryAddresses: { h: '10.0.0.5' } },
      { Subnet: '10.1.0.0/24', IPRange: '10.1.0.128/25', Gateway: '10.1.0.1' },
      { Subnet: 'fd00::/64', Gateway: 'fd00::1', AuxiliaryAddresses: { g: 'fd00::5' } },
    ]);
    assert.deepEqual(ipam([]), []);
  });

  it('an IPv4 subnet contains v4-mapped addresses, as Go net.IPNet.Contains', () => {
    assert.deepEqual(ipam(['10.0.0.0/24'], [], ['::ffff:10.0.0.1']), [{ Subnet: '10.0.0.0/24', Gateway: '::ffff:10.0.0.1' }]);
    assert.deepEqual(ipam(['::ffff:10.0.0.0/120', '10.1.0.0/24'], [], ['10.0.0.1']), [{ Subnet: '::ffff:10.0.0.0/120', Gateway: '10.0.0.1' }, { Subnet: '10.1.0.0/24' }]);
  });

  const errors: Array<[string, () => unknown, string]> = [
    ['gateway without subnet', () => ipam([], [], ['10.0.0.1']), 'every ip-range or gateway must have a corresponding subnet'],
    ['more ranges than subnets', () => ipam(['10.0.0.0/24'], ['10.0.0.0/25', '10.0.0.128/25']), 'every ip-range or gateway must have a corresponding subnet'],
    ['gateway outside', () => ipam(['10.0.0.0/24'], [], ['10.1.0.1']), 'no matching subnet for gateway 10.1.0.1'],
    ['overlap', () => ipam(['10.0.0.0/24', '10.0.0.0/16']), 'multiple overlapping subnet configuration is not supported'],
    ['same subnet twice', () => ipam(['10.0.0.0/24', '10.0.0.0/24']), 'multiple overlapping subnet configuration is not supported'],
    ['range outside', () => ipam(['10.0.0.0/24'], ['10.2.0.0/25']), 'no matching subnet for range 10.2.0.0/25'],
    ['two ranges', () => ipam(['10.0.0.0/24', '10.1.0.0/24'], ['10.0.0.0/25', '10.0.0.128/25']), 'cannot configure multiple ranges (10.0.0.128/25, 10.0.0.0/25) on the same subnet (10.0.0.0/24)'],
    ['two gateways', () => ipam(['10.0.0.0/24', '10.1.0.0/24'], [], ['10.0.0.1', '10.0.0.2']), 'cannot configure multiple gateways (10.0.0.2, 10.0.0.1) for the same subnet (10.0.0.0/24)'],
    ['aux outside', () => ipam(['10.0.0.0/24'], [], [], ['a=10.5.0.1']), 'no matching subnet for aux-address 10.5.0.1'],
    ['aux without value', () => ipam(['10.0.0.0/24'], [], [], ['a']), 'no matching subnet for aux-address '],
    ['bad range', () => ipam(['10.0.0.0/24'], ['bad']), 'invalid CIDR address: bad'],
    ['range prefix too long', () => ipam(['10.0.0.0/24'], ['10.0.0.0/99']), 'invalid CIDR address: 10.0.0.0/99'],
    ['bad gateway', () => ipam(['10.0.0.0/24'], [], ['bad']), 'no matching subnet for gateway bad'],
    ['bad second subnet', () => ipam(['10.0.0.0/24', 'bad']), 'invalid subnet: invalid CIDR address: bad'],
    ['bare address as subnet', () => ipam(['10.0.0.0/24', '10.0.0.1']), 'invalid subnet: invalid CIDR address: 10.0.0.1'],
    ['bare address first', () => ipam(['10.0.0.1', '10.0.0.0/24']), 'invalid subnet: invalid CIDR address: 10.0.0.1'],
  ];
  for (const [name, fn, msg] of errors) {
    it(`rejects: ${name}`, () => assert.throws(fn, { message: msg }));
  }

  it('leaves a single bad subnet to the daemon, as docker does', () => {
    assert.deepEqual(ipam(['bad']), [{ Subnet: 'bad' }]);
  });
});

function parse(cmd: SpecCommand, argv: string[]) {
  return parseSpecCommand(cmd, argv, ['berth', 'network', cmd.name]);
}

describe('network create flags and body', () => {
  it('builds docker 28 CreateRequest, EnableIPv4/6 only when given', () => {
    const { opts, args } = parse(networkCreateCmd, ['--subnet', '10.0.0.0/24', '--gateway=10.0.0.1', '-o', 'mtu=1400', '--label', 'a=b', '--label', 'c', '--ipam-opt', 'x', '--ipv6', 'n1']);
    assert.deepEqual(args, ['n1']);
    const body = networkCreateBody('n1', { ...(opts as NetworkCreateOptions), enableIPv6: true });
    assert.deepEqual(body, {
      Driver: 'bridge', Scope: '', EnableIPv6: true,
      IPAM: { Driver: 'default', Config: [{ Subnet: '10.0.0.0/24', Gateway: '10.0.0.1' }], Options: { x: '' } },
      Internal: false, Attachable: false, Ingress: false, ConfigOnly: false, ConfigFrom: null,
      Options: { mtu: '1400' }, Labels: { a: 'b', c: '' }, Name: 'n1',
    });
    const b2 = networkCreateBody('n2', { ...(parse(networkCreateCmd, ['--config-from', 'base', '-d', 'macvlan', 'n2']).opts as NetworkCreateOptions), enableIPv4: false });
    assert.equal(b2.EnableIPv4, false);
    assert.equal('EnableIPv6' in b2, false);
    assert.deepEqual(b2.ConfigFrom, { Network: 'base' });
    assert.equal(b2.Driver, 'macvlan');
  });

  it('rejects bad labels at parse time with pflag text', () => {
    assert.throws(() => parse(networkCreateCmd, ['--label', 'a b', 'x']), (e: Error) => e.message.startsWith(`invalid argument "a b" for "--label" flag: label 'a b' contains whitespaces\n\nUsage:  berth network create [OPTIONS] NETWORK`));
    assert.throws(() => parse(networkCreateCmd, ['--label', '', 'x']), { message: /invalid argument "" for "--label" flag: invalid label '': empty name/ });
  });

  it('help matches docker 28', () => {
    assert.equal(renderSpecHelp(networkCreateCmd, ['berth', 'network', 'create']), `Usage:  berth network create [OPTIONS] NETWORK

Create a network

Options:
      --attachable           Enable manual container attachment
      --aux-address map      Auxiliary IPv4 or IPv6 addresses used by
                             Network driver (default map[])
      --config-from string   The network from which to copy the configuration
      --config-only          Create a configuration only network
  -d, --driver string        Driver to manage the Network (default "bridge")
      --gateway strings      IPv4 or IPv6 Gateway for the master subnet
      --ingress              Create swarm routing-mesh network
      --internal             Restrict external access to the network
      --ip-range strings     Allocate container ip from a sub-range
      --ipam-driver string   IP Address Management Driver (default "default")
      --ipam-opt map         Set IPAM driver specific options (default map[])
      --ipv4                 Enable or disable IPv4 address assignment
                             (default true)
      --ipv6                 Enable or disable IPv6 address assignment
      --label list           Set metadata on a network
  -o, --opt map              Set driver specific options (default map[])
      --scope string         Control the network's scope
      --subnet strings       Subnet in CIDR format that represents a
                             network segment
`);
  });
});

describe('network connect', () => {
  it('sends EndpointSettings with IPAM config, aliases, links and driver options', () => {
    const { opts } = parse(networkConnectCmd, ['--alias', 'a,b', '--ip', '10.0.0.9', '--link-local-ip', '169.254.1.1', '--driver-opt', ' k = v ', '--link', 'web:w', '--gw-priority', '-3', 'net', 'ctr']);
    const body = networkConnectBody('ctr', opts as never) as { Container: string; EndpointConfig: Record<string, unknown> };
    assert.equal(body.Container, 'ctr');
    assert.deepEqual(body.EndpointConfig.IPAMConfig, { IPv4Address: '10.0.0.9', LinkLocalIPs: ['169.254.1.1'] });
    assert.deepEqual(body.EndpointConfig.Aliases, ['a', 'b']);
    assert.deepEqual(body.EndpointConfig.Links, ['web:w']);
    assert.deepEqual(body.EndpointConfig.DriverOpts, { k: 'v' });
    assert.equal(body.EndpointConfig.GwPriority, -3);
  });

  it('rejects driver options without a key', () => {
    assert.throws(() => convertDriverOpt(['foo']), { message: 'invalid key/value pair format in driver options' });
    assert.throws(() => convertDriverOpt(['=v']), { message: 'invalid key/value pair format in driver options' });
    assert.throws(() => parse(networkConnectCmd, ['--link', 'a:b:c', 'n', 'c']), { message: /invalid argument "a:b:c" for "--link" flag: bad format for links: a:b:c/ });
  });
});

const NETS: NetworkSummary[] = [
  { Name: 'net10', Id: '7b1e299b8dd6ad7aa7d8da3adc6641b141c08102f3dfaa673bd65f9b987496cf', Created: '2026-11-26T13:12:21.9876508Z', Scope: 'local', Driver: 'bridge', Labels: { a: 'b' }, Internal: true },
  { Name: 'none', Id: '70e077ea2391bbda12c70e4edcc4c05a396d25d93fed8d8e3a85f78fafec9cb5', Created: '2026-11-26T13:12:15.019021388Z', Scope: 'local', Driver: 'null', Labels: {} },
  { Name: 'net2', Id: '3abebd6267973b55db300229d38f9a30186aaae40191ee0991e0adcb55d90a61', Created: '2026-11-26T13:12:22.015887525Z', Scope: 'local', Driver: 'bridge', EnableIPv4: true },
  { Name: 'Net3', Id: 'eebb217d9788f5e3192b3ebd0e8a22aa054def0e3abf4154f44751dce9ed8347', Created: '2026-11-26T13:12:22.055725711Z', Scope: 'local', Driver: 'bridge' },
];

describe('network ls', () => {
  it('sorts names naturally and prints the default table', () => {
    assert.equal(renderNetworkList(NETS, {}), `NETWORK ID     NAME      DRIVER    SCOPE
eebb217d9788   Net3      bridge    local
3abebd626797   net2      bridge    local
7b1e299b8dd6   net10     bridge    local
70e077ea2391   none      null      local
`);
  });

  it('-q, --no-trunc, json and custom templates', () => {
    assert.equal(renderNetworkList(NETS.slice(0, 2), { quiet: true }), '7b1e299b8dd6\n70e077ea2391\n');
    assert.equal(renderNetworkList(NETS.slice(0, 1), { noTrunc: true, quiet: true }), `${NETS[0]!.Id}\n`);
    assert.equal(renderNetworkList(NETS.slice(0, 1), { format: 'json' }),
      '{"CreatedAt":"2026-11-26 13:12:21.9876508 +0000 UTC","Driver":"bridge","ID":"7b1e299b8dd6","IPv4":"false","IPv6":"false","Internal":"true","Labels":"a=b","Name":"net10","Scope":"local"}\n');
    // A custom format wins over -q, as in docker's NewFormat.
    assert.equal(renderNetworkList(NETS.slice(0, 3), { format: '{{.Name}} {{.IPv4}} {{.Label "a"}}', quiet: true }), 'net2 true \nnet10 false b\nnone false \n');
    assert.equal(renderNetworkList(NETS.slice(0, 1), { format: 'raw' }), 'network_id: 7b1e299b8dd6\nname: net10\ndriver: bridge\nscope: local\n\n');
    assert.equal(renderNetworkList(NETS.slice(0, 1), { format: 'table {{.Name}}\t{{.Label "com.example.some-label"}}' }), 'NAME      some label\nnet10     \n');
  });

  it('CreatedAt is Go time.Time.String()', () => {
    assert.equal(goTimeOfRFC3339('2026-11-26T13:12:15.020378010Z'), '2026-11-26 13:12:15.02037801 +0000 UTC');
    assert.equal(goTimeOfRFC3339('2026-11-26T13:12:15Z'), '2026-11-26 13:12:15 +0000 UTC');
    assert.equal(goTimeOfRFC3339('2026-11-26T13:12:15.5+01:00'), '2026-11-26 13:12:15.5 +0100 +0100');
    assert.equal(goTimeOfRFC3339(undefined), '0001-01-01 00:00:00 +0000 UTC');
  });

  it('rejects a filter without "=" at parse time', () => {
    assert.throws(() => parse(networkLsCmd, ['-f', 'foo']), { message: /^invalid argument "foo" for "-f, --filter" flag: bad format of filter \(expected name=value\)/ });
  });
});

// A CliContext whose client answers from a table of handlers.
function fakeCtx(handler: (method: string, path: string, opts: { query?: Record<string, unknown>; body?: unknown }) => unknown) {
  let out = '';
  let err = '';
  const calls: string[] = [];
  const call = async (method: string, path: string, opts: { query?: Record<string, unknown>; body?: unknown } = {}) => {
    calls.push(`${method} ${path}`);
    return handler(method, path, opts);
  };
  const client = {
    get: (p: string, query?: Record<string, unknown>) => call('GET', p, { query }),
    json: call,
    request: async (m: string, p: string, o?: { body?: unknown }) => { await call(m, p, o); return { resume() {} }; },
  };
  const ctx = {
    client,
    out: { write: (s: string) => { out += s; return true; } },
    err: { write: (s: string) => { err += s; return true; } },
    print(s: string) { out += s.endsWith('\n') ? s : s + '\n'; },
    isTerminal: () => false,
  } as unknown as CliContext;
  return { ctx, calls, out: () => out, err: () => err };
}

describe('network rm and prune', () => {
  it('rm prints removed names, reports errors and ends with "exit status 1"', async () => {
    const f = fakeCtx((m, p) => {
      if (p === '/networks/nope') throw new ApiError(404, 'network nope not found');
      if (m === 'DELETE' && p === '/networks/host') throw new ApiError(403, 'host is a pre-defined network and cannot be removed');
      return {};
    });
    await assert.rejects(networkRmCmd.run!(f.ctx, { force: false }, ['a', 'nope', 'host', 'b']), (e: unknown) => e instanceof StatusError && e.message === 'exit status 1' && e.status === 1);
    assert.equal(f.out(), 'a\nb\n');
    assert.equal(f.err(), 'Error response from daemon: network nope not found\nError response from daemon: host is a pre-defined network and cannot be removed\n');
  });

  it('rm -f ignores missing networks', async () => {
    const f = fakeCtx((_m, p) => { if (p === '/networks/nope') throw new ApiError(404, 'network nope not found'); return {}; });
    await networkRmCmd.run!(f.ctx, { force: true }, ['nope']);
    assert.equal(f.out(), '');
    assert.equal(f.err(), '');
  });

  it('prune -f prints the deleted networks and a blank line', async () => {
    let query: Record<string, unknown> | undefined;
    const f = fakeCtx((_m, _p, o) => { query = o.query; return { NetworksDeleted: ['n1', 'n2'] }; });
    await networkPruneCmd.run!(f.ctx, { force: true, filter: ['label=a=b'] }, []);
    assert.equal(f.out(), 'Deleted Networks:\nn1\nn2\n\n');
    assert.deepEqual(JSON.parse(String(query!.filters)), { label: { 'a=b': true } });
    const g = fakeCtx(() => ({ NetworksDeleted: null }));
    await networkPruneCmd.run!(g.ctx, { force: true }, []);
    assert.equal(g.out(), '');
  });
});

describe('port', () => {
  const PORTS = {
    '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '32768' }, { HostIp: '::', HostPort: '32768' }],
    '9000/tcp': [{ HostIp: '0.0.0.0', HostPort: '9000' }],
    '443/tcp': [{ HostIp: '127.0.0.1', HostPort: '8443' }],
    '53/udp': [{ HostIp: '0.0.0.0', HostPort: '5353' }],
    '8080/tcp': null,
  };

  it('lists every mapping in natural order', () => {
    assert.deepEqual(portLines(PORTS, 'web'), [
      '53/udp -> 0.0.0.0:5353',
      '80/tcp -> 0.0.0.0:32768',
      '80/tcp -> [::]:32768',
      '443/tcp -> 127.0.0.1:8443',
      '9000/tcp -> 0.0.0.0:9000',
    ]);
    assert.deepEqual(portLines(null, 'web'), []);
  });

  it('with a private port prints host addresses, tcp by default', () => {
    assert.deepEqual(portLines(PORTS, 'web', '80'), ['0.0.0.0:32768', '[::]:32768']);
    assert.deepEqual(portLines(PORTS, 'web', '53/udp'), ['0.0.0.0:5353']);
    assert.deepEqual(portLines(PORTS, 'web', '80/'), ['0.0.0.0:32768', '[::]:32768']);
  });

  it('errors as docker', () => {
    assert.throws(() => portLines(PORTS, 'web', '81'), { message: "Error: No public port '81' published for web" });
    assert.throws(() => portLines(PORTS, 'web', '81/tcp'), { message: "Error: No public port '81/tcp' published for web" });
    assert.throws(() => portLines(PORTS, 'web', '8080'), { message: "Error: No public port '8080' published for web" });
    assert.throws(() => portLines(PORTS, 'web', '53'), { message: "Error: No public port '53' published for web" });
    assert.throws(() => portLines(PORTS, 'web', 'abc'), { message: 'Error: invalid port (abc): strconv.ParseUint: parsing "abc": invalid syntax' });
    assert.throws(() => portLines(PORTS, 'web', '99999/udp'), { message: 'Error: invalid port (99999): strconv.ParseUint: parsing "99999": value out of range' });
  });

  it('the command prints lines and exits 1 on a missing port', async () => {
    const f = fakeCtx(() => ({ NetworkSettings: { Ports: PORTS } }));
    await portCmd.run!(f.ctx, {}, ['web', '443']);
    assert.equal(f.out(), '127.0.0.1:8443\n');
    await assert.rejects(portCmd.run!(f.ctx, {}, ['web', '1']), (e: unknown) => e instanceof StatusError && e.status === 1);
    assert.deepEqual(f.calls, ['GET /containers/web/json', 'GET /containers/web/json']);
  });
});
