// The registry client end to end through both CLIs (the docker CLI against berthd, and bin/berth)
// against Debian's docker-registry: push, pull (by tag, by digest, all tags), layer reuse and
// cross-repository mounts, RepoDigests, htpasswd login/logout and the errors a user sees, the
// bearer token flow, and a layer download resumed after its connection is cut.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { daemonWithBusybox, ok, type RunResult } from '../helpers/daemon.js';
import { CutProxy, TestRegistry, TokenServer, freePort, hasRegistry, imageArchive, layerTar, makeSigningCert } from '../helpers/registry.js';

const skip = hasRegistry() ? false : 'Debian docker-registry is not installed';
const CLIS = ['docker', 'berth'] as const;
type Cli = typeof CLIS[number];

const d = daemonWithBusybox('bt-regc');
const tmp = mkdtempSync('/tmp/bt-regc-reg-');
let reg: TestRegistry;
/** A 3-layer image (2 MB of random data in all) loaded into the daemon as `app:v1`. */
let appId: string;

before(async () => {
  if (skip) return;
  reg = new TestRegistry(join(tmp, 'plain'));
  await reg.start();
  const layers = [await layerTar('a.bin', 700_000, 'a'), await layerTar('b.bin', 600_000, 'b'), await layerTar('c.bin', 800_000, 'c')];
  const { archive, id } = await imageArchive('app:v1', layers);
  ok(d.berth(['load', '-q'], { input: archive }), 'load');
  appId = id;
});
after(async () => {
  await reg?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const run = (cli: Cli, args: string[], input?: string): RunResult => d[cli](args, { input });
const id = (cli: Cli, name: string) => ok(run(cli, ['image', 'inspect', '-f', '{{.Id}}', name])).trim();
const lines = (s: string) => s.split('\n').filter(Boolean);

/** Blobs in the content store that do not hash to their name, and leftovers of interrupted writes. */
function contentProblems(): string[] {
  const out: string[] = [];
  const blobs = join(d.dataRoot, 'content', 'blobs', 'sha256');
  for (const hex of readdirSync(blobs)) {
    if (createHash('sha256').update(readFileSync(join(blobs, hex))).digest('hex') !== hex) out.push(`corrupt blob ${hex}`);
  }
  const ingest = join(d.dataRoot, 'content', 'ingest');
  if (existsSync(ingest)) for (const n of readdirSync(ingest)) out.push(`ingest leftover ${n}`);
  const staging = join(d.dataRoot, 'layers', '.staging');
  if (existsSync(staging)) for (const n of readdirSync(staging)) out.push(`layer staging leftover ${n}`);
  return out;
}

describe('push and pull', { skip }, () => {
  for (const cli of CLIS) {
    test(`${cli}: push, rmi, pull gives the same image, with RepoDigests`, () => {
      const ref = `${reg.host}/${cli}/app:v1`;
      ok(run(cli, ['tag', 'app:v1', ref]));
      const push = run(cli, ['push', ref]);
      assert.equal(push.code, 0, push.stderr);
      const out = lines(push.stdout);
      assert.equal(out[0], `The push refers to repository [${reg.host}/${cli}/app]`);
      assert.equal(out.filter((l) => /^[0-9a-f]{12}: Preparing$/.test(l)).length, 3);
      // The first push uploads; the second finds the layers in the first one's repository.
      const done = cli === 'docker' ? /^[0-9a-f]{12}: Pushed$/ : /^[0-9a-f]{12}: Mounted from docker\/app$/;
      assert.equal(out.filter((l) => done.test(l)).length, 3, push.stdout);
      const m = /^v1: digest: (sha256:[0-9a-f]{64}) size: (\d+)$/.exec(out[out.length - 1]!);
      assert.ok(m, push.stdout);
      const digest = m[1]!;
      ok(run(cli, ['rmi', '-f', appId]));
      assert.equal(run(cli, ['image', 'inspect', appId]).code, 1);

      const pull = run(cli, ['pull', ref]);
      assert.equal(pull.code, 0, pull.stderr);
      const p = lines(pull.stdout);
      assert.equal(p[0], `v1: Pulling from ${cli}/app`);
      assert.equal(p.filter((l) => /^[0-9a-f]{12}: Pulling fs layer$/.test(l)).length, 3);
      assert.equal(p.filter((l) => /^[0-9a-f]{12}: Pull complete$/.test(l)).length, 3);
      assert.ok(p.includes(`Digest: ${digest}`), pull.stdout);
      assert.ok(p.includes(`Status: Downloaded newer image for ${ref}`), pull.stdout);
      assert.equal(p[p.length - 1], ref);
      assert.equal(id(cli, ref), appId);
      const digests = JSON.parse(ok(run(cli, ['image', 'inspect', '-f', '{{json .RepoDigests}}', ref])));
      assert.deepEqual(digests, [`${reg.host}/${cli}/app@${digest}`]);
      // Again: nothing to do.
      const again = lines(ok(run(cli, ['pull', ref])));
      assert.ok(again.includes(`Status: Image is up to date for ${ref}`));
      ok(run(cli, ['tag', ref, 'app:v1']));
      assert.deepEqual(contentProblems(), []);
    });
  }

  test('pull by digest records the digest reference only', async () => {
    const digest = await manifestDigest(reg.port, 'docker/app', 'v1');
    ok(d.berth(['rmi', '-f', appId]));
    for (const cli of CLIS) {
      const byDigest = `${reg.host}/docker/app@${digest}`;
      const r = run(cli, ['pull', byDigest]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^${digest}: Pulling from docker/app$`, 'm'));
      assert.match(r.stdout, /Status: (Downloaded newer image|Image is up to date) for /);
      assert.equal(id(cli, byDigest), appId);
    }
    const rows = ok(d.docker(['images', '--digests', '--format', '{{.Repository}} {{.Tag}} {{.Digest}}', `${reg.host}/docker/app`])).trim();
    assert.equal(rows, `${reg.host}/docker/app <none> ${digest}`);
    ok(d.berth(['tag', appId, 'app:v1']));
    for (const cli of CLIS) ok(d.berth(['tag', appId, `${reg.host}/${cli}/app:v1`]));
  });

  test('a second push finds every layer already there', () => {
    for (const cli of CLIS) {
      const r = run(cli, ['push', `${reg.host}/${cli}/app:v1`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(lines(r.stdout).filter((l) => /^[0-9a-f]{12}: Layer already exists$/.test(l)).length, 3, r.stdout);
      assert.doesNotMatch(r.stdout, /Pushed/);
    }
  });

  test('a push to another repository of the registry mounts the layers', () => {
    for (const cli of CLIS) {
      const ref = `${reg.host}/${cli}/copy:v2`;
      ok(run(cli, ['tag', 'app:v1', ref]));
      const r = run(cli, ['push', ref]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(lines(r.stdout).filter((l) => /^[0-9a-f]{12}: Mounted from [a-z]+\/[a-z]+$/.test(l)).length, 3, r.stdout);
      ok(run(cli, ['rmi', ref]));
    }
  });

  test('pull -a pulls every tag; push -a pushes every tag; -q prints only the name', () => {
    const repo = `${reg.host}/multi/app`;
    ok(d.berth(['tag', 'app:v1', `${repo}:one`]));
    ok(d.berth(['tag', 'busybox', `${repo}:two`]));
    const push = d.docker(['push', '-a', '-q', repo]);
    assert.equal(push.code, 0, push.stderr);
    assert.equal(push.stdout, `${repo}\n`);
    ok(d.berth(['rmi', `${repo}:one`, `${repo}:two`]));
    for (const cli of CLIS) {
      const r = run(cli, ['pull', '-a', repo]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^one: Pulling from multi\/app$/m);
      assert.match(r.stdout, /^two: Pulling from multi\/app$/m);
      assert.match(r.stdout, new RegExp(`^Status: (Downloaded newer image|Image is up to date) for ${repo}$`, 'm'));
      assert.equal(id(cli, `${repo}:one`), appId);
      assert.equal(id(cli, `${repo}:two`), id(cli, 'busybox'));
      const q = run(cli, ['pull', '-q', `${repo}:one`]);
      assert.equal(q.stdout, `${repo}:one\n`);
      assert.equal(run(cli, ['pull', '-a', `${repo}:one`]).stderr.trim(), "tag can't be used with --all-tags/-a");
    }
    ok(d.berth(['rmi', `${repo}:one`, `${repo}:two`]));
  });

  test('run of an image that is not there pulls it first', () => {
    const busy = `${reg.host}/run/busybox:v1`;
    ok(d.berth(['tag', 'busybox', busy]));
    ok(d.berth(['push', busy]));
    for (const cli of CLIS) {
      ok(d.berth(['rmi', busy]));
      const r = run(cli, ['run', '--rm', busy, 'echo', 'hello']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'hello\n');
      assert.match(r.stderr, new RegExp(`^Unable to find image '${busy}' locally\n`));
      assert.match(r.stderr, /Status: Downloaded newer image for /);
    }
    const nope = run('docker', ['run', '--rm', `${reg.host}/docker/app:nope`]);
    assert.equal(nope.code, 125);
    assert.match(nope.stderr, new RegExp(`Error response from daemon: manifest for ${reg.host}/docker/app:nope not found: manifest unknown: manifest unknown`));
  });
});

describe('manifest lists', { skip }, () => {
  test('a manifest list is resolved for the host platform or --platform', async () => {
    const repo = 'idx/app';
    ok(d.berth(['tag', 'app:v1', `${reg.host}/${repo}:amd`]));
    ok(d.berth(['tag', 'busybox', `${reg.host}/${repo}:arm`]));
    ok(d.berth(['push', '-a', `${reg.host}/${repo}`]));
    const entry = async (tag: string, platform: object) => {
      const m = await getBytes(reg.port, `/v2/${repo}/manifests/${tag}`);
      return { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', size: m.length, digest: 'sha256:' + createHash('sha256').update(m).digest('hex'), platform };
    };
    const index = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [await entry('arm', { os: 'linux', architecture: 'arm64', variant: 'v8' }), await entry('amd', { os: 'linux', architecture: 'amd64' })],
    }));
    await putManifest(reg.port, `/v2/${repo}/manifests/multi`, index, 'application/vnd.oci.image.index.v1+json');
    const indexDigest = 'sha256:' + createHash('sha256').update(index).digest('hex');
    const ref = `${reg.host}/${repo}:multi`;
    for (const cli of CLIS) {
      const r = run(cli, ['pull', ref]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(lines(r.stdout).includes(`Digest: ${indexDigest}`), r.stdout);
      assert.equal(id(cli, ref), appId);
      assert.ok(JSON.parse(ok(run(cli, ['image', 'inspect', '-f', '{{json .RepoDigests}}', ref]))).includes(`${reg.host}/${repo}@${indexDigest}`));
      ok(run(cli, ['rmi', ref]));
      const arm = run(cli, ['pull', '--platform', 'linux/arm64', ref]);
      assert.equal(arm.code, 0, arm.stderr);
      assert.doesNotMatch(arm.stdout, /WARNING/);
      assert.equal(id(cli, ref), id(cli, 'busybox'));
      ok(run(cli, ['rmi', ref]));
      const none = run(cli, ['pull', '--platform', 'linux/s390x', ref]);
      assert.equal(none.code, 1);
      assert.match(none.stdout, /^multi: Pulling from idx\/app$/m);
      assert.equal(none.stderr.trim(), 'no matching manifest for linux/s390x in the manifest list entries');
    }
    // A single-platform image is pulled whatever the platform asked, with moby's warning.
    const single = run('berth', ['pull', '--platform', 'linux/arm64', `${reg.host}/${repo}:amd`]);
    assert.equal(single.code, 0, single.stderr);
    assert.match(single.stdout, new RegExp(`WARNING: image with reference ${reg.host}/${repo} was found but does not match the specified platform: wanted linux/arm64, actual: linux/amd64`));
    ok(d.berth(['rmi', `${reg.host}/${repo}:amd`, `${reg.host}/${repo}:arm`]));
  });
});

describe('errors a user can act on', { skip }, () => {
  for (const cli of CLIS) {
    test(`${cli}: unknown tag, unknown registry, missing local image`, async () => {
      const nope = run(cli, ['pull', `${reg.host}/docker/app:nope`]);
      assert.equal(nope.code, 1);
      assert.equal(nope.stderr.trim(), `Error response from daemon: manifest for ${reg.host}/docker/app:nope not found: manifest unknown: manifest unknown`);
      const port = await freePort();
      const down = run(cli, ['pull', `127.0.0.1:${port}/x:v1`]);
      assert.equal(down.code, 1);
      assert.equal(down.stderr.trim(), `Error response from daemon: Get "http://127.0.0.1:${port}/v2/": dial tcp 127.0.0.1:${port}: connect: connection refused`);
      const missing = run(cli, ['push', `${reg.host}/nothing/here:v1`]);
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr.trim(), `An image does not exist locally with the tag: ${reg.host}/nothing/here`);
      const bad = run(cli, ['pull', `${reg.host}/UPPER:v1`]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /invalid reference format: repository name \(UPPER\) must be lowercase/);
    });
  }
});

describe('htpasswd login', { skip }, () => {
  let auth: TestRegistry;
  before(async () => {
    auth = new TestRegistry(join(tmp, 'auth'), { users: { alice: 's3cret' } });
    await auth.start();
  });
  after(async () => { await auth?.stop(); });

  for (const cli of CLIS) {
    test(`${cli}: wrong credentials are refused cleanly, right ones are stored and used`, () => {
      const bad = run(cli, ['login', '-u', 'alice', '-p', 'wrong', auth.host]);
      assert.equal(bad.code, 1);
      assert.equal(bad.stderr, `WARNING! Using --password via the CLI is insecure. Use --password-stdin.\nError response from daemon: login attempt to http://${auth.host}/v2/ failed with status: 401 Unauthorized\n`);
      const configFile = join(d.dir, 'docker-config', 'config.json');
      const ref = `${auth.host}/private/app:v1`;
      ok(run(cli, ['tag', 'app:v1', ref]));
      const anon = run(cli, ['push', ref]);
      assert.equal(anon.code, 1);
      assert.equal(anon.stderr.trim(), 'no basic auth credentials');

      const good = run(cli, ['login', '-u', 'alice', '--password-stdin', auth.host], 's3cret\n');
      assert.equal(good.code, 0, good.stderr);
      assert.equal(good.stdout, 'Login Succeeded\n');
      assert.match(good.stderr, /WARNING! Your credentials are stored unencrypted in '.*config\.json'\./);
      const cfg = JSON.parse(readFileSync(configFile, 'utf8'));
      assert.equal(cfg.auths[auth.host].auth, Buffer.from('alice:s3cret').toString('base64'));

      const push = run(cli, ['push', ref]);
      assert.equal(push.code, 0, push.stderr);
      ok(run(cli, ['rmi', ref]));
      const pull = run(cli, ['pull', ref]);
      assert.equal(pull.code, 0, pull.stderr);

      const again = run(cli, ['login', auth.host]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /^Authenticating with existing credentials\.\.\. \[Username: alice\]\n/);

      assert.equal(ok(run(cli, ['logout', auth.host])), `Removing login credentials for ${auth.host}\n`);
      assert.deepEqual(JSON.parse(readFileSync(configFile, 'utf8')).auths, {});
      const after = run(cli, ['pull', ref]);
      assert.equal(after.code, 1);
      assert.equal(after.stderr.trim(), `Error response from daemon: Head "http://${auth.host}/v2/private/app/manifests/v1": no basic auth credentials`);
      ok(run(cli, ['rmi', ref]));
    });
  }

  test('login refuses conflicting flags and non-interactive prompts', () => {
    assert.equal(d.berth(['login', '-p', 'x', '--password-stdin', auth.host], { input: 'x' }).stderr.trim().split('\n').pop(), 'conflicting options: cannot specify both --password and --password-stdin');
    assert.equal(d.berth(['login', '--password-stdin', auth.host], { input: 'x' }).stderr.trim(), 'the --password-stdin option requires --username to be set');
    assert.equal(d.berth(['login', auth.host], { input: '' }).stderr.trim(), 'Error: Cannot perform an interactive login from a non TTY device');
  });

  test('POST /auth answers 401 with the registry\'s verdict', async () => {
    const body = JSON.stringify({ username: 'alice', password: 'nope', serveraddress: auth.host });
    const res = await d.http('POST', '/v1.47/auth', body, { 'Content-Type': 'application/json' });
    assert.equal(res.status, 401);
    assert.equal(JSON.parse(res.body).message, `login attempt to http://${auth.host}/v2/ failed with status: 401 Unauthorized`);
    const good = await d.http('POST', '/v1.47/auth', JSON.stringify({ username: 'alice', password: 's3cret', serveraddress: `http://${auth.host}/` }), { 'Content-Type': 'application/json' });
    assert.equal(good.status, 200);
    assert.deepEqual(JSON.parse(good.body), { IdentityToken: '', Status: 'Login Succeeded' });
  });
});

describe('bearer token auth', { skip }, () => {
  let tokens: TokenServer;
  let treg: TestRegistry;
  before(async () => {
    const dir = join(tmp, 'token');
    treg = new TestRegistry(dir);
    const signing = makeSigningCert(tmp);
    tokens = new TokenServer(signing, 'berth-test-issuer', 'berth-test-registry', { bob: 'pa55' });
    await tokens.start();
    treg = new TestRegistry(dir, { token: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, certFile: signing.cert } });
    await treg.start();
  });
  after(async () => { await treg?.stop(); await tokens?.stop(); });

  test('pushes with credentials and pulls anonymously through the token server', async () => {
    const ref = `${treg.host}/tok/app:v1`;
    ok(d.berth(['tag', 'app:v1', ref]));
    // The token server lives in this process: the CLIs run asynchronously so it can answer.
    const anon = await d.berthAsync(['push', ref]);
    assert.equal(anon.code, 1);
    assert.match(anon.stderr, /denied|unauthorized/);
    const login = await d.berthAsync(['login', '-u', 'bob', '--password-stdin', treg.host], { input: 'pa55' });
    assert.equal(login.code, 0, login.stderr);
    const before = tokens.requests.length;
    const push = await d.berthAsync(['push', ref]);
    assert.equal(push.code, 0, push.stderr);
    const pushTokens = tokens.requests.slice(before);
    assert.ok(pushTokens.some((r) => r.scope.includes('repository:tok/app:pull,push') && r.account === 'bob' && r.authorization?.startsWith('Basic ')), JSON.stringify(pushTokens));
    // Tokens are cached per scope: one push does not fetch one per request.
    assert.ok(pushTokens.length <= 3, JSON.stringify(pushTokens));
    ok(d.berth(['logout', treg.host]));
    ok(d.berth(['rmi', ref, 'app:v1']));
    const n = tokens.requests.length;
    const pull = await d.dockerAsync(['pull', ref]);
    assert.equal(pull.code, 0, pull.stderr);
    const pullTokens = tokens.requests.slice(n);
    assert.ok(pullTokens.length >= 1 && pullTokens.every((r) => r.authorization === undefined && r.service === 'berth-test-registry'), JSON.stringify(pullTokens));
    assert.ok(pullTokens.some((r) => r.scope.includes('repository:tok/app:pull')));
    assert.equal(id('docker', ref), appId);
    ok(d.berth(['tag', ref, 'app:v1']));
    ok(d.berth(['rmi', ref]));
  });

  test('wrong credentials get the token server\'s answer', async () => {
    const r = await d.dockerAsync(['login', '-u', 'bob', '--password-stdin', treg.host], { input: 'nope' });
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), `Error response from daemon: Get "http://${treg.host}/v2/": unauthorized: incorrect username or password`);
  });
});

