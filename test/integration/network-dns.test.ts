// The embedded DNS end to end in a real network namespace: a veth pair between the host and a test
// namespace, the DnsServer on the host end's address port 53, enableEmbeddedDns on a process in the
// namespace, and busybox nslookup (UDP) and a node client (TCP) there asking 127.0.0.11. Forwarded
// names go to a fake upstream on 127.0.0.1; no other traffic leaves the test's namespace.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import dnsPacket from 'dns-packet';
import { DnsServer, type DnsResolver } from '../../src/network/dns-server.js';
import { enableEmbeddedDns } from '../../src/network/dns-redirect.js';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const skip = process.getuid?.() !== 0 ? 'needs root' : !['ip', 'nsenter', 'iptables-restore', 'busybox'].every(has) ? 'needs ip, nsenter, iptables-restore, busybox' : false;

const tag = randomBytes(3).toString('hex');
const ns = `bt-dns-${tag}`;
const hostIf = `bdh${tag}`;
const nsIf = `bdn${tag}`;
let subnet = '';
let gateway = '';
let containerIp = '';

const asked: Array<{ clientIp: string; name: string }> = [];
const resolver: DnsResolver = {
  resolveName(clientIp, name) {
    asked.push({ clientIp, name });
    if (clientIp !== containerIp) return undefined;
    return name === 'web' ? { ipv4: ['172.29.0.5'], ipv6: [] } : undefined;
  },
  resolveAddr: (clientIp, ip) => (clientIp === containerIp && ip === '172.29.0.5' ? 'web.testnet' : undefined),
};

