// Docker's AuthConfig: the `X-Registry-Auth` header (base64url JSON), the `POST /auth` body, and
// the `auths` entries of the CLI's config.json (base64 "user:password" in `auth`).
import { invalidParameter } from '../common/errors.js';

export interface AuthConfig {
  username?: string;
  password?: string;
  /** base64("username:password"), as stored in config.json. */
  auth?: string;
  email?: string;
  serveraddress?: string;
  /** An OAuth refresh token (a registry's `refresh_token`), used instead of the password. */
  identitytoken?: string;
  /** A bearer token sent to the registry as is. */
  registrytoken?: string;
}

/** The config.json key and default server of Docker Hub. */
export const INDEX_SERVER = 'https://index.docker.io/v1/';
export const INDEX_NAME = 'docker.io';
export const INDEX_HOSTNAME = 'index.docker.io';
/** Where docker.io's v2 API really lives. */
export const DEFAULT_REGISTRY_HOST = 'registry-1.docker.io';

/**
 * registry.DecodeAuthConfig: base64url (or standard base64) JSON. Invalid input is an
 * InvalidParameter "invalid X-Registry-Auth header: …".
 */
export function decodeAuthHeader(header: string): AuthConfig {
  let text: string;
  try {
    text = Buffer.from(header.trim(), 'base64url').toString('utf8');
  } catch (e) {
    throw invalidParameter(`invalid X-Registry-Auth header: ${(e as Error).message}`);
  }
  if (text.trim() === '') throw invalidParameter('invalid X-Registry-Auth header: EOF');
  return parseAuthJson(text);
}

/** The body form (`POST /auth`, the pre-header push API). */
export function parseAuthJson(text: string): AuthConfig {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw invalidParameter(`invalid X-Registry-Auth header: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalidParameter('invalid X-Registry-Auth header: not a JSON object');
  const o = v as Record<string, unknown>;
  const out: AuthConfig = {};
  for (const k of ['username', 'password', 'auth', 'email', 'serveraddress', 'identitytoken', 'registrytoken'] as const) {
    // Go's encoding/json matches field names case-insensitively.
    const key = Object.keys(o).find((x) => x.toLowerCase() === k);
    const val = key === undefined ? undefined : o[key];
    if (typeof val === 'string' && val !== '') out[k] = val;
  }
  return withCredentials(out);
}

/** base64url JSON, as the docker CLI sends it (`e30=` for no credentials). */
export function encodeAuthHeader(cfg: AuthConfig): string {
  const o: Record<string, string> = {};
  for (const k of ['username', 'password', 'auth', 'email', 'serveraddress', 'identitytoken', 'registrytoken'] as const) {
    if (cfg[k]) o[k] = cfg[k]!;
  }
  return Buffer.from(JSON.stringify(o)).toString('base64url');
}

/** Fills username/password from `auth` when only that was given (config.json entries). */
export function withCredentials(cfg: AuthConfig): AuthConfig {
  if ((cfg.username || cfg.password) || !cfg.auth) return cfg;
  const { username, password } = decodeBasicAuth(cfg.auth);
  return { ...cfg, username, password };
}

/** config.json's `auth`: base64("user:password"). */
export function encodeBasicAuth(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`).toString('base64');
}

export function decodeBasicAuth(auth: string): { username: string; password: string } {
  const text = Buffer.from(auth, 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i < 0) throw invalidParameter('invalid auth configuration file');
  return { username: text.slice(0, i), password: text.slice(i + 1).replace(/\0+$/, '') };
}

export function hasCredentials(cfg: AuthConfig | undefined): boolean {
  return Boolean(cfg && (cfg.username || cfg.password || cfg.identitytoken || cfg.registrytoken));
}

/**
 * registry.ConvertToHostname: `https://host:5000/v2/` → `host:5000` (scheme and path dropped).
 */
export function convertToHostname(url: string): string {
  let s = url;
  if (s.startsWith('http://')) s = s.slice(7);
  else if (s.startsWith('https://')) s = s.slice(8);
  const slash = s.indexOf('/');
  return slash < 0 ? s : s.slice(0, slash);
}

/**
 * The registry host a server address names: Docker Hub's aliases are `docker.io`, anything else
 * its hostname (registry.GetAuthConfigKey / normalization of `docker login` arguments).
 */
export function registryHostname(serverAddress: string | undefined): string {
  if (!serverAddress) return INDEX_NAME;
  const h = convertToHostname(serverAddress.trim());
  if (h === INDEX_NAME || h === INDEX_HOSTNAME || h === DEFAULT_REGISTRY_HOST || h === 'registry.docker.io') return INDEX_NAME;
  return h;
}

/** The config.json key for a registry domain (Docker Hub's is its v1 URL, as the docker CLI writes it). */
export function configKeyFor(domain: string): string {
  return registryHostname(domain) === INDEX_NAME ? INDEX_SERVER : registryHostname(domain);
}
