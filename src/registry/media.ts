// Manifests as the registry sees them: which media types it stores, what a manifest refers to
// (blobs, child manifests, a subject), and content negotiation on the Accept header.
import { regError } from './errors.js';
import { parseDigest, type Digest } from './names.js';

export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

const IMAGE_TYPES = new Set<string>([MediaType.ociManifest, MediaType.dockerManifest]);
const INDEX_TYPES = new Set<string>([MediaType.ociIndex, MediaType.dockerList]);
/** Layers that live elsewhere (`urls`): a manifest may name them without the registry holding them. */
const FOREIGN_LAYER_TYPES = new Set<string>([
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
]);

/** distribution's limit on a manifest body (4 MiB), also the OCI spec's "at least" size. */
export const MANIFEST_MAX_BYTES = 4 << 20;

export interface Platform { architecture?: string; os?: string; variant?: string }

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  urls?: string[];
  platform?: Platform;
}

export interface Manifest {
  mediaType: string;
  isIndex: boolean;
  config?: Descriptor;
  layers: Descriptor[];
  /** An index's children. */
  manifests: Descriptor[];
  subject?: Descriptor;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export const isManifestMediaType = (t: string) => IMAGE_TYPES.has(t) || INDEX_TYPES.has(t);
export const isIndexMediaType = (t: string) => INDEX_TYPES.has(t);

const invalid = (message: string, detail?: unknown) => regError('MANIFEST_INVALID', detail ?? null, `manifest invalid: ${message}`);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function descriptor(v: unknown, where: string): Descriptor {
  if (!isObject(v)) throw invalid(`${where} is not a descriptor`);
  const { mediaType, digest, size } = v;
  if (typeof mediaType !== 'string' || !mediaType) throw invalid(`${where}: mediaType is required`);
  if (typeof digest !== 'string' || !parseDigest(digest)) throw invalid(`${where}: invalid digest ${JSON.stringify(digest)}`, { digest });
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw invalid(`${where}: invalid size`);
  const d: Descriptor = { mediaType, digest, size };
  if (typeof v.artifactType === 'string') d.artifactType = v.artifactType;
  if (isObject(v.annotations)) d.annotations = v.annotations as Record<string, string>;
  if (Array.isArray(v.urls)) d.urls = v.urls.filter((u): u is string => typeof u === 'string');
  if (isObject(v.platform)) d.platform = v.platform as Platform;
  return d;
}

function descriptors(v: unknown, where: string): Descriptor[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(`${where} is not an array`);
  return v.map((x, i) => descriptor(x, `${where}[${i}]`));
}

/** The media type a client declared in Content-Type, without parameters; '' when generic. */
function declaredType(contentType: string | undefined): string {
  const t = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return t === 'application/json' || t === 'application/octet-stream' ? '' : t;
}

/**
 * Parses and checks a pushed manifest. The body's `mediaType` wins; it must agree with a
 * manifest Content-Type when both are given; without either the shape decides (an OCI index
 * has `manifests`, an OCI image manifest has `config`).
 */
export function parseManifest(body: Buffer, contentType?: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw invalid(`not JSON: ${(e as Error).message}`);
  }
  if (!isObject(json)) throw invalid('not a JSON object');
  const declared = declaredType(contentType);
  if (json.schemaVersion === 1 || declared === MediaType.dockerSchema1 || declared === MediaType.dockerSchema1Signed) {
    throw invalid('schema1 manifests are not supported');
  }
  const inBody = typeof json.mediaType === 'string' ? json.mediaType : undefined;
  if (inBody && declared && declared !== inBody && isManifestMediaType(declared)) {
    throw invalid(`mediaType in manifest (${inBody}) does not match Content-Type (${declared})`);
  }
  const mediaType = inBody ?? (declared || (Array.isArray(json.manifests) ? MediaType.ociIndex : MediaType.ociManifest));
  if (!isManifestMediaType(mediaType)) throw invalid(`unsupported manifest media type ${JSON.stringify(mediaType)}`);
  if (json.schemaVersion !== 2) throw invalid('schemaVersion must be 2');

  const m: Manifest = { mediaType, isIndex: INDEX_TYPES.has(mediaType), layers: [], manifests: [] };
  if (m.isIndex) {
    if (!Array.isArray(json.manifests)) throw invalid('an index needs a manifests array');
    m.manifests = descriptors(json.manifests, 'manifests');
  } else {
    if (json.config === undefined) throw invalid('config is required');
    m.config = descriptor(json.config, 'config');
    if (!Array.isArray(json.layers) && mediaType === MediaType.dockerManifest) throw invalid('layers is required');
    m.layers = descriptors(json.layers, 'layers');
  }
  if (json.subject !== undefined && json.subject !== null) m.subject = descriptor(json.subject, 'subject');
  if (typeof json.artifactType === 'string') m.artifactType = json.artifactType;
  if (isObject(json.annotations)) m.annotations = json.annotations as Record<string, string>;
  return m;
}

/** The blobs a manifest needs in the repository: its config and its (non-foreign) layers. */
export function blobReferences(m: Manifest): Descriptor[] {
  return [...(m.config ? [m.config] : []), ...m.layers.filter((l) => !FOREIGN_LAYER_TYPES.has(l.mediaType))];
}

/** How a manifest appears in a referrers list. */
export function referrerDescriptor(m: Manifest, digest: Digest, size: number): Descriptor {
  const d: Descriptor = { mediaType: m.mediaType, digest: digest.value, size };
  const artifactType = m.artifactType ?? (m.isIndex ? undefined : m.config?.mediaType);
  if (artifactType) d.artifactType = artifactType;
  if (m.annotations && Object.keys(m.annotations).length) d.annotations = m.annotations;
  return d;
}

/** The media types of Accept headers, lowercased, parameters (q=…) dropped. */
export function parseAccept(values: string | string[] | undefined): string[] {
  const all = Array.isArray(values) ? values : values ? [values] : [];
  return all.flatMap((v) => v.split(',')).map((t) => t.split(';')[0]!.trim().toLowerCase()).filter(Boolean);
}

/**
 * distribution's rule for a manifest fetched by tag: an OCI manifest or an index is served only
 * to a client that accepts its type. Docker schema2 manifests are served to everyone. Unlike
 * distribution, a request with no Accept header at all (curl) or with a wildcard gets what is
 * stored rather than a 404.
 */
export function clientAccepts(accepted: string[], mediaType: string): boolean {
  if (accepted.length === 0 || accepted.includes('*/*') || accepted.includes('application/*')) return true;
  if (mediaType === MediaType.dockerManifest) return true;
  return accepted.includes(mediaType);
}

/** A docker manifest list's linux/amd64 entry: what distribution serves a schema2-only client. */
export function defaultPlatformChild(m: Manifest): Descriptor | undefined {
  return m.manifests.find((d) => d.platform?.os === 'linux' && d.platform?.architecture === 'amd64');
}
