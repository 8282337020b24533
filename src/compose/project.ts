// Loading a project as docker compose v2 does: find the files (or take `-f`), read `.env` (or
// `--env-file`), interpolate, validate, normalise, resolve `extends`, merge the files, name the
// project, apply profiles and fill defaults; the result is the normalised model. Each file's
// `include:` entries are loaded as projects of their own and imported first (include.ts).
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { readDotenv } from './dotenv.js';
import { ComposeError, invalid } from './errors.js';
import { SOURCES_DIGEST, type WithSourcesDigest } from './hash.js';
import { applyIncludes, type LoadedModel } from './include.js';
import type { Lookup } from './interpolate.js';
import { mergeFiles, mergeService } from './merge.js';
import type { ConfigObjConfig, EnvFile, NetworkConfig, Project, SecretConfig, ServiceConfig, VolumeConfig } from './model.js';
import { expandPath, normalizeService, toMap } from './normalize.js';
import { fileSourcesDigest } from './secrets.js';
import { loadSource, type Source } from './source.js';
import { validateSource } from './validate.js';

type Raw = Record<string, unknown>;

export const DEFAULT_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];
const OVERRIDE_FILES = ['compose.override.yaml', 'compose.override.yml', 'docker-compose.override.yaml', 'docker-compose.override.yml'];

export interface ProjectOptions {
  files?: string[];
  projectDir?: string;
  projectName?: string;
  envFiles?: string[];
  profiles?: string[];
  /** Services named on the command line: enabled whatever their profiles. */
  services?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  interpolate?: boolean;
  onWarning?: (msg: string) => void;
}

/** The compose files: `-f`, else COMPOSE_FILE, else the first default name found here or above (plus its override). */
export function findComposeFiles(o: Pick<ProjectOptions, 'files' | 'env' | 'cwd'>): string[] {
  const cwd = o.cwd ?? process.cwd();
  const env = o.env ?? process.env;
  if (o.files?.length) return o.files.map((f) => resolve(cwd, f));
  if (env.COMPOSE_FILE) return env.COMPOSE_FILE.split(env.COMPOSE_PATH_SEPARATOR || ':').filter(Boolean).map((f) => resolve(cwd, f));
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const found = DEFAULT_FILES.find((f) => existsSync(join(dir, f)));
    if (found) {
      const override = OVERRIDE_FILES.find((f) => existsSync(join(dir, f)));
      return [join(dir, found), ...(override ? [join(dir, override)] : [])];
    }
    if (dir === dirname(dir)) break;
  }
  throw new ComposeError('NotFound', 'no configuration file provided: not found');
}

/** compose-go NormalizeProjectName: lower case, only [a-z0-9_-], no leading `_` or `-`. */
export function normalizeProjectName(s: string): string {
  return s.toLowerCase().replace(/[^-_a-z0-9]+/g, '').replace(/^[-_]+/, '');
}

export function checkProjectName(s: string): string {
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(s)) {
    throw invalid(`${JSON.stringify(s)} is not a valid project name: it must contain only characters from [a-z0-9_-] and start with [a-z0-9]`);
  }
  return s;
}

/** -p, then COMPOSE_PROJECT_NAME, then the files' `name:`, then the project directory's name. */
export function projectName(flag: string | undefined, env: Record<string, string | undefined>, fileName: unknown, projectDir: string): string {
  if (flag) return checkProjectName(flag);
  if (env.COMPOSE_PROJECT_NAME) return checkProjectName(env.COMPOSE_PROJECT_NAME);
  if (typeof fileName === 'string' && fileName !== '') return checkProjectName(fileName);
  const n = normalizeProjectName(basename(projectDir));
  if (!n) throw invalid(`project name must not be empty: set one with -p or a top-level "name:"`);
  return n;
}

interface Loaded { src: Source; data: Raw }

