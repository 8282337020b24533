// Streaming tar tokenizer that keeps every byte. Besides parsed headers it hands out the raw
// header blocks (including pax / GNU long-name meta entries folded into the entry they describe),
// the padding after each entry and everything from the end-of-archive marker on, so that a
// recording of the raw bytes plus the file contents reproduces the archive exactly (tar-split).
// Parsing follows Go's archive/tar, which is what Docker uses, wherever formats are ambiguous.
import { invalidParameter } from '../common/errors.js';
import { ChunkReader } from './chunk-reader.js';

export const BLOCK = 512;
const ZERO_BLOCK = Buffer.alloc(BLOCK);
const MAX_META_SIZE = 1 << 20; // pax and long-name payloads are held in memory

export interface TarHeader {
  /** Entry name after pax `path` / GNU 'L' / ustar prefix resolution; not cleaned. */
  name: string;
  /** Type flag; the old '\0' form is normalised to '0' (or '5' for names ending in '/'). */
  type: string;
  mode: number;
  uid: number;
  gid: number;
  /** Size as declared; header-only types carry no data whatever this says. */
  size: number;
  /** Seconds since the epoch, fractional when a pax record says so. */
  mtime: number;
  atime?: number;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  /** All pax records in effect for this entry (local ones only; global headers are ignored, as Docker does). */
  pax: Map<string, Buffer>;
  /** Extended attributes from `SCHILY.xattr.<name>` pax records. */
  xattrs: Map<string, Buffer>;
}

export type TarToken =
  /** raw: every byte of the entry's header blocks, including preceding meta entries. */
  | { kind: 'header'; header: TarHeader; raw: Buffer; dataSize: number }
  /** Entry data, `dataSize` bytes in total over one or more tokens. */
  | { kind: 'data'; chunk: Buffer }
  /** The 1–511 bytes after the data up to the block boundary (not necessarily zeros). */
  | { kind: 'padding'; raw: Buffer }
  /** End-of-archive blocks and anything after them; possibly several tokens. */
  | { kind: 'trailer'; raw: Buffer };

const HEADER_ONLY_TYPES = new Set(['1', '2', '3', '4', '5', '6']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

const corrupt = (what: string) => invalidParameter(`invalid tar archive: ${what}`);
const truncated = () => corrupt('unexpected end of archive (truncated)');

export async function* readTar(source: AsyncIterable<Buffer | Uint8Array>): AsyncGenerator<TarToken> {
  const r = new ChunkReader(source);
  try {
    yield* tokens(r);
  } finally {
    await r.close();
  }
}

async function* tokens(r: ChunkReader): AsyncGenerator<TarToken> {
  let pending: Buffer[] = [];
  let pax: Map<string, Buffer> | undefined;
  let longName: string | undefined;
  let longLink: string | undefined;

  for (;;) {
    if (!(await r.fill(BLOCK))) {
      // Go's reader accepts an archive that stops cleanly at a block boundary without end blocks.
      if (r.available === 0 && pending.length === 0) return;
      throw truncated();
    }
    const block = r.take(BLOCK);
    if (block.equals(ZERO_BLOCK)) {
      yield* trailer(r, pending, block);
      return;
    }
    verifyChecksum(block);
    const type = String.fromCharCode(block[156]!);

    if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
      const size = parseNumeric(block, 124, 12, 'size');
      if (size > MAX_META_SIZE) throw corrupt(`extended header of ${size} bytes is too large`);
      const pad = padding(size);
      if (!(await r.fill(size + pad))) throw truncated();
      const data = r.take(size);
      pending.push(block, data, r.take(pad));
      if (type === 'x') pax = parsePax(data);
      else if (type === 'L') longName = decodeName(cstring(data, 0, data.length), 'GNU long name');
      else if (type === 'K') longLink = decodeName(cstring(data, 0, data.length), 'GNU long link');
      continue;
    }

    const header = parseHeader(block, pax ?? new Map(), longName, longLink);
    const dataSize = HEADER_ONLY_TYPES.has(header.type) ? 0 : header.size;
    const raw = pending.length ? Buffer.concat([...pending, block]) : block;
    pending = [];
    pax = longName = longLink = undefined;
    yield { kind: 'header', header, raw, dataSize };

    let remaining = dataSize;
    while (remaining > 0) {
      if (r.available === 0 && !(await r.more())) throw truncated();
      const chunk = r.takeUpTo(remaining);
      remaining -= chunk.length;
      yield { kind: 'data', chunk };
    }
    const pad = padding(dataSize);
    if (pad > 0) {
      // Go's reader (tryReadFull) takes a stream that stops right after the data, with no padding
      // at all, as a clean end; docker 28 sends such contexts when it appends an outside Dockerfile.
      if (!(await r.fill(pad))) {
        if (r.available === 0) return;
        throw truncated();
      }
      yield { kind: 'padding', raw: r.take(pad) };
    }
  }
}

async function* trailer(r: ChunkReader, pending: Buffer[], first: Buffer): AsyncGenerator<TarToken> {
  // As in Go, a single zero block may end the stream, but if a second block follows it must be zero too.
  if (!(await r.fill(BLOCK))) {
    if (r.available !== 0) throw truncated();
    yield { kind: 'trailer', raw: Buffer.concat([...pending, first]) };
    return;
  }
  const second = r.take(BLOCK);
  if (!second.equals(ZERO_BLOCK)) throw corrupt('invalid header block after end-of-archive marker');
  yield { kind: 'trailer', raw: Buffer.concat([...pending, first, second]) };
  while (r.available > 0 || (await r.more())) yield { kind: 'trailer', raw: r.takeUpTo(Number.MAX_SAFE_INTEGER) };
}

