// Value syntaxes of compose files: Go durations ("1m30s"), byte sizes ("512m", "1gb"),
// and shellwords for string commands.
import { ComposeError } from './errors.js';

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration, in nanoseconds. */
export function parseDuration(s: string | number): number {
  if (typeof s === 'number') return s * 1e9;
  const str = s.trim();
  if (str === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let at = 0;
  const neg = str.startsWith('-');
  const body = neg || str.startsWith('+') ? str.slice(1) : str;
  while ((m = re.exec(body))) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    at = re.lastIndex;
  }
  if (at !== body.length || body.length === 0) throw new ComposeError('Invalid', `time: invalid duration ${JSON.stringify(s)}`);
  return Math.round(neg ? -total : total);
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4 };

/** docker/go-units RAMInBytes: binary units, case-insensitive, optional `b`. */
export function parseBytes(v: string | number): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtb]?b?)$/i.exec(v.trim());
  if (!m || !(m[2]!.toLowerCase() in SIZE_UNITS)) throw new ComposeError('Invalid', `invalid size: '${v}'`);
  return Math.round(Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!);
}

/** mattn/go-shellwords as compose uses it: quotes and backslashes, no expansion. */
export function shellSplit(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let have = false;
  let q: '"' | "'" | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q === "'") {
      if (c === "'") q = null;
      else cur += c;
      continue;
    }
    if (c === '\\' && i + 1 < s.length && (q === null || '"\\$`\n'.includes(s[i + 1]!))) {
      cur += s[++i];
      have = true;
      continue;
    }
    if (q === '"') {
      if (c === '"') q = null;
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") { q = c; have = true; continue; }
    if (/\s/.test(c)) {
      if (have) out.push(cur);
      cur = '';
      have = false;
      continue;
    }
    cur += c;
    have = true;
  }
  if (q) throw new ComposeError('Invalid', `invalid command line string: ${JSON.stringify(s)}`);
  if (have) out.push(cur);
  return out;
}
