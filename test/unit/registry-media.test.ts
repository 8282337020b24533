// Pushed manifests: media type rules, what they reference, referrer descriptors, Accept.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { blobReferences, clientAccepts, MediaType, parseAccept, parseManifest, referrerDescriptor } from '../../src/registry/media.js';
import { isRegistryError } from '../../src/registry/errors.js';
import { parseDigest } from '../../src/registry/names.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const desc = (mediaType: string, c: string, extra: object = {}) => ({ mediaType, digest: d(c), size: 10, ...extra });
const image = (extra: object = {}) => ({
  schemaVersion: 2,
  mediaType: MediaType.ociManifest,
  config: desc('application/vnd.oci.image.config.v1+json', 'a'),
  layers: [desc('application/vnd.oci.image.layer.v1.tar+gzip', 'b')],
  ...extra,
});
const buf = (v: unknown) => Buffer.from(JSON.stringify(v));
const invalid = (e: unknown) => isRegistryError(e, 'MANIFEST_INVALID');

describe('registry manifest parsing', () => {
  it('reads an OCI image manifest and what it references', () => {
    const m = parseManifest(buf(image()), MediaType.ociManifest);
    assert.equal(m.mediaType, MediaType.ociManifest);
    assert.equal(m.isIndex, false);
    assert.deepEqual(blobReferences(m).map((r) => r.digest), [d('a'), d('b')]);
  });

  it('reads an index and its children', () => {
    const m = parseManifest(buf({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [desc(MediaType.ociManifest, 'c')] }));
    assert.ok(m.isIndex);
    assert.deepEqual(m.manifests.map((r) => r.digest), [d('c')]);
    assert.deepEqual(blobReferences(m), []);
  });

  it('takes the media type from Content-Type when the body has none, else from the shape', () => {
    const { mediaType: _, ...bare } = image();
    assert.equal(parseManifest(buf(bare), MediaType.dockerManifest).mediaType, MediaType.dockerManifest);
    assert.equal(parseManifest(buf(bare), 'application/json').mediaType, MediaType.ociManifest);
    assert.equal(parseManifest(buf({ schemaVersion: 2, manifests: [] })).mediaType, MediaType.ociIndex);
  });

  it('refuses a body mediaType that contradicts Content-Type', () => {
    assert.throws(() => parseManifest(buf(image()), MediaType.dockerManifest), invalid);
  });

  it('refuses schema1, non-JSON, unknown media types and broken descriptors', () => {
    assert.throws(() => parseManifest(buf({ schemaVersion: 1, name: 'x' })), invalid);
    assert.throws(() => parseManifest(Buffer.from('{'), MediaType.ociManifest), invalid);
    assert.throws(() => parseManifest(buf(image({ mediaType: 'application/x-nope' }))), invalid);
    assert.throws(() => parseManifest(buf(image({ config: { mediaType: 'x', digest: 'sha256:1', size: 1 } }))), invalid);
    assert.throws(() => parseManifest(buf(image({ layers: [{ mediaType: 'x', digest: d('b'), size: -1 }] }))), invalid);
    assert.throws(() => parseManifest(buf(image({ schemaVersion: 3 }))), invalid);
  });

  it('does not require foreign layers to be in the registry', () => {
    const m = parseManifest(buf(image({ layers: [desc('application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', 'f', { urls: ['https://x'] })] })));
    assert.deepEqual(blobReferences(m).map((r) => r.digest), [d('a')]);
  });

  it('keeps the subject', () => {
    assert.equal(parseManifest(buf(image({ subject: desc(MediaType.ociManifest, 'e') }))).subject?.digest, d('e'));
  });
});

describe('registry referrer descriptors', () => {
  const self = parseDigest(d('9'))!;

  it('use artifactType, else the config media type', () => {
    const withType = parseManifest(buf(image({ artifactType: 'application/vnd.example.sbom', annotations: { a: 'b' } })));
    assert.deepEqual(referrerDescriptor(withType, self, 123), {
      mediaType: MediaType.ociManifest, digest: d('9'), size: 123, artifactType: 'application/vnd.example.sbom', annotations: { a: 'b' },
    });
    assert.equal(referrerDescriptor(parseManifest(buf(image())), self, 1).artifactType, 'application/vnd.oci.image.config.v1+json');
  });
});

describe('registry Accept negotiation', () => {
  it('parses Accept headers, several values and parameters', () => {
    assert.deepEqual(parseAccept(['application/a; q=0.5, application/B', 'application/c']), ['application/a', 'application/b', 'application/c']);
    assert.deepEqual(parseAccept(undefined), []);
  });

  it('serves what is stored to a client that names it, a wildcard or nothing', () => {
    assert.ok(clientAccepts([MediaType.ociManifest], MediaType.ociManifest));
    assert.ok(clientAccepts([], MediaType.ociIndex));
    assert.ok(clientAccepts(['*/*'], MediaType.ociIndex));
  });

  it('always serves docker schema2 manifests, and OCI ones only to clients that take them', () => {
    assert.ok(clientAccepts([MediaType.dockerList], MediaType.dockerManifest));
    assert.ok(!clientAccepts([MediaType.dockerManifest], MediaType.ociManifest));
    assert.ok(!clientAccepts([MediaType.dockerManifest], MediaType.ociIndex));
  });
});
