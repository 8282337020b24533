// Compose's variable substitution (compose-go template): `$X`, `${X}`, `${X:-d}`, `${X-d}`,
// `${X:?err}`, `${X?err}`, `${X:+r}`, `${X+r}` and `$$` for a literal `$`. Defaults and
// replacements may themselves hold substitutions. Unset variables without a default become "" and
// are reported through `onMissing` (compose warns).
import { ComposeError } from './errors.js';

export type Lookup = (name: string) => string | undefined;

export interface InterpolateOptions {
  lookup: Lookup;
  /** Where the value is (`services.web.image`), for error texts. */
  path?: string;
  onMissing?: (name: string) => void;
}

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/;

function badFormat(s: string, path?: string): ComposeError {
  const where = path ? ` for ${path}` : '';
  return new ComposeError('Interpolation', `invalid interpolation format${where}: ${JSON.stringify(s)}; you may need to escape any $ with another $`);
}

/** Finds the `}` closing a `${` whose body starts at `from`, allowing nested `${…}`. */
function closingBrace(s: string, from: number): number {
  let depth = 1;
  for (let i = from; i < s.length; i++) {
    if (s[i] === '$' && s[i + 1] === '$') { i++; continue; }
    if (s[i] === '$' && s[i + 1] === '{') { depth++; i++; continue; }
    if (s[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

export function interpolate(s: string, o: InterpolateOptions): string {
  if (!s.includes('$')) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c !== '$') { out += c; i++; continue; }
    const next = s[i + 1];
    if (next === '$') { out += '$'; i += 2; continue; }
    if (next === '{') {
      const end = closingBrace(s, i + 2);
      if (end < 0) throw badFormat(s, o.path);
      out += substitute(s.slice(i + 2, end), s, o);
      i = end + 1;
      continue;
    }
    const m = NAME.exec(s.slice(i + 1));
    if (!m) {
      // A lone `$` (end of string, or `$` before a non-name character) stays as it is.
      out += '$';
      i++;
      continue;
    }
    out += value(m[0], o);
    i += 1 + m[0].length;
  }
  return out;
}

function value(name: string, o: InterpolateOptions): string {
  const v = o.lookup(name);
  if (v === undefined) {
    o.onMissing?.(name);
    return '';
  }
  return v;
}

function substitute(body: string, whole: string, o: InterpolateOptions): string {
  const m = NAME.exec(body);
  if (!m) throw badFormat(whole, o.path);
  const name = m[0];
  const rest = body.slice(name.length);
  if (rest === '') return value(name, o);
  const op = /^(:?[-?+])/.exec(rest);
  if (!op) throw badFormat(whole, o.path);
  const arg = () => interpolate(rest.slice(op[1]!.length), o);
  const v = o.lookup(name);
  const colon = op[1]!.startsWith(':');
  const unset = v === undefined || (colon && v === '');
  switch (op[1]!.slice(-1)) {
    case '-':
      return unset ? arg() : v!;
    case '?':
      if (unset) throw new ComposeError('Interpolation', `required variable ${name} is missing a value${rest.length > op[1]!.length ? `: ${arg()}` : ''}`);
      return v!;
    default: // '+'
      return unset ? '' : arg();
  }
}
