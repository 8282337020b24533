// The servers the embedded DNS forwards to: the host's nameservers from /etc/resolv.conf (loopback
// ones included — berthd forwards from the host namespace, where 127.0.0.53 answers), at most three
// as Docker takes, Google's public servers when the host lists none (Docker's default), re-read
// when the file changes.
import { readFile, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { errorMessage } from '../common/errors.js';
import { log } from '../common/log.js';

export interface Upstream { host: string; port: number; family: 4 | 6 }

/** Docker's maxExtDNS. */
export const MAX_UPSTREAMS = 3;
const DEFAULT_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];
const RECHECK_MS = 5000;

/** "1.2.3.4", "1.2.3.4:5353", "::1", "[::1]:5353", "fe80::1%eth0" → host, port, family; undefined if none of these. */
export function parseUpstream(s: string): Upstream | undefined {
  let host = s.trim();
  let port = 53;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(host);
  const v4WithPort = /^([\d.]+):(\d+)$/.exec(host);
  if (bracketed) {
    host = bracketed[1]!;
    if (bracketed[2]) port = Number(bracketed[2]);
  } else if (v4WithPort) {
    host = v4WithPort[1]!;
    port = Number(v4WithPort[2]);
  }
  const family = isIP(host.replace(/%.*$/, ''));
  if (family === 0 || port < 1 || port > 65535) return undefined;
  return { host, port, family: family as 4 | 6 };
}

/** The nameservers listed in a resolv.conf text, in order. */
export function resolvConfNameservers(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const f = line.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (f[0] === 'nameserver' && f[1]) out.push(f[1]);
  }
  return out;
}

export function toUpstreams(list: string[]): Upstream[] {
  return list.map(parseUpstream).filter((u): u is Upstream => u !== undefined).slice(0, MAX_UPSTREAMS);
}

/** The host's resolvers, read from a resolv.conf without blocking and re-read when its mtime changes. */
export class HostUpstreams {
  private list: Upstream[] = [];
  private mtimeMs = -1;
  private checkedAt = 0;
  private refreshing: Promise<void> | undefined;

  constructor(private readonly path = '/etc/resolv.conf') {}

  async get(): Promise<Upstream[]> {
    if (this.mtimeMs < 0 || Date.now() - this.checkedAt > RECHECK_MS) {
      this.refreshing ??= this.refresh().finally(() => { this.refreshing = undefined; });
      // Only the first read is waited for; later ones refresh in the background.
      if (this.mtimeMs < 0) await this.refreshing;
    }
    return this.list;
  }

  private async refresh(): Promise<void> {
    this.checkedAt = Date.now();
    try {
      const st = await stat(this.path);
      if (st.mtimeMs === this.mtimeMs) return;
      const list = toUpstreams(resolvConfNameservers(await readFile(this.path, 'utf8')));
      this.list = list.length ? list : toUpstreams(DEFAULT_NAMESERVERS);
      this.mtimeMs = st.mtimeMs;
    } catch (e) {
      if (this.mtimeMs < 0) log.warn('[resolver] cannot read the host resolv.conf, using default nameservers', { path: this.path, error: errorMessage(e) });
      this.list = toUpstreams(DEFAULT_NAMESERVERS);
      this.mtimeMs = 0;
    }
  }
}
