// The layer store: each layer unpacked once per chain id into `<root>/<chainhex>/diff` (an
// overlay lowerdir), with the tar-split recording that rebuilds its exact tar.
//
// Layout:
//   <root>/<chainhex>/diff/           the unpacked layer (overlay form)
//   <root>/<chainhex>/tar-split.gz    see tar-split.ts (+ shadow/ when the tar overwrote files)
//   <root>/<chainhex>/layer.json      the LayerRecord
//   <root>/.staging/<random>/         a layer being unpacked; renamed to <chainhex> when complete
// A layer directory exists only whole: it is built in staging, flushed, and renamed into place
// with layer.json written last, so after a crash there is either nothing or a complete layer.
import { createHash, randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { chmod, mkdir, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { fsyncDir, writeFileAtomic } from '../common/atomic.js';
import { hexOf, isDigest, sha256 } from '../common/digest.js';
import { conflict, errorMessage, invalidParameter, isBerthError, notFound, systemError } from '../common/errors.js';
import { openLayerStream } from './decompress.js';
import { TAR_SPLIT_FILE, TarSplitWriter, replayLayer } from './tar-split.js';
import { unpackLayer } from './unpack.js';
import { packDirectory } from './pack.js';
import { readTar } from './tar-reader.js';

export interface LayerRecord {
  chainId: string;
  diffId: string;
  parent: string | null;
  tarSize: number;
  /** Content bytes (regular files, hard links counted once). */
  size: number;
  createdAt: string;
}

export interface StagedLayer {
  diffId: string;
  /** sha256 of the input bytes as given (the compressed blob). */
  digest: string;
  compressedSize: number;
  tarSize: number;
  size: number;
  /** Moves the layer into place; an existing layer with the same chain id wins and this copy is discarded. */
  commit(parentChainId: string | null): Promise<LayerRecord>;
  discard(): Promise<void>;
}

export interface LayerStoreOptions {
  /** Flush the filesystem before a layer becomes visible (default true; tests may turn it off). */
  durable?: boolean;
}

const STAGING = '.staging';
const RECORD_FILE = 'layer.json';
const HEX64 = /^[a-f0-9]{64}$/;

export class LayerStore {
  private readonly records = new Map<string, LayerRecord>();
  private readonly durable: boolean;

  constructor(private readonly root: string, opts: LayerStoreOptions = {}) {
    this.durable = opts.durable ?? true;
  }

  async init(): Promise<void> {
    await rm(join(this.root, STAGING), { recursive: true, force: true });
    await mkdir(join(this.root, STAGING), { recursive: true });
    this.records.clear();
    for (const name of await readdir(this.root)) {
      if (name === STAGING) continue;
      const dir = join(this.root, name);
      const rec = HEX64.test(name) ? await readRecord(dir) : undefined;
      if (rec && rec.chainId === `sha256:${name}`) this.records.set(rec.chainId, rec);
      else await rm(dir, { recursive: true, force: true });
    }
  }

  async stage(input: Readable): Promise<StagedLayer> {
    const staging = join(this.root, STAGING, randomBytes(12).toString('hex'));
    const inputTap = new DigestTap();
    input.on('error', (e) => inputTap.destroy(e));
    input.pipe(inputTap);
    let split: TarSplitWriter | undefined;
    try {
      await mkdir(staging, { recursive: true, mode: 0o700 });
      // The merged view's root takes the top layer's root attributes unless the tar has a `./`
      // entry, so the default must be Docker's 0755, whatever the umask.
      await mkdir(join(staging, 'diff'));
      await chmod(join(staging, 'diff'), 0o755);
      const { stream, compression } = await openLayerStream(inputTap);
      // For a plain tar the input is the tar: unpack's diff id is the digest, no need to hash twice.
      inputTap.decide(compression !== 'none');
      split = new TarSplitWriter(staging);
      let result;
      try {
        result = await unpackLayer(stream, join(staging, 'diff'), { recorder: split, scratchDir: staging });
      } finally {
        stream.destroy();
      }
      await split.close();
      const { digest, size: compressedSize } = await inputTap.result();
      return this.staged(staging, {
        diffId: result.diffId,
        digest: digest ?? result.diffId,
        compressedSize,
        tarSize: result.tarSize,
        size: result.size,
      });
    } catch (e) {
      input.destroy();
      inputTap.destroy();
      await split?.abort();
      await rm(staging, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * Adopts a directory already in overlay form (a container's upper dir) as a layer: it is moved
   * into staging, not copied, and packed once to learn its diff id and record its tar-split.
   * `dir` must be on the store's filesystem; it is gone afterwards, whatever the outcome.
   */
  async stageDirectory(dir: string): Promise<StagedLayer> {
    const staging = join(this.root, STAGING, randomBytes(12).toString('hex'));
    await mkdir(staging, { recursive: true, mode: 0o700 });
    let split: TarSplitWriter | undefined;
    try {
      const diff = join(staging, 'diff');
      await rename(dir, diff);
      split = new TarSplitWriter(staging);
      const hash = createHash('sha256');
      let tarSize = 0;
      let size = 0;
      let current: string | undefined;
      async function* tap(): AsyncGenerator<Buffer> {
        for await (const chunk of packDirectory(diff) as AsyncIterable<Buffer>) {
          hash.update(chunk);
          tarSize += chunk.length;
          yield chunk;
        }
      }
      for await (const t of readTar(tap())) {
        if (t.kind === 'header') {
          await split.raw(t.raw);
          current = undefined;
          const h = t.header;
          if (h.type === '0' && t.dataSize > 0) {
            split.file(h.name, t.dataSize);
            current = h.name;
          }
          if (h.type === '0' || h.type === '2') size += h.type === '2' ? Buffer.byteLength(h.linkname) : t.dataSize;
        } else if (t.kind === 'data') {
          if (current === undefined) await split.raw(t.chunk);
        } else {
          await split.raw(t.raw);
        }
      }
      await split.close();
      const diffId = `sha256:${hash.digest('hex')}`;
      return this.staged(staging, { diffId, digest: diffId, compressedSize: tarSize, tarSize, size });
    } catch (e) {
      await split?.abort();
      await rm(staging, { recursive: true, force: true });
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
  }

  async register(input: Readable, parent: string | null): Promise<LayerRecord> {
    const staged = await this.stage(input);
    return staged.commit(parent);
  }

  get(chainId: string): LayerRecord | undefined {
    const r = this.records.get(chainId);
    return r && { ...r };
  }

  list(): LayerRecord[] {
    return [...this.records.values()].map((r) => ({ ...r }));
  }

  diffPath(chainId: string): string {
    return join(this.layerDir(chainId), 'diff');
  }

  tarStream(chainId: string): Readable {
    if (!this.records.has(chainId)) throw notFound(`layer ${chainId} not found`);
    const dir = this.layerDir(chainId);
    return replayLayer(join(dir, 'diff'), join(dir, TAR_SPLIT_FILE));
  }

  async remove(chainId: string): Promise<void> {
    if (!this.records.has(chainId)) throw notFound(`layer ${chainId} not found`);
    this.records.delete(chainId);
    // Renaming first makes the removal atomic; a crash mid-delete leaves only staging debris.
    const trash = join(this.root, STAGING, `rm-${randomBytes(8).toString('hex')}`);
    await rename(this.layerDir(chainId), trash);
    await rm(trash, { recursive: true, force: true });
  }

  private layerDir(chainId: string): string {
    if (!isDigest(chainId)) throw invalidParameter(`invalid layer chain id "${chainId}"`);
    return join(this.root, hexOf(chainId));
  }

  private staged(staging: string, info: Omit<StagedLayer, 'commit' | 'discard'>): StagedLayer {
    let state: 'staged' | 'committing' | 'done' = 'staged';
    const discard = async () => {
      state = 'done';
      await rm(staging, { recursive: true, force: true });
    };
    return {
      ...info,
      discard,
      commit: async (parent) => {
        if (state !== 'staged') throw conflict('staged layer was already committed or discarded');
        state = 'committing';
        try {
          return await this.commit(staging, info, parent);
        } finally {
          state = 'done';
        }
      },
    };
  }

  private async commit(staging: string, info: Omit<StagedLayer, 'commit' | 'discard'>, parent: string | null): Promise<LayerRecord> {
    if (parent !== null && !this.records.has(parent)) {
      await rm(staging, { recursive: true, force: true });
      throw notFound(`parent layer ${parent} not found`);
    }
    const chainId = parent === null ? info.diffId : sha256(`${parent} ${info.diffId}`);
    const existing = this.records.get(chainId);
    if (existing) {
      await rm(staging, { recursive: true, force: true });
      return { ...existing };
    }
    const record: LayerRecord = {
      chainId, diffId: info.diffId, parent, tarSize: info.tarSize, size: info.size, createdAt: new Date().toISOString(),
    };
    try {
      if (this.durable) await syncfs(staging);
      await writeFileAtomic(join(staging, RECORD_FILE), JSON.stringify(record, null, 2) + '\n');
      await rename(staging, this.layerDir(chainId));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // A concurrent commit of the same layer got there first.
      const winner = code === 'ENOTEMPTY' || code === 'EEXIST' ? await readRecord(this.layerDir(chainId)) : undefined;
      await rm(staging, { recursive: true, force: true });
      if (!winner) throw isBerthError(e) ? e : systemError(`cannot commit layer ${chainId}: ${errorMessage(e)}`, e);
      this.records.set(chainId, winner);
      return { ...winner };
    }
    if (this.durable) await fsyncDir(this.root);
    this.records.set(chainId, record);
    return { ...record };
  }
}

async function readRecord(dir: string): Promise<LayerRecord | undefined> {
  try {
    const r = JSON.parse(await readFile(join(dir, RECORD_FILE), 'utf8')) as LayerRecord;
    return typeof r.chainId === 'string' && typeof r.diffId === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

/** syncfs(2) on the filesystem holding `path` (Node has no binding; coreutils `sync -f` does it). */
function syncfs(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('/usr/bin/sync', ['-f', path], { stdio: 'ignore' });
    p.on('error', (e) => reject(systemError(`sync -f ${path}: ${e.message}`, e)));
    p.on('close', (code) => (code === 0 ? resolve() : reject(systemError(`sync -f ${path} exited with ${code}`))));
  });
}

/**
 * Passes bytes through while counting them and, once told to, hashing them. The first chunks
 * (read to sniff the compression) are kept until the decision.
 */
class DigestTap extends Transform {
  private readonly hash = createHash('sha256');
  private mode: 'undecided' | 'hash' | 'count' = 'undecided';
  private early: Buffer[] = [];
  private bytes = 0;
  private readonly done: Promise<void>;

  constructor() {
    super({ highWaterMark: 1 << 20 });
    this.done = new Promise((resolve, reject) => {
      this.on('end', resolve).on('error', reject).on('close', () => reject(new Error('input closed early')));
    });
    this.done.catch(() => {});
  }

  decide(hash: boolean): void {
    if (hash) for (const c of this.early) this.hash.update(c);
    this.early = [];
    this.mode = hash ? 'hash' : 'count';
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.mode === 'hash') this.hash.update(chunk);
    else if (this.mode === 'undecided') this.early.push(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }

  /** Waits for the end of the input; the digest only when hashing was chosen. */
  async result(): Promise<{ digest?: string; size: number }> {
    await this.done;
    return { digest: this.mode === 'hash' ? `sha256:${this.hash.digest('hex')}` : undefined, size: this.bytes };
  }
}
