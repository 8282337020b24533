// Blob upload sessions: uploads/<uuid>/{info.json,data}. A session's data is hashed as it
// streams in (sha256 state kept in memory; after a restart, or for another algorithm, the
// file is hashed again at the end) and becomes a blob only when its digest checks out. Each
// session has its own data file, so concurrent pushes of the same blob never share a file,
// and requests on one session run one at a time.
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { mkdir, open, readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { writeFileAtomic } from '../common/atomic.js';
import { BlobStore } from './blob-store.js';
import { regError } from './errors.js';
import { appendStream, hashFile } from './file-io.js';
import type { Digest } from './names.js';
import { Repositories } from './repositories.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Info { repo: string; startedAt: string }

interface Session {
  readonly uuid: string;
  readonly repo: string;
  readonly dir: string;
  /** Bytes in the data file. */
  size: number;
  /** sha256 of exactly `size` bytes, or null when it must be computed from the file. */
  hash: Hash | null;
  /** The tail of this session's request queue. */
  queue: Promise<unknown>;
}

/** A chunk's declared place in the upload (`Content-Range: <start>-<end>`, inclusive). */
export interface ChunkRange { start: number; end: number }

export class Uploads {
  readonly dir: string;
  private readonly live = new Map<string, Session>();

  constructor(root: string, private readonly blobs: BlobStore, private readonly repos: Repositories) {
    this.dir = join(root, 'uploads');
  }

  async create(repo: string): Promise<string> {
    const uuid = randomUUID();
    const dir = join(this.dir, uuid);
    await mkdir(dir, { recursive: true });
    await (await open(join(dir, 'data'), 'w', 0o644)).close();
    const info: Info = { repo, startedAt: new Date().toISOString() };
    await writeFileAtomic(join(dir, 'info.json'), JSON.stringify(info));
    this.live.set(uuid, { uuid, repo, dir, size: 0, hash: createHash('sha256'), queue: Promise.resolve() });
    return uuid;
  }

  /** Bytes received so far. */
  status(repo: string, uuid: string): Promise<number> {
    return this.run(repo, uuid, async (s) => s.size);
  }

  /** Appends a chunk; resolves to the new size. Out-of-order or mis-sized ranges give 416. */
  append(repo: string, uuid: string, body: Readable, range?: ChunkRange, contentLength?: number): Promise<number> {
    return this.run(repo, uuid, (s) => this.appendTo(s, body, range, contentLength));
  }

  /** Appends an optional last chunk, verifies the whole against `digest`, commits the blob. */
  finish(repo: string, uuid: string, digest: Digest, body?: Readable, range?: ChunkRange, contentLength?: number): Promise<void> {
    return this.run(repo, uuid, async (s) => {
      if (body) await this.appendTo(s, body, range, contentLength);
      const actual = digest.algorithm === 'sha256' && s.hash ? s.hash.copy().digest('hex') : await hashFile(join(s.dir, 'data'), digest.algorithm);
      if (actual !== digest.hex) {
        await this.drop(s);
        throw regError('DIGEST_INVALID', { digest: digest.value }, `provided digest did not match uploaded content: expected ${digest.value}, got ${digest.algorithm}:${actual}`);
      }
      const fh = await open(join(s.dir, 'data'), 'r');
      try { await fh.sync(); } finally { await fh.close(); }
      await this.blobs.commitFile(join(s.dir, 'data'), digest);
      await this.repos.linkLayer(repo, digest);
      await this.drop(s);
    });
  }

  cancel(repo: string, uuid: string): Promise<void> {
    return this.run(repo, uuid, (s) => this.drop(s));
  }

  /** A whole blob in one request (POST ?digest=, or a cross-repository mount that fell through). */
  async putWhole(repo: string, digest: Digest, body: Readable, contentLength?: number): Promise<void> {
    const uuid = await this.create(repo);
    await this.finish(repo, uuid, digest, body, undefined, contentLength);
  }

  /** Removes sessions started before `cutoff` (abandoned uploads); returns their ids. */
  async purge(cutoff: Date): Promise<string[]> {
    const out: string[] = [];
    for (const uuid of await readdir(this.dir).catch(() => [] as string[])) {
      const dir = join(this.dir, uuid);
      const info = await readInfo(dir);
      const started = info ? new Date(info.startedAt) : (await stat(dir).catch(() => null))?.mtime;
      if (!started || started < cutoff) {
        await rm(dir, { recursive: true, force: true });
        out.push(uuid);
      }
    }
    return out;
  }

  private async appendTo(s: Session, body: Readable, range?: ChunkRange, contentLength?: number): Promise<number> {
    if (range) {
      if (range.start !== s.size || range.end < range.start) {
        body.resume();
        throw regError('RANGE_INVALID', { offset: s.size }, `chunk starts at ${range.start}, upload has ${s.size} bytes`);
      }
      if (contentLength !== undefined && contentLength !== range.end - range.start + 1) {
        body.resume();
        throw regError('RANGE_INVALID', null, `Content-Range ${range.start}-${range.end} does not match Content-Length ${contentLength}`);
      }
    }
    const before = s.hash?.copy() ?? null;
    const fh = await open(join(s.dir, 'data'), 'r+');
    try {
      const n = await appendStream(fh, s.size, body, s.hash ?? undefined);
      if (range && n !== range.end - range.start + 1) {
        throw regError('SIZE_INVALID', null, `Content-Range ${range.start}-${range.end} declares ${range.end - range.start + 1} bytes, got ${n}`);
      }
      s.size += n;
      return s.size;
    } catch (e) {
      // A chunk is all or nothing: the session stays as it was before it.
      await fh.truncate(s.size);
      s.hash = before;
      throw e;
    } finally {
      await fh.close();
    }
  }

  private async drop(s: Session): Promise<void> {
    this.live.delete(s.uuid);
    await rm(s.dir, { recursive: true, force: true });
  }

  /** Runs `fn` on the session after the session's earlier requests. */
  private async run<T>(repo: string, uuid: string, fn: (s: Session) => Promise<T>): Promise<T> {
    const s = await this.load(repo, uuid);
    const result = s.queue.then(async () => {
      if (!this.live.has(uuid)) throw unknownUpload(uuid);
      return fn(s);
    });
    s.queue = result.catch(() => {});
    return result;
  }

  private async load(repo: string, uuid: string): Promise<Session> {
    if (!UUID_RE.test(uuid)) throw unknownUpload(uuid);
    let s = this.live.get(uuid);
    if (!s) {
      // A session from before a restart: its data is on disk, its hash state is not.
      const dir = join(this.dir, uuid);
      const info = await readInfo(dir);
      const st = await stat(join(dir, 'data')).catch(() => null);
      if (!info || !st) throw unknownUpload(uuid);
      s = this.live.get(uuid) ?? { uuid, repo: info.repo, dir, size: st.size, hash: st.size === 0 ? createHash('sha256') : null, queue: Promise.resolve() };
      this.live.set(uuid, s);
    }
    if (s.repo !== repo) throw unknownUpload(uuid);
    return s;
  }
}

const unknownUpload = (uuid: string) => regError('BLOB_UPLOAD_UNKNOWN', { uuid });

async function readInfo(dir: string): Promise<Info | null> {
  try {
    const v = JSON.parse(await readFile(join(dir, 'info.json'), 'utf8')) as Info;
    return typeof v.repo === 'string' ? v : null;
  } catch {
    return null;
  }
}
