// The embedded DNS server over real sockets on 127.0.0.1, with a fake resolver and fake upstreams.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { DnsServer, type DnsResolver } from '../../src/network/dns-server.js';
import { FrameReader, frame } from '../../src/network/dns-tcp.js';

type Decoded = dnsPacket.DecodedPacket & { rcode: string };

const names: Record<string, { ipv4: string[]; ipv6: string[] }> = {
  web: { ipv4: ['172.30.0.2'], ipv6: ['fd00::2'] },
  db: { ipv4: ['172.30.0.3'], ipv6: [] },
  shared: { ipv4: ['172.30.0.4', '172.30.0.5', '172.30.0.6'], ipv6: [] },
  many: { ipv4: Array.from({ length: 100 }, (_, i) => `172.31.0.${i + 1}`), ipv6: [] },
};
const asked: Array<{ clientIp: string; name: string }> = [];
const resolver: DnsResolver = {
  resolveName(clientIp, name) {
    asked.push({ clientIp, name });
    if (name === 'boom') throw new Error('resolver failure');
    return names[name];
  },
  resolveAddr(_clientIp, ip) {
    return ip === '172.30.0.2' ? 'web.testnet' : ip === 'fd00::2' ? 'web.testnet.' : undefined;
  },
};

/** A fake upstream on 127.0.0.1 (UDP and TCP on one port) answering through `answer`. */
class FakeUpstream {
  udp = dgram.createSocket('udp4');
  tcp = net.createServer((s) => this.onTcp(s));
  seen: Array<{ id: number; name: string; proto: string }> = [];
  port = 0;
  answer: (q: Decoded, proto: string) => dnsPacket.Packet | Buffer | null = (q) => ({
    type: 'response', id: q.id, flags: dnsPacket.RECURSION_AVAILABLE, questions: q.questions,
    answers: [{ type: 'A', name: q.questions![0]!.name, ttl: 30, data: '198.51.100.7' }],
  });

  async start(): Promise<this> {
    await new Promise<void>((r) => this.udp.bind(0, '127.0.0.1', r));
    this.port = this.udp.address().port;
    await new Promise<void>((r) => this.tcp.listen(this.port, '127.0.0.1', r));
    this.udp.on('message', (msg, rinfo) => {
      const out = this.reply(msg, 'udp');
      if (out) this.udp.send(out, rinfo.port, rinfo.address);
    });
    return this;
  }

  private reply(msg: Buffer, proto: string): Buffer | undefined {
    const q = dnsPacket.decode(msg) as Decoded;
    this.seen.push({ id: q.id!, name: q.questions![0]!.name, proto });
    const r = this.answer(q, proto);
    return r === null ? undefined : Buffer.isBuffer(r) ? r : dnsPacket.encode(r);
  }

  private onTcp(s: net.Socket): void {
    const frames = new FrameReader();
    s.on('error', () => {});
    s.on('data', (c: Buffer) => {
      frames.push(c);
      for (let m = frames.next(); m; m = frames.next()) {
        const out = this.reply(m, 'tcp');
        if (out) s.write(frame(out));
      }
    });
  }

  async close(): Promise<void> {
    this.udp.close();
    await new Promise((r) => this.tcp.close(r));
  }
}

async function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(r));
  return port;
}

function udpExchange(port: number, msg: Buffer, timeoutMs = 3000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => { s.close(); reject(new Error('no reply')); }, timeoutMs);
    s.on('message', (m) => { clearTimeout(t); s.close(); resolve(m); });
    s.send(msg, port, '127.0.0.1');
  });
}

async function udpQuery(port: number, name: string, type = 'A', id = 1234, extra: Partial<dnsPacket.Packet> = {}): Promise<Decoded> {
  const q = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A', class: 'IN' }], ...extra });
  return dnsPacket.decode(await udpExchange(port, q)) as Decoded;
}

