// Secrets and configs without Swarm, as docker compose v2 provides them: a file source is
// bind-mounted read-only at its target; an environment-sourced or inline (`content`) one — or
// one whose uid, gid or mode is set, which a bind mount cannot honour — is copied into the
// container as a one-file tar after it is created and before it starts. Secrets land under
// /run/secrets, configs under /; an absolute target is used as it is. Pure functions of the
// model (and the host files it names): the API calls are converge's.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { padding } from '../layer/tar-reader.js';
import { END_OF_ARCHIVE, encodeHeader } from '../layer/tar-writer.js';
import { ComposeError } from './errors.js';
import { canonicalJson } from './hash.js';
import type { ConfigObjConfig, Project, ServiceConfig, ServiceFileRef } from './model.js';

export type FileKind = 'secret' | 'config';

const SECTION = { secret: 'secrets', config: 'configs' } as const;
const BASE_DIR = { secret: '/run/secrets', config: '/' } as const;
const DEFAULT_MODE = 0o444;

/** One secret or config as a service uses it. */
export interface FileUse {
  kind: FileKind;
  /** The top-level key (`ref.source`). */
  key: string;
  ref: ServiceFileRef;
  def: ConfigObjConfig | undefined;
  /** Absolute path in the container. */
  target: string;
  /** A read-only bind of the host file, or a copy made before the container starts. */
  via: 'bind' | 'copy';
}

type Defs = Pick<Project, 'secrets' | 'configs' | 'environment'>;

export function fileTarget(kind: FileKind, ref: ServiceFileRef): string {
  const t = ref.target || ref.source;
  return t.startsWith('/') ? posix.normalize(t) : posix.join(BASE_DIR[kind], t);
}

const customised = (ref: ServiceFileRef) => ref.uid !== undefined || ref.gid !== undefined || ref.mode !== undefined;

/** The service's secrets, then its configs, in the order written. */
export function fileUses(project: Defs, s: ServiceConfig): FileUse[] {
  const out: FileUse[] = [];
  for (const kind of ['secret', 'config'] as const) {
    const defs = project[SECTION[kind]] as Record<string, ConfigObjConfig> | undefined;
    for (const ref of s[SECTION[kind]] ?? []) {
      const def = defs?.[ref.source];
      const via = def?.file !== undefined && !def.external && !customised(ref) ? 'bind' : 'copy';
      out.push({ kind, key: ref.source, ref, def, target: fileTarget(kind, ref), via });
    }
  }
  return out;
}

/**
 * The read-only bind mounts (Engine API `Mounts`) for the file-sourced uses. As compose v2, a
 * target a volume already takes is left to the volume, and a config to a secret at the same path.
 */
export function fileMounts(project: Defs, s: ServiceConfig): Array<{ Type: 'bind'; Source: string; Target: string; ReadOnly: true }> {
  const taken = new Set((s.volumes ?? []).map((v) => posix.normalize(v.target)));
  const out: Array<{ Type: 'bind'; Source: string; Target: string; ReadOnly: true }> = [];
  for (const u of fileUses(project, s)) {
    if (u.via !== 'bind' || taken.has(u.target)) continue;
    taken.add(u.target);
    out.push({ Type: 'bind', Source: u.def!.file!, Target: u.target, ReadOnly: true });
  }
  return out;
}

/** What compose v2 refuses without Swarm, whatever the source. */
function unsupported(u: FileUse): ComposeError | undefined {
  const d = u.def;
  if (!d) return new ComposeError('Invalid', `${u.kind} ${JSON.stringify(u.key)} is not defined`);
  if (d.external) return new ComposeError('Invalid', `unsupported external ${u.kind} ${d.name}`);
  if (d.driver) return new ComposeError('Invalid', `Docker Compose does not support ${SECTION[u.kind]}.*.driver`);
  if (d.template_driver) return new ComposeError('Invalid', `Docker Compose does not support ${SECTION[u.kind]}.*.template_driver`);
  return undefined;
}

