// Address math and IPAM: netip-like parsing and formatting, libnetwork's predefined pools and
// per-subnet allocation, MAC derivation.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '../../src/common/errors.js';
import {
  canonicalPrefix, contains, formatAddr, formatPrefix, mustAddr, mustPrefix, overlaps, parseAddr, parsePrefix,
} from '../../src/network/ipnet.js';
import {
  AddressPool, DEFAULT_ADDRESS_POOLS, ERR_IP_IN_USE, ERR_IP_OUT_OF_RANGE, ERR_NO_AVAILABLE_IPS, ERR_NO_MORE_SUBNETS,
  allocatePredefined, checkPoolOverlap, predefinedPools, randomUlaSubnet,
} from '../../src/network/ipam.js';
import { macFromIPv4, parseMac, randomMac } from '../../src/network/mac.js';

const ip = (s: string) => mustAddr(s).n;
const fmt4 = (n: bigint) => formatAddr({ family: 4, n });

function throwsWith(fn: () => unknown, code: string, message: string | RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isBerthError(e), `expected a BerthError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

describe('ipnet', () => {
  it('parses addresses as netip does', () => {
    assert.equal(parseAddr('10.1.2.3')?.n, 0x0a010203n);
    assert.equal(parseAddr('010.1.2.3'), undefined, 'leading zeros are refused');
    assert.equal(parseAddr('256.1.2.3'), undefined);
    assert.equal(parseAddr('1.2.3'), undefined);
    assert.equal(parseAddr('fd00::1')?.n, (0xfd00n << 112n) | 1n);
    assert.equal(parseAddr('::ffff:10.0.0.1')?.family, 6);
    assert.equal(parseAddr('1::2::3'), undefined);
    assert.equal(parseAddr('fe80::1%eth0'), undefined, 'zones are not network config');
  });

  it('formats IPv6 as RFC 5952 (longest zero run, first on ties, no single-group ::)', () => {
    assert.equal(formatAddr(mustAddr('fd00:0:0:0:0:0:0:1')), 'fd00::1');
    assert.equal(formatAddr(mustAddr('2001:db8:0:0:1:0:0:1')), '2001:db8::1:0:0:1');
    assert.equal(formatAddr(mustAddr('2001:db8:0:1:1:1:1:1')), '2001:db8:0:1:1:1:1:1');
    assert.equal(formatAddr(mustAddr('::')), '::');
    assert.equal(formatAddr(mustAddr('FD12:3456::')), 'fd12:3456::');
  });

  it('parses prefixes and tells host bits, overlap and containment', () => {
    assert.equal(parsePrefix('10.0.0.0/33'), undefined);
    assert.equal(parsePrefix('10.0.0.0'), undefined);
    assert.equal(canonicalPrefix('10.1.2.3/16'), '10.1.0.0/16');
    assert.ok(overlaps(mustPrefix('10.0.0.0/8'), mustPrefix('10.200.0.0/16')));
    assert.ok(!overlaps(mustPrefix('10.1.0.0/16'), mustPrefix('10.2.0.0/16')));
    assert.ok(!overlaps(mustPrefix('10.0.0.0/8'), mustPrefix('fd00::/8')));
    assert.ok(contains(mustPrefix('10.1.0.0/16'), mustAddr('10.1.255.255')));
    assert.ok(!contains(mustPrefix('10.1.0.0/16'), mustAddr('10.2.0.0')));
  });
});

describe('predefined pools', () => {
  it("are Docker's defaults: 172.17–172.31 as /16s, then 192.168.0.0/16 as /20s", () => {
    const pools = predefinedPools(DEFAULT_ADDRESS_POOLS, 4);
    assert.equal(pools.length, 16);
    assert.equal(formatPrefix(allocatePredefined(pools, [])), '172.17.0.0/16');
    const all172 = Array.from({ length: 15 }, (_, i) => mustPrefix(`172.${17 + i}.0.0/16`));
    assert.equal(formatPrefix(allocatePredefined(pools, all172)), '192.168.0.0/20');
    assert.equal(formatPrefix(allocatePredefined(pools, [...all172, mustPrefix('192.168.0.0/20')])), '192.168.16.0/20');
  });

  it('skip subnets overlapping networks or host routes, even partly', () => {
    const pools = predefinedPools([{ base: '10.240.0.0/16', size: 24 }], 4);
    const used = [mustPrefix('10.240.0.128/25'), mustPrefix('10.240.1.0/24'), mustPrefix('10.240.2.7/32')];
    assert.equal(formatPrefix(allocatePredefined(pools, used)), '10.240.3.0/24');
    assert.equal(formatPrefix(allocatePredefined(pools, [])), '10.240.0.0/24');
  });

  it('report exhaustion with libnetwork\'s text', () => {
    const pools = predefinedPools([{ base: '10.241.0.0/23', size: 24 }], 4);
    throwsWith(() => allocatePredefined(pools, [mustPrefix('10.241.0.0/23')]), 'InvalidParameter', ERR_NO_MORE_SUBNETS);
  });

  it('validate --default-address-pool entries as Docker does', () => {
    throwsWith(() => predefinedPools([{ base: '10.0.0.0/16', size: 8 }], 4), 'InvalidParameter',
      'network at index 0 (10.0.0.0/16) has a smaller prefix (/16) than the target size of that pool (/8)');
    throwsWith(() => predefinedPools([{ base: 'nonsense', size: 24 }], 4), 'InvalidParameter', /not in canonical form/);
  });

  it('drop pools covered by an earlier one', () => {
    const pools = predefinedPools([{ base: '10.242.0.0/16', size: 24 }, { base: '10.242.5.0/24', size: 28 }], 4);
    assert.equal(pools.length, 1);
  });

  it('give a random ULA /64 that overlaps nothing used', () => {
    let calls = 0;
    const rand = (n: number) => Buffer.alloc(n, calls++ === 0 ? 0 : 0x11);
    const p = randomUlaSubnet([mustPrefix('fd00::/64')], rand);
    assert.equal(formatPrefix(p), 'fd11:1111:1111::/64');
    assert.ok(formatPrefix(randomUlaSubnet([])).startsWith('fd'));
  });

  it('refuse an explicit subnet overlapping another network', () => {
    throwsWith(() => checkPoolOverlap(mustPrefix('10.243.0.0/24'), [mustPrefix('10.243.0.0/16')]), 'Forbidden',
      'invalid pool request: Pool overlaps with other one on this address space');
  });
});

describe('AddressPool', () => {
  it('reserves the network and broadcast addresses and hands out the lowest free address', () => {
    const pool = new AddressPool(mustPrefix('10.244.0.0/29'));
    assert.equal(fmt4(pool.allocate()), '10.244.0.1');
    assert.equal(fmt4(pool.allocate()), '10.244.0.2');
    pool.release(ip('10.244.0.1'));
    assert.equal(fmt4(pool.allocate()), '10.244.0.1');
    for (let i = 0; i < 4; i++) pool.allocate();
    throwsWith(() => pool.allocate(), 'Unavailable', ERR_NO_AVAILABLE_IPS);
    throwsWith(() => pool.allocate(mustAddr('10.244.0.7')), 'Forbidden', ERR_IP_IN_USE);
  });

  it('allocates within the ip-range but accepts static addresses anywhere in the subnet', () => {
    const pool = new AddressPool(mustPrefix('10.245.0.0/16'), mustPrefix('10.245.5.0/24'));
    assert.equal(fmt4(pool.allocate()), '10.245.5.0');
    assert.equal(fmt4(pool.allocate(mustAddr('10.245.9.9'))), '10.245.9.9');
    throwsWith(() => pool.allocate(mustAddr('10.246.0.1')), 'InvalidParameter', ERR_IP_OUT_OF_RANGE);
    throwsWith(() => pool.allocate(mustAddr('10.245.9.9')), 'Forbidden', ERR_IP_IN_USE);
  });

  it('reserves only the subnet-router address in IPv6 and nothing in a /31', () => {
    const v6 = new AddressPool(mustPrefix('fd00:1::/64'));
    assert.equal(formatAddr({ family: 6, n: v6.allocate() }), 'fd00:1::1');
    const p2p = new AddressPool(mustPrefix('10.247.0.0/31'));
    assert.equal(fmt4(p2p.allocate()), '10.247.0.0');
    assert.equal(fmt4(p2p.allocate()), '10.247.0.1');
  });
});

describe('MAC addresses', () => {
  it('derive 02:42 + the IPv4 address, as Docker does', () => {
    assert.equal(macFromIPv4(ip('172.17.0.2')), '02:42:ac:11:00:02');
    assert.equal(macFromIPv4(ip('10.255.1.200')), '02:42:0a:ff:01:c8');
  });

  it('random ones are unicast and locally administered', () => {
    const m = randomMac(() => Buffer.from([0xff, 1, 2, 3, 4, 5]));
    assert.equal(m, 'fe:01:02:03:04:05');
  });

  it('parse the notations of net.ParseMAC', () => {
    assert.equal(parseMac('02:42:AC:11:00:02'), '02:42:ac:11:00:02');
    assert.equal(parseMac('02-42-ac-11-00-02'), '02:42:ac:11:00:02');
    assert.equal(parseMac('0242.ac11.0002'), '02:42:ac:11:00:02');
    assert.equal(parseMac('02:42-ac:11:00:02'), undefined);
    assert.equal(parseMac('02:42:ac:11:00'), undefined);
  });
});