/** Sends all `queries` on one TCP connection, half-closes, and collects the replies. */
function tcpQueries(port: number, queries: Array<{ name: string; type?: string; id: number }>): Promise<Decoded[]> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const frames = new FrameReader();
    const out: Decoded[] = [];
    s.on('error', reject);
    s.on('data', (c: Buffer) => {
      frames.push(c);
      for (let m = frames.next(); m; m = frames.next()) out.push(dnsPacket.decode(m) as Decoded);
    });
    s.on('end', () => resolve(out));
    for (const q of queries) {
      s.write(frame(dnsPacket.encode({ type: 'query', id: q.id, questions: [{ name: q.name, type: (q.type ?? 'A') as 'A', class: 'IN' }] })));
    }
    s.end();
  });
}

let upstream: FakeUpstream;
let server: DnsServer;
let port: number;

before(async () => {
  upstream = await new FakeUpstream().start();
  port = await freePort();
  server = new DnsServer(resolver, { upstreams: [`127.0.0.1:${upstream.port}`], port, timeoutMs: 500 });
  await server.setListenAddresses(['127.0.0.1']);
});

after(async () => {
  await server.close();
  await upstream.close();
});

test('A and AAAA for container names: TTL 600, any case, trailing dot, by the client address', async () => {
  const a = await udpQuery(port, 'WEB.', 'A', 77);
  assert.equal(a.id, 77);
  assert.equal(a.rcode, 'NOERROR');
  assert.ok(a.flag_qr && a.flag_ra && a.flag_rd && !a.flag_aa);
  assert.deepEqual(a.questions, [{ name: 'WEB', type: 'A', class: 'IN' }]);
  assert.deepEqual(a.answers!.map((r) => [r.type, r.name, (r as dnsPacket.StringAnswer).data, (r as dnsPacket.StringAnswer).ttl]), [['A', 'WEB', '172.30.0.2', 600]]);
  assert.deepEqual(asked.at(-1), { clientIp: '127.0.0.1', name: 'web' });

  const aaaa = await udpQuery(port, 'web', 'AAAA');
  assert.deepEqual(aaaa.answers!.map((r) => (r as dnsPacket.StringAnswer).data), ['fd00::2']);
});

test('a known name without an address of the asked family gets an empty NOERROR, not forwarded', async () => {
  const before = upstream.seen.length;
  const r = await udpQuery(port, 'db', 'AAAA');
  assert.equal(r.rcode, 'NOERROR');
  assert.deepEqual(r.answers, []);
  const mx = await udpQuery(port, 'db', 'MX');
  assert.equal(mx.rcode, 'NOERROR');
  assert.deepEqual(mx.answers, []);
  assert.equal(upstream.seen.length, before);
});

test('PTR for container addresses, v4 and v6', async () => {
  const r = await udpQuery(port, '2.0.30.172.in-addr.arpa', 'PTR');
  assert.deepEqual(r.answers!.map((a) => [a.type, a.name, (a as dnsPacket.StringAnswer).data, (a as dnsPacket.StringAnswer).ttl]), [['PTR', '2.0.30.172.in-addr.arpa', 'web.testnet', 600]]);
  const v6 = await udpQuery(port, '2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa', 'PTR');
  assert.equal((v6.answers![0] as dnsPacket.StringAnswer).data, 'web.testnet');
});

test('containers sharing an alias are all answered, in random order', async () => {
  const firsts = new Set<string>();
  for (let i = 0; i < 40; i++) {
    const r = await udpQuery(port, 'shared');
    const ips = r.answers!.map((a) => (a as dnsPacket.StringAnswer).data);
    assert.deepEqual([...ips].sort(), names.shared!.ipv4);
    firsts.add(ips[0]!);
  }
  assert.ok(firsts.size > 1, 'the first address varies');
});

test('an answer too big for UDP is truncated with TC; over TCP it is whole', async () => {
  const r = await udpQuery(port, 'many');
  assert.ok(r.flag_tc);
  assert.ok(r.answers!.length < 100 && r.answers!.length > 0);
  const [t] = await tcpQueries(port, [{ name: 'many', id: 9 }]);
  assert.equal(t!.answers!.length, 100);
  assert.ok(!t!.flag_tc);
  const edns = await udpQuery(port, 'many', 'A', 5, { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096 } as dnsPacket.Answer] });
  assert.equal(edns.answers!.length, 100);
});