function loadFile(file: string, baseDir: string, lookup: (n: string) => string | undefined, o: ProjectOptions, warned: Set<string>): Loaded {
  const src = loadSource(file, {
    lookup,
    interpolate: o.interpolate,
    onMissing: (n) => {
      if (warned.has(n)) return;
      warned.add(n);
      o.onWarning?.(`The "${n}" variable is not set. Defaulting to a blank string.`);
    },
  });
  validateSource(src);
  const data: Raw = { ...src.data };
  const services: Raw = {};
  for (const [name, svc] of Object.entries((data.services ?? {}) as Raw)) {
    try {
      services[name] = normalizeService((svc ?? {}) as Raw, baseDir);
    } catch (e) {
      const line = src.lineOf(`services.${name}`);
      throw new ComposeError('Invalid', `${file}${line ? `:${line}` : ''}: services.${name}: ${(e as Error).message}`);
    }
  }
  data.services = services;
  // A secret's or config's file is relative to the project directory, as a bind mount's source.
  for (const section of ['secrets', 'configs']) {
    const defs = data[section] as Record<string, Raw | null> | undefined;
    if (!defs) continue;
    data[section] = Object.fromEntries(Object.entries(defs).map(([k, d]) => [k, d && typeof d.file === 'string' ? { ...d, file: expandPath(d.file, baseDir) } : d]));
  }
  return { src, data };
}

/**
 * Loads files as one model: each file with its includes imported, then its extends resolved,
 * then merged over the previous ones. `chain` is the include chain above these files.
 */
function loadModel(files: string[], baseDir: string, vars: Record<string, string>, o: ProjectOptions, warned: Set<string>, chain: string[]): LoadedModel {
  const lookup: Lookup = (n) => vars[n];
  const envOf = new Map<string, Lookup>();
  let merged: Raw = {};
  for (const f of files) {
    const l = loadFile(f, baseDir, lookup, o, warned);
    applyIncludes(l.data, envOf, {
      chain: [...chain, f], workingDir: baseDir, vars,
      load: (paths, projectDir, subVars, subChain) => loadModel(paths, projectDir, subVars, o, warned, subChain),
    });
    resolveExtends(l, lookup, o, warned);
    merged = mergeFiles(merged, l.data);
  }
  return { data: merged, envOf };
}

function resolveExtends(l: Loaded, lookup: (n: string) => string | undefined, o: ProjectOptions, warned: Set<string>, stack: string[] = []): void {
  const services = l.data.services as Raw;
  const resolveOne = (name: string, chain: string[]): Raw => {
    const svc = services[name] as Raw | undefined;
    if (!svc) throw invalid(`cannot extend service ${JSON.stringify(name)} in ${l.src.file}: service not found`);
    const ext = svc.extends as { service: string; file?: string } | undefined;
    if (!ext) return svc;
    const key = `${l.src.file}#${name}`;
    if (chain.includes(key)) throw invalid(`circular reference with extends in ${l.src.file}: ${[...chain, key].join(' -> ')}`);
    let base: Raw;
    if (ext.file) {
      const file = resolve(dirname(l.src.file), ext.file);
      if (stack.includes(file)) throw invalid(`circular reference with extends: ${file}`);
      const other = loadFile(file, dirname(file), lookup, o, warned);
      resolveExtends(other, lookup, o, warned, [...stack, l.src.file]);
      base = (other.data.services as Raw)[ext.service] as Raw;
      if (!base) throw invalid(`cannot extend service ${JSON.stringify(ext.service)} in ${file}: service not found`);
    } else {
      base = resolveOne(ext.service, [...chain, key]);
    }
    const { extends: _e, ...rest } = svc;
    const merged = mergeService(base, rest);
    services[name] = merged;
    return merged;
  };
  for (const name of Object.keys(services)) resolveOne(name, []);
}

function readEnvFiles(files: EnvFile[], lookup: (n: string) => string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of files) {
    if (!f.required && !existsSync(f.path)) continue;
    Object.assign(out, readDotenv(f.path, lookup));
  }
  return out;
}

