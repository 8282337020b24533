// `berth create`/`run` options → the create body, compared with what the real docker CLI (v28)
// posts: each case runs `docker create --pull never …` against a stub daemon on a temporary unix
// socket that records the POST /containers/create body and answers 404, and the same argv goes
// through berth's flag spec and parseCreateRequest. Error cases compare docker's first stderr
// line and exit status. Skipped when `docker` is not on PATH.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFlags, FlagError } from '../../src/cli/flags.js';
import { CREATE_FLAGS, parseCreateRequest } from '../../src/cli/container/create-opts.js';
import { parseKeyValueContent } from '../../src/cli/opts/kvfile.js';
import { parseUlimit, parseCPUs, validateExtraHost, validateDNSSearch, effectiveCapAddCapDrop } from '../../src/cli/opts/validate.js';
import { parsePortSpecs } from '../../src/cli/opts/ports.js';
import { parseVolumeSpec, parseDevice } from '../../src/cli/opts/mounts.js';
import { ipString, parseIP } from '../../src/cli/opts/ip.js';

const hasDocker = spawnSync('sh', ['-c', 'command -v docker']).status === 0;

function berthBody(argv: string[]): unknown {
  const r = parseFlags(CREATE_FLAGS, argv, { interspersed: false });
  const body = parseCreateRequest({ flags: r.flags as Record<string, unknown>, changed: r.changed, image: r.args[0]!, args: r.args.slice(1) });
  return JSON.parse(JSON.stringify(body));
}

/** berth's first error line as the CLI prints it (flag errors bare, others `berth: MSG`). */
function berthError(argv: string[]): string {
  try {
    const r = parseFlags(CREATE_FLAGS, argv, { interspersed: false });
    const f = r.flags as Record<string, unknown>;
    if (!['always', 'missing', 'never', ''].includes(f.pull as string)) throw new Error(`invalid pull option: '${f.pull}': must be one of "always", "missing" or "never"`);
    parseCreateRequest({ flags: f, changed: r.changed, image: r.args[0]!, args: r.args.slice(1) });
  } catch (e) {
    if (e instanceof FlagError) return e.message;
    return `berth: ${(e as Error).message}`;
  }
  return '(no error)';
}

