// The embedded DNS server's pure parts: reading queries, replies, reverse names, upstream lists,
// and the redirect rules written into a container's namespace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import { answerReply, errorReply, isReplyTo, parseQuery, ptrAddress, questionEnd, RCODE, type Query } from '../../src/network/dns-message.js';
import { HostUpstreams, parseUpstream, resolvConfNameservers, toUpstreams } from '../../src/network/dns-upstreams.js';
import { embeddedDnsRules } from '../../src/network/dns-redirect.js';

const query = (name: string, type = 'A', extra: Partial<dnsPacket.Packet> = {}): Buffer =>
  dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A', class: 'IN' }], ...extra });

test('parseQuery reads a query and its EDNS0 payload size', () => {
  const q = parseQuery(query('Web.', 'AAAA')) as Query;
  assert.equal(q.id, 4242);
  assert.equal(q.name, 'Web');
  assert.equal(q.type, 'AAAA');
  assert.equal(q.udpSize, 512);
  const e = parseQuery(query('web', 'A', { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as dnsPacket.Answer] })) as Query;
  assert.equal(e.udpSize, 1232);
});

test('parseQuery drops non-queries and answers malformed ones with FORMERR or NOTIMP', () => {
  assert.equal(parseQuery(Buffer.from('short')), undefined);
  const response = query('web');
  response.writeUInt16BE(response.readUInt16BE(2) | 0x8000, 2);
  assert.equal(parseQuery(response), undefined);

  const rcodeOf = (r: ReturnType<typeof parseQuery>) => (r && 'reply' in r ? r.reply.readUInt16BE(2) & 0xf : -1);
  const noQuestion = dnsPacket.encode({ type: 'query', id: 7, questions: [] });
  assert.equal(rcodeOf(parseQuery(noQuestion)), RCODE.FORMERR);
  const cut = query('a-long-name.example').subarray(0, 20);
  assert.equal(rcodeOf(parseQuery(cut)), RCODE.FORMERR);
  const notify = query('web');
  notify.writeUInt16BE(notify.readUInt16BE(2) | (4 << 11), 2);
  assert.equal(rcodeOf(parseQuery(notify)), RCODE.NOTIMP);
  const garbage = Buffer.from('000100000001000000000000ffffffffffffffff', 'hex');
  const r = parseQuery(garbage);
  assert.ok(r && 'reply' in r);
  assert.equal(r.reply.readUInt16BE(0), 1);
});

test('answerReply copies id, question, RD and sets RA; trims answers past maxSize with TC', () => {
  const q = parseQuery(query('many')) as Query;
  const answers = Array.from({ length: 60 }, (_, i) => ({ type: 'A' as const, name: 'many', ttl: 600, data: `10.0.${i >> 8}.${i & 255}` }));
  const small = dnsPacket.decode(answerReply(q, answers, 512));
  assert.equal(small.id, 4242);
  assert.ok(small.flag_qr && small.flag_rd && small.flag_ra && small.flag_tc);
  assert.ok(answerReply(q, answers, 512).length <= 512);
  assert.ok(small.answers!.length > 10 && small.answers!.length < 60);
  const all = dnsPacket.decode(answerReply(q, answers, 65535));
  assert.equal(all.answers!.length, 60);
  assert.ok(!all.flag_tc);
});

test('errorReply keeps the question and sets the rcode without RA', () => {
  const raw = query('nowhere.example');
  const r = dnsPacket.decode(errorReply(raw, RCODE.SERVFAIL));
  assert.equal(r.id, 4242);
  assert.equal((r as unknown as { rcode: string }).rcode, 'SERVFAIL');
  assert.deepEqual(r.questions, [{ name: 'nowhere.example', type: 'A', class: 'IN' }]);
  assert.ok(!r.flag_ra && r.flag_rd);
  assert.equal(questionEnd(raw), raw.length);
});

