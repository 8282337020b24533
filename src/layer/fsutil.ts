// The filesystem operations Node lacks: xattrs (through @napi-rs/xattr, which uses the l*xattr
// calls and so never follows symlinks) and mknod (spawned).
import { execFile } from 'node:child_process';
import { getAttributeSync, listAttributesSync, setAttributeSync } from '@napi-rs/xattr';
import { systemError } from '../common/errors.js';

export const OVERLAY_XATTR_PREFIX = 'trusted.overlay.';
export const OPAQUE_XATTR = 'trusted.overlay.opaque';
const MKNOD = '/usr/bin/mknod';

const ERRNO_ENOTSUP = 95;
const ERRNO_EPERM = 1;
const ERRNO_ENODATA = 61;

/** The errno inside @napi-rs/xattr's messages ("… (os error 95)"). */
function errnoOf(e: unknown): number | undefined {
  const m = /\(os error (\d+)\)/.exec(e instanceof Error ? e.message : String(e));
  return m ? Number(m[1]) : undefined;
}

/**
 * Sets an xattr from a layer tar. As Docker does, a filesystem that refuses the namespace
 * (ENOTSUP, EPERM) is not an error: the layer still applies without it.
 */
export function setTarXattr(path: string, name: string, value: Buffer): void {
  try {
    setAttributeSync(path, name, value);
  } catch (e) {
    const errno = errnoOf(e);
    if (errno === ERRNO_ENOTSUP || errno === ERRNO_EPERM) return;
    throw systemError(`setxattr ${name} on ${path}: ${(e as Error).message}`, e);
  }
}

export function setXattr(path: string, name: string, value: Buffer | string): void {
  try {
    setAttributeSync(path, name, value);
  } catch (e) {
    throw systemError(`setxattr ${name} on ${path}: ${(e as Error).message}`, e);
  }
}

export function getXattr(path: string, name: string): Buffer | null {
  try {
    return getAttributeSync(path, name);
  } catch (e) {
    const errno = errnoOf(e);
    if (errno === ERRNO_ENODATA || errno === ERRNO_ENOTSUP) return null;
    throw systemError(`getxattr ${name} on ${path}: ${(e as Error).message}`, e);
  }
}

/** All xattrs of a path (not following symlinks); empty where the filesystem has none. */
export function readXattrs(path: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let names: string[];
  try {
    names = listAttributesSync(path);
  } catch (e) {
    if (errnoOf(e) === ERRNO_ENOTSUP) return out;
    throw systemError(`listxattr on ${path}: ${(e as Error).message}`, e);
  }
  for (const name of names.sort()) {
    const v = getXattr(path, name);
    if (v !== null) out.set(name, v);
  }
  return out;
}

export type NodeType = 'c' | 'b' | 'p';

/** mknod(1) with an exact mode (-m is not subject to the umask). */
export function mknod(path: string, type: NodeType, mode: number, major = 0, minor = 0): Promise<void> {
  const args = ['-m', (mode & 0o7777).toString(8), '--', path, type];
  if (type !== 'p') args.push(String(major), String(minor));
  return new Promise((resolve, reject) => {
    execFile(MKNOD, args, (err, _stdout, stderr) => {
      if (err) reject(systemError(`mknod ${path}: ${String(stderr).trim() || err.message}`, err));
      else resolve();
    });
  });
}

/** Linux dev_t encoding (glibc's gnu_dev_major/minor). */
export function splitDev(rdev: number): { major: number; minor: number } {
  const hi = Math.floor(rdev / 2 ** 32);
  const lo = rdev >>> 0;
  return {
    major: ((lo >>> 8) & 0xfff) | ((hi & 0xfffff000) >>> 0),
    minor: ((lo & 0xff) | ((lo >>> 12) & 0xfff00) | ((hi & 0xfff) << 20)) >>> 0,
  };
}
