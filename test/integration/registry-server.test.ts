// `berth registry serve` as clients see it: skopeo pushes and pulls (plain HTTP, htpasswd, TLS),
// the real docker CLI when a dockerd is installed, and raw HTTP for the protocol's corners
// (chunks, ranges, mounts, pagination, referrers, deletion, errors). `berth registry gc` runs
// against the same root once the server is stopped.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import bcrypt from 'bcryptjs';
import { BERTH, daemonWithBusybox, ok as daemonOk } from '../helpers/daemon.js';
import { RefDockerd, hasDockerd } from '../helpers/dockerd.js';
import { busyboxArchive } from '../../src/cli/bootstrap.js';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const noSkopeo = has('skopeo') ? false : 'skopeo is not installed';
const noOpenssl = has('openssl') ? false : 'openssl is not installed';
const work = mkdtempSync('/tmp/bt-registry-');
after(() => rmSync(work, { recursive: true, force: true }));

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/**
 * One registry process on a free port, stopped (by pid) in after hooks: `berth registry serve`,
 * or with `distribution`, Debian's docker-registry (distribution/distribution) for comparison.
 */
class RegistryServer {
  proc?: ChildProcess;
  address = '';
  /** The server's stderr goes to a file: a pipe would fill up while a test blocks in spawnSync. */
  readonly logFile: string;

  constructor(readonly root: string, readonly extra: string[] = [], readonly ca?: Buffer, readonly distribution = false) {
    this.logFile = `${root}.log`;
  }

  private command(): [string, string[]] {
    if (!this.distribution) return [process.execPath, [BERTH, 'registry', 'serve', '--addr', '127.0.0.1:0', '--root', this.root, ...this.extra]];
    const config = `${this.root}.yml`;
    writeFileSync(config, [
      'version: 0.1', 'log:', '  level: info', 'storage:', '  filesystem:', `    rootdirectory: ${this.root}`,
      '  delete:', '    enabled: true', 'http:', '  addr: 127.0.0.1:0', '',
    ].join('\n'));
    return ['docker-registry', ['serve', config]];
  }

  get logs(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  get tls(): boolean {
    return this.extra.includes('--tls-cert');
  }

  get host(): string {
    return this.address;
  }

  async start(): Promise<void> {
    const log = openSync(this.logFile, 'w');
    const [cmd, args] = this.command();
    const p = spawn(cmd, args, { stdio: ['ignore', log, log] });
    closeSync(log);
    this.proc = p;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const m = /listening on (\S+:\d+)/.exec(this.logs);
      if (m) { this.address = m[1]!; return; }
      if (p.exitCode !== null) throw new Error(`${cmd} exited ${p.exitCode}: ${this.logs}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${cmd} did not start: ${this.logs}`);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const done = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await Promise.race([done, new Promise((r) => setTimeout(r, 10_000).unref())]);
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  }

  call(method: string, path: string, opts: { headers?: Record<string, string>; body?: Buffer | string } = {}): Promise<Res> {
    const [hostname, port] = [this.address.slice(0, this.address.lastIndexOf(':')), Number(this.address.slice(this.address.lastIndexOf(':') + 1))];
    return new Promise((resolve, reject) => {
      const o = { hostname, port, method, path, headers: opts.headers ?? {}, agent: false as const, ...(this.ca ? { ca: this.ca } : {}) };
      const req = (this.tls ? httpsRequest : httpRequest)(o, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve(new Res(res.statusCode ?? 0, res.headers, Buffer.concat(chunks))));
      });
      req.on('error', reject);
      req.end(opts.body);
    });
  }
}

class Res {
  constructor(readonly status: number, readonly headers: IncomingHttpHeaders, readonly body: Buffer) {}
  json(): any { return JSON.parse(this.body.toString()); }
  header(name: string): string { return String(this.headers[name.toLowerCase()] ?? ''); }
  get errorCode(): string | undefined { return this.json().errors?.[0]?.code; }
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, maxBuffer: 1 << 30 });
  return { code: r.status ?? -1, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '' };
}

