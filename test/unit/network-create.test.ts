// Network creation and lookup with Docker's texts: IPAM validation, names, drivers and options,
// subnet choice, what inspect shows; endpoint validation; list and prune filters.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '../../src/common/errors.js';
import { Filters } from '../../src/common/filters.js';
import { joinErrors, planNetwork, validateIpam, type PlanContext } from '../../src/network/create.js';
import { validateEndpoint } from '../../src/network/endpoint-view.js';
import { predefinedPools } from '../../src/network/ipam.js';
import { mustPrefix } from '../../src/network/ipnet.js';
import { filterNetworks, prunable } from '../../src/network/network-filters.js';
import { NetworkRegistry } from '../../src/network/registry.js';
import type { StoredNetwork } from '../../src/network/store.js';
import type { NetworkCreateRequest, NetworkRecord } from '../../src/network/types.js';

const ctx = (networks: StoredNetwork[] = [], extra: Partial<PlanContext> = {}): PlanContext => ({
  networks, hostRoutes: [], pools4: predefinedPools([{ base: '10.248.0.0/16', size: 24 }], 4), pools6: [],
  created: '2026-01-01T00:00:00.000000001Z', ...extra,
});

async function rejects(fn: () => unknown, code: string, message: string | RegExp) {
  await assert.rejects(async () => fn(), (e: unknown) => {
    assert.ok(isBerthError(e), `expected a BerthError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

describe('network create', () => {
  it('validates IPAM with Docker\'s texts, all errors at once', async () => {
    await rejects(() => validateIpam([{ Subnet: '10.0.0.0/33' }], false), 'InvalidParameter', 'invalid network config:\ninvalid subnet 10.0.0.0/33: invalid CIDR block notation');
    await rejects(() => validateIpam([{ Subnet: '10.1.2.3/16', Gateway: '10.2.0.1', IPRange: '10.1.0.0/8' }], false), 'InvalidParameter', [
      'invalid network config:',
      '* invalid subnet 10.1.2.3/16: it should be 10.1.0.0/16',
      '* invalid ip-range 10.1.0.0/8: CIDR block is bigger than its parent subnet 10.1.2.3/16',
      '* invalid ip-range 10.1.0.0/8: it should be 10.0.0.0/8',
      '* invalid gateway 10.2.0.1: parent subnet 10.1.2.3/16 doesn\'t contain this address',
    ].join('\n'));
    await rejects(() => validateIpam([{ Subnet: '10.1.0.0/16', IPRange: '10.2.0.0/24', AuxiliaryAddresses: { h: 'fd00::1' } }], false), 'InvalidParameter', [
      'invalid network config:',
      '* invalid ip-range 10.2.0.0/24: parent subnet 10.1.0.0/16 doesn\'t contain ip-range',
      '* invalid auxiliary address h: parent subnet is an IPv4 block',
    ].join('\n'));
    validateIpam([{ Subnet: 'fd00::/64', Gateway: 'bogus' }], false); // IPv6 configs are not checked without --ipv6
  });

  it('joins several errors as moby\'s multierror', () => {
    assert.equal(joinErrors(['a']), 'a');
    assert.equal(joinErrors(['a', 'b\nc']), '* a\n* b\n\tc');
  });

  it('refuses predefined names, duplicates and unknown drivers', async () => {
    await rejects(() => planNetwork({ Name: 'bridge' }, ctx()), 'Forbidden', 'operation is not permitted on predefined bridge network ');
    const one = planNetwork({ Name: 'one' }, ctx());
    await rejects(() => planNetwork({ Name: 'one' }, ctx([one])), 'Conflict', 'network with name one already exists');
    await rejects(() => planNetwork({ Name: 'x', Driver: 'weave' }, ctx()), 'NotFound', 'could not find plugin weave in v1 plugin registry: plugin not found');
    await rejects(() => planNetwork({ Name: 'x', Driver: 'host' }, ctx()), 'Forbidden', 'only one instance of "host" network is allowed');
  });

  it('takes the first free pool, skipping networks and host routes, and shows Subnet and Gateway', () => {
    const a = planNetwork({ Name: 'a' }, ctx([], { hostRoutes: [mustPrefix('10.248.0.0/24')] }));
    assert.deepEqual(a.v4, { subnet: '10.248.1.0/24', gateway: '10.248.1.1', aux: [] });
    const b = planNetwork({ Name: 'b' }, ctx([a]));
    assert.equal(b.v4?.subnet, '10.248.0.0/24');
    assert.deepEqual(a.record.IPAM, { Driver: 'default', Options: {}, Config: [{ Subnet: '10.248.1.0/24', Gateway: '10.248.1.1' }] });
    assert.equal(a.bridge, `br-${a.record.Id.slice(0, 12)}`);
    assert.match(a.record.Id, /^[0-9a-f]{64}$/);
  });

  it('keeps a configured subnet as given, and refuses overlapping ones', async () => {
    const req: NetworkCreateRequest = { Name: 'c', IPAM: { Config: [{ Subnet: '10.249.0.0/16', IPRange: '10.249.5.0/24', AuxiliaryAddresses: { r: '10.249.5.1' } }] } };
    const c = planNetwork(req, ctx());
    // libnetwork takes the gateway from the ip-range too, its first free address (x.x.5.0 is a host address of the /16).
    assert.deepEqual(c.v4, { subnet: '10.249.0.0/16', gateway: '10.249.5.0', ipRange: '10.249.5.0/24', aux: ['10.249.5.1'], configured: true });
    assert.deepEqual(c.record.IPAM.Config, [{ Subnet: '10.249.0.0/16', IPRange: '10.249.5.0/24', AuxiliaryAddresses: { r: '10.249.5.1' } }]);
    await rejects(() => planNetwork({ Name: 'd', IPAM: { Config: [{ Subnet: '10.249.128.0/17' }] } }, ctx([c])), 'Forbidden',
      'invalid pool request: Pool overlaps with other one on this address space');
  });

  it('gives --ipv6 a ULA /64 and reads the driver options', async () => {
    const n = planNetwork({ Name: 'v6', EnableIPv6: true, Internal: true, Labels: { a: 'b' }, Options: { 'com.docker.network.bridge.name': 'btv6', 'com.docker.network.bridge.enable_icc': 'false' } }, ctx());
    assert.match(n.v6!.subnet, /^fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}:[0-9a-f]{0,4}:?:\/64$|^fd[0-9a-f:]+\/64$/);
    assert.ok(n.v6!.gateway.endsWith('::1'));
    assert.equal(n.bridge, 'btv6');
    assert.equal(n.record.Internal, true);
    assert.deepEqual(n.record.Labels, { a: 'b' });
    await rejects(() => planNetwork({ Name: 'x', Options: { 'com.docker.network.bridge.enable_icc': 'maybe' } }, ctx()), 'InvalidParameter', /ParseBool/);
    await rejects(() => planNetwork({ Name: 'y', Options: { 'com.docker.network.bridge.name': 'btv6' } }, ctx([n])), 'Forbidden', /networks have same bridge name/);
  });

  it('macvlan: modes checked, a dummy parent without -o parent, one network per parent', async () => {
    await rejects(() => planNetwork({ Name: 'm', Driver: 'macvlan', Options: { macvlan_mode: 'weird' } }, ctx()), 'InvalidParameter',
      "requested macvlan mode 'weird' is not valid, 'bridge' mode is the macvlan driver default");
    await rejects(() => planNetwork({ Name: 'i', Driver: 'ipvlan', Options: { ipvlan_mode: 'l4' } }, ctx()), 'InvalidParameter',
      "requested ipvlan mode 'l4' is not valid, 'l2' mode is the ipvlan driver default");
    const d = planNetwork({ Name: 'm', Driver: 'macvlan' }, ctx());
    assert.equal(d.parent, `dm-${d.record.Id.slice(0, 12)}`);
    assert.equal(d.createdParent, true);
    const p = planNetwork({ Name: 'm2', Driver: 'macvlan', Options: { parent: 'eth9' } }, ctx());
    await rejects(() => planNetwork({ Name: 'm3', Driver: 'macvlan', Options: { parent: 'eth9' } }, ctx([p])), 'Forbidden',
      `network dm-${p.record.Id.slice(0, 12)} is already using parent interface eth9`);
  });
});

describe('network lookup', () => {
  const reg = new NetworkRegistry();
  const mk = (name: string, id: string) => reg.add({ ...planNetwork({ Name: name }, ctx(reg.all().map((n) => n.stored), { id })) });
  mk('alpha', 'abc1' + '0'.repeat(60));
  mk('beta', 'abc2' + '0'.repeat(60));

  it('finds by full id, full name, unique id prefix; Docker\'s errors otherwise', async () => {
    assert.equal(reg.find('beta').stored.record.Name, 'beta');
    assert.equal(reg.find('abc1').stored.record.Name, 'alpha');
    await rejects(() => reg.find('abc'), 'InvalidParameter', 'network abc is ambiguous (2 matches found based on ID prefix)');
    await rejects(() => reg.find('gamma'), 'NotFound', 'network gamma not found');
  });

  it('validates endpoint settings with Docker\'s texts', async () => {
    const userNet = reg.find('alpha');
    await rejects(() => validateEndpoint(userNet, { IPAMConfig: { IPv4Address: '10.248.0.9' } }), 'InvalidParameter',
      'invalid endpoint settings:\nuser specified IP address is supported only when connecting to networks with user configured subnets');
    await rejects(() => validateEndpoint(userNet, { IPAMConfig: { IPv4Address: 'fd00::1' } }), 'InvalidParameter', 'invalid endpoint settings:\ninvalid IPv4 address: fd00::1');
    await rejects(() => validateEndpoint(userNet, { MacAddress: 'zz' }), 'InvalidParameter', 'invalid MAC address zz');
    const configured = new NetworkRegistry().add(planNetwork({ Name: 'cfg', IPAM: { Config: [{ Subnet: '10.240.1.0/24' }] } }, ctx()));
    await rejects(() => validateEndpoint(configured, { IPAMConfig: { IPv4Address: '10.240.2.9' } }), 'InvalidParameter',
      'invalid endpoint settings:\nno configured subnet or ip-range contain the IP address 10.240.2.9');
    validateEndpoint(configured, { IPAMConfig: { IPv4Address: '10.240.1.9' }, Aliases: ['x'] });
    const bridge = new NetworkRegistry().add({ ...planNetwork({ Name: 'b0' }, ctx()), record: { ...planNetwork({ Name: 'b0' }, ctx()).record, Name: 'bridge' } });
    await rejects(() => validateEndpoint(bridge, { IPAMConfig: { IPv4Address: '10.1.1.1' }, Aliases: ['x'] }), 'InvalidParameter', [
      'invalid endpoint settings:',
      '* user specified IP address is supported on user defined networks only',
      '* network-scoped alias is supported only for containers in user defined networks',
    ].join('\n'));
  });
});

describe('network filters', () => {
  const nets = ['bridge', 'host', 'mine', 'yours'].map((name, i): NetworkRecord => ({
    ...planNetwork({ Name: `tmp${i}` }, ctx()).record, Name: name, Driver: name === 'host' ? 'host' : 'bridge',
    Labels: name === 'mine' ? { team: 'a' } : ({} as Record<string, string>), Created: `2026-01-0${i + 1}T00:00:00Z`,
  }));
  const used = (id: string) => id === nets[3].Id;
  const names = (xs: Array<{ Name: string }>) => xs.map((x) => x.Name);

  it('filter by driver, name, label, type and dangling', () => {
    assert.deepEqual(names(filterNetworks(nets, new Filters([['driver', 'host']]), used)), ['host']);
    assert.deepEqual(names(filterNetworks(nets, new Filters([['name', 'ine']]), used)), ['mine']);
    assert.deepEqual(names(filterNetworks(nets, new Filters([['label', 'team=a']]), used)), ['mine']);
    assert.deepEqual(names(filterNetworks(nets, new Filters([['type', 'custom']]), used)), ['mine', 'yours']);
    assert.deepEqual(names(filterNetworks(nets, new Filters([['dangling', 'true']]), used)), ['mine']);
    assert.deepEqual(names(filterNetworks(nets, new Filters([['dangling', 'false']]), used)), ['bridge', 'host', 'yours']);
  });

  it("refuse bad filters with Docker's texts", async () => {
    await rejects(() => filterNetworks(nets, new Filters([['color', 'x']]), used), 'InvalidParameter', "invalid filter 'color'");
    await rejects(() => filterNetworks(nets, new Filters([['type', 'odd']]), used), 'InvalidParameter', "invalid filter: 'type'='odd'");
    await rejects(() => filterNetworks(nets, new Filters([['dangling', 'maybe']]), used), 'InvalidParameter', /invalid value for filter 'dangling'/);
  });

  it('prune only unused custom networks, honouring until and labels', () => {
    assert.deepEqual(names(prunable(nets, new Filters(), used)), ['mine']);
    assert.deepEqual(names(prunable(nets, new Filters([['label!', 'team']]), used)), []);
    assert.deepEqual(names(prunable(nets, new Filters([['until', '2026-01-02T00:00:00Z']]), used)), []);
  });
});
