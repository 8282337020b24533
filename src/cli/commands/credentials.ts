// The docker CLI's credentials: `$DOCKER_CONFIG/config.json` (default ~/.docker/config.json) with
// `auths` entries of base64 "user:password" (or an identity token), and credential helpers
// (`credsStore`, `credHelpers`: docker-credential-<name> get/store/erase) when the file names them.
// Other fields of the file are kept as they are.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  INDEX_NAME, INDEX_SERVER, configKeyFor, convertToHostname, decodeBasicAuth, encodeAuthHeader, encodeBasicAuth,
  registryHostname, type AuthConfig,
} from '../../distribution/auth-config.js';
import { StatusError } from '../context.js';

interface ConfigFile {
  auths?: Record<string, { auth?: string; identitytoken?: string; email?: string; username?: string; password?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [k: string]: unknown;
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || join(homedir(), '.docker');
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'config.json');
}

function load(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  if (text.trim() === '') return {};
  try {
    const doc = JSON.parse(text) as ConfigFile;
    return doc && typeof doc === 'object' ? doc : {};
  } catch (e) {
    throw new StatusError(`loading config file: ${path}: ${(e as Error).message}`, 1);
  }
}

/** Written as the docker CLI writes it: tab-indented JSON, mode 0600, replaced atomically. */
function save(path: string, cfg: ConfigFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(cfg, null, '\t'), { mode: 0o600 });
  renameSync(tmp, path);
}

/** The helper for a registry key, if the file names one. */
function helperFor(cfg: ConfigFile, key: string): string | undefined {
  return cfg.credHelpers?.[registryHostname(key) === INDEX_NAME ? INDEX_SERVER : convertToHostname(key)] ?? cfg.credHelpers?.[key] ?? cfg.credsStore;
}

function runHelper(helper: string, action: 'get' | 'store' | 'erase', input: string): string {
  const r = spawnSync(`docker-credential-${helper}`, [action], { input, encoding: 'utf8' });
  if (r.error) throw new StatusError(`error getting credentials - err: ${r.error.message}, out: \`\``, 1);
  if (r.status !== 0) {
    const out = (r.stdout || r.stderr || '').trim();
    if (action === 'get' && /credentials not found/i.test(out)) return '';
    throw new StatusError(`error ${action === 'get' ? 'getting' : action === 'store' ? 'storing' : 'erasing'} credentials - err: exit status ${r.status}, out: \`${out}\``, 1);
  }
  return r.stdout;
}

/** The stored credentials for a registry domain (`docker.io`, `127.0.0.1:5000`), if any. */
export function credentialsFor(domain: string, env: NodeJS.ProcessEnv = process.env): AuthConfig | undefined {
  const cfg = load(configPath(env));
  const key = configKeyFor(domain);
  const helper = helperFor(cfg, key);
  if (helper) {
    const out = runHelper(helper, 'get', key);
    if (!out.trim()) return undefined;
    const c = JSON.parse(out) as { Username?: string; Secret?: string };
    if (c.Username === '<token>') return { identitytoken: c.Secret, serveraddress: key };
    return { username: c.Username, password: c.Secret, serveraddress: key };
  }
  const auths = cfg.auths ?? {};
  // An exact key first, then any key naming the same host (`https://host/v1/`, `http://host`).
  const found = auths[key] ?? Object.entries(auths).find(([k]) => configKeyFor(k) === key)?.[1];
  if (!found) return undefined;
  const out: AuthConfig = { serveraddress: key };
  if (found.auth) Object.assign(out, decodeBasicAuth(found.auth));
  if (found.username) out.username = found.username;
  if (found.password) out.password = found.password;
  if (found.identitytoken) out.identitytoken = found.identitytoken;
  return out;
}

/** The X-Registry-Auth header value for a registry domain (`e30=` when there are no credentials). */
export function authHeaderFor(domain: string): string {
  const c = credentialsFor(domain);
  return encodeAuthHeader(c ?? {});
}

/** Stores credentials; true when they went to the file in clear (base64) rather than a helper. */
export function storeCredentials(c: AuthConfig, env: NodeJS.ProcessEnv = process.env): boolean {
  const path = configPath(env);
  const cfg = load(path);
  const key = configKeyFor(c.serveraddress ?? INDEX_SERVER);
  const helper = helperFor(cfg, key);
  if (helper) {
    const secret = c.identitytoken ? { Username: '<token>', Secret: c.identitytoken } : { Username: c.username ?? '', Secret: c.password ?? '' };
    runHelper(helper, 'store', JSON.stringify({ ServerURL: key, ...secret }));
    cfg.auths ??= {};
    cfg.auths[key] = {};
    save(path, cfg);
    return false;
  }
  cfg.auths ??= {};
  const entry: { auth?: string; identitytoken?: string } = {};
  if (c.identitytoken) {
    entry.auth = encodeBasicAuth(c.username ?? '', '');
    entry.identitytoken = c.identitytoken;
  } else {
    entry.auth = encodeBasicAuth(c.username ?? '', c.password ?? '');
  }
  cfg.auths[key] = entry;
  save(path, cfg);
  return true;
}

/** Removes every entry naming `server`; whether any existed. */
export function eraseCredentials(server: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const path = configPath(env);
  const cfg = load(path);
  const key = configKeyFor(server);
  const keys = Object.keys(cfg.auths ?? {}).filter((k) => configKeyFor(k) === key);
  const helper = helperFor(cfg, key);
  if (helper) {
    try { runHelper(helper, 'erase', key); } catch { /* not stored there */ }
  }
  if (keys.length === 0 && !cfg.auths) return false;
  for (const k of keys) delete cfg.auths![k];
  save(path, cfg);
  return keys.length > 0;
}
