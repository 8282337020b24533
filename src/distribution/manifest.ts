// Image manifests as registries serve them: Docker schema2 and OCI manifests, Docker manifest
// lists and OCI indexes (schema1 is refused, as Docker 28 refuses it). Parsing checks what a pull
// relies on — descriptor digests and sizes, config and layer media types — so that nothing later
// trusts an unchecked field. Building is the schema2 manifest dockerd pushes, byte for byte in its
// formatting (Go's json.MarshalIndent with three spaces), so identical content has an identical digest.
import { invalidParameter } from '../common/errors.js';
import type { Platform } from './platform.js';

export const MEDIA = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociNondistributable: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
} as const;

/** What a pull asks for, in dockerd's order of preference. */
export const MANIFEST_ACCEPT = [MEDIA.dockerManifest, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.ociIndex];

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
}

export interface ImageManifest {
  kind: 'manifest';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface ImageIndex {
  kind: 'index';
  mediaType: string;
  manifests: Descriptor[];
}

export type Manifest = ImageManifest | ImageIndex;

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const ANY_DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** The digest check of a descriptor: only sha256 is accepted (as dockerd's verifiers). */
export function checkDigest(d: unknown, what: string): string {
  if (typeof d !== 'string' || !ANY_DIGEST.test(d)) throw invalidParameter(`invalid ${what} digest ${JSON.stringify(d)}`);
  if (!DIGEST.test(d)) throw invalidParameter(`unsupported digest algorithm: ${d}`);
  return d;
}

function descriptor(v: unknown, what: string): Descriptor {
  if (!v || typeof v !== 'object') throw invalidParameter(`invalid manifest: ${what} is not a descriptor`);
  const o = v as Record<string, unknown>;
  const size = o.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw invalidParameter(`invalid manifest: ${what} has an invalid size`);
  const d: Descriptor = { mediaType: typeof o.mediaType === 'string' ? o.mediaType : '', digest: checkDigest(o.digest, what), size };
  if (Array.isArray(o.urls)) d.urls = o.urls.filter((u): u is string => typeof u === 'string');
  if (o.annotations && typeof o.annotations === 'object') d.annotations = o.annotations as Record<string, string>;
  if (o.platform && typeof o.platform === 'object') d.platform = o.platform as Platform;
  return d;
}

/** The schema1 refusal (moby's DEPRECATION NOTICE since Docker 28). */
export function schema1Error(name: string): Error {
  return invalidParameter(`[DEPRECATION NOTICE] Docker Image Format v1 and Docker Image manifest version 2, schema 1 support has been removed. Suggest the author of ${name} to upgrade the image to the OCI Format or Docker Image manifest v2, schema 2. More information at https://docs.docker.com/go/deprecated-image-specs/`);
}

/**
 * Parses a manifest or index. `contentType` (the response header) decides when the document
 * has no `mediaType` of its own, as for OCI documents that omit it.
 */
export function parseManifest(bytes: Buffer, contentType: string | undefined, name: string): Manifest {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw invalidParameter(`invalid manifest: ${(e as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw invalidParameter('invalid manifest: not a JSON object');
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const mediaType = typeof doc.mediaType === 'string' && doc.mediaType ? doc.mediaType : ct;
  if (doc.schemaVersion === 1 || mediaType === MEDIA.dockerSchema1 || mediaType === MEDIA.dockerSchema1Signed) throw schema1Error(name);
  const isIndex = mediaType === MEDIA.dockerList || mediaType === MEDIA.ociIndex || (!mediaType.includes('manifest.v') && Array.isArray(doc.manifests) && !doc.layers);
  if (isIndex) {
    if (!Array.isArray(doc.manifests)) throw invalidParameter('invalid manifest list: no manifests');
    return { kind: 'index', mediaType: mediaType || MEDIA.ociIndex, manifests: doc.manifests.map((m, i) => descriptor(m, `manifests[${i}]`)) };
  }
  if (mediaType && mediaType !== MEDIA.dockerManifest && mediaType !== MEDIA.ociManifest && mediaType !== 'application/json') {
    throw invalidParameter(`unsupported manifest media type and no default available: ${mediaType}`);
  }
  if (!Array.isArray(doc.layers)) throw invalidParameter('invalid manifest: no layers');
  const config = descriptor(doc.config, 'config');
  const layers = doc.layers.map((l, i) => descriptor(l, `layers[${i}]`));
  return { kind: 'manifest', mediaType: mediaType || MEDIA.ociManifest, config, layers };
}

/** moby's checkSupportedMediaType for an image config. */
export function checkConfigMediaType(mediaType: string): void {
  const mt = mediaType.toLowerCase();
  const ok = ['application/vnd.docker.container.image.v1', 'application/vnd.oci.image.config.v1', 'application/octet-stream']
    .some((p) => mt === p || mt.startsWith(p + '+') || mt.startsWith(p + '.')) || mt === '';
  if (!ok) throw invalidParameter(`unsupported media type ${mediaType}`);
}

export type LayerCompression = 'gzip' | 'zstd' | 'none';

/** The compression a layer media type declares; foreign and unknown layers are refused. */
export function layerCompression(d: Descriptor): LayerCompression {
  switch (d.mediaType) {
    case MEDIA.dockerLayer:
    case MEDIA.ociLayerGzip:
      return 'gzip';
    case MEDIA.ociLayerZstd:
      return 'zstd';
    case MEDIA.ociLayer:
      return 'none';
    case MEDIA.dockerForeignLayer:
    case MEDIA.ociNondistributable:
    case MEDIA.ociNondistributable + '+gzip':
    case MEDIA.ociNondistributable + '+zstd':
      throw invalidParameter(`unsupported media type ${d.mediaType}: foreign layers are only used by Windows images`);
    default:
      // Docker accepts what it can sniff; the layer store detects gzip/zstd/plain tar itself.
      if (d.mediaType === '' || d.mediaType === 'application/octet-stream') return 'gzip';
      throw invalidParameter(`unsupported media type ${d.mediaType}`);
  }
}

/**
 * The schema2 manifest dockerd pushes (distribution's schema2.FromStruct: MarshalIndent with
 * three spaces, fields in Go struct order), with its bytes.
 */
export function buildSchema2Manifest(config: { digest: string; size: number }, layers: Array<{ digest: string; size: number }>): Buffer {
  const m = {
    schemaVersion: 2,
    mediaType: MEDIA.dockerManifest,
    config: { mediaType: MEDIA.dockerConfig, size: config.size, digest: config.digest },
    layers: layers.map((l) => ({ mediaType: MEDIA.dockerLayer, size: l.size, digest: l.digest })),
  };
  return Buffer.from(goJsonEscape(JSON.stringify(m, null, 3)));
}

/** Go's json escapes <, > and & (HTML-safe); digests and media types never contain them, sizes neither. */
function goJsonEscape(s: string): string {
  return s.replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}
