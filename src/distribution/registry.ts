// The registry client the daemon holds: endpoint selection (HTTPS, then HTTP for insecure
// registries, as dockerd falls back), the /v2/ ping that learns a registry's auth challenges,
// repositories with authorization for pull or push, and `docker login`'s credential check.
import { AuthError, RegistryApiError, TransportError, statusText } from './errors.js';
import { Authorizer, TokenCache } from './auth.js';
import { hasCredentials, registryHostname, type AuthConfig } from './auth-config.js';
import { endpointsFor, InsecureRegistries, type Endpoint } from './endpoints.js';
import { Repository } from './repository.js';
import { drain, Transport } from './transport.js';
import { parseChallenges, type Challenge } from './www-authenticate.js';
import { BerthError } from '../common/errors.js';

export interface RegistryClientOptions {
  insecure?: InsecureRegistries;
  userAgent?: string;
  certDirs?: string[];
}

/** An endpoint that answered the ping, with the challenges it sent. */
export interface Session { endpoint: Endpoint; challenges: Challenge[] }

export class RegistryClient {
  readonly transport: Transport;
  readonly tokens = new TokenCache();
  readonly insecure: InsecureRegistries;

  constructor(private readonly opts: RegistryClientOptions = {}) {
    this.insecure = opts.insecure ?? new InsecureRegistries();
    this.transport = new Transport(opts.userAgent ?? 'berth');
  }

  /**
   * Pings `/v2/` on each endpoint of `domain` in turn; the first that answers at all wins. When
   * none does, the last endpoint's error is thrown (dockerd's lastErr).
   */
  async connect(domain: string, signal?: AbortSignal): Promise<Session> {
    const endpoints = await endpointsFor(domain, this.insecure, this.opts.certDirs);
    let last: unknown;
    for (const endpoint of endpoints) {
      try {
        const res = await this.transport.send({ method: 'GET', url: `${endpoint.url}/v2/`, tls: { verify: endpoint.verify, files: endpoint.tls }, signal });
        drain(res);
        return { endpoint, challenges: res.statusCode === 401 ? parseChallenges(res.headers['www-authenticate']) : [] };
      } catch (e) {
        last = e;
        if (!(e instanceof TransportError) || !e.fallback) throw e;
      }
    }
    throw last;
  }

  /** A repository client authorized for `actions` (`pull`, or `pull`+`push`). */
  repository(session: Session, path: string, auth: AuthConfig | undefined, actions: string[], signal?: AbortSignal): Repository {
    const authorizer = new Authorizer(this.transport, session.challenges, hasCredentials(auth) ? auth : undefined, this.tokens, { signal });
    return new Repository(session.endpoint, path, this.transport, authorizer, actions, signal);
  }

  /**
   * registry.loginV2 on each endpoint: GET /v2/ with the credentials (a token fetched for no scope
   * on a bearer registry). Resolves with the identity token the registry issued ('' if none).
   */
  async login(auth: AuthConfig, signal?: AbortSignal): Promise<string> {
    const domain = registryHostname(auth.serveraddress);
    const endpoints = await endpointsFor(domain, this.insecure, this.opts.certDirs);
    let last: unknown;
    for (const endpoint of endpoints) {
      const url = `${endpoint.url}/v2/`;
      try {
        return await this.loginAt(endpoint, url, auth, signal);
      } catch (e) {
        last = e;
        if (!(e instanceof TransportError) || !e.fallback) throw e;
      }
    }
    throw last;
  }

  private async loginAt(endpoint: Endpoint, url: string, auth: AuthConfig, signal?: AbortSignal): Promise<string> {
    const tls = { verify: endpoint.verify, files: endpoint.tls };
    const ping = await this.transport.send({ method: 'GET', url, tls, signal });
    drain(ping);
    if (ping.statusCode === 200) return '';
    const challenges = parseChallenges(ping.headers['www-authenticate']);
    const authorizer = new Authorizer(this.transport, challenges, auth, this.tokens, { signal });
    let header: string | undefined;
    let identityToken = '';
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) {
      const t = await authorizer.token(bearer, [], 'GET', url, { login: true });
      header = `Bearer ${t.token}`;
      identityToken = t.refreshToken ?? '';
    } else {
      header = await authorizer.header([], 'GET', url);
    }
    const res = await this.transport.send({ method: 'GET', url, tls, headers: header ? { Authorization: header } : {}, signal });
    drain(res);
    if (res.statusCode === 200) return identityToken;
    throw new LoginError(`login attempt to ${url} failed with status: ${statusText(res.statusCode ?? 0)}`);
  }

  close(): void {
    this.transport.close();
  }
}

/** A refused login (the API answers 401 with this text). */
export class LoginError extends BerthError {
  constructor(message: string) {
    super('Forbidden', message);
  }
}

/** Whether an error means the registry refused the credentials (or their absence). */
export function isUnauthorized(e: unknown): boolean {
  if (e instanceof LoginError) return true;
  if (e instanceof AuthError) return e.unauthorized;
  if (e instanceof RegistryApiError) return e.unauthorized;
  return false;
}
