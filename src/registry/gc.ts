// `berth registry gc`: mark and sweep. Mark every manifest of every repository and what it
// references (config, layers, child manifests); sweep every blob not marked, then the links
// left pointing at nothing. It must not run while anything pushes to the root (a blob pushed
// but not yet referenced by a manifest looks exactly like garbage), which is why the caller
// holds the root lock that `registry serve` also takes.
import type { BlobInfo } from './blob-store.js';
import { blobReferences, parseManifest } from './media.js';
import { parseDigest, type Digest } from './names.js';
import type { Registry } from './registry.js';

export interface GcOptions {
  /** Report what would go, delete nothing. */
  dryRun?: boolean;
  /** Also delete manifests no tag reaches (directly, through an index, or as a referrer). */
  deleteUntagged?: boolean;
  /** Upload sessions started longer ago than this are abandoned and removed (default a week). */
  uploadMaxAgeMs?: number;
  /** Where progress lines go. */
  out?: (line: string) => void;
}

export interface GcResult {
  marked: number;
  blobs: BlobInfo[];
  manifests: Array<{ repo: string; digest: string }>;
  uploads: string[];
  freedBytes: number;
}

const WEEK_MS = 7 * 24 * 3600 * 1000;

export async function collectGarbage(registry: Registry, opts: GcOptions = {}): Promise<GcResult> {
  const out = opts.out ?? (() => {});
  const dry = Boolean(opts.dryRun);
  const result: GcResult = { marked: 0, blobs: [], manifests: [], uploads: [], freedBytes: 0 };
  const repos = await registry.repos.list(true);

  // Mark.
  const marked = new Set<string>();
  for (const repo of repos) {
    const untagged = opts.deleteUntagged ? await untaggedManifests(registry, repo) : new Set<string>();
    for (const d of await registry.repos.manifests(repo)) {
      if (untagged.has(d.value)) {
        out(`${dry ? 'would delete' : 'deleting'} manifest ${repo}@${d.value}`);
        result.manifests.push({ repo, digest: d.value });
        if (!dry) await registry.manifests.delete(repo, d.value);
        continue;
      }
      const refs = await references(registry, repo, d);
      if (!refs) continue;
      marked.add(d.value);
      for (const r of refs) marked.add(r);
    }
  }
  result.marked = marked.size;

  // Sweep blobs.
  for await (const b of registry.blobs.list()) {
    if (marked.has(b.digest.value)) continue;
    out(`${dry ? 'would delete' : 'deleting'} blob ${b.digest.value} (${b.size} bytes)`);
    result.blobs.push(b);
    result.freedBytes += b.size;
    if (!dry) await registry.blobs.remove(b.digest);
  }

  if (!dry) {
    // Links to what is gone.
    const gone = new Set(result.blobs.map((b) => b.digest.value));
    for (const repo of repos) {
      for (const d of await registry.repos.layers(repo)) if (gone.has(d.value)) await registry.repos.unlinkLayer(repo, d);
      for (const { subject, referrers } of await registry.repos.allReferrers(repo)) {
        for (const r of referrers) {
          if ((await registry.repos.manifestType(repo, r)) === null) await registry.repos.removeReferrer(repo, subject, r);
        }
      }
    }
    result.uploads = await registry.uploads.purge(new Date(Date.now() - (opts.uploadMaxAgeMs ?? WEEK_MS)));
    for (const u of result.uploads) out(`removed abandoned upload ${u}`);
  }
  return result;
}

/** The digests manifest `d` of `repo` refers to, or null when its content is missing. */
async function references(registry: Registry, repo: string, d: Digest): Promise<string[] | null> {
  const body = await registry.blobs.readBytes(d).catch(() => null);
  if (!body) return null;
  try {
    const m = parseManifest(body, (await registry.repos.manifestType(repo, d)) ?? undefined);
    return [...blobReferences(m), ...m.manifests].map((r) => r.digest);
  } catch {
    return []; // Not a manifest we understand: keep it, keep nothing else for it.
  }
}

/** Manifests in `repo` that no tag reaches through index children or referrers. */
async function untaggedManifests(registry: Registry, repo: string): Promise<Set<string>> {
  const referrersOf = new Map<string, Digest[]>();
  for (const { subject, referrers } of await registry.repos.allReferrers(repo)) referrersOf.set(subject.value, referrers);
  const kept = new Set<string>();
  const queue = [...(await registry.repos.tagMap(repo)).values()];
  while (queue.length) {
    const d = queue.pop()!;
    if (kept.has(d.value)) continue;
    kept.add(d.value);
    const body = await registry.blobs.readBytes(d).catch(() => null);
    if (body) {
      try {
        for (const c of parseManifest(body).manifests) {
          const cd = parseDigest(c.digest);
          if (cd) queue.push(cd);
        }
      } catch { /* not an index */ }
    }
    queue.push(...(referrersOf.get(d.value) ?? []));
  }
  return new Set((await registry.repos.manifests(repo)).map((d) => d.value).filter((v) => !kept.has(v)));
}