describe('create options vs docker CLI 28 (golden)', { skip: !hasDocker && 'docker not on PATH' }, () => {
  let dir: string;
  let server: Server;
  let sock: string;
  let bodies: string[] = [];
  const cwd = process.cwd();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-runopts-'));
    // Relative paths (-v ./x, --env-file x) resolve against the same directory on both sides.
    process.chdir(dir);
    sock = join(dir, 'd.sock');
    server = createServer((req, res) => {
      let b = '';
      req.on('data', (d) => { b += d; });
      req.on('end', () => {
        if (req.url?.includes('/_ping')) {
          res.writeHead(200, { 'Api-Version': '1.47', Ostype: 'linux' });
          res.end('OK');
          return;
        }
        if (req.method === 'POST' && /\/containers\/create/.test(req.url ?? '')) bodies.push(b);
        res.writeHead(404, { 'Content-Type': 'application/json', 'Api-Version': '1.47' });
        res.end(JSON.stringify({ message: 'No such image: busybox:latest' }) + '\n');
      });
    });
    await new Promise<void>((r) => server.listen(sock, r));
    writeFileSync(join(dir, 'env.txt'), 'A=1\n# comment\n  B=lead\nUNSET_BERTH_TEST_VAR\nHOME\nC=x y  \n\n');
    writeFileSync(join(dir, 'labels.txt'), 'l1=v\nl2\nl3=\n');
  });
  after(() => {
    process.chdir(cwd);
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function docker(argv: string[]): Promise<{ code: number; stderr: string; body?: unknown }> {
    bodies = [];
    return new Promise((resolve) => {
      execFile('docker', ['create', '--pull', 'never', ...argv], {
        cwd: dir,
        env: { ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: join(dir, 'cfg'), DOCKER_API_VERSION: '', DOCKER_DEFAULT_PLATFORM: '' },
      }, (err, _out, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stderr: String(stderr), body: bodies.length ? JSON.parse(bodies[0]!) : undefined });
      });
    });
  }

  const cases: Array<[string, string[]]> = [
    ['no options', ['busybox']],
    ['command, env, labels', ['-e', 'X=1', '-e', 'HOME', '-e', 'UNSET_BERTH_TEST_VAR', '-e', 'X=2', '--env-file', 'env.txt', '-l', 'a=b', '--label-file', 'labels.txt', 'busybox', 'sh', '-c', 'echo hi']],
    ['many', ['--name', 'foo', '-i', '-t', '-w', '/tmp', '-u', '1000:1000', '--entrypoint', '/bin/sh', '-h', 'hh', '--domainname', 'dd', '--init', '--read-only',
      '--tmpfs', '/run:size=1m', '--tmpfs', '/x', '--cap-add', 'net_admin', '--cap-drop', 'ALL', '--privileged', '--security-opt', 'no-new-privileges',
      '--security-opt', 'label=disable', '--stop-signal', 'SIGINT', '--stop-timeout', '5', '--ulimit', 'nofile=1024:2048', '--ulimit', 'nproc=10',
      '--shm-size', '64m', '--sysctl', 'net.ipv4.ip_forward=1', '--group-add', '10', '--add-host', 'a:1.2.3.4', '--dns', '8.8.8.8',
      '--dns-option', 'ndots:1', '--dns-search', 'example.com', '--restart', 'on-failure:3', '-m', '100m', '--memory-swap', '200m', '--cpus', '1.5',
      '--pids-limit', '50', '--log-opt', 'max-size=1m', '--log-driver', 'json-file', '-v', '/a:/b:ro', '-v', '/anon', '--oom-kill-disable',
      '--cpu-shares', '512', '--cpuset-cpus', '0-1', '--volumes-from', 'other:ro', '-a', 'stdout', 'busybox', 'true']],
    ['detach-ish and resets', ['--network', 'none', '--entrypoint', '', '--init=false', '--stop-timeout', '0', '--rm', 'busybox']],
    ['ports', ['-p', '80', '-p', '8000-8001:80-81/udp', '-p', 'published=9090,target=90', '-p', '127.0.0.1:53:53/udp', '-p', '[::1]:8080:8080', '-p', '7000-7010:7000',
      '--expose', '6000-6001/udp', '--expose', '5000', '-P', 'busybox']],
    ['user network', ['--network', 'mynet', '--ip', '10.0.0.2', '--ip6', '2001:db8::33', '--network-alias', 'a', '--link', 'other:al', '--mac-address', '92:D0:C6:0A:29:33', 'busybox']],
    ['networks long form', ['--network', 'name=n1,alias=a1,driver-opt=x=y', '--network', 'n2', 'busybox']],
    ['container network', ['--net', 'container:foo', 'busybox']],
    ['security and caps', ['--security-opt', 'systempaths=unconfined', '--security-opt', 'seccomp=unconfined', '--cap-add', 'all', '--cap-add', 'SYS_ADMIN', '--cap-drop', 'chown', 'busybox']],
    ['healthcheck', ['--health-cmd', 'curl -f x', '--health-interval', '30s', '--health-timeout', '5s', '--health-start-period', '1m', '--health-start-interval', '2s', '--health-retries', '2', 'busybox']],
    ['no healthcheck', ['--no-healthcheck', 'busybox']],
    ['mounts and volumes', ['--mount', 'type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1777', '--mount', 'type=volume,src=v,dst=/v,volume-label=a=b,volume-nocopy,volume-driver=local,volume-opt=o=1',
      '--mount', 'type=bind,src=.,dst=/b,bind-propagation=rshared,readonly', '-v', './rel:/x', '-v', 'named:/data:ro', '-v', '/anon2', 'busybox']],
    ['devices and blkio', ['--device', '/dev/null', '--device', '/dev/zero:/dev/z:r', '--device', '/dev/tty:rw', '--device-cgroup-rule', 'c 1:3 rwm', '--gpus', 'all',
      '--blkio-weight', '300', '--blkio-weight-device', '/dev/sda:200', '--device-read-bps', '/dev/sda:1mb', '--device-write-iops', '/dev/sda:100', 'busybox']],
    ['resources', ['--ulimit', 'nofile=10:20', '--sysctl', 'net.core.somaxconn=1024', '--sysctl', 'kernel.shmmax=1', '--shm-size', '1g', '--memory', '1g',
      '--memory-reservation', '512m', '--memory-swap', '-1', '--memory-swappiness', '10', '--cpus', '0.25', '--cpu-period', '100000', '--cpu-quota', '50000',
      '--cpuset-mems', '0', '--pids-limit', '-1', '--oom-score-adj', '100', '--cpu-rt-runtime', '10', '--cpu-rt-period', '20', 'busybox']],
    ['attach flags', ['-a', 'stdin', '-a', 'STDOUT', '-i', '-t', '--tty=false', 'busybox']],
    ['namespaces and misc', ['--restart', 'unless-stopped', '--log-driver', 'none', '--dns', '1.1.1.1', '--dns', '0:0::1', '--dns-search', '.', '--add-host', 'h=[::1]',
      '--add-host', 'gw:host-gateway', '--group-add', 'audio', '--volumes-from', 'x', '--pid', 'host', '--uts', 'host', '--ipc', 'host', '--userns', 'host',
      '--cgroupns', 'private', '--runtime', 'runc', '--isolation', 'default', '--annotation', 'a=b', '--storage-opt', 'size=1G', '--read-only', '--privileged',
      '--cgroup-parent', 'p', '--volume-driver', 'local', '--stop-signal', '9', '--restart', 'always', '--cidfile', '/tmp/never-written-cid', 'busybox']],
  ];

  for (const [name, argv] of cases) {
    it(`body: ${name}`, async () => {
      const d = await docker(argv);
      assert.ok(d.body, `docker sent no create request: ${d.stderr}`);
      const ours = berthBody(argv) as { Env: string[] | null; HostConfig: { Binds: string[] | null } };
      const theirs = d.body as { Env: string[] | null; HostConfig: { Binds: string[] | null } };
      // Binds come from a Go map in docker (random order) too.
      for (const b of [ours, theirs]) b.HostConfig.Binds?.sort();
      // docker sends the -e values in Go map order (random): compare them as a set, after the
      // --env-file ones, which keep their order.
      const files = (argv.includes('--env-file') ? 4 : 0);
      const norm = (env: string[] | null) => (env ? [...env.slice(0, files), ...env.slice(files).sort()] : env);
      assert.deepEqual({ ...ours, Env: norm(ours.Env) }, { ...theirs, Env: norm(theirs.Env) });
    });
  }

  const errorCases: Array<[string, string[]]> = [
    ['--rm with a restart policy', ['--rm', '--restart', 'always', 'busybox']],
    ['bad memory', ['--memory', 'x', 'busybox']],
    ['bad env', ['-e', '=x', 'busybox']],
    ['bad label', ['-l', ' =x', 'busybox']],
    ['missing env file', ['--env-file', 'nope.txt', 'busybox']],
    ['bad ulimit', ['--ulimit', 'bogus=1', 'busybox']],
    ['ulimit soft > hard', ['--ulimit', 'nofile=20:10', 'busybox']],
    ['healthcheck conflict', ['--no-healthcheck', '--health-cmd', 'x', 'busybox']],
    ['bad pid mode', ['--pid', 'bogus', 'busybox']],
    ['bad restart count', ['--restart', 'on-failure:x', 'busybox']],
    ['bad port', ['-p', 'abc', 'busybox']],
    ['bad port range', ['-p', '1-2:3-5', 'busybox']],
    ['log opts with none', ['--log-driver', 'none', '--log-opt', 'a=b', 'busybox']],
    ['bad security opt', ['--security-opt', 'foo', 'busybox']],
    ['bad network field', ['--network', 'name=a,bogus=1', 'busybox']],
    ['mount without target', ['--mount', 'type=bind,src=/x', 'busybox']],
    ['bad volume spec', ['-v', '/a::/b', 'busybox']],
    ['too precise cpus', ['--cpus', '1.0000000001', 'busybox']],
    ['bad cpus', ['--cpus', 'abc', 'busybox']],
    ['bad add-host', ['--add-host', 'bad', 'busybox']],
    ['bad add-host ip', ['--add-host', 'h:1.2.3', 'busybox']],
    ['bad dns', ['--dns', 'bad', 'busybox']],
    ['bad sysctl', ['--sysctl', 'kernel.foo=1', 'busybox']],
    ['bad expose', ['--expose', '1:2', 'busybox']],
    ['bad storage opt', ['--storage-opt', 'x', 'busybox']],
    ['bad swappiness', ['--memory-swappiness', '200', 'busybox']],
    ['bad mac', ['--mac-address', 'bad', 'busybox']],
    ['bad attach', ['-a', 'bogus', 'busybox']],
    ['bad device', ['--device', 'rel/path:x:y', 'busybox']],
    ['bad pull', ['--pull', 'bogus', 'busybox']],
    ['bad blkio weight device', ['--blkio-weight-device', '/dev/sda:5', 'busybox']],
    ['aliases on a default network', ['--network-alias', 'a', 'busybox']],
    ['mixed networks', ['--network', 'host', '--network', 'mynet', 'busybox']],
  ];
  for (const [name, argv] of errorCases) {
    it(`error: ${name}`, async () => {
      const i = argv.indexOf('--pull');
      const d = await docker(i >= 0 ? argv : argv);
      assert.equal(d.code, 125, d.stderr);
      const first = d.stderr.split('\n')[0]!.replace(/^docker:/, 'berth:');
      const args = i >= 0 ? argv : ['--pull', 'never', ...argv];
      assert.equal(berthError(args), first);
    });
  }
});