export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

function parseHeader(block: Buffer, pax: Map<string, Buffer>, longName?: string, longLink?: string): TarHeader {
  const type = String.fromCharCode(block[156]!);
  const magic = block.toString('latin1', 257, 263);
  let name = decodeName(cstring(block, 0, 100), 'name');
  if (magic === 'ustar\0') {
    const prefix = decodeName(cstring(block, 345, 500), 'name prefix');
    if (prefix) name = `${prefix}/${name}`;
  }
  if (longName !== undefined) name = longName;
  const linkname = longLink ?? decodeName(cstring(block, 157, 257), 'link name');

  const header: TarHeader = {
    name,
    type,
    mode: parseNumeric(block, 100, 8, 'mode'),
    uid: parseNumeric(block, 108, 8, 'uid'),
    gid: parseNumeric(block, 116, 8, 'gid'),
    size: parseNumeric(block, 124, 12, 'size'),
    mtime: parseNumeric(block, 136, 12, 'mtime'),
    linkname,
    uname: cstring(block, 265, 297).toString('utf8'),
    gname: cstring(block, 297, 329).toString('utf8'),
    devmajor: parseNumeric(block, 329, 8, 'devmajor'),
    devminor: parseNumeric(block, 337, 8, 'devminor'),
    pax,
    xattrs: new Map(),
  };
  applyPax(header, pax);
  if (type === '\0') header.type = header.name.endsWith('/') ? '5' : '0';
  return header;
}

function applyPax(h: TarHeader, pax: Map<string, Buffer>): void {
  for (const [key, value] of pax) {
    if (value.length === 0) continue; // an empty record only cancels a global default
    const str = () => decodeName(value, `pax ${key}`);
    if (key === 'path') h.name = str();
    else if (key === 'linkpath') h.linkname = str();
    else if (key === 'size') h.size = paxInteger(key, value);
    else if (key === 'uid') h.uid = paxInteger(key, value);
    else if (key === 'gid') h.gid = paxInteger(key, value);
    else if (key === 'mtime') h.mtime = paxTime(key, value);
    else if (key === 'atime') h.atime = paxTime(key, value);
    else if (key === 'uname') h.uname = value.toString('utf8');
    else if (key === 'gname') h.gname = value.toString('utf8');
    else if (key.startsWith('SCHILY.xattr.')) h.xattrs.set(key.slice('SCHILY.xattr.'.length), value);
    else if (key.startsWith('GNU.sparse.')) throw corrupt(`sparse files are not supported (pax ${key})`);
  }
}

function parsePax(data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let off = 0;
  while (off < data.length) {
    // Some writers pad the payload with NULs.
    if (data[off] === 0) break;
    const sp = data.indexOf(0x20, off);
    if (sp < 0) throw corrupt('malformed pax record');
    const len = Number(data.toString('latin1', off, sp));
    if (!Number.isInteger(len) || len <= sp - off + 1 || off + len > data.length || data[off + len - 1] !== 0x0a) {
      throw corrupt('malformed pax record');
    }
    const rec = data.subarray(sp + 1, off + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq <= 0) throw corrupt('malformed pax record');
    out.set(rec.toString('utf8', 0, eq), Buffer.from(rec.subarray(eq + 1)));
    off += len;
  }
  return out;
}

function paxInteger(key: string, v: Buffer): number {
  const s = v.toString('latin1');
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) throw corrupt(`invalid pax ${key} "${s}"`);
  return Number(s);
}

function paxTime(key: string, v: Buffer): number {
  const s = v.toString('latin1');
  if (!/^-?\d+(\.\d+)?$/.test(s)) throw corrupt(`invalid pax ${key} "${s}"`);
  return Number(s);
}

function cstring(buf: Buffer, start: number, end: number): Buffer {
  const nul = buf.indexOf(0, start);
  return buf.subarray(start, nul >= 0 && nul < end ? nul : end);
}

function decodeName(b: Buffer, what: string): string {
  try {
    return utf8.decode(b);
  } catch {
    throw corrupt(`${what} is not valid UTF-8 ("${b.toString('latin1')}")`);
  }
}

/** Octal (NUL/space padded) or base-256 (high bit set) numeric field. */
function parseNumeric(block: Buffer, off: number, len: number, what: string): number {
  const f = block.subarray(off, off + len);
  if (f[0]! & 0x80) {
    // Two's complement big-endian; the leading 0x80/0xff byte is the marker (as Go reads it).
    const inv = f[0]! & 0x40 ? 0xff : 0;
    let v = 0n;
    for (let i = 0; i < f.length; i++) v = (v << 8n) | BigInt(i === 0 ? (f[i]! ^ inv) & 0x7f : f[i]! ^ inv);
    const n = inv ? -Number(v) - 1 : Number(v);
    if (!Number.isSafeInteger(n) || (n < 0 && what !== 'mtime')) throw corrupt(`${what} field out of range`);
    return n;
  }
  let s = f.toString('latin1');
  s = s.replace(/^[ \0]+|[ \0]+$/g, '');
  const nul = s.indexOf('\0');
  if (nul >= 0) s = s.slice(0, nul);
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw corrupt(`invalid ${what} field "${s}"`);
  const n = parseInt(s, 8);
  if (!Number.isSafeInteger(n)) throw corrupt(`${what} field out of range`);
  return n;
}

function verifyChecksum(block: Buffer): void {
  const stored = parseNumeric(block, 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b < 128 ? b : b - 256;
  }
  if (stored !== unsigned && stored !== signed) throw corrupt('header checksum mismatch');
}
