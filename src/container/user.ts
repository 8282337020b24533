// The process user of a container, resolved from the image's /etc/passwd and /etc/group the
// way Docker does (moby/sys/user GetExecUser + GetAdditionalGroups), and the working dir.
import { chownSync, closeSync, constants, lstatSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { invalidParameter, systemError } from '../common/errors.js';
import { resolveInRoot } from '../common/rootfs-path.js';

export interface ExecUser {
  uid: number;
  gid: number;
  /** Docker's order: the primary gid, the passwd user's groups, then --group-add. */
  additionalGids: number[];
  home: string;
}

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

const MAX_ID = 2147483647;
const RANGE = 'uids and gids must be in range 0-2147483647';

// Go's strconv.Atoi: an optional sign and decimal digits, nothing else.
const atoi = (s: string): number | undefined => (/^[+-]?[0-9]+$/.test(s) ? Number(s) : undefined);

function* lines(text: string): Generator<string[]> {
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line) yield line.split(':');
  }
}

function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const f of lines(text)) out.push({ name: f[0]!, uid: atoi(f[2] ?? '') ?? 0, gid: atoi(f[3] ?? '') ?? 0, home: f[5] ?? '' });
  return out;
}

function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const f of lines(text)) out.push({ name: f[0]!, gid: atoi(f[2] ?? '') ?? 0, members: f[3] ? f[3].split(',') : [] });
  return out;
}

const inRange = (n: number) => {
  if (n < 0 || n > MAX_ID) throw invalidParameter(RANGE);
  return n;
};

/**
 * The pure part of resolveUser: `passwd`/`group` are the files' texts, null when absent.
 * `user` is '', `name`, `uid`, `name:group`, `uid:gid` or `uid:groupname`.
 */
export function execUser(user: string, passwd: string | null, group: string | null, groupAdd: readonly string[] = []): ExecUser {
  const [userArg = '', groupArg = ''] = user.split(':');
  const uidArg = atoi(userArg);
  const gidArg = atoi(groupArg);
  let uid = 0;
  let gid = 0;
  let home = '/';
  let sgids: number[] = [];

  const users = passwd === null ? [] : parsePasswd(passwd);
  const match = users.find((u) => (userArg === '' ? u.uid === 0 : uidArg !== undefined ? u.uid === uidArg : u.name === userArg));
  if (match) {
    ({ uid, gid } = match);
    home = match.home || '/';
  } else if (userArg !== '') {
    if (uidArg === undefined) throw invalidParameter(`unable to find user ${userArg}: no matching entries in passwd file`);
    uid = inRange(uidArg);
  }

  if (groupArg !== '' || match) {
    const groups = group === null ? [] : parseGroup(group);
    if (groupArg !== '') {
      const g = groups.find((e) => (gidArg !== undefined ? e.gid === gidArg : e.name === groupArg));
      if (g) gid = g.gid;
      else if (gidArg === undefined) throw invalidParameter(`unable to find group ${groupArg}: no matching entries in group file`);
      else gid = inRange(gidArg);
    } else {
      // Supplementary groups come from the file only when the group is implicit.
      for (const g of groups) if (g.members.includes(match!.name)) sgids.push(g.gid);
    }
  }
  return { uid, gid, home, additionalGids: [gid, ...sgids, ...additionalGroups(groupAdd, group)] };
}

/** --group-add: names or gids of /etc/group, or bare numbers; each gid once, first mention first. */
export function additionalGroups(groupAdd: readonly string[], group: string | null): number[] {
  if (!groupAdd.length) return [];
  const groups = group === null ? [] : parseGroup(group);
  const seen = new Set<number>();
  for (const ag of groupAdd) {
    const g = groups.find((e) => e.name === ag || String(e.gid) === ag);
    if (g) {
      seen.add(g.gid);
      continue;
    }
    const n = atoi(ag);
    if (n === undefined) throw invalidParameter(`Unable to find group ${ag}: no matching entries in group file`);
    seen.add(inRange(n));
  }
  return [...seen];
}

/** A file of the rootfs, or null if it does not exist; never read through a link out of it. */
function readInRoot(root: string, path: string): string | null {
  let fd;
  try {
    // O_NOFOLLOW: the last component cannot have become a link since it was resolved.
    fd = openSync(resolveInRoot(root, path), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw systemError(`reading ${path} of the container: ${(e as Error).message}`, e);
  }
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * The container user as Docker resolves it at start, from the files in `rootfs`. Synchronous:
 * two small files, read once per start, cost less than the promise machinery around them.
 */
export function resolveUser(rootfs: string, user: string, groupAdd: readonly string[] = []): ExecUser {
  // /etc/group is needed even for a bare user name: its memberships are the supplementary groups.
  return execUser(user, readInRoot(rootfs, '/etc/passwd'), readInRoot(rootfs, '/etc/group'), groupAdd);
}

/**
 * Creates the working dir inside the rootfs if missing, as Docker's SetupWorkingDirectory does:
 * mode 0755, new dirs owned by the container's root identity (0:0 without user namespaces);
 * existing dirs are left as they are.
 */
export function ensureWorkdir(root: string, cwd: string, uid = 0, gid = 0): void {
  if (!cwd || cwd === '/') return;
  const target = resolveInRoot(root, cwd);
  try {
    if (lstatSync(target).isDirectory()) return;
    throw invalidParameter(`Cannot mkdir: ${cwd} is not a directory`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && (e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw e;
  }
  // resolveInRoot resolved every existing component inside root; create the rest one by one,
  // never through a link (mkdir does not follow one, lstat tells us what is there).
  const base = root.length > 1 && root.endsWith('/') ? root.slice(0, -1) : root;
  let cur = base;
  for (const c of target.slice(base.length + 1).split('/')) {
    cur = `${cur}/${c}`;
    try {
      mkdirSync(cur, 0o755);
      chownSync(cur, uid, gid);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw systemError(`creating the working dir ${cwd}: ${(e as Error).message}`, e);
      if (!lstatSync(cur).isDirectory()) throw invalidParameter(`Cannot mkdir: ${cwd} is not a directory`);
    }
  }
}
