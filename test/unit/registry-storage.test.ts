// The registry's storage without HTTP: upload sessions, manifests and links, garbage collection,
// on a temporary root.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Registry } from '../../src/registry/registry.js';
import { isRegistryError } from '../../src/registry/errors.js';
import { collectGarbage } from '../../src/registry/gc.js';
import { MediaType } from '../../src/registry/media.js';
import { parseDigest, type Digest } from '../../src/registry/names.js';

const dir = mkdtempSync('/tmp/bt-regstore-');
after(() => rmSync(dir, { recursive: true, force: true }));

const digestOf = (b: Buffer | string, alg = 'sha256'): Digest => parseDigest(`${alg}:${createHash(alg).update(b).digest('hex')}`)!;
const body = (b: Buffer | string) => Readable.from([Buffer.from(b)]);
let n = 0;
const freshRegistry = async () => {
  const r = new Registry(join(dir, `r${n++}`));
  await r.init();
  return r;
};

/** Pushes a blob through an upload session; returns its digest. */
async function pushBlob(r: Registry, repo: string, content: string): Promise<Digest> {
  const d = digestOf(content);
  await r.uploads.putWhole(repo, d, body(content));
  return d;
}

async function pushImage(r: Registry, repo: string, tag: string, layer: string, extra: object = {}): Promise<{ manifest: Digest; config: Digest; layer: Digest }> {
  const config = await pushBlob(r, repo, `{"config":"${layer}"}`);
  const l = await pushBlob(r, repo, layer);
  const m = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: MediaType.ociManifest,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.value, size: 10 },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: l.value, size: layer.length }],
    ...extra,
  }));
  const { digest } = await r.manifests.put(repo, tag, m, MediaType.ociManifest);
  return { manifest: digest, config, layer: l };
}

