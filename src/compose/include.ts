// Top-level `include:` as compose-go v2 applies it: each entry is loaded as a project of its own
// (paths relative to its project directory, its own .env or env_file for interpolation), and its
// services, networks, volumes, secrets and configs are added to the including file's. A resource
// both sides define is an error unless the definitions are identical; includes may nest, and a
// file that includes itself, directly or not, is a cycle.
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { readDotenv } from './dotenv.js';
import { ComposeError, invalid } from './errors.js';
import { canonicalJson } from './hash.js';
import type { Lookup } from './interpolate.js';

type Raw = Record<string, unknown>;

export interface IncludeEntry {
  path: string[];
  project_directory?: string;
  env_file?: string[];
}

/** A loaded set of files, and for services that came in through an include, the variables they were loaded with. */
export interface LoadedModel {
  data: Raw;
  envOf: Map<string, Lookup>;
}

export interface IncludeContext {
  /** The including file and the files that included it, outermost first (for cycles). */
  chain: string[];
  /** Where the including file's relative paths start: its project directory. */
  workingDir: string;
  /** The variables the including file was interpolated with. */
  vars: Record<string, string>;
  /** Loads files as one model (with their own includes), relative paths against `projectDir`; `chain` is the include chain above them. */
  load(files: string[], projectDir: string, vars: Record<string, string>, chain: string[]): LoadedModel;
}

const RESOURCES = ['services', 'volumes', 'networks', 'secrets', 'configs'] as const;

const list = (v: unknown): string[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

/** The short form `- file.yaml` is `{path: [file.yaml]}`. */
export function includeEntries(v: unknown): IncludeEntry[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(`\`include\` must be a list, got ${String(v)}`);
  return v.map((e) => {
    if (typeof e === 'string') return { path: [e] };
    const o = e as Raw;
    const entry: IncludeEntry = { path: list(o.path) };
    if (o.project_directory !== undefined && o.project_directory !== null) entry.project_directory = String(o.project_directory);
    if (o.env_file !== undefined && o.env_file !== null) entry.env_file = list(o.env_file);
    return entry;
  });
}

/** Applies `data.include` (then drops it), importing into `data` and recording the imported services' variables in `envOf`. */
export function applyIncludes(data: Raw, envOf: Map<string, Lookup>, ctx: IncludeContext): void {
  for (const entry of includeEntries(data.include)) {
    const paths = entry.path.map((p) => resolve(ctx.workingDir, p));
    if (!paths.length) throw invalid('include: path must not be empty');
    const main = paths[0]!;
    if (ctx.chain.includes(main)) {
      const chain = [...ctx.chain, main];
      throw invalid(`include cycle detected:\n${chain[0]}\n include ${chain.slice(1).join('\n include ')}`);
    }
    const projectDir = entry.project_directory !== undefined ? resolve(ctx.workingDir, entry.project_directory) : dirname(main);
    const vars = includeVars(entry, projectDir, ctx);
    const sub = ctx.load(paths, projectDir, vars, ctx.chain);
    importResources(sub.data, data);
    const subLookup: Lookup = (n) => vars[n];
    for (const name of Object.keys((sub.data.services ?? {}) as Raw)) envOf.set(name, sub.envOf.get(name) ?? subLookup);
  }
  delete data.include;
}

/**
 * The included project's variables: its env files (by default its own `.env`) under the
 * including one's, which win, as compose-go merges them.
 */
function includeVars(entry: IncludeEntry, projectDir: string, ctx: IncludeContext): Record<string, string> {
  let files: string[];
  if (entry.env_file === undefined) {
    const dotenv = resolve(projectDir, '.env');
    files = existsSync(dotenv) && statSync(dotenv).isFile() ? [dotenv] : [];
  } else {
    files = entry.env_file.filter((f) => f !== '/dev/null').map((f) => {
      const path = resolve(ctx.workingDir, f);
      let st;
      try {
        st = statSync(path);
      } catch {
        throw new ComposeError('NotFound', `stat ${path}: no such file or directory`);
      }
      if (st.isDirectory()) throw invalid(`${path} is not a file`);
      return path;
    });
  }
  const fromFiles: Record<string, string> = {};
  const lookup: Lookup = (n) => ctx.vars[n];
  for (const f of files) Object.assign(fromFiles, readDotenv(f, lookup));
  return { ...fromFiles, ...ctx.vars };
}

function importResources(from: Raw, into: Raw): void {
  for (const key of RESOURCES) {
    const src = from[key] as Raw | undefined;
    if (!src) continue;
    const dst: Raw = { ...((into[key] as Raw | undefined) ?? {}) };
    for (const [name, def] of Object.entries(src)) {
      if (name in dst) {
        if (canonicalJson(dst[name]) === canonicalJson(def)) continue;
        throw invalid(`${key}.${name} conflicts with imported resource`);
      }
      dst[name] = def;
    }
    into[key] = dst;
  }
}
