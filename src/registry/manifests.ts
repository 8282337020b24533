// Manifests in a repository: push (verify what it references, store by digest, link, tag,
// record its subject), fetch by tag or digest with content negotiation, delete, referrers.
import { createHash } from 'node:crypto';
import type { BlobStore } from './blob-store.js';
import { regError } from './errors.js';
import { blobReferences, clientAccepts, defaultPlatformChild, MediaType, parseManifest, referrerDescriptor, type Descriptor, type Manifest } from './media.js';
import { digestOf, isDigestReference, isValidTag, parseDigest, requireDigest, type Digest } from './names.js';
import { byteOrder, type Repositories } from './repositories.js';

export interface StoredManifest { digest: Digest; mediaType: string; body: Buffer }

export class Manifests {
  constructor(private readonly blobs: BlobStore, private readonly repos: Repositories) {}

  /** Whether blob or manifest `d` is in repository `name` (linked and present). */
  async has(name: string, d: Digest): Promise<boolean> {
    const linked = (await this.repos.hasLayer(name, d)) || (await this.repos.manifestType(name, d)) !== null;
    return linked && (await this.blobs.size(d)) !== null;
  }

  async put(name: string, ref: string, body: Buffer, contentType?: string): Promise<{ digest: Digest; subject?: Digest }> {
    const byDigest = isDigestReference(ref);
    if (!byDigest && !isValidTag(ref)) throw regError('TAG_INVALID', { tag: ref }, `invalid tag: ${JSON.stringify(ref)}`);
    const algorithm = byDigest ? requireDigest(ref).algorithm : 'sha256';
    const digest = digestOf(algorithm, createHash(algorithm).update(body).digest('hex'));
    if (byDigest && digest.value !== ref) {
      throw regError('DIGEST_INVALID', { digest: ref }, `manifest digest ${digest.value} does not match reference ${ref}`);
    }
    const m = parseManifest(body, contentType);
    for (const desc of [...blobReferences(m), ...m.manifests]) {
      if (!(await this.has(name, requireDigest(desc.digest)))) {
        throw regError('MANIFEST_BLOB_UNKNOWN', { digest: desc.digest }, `blob unknown to registry: ${desc.digest}`);
      }
    }
    await this.blobs.putBytes(digest, body);
    await this.repos.linkManifest(name, digest, m.mediaType);
    const subject = m.subject ? requireDigest(m.subject.digest) : undefined;
    if (subject) await this.repos.addReferrer(name, subject, digest);
    if (!byDigest) await this.repos.setTag(name, ref, digest);
    return { digest, ...(subject ? { subject } : {}) };
  }

  /** The manifest a tag or digest names; by tag, only in a media type the client accepts. */
  async get(name: string, ref: string, accepted: string[]): Promise<StoredManifest> {
    const stored = await this.load(name, await this.resolve(name, ref));
    if (isDigestReference(ref) || clientAccepts(accepted, stored.mediaType)) return stored;
    if (stored.mediaType === MediaType.dockerList && accepted.includes(MediaType.dockerManifest)) {
      // distribution's fallback for a client that takes no lists: the linux/amd64 image.
      const child = defaultPlatformChild(parseManifest(stored.body, stored.mediaType));
      const d = child && parseDigest(child.digest);
      if (d) return this.load(name, d);
    }
    const what = stored.mediaType === MediaType.ociManifest ? 'OCI manifest' : 'OCI index';
    throw regError('MANIFEST_UNKNOWN', { tag: ref }, `${what} found, but accept header does not support ${what}s`);
  }

  /** Deletes a manifest by digest (with every tag pointing at it), or a tag alone. */
  async delete(name: string, ref: string): Promise<void> {
    if (!isDigestReference(ref)) {
      if (!isValidTag(ref) || !(await this.repos.removeTag(name, ref))) throw regError('MANIFEST_UNKNOWN', { tag: ref });
      return;
    }
    const d = requireDigest(ref);
    const stored = await this.load(name, d);
    const m = tryParse(stored);
    if (m?.subject) {
      const subject = parseDigest(m.subject.digest);
      if (subject) await this.repos.removeReferrer(name, subject, d);
    }
    for (const [tag, target] of await this.repos.tagMap(name)) {
      if (target.value === d.value) await this.repos.removeTag(name, tag);
    }
    await this.repos.unlinkManifest(name, d);
  }

  /** The manifests in `name` whose subject is `subject`, as descriptors. */
  async referrers(name: string, subject: Digest, artifactType?: string): Promise<Descriptor[]> {
    const out: Descriptor[] = [];
    for (const d of (await this.repos.referrers(name, subject)).sort((a, b) => byteOrder(a.value, b.value))) {
      const stored = await this.load(name, d).catch(() => null);
      const m = stored && tryParse(stored);
      if (!m) continue;
      const desc = referrerDescriptor(m, d, stored.body.length);
      if (!artifactType || desc.artifactType === artifactType) out.push(desc);
    }
    return out;
  }

  async resolve(name: string, ref: string): Promise<Digest> {
    if (isDigestReference(ref)) return requireDigest(ref);
    if (!isValidTag(ref)) throw regError('TAG_INVALID', { tag: ref }, `invalid tag: ${JSON.stringify(ref)}`);
    const d = await this.repos.tag(name, ref);
    if (!d) throw regError('MANIFEST_UNKNOWN', { tag: ref }, `manifest unknown: ${name}:${ref}`);
    return d;
  }

  private async load(name: string, d: Digest): Promise<StoredManifest> {
    const mediaType = await this.repos.manifestType(name, d);
    const body = mediaType === null ? null : await this.blobs.readBytes(d).catch(() => null);
    if (mediaType === null || body === null) throw regError('MANIFEST_UNKNOWN', { digest: d.value }, `manifest unknown: ${name}@${d.value}`);
    return { digest: d, mediaType, body };
  }
}

function tryParse(s: StoredManifest): Manifest | null {
  try {
    return parseManifest(s.body, s.mediaType);
  } catch {
    return null;
  }
}