describe('registry uploads', () => {
  let r: Registry;
  before(async () => { r = await freshRegistry(); });

  it('assembles chunks in order and commits the verified blob', async () => {
    const uuid = await r.uploads.create('repo');
    assert.equal(await r.uploads.append('repo', uuid, body('hello '), { start: 0, end: 5 }, 6), 6);
    assert.equal(await r.uploads.append('repo', uuid, body('world')), 11);
    const d = digestOf('hello world');
    await r.uploads.finish('repo', uuid, d);
    assert.equal(await r.blobSize('repo', d), 11);
    assert.equal((await r.blobs.readBytes(d)).toString(), 'hello world');
    await assert.rejects(r.uploads.status('repo', uuid), (e) => isRegistryError(e, 'BLOB_UPLOAD_UNKNOWN'));
  });

  it('refuses an out-of-order chunk with 416 and keeps the session as it was', async () => {
    const uuid = await r.uploads.create('repo');
    await r.uploads.append('repo', uuid, body('abc'));
    await assert.rejects(r.uploads.append('repo', uuid, body('xyz'), { start: 5, end: 7 }), (e) => isRegistryError(e, 'RANGE_INVALID') && e.status === 416);
    await assert.rejects(r.uploads.append('repo', uuid, body('xyz'), { start: 3, end: 6 }, 3), (e) => isRegistryError(e, 'RANGE_INVALID'));
    assert.equal(await r.uploads.status('repo', uuid), 3);
    await r.uploads.finish('repo', uuid, digestOf('abcdef'), body('def'));
    assert.equal(await r.blobSize('repo', digestOf('abcdef')), 6);
  });

  it('drops a chunk whose body is shorter than its Content-Range', async () => {
    const uuid = await r.uploads.create('repo');
    await r.uploads.append('repo', uuid, body('ab'));
    await assert.rejects(r.uploads.append('repo', uuid, body('cd'), { start: 2, end: 9 }), (e) => isRegistryError(e, 'SIZE_INVALID'));
    assert.equal(await r.uploads.status('repo', uuid), 2);
    await r.uploads.finish('repo', uuid, digestOf('abcd'), body('cd'));
  });

  it('drops a chunk whose body breaks off, and the hash stays right', async () => {
    const uuid = await r.uploads.create('repo');
    await r.uploads.append('repo', uuid, body('12'));
    const broken = new Readable({ read() { this.push(Buffer.from('34')); this.destroy(new Error('aborted')); } });
    await assert.rejects(r.uploads.append('repo', uuid, broken));
    assert.equal(await r.uploads.status('repo', uuid), 2);
    await r.uploads.finish('repo', uuid, digestOf('1234'), body('34'));
    assert.equal((await r.blobs.readBytes(digestOf('1234'))).toString(), '1234');
  });

  it('leaves nothing behind on a digest mismatch', async () => {
    const r2 = await freshRegistry();
    const uuid = await r2.uploads.create('repo');
    await r2.uploads.append('repo', uuid, body('content'));
    await assert.rejects(r2.uploads.finish('repo', uuid, digestOf('other')), (e) => isRegistryError(e, 'DIGEST_INVALID') && e.status === 400);
    assert.deepEqual(readdirSync(r2.uploads.dir), []);
    assert.deepEqual(readdirSync(r2.blobs.dir), []);
    await assert.rejects(r2.uploads.putWhole('repo', digestOf('x'), body('y')), (e) => isRegistryError(e, 'DIGEST_INVALID'));
    assert.deepEqual(readdirSync(r2.uploads.dir), []);
  });

  it('resumes a session after a restart (hashing its data again) and verifies sha512', async () => {
    const uuid = await r.uploads.create('repo');
    await r.uploads.append('repo', uuid, body('part one, '));
    const restarted = new Registry(r.root);
    assert.equal(await restarted.uploads.status('repo', uuid), 10);
    await restarted.uploads.finish('repo', uuid, digestOf('part one, part two', 'sha512'), body('part two'));
    assert.equal(await restarted.blobSize('repo', digestOf('part one, part two', 'sha512')), 18);
  });

  it('keeps a session to its repository', async () => {
    const uuid = await r.uploads.create('repo');
    await assert.rejects(r.uploads.status('other', uuid), (e) => isRegistryError(e, 'BLOB_UPLOAD_UNKNOWN'));
    await assert.rejects(r.uploads.status('repo', '../../etc'), (e) => isRegistryError(e, 'BLOB_UPLOAD_UNKNOWN'));
    await r.uploads.cancel('repo', uuid);
    await assert.rejects(r.uploads.status('repo', uuid), (e) => isRegistryError(e, 'BLOB_UPLOAD_UNKNOWN'));
  });

  it('commits the same blob pushed concurrently by many sessions', async () => {
    const content = 'x'.repeat(100_000);
    await Promise.all(Array.from({ length: 8 }, () => pushBlob(r, 'dup', content)));
    assert.equal(await r.blobSize('dup', digestOf(content)), 100_000);
    assert.deepEqual(readdirSync(join(r.blobs.dir, 'sha256')).filter((f) => f.startsWith('.')), []);
  });
});

