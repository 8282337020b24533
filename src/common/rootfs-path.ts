// Resolving a path inside a container's root filesystem as the container would see it: symlinks
// are followed relative to the rootfs (like a chroot), so an image cannot make the daemon read or
// write host files through a link such as /etc/passwd -> /../../../etc/shadow.
import { lstatSync, readlinkSync } from 'node:fs';
import { systemError } from './errors.js';

const MAX_LINKS = 40; // Linux's MAXSYMLINKS

/**
 * The host path of `path` inside `root`, with every symlink resolved within `root`. Components
 * that do not exist are appended lexically ('..' never climbs above `root`), so the result is
 * always `root` or below it; whether it exists is for the caller to find out.
 */
export function resolveInRoot(root: string, path: string): string {
  const base = root.length > 1 && root.endsWith('/') ? root.slice(0, -1) : root;
  const done: string[] = [];
  // The components still to walk, reversed so that pop() takes the next one.
  const todo = path.split('/').reverse();
  let links = 0;
  while (todo.length) {
    const c = todo.pop()!;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      done.pop();
      continue;
    }
    const host = `${base}/${done.join('/')}${done.length ? '/' : ''}${c}`;
    // Every component is checked, even past a missing one: a later '..' may climb back into
    // existing dirs, and a link there must still resolve inside the root.
    let st;
    try {
      st = lstatSync(host);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw systemError(`resolving ${path} in ${root}: ${(e as Error).message}`, e);
    }
    if (st?.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw systemError(`resolving ${path} in ${root}: too many levels of symbolic links`);
      const target = readlinkSync(host, 'utf8');
      if (target.startsWith('/')) done.length = 0;
      const parts = target.split('/');
      for (let i = parts.length - 1; i >= 0; i--) todo.push(parts[i]!);
      continue;
    }
    done.push(c);
  }
  return done.length ? `${base}/${done.join('/')}` : base;
}
