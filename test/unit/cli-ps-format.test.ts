// `berth ps` rows against fixed /containers/json items: status text as the daemon sends it,
// command quoting and truncation (20 cells with …), names (links dropped when truncated), sizes,
// ports, images, and `--format json`. The expected texts are docker CLI 28's; when `docker` is on
// PATH the same items are also served to it by a stub daemon and its output compared.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerFormat, containerRow, displayablePorts, ellipsis, probeRow, renderPs, type ContainerSummary } from '../../src/cli/container/ps-format.js';
import { compileTemplate } from '../../src/cli/template/index.js';

const HOUR = 3600;
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const nowSec = NOW / 1000;

const ITEMS: ContainerSummary[] = [
  {
    Id: '145a7d7f20b7a4521afb7daee649e850639675c2808d80d406441d4a9a8d74a1',
    Names: ['/web'],
    Image: 'busybox',
    ImageID: 'sha256:c7e4d88820cad4f0066c2925cd73c906b5bcf5f67860f68ea37a90d4309430a7',
    Command: 'sh -c \'echo a; echo b; sleep 1000\'',
    Created: nowSec - 3 * HOUR,
    Ports: [
      { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
      { PrivatePort: 9000, Type: 'tcp' },
      { PrivatePort: 9001, Type: 'tcp' },
      { PrivatePort: 53, Type: 'udp' },
      { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
    ],
    SizeRw: 12345,
    SizeRootFs: 4_260_000,
    Labels: { b: '2', a: '1' },
    State: 'running',
    Status: 'Up 2 seconds',
    NetworkSettings: { Networks: { bridge: {} } },
    Mounts: [{ Type: 'volume', Name: '0123456789abcdef0123', Source: '/var/lib/x', Destination: '/data', Driver: 'local' }],
  },
  {
    Id: '9be80c54614cf459250895b4c49a1a623158ed03d256225e3e7c75d5dacf6d05',
    Names: ['/other/alias', '/db'],
    Image: 'sha256:c7e4d88820cad4f0066c2925cd73c906b5bcf5f67860f68ea37a90d4309430a7',
    ImageID: 'sha256:c7e4d88820cad4f0066c2925cd73c906b5bcf5f67860f68ea37a90d4309430a7',
    Command: 'echo hello',
    Created: nowSec - 10 * 24 * HOUR,
    Ports: [],
    SizeRw: 0,
    SizeRootFs: 0,
    Labels: {},
    State: 'exited',
    Status: 'Exited (0) 3 seconds ago',
    NetworkSettings: { Networks: { none: {} } },
    Mounts: [],
  },
  {
    Id: 'aaaabbbbccccddddeeeeffff0000111122223333444455556666777788889999',
    Names: ['/fresh'],
    Image: 'docker.io/library/alpine:3.19@sha256:c7e4d88820cad4f0066c2925cd73c906b5bcf5f67860f68ea37a90d4309430a7',
    ImageID: 'sha256:0000d88820cad4f0066c2925cd73c906b5bcf5f67860f68ea37a90d4309430a7',
    Command: '日本語のコマンドはとても長いです',
    Created: nowSec - 45 * 60 - 30,
    Ports: null,
    Labels: null,
    State: 'created',
    Status: 'Created',
    Mounts: null,
  },
];

function render(format: string, quiet: boolean, size: boolean, trunc = true): string {
  const rows = ITEMS.map((c) => containerRow(c, { trunc, now: NOW }));
  return renderPs(containerFormat(format, quiet, size), rows, size);
}

describe('ps rows', () => {
  it('default table: status as sent, quoted and truncated command, ports, names', () => {
    assert.equal(render('', false, false), [
      'CONTAINER ID   IMAGE          COMMAND                  CREATED          STATUS                     PORTS                                                            NAMES',
      '145a7d7f20b7   busybox        "sh -c \'echo a; echo…"   3 hours ago      Up 2 seconds               53/udp, 9000-9001/tcp, 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp   web',
      '9be80c54614c   c7e4d88820ca   "echo hello"             10 days ago      Exited (0) 3 seconds ago                                                                    db',
      'aaaabbbbcccc   alpine:3.19    "日本語のコマンドは…"    45 minutes ago   Created                                                                                     fresh',
      '',
    ].join('\n'));
  });

  it('-s adds SIZE: "srw (virtual rootfs)", or srw alone without a rootfs size', () => {
    const out = render('', false, true).split('\n');
    assert.match(out[0]!, /NAMES\s+SIZE$/);
    assert.match(out[1]!, /web\s+12\.3kB \(virtual 4\.26MB\)$/);
    assert.match(out[2]!, /db\s+0B$/);
  });

  it('-q and --no-trunc', () => {
    assert.equal(render('', true, false), '145a7d7f20b7\n9be80c54614c\naaaabbbbcccc\n');
    assert.equal(render('{{.ID}} {{.Names}} {{.Image}} {{.Command}}', false, false, false).split('\n')[1],
      '9be80c54614cf459250895b4c49a1a623158ed03d256225e3e7c75d5dacf6d05 other/alias,db sha256:c7e4d88820cad4f0066c2925cd73c906b5bcf5f67860f68ea37a90d4309430a7 "echo hello"');
  });

  it('fields: labels sorted, Label, mounts ellipsized, local volumes, networks', () => {
    assert.equal(render('{{.Labels}}|{{.Label "b"}}|{{.Mounts}}|{{.LocalVolumes}}|{{.Networks}}|{{.State}}', false, false).split('\n')[0],
      'a=1,b=2|2|0123456789abcd…|1|bridge|running');
  });

  it('--format json: docker\'s keys, sorted, Platform null', () => {
    const line = JSON.parse(render('json', false, false).split('\n')[1]!);
    assert.deepEqual(Object.keys(line), ['Command', 'CreatedAt', 'ID', 'Image', 'Labels', 'LocalVolumes', 'Mounts', 'Names', 'Networks', 'Platform', 'Ports', 'RunningFor', 'Size', 'State', 'Status']);
    assert.equal(line.Command, '"echo hello"');
    assert.equal(line.Platform, null);
    assert.equal(line.Size, '0B');
    assert.match(render('json', false, false).split('\n')[0]!, /"Ports":"53\/udp, 9000-9001\/tcp, 0\.0\.0\.0:8080-\\u003e80\/tcp/);
  });

  it('the header of .Label is the label name\'s last part', () => {
    assert.match(render('table {{.Names}}\t{{.Label "com.example.my-app_name"}}', false, false).split('\n')[0]!, /^NAMES\s+my app name$/);
  });

  it('unknown fields fail as docker\'s do', () => {
    const t = compileTemplate('{{.Foo}}');
    assert.throws(() => t.execute(probeRow().row), /can't evaluate field Foo in type \*formatter.ContainerContext/);
  });

  it('a template reading .Size asks for sizes', () => {
    const p = probeRow();
    compileTemplate('{{.Names}}').execute(p.row);
    assert.equal(p.usesSize(), false);
    compileTemplate('table {{.Size}}').execute(p.row);
    assert.equal(p.usesSize(), true);
  });

  it('ellipsis and ports helpers', () => {
    assert.equal(ellipsis('abcdefghijklmnopqrstuvwxyz', 20), 'abcdefghijklmnopqrs…');
    assert.equal(ellipsis('short', 20), 'short');
    assert.equal(displayablePorts([{ PrivatePort: 80, Type: 'tcp' }, { PrivatePort: 81, Type: 'tcp' }, { PrivatePort: 83, Type: 'tcp' }]), '80-81/tcp, 83/tcp');
    assert.equal(displayablePorts([{ IP: '127.0.0.1', PrivatePort: 80, PublicPort: 80, Type: 'tcp' }]), '127.0.0.1:80->80/tcp');
    assert.equal(displayablePorts(null), '');
  });
});

const hasDocker = spawnSync('sh', ['-c', 'command -v docker']).status === 0;

describe('ps rows vs docker CLI 28 (golden)', { skip: !hasDocker && 'docker not on PATH' }, () => {
  let dir: string;
  let server: Server;
  let sock: string;
  // Created times relative to the real clock, so RunningFor agrees on both sides.
  const items = ITEMS.map((c) => ({ ...c, Created: Math.floor(Date.now() / 1000) - (nowSec - c.Created) }));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-ps-'));
    sock = join(dir, 'd.sock');
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url?.includes('/_ping')) {
          res.writeHead(200, { 'Api-Version': '1.47', Ostype: 'linux' });
          res.end('OK');
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/json', 'Api-Version': '1.47' });
        res.end(JSON.stringify(items));
      });
    });
    await new Promise<void>((r) => server.listen(sock, r));
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const docker = (args: string[]) => new Promise<string>((resolve, reject) => {
    execFile('docker', ['ps', ...args], { env: { ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: join(dir, 'cfg') } }, (err, out) => (err ? reject(err) : resolve(out)));
  });

  const cases: Array<[string[], string, boolean, boolean, boolean]> = [
    [[], '', false, false, true],
    [['-s'], '', false, true, true],
    [['-q'], '', true, false, true],
    [['--no-trunc'], '', false, false, false],
    [['--format', 'json'], 'json', false, false, true],
    [['--format', 'table {{.ID}}\t{{.Labels}}\t{{.Mounts}}\t{{.Networks}}\t{{.CreatedAt}}\t{{.Label "a"}}'], 'table {{.ID}}\t{{.Labels}}\t{{.Mounts}}\t{{.Networks}}\t{{.CreatedAt}}\t{{.Label "a"}}', false, false, true],
  ];
  for (const [args, format, quiet, size, trunc] of cases) {
    it(`docker ps ${args.join(' ')}`, async () => {
      const rows = items.map((c) => containerRow(c, { trunc }));
      const ours = renderPs(containerFormat(format, quiet, size), rows, size);
      assert.equal(ours, await docker(args));
    });
  }
});