let server: DnsServer | undefined;
let upstream: dgram.Socket | undefined;
let sleeper: ChildProcess | undefined;

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.stdout || r.error?.message}`);
  return r.stdout;
}

/** Runs a command in the test namespace, asynchronously: the DNS server answers from this process. */
function inNs(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A /30 in 10.253.0.0/16 that no host address uses. */
function freeSubnet(): string {
  const used = sh('ip', ['-4', '-o', 'addr', 'show']);
  for (let i = 0; i < 64; i++) {
    const x = 1 + Math.floor(Math.random() * 254);
    if (!used.includes(`10.253.${x}.`)) return `10.253.${x}`;
  }
  throw new Error('no free 10.253.x.0/30');
}

before(async () => {
  if (skip) return;
  subnet = freeSubnet();
  gateway = `${subnet}.1`;
  containerIp = `${subnet}.2`;
  sh('ip', ['netns', 'add', ns]);
  sh('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
  sh('ip', ['link', 'set', nsIf, 'netns', ns]);
  sh('ip', ['addr', 'add', `${gateway}/30`, 'dev', hostIf]);
  sh('ip', ['link', 'set', hostIf, 'up']);
  sh('ip', ['-n', ns, 'addr', 'add', `${containerIp}/30`, 'dev', nsIf]);
  sh('ip', ['-n', ns, 'link', 'set', nsIf, 'up']);
  sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);

  // The fake upstream: every A question is 198.51.100.9; other types get an empty answer.
  upstream = dgram.createSocket('udp4');
  await new Promise<void>((r) => upstream!.bind(0, '127.0.0.1', r));
  upstream.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    const question = q.questions![0]!;
    const answers = question.type === 'A' ? [{ type: 'A' as const, name: question.name, ttl: 60, data: '198.51.100.9' }] : [];
    upstream!.send(dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_AVAILABLE, questions: q.questions, answers }), rinfo.port, rinfo.address);
  });

  server = new DnsServer(resolver, { upstreams: [`127.0.0.1:${upstream.address().port}`] });
  await server.setListenAddresses([gateway]);

  // A process in the namespace, standing for a container's init.
  sleeper = spawn('ip', ['netns', 'exec', ns, 'sleep', '300'], { stdio: 'ignore' });
  const want = statSync(`/run/netns/${ns}`).ino;
  for (let i = 0; i < 100; i++) {
    try { if (statSync(`/proc/${sleeper.pid}/ns/net`).ino === want) break; } catch { /* not started yet */ }
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(statSync(`/proc/${sleeper.pid}/ns/net`).ino, want, 'the sleeper is in the test namespace');
});

after(async () => {
  if (sleeper?.pid && sleeper.exitCode === null) sleeper.kill('SIGKILL');
  await server?.close();
  upstream?.close();
  if (skip) return;
  spawnSync('ip', ['netns', 'del', ns]);
  spawnSync('ip', ['link', 'del', hostIf]);
  assert.ok(!sh('ip', ['netns', 'list']).includes(ns), 'the test namespace is gone');
  assert.ok(!sh('ip', ['-o', 'link', 'show']).includes(hostIf), 'the veth is gone');
});

test('the server answers on the gateway address from the host', { skip }, async () => {
  const reply = await new Promise<Buffer>((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => { s.close(); reject(new Error('no reply on ' + gateway + ':53')); }, 3000);
    s.on('message', (m) => { clearTimeout(t); s.close(); resolve(m); });
    s.send(dnsPacket.encode({ type: 'query', id: 5, questions: [{ name: 'remote.test', type: 'A' }] }), 53, gateway);
  });
  assert.equal((dnsPacket.decode(reply).answers![0] as dnsPacket.StringAnswer).data, '198.51.100.9');
});

test('enableEmbeddedDns redirects 127.0.0.11 in the namespace with one spawn; applying it again changes nothing', { skip }, async (t) => {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    await enableEmbeddedDns(sleeper!.pid!, [{ gateway, containerIp }]);
    times.push(performance.now() - start);
  }
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  t.diagnostic(`enableEmbeddedDns: ${ms(times[0]!)} in a fresh namespace; again: ${times.slice(1).map(ms).join(', ')}`);
  const nat = (await inNs(['iptables-save', '-t', 'nat'])).stdout;
  assert.equal(nat.match(/DNAT --to-destination/g)?.length, 2, nat);
  assert.equal(nat.match(/SNAT --to-source/g)?.length, 2, nat);
  assert.equal((await inNs(['cat', '/proc/sys/net/ipv4/conf/all/route_localnet'])).stdout.trim(), '1');
  await assert.rejects(enableEmbeddedDns(2 ** 22 + 12345, [{ gateway, containerIp }]), /embedded DNS redirect failed/);
});

test('busybox nslookup in the namespace gets container names from 127.0.0.11, by its own address', { skip }, async () => {
  const r = await inNs(['busybox', 'nslookup', 'web', '127.0.0.11']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /Address:\s*172\.29\.0\.5/);
  assert.ok(asked.some((a) => a.name === 'web' && a.clientIp === containerIp), JSON.stringify(asked));

  const ptr = await inNs(['busybox', 'nslookup', '172.29.0.5', '127.0.0.11']);
  assert.match(ptr.stdout, /web\.testnet/, ptr.stdout + ptr.stderr);
});

test('names that are not the resolver\'s are forwarded to the upstream', { skip }, async () => {
  const r = await inNs(['busybox', 'nslookup', 'remote.test', '127.0.0.11']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /Address:\s*198\.51\.100\.9/);
});

test('TCP queries to 127.0.0.11 are redirected too', { skip }, async () => {
  const query = dnsPacket.encode({ type: 'query', id: 77, questions: [{ name: 'web', type: 'A' }] }).toString('hex');
  const script = `
    const s = require('net').connect(53, '127.0.0.11', () => {
      const q = Buffer.from('${query}', 'hex'); const l = Buffer.alloc(2); l.writeUInt16BE(q.length); s.end(Buffer.concat([l, q]));
    });
    let b = Buffer.alloc(0); s.on('data', (c) => { b = Buffer.concat([b, c]); });
    s.on('end', () => { process.stdout.write(b.subarray(2).toString('hex')); });
    s.on('error', (e) => { console.error(e.message); process.exit(1); });
    setTimeout(() => { console.error('timeout'); process.exit(1); }, 5000).unref();`;
  const r = await inNs([process.execPath, '-e', script]);
  assert.equal(r.status, 0, r.stderr);
  const reply = dnsPacket.decode(Buffer.from(r.stdout, 'hex'));
  assert.equal(reply.id, 77);
  assert.equal((reply.answers![0] as dnsPacket.StringAnswer).data, '172.29.0.5');
});
