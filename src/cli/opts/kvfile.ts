// docker/cli's key/value files (--env-file, --label-file): opts.ReadKVStrings / ReadKVEnvStrings
// over pkg/kvfile as docker 28 parses them (leading whitespace dropped, `#` comments, no quote
// trimming; `KEY` alone takes its value from the environment for env files, else is dropped).
import { readFileSync } from 'node:fs';

export type LookupFn = (key: string) => string | undefined;

/** The error Go's os.Open gives, e.g. `open x.env: no such file or directory`. */
export function openError(path: string, e: NodeJS.ErrnoException): Error {
  const why: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EISDIR: 'is a directory',
    ENOTDIR: 'not a directory',
  };
  return new Error(`open ${path}: ${why[e.code ?? ''] ?? e.message}`);
}

function goByteList(b: Buffer): string {
  return `[${[...b].join(' ')}]`;
}

/** Parses one key/value file's content; `lookup` supplies values for bare keys (or drops them). */
export function parseKeyValueContent(content: Buffer, lookup?: LookupFn): string[] {
  const lines: string[] = [];
  // bufio.Scanner splits on \n and drops a trailing \r.
  const raw = content.length === 0 ? [] : splitLines(content);
  for (let n = 0; n < raw.length; n++) {
    let bytes = raw[n]!;
    if (!isValidUtf8(bytes)) throw new Error(`invalid utf8 bytes at line ${n + 1}: ${goByteList(bytes)}`);
    if (n === 0 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    const line = bytes.toString('utf8').replace(/^[\s\u0085\u00a0]+/u, '');
    if (line.length === 0 || line[0] === '#') continue;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq);
    if (key.length === 0) throw new Error(`no variable name on line '${line}'`);
    if (/[ \t]/.test(key)) throw new Error(`variable '${key}' contains whitespaces`);
    if (eq >= 0) {
      lines.push(line);
      continue;
    }
    const v = lookup?.(line);
    if (v !== undefined) lines.push(`${key}=${v}`);
  }
  return lines;
}

function splitLines(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 0x0a) {
      let end = i;
      if (end > start && b[end - 1] === 0x0d) end--;
      out.push(b.subarray(start, end));
      start = i + 1;
    }
  }
  if (start < b.length) {
    let end = b.length;
    if (b[end - 1] === 0x0d) end--;
    out.push(b.subarray(start, end));
  }
  return out;
}

function isValidUtf8(b: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

/** kvfile.Parse: the file's pairs; errors as `invalid env file (PATH): why`. */
export function parseKeyValueFile(path: string, lookup?: LookupFn): string[] {
  let content: Buffer;
  try {
    content = readFileSync(path);
  } catch (e) {
    throw openError(path, e as NodeJS.ErrnoException);
  }
  try {
    return parseKeyValueContent(content, lookup);
  } catch (e) {
    throw new Error(`invalid env file (${path}): ${(e as Error).message}`);
  }
}

const envLookup: LookupFn = (k) => process.env[k];

/** opts.ReadKVStrings: the files' pairs, then the command line's (which override). */
export function readKVStrings(files: readonly string[], override: readonly string[]): string[] {
  return [...files.flatMap((f) => parseKeyValueFile(f)), ...override];
}

/** opts.ReadKVEnvStrings: as readKVStrings, bare keys in files taken from the environment. */
export function readKVEnvStrings(files: readonly string[], override: readonly string[], lookup: LookupFn = envLookup): string[] {
  return [...files.flatMap((f) => parseKeyValueFile(f, lookup)), ...override];
}

/** opts.ConvertKVStringsToMap. */
export function kvStringsToMap(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    if (i < 0) out[v] = '';
    else out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}