function ok(r: { code: number; stdout: string; stderr: string }, what: string): string {
  assert.equal(r.code, 0, `${what}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Every file under `dir` (relative paths), for "nothing was left behind" checks. */
function files(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...files(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

async function pushBlob(s: RegistryServer, repo: string, content: Buffer | string): Promise<string> {
  const d = sha256(content);
  const r = await s.call('POST', `/v2/${repo}/blobs/uploads/?digest=${d}`, { body: content, headers: { 'Content-Type': 'application/octet-stream' } });
  assert.equal(r.status, 201, r.body.toString());
  return d;
}

/** Pushes a one-layer OCI image (hand-made, tiny) and tags it; returns the manifest's digest. */
async function pushImage(s: RegistryServer, repo: string, tag: string, seed: string, extra: object = {}): Promise<{ digest: string; body: Buffer }> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, seed }));
  const layer = Buffer.from(`layer ${seed}`);
  const body = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: await pushBlob(s, repo, config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: await pushBlob(s, repo, layer), size: layer.length }],
    ...extra,
  }));
  const r = await s.call('PUT', `/v2/${repo}/manifests/${tag}`, { body, headers: { 'Content-Type': OCI_MANIFEST } });
  assert.equal(r.status, 201, r.body.toString());
  assert.equal(r.header('docker-content-digest'), sha256(body));
  return { digest: sha256(body), body };
}

let archive = '';
before(async () => {
  archive = join(work, 'busybox.tar');
  writeFileSync(archive, await busyboxArchive('busybox:latest'));
});

describe('registry serve over HTTP', () => {
  const s = new RegistryServer(join(work, 'plain'));
  before(() => s.start());
  after(() => s.stop());

  it('answers the version check with the API version header, and logs a line per request', async () => {
    const r = await s.call('GET', '/v2/');
    assert.equal(r.status, 200);
    assert.equal(r.header('docker-distribution-api-version'), 'registry/2.0');
    assert.deepEqual(r.json(), {});
    await new Promise((res) => setTimeout(res, 50));
    assert.match(s.logs, /msg="GET \/v2\/" status=200 /);
  });

  it('takes a skopeo push and gives the same image back', { skip: noSkopeo }, async () => {
    const dest = `docker://${s.host}/library/busybox:latest`;
    ok(run('skopeo', ['copy', '--dest-tls-verify=false', `docker-archive:${archive}`, dest]), 'skopeo copy (push)');
    const inspect = JSON.parse(ok(run('skopeo', ['inspect', '--tls-verify=false', dest]), 'skopeo inspect'));
    assert.deepEqual(inspect.RepoTags, ['latest']);
    const raw = ok(run('skopeo', ['inspect', '--raw', '--tls-verify=false', dest]), 'skopeo inspect --raw');
    assert.equal(sha256(raw), inspect.Digest);

    const out = join(work, 'pulled-dir');
    ok(run('skopeo', ['copy', '--src-tls-verify=false', dest, `dir:${out}`]), 'skopeo copy (pull to dir:)');
    const manifest = readFileSync(join(out, 'manifest.json'));
    assert.equal(sha256(manifest), inspect.Digest);
    const m = JSON.parse(manifest.toString());
    for (const d of [m.config, ...m.layers]) {
      const blob = readFileSync(join(out, d.digest.slice('sha256:'.length)));
      assert.equal(sha256(blob), d.digest);
      assert.equal(blob.length, d.size);
    }
    ok(run('skopeo', ['copy', '--src-tls-verify=false', dest, `oci:${join(work, 'pulled-oci')}:latest`]), 'skopeo copy (pull to oci:)');
    const index = JSON.parse(readFileSync(join(work, 'pulled-oci', 'index.json'), 'utf8'));
    assert.equal(index.manifests.length, 1);

    // The manifest as a docker client asks for it.
    const got = await s.call('GET', '/v2/library/busybox/manifests/latest', { headers: { Accept: m.mediaType } });
    assert.equal(got.status, 200);
    assert.equal(got.header('content-type'), m.mediaType);
    assert.equal(got.header('docker-content-digest'), inspect.Digest);
  });

  it('assembles a chunked upload, refusing an out-of-order chunk with 416', async () => {
    const content = randomBytes(300_000);
    const start = await s.call('POST', '/v2/chunked/blobs/uploads/');
    assert.equal(start.status, 202);
    const uuid = start.header('docker-upload-uuid');
    assert.match(uuid, /^[0-9a-f-]{36}$/);
    let loc = start.header('location');
    assert.equal(loc, `/v2/chunked/blobs/uploads/${uuid}`);
    assert.equal(start.header('range'), '0-0');

    const patch = (from: number, to: number) => s.call('PATCH', loc, {
      body: content.subarray(from, to),
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${from}-${to - 1}`, 'Content-Length': String(to - from) },
    });
    const p1 = await patch(0, 100_000);
    assert.equal(p1.status, 202);
    assert.equal(p1.header('range'), '0-99999');
    loc = p1.header('location');

    const skipped = await patch(150_000, 200_000);
    assert.equal(skipped.status, 416);
    assert.equal(skipped.errorCode, 'RANGE_INVALID');
    const replay = await patch(0, 100_000);
    assert.equal(replay.status, 416);

    const status = await s.call('GET', loc);
    assert.equal(status.status, 204);
    assert.equal(status.header('range'), '0-99999');

    assert.equal((await patch(100_000, 250_000)).status, 202);
    const d = sha256(content);
    const fin = await s.call('PUT', `${loc}?digest=${d}`, { body: content.subarray(250_000) });
    assert.equal(fin.status, 201, fin.body.toString());
    assert.equal(fin.header('location'), `/v2/chunked/blobs/${d}`);
    assert.equal(fin.header('docker-content-digest'), d);
    const blob = await s.call('GET', `/v2/chunked/blobs/${d}`);
    assert.equal(blob.status, 200);
    assert.ok(blob.body.equals(content));
    assert.equal((await s.call('GET', loc)).status, 404);
  });

  it('refuses content that does not match its digest, leaving nothing in the root', async () => {
    const before = files(s.root);
    const wrong = sha256('something else');
    const mono = await s.call('POST', `/v2/bad/blobs/uploads/?digest=${wrong}`, { body: 'the content' });
    assert.equal(mono.status, 400);
    assert.equal(mono.errorCode, 'DIGEST_INVALID');

    const start = await s.call('POST', '/v2/bad/blobs/uploads/');
    await s.call('PATCH', start.header('location'), { body: 'chunk one' });
    const fin = await s.call('PUT', `${start.header('location')}?digest=${wrong}`, { body: 'chunk two' });
    assert.equal(fin.status, 400);
    assert.equal(fin.errorCode, 'DIGEST_INVALID');
    assert.equal((await s.call('GET', start.header('location'))).status, 404);
    assert.deepEqual(files(s.root), before);
  });

  it('mounts a blob from another repository, and falls back to an upload when it cannot', async () => {
    const d = await pushBlob(s, 'mount/src', 'mount me');
    assert.equal((await s.call('HEAD', `/v2/mount/dst/blobs/${d}`)).status, 404);
    const m = await s.call('POST', `/v2/mount/dst/blobs/uploads/?mount=${d}&from=mount/src`);
    assert.equal(m.status, 201);
    assert.equal(m.header('location'), `/v2/mount/dst/blobs/${d}`);
    assert.equal((await s.call('HEAD', `/v2/mount/dst/blobs/${d}`)).status, 200);

    const missing = sha256('never pushed');
    const fb = await s.call('POST', `/v2/mount/dst/blobs/uploads/?mount=${missing}&from=mount/src`);
    assert.equal(fb.status, 202);
    assert.match(fb.header('location'), /^\/v2\/mount\/dst\/blobs\/uploads\//);
    assert.equal((await s.call('DELETE', fb.header('location'))).status, 204);
  });

  it('paginates tags and the catalog with a Link header', async () => {
    const img = await pushImage(s, 'paged', 't1', 'paged');
    for (const t of ['t2', 't3', 't4', 't5']) {
      assert.equal((await s.call('PUT', `/v2/paged/manifests/${t}`, { body: img.body, headers: { 'Content-Type': OCI_MANIFEST } })).status, 201);
    }
    const all = await s.call('GET', '/v2/paged/tags/list');
    assert.deepEqual(all.json(), { name: 'paged', tags: ['t1', 't2', 't3', 't4', 't5'] });
    assert.equal(all.header('link'), '');

    let page = await s.call('GET', '/v2/paged/tags/list?n=2');
    assert.deepEqual(page.json().tags, ['t1', 't2']);
    assert.equal(page.header('link'), '</v2/paged/tags/list?last=t2&n=2>; rel="next"');
    const seen = [...page.json().tags];
    while (page.header('link')) {
      page = await s.call('GET', /^<([^>]+)>/.exec(page.header('link'))![1]!);
      seen.push(...page.json().tags);
    }
    assert.deepEqual(seen, ['t1', 't2', 't3', 't4', 't5']);
    assert.deepEqual((await s.call('GET', '/v2/paged/tags/list?n=10&last=t3')).json().tags, ['t4', 't5']);
    assert.equal((await s.call('GET', '/v2/paged/tags/list?n=x')).errorCode, 'PAGINATION_NUMBER_INVALID');
    const unknown = await s.call('GET', '/v2/no/such/repo/tags/list');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.errorCode, 'NAME_UNKNOWN');

    await pushImage(s, 'paged/nested', 'v1', 'nested');
    const catalog = (await s.call('GET', '/v2/_catalog')).json().repositories as string[];
    assert.ok(catalog.includes('paged') && catalog.includes('paged/nested'));
    assert.deepEqual(catalog, [...catalog].sort());
    const first = await s.call('GET', '/v2/_catalog?n=1');
    assert.deepEqual(first.json().repositories, [catalog[0]]);
    assert.equal(first.header('link'), `</v2/_catalog?last=${encodeURIComponent(catalog[0]!)}&n=1>; rel="next"`);
  });

  it('lists referrers of a manifest, with the artifactType filter', async () => {
    const subject = await pushImage(s, 'refs', 'v1', 'subject');
    const sub = { mediaType: OCI_MANIFEST, digest: subject.digest, size: subject.body.length };
    const empty = Buffer.from('{}');
    const emptyDigest = await pushBlob(s, 'refs', empty);
    const artifact = (type: string) => Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: type,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: emptyDigest, size: 2 },
      layers: [{ mediaType: 'application/vnd.oci.empty.v1+json', digest: emptyDigest, size: 2 }],
      subject: sub, annotations: { 'org.example': type },
    }));
    const sig = artifact('application/vnd.example.signature');
    const put = await s.call('PUT', `/v2/refs/manifests/${sha256(sig)}`, { body: sig, headers: { 'Content-Type': OCI_MANIFEST } });
    assert.equal(put.status, 201);
    assert.equal(put.header('oci-subject'), subject.digest);
    const sbom = artifact('application/vnd.example.sbom');
    assert.equal((await s.call('PUT', `/v2/refs/manifests/${sha256(sbom)}`, { body: sbom, headers: { 'Content-Type': OCI_MANIFEST } })).status, 201);

    const list = await s.call('GET', `/v2/refs/referrers/${subject.digest}`);
    assert.equal(list.status, 200);
    assert.equal(list.header('content-type'), OCI_INDEX);
    const idx = list.json();
    assert.equal(idx.schemaVersion, 2);
    assert.equal(idx.mediaType, OCI_INDEX);
    assert.deepEqual(idx.manifests.map((m: any) => m.digest).sort(), [sha256(sig), sha256(sbom)].sort());
    const sigDesc = idx.manifests.find((m: any) => m.digest === sha256(sig));
    assert.deepEqual(sigDesc, { mediaType: OCI_MANIFEST, digest: sha256(sig), size: sig.length, artifactType: 'application/vnd.example.signature', annotations: { 'org.example': 'application/vnd.example.signature' } });

    const filtered = await s.call('GET', `/v2/refs/referrers/${subject.digest}?artifactType=application/vnd.example.sbom`);
    assert.equal(filtered.header('oci-filters-applied'), 'artifactType');
    assert.deepEqual(filtered.json().manifests.map((m: any) => m.digest), [sha256(sbom)]);
    const none = await s.call('GET', `/v2/refs/referrers/${sha256('no subject')}`);
    assert.equal(none.status, 200);
    assert.deepEqual(none.json().manifests, []);
  });

  it('deletes manifests by digest and tag, and blobs', async () => {
    const img = await pushImage(s, 'deleting', 'v1', 'deleting');
    assert.equal((await s.call('PUT', '/v2/deleting/manifests/v2', { body: img.body, headers: { 'Content-Type': OCI_MANIFEST } })).status, 201);
    assert.equal((await s.call('DELETE', '/v2/deleting/manifests/v2')).status, 202);
    assert.equal((await s.call('GET', '/v2/deleting/manifests/v1')).status, 200);
    const del = await s.call('DELETE', `/v2/deleting/manifests/${img.digest}`);
    assert.equal(del.status, 202);
    const gone = await s.call('GET', `/v2/deleting/manifests/${img.digest}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.errorCode, 'MANIFEST_UNKNOWN');
    assert.equal((await s.call('GET', '/v2/deleting/manifests/v1')).status, 404);
    assert.equal((await s.call('DELETE', `/v2/deleting/manifests/${img.digest}`)).status, 404);

    const config = JSON.parse(img.body.toString()).config.digest;
    assert.equal((await s.call('DELETE', `/v2/deleting/blobs/${config}`)).status, 202);
    const head = await s.call('GET', `/v2/deleting/blobs/${config}`);
    assert.equal(head.status, 404);
    assert.equal(head.errorCode, 'BLOB_UNKNOWN');
  });

  it('serves Range requests of a blob', async () => {
    const content = randomBytes(1000);
    const d = await pushBlob(s, 'ranges', content);
    const part = await s.call('GET', `/v2/ranges/blobs/${d}`, { headers: { Range: 'bytes=100-199' } });
    assert.equal(part.status, 206);
    assert.equal(part.header('content-range'), 'bytes 100-199/1000');
    assert.ok(part.body.equals(content.subarray(100, 200)));
    const tail = await s.call('GET', `/v2/ranges/blobs/${d}`, { headers: { Range: 'bytes=-10' } });
    assert.ok(tail.body.equals(content.subarray(990)));
    const bad = await s.call('GET', `/v2/ranges/blobs/${d}`, { headers: { Range: 'bytes=1000-' } });
    assert.equal(bad.status, 416);
    assert.equal(bad.header('content-range'), 'bytes */1000');
    const head = await s.call('HEAD', `/v2/ranges/blobs/${d}`);
    assert.equal(head.status, 200);
    assert.equal(head.header('content-length'), '1000');
    assert.equal(head.header('docker-content-digest'), d);
    assert.equal(head.body.length, 0);
  });

  it('stores one blob pushed by many clients at once', async () => {
    const content = randomBytes(4 << 20);
    const d = sha256(content);
    const chunked = async () => {
      const st = await s.call('POST', '/v2/racing/blobs/uploads/');
      const mid = content.length >> 1;
      const p = await s.call('PATCH', st.header('location'), { body: content.subarray(0, mid), headers: { 'Content-Range': `0-${mid - 1}` } });
      return s.call('PUT', `${p.header('location')}?digest=${d}`, { body: content.subarray(mid) });
    };
    const monolithic = () => s.call('POST', `/v2/racing/blobs/uploads/?digest=${d}`, { body: content });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? chunked() : monolithic())));
    for (const r of results) assert.equal(r.status, 201, r.body.toString());
    const got = await s.call('GET', `/v2/racing/blobs/${d}`);
    assert.ok(got.body.equals(content));
    assert.deepEqual(readdirSync(join(s.root, 'uploads')), []);
  });

  it('answers errors in the spec format', async () => {
    const bad = await s.call('GET', '/v2/Upper/manifests/latest');
    assert.equal(bad.status, 400);
    assert.equal(bad.errorCode, 'NAME_INVALID');
    const noManifest = await s.call('GET', '/v2/nothing/manifests/latest');
    assert.equal(noManifest.status, 404);
    assert.deepEqual(Object.keys(noManifest.json().errors[0]).sort(), ['code', 'detail', 'message']);
    assert.equal(noManifest.errorCode, 'MANIFEST_UNKNOWN');
    assert.equal((await s.call('GET', `/v2/nothing/blobs/${sha256('x')}`)).errorCode, 'BLOB_UNKNOWN');
    assert.equal((await s.call('GET', '/v2/nothing/blobs/sha256:xyz')).errorCode, 'DIGEST_INVALID');
    const missing = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256('absent'), size: 6 }, layers: [],
    }));
    const put = await s.call('PUT', '/v2/nothing/manifests/latest', { body: missing, headers: { 'Content-Type': OCI_MANIFEST } });
    assert.equal(put.status, 400);
    assert.equal(put.errorCode, 'MANIFEST_BLOB_UNKNOWN');
    assert.equal((await s.call('PUT', '/v2/nothing/manifests/latest', { body: '{nope', headers: { 'Content-Type': OCI_MANIFEST } })).errorCode, 'MANIFEST_INVALID');
    assert.equal((await s.call('PATCH', '/v2/nothing/blobs/uploads/00000000-0000-0000-0000-000000000000', { body: 'x' })).errorCode, 'BLOB_UPLOAD_UNKNOWN');
    assert.equal((await s.call('GET', '/v2/nothing/manifests/latest', { headers: {} })).status, 404);
    assert.equal((await s.call('GET', '/not-v2')).status, 404);
  });

  it('serves an OCI image by tag only to clients that accept OCI manifests', async () => {
    await pushImage(s, 'negotiate', 'v1', 'negotiate');
    const docker = await s.call('GET', '/v2/negotiate/manifests/v1', { headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
    assert.equal(docker.status, 404);
    assert.equal(docker.errorCode, 'MANIFEST_UNKNOWN');
    const oci = await s.call('GET', '/v2/negotiate/manifests/v1', { headers: { Accept: `application/vnd.docker.distribution.manifest.v2+json, ${OCI_MANIFEST}` } });
    assert.equal(oci.status, 200);
    assert.equal(oci.header('content-type'), OCI_MANIFEST);
  });

  it('pushes an index only after the manifests it lists', async () => {
    const img = await pushImage(s, 'indexed', 'amd64', 'indexed');
    const index = (digest: string) => Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: OCI_INDEX,
      manifests: [{ mediaType: OCI_MANIFEST, digest, size: 100, platform: { architecture: 'amd64', os: 'linux' } }],
    }));
    const missing = await s.call('PUT', '/v2/indexed/manifests/multi', { body: index(sha256('absent')), headers: { 'Content-Type': OCI_INDEX } });
    assert.equal(missing.errorCode, 'MANIFEST_BLOB_UNKNOWN');
    const put = await s.call('PUT', '/v2/indexed/manifests/multi', { body: index(img.digest), headers: { 'Content-Type': OCI_INDEX } });
    assert.equal(put.status, 201);
    const got = await s.call('GET', '/v2/indexed/manifests/multi', { headers: { Accept: OCI_INDEX } });
    assert.equal(got.header('content-type'), OCI_INDEX);
  });

  it('keeps everything, upload sessions included, across a restart', async () => {
    const img = await pushImage(s, 'restart', 'v1', 'restart');
    const start = await s.call('POST', '/v2/restart/blobs/uploads/');
    await s.call('PATCH', start.header('location'), { body: 'before ' });
    await s.stop();
    await s.start();
    const d = sha256('before after');
    const fin = await s.call('PUT', `${start.header('location')}?digest=${d}`, { body: 'after' });
    assert.equal(fin.status, 201, fin.body.toString());
    const got = await s.call('GET', '/v2/restart/manifests/v1', { headers: { Accept: OCI_MANIFEST } });
    assert.ok(got.body.equals(img.body));
    if (noSkopeo) return;
    const raw = ok(run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${s.host}/library/busybox:latest`]), 'inspect after restart');
    assert.ok(JSON.parse(raw).layers.length >= 1);
  });

  it('refuses a second server or a gc on a root in use', async () => {
    const second = run(process.execPath, [BERTH, 'registry', 'serve', '--addr', '127.0.0.1:0', '--root', s.root]);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /in use by process/);
    const gc = run(process.execPath, [BERTH, 'registry', 'gc', '--root', s.root]);
    assert.equal(gc.code, 1);
    assert.match(gc.stderr, /in use by process/);
  });

  it('registry gc removes unreferenced blobs and keeps referenced ones', async () => {
    const loose = await pushBlob(s, 'gc', `loose ${Date.now()}`);
    const img = await pushImage(s, 'gc', 'v1', 'gc');
    const kept = JSON.parse(img.body.toString());
    await s.stop();
    const blobPath = (d: string) => join(s.root, 'blobs', 'sha256', d.slice(7));
    const dry = ok(run(process.execPath, [BERTH, 'registry', 'gc', '--dry-run', '--root', s.root]), 'gc --dry-run');
    assert.match(dry, new RegExp(`would delete blob ${loose}`));
    statSync(blobPath(loose));
    const out = ok(run(process.execPath, [BERTH, 'registry', 'gc', '--root', s.root]), 'gc');
    assert.match(out, new RegExp(`deleting blob ${loose}`));
    assert.match(out, /blobs marked, \d+ blobs and 0 manifests deleted/);
    assert.throws(() => statSync(blobPath(loose)));
    for (const d of [img.digest, kept.config.digest, kept.layers[0].digest]) statSync(blobPath(d));
    await s.start();
    assert.equal((await s.call('HEAD', `/v2/gc/blobs/${loose}`)).status, 404);
    assert.equal((await s.call('GET', '/v2/gc/manifests/v1')).status, 200);
    if (noSkopeo) return;
    const out2 = join(work, 'after-gc');
    ok(run('skopeo', ['copy', '--src-tls-verify=false', `docker://${s.host}/library/busybox:latest`, `dir:${out2}`]), 'pull after gc');
  });
});

