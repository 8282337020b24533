// A tar of a directory tree in OCI layer form: overlay whiteouts (char 0/0) become `.wh.NAME`
// files and opaque directories get a `.wh..wh..opq` entry, the inverse of unpack.ts. Entries come
// in sorted pre-order (Go's filepath.Walk order), so the same tree always gives the same bytes.
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Stats } from 'node:fs';
import { OPAQUE_XATTR, OVERLAY_XATTR_PREFIX, getXattr, readXattrs, splitDev } from './fsutil.js';
import { OutputBatcher } from './out-batcher.js';
import { padding } from './tar-reader.js';
import { END_OF_ARCHIVE, encodeHeader, type EntryHeader } from './tar-writer.js';
import { OPAQUE_WHITEOUT, WHITEOUT_PREFIX } from './unpack.js';

export interface PackOptions {
  /**
   * Name prefix for every entry; the directory itself is then included as `<root>/` (as
   * `docker cp` archives a directory under its base name). Without it, entries are relative and
   * the directory itself is omitted, as in Docker's layer tars.
   */
  root?: string;
}

export function packDirectory(dir: string, opts: PackOptions = {}): Readable {
  return Readable.from(generate(dir, opts.root?.replace(/^\/+|\/+$/g, '') || undefined), {
    objectMode: false,
    highWaterMark: 1 << 20,
  });
}

async function* generate(dir: string, prefix: string | undefined): AsyncGenerator<Buffer> {
  // Metadata calls are synchronous: they are microseconds each, and a thread-pool round trip per
  // entry would dominate a tree of many small files. File contents go through the read-ahead.
  const out = new OutputBatcher();
  const links = new Map<string, string>(); // "dev:ino" → first entry name

  async function* visit(abs: string, name: string, st: Stats): AsyncGenerator<Buffer> {
    const xattrs = exportableXattrs(abs);
    const base: Omit<EntryHeader, 'name' | 'type' | 'size'> = {
      mode: st.mode, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000), xattrs,
    };

    // Whiteouts first: the kernel makes them hard links to one inode, and they are not links in a tar.
    if (st.isCharacterDevice() && st.rdev === 0) {
      const slash = name.lastIndexOf('/');
      const woName = `${name.slice(0, slash + 1)}${WHITEOUT_PREFIX}${name.slice(slash + 1)}`;
      out.raw(encodeHeader({ ...base, xattrs: undefined, name: woName, type: '0', mode: 0o600, size: 0 }));
      return;
    }
    if (st.isDirectory()) {
      if (name !== '') out.raw(encodeHeader({ ...base, name: `${name}/`, type: '5', size: 0 }));
      if (getXattr(abs, OPAQUE_XATTR)?.toString() === 'y') {
        out.raw(encodeHeader({
          ...base, xattrs: undefined, name: name ? `${name}/${OPAQUE_WHITEOUT}` : OPAQUE_WHITEOUT, type: '0',
          mode: st.mode & 0o777, size: 0,
        }));
      }
      for (const child of readdirSync(abs).sort()) {
        if (out.full) yield* out.drain();
        const childAbs = join(abs, child);
        yield* visit(childAbs, name ? `${name}/${child}` : child, lstatSync(childAbs));
      }
      return;
    }
    if (st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      const first = links.get(key);
      if (first !== undefined) {
        out.raw(encodeHeader({ ...base, name, type: '1', linkname: first, size: 0 }));
        return;
      }
      links.set(key, name);
    }
    if (st.isFile()) {
      out.raw(encodeHeader({ ...base, name, type: '0', size: st.size }));
      out.file(abs, st.size, abs);
      out.raw(Buffer.alloc(padding(st.size)));
    } else if (st.isSymbolicLink()) {
      out.raw(encodeHeader({ ...base, name, type: '2', linkname: readlinkSync(abs), size: 0 }));
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      const { major, minor } = splitDev(st.rdev);
      out.raw(encodeHeader({
        ...base, name, type: st.isCharacterDevice() ? '3' : '4', devmajor: major, devminor: minor, size: 0,
      }));
    } else if (st.isFIFO()) {
      out.raw(encodeHeader({ ...base, name, type: '6', size: 0 }));
    }
    // Sockets cannot be archived; Docker skips them too.
  }

  yield* visit(dir, prefix ?? '', lstatSync(dir));
  out.raw(END_OF_ARCHIVE);
  yield* out.drain(true);
}

function exportableXattrs(path: string): Map<string, Buffer> | undefined {
  const all = readXattrs(path);
  for (const name of all.keys()) if (name.startsWith(OVERLAY_XATTR_PREFIX)) all.delete(name);
  return all.size ? all : undefined;
}