describe('interrupted downloads', { skip }, () => {
  let proxy: CutProxy;
  let layerDigest: string;
  const repo = 'resume/big';
  before(async () => {
    // A 4 MB layer of its own, pushed to the registry directly.
    const layer = await layerTar('big.bin', 4_000_000, 'resume');
    const { archive } = await imageArchive('resume:v1', [layer], 'resume');
    ok(d.berth(['load', '-q'], { input: archive }));
    ok(d.berth(['tag', 'resume:v1', `${reg.host}/${repo}:v1`]));
    ok(d.berth(['push', `${reg.host}/${repo}:v1`]));
    const manifest = await getJson(reg.port, `/v2/${repo}/manifests/v1`);
    layerDigest = manifest.layers[0].digest;
    ok(d.berth(['rmi', `${reg.host}/${repo}:v1`, 'resume:v1']));
    proxy = new CutProxy(reg.port, layerDigest, 1_000_000);
    await proxy.start();
  });
  after(async () => { await proxy?.stop(); });

  test('a layer download cut mid-blob resumes with a Range request and ends verified', async () => {
    const ref = `127.0.0.1:${proxy.port}/${repo}:v1`;
    const r = await d.dockerAsync(['pull', ref]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(proxy.cuts, 1);
    assert.ok(proxy.blobRequests.length >= 2, JSON.stringify(proxy.blobRequests));
    assert.match(proxy.blobRequests[1]!.range ?? '', /^bytes=\d+-$/);
    assert.ok(Number(/=(\d+)-/.exec(proxy.blobRequests[1]!.range!)![1]) > 0);
    assert.match(r.stdout, /Pull complete/);
    const diff = JSON.parse(ok(d.berth(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', ref])))[0];
    const tar = readFileSync(join(d.dataRoot, 'layers', diff.slice(7), 'diff', 'big.bin'));
    assert.equal(tar.length, 4_000_000);
    assert.deepEqual(contentProblems(), []);
    ok(d.berth(['rmi', ref]));
  });

  test('a blob altered in transit is refused and leaves nothing behind', async () => {
    const bad = new CutProxy(reg.port, layerDigest, 2_000_000, true);
    await bad.start();
    try {
      for (const cli of CLIS) {
        const ref = `127.0.0.1:${bad.port}/${repo}:v1`;
        bad.cuts = 0;
        const r = cli === 'docker' ? await d.dockerAsync(['pull', ref]) : await d.berthAsync(['pull', ref]);
        assert.equal(bad.cuts, 1);
        assert.equal(r.code, 1, r.stdout);
        assert.match(r.stderr, new RegExp(`^(filesystem layer verification failed for digest ${layerDigest}|invalid layer: gzip: .*)\n$`));
        assert.equal(d.berth(['image', 'inspect', ref]).code, 1);
        assert.deepEqual(contentProblems(), []);
      }
    } finally {
      await bad.stop();
    }
  });
});

function manifestDigest(port: number, repo: string, tag: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'HEAD', path: `/v2/${repo}/manifests/${tag}`, headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } }, (res) => {
      res.resume();
      resolve(String(res.headers['docker-content-digest']));
    });
    req.on('error', reject);
    req.end();
  });
}

function getBytes(port: number, path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks)));
    });
    req.on('error', reject);
    req.end();
  });
}

function putManifest(port: number, path: string, body: Buffer, type: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'PUT', headers: { 'Content-Type': type, 'Content-Length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`PUT ${path}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function getJson(port: number, path: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } }, (res) => {
      let s = '';
      res.on('data', (c) => { s += c; });
      res.on('end', () => { try { resolve(JSON.parse(s)); } catch (e) { reject(e); } });
    });
    req.on('error', reject);
    req.end();
  });
}
