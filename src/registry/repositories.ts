// What each repository holds, as links into the shared blob store:
//
//   repositories/<name>/_layers/<alg>/<hex>                 a blob pushed to (or mounted into) it
//   repositories/<name>/_manifests/revisions/<alg>/<hex>    a manifest in it; content: its media type
//   repositories/<name>/_manifests/tags/<tag>               content: the tagged manifest's digest
//   repositories/<name>/_referrers/<alg>/<hex>/<digest>     a manifest whose subject is <alg>:<hex>
//
// Names, tags and digests are validated before they get here, so they are safe path parts
// (no component can be `.` or `..` or start with `_`). Every link is written atomically.
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../common/atomic.js';
import { parseDigest, type Digest } from './names.js';

const exists = (p: string) => stat(p).then(() => true, () => false);

async function removeFile(p: string): Promise<boolean> {
  try {
    await rm(p);
    return true;
  } catch {
    return false;
  }
}

/** Directory entries that are not temp files of an atomic write. */
async function entries(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((n) => !n.startsWith('.'));
}

async function digestsIn(dir: string): Promise<Digest[]> {
  const out: Digest[] = [];
  for (const alg of await entries(dir)) {
    for (const hex of await entries(join(dir, alg))) {
      const d = parseDigest(`${alg}:${hex}`);
      if (d) out.push(d);
    }
  }
  return out;
}

export class Repositories {
  readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, 'repositories');
  }

  private path(name: string, ...parts: string[]): string {
    return join(this.dir, ...name.split('/'), ...parts);
  }

  private layerPath = (name: string, d: Digest) => this.path(name, '_layers', d.algorithm, d.hex);
  private revisionPath = (name: string, d: Digest) => this.path(name, '_manifests', 'revisions', d.algorithm, d.hex);
  private tagPath = (name: string, tag: string) => this.path(name, '_manifests', 'tags', tag);
  private referrerDir = (name: string, subject: Digest) => this.path(name, '_referrers', subject.algorithm, subject.hex);

  /** A repository exists once something was pushed to it. */
  async exists(name: string): Promise<boolean> {
    return (await exists(this.path(name, '_manifests'))) || exists(this.path(name, '_layers'));
  }

  hasLayer(name: string, d: Digest): Promise<boolean> {
    return exists(this.layerPath(name, d));
  }

  async linkLayer(name: string, d: Digest): Promise<void> {
    if (!(await this.hasLayer(name, d))) await writeFileAtomic(this.layerPath(name, d), '');
  }

  unlinkLayer(name: string, d: Digest): Promise<boolean> {
    return removeFile(this.layerPath(name, d));
  }

  layers(name: string): Promise<Digest[]> {
    return digestsIn(this.path(name, '_layers'));
  }

  /** The media type of manifest `d` in the repository, or null when it is not there. */
  async manifestType(name: string, d: Digest): Promise<string | null> {
    return readFile(this.revisionPath(name, d), 'utf8').catch(() => null);
  }

  linkManifest(name: string, d: Digest, mediaType: string): Promise<void> {
    return writeFileAtomic(this.revisionPath(name, d), mediaType);
  }

  unlinkManifest(name: string, d: Digest): Promise<boolean> {
    return removeFile(this.revisionPath(name, d));
  }

  manifests(name: string): Promise<Digest[]> {
    return digestsIn(this.path(name, '_manifests', 'revisions'));
  }

  async tag(name: string, tag: string): Promise<Digest | null> {
    const v = await readFile(this.tagPath(name, tag), 'utf8').catch(() => null);
    return v === null ? null : parseDigest(v.trim());
  }

  setTag(name: string, tag: string, d: Digest): Promise<void> {
    return writeFileAtomic(this.tagPath(name, tag), d.value);
  }

  removeTag(name: string, tag: string): Promise<boolean> {
    return removeFile(this.tagPath(name, tag));
  }

  /** Tag names, sorted as distribution sorts them (byte order). */
  async tags(name: string): Promise<string[]> {
    return (await entries(this.path(name, '_manifests', 'tags'))).sort(byteOrder);
  }

  /** Every tag with the digest it points at. */
  async tagMap(name: string): Promise<Map<string, Digest>> {
    const out = new Map<string, Digest>();
    for (const t of await this.tags(name)) {
      const d = await this.tag(name, t);
      if (d) out.set(t, d);
    }
    return out;
  }

  addReferrer(name: string, subject: Digest, referrer: Digest): Promise<void> {
    return writeFileAtomic(join(this.referrerDir(name, subject), referrer.value), '');
  }

  removeReferrer(name: string, subject: Digest, referrer: Digest): Promise<boolean> {
    return removeFile(join(this.referrerDir(name, subject), referrer.value));
  }

  async referrers(name: string, subject: Digest): Promise<Digest[]> {
    return (await entries(this.referrerDir(name, subject))).map((n) => parseDigest(n)).filter((d): d is Digest => d !== null);
  }

  /**
   * Repository names, sorted: those holding manifests (the catalog, as distribution lists it),
   * or with `all`, also those that only ever received blobs.
   */
  async list(all = false): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string, prefix: string) => {
      let isRepo = false;
      for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        if (!e.isDirectory()) continue;
        if (e.name === '_manifests' || (all && e.name === '_layers')) isRepo = true;
        else if (!e.name.startsWith('_') && !e.name.startsWith('.')) await walk(join(dir, e.name), prefix ? `${prefix}/${e.name}` : e.name);
      }
      if (isRepo && prefix) out.push(prefix);
    };
    await walk(this.dir, '');
    return out.sort(byteOrder);
  }

  /** Every subject with referrers recorded in the repository, with those referrers. */
  async allReferrers(name: string): Promise<Array<{ subject: Digest; referrers: Digest[] }>> {
    const out: Array<{ subject: Digest; referrers: Digest[] }> = [];
    for (const subject of await digestsIn(this.path(name, '_referrers'))) out.push({ subject, referrers: await this.referrers(name, subject) });
    return out;
  }
}

export const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
