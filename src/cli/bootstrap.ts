// `berth bootstrap busybox[:tag]`: a busybox image made offline from the host's static busybox.
// The archive is deterministic (fixed mtimes, sorted entries, created = the binary's mtime), so
// the same host binary always gives the same image id; it is sent through POST /images/load.
import tar from 'tar-stream';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { posix } from 'node:path';

export const BUSYBOX_PATHS = ['/bin/busybox', '/usr/bin/busybox'];

const PASSWD = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
user:x:1000:1000:Linux User,,,:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/home:/bin/false
`;
const GROUP = `root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
lp:x:7:
mail:x:8:
kmem:x:9:
wheel:x:10:root
cdrom:x:11:
dialout:x:18:
floppy:x:19:
video:x:28:
audio:x:29:
tape:x:32:
www-data:x:33:
operator:x:37:
utmp:x:43:
plugdev:x:46:
staff:x:50:
lock:x:54:
netdev:x:82:
users:x:100:
user:x:1000:
nogroup:x:65534:
`;

interface Entry { name: string; type: 'file' | 'directory' | 'symlink'; mode: number; uid?: number; gid?: number; data?: Buffer; linkname?: string }

export function busyboxPath(): string {
  for (const p of BUSYBOX_PATHS) {
    try { if (statSync(p).isFile()) return p; } catch { /* next */ }
  }
  throw new Error('no static busybox found (install the busybox-static package)');
}

function rootfsEntries(busybox: string): Entry[] {
  const entries = new Map<string, Entry>();
  const dir = (name: string, mode = 0o755, uid = 0, gid = 0) => entries.set(name, { name, type: 'directory', mode, uid, gid });
  for (const d of ['bin', 'dev', 'etc', 'home', 'lib', 'proc', 'sbin', 'sys', 'usr', 'usr/bin', 'usr/sbin', 'var', 'var/spool', 'var/spool/mail', 'var/www']) dir(d);
  dir('root', 0o700);
  dir('tmp', 0o1777);
  dir('home/user', 0o755, 1000, 1000);
  entries.set('bin/busybox', { name: 'bin/busybox', type: 'file', mode: 0o755, data: readFileSync(busybox) });
  entries.set('etc/passwd', { name: 'etc/passwd', type: 'file', mode: 0o644, data: Buffer.from(PASSWD) });
  entries.set('etc/group', { name: 'etc/group', type: 'file', mode: 0o644, data: Buffer.from(GROUP) });
  entries.set('etc/shadow', { name: 'etc/shadow', type: 'file', mode: 0o640, data: Buffer.from(PASSWD.split('\n').filter(Boolean).map((l) => `${l.split(':')[0]}:*:10933:0:99999:7:::`).join('\n') + '\n') });
  const applets = execFileSync(busybox, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const a of applets) {
    const name = a.replace(/^\/+/, '');
    if (name === 'bin/busybox' || entries.has(name)) continue;
    for (let d = posix.dirname(name); d !== '.'; d = posix.dirname(d)) if (!entries.has(d)) dir(d);
    entries.set(name, { name, type: 'symlink', mode: 0o777, linkname: '/bin/busybox' });
  }
  return [...entries.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

function packTar(entries: Entry[], mtime: Date): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<Buffer>((resolve, reject) => {
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  for (const e of entries) {
    const header = { name: e.type === 'directory' ? e.name + '/' : e.name, type: e.type, mode: e.mode, uid: e.uid ?? 0, gid: e.gid ?? 0, mtime, linkname: e.linkname, uname: '', gname: '' };
    if (e.type === 'file') pack.entry(header, e.data!);
    else pack.entry(header);
  }
  pack.finalize();
  return done;
}

/** A docker-archive (legacy layout) holding one busybox image tagged `tag`. */
export async function busyboxArchive(repoTag: string, busybox = busyboxPath()): Promise<Buffer> {
  const mtime = new Date(Math.floor(statSync(busybox).mtimeMs / 1000) * 1000);
  const layer = await packTar(rootfsEntries(busybox), mtime);
  const diffId = 'sha256:' + createHash('sha256').update(layer).digest('hex');
  const version = execFileSync(busybox, [], { encoding: 'utf8' }).split('\n')[0].replace(/ multi-call binary\.?/, '').trim();
  const created = mtime.toISOString().replace('.000Z', 'Z');
  const config = Buffer.from(JSON.stringify({
    architecture: process.arch === 'x64' ? 'amd64' : process.arch,
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
    created,
    history: [
      { created, created_by: `berth bootstrap: ${version} from the host's static busybox` },
      { created, created_by: 'CMD ["sh"]', empty_layer: true },
    ],
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [diffId] },
  }));
  const configHex = createHash('sha256').update(config).digest('hex');
  const layerDir = diffId.slice(7);
  const colon = repoTag.lastIndexOf(':');
  const [repo, tag] = colon > repoTag.lastIndexOf('/') ? [repoTag.slice(0, colon), repoTag.slice(colon + 1)] : [repoTag, 'latest'];
  return packTar([
    { name: layerDir, type: 'directory', mode: 0o755 },
    { name: `${layerDir}/layer.tar`, type: 'file', mode: 0o644, data: layer },
    { name: `${configHex}.json`, type: 'file', mode: 0o644, data: config },
    { name: 'manifest.json', type: 'file', mode: 0o644, data: Buffer.from(JSON.stringify([{ Config: `${configHex}.json`, RepoTags: [repoTag], Layers: [`${layerDir}/layer.tar`] }])) },
    { name: 'repositories', type: 'file', mode: 0o644, data: Buffer.from(JSON.stringify({ [repo]: { [tag]: layerDir } })) },
  ], new Date(0));
}