test('an unknown name is forwarded upstream with a mapped id; the reply gets the client id', async () => {
  const ids = new Set<number>();
  for (let i = 0; i < 5; i++) {
    const r = await udpQuery(port, 'example.test', 'A', 4321);
    assert.equal(r.id, 4321);
    assert.equal(r.rcode, 'NOERROR');
    assert.deepEqual(r.answers!.map((a) => (a as dnsPacket.StringAnswer).data), ['198.51.100.7']);
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.name, 'example.test');
    assert.equal(seen.proto, 'udp');
    ids.add(seen.id);
  }
  assert.ok(ids.size > 1 || !ids.has(4321), 'upstream ids are random, not the client\'s');
  // Other types the resolver does not own go upstream too, even for container names.
  await udpQuery(port, 'web', 'TXT');
  assert.equal(upstream.seen.at(-1)!.name, 'web');
});

test('NXDOMAIN from upstream is passed through; SERVFAIL moves to the next upstream', async () => {
  const saved = upstream.answer;
  try {
    upstream.answer = (q) => ({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_AVAILABLE | 3, questions: q.questions });
    const r = await udpQuery(port, 'nowhere.test');
    assert.equal(r.rcode, 'NXDOMAIN');

    const failing = await new FakeUpstream().start();
    failing.answer = (q) => ({ type: 'response', id: q.id, flags: 2, questions: q.questions });
    const s2port = await freePort();
    const s2 = new DnsServer(resolver, { upstreams: [`127.0.0.1:${failing.port}`, `127.0.0.1:${upstream.port}`], port: s2port, timeoutMs: 500 });
    try {
      await s2.setListenAddresses(['127.0.0.1']);
      assert.equal((await udpQuery(s2port, 'nowhere.test')).rcode, 'NXDOMAIN');
      assert.equal(failing.seen.length, 1);
      upstream.answer = () => null; // silent: times out
      const all = await udpQuery(s2port, 'nowhere.test', 'A', 31);
      assert.equal(all.rcode, 'SERVFAIL');
      assert.equal(all.id, 31);
      assert.deepEqual(all.questions, [{ name: 'nowhere.test', type: 'A', class: 'IN' }]);
    } finally {
      await s2.close();
      await failing.close();
    }
  } finally {
    upstream.answer = saved;
  }
});

test('a truncated upstream UDP answer reaches the client with TC; its TCP retry is forwarded over TCP', async () => {
  const saved = upstream.answer;
  try {
    upstream.answer = (q, proto) => proto === 'udp'
      ? { type: 'response', id: q.id, flags: dnsPacket.TRUNCATED_RESPONSE, questions: q.questions }
      : { type: 'response', id: q.id, questions: q.questions, answers: [{ type: 'TXT', name: q.questions![0]!.name, ttl: 5, data: 'x'.repeat(200) }] };
    const r = await udpQuery(port, 'big.test', 'TXT');
    assert.ok(r.flag_tc);
    const [t] = await tcpQueries(port, [{ name: 'big.test', type: 'TXT', id: 600 }]);
    assert.equal(t!.id, 600);
    assert.equal(t!.answers!.length, 1);
    assert.equal(upstream.seen.at(-1)!.proto, 'tcp');
  } finally {
    upstream.answer = saved;
  }
});

test('TCP: several queries on one connection, local and forwarded, answered before close', async () => {
  const replies = await tcpQueries(port, [{ name: 'web', id: 1 }, { name: 'remote.test', id: 2 }, { name: 'db', id: 3 }]);
  const byId = new Map(replies.map((r) => [r.id, r]));
  assert.equal(byId.size, 3);
  assert.equal((byId.get(1)!.answers![0] as dnsPacket.StringAnswer).data, '172.30.0.2');
  assert.equal((byId.get(2)!.answers![0] as dnsPacket.StringAnswer).data, '198.51.100.7');
  assert.equal((byId.get(3)!.answers![0] as dnsPacket.StringAnswer).data, '172.30.0.3');
});

