// Port publishing logic: binding requests from PortBindings/-P, host port allocation (explicit,
// ranges, ephemeral, conflicts), coalescing into ranges, PortMap output.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '../../src/common/errors.js';
import { PortAllocator, bindingRequests, coalesce, parsePortKey, portMapOf, type PortMapping } from '../../src/network/ports.js';
import { allocateHostPorts } from '../../src/network/publish.js';

const base = { portBindings: null, publishAll: false, exposedPorts: [] as string[], defaultIp: '0.0.0.0', hasIPv4: true, hasIPv6: false };

describe('binding requests', () => {
  it('parse port keys, tcp by default', () => {
    assert.deepEqual(parsePortKey('80'), { port: 80, proto: 'tcp' });
    assert.deepEqual(parsePortKey('53/UDP'), { port: 53, proto: 'udp' });
    assert.throws(() => parsePortKey('0/tcp'));
    assert.throws(() => parsePortKey('80/icmp'));
  });

  it('publish explicit ports first, then by port number; exposed-only ports have no binding', () => {
    const r = bindingRequests({
      ...base, exposedPorts: ['22/tcp', '443/tcp', '80/tcp'],
      portBindings: { '443/tcp': [{ HostPort: '' }], '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] },
    });
    assert.deepEqual(r.requests.map((q) => [q.containerPort, q.hostIps, q.hostPort]), [[80, ['127.0.0.1'], 8080], [443, ['0.0.0.0'], 0]]);
    assert.deepEqual(r.exposed, ['80/tcp', '22/tcp', '443/tcp']);
  });

  it('-P publishes every exposed port without a binding on an ephemeral port', () => {
    const r = bindingRequests({ ...base, publishAll: true, exposedPorts: ['80/tcp', '53/udp'] });
    assert.deepEqual(r.requests.map((q) => [q.containerPort, q.proto, q.hostPort]), [[53, 'udp', 0], [80, 'tcp', 0]]);
  });

  it('an empty HostIp means 0.0.0.0 and, with IPv6 on the network, :: with the same port', () => {
    const r = bindingRequests({ ...base, hasIPv6: true, portBindings: { '80/tcp': [{ HostPort: '8080' }] } });
    assert.deepEqual(r.requests[0].hostIps, ['0.0.0.0', '::']);
    const v4only = bindingRequests({ ...base, portBindings: { '80/tcp': [{ HostIp: '::1', HostPort: '8080' }] } });
    assert.equal(v4only.requests.length, 0, 'an IPv6 host address cannot reach an IPv4-only container without a proxy');
  });

  it('host port ranges are kept as ranges; bad ones are refused', () => {
    const r = bindingRequests({ ...base, portBindings: { '80/tcp': [{ HostPort: '8000-8010' }] } });
    assert.deepEqual([r.requests[0].hostPort, r.requests[0].hostPortEnd], [8000, 8010]);
    assert.throws(() => bindingRequests({ ...base, portBindings: { '80/tcp': [{ HostPort: '9000-8000' }] } }));
    assert.throws(() => bindingRequests({ ...base, portBindings: { '80/tcp': [{ HostPort: 'x' }] } }));
  });
});

describe('PortAllocator', () => {
  it('hands out ephemeral ports in sequence from the range and wraps', () => {
    const a = new PortAllocator([40000, 40002]);
    const seq = [0, 1, 2, 3].map(() => { const p = a.pick('tcp', ['0.0.0.0'], 0, 0)!; a.take('tcp', '0.0.0.0', p); return p; });
    assert.deepEqual(seq.slice(0, 3), [40000, 40001, 40002]);
    assert.equal(seq[3], undefined, 'exhausted');
    a.release('tcp', '0.0.0.0', 40001);
    assert.equal(a.pick('tcp', ['0.0.0.0'], 0, 0), 40001);
  });

  it('treats the wildcard as conflicting with every address of its family, not across protocols or families', () => {
    const a = new PortAllocator([40000, 40100]);
    a.take('tcp', '127.0.0.1', 8080);
    assert.ok(!a.isFree('tcp', '0.0.0.0', 8080));
    assert.ok(a.isFree('tcp', '192.0.2.9', 8080));
    assert.ok(a.isFree('udp', '0.0.0.0', 8080));
    assert.ok(a.isFree('tcp', '::', 8080));
    a.take('tcp', '0.0.0.0', 9090);
    assert.ok(!a.isFree('tcp', '127.0.0.1', 9090));
  });

  it('picks the first free port of a host range', () => {
    const a = new PortAllocator([40000, 40100]);
    a.take('tcp', '0.0.0.0', 8000);
    assert.equal(a.pick('tcp', ['0.0.0.0'], 8000, 8002), 8001);
  });
});

describe('allocateHostPorts', () => {
  const free = async () => true;

  it("refuses a port another container holds with Docker's text, giving back what it took", async () => {
    const a = new PortAllocator([40000, 40100]);
    a.take('tcp', '0.0.0.0', 8080);
    await assert.rejects(
      allocateHostPorts(a, [
        { proto: 'tcp', containerPort: 81, hostIps: ['0.0.0.0'], hostPort: 8081, hostPortEnd: 8081 },
        { proto: 'tcp', containerPort: 80, hostIps: ['0.0.0.0'], hostPort: 8080, hostPortEnd: 8080 },
      ], { v4: '10.0.0.2' }, free),
      (e: unknown) => isBerthError(e, 'Conflict') && e.message === 'Bind for 0.0.0.0:8080 failed: port is already allocated',
    );
    assert.ok(a.isFree('tcp', '0.0.0.0', 8081));
  });

  it("refuses a port a host process holds with Docker 28's text", async () => {
    const a = new PortAllocator([40000, 40100]);
    await assert.rejects(
      allocateHostPorts(a, [{ proto: 'tcp', containerPort: 80, hostIps: ['0.0.0.0'], hostPort: 8080, hostPortEnd: 8080 }], { v4: '10.0.0.2' }, async () => false),
      (e: unknown) => isBerthError(e) && e.message === 'failed to bind host port for 0.0.0.0:8080:10.0.0.2:80/tcp: address already in use',
    );
    assert.ok(a.isFree('tcp', '0.0.0.0', 8080));
  });

  it('moves an ephemeral port past ports busy on the host', async () => {
    const a = new PortAllocator([40000, 40100]);
    const busy = new Set([40000, 40001]);
    const m = await allocateHostPorts(a, [{ proto: 'tcp', containerPort: 80, hostIps: ['0.0.0.0'], hostPort: 0, hostPortEnd: 0 }], { v4: '10.0.0.2' },
      async (_p, _ip, port) => !busy.has(port));
    assert.equal(m[0].hostPort, 40002);
    assert.ok(a.isFree('tcp', '0.0.0.0', 40000));
    assert.ok(!a.isFree('tcp', '0.0.0.0', 40002));
  });

  it('gives the IPv4 and IPv6 bindings of one request the same port', async () => {
    const a = new PortAllocator([40000, 40100]);
    a.take('tcp', '::', 40000);
    const m = await allocateHostPorts(a, [{ proto: 'tcp', containerPort: 80, hostIps: ['0.0.0.0', '::'], hostPort: 0, hostPortEnd: 0 }],
      { v4: '10.0.0.2', v6: 'fd00::2' }, free);
    assert.deepEqual(m.map((x) => [x.hostIp, x.hostPort, x.containerIp]), [['0.0.0.0', 40001, '10.0.0.2'], ['::', 40001, 'fd00::2']]);
  });
});

describe('coalesce and PortMap', () => {
  const map = (hostPort: number, containerPort: number, extra: Partial<PortMapping> = {}): PortMapping =>
    ({ proto: 'tcp', hostIp: '0.0.0.0', hostPort, containerIp: '10.0.0.2', containerPort, ...extra });

  it('turns 1000 consecutive ports into one range', () => {
    const ms = Array.from({ length: 1000 }, (_, i) => map(20000 + i, 20000 + i));
    assert.deepEqual(coalesce(ms), [{ ...map(20000, 20000), hostPortEnd: 20999 }]);
  });

  it('keeps a constant shift in one range, and splits on gaps, protocols and addresses', () => {
    const ms = [map(9000, 80), map(9001, 81), map(9003, 83), map(9002, 82, { proto: 'udp' }), map(9004, 84, { hostIp: '127.0.0.1' })];
    const r = coalesce(ms).map((x) => [x.proto, x.hostIp, x.hostPort, x.hostPortEnd, x.containerPort]);
    assert.deepEqual(r, [
      ['tcp', '0.0.0.0', 9000, 9001, 80], ['tcp', '0.0.0.0', 9003, 9003, 83], ['tcp', '127.0.0.1', 9004, 9004, 84], ['udp', '0.0.0.0', 9002, 9002, 82],
    ]);
  });

  it('shows every exposed port, IPv4 bindings before IPv6 ones', () => {
    const pm = portMapOf(['80/tcp', '22/tcp'], [map(8080, 80, { hostIp: '::', containerIp: 'fd00::2' }), map(8080, 80)]);
    assert.deepEqual(pm, { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }, { HostIp: '::', HostPort: '8080' }], '22/tcp': null });
  });
});
