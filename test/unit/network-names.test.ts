// The embedded DNS name table: who may resolve what, aliases shared by several containers,
// name.network, legacy link aliases, PTR answers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NameTable } from '../../src/network/names.js';
import { dnsNamesOf } from '../../src/network/endpoint-view.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);

function table(): NameTable {
  const t = new NameTable();
  t.add({ containerId: A, networkId: 'n1', networkName: 'front', dnsNames: dnsNamesOf({ name: 'web', aliases: ['app'], containerId: A, hostname: 'web-host' }), ipv4: '10.1.0.2', links: ['db:database'] });
  t.add({ containerId: B, networkId: 'n1', networkName: 'front', dnsNames: dnsNamesOf({ name: 'db', aliases: ['app'], containerId: B, hostname: B.slice(0, 12) }), ipv4: '10.1.0.3', ipv6: 'fd00::3', links: [] });
  t.add({ containerId: C, networkId: 'n2', networkName: 'back', dnsNames: ['other'], ipv4: '10.2.0.2', links: [] });
  return t;
}

describe('NameTable', () => {
  it('DNSNames are name, aliases, short id and hostname without repeats', () => {
    assert.deepEqual(dnsNamesOf({ name: 'web', aliases: ['app', 'web'], containerId: A, hostname: A.slice(0, 12) }), ['web', 'app', A.slice(0, 12)]);
  });

  it('resolves names, short ids and hostnames of containers on the same network, case-insensitively', () => {
    const t = table();
    assert.deepEqual(t.resolveName('10.1.0.2', 'db'), { ipv4: ['10.1.0.3'], ipv6: ['fd00::3'] });
    assert.deepEqual(t.resolveName('10.1.0.2', 'DB.'), { ipv4: ['10.1.0.3'], ipv6: ['fd00::3'] });
    assert.deepEqual(t.resolveName('10.1.0.3', B.slice(0, 12)), { ipv4: ['10.1.0.3'], ipv6: ['fd00::3'] });
    assert.deepEqual(t.resolveName('10.1.0.3', 'web-host'), { ipv4: ['10.1.0.2'], ipv6: [] });
    assert.deepEqual(t.resolveName('10.1.0.3', 'db.front'), { ipv4: ['10.1.0.3'], ipv6: ['fd00::3'] });
  });

  it('answers every address of a shared alias', () => {
    assert.deepEqual(table().resolveName('10.1.0.2', 'app')?.ipv4.sort(), ['10.1.0.2', '10.1.0.3']);
  });

  it('does not resolve across networks, for unknown clients, or unknown names (forwarded)', () => {
    const t = table();
    assert.equal(t.resolveName('10.1.0.2', 'other'), undefined);
    assert.equal(t.resolveName('10.9.9.9', 'db'), undefined);
    assert.equal(t.resolveName('10.1.0.2', 'example.com'), undefined);
  });

  it("resolves a legacy link alias only for the linking container", () => {
    const t = table();
    assert.deepEqual(t.resolveName('10.1.0.2', 'database')?.ipv4, ['10.1.0.3']);
    assert.equal(t.resolveName('10.1.0.3', 'database'), undefined);
  });

  it('answers PTR queries with name.network on shared networks only', () => {
    const t = table();
    assert.equal(t.resolveAddr('10.1.0.2', '10.1.0.3'), 'db.front');
    assert.equal(t.resolveAddr('10.1.0.2', 'fd00::3'), 'db.front');
    assert.equal(t.resolveAddr('10.1.0.2', '10.2.0.2'), undefined);
  });

  it('forgets a container and keeps an address taken over by another', () => {
    const t = table();
    t.removeContainer(B);
    assert.deepEqual(t.resolveName('10.1.0.2', 'app'), { ipv4: ['10.1.0.2'], ipv6: [] });
    assert.equal(t.resolveName('10.1.0.2', 'db'), undefined);
    t.add({ containerId: C, networkId: 'n1', networkName: 'front', dnsNames: ['newdb'], ipv4: '10.1.0.3', links: [] });
    t.remove(B, 'n1');
    assert.deepEqual(t.resolveName('10.1.0.3', 'web'), { ipv4: ['10.1.0.2'], ipv6: [] });
  });
});

describe('legacy links and interface counters', () => {
  it('parse links in both the stored and the given form', async () => {
    const { parseLink } = await import('../../src/network/endpoint-view.js');
    assert.deepEqual(parseLink('/db:/web/database'), { target: 'db', alias: 'database' });
    assert.deepEqual(parseLink('db:database'), { target: 'db', alias: 'database' });
    assert.deepEqual(parseLink('db'), { target: 'db', alias: 'db' });
  });
});