/** Loads, merges and normalises the project. */
export function loadProject(o: ProjectOptions = {}): Project {
  const env = o.env ?? process.env;
  const cwd = o.cwd ?? process.cwd();
  const files = findComposeFiles(o);
  const projectDir = o.projectDir ? resolve(cwd, o.projectDir) : dirname(files[0]!);
  // Interpolation sees the process environment over the .env file (or --env-file ones).
  const osLookup = (n: string) => env[n];
  const envFiles = o.envFiles?.length ? o.envFiles.map((f) => resolve(cwd, f)) : existsSync(join(projectDir, '.env')) ? [join(projectDir, '.env')] : [];
  const dotenv: Record<string, string> = {};
  for (const f of envFiles) Object.assign(dotenv, readDotenv(f, osLookup));
  const vars: Record<string, string> = { ...dotenv };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) vars[k] = v;
  const lookup = (n: string) => vars[n];

  const warned = new Set<string>();
  const { data: merged, envOf } = loadModel(files, projectDir, vars, o, warned, []);
  const name = projectName(o.projectName, vars, merged.name, projectDir);

  const all: Record<string, ServiceConfig> = {};
  for (const [sname, raw] of Object.entries((merged.services ?? {}) as Raw)) all[sname] = finishService(sname, raw as Raw, envOf.get(sname) ?? lookup);
  if (Object.keys(all).length === 0 && !merged.services) throw invalid('no service has been defined');

  // Profiles: a service with profiles runs only when one is active or it is named.
  const active = new Set(o.profiles?.length ? o.profiles : (env.COMPOSE_PROFILES ?? '').split(',').filter(Boolean));
  const named = new Set(o.services ?? []);
  const enabled = (s: ServiceConfig) => !s.profiles?.length || s.profiles.includes('*') || [...active].includes('*') || s.profiles.some((p) => active.has(p)) || named.has(s.name);
  const services: Record<string, ServiceConfig> = {};
  const disabled: Record<string, ServiceConfig> = {};
  for (const [n, s] of Object.entries(all).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) (enabled(s) ? services : disabled)[n] = s;
  // Named services pull in what they depend on.
  for (let changed = true; changed;) {
    changed = false;
    for (const s of Object.values(services)) {
      for (const dep of Object.keys(s.depends_on ?? {})) {
        if (!services[dep] && disabled[dep]) { services[dep] = disabled[dep]!; delete disabled[dep]; changed = true; }
      }
    }
  }
  for (const n of named) if (!services[n]) throw new ComposeError('NotFound', `no such service: ${n}`);

  const networks: Record<string, NetworkConfig> = {};
  for (const [k, def] of Object.entries((merged.networks ?? {}) as Record<string, Raw | null>)) networks[k] = finishResource(name, k, def) as NetworkConfig;
  const volumes: Record<string, VolumeConfig> = {};
  for (const [k, def] of Object.entries((merged.volumes ?? {}) as Record<string, Raw | null>)) volumes[k] = finishResource(name, k, def) as VolumeConfig;
  const secrets: Record<string, SecretConfig> = {};
  for (const [k, def] of Object.entries((merged.secrets ?? {}) as Record<string, Raw | null>)) secrets[k] = finishResource(name, k, def) as SecretConfig;
  const configs: Record<string, ConfigObjConfig> = {};
  for (const [k, def] of Object.entries((merged.configs ?? {}) as Record<string, Raw | null>)) configs[k] = finishResource(name, k, def) as ConfigObjConfig;
  const usesDefault = Object.values(services).some((s) => s.networks && 'default' in s.networks);
  if (usesDefault && !networks.default) networks.default = { name: `${name}_default` };

  for (const s of Object.values(services)) {
    for (const dep of Object.keys(s.depends_on ?? {})) {
      if (!services[dep] && !disabled[dep] && s.depends_on![dep]!.required) throw invalid(`service ${JSON.stringify(s.name)} depends on undefined service ${JSON.stringify(dep)}: invalid compose project`);
    }
    for (const n of Object.keys(s.networks ?? {})) {
      if (!networks[n]) throw invalid(`service ${JSON.stringify(s.name)} refers to undefined network ${n}: invalid compose project`);
    }
    for (const v of s.volumes ?? []) {
      if (v.type === 'volume' && v.source && !volumes[v.source]) throw invalid(`service ${JSON.stringify(s.name)} refers to undefined volume ${v.source}: invalid compose project`);
    }
    for (const c of s.configs ?? []) {
      if (!configs[c.source]) throw invalid(`service ${JSON.stringify(s.name)} refers to undefined config ${c.source}: invalid compose project`);
    }
    for (const c of s.secrets ?? []) {
      if (!secrets[c.source]) throw invalid(`service ${JSON.stringify(s.name)} refers to undefined secret ${c.source}: invalid compose project`);
    }
    if (!s.image && !s.build) throw invalid(`service ${JSON.stringify(s.name)} has neither an image nor a build context specified: invalid compose project`);
  }
  for (const [k, d] of Object.entries(secrets)) {
    if (!d.external && d.file === undefined && d.environment === undefined) throw invalid(`secret ${JSON.stringify(k)} must declare either \`file\` or \`environment\`: invalid compose project`);
  }
  checkCycles(services);
  const project: Project = { name, workingDir: projectDir, configFiles: files, environment: vars, services, disabled, networks, volumes, secrets, configs };
  // Reading the sources never fails here (`down` must work without them); `up` checks them.
  for (const s of [...Object.values(services), ...Object.values(disabled)]) {
    const digest = fileSourcesDigest(project, s);
    if (digest) (s as WithSourcesDigest)[SOURCES_DIGEST] = digest;
  }
  return project;
}

