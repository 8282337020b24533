// HTTP Basic authentication against an htpasswd file of bcrypt entries (`user:$2y$…`, as
// `htpasswd -B` writes them; distribution accepts nothing else either). The file is re-read
// when it changes. A password that verified is remembered (as its sha256, per user) until
// the file changes, so a push does not pay a bcrypt round per request.
import bcrypt from 'bcryptjs';
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { log } from '../common/log.js';

/** user → bcrypt hash. Lines that are blank, comments or not bcrypt are skipped. */
export function parseHtpasswd(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const hash = line.slice(i + 1);
    if (/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) out.set(line.slice(0, i), hash);
  }
  return out;
}

/** The credentials of an `Authorization: Basic …` header, or null. */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return null;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = text.indexOf(':');
  return i < 0 ? null : { user: text.slice(0, i), password: text.slice(i + 1) };
}

const sha = (s: string) => createHash('sha256').update(s).digest();

export class Htpasswd {
  private users = new Map<string, string>();
  private verified = new Map<string, Buffer>();
  private mtimeMs = -1;

  constructor(readonly path: string) {}

  /** Reads the file (again, if it changed since the last read). */
  async load(): Promise<void> {
    const st = await stat(this.path);
    if (st.mtimeMs === this.mtimeMs) return;
    this.users = parseHtpasswd(await readFile(this.path, 'utf8'));
    this.verified.clear();
    this.mtimeMs = st.mtimeMs;
    if (this.users.size === 0) log.warn('htpasswd file has no bcrypt entries: every request will be refused', { path: this.path });
  }

  /** The user an Authorization header authenticates, or null. */
  async authenticate(header: string | undefined): Promise<string | null> {
    const creds = parseBasicAuth(header);
    if (!creds) return null;
    await this.load().catch((e) => log.error('cannot read htpasswd file', { path: this.path, error: (e as Error).message }));
    const hash = this.users.get(creds.user);
    if (!hash) return null;
    const known = this.verified.get(creds.user);
    const digest = sha(creds.password);
    if (known && timingSafeEqual(known, digest)) return creds.user;
    if (!(await bcrypt.compare(creds.password, hash))) return null;
    this.verified.set(creds.user, digest);
    return creds.user;
  }
}
