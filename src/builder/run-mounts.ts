// RUN --mount values, parsed and validated as BuildKit's Dockerfile frontend does
// (instructions/commands_runmount.go: a CSV record of key=value fields; dockerfile2llb's
// dispatchRunMounts: defaults, targets relative to WORKDIR). Pure: nothing here touches files.
// Errors are DockerfileErrors, which the caller words with the instruction's line.
import { ramInBytes } from '../common/units.js';
import { posix } from 'node:path';
import { goQuote } from './go-format.js';
import { DockerfileError } from './parser.js';

export type MountType = 'bind' | 'cache' | 'tmpfs' | 'secret' | 'ssh';
export type CacheSharing = 'shared' | 'private' | 'locked';

export interface RunMount {
  type: MountType;
  /** As written ('' when not given); see mountTarget for the path the step sees. */
  target: string;
  /** A path in `from` (or the context); '' is its root. */
  source: string;
  /** A stage name or index, or an image; for bind, undefined is the build context. */
  from?: string;
  readonly: boolean;
  /** Cache id (cache), or the secret's / ssh agent's id. */
  id?: string;
  sharing?: CacheSharing;
  mode?: number;
  uid?: number;
  gid?: number;
  /** tmpfs size in bytes. */
  size?: number;
  /** secret and ssh: whether a missing one fails the step (undefined when not given). */
  required?: boolean;
}

const TYPES: readonly MountType[] = ['bind', 'cache', 'tmpfs', 'secret', 'ssh'];
const SHARING: readonly CacheSharing[] = ['shared', 'private', 'locked'];

const fail = (message: string): never => {
  throw new DockerfileError(message);
};

/**
 * encoding/csv's Read of one record (comma-separated, `"` quoting with `""` for a quote), with
 * Go's error texts.
 */
export function parseCsvRecord(line: string): string[] {
  const err = (col: number, what: string) => fail(`failed to parse csv mounts: parse error on line 1, column ${col}: ${what}`);
  if (line === '') fail('failed to parse csv mounts: EOF');
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] !== '"') {
      const end = line.indexOf(',', i);
      const field = end < 0 ? line.slice(i) : line.slice(i, end);
      const q = field.indexOf('"');
      if (q >= 0) err(i + q + 1, 'bare " in non-quoted-field');
      fields.push(field);
      if (end < 0) return fields;
      i = end + 1;
      continue;
    }
    let field = '';
    i++;
    for (;;) {
      const q = line.indexOf('"', i);
      if (q < 0) return err(line.length + 1, 'extraneous or missing " in quoted-field');
      field += line.slice(i, q);
      i = q + 1;
      if (line[i] === '"') { field += '"'; i++; continue; }
      if (i === line.length) { fields.push(field); return fields; }
      if (line[i] === ',') { fields.push(field); i++; break; }
      return err(i + 1, 'extraneous or missing " in quoted-field');
    }
    if (i === line.length) { fields.push(''); return fields; }
  }
}

/** strconv.ParseBool. */
function goBool(key: string, value: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return fail(`invalid value for ${key}: ${value}`);
}

/** strconv.ParseUint(value, base, 32). */
function goUint32(value: string, base: 8 | 10): number | undefined {
  const re = base === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!re.test(value)) return undefined;
  const n = parseInt(value, base);
  return n <= 0xffffffff ? n : undefined;
}

/** go-units RAMInBytes, or undefined for what it refuses. */
function sizeInBytes(value: string): number | undefined {
  try {
    return ramInBytes(value);
  } catch {
    return undefined;
  }
}

/**
 * One --mount value. Without `expand` (parse time) a value holding a variable cannot be checked
 * yet: only `from` is, which never expands (BuildKit: "define alias stage instead"), and the
 * result is undefined. With `expand` (dispatch time) every value is expanded first.
 */
