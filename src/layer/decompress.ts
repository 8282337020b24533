// Layer blobs arrive gzip- or zstd-compressed or as plain tar; the media type is not always
// trustworthy (docker save archives carry no media types at all), so sniff the magic bytes.
import { spawn } from 'node:child_process';
import { PassThrough, Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { invalidParameter, isBerthError, systemError } from '../common/errors.js';

export type Compression = 'gzip' | 'zstd' | 'none';

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const ZSTD_BIN = '/usr/bin/zstd';

export function detectCompression(head: Buffer): Compression {
  if (head.subarray(0, 2).equals(GZIP_MAGIC)) return 'gzip';
  if (head.subarray(0, 4).equals(ZSTD_MAGIC)) return 'zstd';
  return 'none';
}

/**
 * The uncompressed tar stream of a layer blob. Decompression errors (corrupt or truncated input)
 * surface as an 'error' on the returned stream with code InvalidParameter; destroying the
 * returned stream tears down the input and any helper process.
 */
export async function openLayerStream(input: Readable): Promise<{ stream: Readable; compression: Compression }> {
  const head = await peek(input, 4);
  const compression = detectCompression(head);
  if (compression === 'gzip') return { stream: gunzip(input), compression };
  if (compression === 'zstd') return { stream: unzstd(input), compression };
  return { stream: input, compression };
}

/** Reads at least n bytes (fewer at end of stream) and puts them back. */
async function peek(input: Readable, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let len = 0;
  while (len < n) {
    const chunk = input.read() as Buffer | null;
    if (chunk !== null) {
      parts.push(chunk);
      len += chunk.length;
      continue;
    }
    if (input.readableEnded || input.destroyed) break;
    const ended = await new Promise<boolean>((resolve, reject) => {
      const done = (v: boolean, e?: unknown) => {
        input.off('readable', onReadable).off('end', onEnd).off('error', onError).off('close', onClose);
        if (e) reject(e);
        else resolve(v);
      };
      const onReadable = () => done(false);
      const onEnd = () => done(true);
      const onClose = () => done(true);
      const onError = (e: unknown) => done(true, e);
      input.on('readable', onReadable).on('end', onEnd).on('error', onError).on('close', onClose);
    });
    if (ended) break;
  }
  const head = Buffer.concat(parts);
  if (head.length > 0) input.unshift(head);
  return head;
}

function gunzip(input: Readable): Readable {
  const out = createGunzip({ chunkSize: 256 * 1024 });
  pipeline(input, out, () => {});
  return withErrorMapping(out, 'gzip');
}

function unzstd(input: Readable): Readable {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const child = spawn(ZSTD_BIN, ['-dc', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let exited = false;
  const fail = (e: unknown) => {
    if (!exited) child.kill('SIGKILL');
    input.destroy();
    out.destroy(e as Error);
  };
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    if (stderr.length < 4096) stderr += s;
  });
  child.on('error', (e) => fail(systemError(`cannot run ${ZSTD_BIN}: ${e.message}`, e)));
  child.stdin.on('error', () => {}); // EPIPE when zstd stops early; its exit status reports why
  input.on('error', fail);
  input.pipe(child.stdin);
  child.stdout.pipe(out, { end: false });
  // 'close' comes after stdout has ended, so every byte has been handed to `out` by then.
  child.on('close', (code, signal) => {
    exited = true;
    if (out.destroyed) return;
    if (code === 0) out.end();
    else out.destroy(invalidParameter(`invalid layer: zstd: ${stderr.trim() || `exit ${code ?? signal}`}`));
  });
  out.on('close', () => {
    if (!exited) {
      child.kill('SIGKILL');
      input.destroy();
    }
  });
  return out;
}

function withErrorMapping(s: Readable, what: string): Readable {
  // Only zlib's own errors mean the blob is corrupt; others (the caller's stream failing, a client
  // disconnect) pass through unchanged.
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  s.on('error', (e: NodeJS.ErrnoException) => {
    const zlibError = typeof e.code === 'string' && e.code.startsWith('Z_');
    out.destroy(isBerthError(e) || !zlibError ? e : invalidParameter(`invalid layer: ${what}: ${e.message}`));
  });
  s.pipe(out);
  out.on('close', () => s.destroy());
  return out;
}
