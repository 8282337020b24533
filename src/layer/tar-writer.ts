// Tar header encoding for fresh archives (packDirectory). USTAR where it fits, a pax extended
// header where it does not, as Go's archive/tar chooses. Written here rather than with
// tar-stream's pack because tar-stream encodes pax values as text, which corrupts binary xattr
// values such as security.capability, and it cannot add a pax record for a name it can fit.
import { BLOCK, padding } from './tar-reader.js';

export interface EntryHeader {
  name: string;
  /** '0' file, '1' hard link, '2' symlink, '3' char, '4' block, '5' dir, '6' fifo */
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Whole seconds. */
  mtime: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Map<string, Buffer>;
}

const NAME_LEN = 100;
const PREFIX_LEN = 155;
const isAscii = (s: string) => /^[\x00-\x7f]*$/.test(s);

/** The header blocks of one entry (a pax header first when needed); data and padding follow. */
export function encodeHeader(h: EntryHeader): Buffer {
  const pax: [string, Buffer][] = [];
  let name = h.name;
  let prefix = '';
  if (Buffer.byteLength(name) > NAME_LEN || !isAscii(name)) {
    const split = splitUstarPath(name);
    if (split) [prefix, name] = split;
    else {
      pax.push(['path', Buffer.from(h.name)]);
      name = asciiTail(h.name, NAME_LEN);
    }
  }
  let linkname = h.linkname ?? '';
  if (Buffer.byteLength(linkname) > NAME_LEN || !isAscii(linkname)) {
    pax.push(['linkpath', Buffer.from(linkname)]);
    linkname = asciiTail(linkname, NAME_LEN);
  }
  const numeric = (key: string, v: number, width: number): number => {
    if (v >= 0 && v < 8 ** (width - 1)) return v;
    pax.push([key, Buffer.from(String(v))]);
    return 0;
  };
  const uid = numeric('uid', h.uid, 8);
  const gid = numeric('gid', h.gid, 8);
  const size = numeric('size', h.size, 12);
  const mtime = numeric('mtime', h.mtime, 12);
  for (const [k, v] of [...(h.xattrs ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    pax.push([`SCHILY.xattr.${k}`, v]);
  }

  const main = ustarBlock({ ...h, name, prefix, linkname, uid, gid, size, mtime });
  if (pax.length === 0) return main;
  const body = Buffer.concat(pax.map(([k, v]) => paxRecord(k, v)));
  const slash = h.name.replace(/\/+$/, '').lastIndexOf('/');
  const paxName = asciiTail(
    `${slash >= 0 ? h.name.slice(0, slash + 1) : ''}PaxHeaders.0/${h.name.replace(/\/+$/, '').slice(slash + 1)}`,
    NAME_LEN,
  );
  const paxHeader = ustarBlock({
    name: paxName, prefix: '', type: 'x', mode: 0o644, uid: 0, gid: 0, size: body.length, mtime, linkname: '',
  });
  return Buffer.concat([paxHeader, body, Buffer.alloc(padding(body.length)), main]);
}

export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);

function paxRecord(key: string, value: Buffer): Buffer {
  // The length prefix counts its own digits.
  const rest = Buffer.byteLength(key) + value.length + 3; // ' ', '=', '\n'
  let len = rest + String(rest).length;
  if (String(len).length !== String(rest).length) len = rest + String(len).length;
  return Buffer.concat([Buffer.from(`${len} ${key}=`), value, Buffer.from('\n')]);
}

/** Splits a long ASCII path into ustar prefix and name at a '/', as Go does. */
function splitUstarPath(p: string): [string, string] | undefined {
  if (!isAscii(p) || p.length <= NAME_LEN) return undefined;
  let limit = Math.min(p.length, PREFIX_LEN + 1);
  if (limit === p.length && p.endsWith('/')) limit--;
  const i = p.lastIndexOf('/', limit - 1);
  const nameLen = p.length - i - 1;
  if (i <= 0 || nameLen > NAME_LEN || nameLen === 0 || i > PREFIX_LEN) return undefined;
  return [p.slice(0, i), p.slice(i + 1)];
}

function asciiTail(s: string, max: number): string {
  const a = s.replace(/[^\x00-\x7f]/g, '_');
  return a.length > max ? a.slice(a.length - max) : a;
}

interface UstarFields {
  name: string; prefix: string; type: string; mode: number; uid: number; gid: number; size: number; mtime: number;
  linkname: string; devmajor?: number; devminor?: number;
}

function ustarBlock(f: UstarFields): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(f.name, 0, NAME_LEN, 'utf8');
  octal(b, 100, 8, f.mode & 0o7777);
  octal(b, 108, 8, f.uid);
  octal(b, 116, 8, f.gid);
  octal(b, 124, 12, f.size);
  octal(b, 136, 12, f.mtime);
  b.write(f.type, 156, 1, 'latin1');
  b.write(f.linkname, 157, NAME_LEN, 'utf8');
  b.write('ustar\x0000', 257, 8, 'latin1');
  octal(b, 329, 8, f.devmajor ?? 0);
  octal(b, 337, 8, f.devminor ?? 0);
  b.write(f.prefix, 345, PREFIX_LEN, 'utf8');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i]!;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return b;
}

function octal(b: Buffer, off: number, width: number, v: number): void {
  b.write(v.toString(8).padStart(width - 1, '0') + '\0', off, width, 'latin1');
}