describe('registry manifests', () => {
  let r: Registry;
  before(async () => { r = await freshRegistry(); });

  it('refuses a manifest whose blobs are not in the repository', async () => {
    const other = await pushBlob(r, 'elsewhere', 'layer in another repo');
    const m = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: MediaType.ociManifest,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: other.value, size: 1 }, layers: [],
    }));
    await assert.rejects(r.manifests.put('repo', 'x', m), (e) => isRegistryError(e, 'MANIFEST_BLOB_UNKNOWN') && e.status === 400);
  });

  it('stores by digest, tags, and finds the manifest both ways', async () => {
    const img = await pushImage(r, 'repo', 'v1', 'layer one');
    assert.equal((await r.manifests.get('repo', 'v1', [])).digest.value, img.manifest.value);
    assert.equal((await r.manifests.get('repo', img.manifest.value, [])).mediaType, MediaType.ociManifest);
    assert.deepEqual(await r.repos.tags('repo'), ['v1']);
  });

  it('refuses a digest reference that does not match the body', async () => {
    const img = await pushImage(r, 'repo', 'v2', 'layer two');
    const body2 = await r.blobs.readBytes(img.manifest);
    await assert.rejects(r.manifests.put('repo', `sha256:${'0'.repeat(64)}`, body2), (e) => isRegistryError(e, 'DIGEST_INVALID'));
  });

  it('deleting a manifest by digest removes its tags; deleting a tag keeps the manifest', async () => {
    const a = await pushImage(r, 'del', 'a', 'layer a');
    await r.manifests.put('del', 'a2', await r.blobs.readBytes(a.manifest));
    await r.manifests.delete('del', 'a2');
    assert.deepEqual(await r.repos.tags('del'), ['a']);
    await r.manifests.delete('del', a.manifest.value);
    assert.deepEqual(await r.repos.tags('del'), []);
    await assert.rejects(r.manifests.get('del', a.manifest.value, []), (e) => isRegistryError(e, 'MANIFEST_UNKNOWN'));
    await assert.rejects(r.manifests.delete('del', 'a'), (e) => isRegistryError(e, 'MANIFEST_UNKNOWN'));
  });

  it('lists referrers, filtered by artifactType, and forgets them when deleted', async () => {
    const subject = await pushImage(r, 'ref', 'v1', 'subject layer');
    const sub = { mediaType: MediaType.ociManifest, digest: subject.manifest.value, size: 1 };
    const sig = await pushImage(r, 'ref', 'sig', 'sig layer', { artifactType: 'application/vnd.example.sig', subject: sub });
    await pushImage(r, 'ref', 'sbom', 'sbom layer', { artifactType: 'application/vnd.example.sbom', subject: sub });
    assert.equal((await r.manifests.referrers('ref', subject.manifest)).length, 2);
    const sigs = await r.manifests.referrers('ref', subject.manifest, 'application/vnd.example.sig');
    assert.deepEqual(sigs.map((x) => x.digest), [sig.manifest.value]);
    await r.manifests.delete('ref', sig.manifest.value);
    assert.equal((await r.manifests.referrers('ref', subject.manifest)).length, 1);
  });

  it('lists repositories with manifests in the catalog, nested ones too', async () => {
    await pushImage(r, 'a/b', 'v1', 'nested');
    await pushImage(r, 'a', 'v1', 'parent');
    const list = await r.repos.list();
    assert.ok(list.includes('a') && list.includes('a/b') && list.includes('repo'));
    assert.ok(!list.includes('elsewhere')); // blobs only
    assert.deepEqual(list, [...list].sort());
  });
});

describe('registry gc', () => {
  it('removes unreferenced blobs and keeps referenced ones, manifests included', async () => {
    const r = await freshRegistry();
    const img = await pushImage(r, 'repo', 'v1', 'kept layer');
    const loose = await pushBlob(r, 'repo', 'nobody refers to me');
    const lines: string[] = [];
    const dry = await collectGarbage(r, { dryRun: true, out: (l) => lines.push(l) });
    assert.deepEqual(dry.blobs.map((b) => b.digest.value), [loose.value]);
    assert.ok(existsSync(r.blobs.path(loose)));
    const res = await collectGarbage(r, { out: (l) => lines.push(l) });
    assert.deepEqual(res.blobs.map((b) => b.digest.value), [loose.value]);
    assert.equal(res.marked, 3);
    assert.ok(!existsSync(r.blobs.path(loose)));
    for (const d of [img.manifest, img.config, img.layer]) assert.ok(existsSync(r.blobs.path(d)), d.value);
    await assert.rejects(r.blobSize('repo', loose), (e) => isRegistryError(e, 'BLOB_UNKNOWN'));
    assert.ok(lines.some((l) => l.includes(loose.value)));
  });

  it('with deleteUntagged, removes manifests no tag reaches and then their blobs', async () => {
    const r = await freshRegistry();
    const old = await pushImage(r, 'repo', 'v1', 'old layer');
    const cur = await pushImage(r, 'repo', 'v1', 'new layer'); // v1 moves on
    const res = await collectGarbage(r, { deleteUntagged: true });
    assert.deepEqual(res.manifests, [{ repo: 'repo', digest: old.manifest.value }]);
    assert.deepEqual(res.blobs.map((b) => b.digest.value).sort(), [old.manifest.value, old.config.value, old.layer.value].sort());
    assert.equal((await r.manifests.get('repo', 'v1', [])).digest.value, cur.manifest.value);
  });
});
