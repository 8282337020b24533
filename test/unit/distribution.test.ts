// The registry client's pure parts: WWW-Authenticate parsing, auth config encoding, insecure
// registry matching, platform matching, manifest parsing and building, registry error texts,
// the parallel gzip compressor, and progress text.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { parseChallenges } from '../../src/distribution/www-authenticate.js';
import {
  configKeyFor, convertToHostname, decodeAuthHeader, decodeBasicAuth, encodeAuthHeader, encodeBasicAuth, parseAuthJson, registryHostname,
} from '../../src/distribution/auth-config.js';
import { InsecureRegistries, endpointsFor, hostOnly, tlsFiles } from '../../src/distribution/endpoints.js';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatPlatform, normalize, parsePlatform, platformRank, withDefault } from '../../src/distribution/platform.js';
import { buildSchema2Manifest, checkConfigMediaType, layerCompression, MEDIA, parseManifest } from '../../src/distribution/manifest.js';
import { errorFromResponse, goNetError } from '../../src/distribution/errors.js';
import { ParallelGzip, looksIncompressible, storedBlocks } from '../../src/distribution/gzip.js';
import { humanSize, progressString } from '../../src/distribution/progress.js';
import { selectManifest } from '../../src/image/pull.js';
import { parseDaemonArgs } from '../../src/daemon/config.js';

const D = (c: string) => 'sha256:' + c.repeat(64);

describe('WWW-Authenticate', () => {
  it('parses a bearer challenge with quoted parameters', () => {
    const [c] = parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"');
    assert.deepEqual(c, { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } });
  });
  it('parses basic, unquoted values, escapes and several challenges in one header', () => {
    assert.deepEqual(parseChallenges('Basic realm="basic-realm"'), [{ scheme: 'basic', params: { realm: 'basic-realm' } }]);
    const cs = parseChallenges('Bearer realm=https://x/token, error="insufficient_scope", Basic realm="a \\"quoted\\" realm"');
    assert.equal(cs.length, 2);
    assert.deepEqual(cs[0], { scheme: 'bearer', params: { realm: 'https://x/token', error: 'insufficient_scope' } });
    assert.deepEqual(cs[1], { scheme: 'basic', params: { realm: 'a "quoted" realm' } });
    assert.deepEqual(parseChallenges(['Negotiate abc==', 'BEARER Realm="r"']), [
      { scheme: 'negotiate', params: { token68: 'abc==' } }, { scheme: 'bearer', params: { realm: 'r' } },
    ]);
    assert.deepEqual(parseChallenges(undefined), []);
    assert.deepEqual(parseChallenges(''), []);
  });
});

describe('auth config', () => {
  it('round-trips the X-Registry-Auth header as the docker CLI encodes it', () => {
    const h = encodeAuthHeader({ username: 'alice', password: 's3cret/+?', serveraddress: '127.0.0.1:5000' });
    assert.doesNotMatch(h, /[+/]/);
    assert.deepEqual(decodeAuthHeader(h), { username: 'alice', password: 's3cret/+?', serveraddress: '127.0.0.1:5000' });
    assert.equal(encodeAuthHeader({}), 'e30');
    assert.deepEqual(decodeAuthHeader('e30='), {});
    // Standard base64 is accepted too, and field names case-insensitively (Go's encoding/json).
    assert.deepEqual(decodeAuthHeader(Buffer.from('{"Username":"bob","Password":"p"}').toString('base64')), { username: 'bob', password: 'p' });
  });
  it('refuses an unreadable header with moby\'s text', () => {
    assert.throws(() => decodeAuthHeader('bm90IGpzb24='), /^InvalidParameter: invalid X-Registry-Auth header: /);
    assert.throws(() => parseAuthJson('[]'), /invalid X-Registry-Auth header/);
  });
  it('fills username and password from a config.json `auth`', () => {
    assert.equal(encodeBasicAuth('alice', 's3cret'), 'YWxpY2U6czNjcmV0');
    assert.deepEqual(decodeBasicAuth('YWxpY2U6czNjcmV0'), { username: 'alice', password: 's3cret' });
    assert.deepEqual(parseAuthJson('{"auth":"YWxpY2U6czNjcmV0"}'), { auth: 'YWxpY2U6czNjcmV0', username: 'alice', password: 's3cret' });
  });
  it('names registries as the docker CLI keys them', () => {
    assert.equal(convertToHostname('https://127.0.0.1:5001/v2/'), '127.0.0.1:5001');
    assert.equal(convertToHostname('localhost:5000'), 'localhost:5000');
    for (const hub of [undefined, 'docker.io', 'index.docker.io', 'https://index.docker.io/v1/', 'registry-1.docker.io']) assert.equal(registryHostname(hub), 'docker.io');
    assert.equal(configKeyFor('docker.io'), 'https://index.docker.io/v1/');
    assert.equal(configKeyFor('http://myreg:5000'), 'myreg:5000');
  });
});

