// Firewall rule generation as iptables-restore text: chains and jumps, per-network rules,
// published ports (one rule pair per range), deletions, teardown, reading iptables-save output.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  batchText, chainsFor, deleteOwned, deletions, emptyBatch, globalRules, networkRules, portRules, teardown, type NetworkFirewall,
} from '../../src/network/iptables-rules.js';
import { parseSave } from '../../src/network/iptables.js';

const c = chainsFor('abc123');
const net: NetworkFirewall = { id: 'f'.repeat(64), bridge: 'br-ffffffffffff', subnet: '10.250.0.0/24', internal: false, icc: true, masquerade: true };
const none = { chains: { filter: new Set<string>(), nat: new Set<string>(), raw: new Set<string>() }, rules: { filter: [], nat: [], raw: [] } };

describe('iptables rules', () => {
  it('name per-daemon chains after the tag', () => {
    assert.deepEqual(c, { ports: 'BERTH-abc123', fwd: 'BERTH-abc123-FWD', iso1: 'BERTH-abc123-ISO', iso2: 'BERTH-abc123-ISO2', post: 'BERTH-abc123-POST', raw: 'BERTH-abc123-RAW' });
  });

  it('create the chains and jumps only when missing', () => {
    const first = globalRules(c, 4, none);
    assert.ok(first.filter.includes('-N BERTH-abc123-FWD'));
    assert.ok(first.filter.includes('-I FORWARD 1 -m comment --comment berth:g -j BERTH-abc123-FWD'));
    assert.ok(first.nat.includes('-A OUTPUT -m addrtype --dst-type LOCAL -m comment --comment berth:g -j BERTH-abc123'));
    assert.ok(first.raw.includes('-N BERTH-abc123-RAW'));
    const saved = parseSave([
      '*raw', ':PREROUTING ACCEPT [0:0]', ':BERTH-abc123-RAW - [0:0]', '-A PREROUTING -m comment --comment "berth:g" -j BERTH-abc123-RAW', 'COMMIT',
      '*filter', ':FORWARD ACCEPT [0:0]', ':BERTH-abc123 - [0:0]', ':BERTH-abc123-FWD - [0:0]', ':BERTH-abc123-ISO - [0:0]', ':BERTH-abc123-ISO2 - [0:0]',
      '-A FORWARD -m comment --comment "berth:g" -j BERTH-abc123-FWD', '-A BERTH-abc123-FWD -m comment --comment "berth:g" -j BERTH-abc123-ISO', 'COMMIT',
      '*nat', ':BERTH-abc123 - [0:0]', ':BERTH-abc123-POST - [0:0]',
      '-A PREROUTING -m addrtype --dst-type LOCAL -m comment --comment "berth:g" -j BERTH-abc123',
      '-A OUTPUT -m addrtype --dst-type LOCAL -m comment --comment "berth:g" -j BERTH-abc123',
      '-A POSTROUTING -m comment --comment "berth:g" -j BERTH-abc123-POST', 'COMMIT',
    ].join('\n'));
    const again = globalRules(c, 4, saved);
    assert.deepEqual(again, emptyBatch());
  });

  it('give a bridge network isolation, forwarding, masquerade and loopback protection', () => {
    const b = networkRules(c, net, 4);
    const o = `-m comment --comment berth:n:${'f'.repeat(12)}`;
    assert.deepEqual(b.filter, [
      `-A BERTH-abc123-ISO -i br-ffffffffffff ! -o br-ffffffffffff ${o} -j BERTH-abc123-ISO2`,
      `-A BERTH-abc123-ISO2 -o br-ffffffffffff ${o} -j DROP`,
      `-A BERTH-abc123-FWD -o br-ffffffffffff -m conntrack --ctstate RELATED,ESTABLISHED ${o} -j ACCEPT`,
      `-A BERTH-abc123-FWD -o br-ffffffffffff ${o} -j BERTH-abc123`,
      `-A BERTH-abc123-FWD -i br-ffffffffffff ! -o br-ffffffffffff ${o} -j ACCEPT`,
      `-A BERTH-abc123-FWD -i br-ffffffffffff -o br-ffffffffffff ${o} -j ACCEPT`,
      `-A BERTH-abc123-FWD ! -i br-ffffffffffff -o br-ffffffffffff ${o} -j DROP`,
    ]);
    assert.deepEqual(b.nat, [
      `-A BERTH-abc123-POST -s 10.250.0.0/24 ! -o br-ffffffffffff ${o} -j MASQUERADE`,
      `-A BERTH-abc123-POST -o br-ffffffffffff -m addrtype --src-type LOCAL ${o} -j MASQUERADE`,
      `-A BERTH-abc123-POST -s 10.250.0.0/24 -o br-ffffffffffff -m conntrack --ctstate DNAT ${o} -j MASQUERADE`,
    ]);
    assert.deepEqual(b.raw, [`-A BERTH-abc123-RAW -i br-ffffffffffff -d 127.0.0.0/8 ${o} -j DROP`]);
  });

  it('drop traffic leaving an internal network and between containers with --icc=false', () => {
    const b = networkRules(c, { ...net, internal: true }, 4);
    assert.ok(b.filter.some((l) => l.startsWith('-A BERTH-abc123-ISO ! -s 10.250.0.0/24 -o br-ffffffffffff') && l.endsWith('-j DROP')));
    assert.ok(b.filter.some((l) => l.startsWith('-A BERTH-abc123-ISO ! -d 10.250.0.0/24 -i br-ffffffffffff') && l.endsWith('-j DROP')));
    assert.equal(b.nat.length, 0, 'no NAT for an internal network');
    const noIcc = networkRules(c, { ...net, icc: false }, 4);
    assert.ok(noIcc.filter.some((l) => /-i br-f+ -o br-f+ .* -j DROP$/.test(l)));
  });

  it('publish a port with a DNAT and an ACCEPT rule', () => {
    const b = portRules(c, 'a'.repeat(64), 'br-x', { proto: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, hostPortEnd: 8080, containerIp: '10.250.0.2', containerPort: 80 });
    assert.deepEqual(b.nat, ['-A BERTH-abc123 -p tcp -m tcp --dport 8080 -m comment --comment berth:c:aaaaaaaaaaaa -j DNAT --to-destination 10.250.0.2:80']);
    assert.deepEqual(b.filter, ['-A BERTH-abc123 -d 10.250.0.2/32 -o br-x -p tcp -m tcp --dport 80 -m comment --comment berth:c:aaaaaaaaaaaa -j ACCEPT']);
  });

  it('publish a 1000-port range with one rule per table, shifted or not', () => {
    const same = portRules(c, 'a'.repeat(64), 'br-x', { proto: 'udp', hostIp: '127.0.0.1', hostPort: 20000, hostPortEnd: 20999, containerIp: '10.250.0.2', containerPort: 20000 });
    assert.deepEqual(same.nat, ['-A BERTH-abc123 -d 127.0.0.1/32 -p udp -m udp --dport 20000:20999 -m comment --comment berth:c:aaaaaaaaaaaa -j DNAT --to-destination 10.250.0.2']);
    const shifted = portRules(c, 'a'.repeat(64), 'br-x', { proto: 'tcp', hostIp: '0.0.0.0', hostPort: 9000, hostPortEnd: 9999, containerIp: '10.250.0.2', containerPort: 1000 });
    assert.match(shifted.nat[0], /--dport 9000:9999 .* --to-destination 10\.250\.0\.2:1000-1999\/9000$/);
    assert.match(shifted.filter[0], /--dport 1000:1999 /);
    const v6 = portRules(c, 'a'.repeat(64), 'br-x', { proto: 'tcp', hostIp: '::', hostPort: 8080, hostPortEnd: 8080, containerIp: 'fd00::2', containerPort: 80 });
    assert.match(v6.nat[0], /--to-destination \[fd00::2\]:80$/);
    assert.match(v6.filter[0], /-d fd00::2\/128 /);
  });

  it('turn added rules into exact deletions', () => {
    const b = deletions(globalRules(c, 4, none));
    assert.ok(b.filter.includes('-D FORWARD -m comment --comment berth:g -j BERTH-abc123-FWD'));
    assert.ok(!b.filter.some((l) => l.startsWith('-N')));
  });

  it('delete saved rules by owner and tear the chains down', () => {
    const saved = parseSave([
      '*filter', ':FORWARD ACCEPT [0:0]', ':BERTH-abc123 - [0:0]', ':BERTH-abc123-FWD - [0:0]', ':OTHER - [0:0]',
      '-A FORWARD -m comment --comment "berth:g" -j BERTH-abc123-FWD',
      '-A FORWARD -j OTHER',
      '-A BERTH-abc123 -d 10.0.0.2/32 -m comment --comment "berth:c:aaaaaaaaaaaa" -j ACCEPT',
      '-A BERTH-abc123 -d 10.0.0.3/32 -m comment --comment "berth:c:bbbbbbbbbbbb" -j ACCEPT',
      'COMMIT',
    ].join('\n'));
    const del = deleteOwned(saved.rules, (o) => o === 'berth:c:bbbbbbbbbbbb');
    assert.deepEqual(del.filter, ['-D BERTH-abc123 -d 10.0.0.3/32 -m comment --comment "berth:c:bbbbbbbbbbbb" -j ACCEPT']);
    const t = teardown(c, saved);
    assert.deepEqual(t.filter, [
      '-D FORWARD -m comment --comment "berth:g" -j BERTH-abc123-FWD',
      '-F BERTH-abc123', '-F BERTH-abc123-FWD', '-X BERTH-abc123', '-X BERTH-abc123-FWD',
    ]);
  });

  it('write one restore input, empty tables left out', () => {
    assert.equal(batchText({ filter: ['-N X'], nat: [], raw: [] }), '*filter\n-N X\nCOMMIT\n');
  });
});