describe('create option parsers', () => {
  it('kv files: comments, leading blanks, bare keys from the lookup, no quote trimming', () => {
    const lines = parseKeyValueContent(Buffer.from('\ufeffA=1\n# c\n  B="q"\nC\nD\r\n'), (k) => (k === 'C' ? 'from-env' : undefined));
    assert.deepEqual(lines, ['A=1', 'B="q"', 'C=from-env']);
    assert.throws(() => parseKeyValueContent(Buffer.from('A B=1\n')), /variable 'A B' contains whitespaces/);
    assert.throws(() => parseKeyValueContent(Buffer.from('=1\n')), /no variable name on line '=1'/);
    assert.throws(() => parseKeyValueContent(Buffer.from([0x41, 0x3d, 0xff])), /invalid utf8 bytes at line 1: \[65 61 255\]/);
  });
  it('ulimits', () => {
    assert.deepEqual(parseUlimit('nofile=1024:2048'), { Name: 'nofile', Hard: 2048, Soft: 1024 });
    assert.deepEqual(parseUlimit('nproc=10'), { Name: 'nproc', Hard: 10, Soft: 10 });
    assert.deepEqual(parseUlimit('core=-1'), { Name: 'core', Hard: -1, Soft: -1 });
    assert.throws(() => parseUlimit('nofile'), /invalid ulimit argument: nofile/);
    assert.throws(() => parseUlimit('x=1'), /invalid ulimit type: x/);
    assert.throws(() => parseUlimit('nofile=a'), /strconv.ParseInt: parsing "a": invalid syntax/);
  });
  it('cpus', () => {
    assert.equal(parseCPUs('1.5'), 1_500_000_000);
    assert.equal(parseCPUs('3/2'), 1_500_000_000);
    assert.equal(parseCPUs('2e-1'), 200_000_000);
    assert.throws(() => parseCPUs('0.0000000001'), /value is too precise/);
  });
  it('ports', () => {
    assert.deepEqual(parsePortSpecs(['127.0.0.1:8080:80/udp', '9000-9001:90-91']), {
      exposed: ['80/udp', '90/tcp', '91/tcp'],
      bindings: {
        '80/udp': [{ HostIp: '127.0.0.1', HostPort: '8080' }],
        '90/tcp': [{ HostIp: '', HostPort: '9000' }],
        '91/tcp': [{ HostIp: '', HostPort: '9001' }],
      },
    });
    assert.deepEqual(parsePortSpecs(['8000-8010:80']).bindings, { '80/tcp': [{ HostIp: '', HostPort: '8000-8010' }] });
  });
  it('volumes, devices, hosts, dns, caps, IPs', () => {
    assert.equal(parseVolumeSpec('/a:/b:ro').type, 'bind');
    assert.equal(parseVolumeSpec('name:/b').type, 'volume');
    assert.equal(parseVolumeSpec('/anon').source, '');
    assert.deepEqual(parseDevice('/dev/zero:/dev/z:r'), { PathOnHost: '/dev/zero', PathInContainer: '/dev/z', CgroupPermissions: 'r' });
    assert.deepEqual(parseDevice('/dev/null'), { PathOnHost: '/dev/null', PathInContainer: '/dev/null', CgroupPermissions: 'rwm' });
    assert.equal(validateExtraHost('h=[::1]'), 'h:::1');
    assert.equal(validateDNSSearch('example.com.'), 'example.com');
    assert.deepEqual(effectiveCapAddCapDrop(['net_admin', 'CAP_CHOWN', 'chown'], ['chown', 'all']), { capAdd: ['CAP_CHOWN', 'CAP_NET_ADMIN'], capDrop: ['ALL', 'CAP_CHOWN'] });
    assert.equal(ipString(parseIP('0:0:0:0:0:0:0:1')!), '::1');
    assert.equal(ipString(parseIP('2001:db8:0:0:1:0:0:1')!), '2001:db8::1:0:0:1');
    assert.equal(ipString(parseIP('::ffff:1.2.3.4')!), '1.2.3.4');
    assert.equal(parseIP('01.2.3.4'), null);
  });
});