test('malformed packets are ignored or refused without harming the server', async () => {
  const s = dgram.createSocket('udp4');
  for (const junk of [Buffer.alloc(0), Buffer.from('x'), Buffer.alloc(12, 0xff), Buffer.from('0001000000010000000000000a', 'hex'), Buffer.alloc(600, 7)]) {
    s.send(junk, port, '127.0.0.1');
  }
  const formerr = dnsPacket.decode(await udpExchange(port, Buffer.from('0009000000010000000000000a', 'hex'))) as Decoded;
  assert.equal(formerr.id, 9);
  assert.equal(formerr.rcode, 'FORMERR');
  s.close();
  // A TCP stream with a zero-length frame is closed.
  await new Promise<void>((resolve) => {
    const c = net.connect(port, '127.0.0.1', () => c.write(Buffer.from([0, 0, 1, 2, 3])));
    c.on('error', () => {});
    c.on('close', () => resolve());
  });
  // A resolver that throws gets SERVFAIL.
  assert.equal((await udpQuery(port, 'boom')).rcode, 'SERVFAIL');
  assert.equal((await udpQuery(port, 'web')).answers!.length, 1);
});

test('more forwards in flight than allowed are refused', async () => {
  const silent = await new FakeUpstream().start();
  silent.answer = () => null;
  const p = await freePort();
  const s = new DnsServer(resolver, { upstreams: [`127.0.0.1:${silent.port}`], port: p, maxInFlight: 1, timeoutMs: 800 });
  try {
    await s.setListenAddresses(['127.0.0.1']);
    const first = udpQuery(p, 'slow.test', 'A', 1);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await udpQuery(p, 'slow.test', 'A', 2)).rcode, 'REFUSED');
    assert.equal((await first).rcode, 'SERVFAIL');
  } finally {
    await s.close();
    await silent.close();
  }
});

test('setListenAddresses binds and unbinds; an address that cannot be bound is not an error', async () => {
  const p = await freePort();
  const s = new DnsServer(resolver, { upstreams: [], port: p });
  try {
    await s.setListenAddresses(['127.0.0.1', '192.0.2.123']);
    assert.equal((await udpQuery(p, 'web')).answers!.length, 1);
    await s.setListenAddresses([]);
    await assert.rejects(udpExchange(p, dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: 'web', type: 'A' }] }), 300));
    await s.setListenAddresses(['127.0.0.1']);
    assert.equal((await udpQuery(p, 'web')).answers!.length, 1);
    // With no upstreams, a name that is not ours fails as Docker's resolver does.
    assert.equal((await udpQuery(p, 'elsewhere.test')).rcode, 'SERVFAIL');
  } finally {
    await s.close();
  }
});

test('an address taken at first is bound by a later retry', async () => {
  const p = await freePort();
  const squatter = dgram.createSocket('udp4');
  await new Promise<void>((r) => squatter.bind(p, '127.0.0.1', r));
  const s = new DnsServer(resolver, { upstreams: [], port: p });
  try {
    await s.setListenAddresses(['127.0.0.1']);
    await new Promise<void>((r) => squatter.close(r));
    await new Promise((r) => setTimeout(r, 1300));
    assert.equal((await udpQuery(p, 'web')).answers!.length, 1);
  } finally {
    await s.close();
  }
});

test('a resolver may refuse clients that are not its containers: no reply at all', async () => {
  const p = await freePort();
  const s = new DnsServer({ ...resolver, acceptsClient: (ip) => ip === '10.9.9.9' }, { upstreams: [], port: p });
  try {
    await s.setListenAddresses(['127.0.0.1']);
    await assert.rejects(udpExchange(p, dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: 'web', type: 'A' }] }), 300), /no reply/);
    const reply = await s.handle(dnsPacket.encode({ type: 'query', id: 2, questions: [{ name: 'web', type: 'A' }] }), '10.9.9.9', 'udp');
    assert.equal((dnsPacket.decode(reply!).answers![0] as dnsPacket.StringAnswer).data, '172.30.0.2');
  } finally {
    await s.close();
  }
});