describe('insecure registries', () => {
  it('treats loopback and configured CIDRs and names as insecure, Docker Hub never', async () => {
    const r = new InsecureRegistries(['10.1.0.0/16', 'myreg.example:5000', 'docker.io']);
    assert.equal(await r.isInsecure('127.0.0.1:5000'), true);
    assert.equal(await r.isInsecure('127.9.9.9'), true);
    assert.equal(await r.isInsecure('[::1]:5000'), true);
    assert.equal(await r.isInsecure('localhost:5000'), true);
    assert.equal(await r.isInsecure('10.1.200.3:443'), true);
    assert.equal(await r.isInsecure('10.2.0.1:443'), false);
    assert.equal(await r.isInsecure('myreg.example:5000'), true);
    assert.equal(await r.isInsecure('docker.io'), false);
    assert.deepEqual(r.list, ['::1/128', '127.0.0.0/8', '10.1.0.0/16', 'myreg.example:5000']);
  });
  it('reads CAs and a client pair from certs.d as Docker does', async () => {
    const dir = mkdtempSync('/tmp/bt-certsd-');
    try {
      mkdirSync(join(dir, '203.0.113.7:5000'));
      writeFileSync(join(dir, '203.0.113.7:5000', 'ca.crt'), 'CA');
      writeFileSync(join(dir, '203.0.113.7:5000', 'client.cert'), 'CERT');
      writeFileSync(join(dir, '203.0.113.7:5000', 'client.key'), 'KEY');
      writeFileSync(join(dir, '203.0.113.7:5000', 'orphan.cert'), 'NO KEY');
      const f = tlsFiles('203.0.113.7:5000', [dir]);
      assert.deepEqual(f.ca?.map(String), ['CA']);
      assert.equal(String(f.cert), 'CERT');
      assert.equal(String(f.key), 'KEY');
      assert.deepEqual(tlsFiles('other:5000', [dir]), {});
      const [e] = await endpointsFor('203.0.113.7:5000', new InsecureRegistries(), [dir]);
      assert.equal(e!.verify, true);
      assert.equal(String(e!.tls.cert), 'CERT');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('come from berthd\'s repeatable --insecure-registry flag', () => {
    const cfg = parseDaemonArgs(['--insecure-registry', '10.0.0.0/8', '--insecure-registry', 'myreg:5000']);
    assert.ok(typeof cfg === 'object');
    assert.deepEqual(cfg.insecureRegistries, ['10.0.0.0/8', 'myreg:5000']);
    assert.throws(() => parseDaemonArgs(['--insecure-registry', 'https://myreg:5000']), /should not contain/);
  });
  it('refuses malformed entries', () => {
    assert.throws(() => new InsecureRegistries(['http://myreg:5000']), /should not contain '::\/\/'|should not contain '\:\/\/'/);
    assert.throws(() => new InsecureRegistries(['10.0.0.0/40']), /invalid CIDR/);
    assert.throws(() => new InsecureRegistries(['a/b/c']), /not a valid CIDR/);
  });
  it('tries HTTPS then HTTP for insecure registries, HTTPS only otherwise, registry-1 for Docker Hub', async () => {
    const r = new InsecureRegistries();
    assert.deepEqual((await endpointsFor('127.0.0.1:5000', r, [])).map((e) => [e.url, e.verify]), [['https://127.0.0.1:5000', false], ['http://127.0.0.1:5000', false]]);
    assert.deepEqual((await endpointsFor('docker.io', r, [])).map((e) => [e.url, e.verify]), [['https://registry-1.docker.io', true]]);
    assert.deepEqual((await endpointsFor('203.0.113.7:5000', r, [])).map((e) => [e.url, e.verify]), [['https://203.0.113.7:5000', true]]);
    assert.equal(hostOnly('[::1]:5000'), '::1');
    assert.equal(hostOnly('host:80'), 'host');
    assert.equal(hostOnly('::1'), '::1');
  });
});

describe('platforms', () => {
  it('parses and normalizes as containerd does', () => {
    assert.deepEqual(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64' });
    assert.deepEqual(parsePlatform('linux/aarch64'), { os: 'linux', architecture: 'arm64' });
    assert.deepEqual(parsePlatform('linux/arm'), { os: 'linux', architecture: 'arm', variant: 'v7' });
    assert.deepEqual(parsePlatform('linux/x86_64'), { os: 'linux', architecture: 'amd64' });
    assert.deepEqual(parsePlatform('Linux/386'), { os: 'linux', architecture: '386' });
    assert.equal(parsePlatform('linux').os, 'linux');
    assert.throws(() => parsePlatform('linux/arm64/v8/extra'), /cannot parse platform specifier/);
    assert.throws(() => parsePlatform('foo'), /unknown operating system or architecture/);
    assert.equal(formatPlatform(normalize({ os: 'linux', architecture: 'arm', variant: '' })), 'linux/arm/v7');
  });
  it('ranks exact matches first and accepts the fallbacks a host runs', () => {
    const amd64 = { os: 'linux', architecture: 'amd64' };
    assert.equal(platformRank(amd64, amd64), 0);
    assert.equal(platformRank(amd64, { os: 'linux', architecture: '386' }), 1);
    assert.equal(platformRank(amd64, { os: 'linux', architecture: 'arm64' }), -1);
    assert.equal(platformRank(amd64, { os: 'windows', architecture: 'amd64' }), -1);
    const arm64 = { os: 'linux', architecture: 'arm64', variant: 'v8' };
    assert.equal(platformRank(arm64, { os: 'linux', architecture: 'arm64' }), 0);
    assert.ok(platformRank(arm64, { os: 'linux', architecture: 'arm', variant: 'v7' }) > 0);
    const armv7 = { os: 'linux', architecture: 'arm', variant: 'v7' };
    assert.ok(platformRank(armv7, { os: 'linux', architecture: 'arm', variant: 'v6' }) > 0);
    assert.equal(platformRank(armv7, { os: 'linux', architecture: 'arm', variant: 'v8' }), -1);
    assert.equal(platformRank({ os: 'linux', architecture: 'amd64', variant: 'v3' }, amd64), 2);
    assert.deepEqual(withDefault({ os: '', architecture: 'arm64' }), { os: 'linux', architecture: 'arm64' });
  });
  it('picks a manifest list entry for the platform, or says none matches', () => {
    const index = {
      kind: 'index' as const, mediaType: MEDIA.ociIndex,
      manifests: [
        { mediaType: MEDIA.ociManifest, digest: D('a'), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
        { mediaType: MEDIA.ociManifest, digest: D('b'), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
        { mediaType: MEDIA.ociManifest, digest: D('c'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: MEDIA.ociManifest, digest: D('d'), size: 1, platform: { os: 'unknown', architecture: 'unknown' } },
      ],
    };
    assert.equal(selectManifest(index, { os: 'linux', architecture: 'amd64' }).digest, D('c'));
    assert.equal(selectManifest(index, parsePlatform('linux/arm/v7')).digest, D('b'));
    assert.equal(selectManifest(index, parsePlatform('linux/arm64')).digest, D('b'));
    assert.equal(selectManifest(index, parsePlatform('linux/arm/v6')).digest, D('a'));
    assert.throws(() => selectManifest(index, parsePlatform('linux/s390x')), /^InvalidParameter: no matching manifest for linux\/s390x in the manifest list entries$/);
  });
});

describe('manifests', () => {
  const manifest = (mediaType: string, extra: object = {}) => Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType,
    config: { mediaType: MEDIA.dockerConfig, size: 10, digest: D('1') },
    layers: [{ mediaType: MEDIA.dockerLayer, size: 20, digest: D('2') }], ...extra,
  }));
  it('parses schema2 and OCI manifests and indexes, using Content-Type when mediaType is absent', () => {
    const m = parseManifest(manifest(MEDIA.dockerManifest), undefined, 'x');
    assert.equal(m.kind, 'manifest');
    assert.equal(m.kind === 'manifest' && m.layers[0]!.digest, D('2'));
    const oci = Buffer.from(JSON.stringify({ schemaVersion: 2, config: { mediaType: MEDIA.ociConfig, size: 1, digest: D('3') }, layers: [] }));
    assert.equal(parseManifest(oci, `${MEDIA.ociManifest}; charset=utf-8`, 'x').mediaType, MEDIA.ociManifest);
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MEDIA.ociManifest, size: 5, digest: D('4'), platform: { os: 'linux', architecture: 'amd64' } }] }));
    assert.equal(parseManifest(index, MEDIA.ociIndex, 'x').kind, 'index');
    assert.equal(parseManifest(index, undefined, 'x').kind, 'index');
  });
  it('refuses schema1, bad digests and sizes, foreign layers and unknown configs', () => {
    assert.throws(() => parseManifest(Buffer.from('{"schemaVersion":1,"fsLayers":[]}'), undefined, 'docker.io/library/old'), /Docker Image manifest version 2, schema 1 support has been removed\. Suggest the author of docker\.io\/library\/old/);
    assert.throws(() => parseManifest(manifest(MEDIA.dockerManifest, { layers: [{ mediaType: MEDIA.dockerLayer, size: 1, digest: 'sha512:' + 'a'.repeat(128) }] }), undefined, 'x'), /unsupported digest algorithm/);
    assert.throws(() => parseManifest(manifest(MEDIA.dockerManifest, { layers: [{ mediaType: MEDIA.dockerLayer, size: -1, digest: D('a') }] }), undefined, 'x'), /invalid size/);
    assert.throws(() => parseManifest(Buffer.from('not json'), undefined, 'x'), /invalid manifest/);
    assert.throws(() => layerCompression({ mediaType: MEDIA.dockerForeignLayer, digest: D('a'), size: 1 }), /foreign layers/);
    assert.equal(layerCompression({ mediaType: MEDIA.ociLayerZstd, digest: D('a'), size: 1 }), 'zstd');
    assert.throws(() => checkConfigMediaType('application/vnd.cncf.helm.config.v1+json'), /^InvalidParameter: unsupported media type application\/vnd\.cncf\.helm\.config\.v1\+json$/);
    checkConfigMediaType(MEDIA.ociConfig);
  });
  it('builds the schema2 manifest dockerd pushes, byte for byte', () => {
    const bytes = buildSchema2Manifest({ digest: 'sha256:c7e4d88820cad4f0066c2925cd73c906b5bcf5f67860f68ea37a90d4309430a7', size: 523 }, [{ digest: 'sha256:' + '9'.repeat(64), size: 2 }]);
    const text = bytes.toString();
    assert.ok(text.startsWith('{\n   "schemaVersion": 2,\n   "mediaType": "application/vnd.docker.distribution.manifest.v2+json",\n   "config": {\n      "mediaType": "application/vnd.docker.container.image.v1+json",\n      "size": 523,\n      "digest": "sha256:c7e4'));
    assert.ok(text.endsWith('"digest": "sha256:' + '9'.repeat(64) + '"\n      }\n   ]\n}'));
  });
});

