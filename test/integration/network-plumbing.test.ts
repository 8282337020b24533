// A real NetworkManager on a temporary root, without berthd: "containers" are `unshare --net sleep`
// processes started here. Bridges, veths, macvlan links and iptables rules are real; the chains
// carry this test's own tag, subnets are free 10.2xx ones, and everything is checked gone at the end.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBerthError } from '../../src/common/errors.js';
import { NetworkManager, type NetworkManagerOptions } from '../../src/network/manager.js';
import { hostRoutes, linkExists } from '../../src/network/netlink.js';
import { hostVethName } from '../../src/network/devices.js';
import { mustPrefix, overlaps, formatPrefix } from '../../src/network/ipnet.js';
import type { ContainerNetworkRequest } from '../../src/network/types.js';

const tag = randomBytes(3).toString('hex');
const root = mkdtempSync(join(tmpdir(), 'berth-net-'));
const www = join(root, 'www');
const procs: ChildProcess[] = [];
const createdLinks: string[] = [];

/** Free /24s in 10.200.0.0–10.254.255.0 that overlap no host route (other tests' bridges included). */
function freeSubnets(n: number): string[] {
  const routes = hostRoutes();
  const out: string[] = [];
  while (out.length < n) {
    const p = mustPrefix(`10.${200 + Math.floor(Math.random() * 55)}.${Math.floor(Math.random() * 256)}.0/24`);
    if (!routes.some((r) => overlaps(r, p)) && !out.includes(formatPrefix(p))) out.push(formatPrefix(p));
  }
  return out;
}
const [bip, netA, netB, netC, netMv, netD, netE] = freeSubnets(7);
const gw = (subnet: string) => subnet.replace(/0\/24$/, '1/24');

const opts = (extra: Partial<NetworkManagerOptions> = {}): NetworkManagerOptions => ({
  root: join(root, 'networks'), chainTag: tag, bridgeName: `bt${tag}`, bip: gw(bip),
  // ipForward stays off: nothing here needs routing between interfaces, and the host's sysctls stay as they are.
  icc: true, ipForward: false, iptables: true, userlandProxy: false, ...extra,
});

function sleeper(): number {
  const p = spawn('unshare', ['--net', 'sleep', '1000'], { stdio: 'ignore' });
  procs.push(p);
  return p.pid!;
}

