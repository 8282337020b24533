// `.env` files as compose reads them (compose-go dotenv): `KEY=VALUE` lines, optional `export `,
// `#` comments, single quotes literal, double quotes with `\n`-style escapes, unquoted values
// trimmed and cut at ` #`; unquoted and double-quoted values are interpolated against the
// variables defined so far, then `lookup` (the process environment).
import { readFileSync } from 'node:fs';
import { ComposeError } from './errors.js';
import { interpolate, type Lookup } from './interpolate.js';

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\', $: '$' };

export function parseDotenv(text: string, lookup: Lookup = () => undefined, file = '.env'): Record<string, string> {
  const out: Record<string, string> = {};
  const look: Lookup = (n) => (n in out ? out[n] : lookup(n));
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('export ')) line = line.slice(7).trimStart();
    const eq = line.search(/[=:]/);
    const key = (eq < 0 ? line : line.slice(0, eq)).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key)) {
      throw new ComposeError('Invalid', `${file}:${i + 1}: unexpected character in variable name ${JSON.stringify(key)}`);
    }
    if (eq < 0) {
      // A bare name takes its value from the environment, if there.
      const v = lookup(key);
      if (v !== undefined) out[key] = v;
      continue;
    }
    let raw = line.slice(eq + 1).trimStart();
    const q = raw[0];
    if (q === "'" || q === '"') {
      // A quoted value may span lines.
      let body = raw.slice(1);
      let end = findQuote(body, q);
      while (end < 0 && i + 1 < lines.length) {
        body += '\n' + lines[++i]!;
        end = findQuote(body, q);
      }
      if (end < 0) throw new ComposeError('Invalid', `${file}:${i + 1}: unterminated quoted value`);
      body = body.slice(0, end);
      out[key] = q === "'" ? body : interpolate(body.replace(/\\(.)/g, (m, c: string) => ESCAPES[c] ?? m), { lookup: look });
      continue;
    }
    const hash = raw.search(/\s#/);
    if (hash >= 0) raw = raw.slice(0, hash);
    out[key] = interpolate(raw.trim(), { lookup: look });
  }
  return out;
}

function findQuote(s: string, q: string): number {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && q === '"') { i++; continue; }
    if (s[i] === q) return i;
  }
  return -1;
}

export function readDotenv(path: string, lookup?: Lookup): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ComposeError('NotFound', `couldn't read env file ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
  return parseDotenv(text, lookup, path);
}