describe('registry errors', () => {
  const json = (o: unknown) => Buffer.from(JSON.stringify(o));
  it('words errcode replies as dockerd does', () => {
    const e = errorFromResponse(404, 'application/json; charset=utf-8', json({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: 'nope' } }] }));
    assert.equal(e.message, 'manifest unknown: manifest unknown');
    assert.equal(e.code, 'NotFound');
    assert.equal(errorFromResponse(401, 'application/json', Buffer.alloc(0)).message, 'unauthorized: authentication required');
    assert.equal(errorFromResponse(401, 'application/json', json({ details: 'incorrect username or password' })).message, 'unauthorized: incorrect username or password');
    assert.equal(errorFromResponse(403, 'application/json', json({ errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] })).message, 'denied: requested access to the resource is denied');
    assert.equal(errorFromResponse(400, 'application/json', json({ errors: [{ code: 'WHATEVER', message: 'odd' }] })).message, 'unknown: odd');
    assert.equal(errorFromResponse(429, 'text/plain', Buffer.from('slow down')).message, 'toomanyrequests: slow down');
    assert.equal(errorFromResponse(500, 'text/html', Buffer.from('<html>')).message, 'received unexpected HTTP status: 500 Internal Server Error');
    const bearer = errorFromResponse(401, 'application/json', json({ errors: [{ code: 'UNAUTHORIZED', message: 'x' }] }), 'Bearer realm="r",error="insufficient_scope",error_description="no push"');
    assert.equal(bearer.message, 'errors:\ndenied: no push\nunauthorized: x\n');
  });
  it('words network failures as Go\'s net/http', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5999'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 5999 });
    assert.deepEqual(goNetError(refused, '127.0.0.1', 5999), { text: 'dial tcp 127.0.0.1:5999: connect: connection refused', fallback: true });
    assert.equal(goNetError(Object.assign(new Error('x'), { code: 'ENOTFOUND' }), 'nosuch.invalid', 443).text, 'dial tcp: lookup nosuch.invalid: no such host');
    assert.equal(goNetError(Object.assign(new Error('x'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' }), 'h', 5000).text, 'http: server gave HTTP response to HTTPS client');
  });
});

describe('parallel gzip', () => {
  const gzip = async (data: Buffer, opts = {}) => {
    const parts: Buffer[] = [];
    const z = new ParallelGzip(opts);
    z.on('data', (c: Buffer) => parts.push(c));
    await pipeline(Readable.from(chunks(data, 70_000)), z);
    return Buffer.concat(parts);
  };
  function* chunks(b: Buffer, n: number) { for (let i = 0; i < b.length; i += n) yield b.subarray(i, i + n); }
  it('writes one valid gzip member for mixed data, the same bytes every time', async () => {
    const text = Buffer.from('the quick brown fox jumps over the lazy dog\n'.repeat(60_000));
    const data = Buffer.concat([text, randomBytes(3 << 20), text.subarray(0, 12345)]);
    const a = await gzip(data, { chunkSize: 1 << 20 });
    assert.ok(gunzipSync(a).equals(data));
    assert.ok(a.length < data.length * 0.7);
    const b = await gzip(data, { chunkSize: 1 << 20 });
    assert.equal(createHash('sha256').update(a).digest('hex'), createHash('sha256').update(b).digest('hex'));
    // Standard gunzip (the one distribution and containerd use) reads it.
    assert.equal(a[0], 0x1f);
    assert.equal(a[1], 0x8b);
  });
  it('handles empty and tiny input', async () => {
    assert.equal(gunzipSync(await gzip(Buffer.alloc(0))).length, 0);
    assert.equal(gunzipSync(await gzip(Buffer.from('x'))).toString(), 'x');
  });
  it('stores incompressible chunks instead of deflating them', () => {
    assert.equal(looksIncompressible(randomBytes(1 << 20)), true);
    assert.equal(looksIncompressible(Buffer.alloc(1 << 20, 'a')), false);
    const blocks = storedBlocks(Buffer.alloc(70_000, 7));
    assert.equal(blocks.length, 70_000 + 10);
    assert.deepEqual([...blocks.subarray(0, 5)], [0, 0xff, 0xff, 0, 0]);
    assert.deepEqual([...blocks.subarray(65540, 65545)], [0, 0x71, 0x11, 0x8e, 0xee]);
  });
});

describe('progress text', () => {
  it('formats sizes and bars as jsonmessage.JSONProgress', () => {
    assert.equal(humanSize(98816), '98.82kB');
    assert.equal(humanSize(8_000_000), '8MB');
    assert.equal(humanSize(0), '0B');
    assert.equal(progressString({ current: 98816, total: 8_000_000 }), '[>                                                  ]  98.82kB/8MB');
    assert.equal(progressString({ current: 3146240, total: 8_000_000 }), '[===================>                               ]  3.146MB/8MB');
    assert.equal(progressString({ current: 8007680, total: 8_000_000 }), '[==================================================>]  8.008MB');
    assert.equal(progressString({ current: 3146240, total: 8_000_000 }, 80), ' 3.146MB/8MB');
    assert.equal(progressString({}), '');
    assert.equal(progressString({ current: 1500 }), '   1.5kB');
  });
});