/** `lookup`: the variables the service's file was loaded with (an included file has its own). */
function finishService(name: string, raw: Raw, lookup: Lookup): ServiceConfig {
  const s = { ...raw, name } as ServiceConfig;
  delete (s as Raw).extends;
  // env_file values first, `environment` over them; a bare name takes the variable's value.
  const fromFiles = s.env_file?.length ? readEnvFiles(s.env_file, lookup) : {};
  const environment: Record<string, string | null> = { ...fromFiles };
  for (const [k, v] of Object.entries(s.environment ?? {})) environment[k] = v ?? lookup(k) ?? null;
  if (Object.keys(environment).length) s.environment = environment;
  if (!s.network_mode && !s.networks) s.networks = { default: null };
  if (s.build && !s.image) delete s.image;
  return s;
}

function finishResource(project: string, key: string, def: Raw | null): NetworkConfig | VolumeConfig | SecretConfig {
  const d: Raw = { ...(def ?? {}) };
  const ext = d.external;
  if (ext && typeof ext === 'object') {
    // The legacy `external: {name: x}` form.
    d.name = (ext as Raw).name ?? d.name;
    d.external = true;
  }
  if (d.labels !== undefined) d.labels = Object.fromEntries(Object.entries(toMap(d.labels)).map(([k, v]) => [k, v ?? '']));
  d.name = d.name !== undefined ? String(d.name) : d.external ? key : `${project}_${key}`;
  return d as unknown as NetworkConfig;
}

function checkCycles(services: Record<string, ServiceConfig>): void {
  const state = new Map<string, 1 | 2>();
  const visit = (n: string, path: string[]) => {
    if (state.get(n) === 2) return;
    if (state.get(n) === 1) throw invalid(`dependency cycle detected: ${[...path, n].join(' -> ')}`);
    state.set(n, 1);
    for (const d of Object.keys(services[n]?.depends_on ?? {})) if (services[d]) visit(d, [...path, n]);
    state.set(n, 2);
  };
  for (const n of Object.keys(services)) visit(n, []);
}
