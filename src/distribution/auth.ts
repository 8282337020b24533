// Registry authorization, as distribution's client and dockerd do it:
//  - Basic: the credentials on every request (none → "no basic auth credentials");
//  - Bearer: a token from the challenge's realm for the service and scopes, fetched anonymously or
//    with Basic credentials (GET), or with an identity (refresh) token (POST, OAuth2
//    refresh_token grant); a registry token is used as is. Tokens are cached per realm, service,
//    scope set and identity until shortly before they expire.
import { createHash } from 'node:crypto';
import { BerthError } from '../common/errors.js';
import type { AuthConfig } from './auth-config.js';
import { AuthError, errorFromResponse } from './errors.js';
import { readBody, type Transport } from './transport.js';
import type { Challenge } from './www-authenticate.js';

interface CachedToken { token: string; expires: number; refreshToken?: string }

/** Tokens shared by every operation of the daemon. */
export class TokenCache {
  private readonly map = new Map<string, CachedToken>();

  get(key: string): CachedToken | undefined {
    const t = this.map.get(key);
    if (t && t.expires > Date.now()) return t;
    if (t) this.map.delete(key);
    return undefined;
  }

  set(key: string, t: CachedToken): void {
    if (this.map.size > 1000) this.map.clear();
    this.map.set(key, t);
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  /** One fetch per key at a time: concurrent requests for the same scopes share it. */
  private readonly inflight = new Map<string, Promise<CachedToken>>();
  shared(key: string, fetch: () => Promise<CachedToken>): Promise<CachedToken> {
    let p = this.inflight.get(key);
    if (!p) {
      p = fetch().then((t) => { this.set(key, t); return t; }).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }
}

/** `repository:<path>:<actions>` scopes. */
export function repositoryScope(path: string, actions: string[]): string {
  return `repository:${path}:${actions.join(',')}`;
}

export interface TokenResult { token: string; refreshToken?: string }

export class Authorizer {
  private challenges: Challenge[];

  constructor(
    private readonly transport: Transport,
    challenges: Challenge[],
    private readonly creds: AuthConfig | undefined,
    private readonly cache: TokenCache,
    private readonly options: { clientId?: string; signal?: AbortSignal } = {},
  ) {
    this.challenges = challenges;
  }

  get scheme(): 'bearer' | 'basic' | 'none' {
    if (this.challenges.some((c) => c.scheme === 'bearer')) return 'bearer';
    if (this.challenges.some((c) => c.scheme === 'basic')) return 'basic';
    return 'none';
  }

  /** Learns the challenges of a 401 reply (a registry may answer the ping without one). */
  update(challenges: Challenge[]): void {
    if (challenges.length) this.challenges = challenges;
  }

  /**
   * The Authorization header for a request needing `scopes`, or undefined when the registry
   * wants none. `method` and `url` name the request in errors, as Go's url.Error does.
   */
  async header(scopes: string[], method: string, url: string, opts: { fresh?: boolean; login?: boolean } = {}): Promise<string | undefined> {
    const bearer = this.challenges.find((c) => c.scheme === 'bearer');
    if (bearer) {
      const t = await this.token(bearer, scopes, method, url, opts);
      return `Bearer ${t.token}`;
    }
    if (this.challenges.some((c) => c.scheme === 'basic')) {
      const c = this.creds;
      if (!c?.username && !c?.password) throw new AuthError(method, url, 'no basic auth credentials');
      return 'Basic ' + Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64');
    }
    return undefined;
  }

  /** A bearer token for `scopes` (cached), with the refresh token the server may have issued. */
  async token(challenge: Challenge, scopes: string[], method: string, url: string, opts: { fresh?: boolean; login?: boolean } = {}): Promise<TokenResult> {
    const c = this.creds;
    if (c?.registrytoken) return { token: c.registrytoken };
    const realm = challenge.params.realm;
    if (!realm) throw new AuthError(method, url, 'no realm specified for token auth challenge');
    const service = challenge.params.service ?? '';
    const all = [...new Set([...scopes, ...(challenge.params.scope ? challenge.params.scope.split(' ') : [])])].sort();
    const identity = c?.identitytoken ? `it:${c.identitytoken}` : c?.username ? `u:${c.username}:${c.password ?? ''}` : 'anonymous';
    const key = `${realm}|${service}|${all.join(' ')}|${createHash('sha256').update(identity).digest('hex')}`;
    if (!opts.fresh && !opts.login) {
      const hit = this.cache.get(key);
      if (hit) return { token: hit.token, refreshToken: hit.refreshToken };
    }
    const t = await this.cache.shared(opts.login ? `login|${key}` : key, () => this.fetch(realm, service, all, method, url, !!opts.login));
    return { token: t.token, refreshToken: t.refreshToken };
  }

  private async fetch(realm: string, service: string, all: string[], method: string, url: string, login: boolean): Promise<CachedToken> {
    const c = this.creds;
    let realmUrl: URL;
    try {
      realmUrl = new URL(realm);
    } catch {
      throw new AuthError(method, url, `invalid token auth challenge realm: ${realm}`);
    }
    let res;
    try {
      if (c?.identitytoken) {
        const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: c.identitytoken, service, client_id: this.options.clientId ?? 'docker' });
        if (all.length) form.set('scope', all.join(' '));
        if (login) form.set('access_type', 'offline');
        res = await this.transport.send({
          method: 'POST', url: realmUrl.href, body: Buffer.from(form.toString()),
          headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' }, signal: this.options.signal,
        });
      } else {
        const q = new URLSearchParams();
        if (c?.username) q.set('account', c.username);
        if (login) { q.set('client_id', this.options.clientId ?? 'docker'); q.set('offline_token', 'true'); }
        for (const s of all) q.append('scope', s);
        if (service) q.set('service', service);
        for (const [k, v] of q) realmUrl.searchParams.append(k, v);
        const headers: Record<string, string> = {};
        if (c?.username || c?.password) headers.Authorization = 'Basic ' + Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64');
        res = await this.transport.send({ method: 'GET', url: realmUrl.href, headers, signal: this.options.signal });
      }
    } catch (e) {
      throw new AuthError(method, url, e as BerthError);
    }
    const body = await readBody(res);
    if (res.statusCode !== 200) {
      throw new AuthError(method, url, errorFromResponse(res.statusCode ?? 500, res.headers['content-type'], body, res.headers['www-authenticate']));
    }
    let doc: { token?: string; access_token?: string; expires_in?: number; refresh_token?: string };
    try {
      doc = JSON.parse(body.toString('utf8'));
    } catch (e) {
      throw new AuthError(method, url, `unable to decode token response: ${(e as Error).message}`);
    }
    const token = doc.access_token || doc.token;
    if (!token) throw new AuthError(method, url, 'authorization server did not include a token in the response');
    const expiresIn = Math.max(60, Number(doc.expires_in) || 60);
    const entry: CachedToken = { token, expires: Date.now() + (expiresIn - 10) * 1000 };
    if (doc.refresh_token) entry.refreshToken = doc.refresh_token;
    return entry;
  }
}