export function parseRunMount(raw: string, expand?: (word: string) => string): RunMount | undefined {
  const fields = parseCsvRecord(raw);
  if (!expand) {
    for (const f of fields) {
      const eq = f.indexOf('=');
      if (eq >= 0 && f.slice(0, eq).toLowerCase() === 'from' && /\$./.test(f.slice(eq + 1))) {
        fail("'from' doesn't support variable expansion, define alias stage instead");
      }
    }
    if (raw.includes('$')) return undefined;
  }
  const m: RunMount = { type: 'bind', target: '', source: '', readonly: true };
  let roAuto = true;
  for (const field of fields) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    if (eq < 0) {
      switch (key) {
        case 'readonly': case 'ro': m.readonly = true; roAuto = false; continue;
        case 'readwrite': case 'rw': m.readonly = false; roAuto = false; continue;
        case 'required':
          if (m.type !== 'secret' && m.type !== 'ssh') fail(`unexpected key '${key}' for mount type '${m.type}'`);
          m.required = true;
          continue;
        default:
          fail(`invalid field '${field}' must be a key=value pair`);
      }
    }
    const value = expand ? expand(field.slice(eq + 1)) : field.slice(eq + 1);
    switch (key) {
      case 'type': {
        const t = value.toLowerCase() as MountType;
        if (!TYPES.includes(t)) fail(`unsupported mount type ${goQuote(value)}`);
        m.type = t;
        break;
      }
      case 'from': m.from = value; break;
      case 'source': case 'src': m.source = value; break;
      case 'target': case 'dst': case 'destination': m.target = value; break;
      case 'readonly': case 'ro': m.readonly = goBool(key, value); roAuto = false; break;
      case 'readwrite': case 'rw': m.readonly = !goBool(key, value); roAuto = false; break;
      case 'required':
        if (m.type !== 'secret' && m.type !== 'ssh') fail(`unexpected key '${key}' for mount type '${m.type}'`);
        m.required = goBool(key, value);
        break;
      case 'size': {
        if (m.type !== 'tmpfs') fail(`unexpected key '${key}' for mount type '${m.type}'`);
        const n = sizeInBytes(value);
        if (n === undefined) fail(`invalid value for ${key}: ${value}`);
        m.size = n;
        break;
      }
      case 'id': m.id = value; break;
      case 'sharing': {
        const s = value.toLowerCase() as CacheSharing;
        if (!SHARING.includes(s)) fail(`unsupported sharing value ${goQuote(value)}`);
        m.sharing = s;
        break;
      }
      case 'mode': case 'uid': case 'gid': {
        const n = goUint32(value, key === 'mode' ? 8 : 10);
        if (n === undefined) fail(`invalid value ${value} for ${key}`);
        m[key] = n;
        break;
      }
      default:
        fail(`unexpected key '${key}' in '${field}'`);
    }
  }
  validate(m, roAuto);
  return m;
}

function validate(m: RunMount, roAuto: boolean): void {
  if (m.type !== 'secret' && m.type !== 'ssh' && m.type !== 'cache') {
    for (const k of ['mode', 'uid', 'gid'] as const) if (m[k] !== undefined) fail(`${k} not allowed for ${goQuote(m.type)} type mounts`);
  }
  if (roAuto) m.readonly = m.type !== 'cache' && m.type !== 'tmpfs';
  if (m.type === 'secret') {
    if (m.from !== undefined && m.from !== '') fail('secret mount should not have a from');
    if (m.sharing) fail('secret mount should not define sharing');
    if (m.source === '' && m.target === '' && !m.id) fail('invalid secret mount. one of source, target required');
    if (m.source !== '' && m.id) fail("both source and id can't be set");
  }
  if (m.sharing && m.type !== 'cache') fail(`invalid cache sharing set for ${m.type} mount`);
  if (m.from === '') delete m.from;
}

/**
 * What berth cannot provide: its API has no session to carry secrets or an SSH agent from the
 * client. As on BuildKit, such a mount is optional unless `required`: the step runs without it
 * (a Dockerfile that only uses a secret when one is given builds as it does with `docker build`),
 * and a required one fails the build with the line named, as BuildKit fails when none is given.
 */
export function checkProvidable(m: RunMount): void {
  if (m.type !== 'secret' && m.type !== 'ssh') return;
  if (m.required !== true) return;
  const what = m.type === 'secret' ? `secret ${goQuote(m.id || posix.basename(m.target) || m.source)}` : `ssh agent ${goQuote(m.id || 'default')}`;
  fail(`--mount=type=${m.type}: berth cannot provide the ${what}: its build API has no secrets or SSH session (without required, the step runs without it)`);
}

/** Whether the step runs without this mount (an optional secret or ssh agent). */
export function isSkipped(m: RunMount): boolean {
  return m.type === 'secret' || m.type === 'ssh';
}

/** The path the step sees: relative targets are under WORKDIR; `/` itself is refused. */
export function mountTarget(m: RunMount, workdir: string): string {
  const t = posix.normalize(m.target || '.');
  const target = t.startsWith('/') ? t : posix.join('/', workdir, t);
  const clean = target.length > 1 ? target.replace(/\/+$/, '') : target;
  if (clean === '/') fail(`invalid mount target ${goQuote(clean)}`);
  return clean;
}

/** The cache id: `id=`, or the target as written, cleaned (BuildKit's path.Clean(mount.Target)). */
export function cacheId(m: RunMount): string {
  if (m.id) return m.id;
  const c = posix.normalize(m.target || '.');
  return c.length > 1 ? c.replace(/\/+$/, '') : c;
}

/** The stage or image a mount reads from, known without expansion (for the stage graph). */
export function mountFromRef(raw: string): string | undefined {
  try {
    for (const f of parseCsvRecord(raw)) {
      const eq = f.indexOf('=');
      if (eq >= 0 && f.slice(0, eq).toLowerCase() === 'from') return f.slice(eq + 1) || undefined;
    }
  } catch { /* reported when the instruction is parsed */ }
  return undefined;
}
