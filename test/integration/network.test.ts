// Networking through both CLIs against a real berthd: the default bridge, user-defined networks
// with the embedded DNS, isolation, published ports without a proxy process, connect and
// disconnect, removal rules, and ports that keep working across a berthd restart. Traffic goes
// only to 127.0.0.1 and the containers' own namespaces; the daemon's bridges, veths and rules
// are checked gone at the end.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { daemonWithBusybox, ok } from '../helpers/daemon.js';

const d = daemonWithBusybox('bt-net');
const cli = { docker: (a: string[]) => d.docker(a), berth: (a: string[]) => d.berth(a) };
type Cli = keyof typeof cli;

after(() => {
  for (const c of ['web', 'web2', 'other', 'plain1', 'plain2', 'pub', 'range', 'restart-pub']) d.berth(['rm', '-f', c]);
});

function httpGet(port: number, host = '127.0.0.1'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function httpGetRetry(port: number): Promise<{ status: number; body: string }> {
  let last: unknown;
  for (let i = 0; i < 50; i++) {
    try { return await httpGet(port); } catch (e) { last = e; await new Promise((r) => setTimeout(r, 100)); }
  }
  throw last;
}

/** A busybox httpd serving `text` at / on port 80. */
function httpdArgs(text: string): string[] {
  return ['sh', '-c', `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`];
}

test('containers on a user network reach each other by name and by alias; the embedded DNS answers at 127.0.0.11', () => {
  for (const [tool, net] of [['docker', 'appnet-d'], ['berth', 'appnet-b']] as Array<[Cli, string]>) {
    const run = cli[tool];
    const id = ok(run(['network', 'create', net])).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    ok(run(['run', '-d', '--name', `web-${tool}`, '--network', net, '--network-alias', 'site', 'busybox', ...httpdArgs(`hello-${tool}`)]));
    const out = ok(run(['run', '--rm', '--network', net, 'busybox', 'sh', '-c',
      `cat /etc/resolv.conf; wget -qO- http://web-${tool}/; wget -qO- http://site/; nslookup site 127.0.0.11`]));
    assert.match(out, /nameserver 127\.0\.0\.11/);
    assert.match(out, /options ndots:0/);
    assert.equal(out.match(new RegExp(`hello-${tool}`, 'g'))?.length, 2, out);
    const ip = ok(run(['inspect', '-f', `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, `web-${tool}`])).trim();
    assert.match(out, new RegExp(`Address: ${ip.replace(/\./g, '\\.')}`));
    ok(run(['rm', '-f', `web-${tool}`]));
    ok(run(['network', 'rm', net]));
  }
});

test('the default bridge gives an address and a gateway but no names', () => {
  ok(d.berth(['run', '-d', '--name', 'plain1', 'busybox', 'sleep', '300']));
  const ip = ok(d.docker(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'plain1'])).trim();
  assert.match(ip, /^10\.\d+\.\d+\.\d+$/);
  assert.equal(ok(d.docker(['inspect', '-f', '{{.NetworkSettings.Networks.bridge.IPAddress}}', 'plain1'])).trim(), ip);
  const out = ok(d.docker(['run', '--rm', 'busybox', 'sh', '-c', `ping -c1 -W2 ${ip} >/dev/null && echo reach-ip; ping -c1 -W1 plain1 >/dev/null 2>&1 || echo no-name; ip route`]));
  assert.match(out, /reach-ip/);
  assert.match(out, /no-name/);
  assert.match(out, /default via /);
  ok(d.berth(['rm', '-f', 'plain1']));
});

test('networks are isolated from each other', () => {
  ok(d.docker(['network', 'create', 'iso-a']));
  ok(d.berth(['network', 'create', 'iso-b']));
  ok(d.berth(['run', '-d', '--name', 'other', '--network', 'iso-b', 'busybox', 'sleep', '300']));
  const ip = ok(d.berth(['inspect', '-f', '{{(index .NetworkSettings.Networks "iso-b").IPAddress}}', 'other'])).trim();
  const out = ok(d.docker(['run', '--rm', '--network', 'iso-a', 'busybox', 'sh', '-c', `ping -c1 -W1 ${ip} >/dev/null 2>&1 && echo reached || echo isolated`]));
  assert.match(out, /isolated/);
  // A network in use cannot be removed; after its container goes, it can.
  const rm = d.docker(['network', 'rm', 'iso-b']);
  assert.notEqual(rm.code, 0);
  assert.match(rm.stderr, /has active endpoints/);
  ok(d.berth(['rm', '-f', 'other']));
  ok(d.berth(['network', 'rm', 'iso-a', 'iso-b']));
});

test('connect and disconnect a running container', () => {
  ok(d.berth(['network', 'create', 'late']));
  ok(d.berth(['run', '-d', '--name', 'web2', 'busybox', ...httpdArgs('late')]));
  ok(d.docker(['network', 'connect', '--alias', 'lateweb', 'late', 'web2']));
  const nets = ok(d.docker(['inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', 'web2'])).trim().split(' ').sort();
  assert.deepEqual(nets, ['bridge', 'late']);
  assert.match(ok(d.docker(['run', '--rm', '--network', 'late', 'busybox', 'wget', '-qO-', 'http://lateweb/'])), /late/);
  const inspect = JSON.parse(ok(d.docker(['network', 'inspect', 'late'])))[0];
  assert.equal(Object.values(inspect.Containers as Record<string, { Name: string }>)[0]?.Name, 'web2');
  ok(d.berth(['network', 'disconnect', 'late', 'web2']));
  const r = d.docker(['run', '--rm', '--network', 'late', 'busybox', 'sh', '-c', 'wget -T 2 -qO- http://lateweb/ || echo gone']);
  assert.match(r.stdout, /gone/);
  ok(d.berth(['rm', '-f', 'web2']));
  ok(d.docker(['network', 'rm', 'late']));
});

test('-p 127.0.0.1:0:80 publishes an ephemeral port that answers from the host, with no proxy process', async () => {
  const before = new Set(readdirSync('/proc').filter((x) => /^\d+$/.test(x)));
  ok(d.docker(['run', '-d', '--name', 'pub', '-p', '127.0.0.1:0:80', 'busybox', ...httpdArgs('published')]));
  const port = ok(d.berth(['port', 'pub', '80'])).trim();
  const m = /^127\.0\.0\.1:(\d+)$/.exec(port);
  assert.ok(m, port);
  assert.equal(ok(d.docker(['port', 'pub'])).trim(), `80/tcp -> ${port}`);
  const res = await httpGetRetry(Number(m![1]));
  assert.equal(res.body.trim(), 'published');
  // Only the container's own processes appeared: its monitor and httpd.
  const added = readdirSync('/proc').filter((x) => /^\d+$/.test(x) && !before.has(x)).map((p) => {
    try { return readFileSync(`/proc/${p}/comm`, 'utf8').trim(); } catch { return ''; }
  }).filter((c) => c && !['docker', 'node', 'berth', 'ps', 'runc'].includes(c));
  assert.ok(!added.some((c) => /proxy/.test(c)), added.join(','));
  ok(d.berth(['rm', '-f', 'pub']));
  await assert.rejects(httpGet(Number(m![1])));
});

test('a 1000-port range publishes without a process per port, and ports conflict with Docker\'s message', () => {
  const countAll = () => readdirSync('/proc').filter((x) => /^\d+$/.test(x)).length;
  const n0 = countAll();
  ok(d.berth(['run', '-d', '--name', 'range', '-p', '127.0.0.1:31000-31999:31000-31999', 'busybox', 'sleep', '300']));
  // conmon and sleep; some slack for unrelated processes coming and going on the machine.
  assert.ok(countAll() - n0 < 10, `${countAll() - n0} processes added`);
  const ports = JSON.parse(ok(d.docker(['inspect', '-f', '{{json .NetworkSettings.Ports}}', 'range'])));
  assert.equal(Object.keys(ports).length, 1000);
  const r = d.docker(['run', '--rm', '-p', '127.0.0.1:31500:80', 'busybox', 'true']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /port is already allocated/);
  ok(d.berth(['rm', '-f', 'range']));
});

test('published ports keep working across a berthd restart', async () => {
  ok(d.berth(['run', '-d', '--name', 'restart-pub', '-p', '127.0.0.1:0:80', 'busybox', ...httpdArgs('survivor')]));
  const port = Number(ok(d.berth(['port', 'restart-pub', '80'])).trim().split(':').pop());
  assert.equal((await httpGetRetry(port)).body.trim(), 'survivor');
  await d.stop('SIGKILL');
  await d.start();
  assert.equal((await httpGetRetry(port)).body.trim(), 'survivor');
  assert.equal(ok(d.berth(['port', 'restart-pub', '80'])).trim(), `127.0.0.1:${port}`);
  ok(d.berth(['rm', '-f', 'restart-pub']));
  await assert.rejects(httpGet(port));
});

test('nothing is left behind: veths, bridges, rules', async () => {
  await d.assertNoLeaks();
});