function fileMissing(u: FileUse): ComposeError {
  return new ComposeError('NotFound', `${u.kind} ${JSON.stringify(u.key)} file ${JSON.stringify(u.def!.file)} not found`);
}

/** The bytes a copied use puts in the container. */
export function fileContent(project: Defs, u: FileUse): Buffer {
  const err = unsupported(u);
  if (err) throw err;
  const d = u.def!;
  if (d.file !== undefined) {
    try {
      return readFileSync(d.file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw fileMissing(u);
      if (code === 'EISDIR') throw new ComposeError('Invalid', `${u.kind} ${JSON.stringify(u.key)} file ${JSON.stringify(d.file)} is a directory: uid, gid and mode need a file`);
      throw new ComposeError('Failed', `${u.kind} ${JSON.stringify(u.key)}: ${(e as Error).message}`);
    }
  }
  if (d.environment !== undefined) {
    const v = project.environment[d.environment];
    if (v === undefined) throw new ComposeError('NotFound', `environment variable ${JSON.stringify(d.environment)} required by file ${JSON.stringify(d.name)} is not set`);
    return Buffer.from(v);
  }
  return Buffer.from(d.content ?? '');
}

function numericId(u: FileUse, what: 'uid' | 'gid'): number {
  const v = u.ref[what];
  if (v === undefined || v === '') return 0;
  // compose v2 takes numeric ids only (no user names): its error, with what it is about.
  if (!/^\d+$/.test(v)) throw new ComposeError('Invalid', `${u.kind} ${JSON.stringify(u.key)}: ${what}: strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

/**
 * Fails, before anything is created, on what would fail at create or copy time: a missing
 * file, an unset variable, an external or driver-backed definition, a non-numeric uid/gid.
 */
export function checkFileSources(project: Defs, services: Iterable<ServiceConfig>): void {
  for (const s of services) {
    for (const u of fileUses(project, s)) {
      if (u.via === 'bind') {
        const err = unsupported(u);
        if (err) throw err;
        try {
          statSync(u.def!.file!);
        } catch {
          throw fileMissing(u);
        }
        continue;
      }
      fileContent(project, u);
      numericId(u, 'uid');
      numericId(u, 'gid');
    }
  }
}

/** The tar that copies the service's copied uses in (targets absolute), or undefined when there are none. */
export function fileObjectsTar(project: Defs, s: ServiceConfig, now = new Date()): Buffer | undefined {
  const parts: Buffer[] = [];
  for (const u of fileUses(project, s)) {
    if (u.via !== 'copy') continue;
    const data = fileContent(project, u);
    parts.push(encodeHeader({
      name: u.target, type: '0', mode: u.ref.mode ?? DEFAULT_MODE, uid: numericId(u, 'uid'), gid: numericId(u, 'gid'),
      size: data.length, mtime: Math.floor(now.getTime() / 1000),
    }), data, Buffer.alloc(padding(data.length)));
  }
  return parts.length ? Buffer.concat([...parts, END_OF_ARCHIVE]) : undefined;
}

/**
 * A digest of what the service's secrets and configs hold (file bytes, variable values, inline
 * content, and the definitions), so that the config hash moves when they change and `up`
 * recreates the service. What cannot be read counts as such: loading never fails on it.
 */
export function fileSourcesDigest(project: Defs, s: ServiceConfig): string | undefined {
  const uses = fileUses(project, s);
  if (!uses.length) return undefined;
  const h = createHash('sha256');
  for (const u of uses) {
    h.update(`${u.kind}\0${u.key}\0${canonicalJson(u.def ?? null)}\0`);
    const d = u.def;
    if (d?.file !== undefined) {
      try {
        const st = statSync(d.file);
        h.update(st.isFile() ? createHash('sha256').update(readFileSync(d.file)).digest('hex') : `not a file ${st.mode}`);
      } catch {
        h.update('missing');
      }
    } else if (d?.environment !== undefined) {
      const v = project.environment[d.environment];
      h.update(v === undefined ? 'unset' : `=${v}`);
    }
    h.update('\n');
  }
  return h.digest('hex');
}