describe('registry serve with the docker CLI', { skip: hasDockerd() ? false : 'dockerd (Debian docker.io) is not installed' }, () => {
  const s = new RegistryServer(join(work, 'docker'));
  let ref: RefDockerd;
  before(async () => {
    ref = new RefDockerd();
    await Promise.all([s.start(), ref.start()]);
  });
  after(async () => {
    await s.stop();
    await ref?.cleanup();
  });

  it('takes a docker push and serves a docker pull', async () => {
    ok(ref.docker(['load', '-i', archive]), 'docker load');
    const id = ok(ref.docker(['image', 'inspect', '-f', '{{.Id}}', 'busybox:latest']), 'inspect').trim();
    const target = `${s.host}/test/busybox:v1`;
    ok(ref.docker(['tag', 'busybox:latest', target]), 'docker tag');
    ok(ref.docker(['push', target]), 'docker push');
    ok(ref.docker(['rmi', target, 'busybox:latest']), 'docker rmi');
    ok(ref.docker(['pull', target]), 'docker pull');
    assert.equal(ok(ref.docker(['image', 'inspect', '-f', '{{.Id}}', target]), 'inspect pulled').trim(), id);
  });
});

describe('registry serve beside docker-registry', { skip: noSkopeo || (has('docker-registry') ? false : 'docker-registry is not installed') }, () => {
  const ours = new RegistryServer(join(work, 'side-berth'));
  const theirs = new RegistryServer(join(work, 'side-distribution'), [], undefined, true);
  before(() => Promise.all([ours.start(), theirs.start()]));
  after(() => Promise.all([ours.stop(), theirs.stop()]));

  it('copies images from and to distribution/distribution with the same digests', async () => {
    const digest = (host: string, repo: string) => sha256(ok(run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${host}/${repo}`]), `inspect ${host}/${repo}`));
    ok(run('skopeo', ['copy', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${theirs.host}/side/busybox:1`]), 'push to docker-registry');
    ok(run('skopeo', ['copy', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${theirs.host}/side/busybox:1`, `docker://${ours.host}/side/busybox:1`]), 'docker-registry to berth');
    ok(run('skopeo', ['copy', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${ours.host}/side/busybox:1`, `docker://${theirs.host}/back/busybox:1`]), 'berth to docker-registry');
    const d = digest(theirs.host, 'side/busybox:1');
    assert.equal(digest(ours.host, 'side/busybox:1'), d);
    assert.equal(digest(theirs.host, 'back/busybox:1'), d);
  });
});

describe('registry serve with --htpasswd', () => {
  const htpasswd = join(work, 'htpasswd');
  const s = new RegistryServer(join(work, 'auth'), ['--htpasswd', htpasswd]);
  before(async () => {
    // htpasswd -B (Debian apache2-utils) when present, else the same format from bcryptjs.
    if (run('htpasswd', ['-Bbc', htpasswd, 'alice', 's3cret']).code !== 0) writeFileSync(htpasswd, `alice:${bcrypt.hashSync('s3cret', 5).replace('$2b$', '$2y$')}\n`);
    await s.start();
  });
  after(() => s.stop());
  const basic = (u: string, p: string) => ({ Authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });

  it('challenges requests without valid credentials', async () => {
    for (const headers of [{}, basic('alice', 'wrong'), basic('bob', 's3cret')]) {
      const r = await s.call('GET', '/v2/', { headers });
      assert.equal(r.status, 401);
      assert.equal(r.header('www-authenticate'), 'Basic realm="berth-registry"');
      assert.equal(r.header('docker-distribution-api-version'), 'registry/2.0');
      assert.deepEqual(r.json(), { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: null }] });
    }
    assert.equal((await s.call('GET', '/v2/_catalog')).status, 401);
    assert.equal((await s.call('GET', '/v2/', { headers: basic('alice', 's3cret') })).status, 200);
  });

  it('takes a skopeo push with --dest-creds and refuses wrong ones cleanly', { skip: noSkopeo }, async () => {
    const dest = `docker://${s.host}/auth/busybox:1`;
    const denied = run('skopeo', ['copy', '--dest-tls-verify=false', '--dest-creds', 'alice:wrong', `docker-archive:${archive}`, dest]);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /401|unauthorized|authentication required/i);
    ok(run('skopeo', ['copy', '--dest-tls-verify=false', '--dest-creds', 'alice:s3cret', `docker-archive:${archive}`, dest]), 'push with creds');
    const noCreds = run('skopeo', ['inspect', '--tls-verify=false', '--no-creds', dest]);
    assert.notEqual(noCreds.code, 0);
    const out = join(work, 'auth-pulled');
    ok(run('skopeo', ['copy', '--src-tls-verify=false', '--src-creds', 'alice:s3cret', dest, `dir:${out}`]), 'pull with creds');
    assert.match(s.logs, /user="alice"/);
  });
});

describe('registry serve with TLS', { skip: noOpenssl }, () => {
  const certDir = join(work, 'certs');
  let s: RegistryServer;
  before(async () => {
    mkdirSync(certDir, { recursive: true });
    ok(run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'ca.crt')]), 'openssl');
    s = new RegistryServer(join(work, 'tls'), ['--tls-cert', join(certDir, 'ca.crt'), '--tls-key', join(certDir, 'key.pem')], readFileSync(join(certDir, 'ca.crt')));
    await s.start();
  });
  after(() => s?.stop());

  it('serves HTTPS with the given certificate', async () => {
    const r = await s.call('GET', '/v2/');
    assert.equal(r.status, 200);
    assert.equal(r.header('docker-distribution-api-version'), 'registry/2.0');
  });

  it('takes a skopeo push verified against the certificate', { skip: noSkopeo }, async () => {
    const dest = `docker://${s.host}/tls/busybox:1`;
    ok(run('skopeo', ['copy', '--dest-cert-dir', certDir, `docker-archive:${archive}`, dest]), 'push over TLS');
    const inspect = JSON.parse(ok(run('skopeo', ['inspect', '--cert-dir', certDir, dest]), 'inspect over TLS'));
    assert.deepEqual(inspect.RepoTags, ['1']);
  });
});