async function waitNetns(pid: number): Promise<void> {
  const self = execFileSync('readlink', ['/proc/self/ns/net']).toString();
  for (let i = 0; i < 100; i++) {
    try { if (execFileSync('readlink', [`/proc/${pid}/ns/net`]).toString() !== self) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no network namespace for ${pid}`);
}

const sh = (cmd: string) => execFileSync('sh', ['-c', cmd]).toString();
const inNs = (pid: number, ...args: string[]) => execFileSync('nsenter', [`--net=/proc/${pid}/ns/net`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const pings = (pid: number, ip: string) => {
  try { inNs(pid, 'busybox', 'ping', '-c1', '-W1', ip); return true; } catch { return false; }
};
const ourRules = () => sh(`{ iptables-save; ip6tables-save; } | grep -e 'BERTH-${tag}' -e 'berth:' | grep -v '^#' || true`);
const ownedBy = (id: string) => ourRules().split('\n').filter((l) => l.includes(`berth:c:${id.slice(0, 12)}`));

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function httpd(pid: number, port: number): void {
  const p = spawn('nsenter', [`--net=/proc/${pid}/ns/net`, 'busybox', 'httpd', '-f', '-p', String(port), '-h', www], { stdio: 'ignore' });
  procs.push(p);
}

async function eventually(fn: () => Promise<unknown>): Promise<unknown> {
  let last: unknown;
  for (let i = 0; i < 50; i++) {
    try { return await fn(); } catch (e) { last = e; await new Promise((r) => setTimeout(r, 50)); }
  }
  throw last;
}

const ctr = (id: string, name: string, endpoints: ContainerNetworkRequest['endpoints'], extra: Partial<ContainerNetworkRequest> = {}): ContainerNetworkRequest => ({
  containerId: id, name, hostname: id.slice(0, 12), pid: 0, endpoints, portBindings: null, publishAll: false, exposedPorts: [], links: [], ...extra,
});
const allIds: string[] = [];
const cid = () => { const id = randomBytes(32).toString('hex'); allIds.push(id); return id; };

describe('network plumbing', { concurrency: false }, () => {
  let m: NetworkManager;
  const dnsCalls: Array<{ pid: number; targets: Array<{ gateway: string; containerIp: string }> }> = [];

  before(async () => {
    mkdirSync(www, { recursive: true });
    writeFileSync(join(www, 'index.html'), 'hello from the container\n');
    m = new NetworkManager(opts({ enableEmbeddedDns: async (pid, targets) => { dnsCalls.push({ pid, targets }); } }));
    await m.init();
  });

  after(async () => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await m?.shutdown({ removeAll: true }).catch(() => undefined);
    for (const l of createdLinks) sh(`ip link del ${l} 2>/dev/null || true`);
    rmSync(root, { recursive: true, force: true });
  });

  it('init makes the default bridge and the predefined networks with stable ids', async () => {
    const names = m.list().map((n) => n.Name).sort();
    assert.deepEqual(names, ['bridge', 'host', 'none']);
    const br = m.get('bridge');
    assert.deepEqual(br.IPAM.Config, [{ Subnet: bip, Gateway: gw(bip).split('/')[0] }]);
    assert.match(sh(`ip -br addr show bt${tag}`), new RegExp(gw(bip).replace(/\./g, '\\.')));
    const again = new NetworkManager(opts());
    await again.init();
    assert.equal(again.get('bridge').Id, br.Id);
    assert.equal(again.get('host').Id, m.get('host').Id);
  });

  it('two containers on a user network reach each other, by IP and through the name table', async () => {
    await m.create({ Name: `a${tag}`, IPAM: { Config: [{ Subnet: netA }] } });
    const [p1, p2] = [sleeper(), sleeper()];
    await Promise.all([waitNetns(p1), waitNetns(p2)]);
    const [c1, c2] = [cid(), cid()];
    const t0 = performance.now();
    const s1 = await m.prepare(ctr(c1, 'one', { [`a${tag}`]: { Aliases: ['svc'] } }));
    const t1 = performance.now();
    await m.plumb(c1, p1);
    const t2 = performance.now();
    console.log(`# prepare ${(t1 - t0).toFixed(1)} ms, plumb ${(t2 - t1).toFixed(1)} ms (2 ip processes)`);
    const s2 = await m.prepare(ctr(c2, 'two', { [`a${tag}`]: { Aliases: ['svc'] } }));
    await m.plumb(c2, p2);
    const ip1 = s1.networks[`a${tag}`].IPAddress;
    const ip2 = s2.networks[`a${tag}`].IPAddress;
    assert.equal(s1.networks[`a${tag}`].MacAddress, `02:42:${ip1.split('.').map((x) => Number(x).toString(16).padStart(2, '0')).join(':')}`);
    assert.equal(s1.nameserver, '127.0.0.11');
    assert.ok(pings(p1, ip2), 'one pings two');
    assert.ok(pings(p2, ip1), 'two pings one');
    assert.match(inNs(p1, 'ip', 'route'), new RegExp(`default via ${netA.replace(/0\/24$/, '1').replace(/\./g, '\\.')} dev eth0`));
    assert.deepEqual(m.resolveName(ip1, 'two'), { ipv4: [ip2], ipv6: [] });
    assert.deepEqual(m.resolveName(ip1, 'svc')?.ipv4.sort(), [ip1, ip2].sort());
    assert.equal(m.resolveAddr(ip1, ip2), `two.a${tag}`);
    assert.deepEqual(dnsCalls.at(-1), { pid: p2, targets: [{ gateway: netA.replace(/0\/24$/, '1'), containerIp: ip2 }] });
    assert.ok(m.gateways().includes(netA.replace(/0\/24$/, '1')));
    assert.deepEqual(Object.keys(m.endpointsOf(m.get(`a${tag}`).Id)).sort(), [c1, c2].sort());
    await assert.rejects(m.remove(`a${tag}`), (e: unknown) => isBerthError(e, 'Forbidden')
      && e.message.startsWith(`error while removing network: network a${tag} has active endpoints (name:"one" id:"`));
    await m.release(c1);
    await m.release(c2);
    await m.release(c2); // idempotent
    assert.equal(Object.keys(m.endpointsOf(m.get(`a${tag}`).Id)).length, 0);
  });

  it('a published port answers on 127.0.0.1 with no proxy process, and goes with release', async () => {
    const p = sleeper();
    await waitNetns(p);
    const id = cid();
    const hostPort = 20000 + Math.floor(Math.random() * 5000);
    const s = await m.prepare(ctr(id, 'web', { bridge: {} }, { portBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }] }, exposedPorts: ['80/tcp'] }));
    assert.deepEqual(s.ports, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }] });
    assert.equal(s.nameserver, undefined, 'no embedded DNS on the default bridge');
    await m.plumb(id, p);
    const holders = execFileSync('ps', ['-eo', 'args']).toString().split('\n').filter((a) => a.includes(String(hostPort)));
    assert.deepEqual(holders, [], 'no process was started for the port');
    httpd(p, 80);
    assert.equal(await eventually(() => httpGet(hostPort)), 'hello from the container\n');
    assert.equal(ownedBy(id).length, 2, 'one DNAT and one ACCEPT rule');
    await m.release(id);
    assert.equal(ownedBy(id).length, 0);
    assert.ok(!linkExists(hostVethName(id, m.get('bridge').Id)), 'the host veth is gone with the namespace');
    await assert.rejects(httpGet(hostPort));
  });

  it('a 1000-port range costs one rule per table; ephemeral -P ports come from the local port range', async () => {
    const p = sleeper();
    await waitNetns(p);
    const id = cid();
    const start = 30000 + Math.floor(Math.random() * 20) * 1000;
    const bindings: Record<string, Array<{ HostPort: string }>> = {};
    for (let i = 0; i < 1000; i++) bindings[`${start + i}/tcp`] = [{ HostPort: String(start + i) }];
    const t0 = performance.now();
    const s = await m.prepare(ctr(id, 'range', { bridge: {} }, { portBindings: bindings, publishAll: true, exposedPorts: [...Object.keys(bindings), '7/udp'] }));
    await m.plumb(id, p);
    console.log(`# 1000-port range: prepare + plumb ${(performance.now() - t0).toFixed(1)} ms`);
    assert.equal(Object.keys(s.ports).length, 1001);
    const [lo, hi] = execFileSync('cat', ['/proc/sys/net/ipv4/ip_local_port_range']).toString().trim().split(/\s+/).map(Number);
    const eph = Number(s.ports['7/udp']![0].HostPort);
    assert.ok(eph >= lo && eph <= hi, `ephemeral ${eph} in ${lo}-${hi}`);
    const rules = ownedBy(id);
    assert.equal(rules.length, 4, rules.join('\n'));
    assert.ok(rules.some((l) => l.includes(`--dport ${start}:${start + 999}`) && l.includes('DNAT')));
    httpd(p, start + 500);
    assert.equal(await eventually(() => httpGet(start + 500)), 'hello from the container\n');
    await m.release(id);
    assert.equal(ownedBy(id).length, 0);
  });

  it("refuses ports held by another container or a host process with Docker's texts", async () => {
    const [a, b] = [cid(), cid()];
    const port = 25000 + Math.floor(Math.random() * 4000);
    await m.prepare(ctr(a, 'first', { bridge: {} }, { portBindings: { '80/tcp': [{ HostPort: String(port) }] } }));
    await assert.rejects(m.prepare(ctr(b, 'second', { bridge: {} }, { portBindings: { '80/tcp': [{ HostPort: String(port) }] } })),
      (e: unknown) => isBerthError(e) && /^failed to set up container networking: driver failed programming external connectivity on endpoint second \([0-9a-f]{64}\): Bind for 0\.0\.0\.0:\d+ failed: port is already allocated$/.test(e.message));
    await m.release(a);
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(port + 1, '127.0.0.1', r));
    try {
      await assert.rejects(m.prepare(ctr(b, 'second', { bridge: {} }, { portBindings: { '80/tcp': [{ HostPort: String(port + 1) }] } })),
        (e: unknown) => isBerthError(e) && new RegExp(`failed to bind host port for 0\\.0\\.0\\.0:${port + 1}:[0-9.]+:80/tcp: address already in use$`).test(e.message));
    } finally { srv.close(); }
    await assert.rejects(m.prepare(ctr(b, 'second', { nope: {} })), (e: unknown) => isBerthError(e, 'NotFound')
      && e.message === 'failed to set up container networking: network nope not found');
  });

  it('isolates networks from each other; connect joins a second network live, disconnect leaves it', async () => {
    await m.create({ Name: `b${tag}`, IPAM: { Config: [{ Subnet: netB }] } });
    const [pa, pb] = [sleeper(), sleeper()];
    await Promise.all([waitNetns(pa), waitNetns(pb)]);
    const [ca, cb] = [cid(), cid()];
    const sa = await m.prepare(ctr(ca, 'on-a', { [`a${tag}`]: {} }));
    await m.plumb(ca, pa);
    const sb = await m.prepare(ctr(cb, 'on-b', { [`b${tag}`]: { IPAMConfig: { IPv4Address: netB.replace(/0\/24$/, '77') } } }));
    await m.plumb(cb, pb);
    const ipB = sb.networks[`b${tag}`].IPAddress;
    assert.equal(ipB, netB.replace(/0\/24$/, '77'));
    assert.ok(!pings(pa, ipB), 'a cannot reach b');
    const ep = await m.connect(ca, `b${tag}`, { Aliases: ['late'] }, { pid: pa }, { name: 'on-a', hostname: 'on-a' });
    assert.ok(ep.IPAddress.startsWith(netB.replace(/0\/24$/, '')));
    assert.match(inNs(pa, 'ip', '-br', 'addr'), /eth1@/);
    assert.ok(pings(pa, ipB), 'connected, a reaches b');
    assert.deepEqual(m.resolveName(ipB, 'late'), { ipv4: [ep.IPAddress], ipv6: [] });
    await assert.rejects(m.connect(ca, `b${tag}`, {}, { pid: pa }, { name: 'on-a', hostname: 'on-a' }),
      (e: unknown) => isBerthError(e) && e.message === `endpoint with name on-a already exists in network b${tag}`);
    await m.disconnect(ca, `b${tag}`, false);
    assert.doesNotMatch(inNs(pa, 'ip', '-br', 'addr'), /eth1@/);
    assert.ok(!pings(pa, ipB));
    assert.ok(pings(pa, sa.networks[`a${tag}`].Gateway), 'still on a');
    await m.release(ca);
    await m.release(cb);
  });

  it('enable_icc=false keeps containers of one bridge apart; --link on the default bridge gives hosts entries', async () => {
    await m.create({ Name: `d${tag}`, Options: { 'com.docker.network.bridge.enable_icc': 'false' }, IPAM: { Config: [{ Subnet: netD }] } });
    const [p1, p2] = [sleeper(), sleeper()];
    await Promise.all([waitNetns(p1), waitNetns(p2)]);
    const [c1, c2] = [cid(), cid()];
    await m.prepare(ctr(c1, 'd1', { [`d${tag}`]: {} }));
    await m.plumb(c1, p1);
    const s2 = await m.prepare(ctr(c2, 'd2', { [`d${tag}`]: {} }));
    await m.plumb(c2, p2);
    assert.ok(!pings(p1, s2.networks[`d${tag}`].IPAddress));
    assert.ok(pings(p1, s2.networks[`d${tag}`].Gateway), 'the gateway still answers');
    await m.release(c1);
    await m.release(c2);
    const [db, app] = [cid(), cid()];
    const sdb = await m.prepare(ctr(db, 'db', { bridge: {} }));
    const sapp = await m.prepare(ctr(app, 'app', { bridge: {} }, { links: ['/db:/app/database'] }));
    assert.deepEqual(sapp.extraHosts, [{ ip: sdb.networks.bridge.IPAddress, names: ['database', db.slice(0, 12), 'db'] }]);
    await assert.rejects(m.prepare(ctr(cid(), 'lonely', { bridge: {} }, { links: ['ghost:g'] })),
      (e: unknown) => isBerthError(e) && e.message === 'failed to set up container networking: Cannot link to a non running container: /ghost AS /lonely/g');
    await m.release(db);
    await m.release(app);
  });

  it('an IPv6 network gets a ULA /64; containers talk over IPv6 and ports publish on ::', async () => {
    await m.create({ Name: `e${tag}`, EnableIPv6: true, IPAM: { Config: [{ Subnet: netE }] } });
    const v6 = m.get(`e${tag}`).IPAM.Config[1];
    assert.match(v6.Subnet!, /^fd[0-9a-f:]+\/64$/);
    const [p1, p2] = [sleeper(), sleeper()];
    await Promise.all([waitNetns(p1), waitNetns(p2)]);
    const [c1, c2] = [cid(), cid()];
    await m.prepare(ctr(c1, 'e1', { [`e${tag}`]: {} }));
    await m.plumb(c1, p1);
    const s2 = await m.prepare(ctr(c2, 'e2', { [`e${tag}`]: {} }, { portBindings: { '80/tcp': [{ HostPort: '' }] } }));
    await m.plumb(c2, p2);
    const ep = s2.networks[`e${tag}`];
    assert.equal(ep.IPv6Gateway, v6.Gateway);
    const [b4, b6] = s2.ports['80/tcp']!;
    assert.deepEqual([b4.HostIp, b6.HostIp, b4.HostPort === b6.HostPort], ['0.0.0.0', '::', true]);
    assert.ok(await eventually(async () => { if (!pings(p1, ep.GlobalIPv6Address)) throw new Error('no ping6'); return true; }));
    assert.ok(sh(`ip6tables-save -t nat | grep berth:c:${c2.slice(0, 12)}`).includes(`--to-destination [${ep.GlobalIPv6Address}]:80`));
    await m.release(c1);
    await m.release(c2);
    assert.equal(ownedBy(c2).length, 0);
  });

  it('an internal network has no way out', async () => {
    await m.create({ Name: `c${tag}`, Internal: true, IPAM: { Config: [{ Subnet: netC }] } });
    const [pi, po] = [sleeper(), sleeper()];
    await Promise.all([waitNetns(pi), waitNetns(po)]);
    const [ci, co] = [cid(), cid()];
    await m.prepare(ctr(ci, 'inside', { [`c${tag}`]: {} }));
    await m.plumb(ci, pi);
    const so = await m.prepare(ctr(co, 'outside', { bridge: {} }));
    await m.plumb(co, po);
    assert.doesNotMatch(inNs(pi, 'ip', 'route'), /default/);
    inNs(pi, 'ip', 'route', 'add', 'default', 'via', netC.replace(/0\/24$/, '1'));
    assert.ok(!pings(pi, so.networks.bridge.IPAddress), 'nothing leaves an internal network, even with a route');
    await m.release(ci);
    await m.release(co);
  });

  it('macvlan containers on a parent device reach each other', async () => {
    const parent = `btp${tag}`;
    sh(`ip link add ${parent} type veth peer name btq${tag} && ip link set ${parent} up && ip link set btq${tag} up`);
    createdLinks.push(parent);
    await m.create({ Name: `mv${tag}`, Driver: 'macvlan', Options: { parent }, IPAM: { Config: [{ Subnet: netMv }] } });
    const [p1, p2] = [sleeper(), sleeper()];
    await Promise.all([waitNetns(p1), waitNetns(p2)]);
    const [c1, c2] = [cid(), cid()];
    await m.prepare(ctr(c1, 'mv1', { [`mv${tag}`]: {} }));
    await m.plumb(c1, p1);
    const s2 = await m.prepare(ctr(c2, 'mv2', { [`mv${tag}`]: {} }));
    await m.plumb(c2, p2);
    assert.match(inNs(p1, 'ip', '-d', 'link', 'show', 'eth0'), /macvlan mode bridge/);
    assert.ok(pings(p1, s2.networks[`mv${tag}`].IPAddress));
    await m.release(c1);
    await m.release(c2);
    await m.remove(`mv${tag}`);
    await assert.rejects(m.create({ Name: 'nomv', Driver: 'macvlan', Options: { parent: `nx${tag}` } }),
      (e: unknown) => isBerthError(e) && e.message === `-o parent interface was not found on the host: nx${tag}`);
  });

  it('a macvlan network without -o parent gets its own dummy parent, removed with it', async () => {
    const { Id } = await m.create({ Name: `dm${tag}`, Driver: 'macvlan', Internal: true, IPAM: { Config: [{ Subnet: netMv }] } });
    const parent = `dm-${Id.slice(0, 12)}`;
    assert.ok(linkExists(parent));
    const [p1, p2] = [sleeper(), sleeper()];
    await Promise.all([waitNetns(p1), waitNetns(p2)]);
    const [c1, c2] = [cid(), cid()];
    await m.prepare(ctr(c1, 'dm1', { [`dm${tag}`]: {} }));
    await m.plumb(c1, p1);
    const s2 = await m.prepare(ctr(c2, 'dm2', { [`dm${tag}`]: { MacAddress: '02:42:de:ad:be:ef' } }));
    await m.plumb(c2, p2);
    assert.match(inNs(p2, 'ip', 'link', 'show', 'eth0'), /02:42:de:ad:be:ef/);
    assert.doesNotMatch(inNs(p1, 'ip', 'route'), /default/, 'no default route without a real parent');
    assert.ok(pings(p1, s2.networks[`dm${tag}`].IPAddress));
    await m.release(c1);
    await m.release(c2);
    await m.remove(`dm${tag}`);
    assert.ok(!linkExists(parent));
  });

  it('ipvlan containers reach each other where the kernel has ipvlan', async (t) => {
    const parent = `bti${tag}`;
    sh(`ip link add ${parent} type veth peer name btj${tag} && ip link set ${parent} up && ip link set btj${tag} up`);
    createdLinks.push(parent);
    try { sh(`ip link add link ${parent} name bti${tag}x type ipvlan mode l2 2>&1 && ip link del bti${tag}x`); } catch {
      t.skip('no ipvlan in this kernel');
      return;
    }
    await m.create({ Name: `iv${tag}`, Driver: 'ipvlan', Options: { parent }, IPAM: { Config: [{ Subnet: netMv }] } });
    const [p1, p2] = [sleeper(), sleeper()];
    await Promise.all([waitNetns(p1), waitNetns(p2)]);
    const [c1, c2] = [cid(), cid()];
    await m.prepare(ctr(c1, 'iv1', { [`iv${tag}`]: {} }));
    await m.plumb(c1, p1);
    const s2 = await m.prepare(ctr(c2, 'iv2', { [`iv${tag}`]: {} }));
    await m.plumb(c2, p2);
    assert.ok(pings(p1, s2.networks[`iv${tag}`].IPAddress));
    await m.release(c1);
    await m.release(c2);
    await m.remove(`iv${tag}`);
  });

  it('a restarted manager keeps published ports working and reconciles what nobody claims', async () => {
    const p = sleeper();
    await waitNetns(p);
    const [keep, gone] = [cid(), cid()];
    const port = 29000 + Math.floor(Math.random() * 900);
    const s = await m.prepare(ctr(keep, 'keep', { [`a${tag}`]: {} }, { portBindings: { '80/tcp': [{ HostPort: String(port) }] } }));
    await m.plumb(keep, p);
    httpd(p, 80);
    assert.equal(await eventually(() => httpGet(port)), 'hello from the container\n');
    const pg = sleeper();
    await waitNetns(pg);
    await m.prepare(ctr(gone, 'gone', { [`a${tag}`]: {} }, { portBindings: { '81/tcp': [{ HostPort: String(port + 1) }] } }));
    await m.plumb(gone, pg);
    // The daemon dies: nothing is flushed; a new one starts on the same root.
    const m2 = new NetworkManager(opts());
    await m2.init();
    assert.equal(await httpGet(port), 'hello from the container\n', 'the port works across the restart');
    await m2.restore(keep, s, true, p);
    await m2.reconcile();
    assert.equal(await httpGet(port), 'hello from the container\n');
    assert.equal(ownedBy(keep).length, 2);
    assert.equal(ownedBy(gone).length, 0, 'rules of an unclaimed container are gone');
    const netAId = m2.get(`a${tag}`).Id;
    assert.ok(!linkExists(hostVethName(gone, netAId)), 'its veth too');
    assert.ok(linkExists(hostVethName(keep, netAId)));
    await assert.rejects(m2.prepare(ctr(cid(), 'clash', { bridge: {} }, { portBindings: { '80/tcp': [{ HostPort: String(port) }] } })),
      (e: unknown) => isBerthError(e) && e.message.includes('port is already allocated'), 'leases survive the restart');
    await m2.release(keep);
    assert.equal(ownedBy(keep).length, 0);
    m = m2;
  });

  it('shutdown({ removeAll }) leaves no device and no rule behind', async () => {
    const p = sleeper();
    await waitNetns(p);
    const id = cid();
    await m.prepare(ctr(id, 'last', { [`a${tag}`]: {} }, { portBindings: { '80/tcp': [{ HostPort: '' }] } }));
    await m.plumb(id, p);
    await m.shutdown({ removeAll: true });
    assert.equal(ourRules().trim(), '', 'no chain or rule of this tag');
    const links = sh('ip -br link');
    assert.ok(!links.includes(`bt${tag}`), 'no default bridge');
    for (const n of [`a${tag}`, `b${tag}`, `c${tag}`, `d${tag}`, `e${tag}`]) {
      const dev = `br-${m.get(n).Id.slice(0, 12)}`;
      assert.ok(!links.includes(dev), `no ${dev}`);
    }
    const nets = m.list().map((n) => n.Id);
    for (const c of allIds) for (const n of nets) assert.ok(!linkExists(hostVethName(c, n)), `no veth of ${c.slice(0, 12)}`);
  });
});