test('isReplyTo matches id and question, ignoring case', () => {
  const q = query('Web.Example');
  const reply = dnsPacket.encode({ type: 'response', id: 4242, questions: [{ name: 'web.example', type: 'A', class: 'IN' }] });
  assert.ok(isReplyTo(reply, q));
  const other = dnsPacket.encode({ type: 'response', id: 4242, questions: [{ name: 'evil.example', type: 'A', class: 'IN' }] });
  assert.ok(!isReplyTo(other, q));
  const wrongId = dnsPacket.encode({ type: 'response', id: 1, questions: [{ name: 'web.example', type: 'A', class: 'IN' }] });
  assert.ok(!isReplyTo(wrongId, q));
});

test('ptrAddress turns reverse names into addresses', () => {
  assert.equal(ptrAddress('3.0.18.172.in-addr.arpa.'), '172.18.0.3');
  assert.equal(ptrAddress('3.0.18.172.IN-ADDR.ARPA'), '172.18.0.3');
  assert.equal(ptrAddress('0.18.172.in-addr.arpa'), undefined);
  assert.equal(ptrAddress('3.0.18.300.in-addr.arpa'), undefined);
  const v6 = '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa';
  assert.equal(ptrAddress(v6), '2001:db8::1');
  assert.equal(ptrAddress('web.example'), undefined);
});

test('upstreams come from resolv.conf nameservers, three at most, with optional ports', () => {
  assert.deepEqual(resolvConfNameservers('# c\nsearch x\nnameserver 10.0.0.1 # home\nnameserver ::1\n;nameserver 9.9.9.9\noptions ndots:2\n'), ['10.0.0.1', '::1']);
  assert.deepEqual(parseUpstream('127.0.0.1:5353'), { host: '127.0.0.1', port: 5353, family: 4 });
  assert.deepEqual(parseUpstream('[::1]:5353'), { host: '::1', port: 5353, family: 6 });
  assert.deepEqual(parseUpstream('fe80::1%eth0'), { host: 'fe80::1%eth0', port: 53, family: 6 });
  assert.equal(parseUpstream('dns.example'), undefined);
  assert.equal(toUpstreams(['1.1.1.1', 'bad', '2.2.2.2', '3.3.3.3', '4.4.4.4']).length, 3);
});

test('HostUpstreams reads the host resolv.conf, re-reads it when it changes, defaults when empty', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-dns-'));
  try {
    const path = join(dir, 'resolv.conf');
    writeFileSync(path, 'nameserver 127.0.0.53\n');
    const host = new HostUpstreams(path);
    assert.deepEqual(await host.get(), [{ host: '127.0.0.53', port: 53, family: 4 }]);
    writeFileSync(path, 'search lan\n');
    utimesSync(path, new Date(), new Date(Date.now() + 10_000));
    (host as unknown as { checkedAt: number }).checkedAt = 0;
    await host.get();
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual((await host.get()).map((u) => u.host), ['8.8.8.8', '8.8.4.4']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('embeddedDnsRules DNATs 127.0.0.11:53 to the gateway and SNATs to the container address', () => {
  const rules = embeddedDnsRules({ gateway: '172.20.0.1', containerIp: '172.20.0.2' });
  assert.match(rules, /^\*nat$/m);
  assert.match(rules, /^-A OUTPUT -d 127\.0\.0\.11\/32 -p udp -m udp --dport 53 -j DNAT --to-destination 172\.20\.0\.1:53$/m);
  assert.match(rules, /^-A OUTPUT -d 127\.0\.0\.11\/32 -p tcp -m tcp --dport 53 -j DNAT --to-destination 172\.20\.0\.1:53$/m);
  assert.match(rules, /^-A POSTROUTING -s 127\.0\.0\.0\/8 -d 172\.20\.0\.1\/32 -p udp -m udp --dport 53 -j SNAT --to-source 172\.20\.0\.2$/m);
  assert.match(rules, /^-A PREROUTING -d 127\.0\.0\.0\/8 ! -i lo -j DROP$/m);
  assert.equal(rules.match(/^COMMIT$/gm)?.length, 2);
});