describe('berthd pushes to and pulls from registry serve, through both CLIs', () => {
  const s = new RegistryServer(join(work, 'berthd'));
  const d = daemonWithBusybox('bregs');
  before(() => s.start());
  after(() => s.stop());

  for (const cli of ['docker', 'berth'] as const) {
    it(`${cli}: push, rmi, pull gives the same image; a second push finds every layer`, () => {
      const run = (...args: string[]) => (cli === 'docker' ? d.docker(args) : d.berth(args));
      const id = daemonOk(run('image', 'inspect', '-f', '{{.Id}}', 'busybox')).trim();
      const target = `${s.host}/${cli}/busybox:v1`;
      daemonOk(run('tag', 'busybox', target));
      const pushed = daemonOk(run('push', target));
      assert.match(pushed, /v1: digest: sha256:[0-9a-f]{64} size: \d+/);
      assert.match(daemonOk(run('push', target)), /Layer already exists/);
      daemonOk(run('rmi', target));
      daemonOk(run('pull', target));
      assert.equal(daemonOk(run('image', 'inspect', '-f', '{{.Id}}', target)).trim(), id);
      assert.match(daemonOk(run('image', 'inspect', '-f', '{{json .RepoDigests}}', target)), new RegExp(`${cli}/busybox@sha256:`));
      daemonOk(run('rmi', target));
    });
  }
});
