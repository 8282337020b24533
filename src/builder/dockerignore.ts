// .dockerignore as Docker reads and applies it: the file's lines (moby/patternmatcher
// ignorefile.ReadAll), the patterns (patternmatcher.New: Go's filepath.Match syntax checked, each
// pattern turned into an exact, prefix, suffix or regexp match the way Docker compiles it), and
// the walk of a context directory that the docker CLI's tar makes (archive.TarWithOptions:
// per-pattern results inherited from the parent directory, and an excluded directory entered only
// when an exception pattern names something below it).
//
//   const m = new IgnoreMatcher(parseDockerignore('*.md\n!README.md\n'));
//   m.excluded('CHANGES.md')  // true
//   m.excluded('README.md')   // false
//   for (const e of walkContext('/src/app', m)) e.rel  // 'Dockerfile', 'src', 'src/main.ts', …
import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { invalidParameter } from '../common/errors.js';

// ---- the file

/** Go's unicode.IsSpace set, which strings.TrimSpace trims. */
const GO_SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const TRIM_RE = new RegExp(`^${GO_SPACE}+|${GO_SPACE}+$`, 'g');

export function goTrimSpace(s: string): string {
  return s.replace(TRIM_RE, '');
}

/** Go's filepath.Clean for '/'-separated paths. */
export function goClean(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const el of p.split('/')) {
    if (el === '' || el === '.') continue;
    if (el === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(el);
  }
  const joined = out.join('/');
  return rooted ? `/${joined}` : joined || '.';
}

/**
 * The patterns of a .dockerignore file, as ReadAll returns them: a UTF-8 BOM dropped, lines
 * starting with `#` skipped (before trimming), blank lines skipped, each pattern trimmed and
 * cleaned, a leading '/' removed, `!` exceptions kept with their `!`.
 */
export function parseDockerignore(text: string): string[] {
  if (text.startsWith('\ufeff')) text = text.slice(1);
  const out: string[] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let line of lines) {
    if (line.endsWith('\r')) line = line.slice(0, -1); // bufio.ScanLines
    if (line.startsWith('#')) continue;
    let p = goTrimSpace(line);
    if (p === '') continue;
    const invert = p[0] === '!';
    if (invert) p = goTrimSpace(p.slice(1));
    if (p.length > 0) {
      p = goClean(p);
      if (p.length > 1 && p[0] === '/') p = p.slice(1);
    }
    out.push(invert ? `!${p}` : p);
  }
  return out;
}

// ---- the patterns

type MatchType = 'exact' | 'prefix' | 'suffix' | 'regexp';

interface Pattern {
  /** The cleaned pattern without its '!'. */
  text: string;
  exclusion: boolean;
  type: MatchType;
  regexp?: RegExp;
}

const BAD_PATTERN = 'syntax error in pattern'; // Go's filepath.ErrBadPattern

/** Characters Docker escapes when it turns a pattern into a regexp: `.+()|{}$`. */
const REGEXP_ESCAPED = new Set(['.', '+', '(', ')', '|', '{', '}', '$']);

/**
 * Go's filepath.Match(pattern, ".") error check: every chunk (text between unescaped stars outside
 * brackets) must have closed, non-empty classes and no trailing backslash.
 */
function checkMatchSyntax(pattern: string): boolean {
  const cps = [...pattern];
  let i = 0;
  while (i < cps.length) {
    while (i < cps.length && cps[i] === '*') i++;
    // scanChunk
    let inRange = false;
    let end = i;
    for (; end < cps.length; end++) {
      const c = cps[end];
      if (c === '\\') { if (end + 1 < cps.length) end++; }
      else if (c === '[') inRange = true;
      else if (c === ']') inRange = false;
      else if (c === '*' && !inRange) break;
    }
    if (!checkChunk(cps.slice(i, end))) return false;
    i = end;
  }
  return true;
}

function checkChunk(chunk: string[]): boolean {
  let i = 0;
  // getEsc: one (possibly escaped) character of a class; false when malformed.
  const esc = (): boolean => {
    if (i >= chunk.length || chunk[i] === '-' || chunk[i] === ']') return false;
    if (chunk[i] === '\\') {
      i++;
      if (i >= chunk.length) return false;
    }
    i++;
    return i < chunk.length;
  };
  while (i < chunk.length) {
    const c = chunk[i];
    if (c === '[') {
      i++;
      if (chunk[i] === '^') i++;
      let ranges = 0;
      for (;;) {
        if (i < chunk.length && chunk[i] === ']' && ranges > 0) { i++; break; }
        if (!esc()) return false;
        if (chunk[i] === '-') {
          i++;
          if (!esc()) return false;
        }
        ranges++;
      }
    } else if (c === '\\') {
      i++;
      if (i >= chunk.length) return false;
      i++;
    } else {
      i++;
    }
  }
  return true;
}

/** Docker's Pattern.compile: the match type and, for regexp matches, RE2 source text. */
function compile(text: string): { type: MatchType; re2?: string } {
  let re = '^';
  let type: MatchType = 'exact';
  const cps = [...text];
  for (let i = 0, n = 0; i < cps.length; n++) {
    const ch = cps[i++]!;
    if (ch === '*') {
      if (cps[i] === '*') {
        i++;
        if (cps[i] === '/') i++; // `**/` is `**`
        if (i >= cps.length) {
          // a trailing `**` matches everything below, as in .gitignore
          if (type === 'exact') type = 'prefix';
          else { re += '.*'; type = 'regexp'; }
        } else {
          re += '(.*/)?';
          type = 'regexp';
        }
        if (n === 0) type = 'suffix';
      } else {
        re += '[^/]*';
        type = 'regexp';
      }
    } else if (ch === '?') {
      re += '[^/]';
      type = 'regexp';
    } else if (REGEXP_ESCAPED.has(ch)) {
      re += `\\${ch}`;
    } else if (ch === '\\') {
      if (i < cps.length) {
        re += `\\${cps[i++]}`;
        type = 'regexp';
      } else {
        re += '\\';
      }
    } else if (ch === '[' || ch === ']') {
      re += ch;
      type = 'regexp';
    } else {
      re += ch;
    }
  }
  return type === 'regexp' ? { type, re2: `${re}$` } : { type };
}

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7f', blank: '\\t ', cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9', graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`\\{-~', space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};
const JS_SYNTAX = new Set([...'^$\\.*+?()[]{}|/-']);

/**
 * RE2 (Go regexp) source, as Docker's compile emits it, to an equivalent JavaScript regexp (u
 * flag: runes, as Go matches). Covers what a pattern can produce: classes (with POSIX names), the
 * escapes RE2 knows, and `.` not matching a newline.
 */
function re2ToJs(src: string): RegExp {
  const cps = [...src];
  let out = '';
  let i = 0;
  const escape = (c: string, inClass: boolean): string => {
    if (/[dDsSwWtnrfv]/.test(c)) return `\\${c}`;
    if (c === 'a') return '\\x07';
    if (!inClass && /[bB]/.test(c)) return `\\${c}`;
    if (!inClass && c === 'A') return '^';
    if (!inClass && c === 'z') return '$';
    if (c === 'x') {
      if (cps[i] === '{') {
        const close = cps.indexOf('}', i);
        if (close < 0) throw new Error('bad escape');
        const hex = cps.slice(i + 1, close).join('');
        i = close + 1;
        if (!/^[0-9a-fA-F]{1,6}$/.test(hex)) throw new Error('bad escape');
        return `\\u{${hex}}`;
      }
      const hex = cps.slice(i, i + 2).join('');
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new Error('bad escape');
      i += 2;
      return `\\x${hex}`;
    }
    if (/[0-9A-Za-z]/.test(c)) throw new Error('bad escape');
    return JS_SYNTAX.has(c) ? `\\${c}` : c;
  };
  while (i < cps.length) {
    const c = cps[i++]!;
    if (c === '\\') {
      if (i >= cps.length) throw new Error('trailing backslash');
      out += escape(cps[i++]!, false);
    } else if (c === '[') {
      out += '[';
      if (cps[i] === '^') { out += '^'; i++; }
      let first = true;
      for (;;) {
        if (i >= cps.length) throw new Error('missing ]');
        const d = cps[i++]!;
        if (d === ']' && !first) break;
        first = false;
        if (d === '[' && cps[i] === ':') {
          const close = cps.indexOf(':', i + 1);
          const name = close > 0 && cps[close + 1] === ']' ? cps.slice(i + 1, close).join('') : undefined;
          const negated = name?.startsWith('^');
          const cls = name !== undefined ? POSIX_CLASSES[negated ? name.slice(1) : name] : undefined;
          if (cls !== undefined && !negated) { out += cls; i = close + 2; continue; }
          if (cls !== undefined) throw new Error('negated POSIX class');
        }
        if (d === '\\') {
          if (i >= cps.length) throw new Error('trailing backslash');
          out += escape(cps[i++]!, true);
        } else if (d === '-') {
          out += '-';
        } else {
          out += JS_SYNTAX.has(d) ? `\\${d}` : d;
        }
      }
      out += ']';
    } else if (c === ']' || c === '{' || c === '}') {
      out += `\\${c}`;
    } else if (c === '.') {
      out += '[^\\n]';
    } else {
      out += c;
    }
  }
  return new RegExp(out, 'u');
}

function matchPattern(p: Pattern, path: string): boolean {
  switch (p.type) {
    case 'exact':
      return path === p.text;
    case 'prefix':
      return path.startsWith(p.text.slice(0, -2));
    case 'suffix': {
      const suffix = p.text.slice(2);
      if (path.endsWith(suffix)) return true;
      return suffix[0] === '/' && path === suffix.slice(1); // `**/foo` matches `foo`
    }
    case 'regexp':
      return p.regexp!.test(path);
  }
}

/** Per-pattern results for a directory, passed down to its entries (patternmatcher.MatchInfo). */
export type ParentMatches = readonly boolean[];

export class IgnoreMatcher {
  private readonly patterns: Pattern[] = [];
  /** Whether any pattern is a `!` exception. */
  readonly hasExceptions: boolean = false;

  constructor(patterns: readonly string[]) {
    for (let p of patterns) {
      p = goTrimSpace(p);
      if (p === '') continue;
      p = goClean(p);
      let exclusion = false;
      if (p[0] === '!') {
        if (p.length === 1) throw invalidParameter('illegal exclusion pattern: "!"');
        exclusion = true;
        p = p.slice(1);
        this.hasExceptions = true;
      }
      if (!checkMatchSyntax(p)) throw invalidParameter(BAD_PATTERN);
      const { type, re2 } = compile(p);
      let regexp: RegExp | undefined;
      if (re2 !== undefined) {
        try {
          regexp = re2ToJs(re2);
        } catch {
          throw invalidParameter(BAD_PATTERN);
        }
      }
      this.patterns.push({ text: p, exclusion, type, regexp });
    }
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  /**
   * Whether the context-relative path (slash-separated, no leading './' or '/') is excluded:
   * patternmatcher's MatchesOrParentMatches, a pattern matching the path or any of its parent
   * directories, the last matching pattern deciding. The context root itself is never excluded.
   */
  excluded(rel: string): boolean {
    const file = goClean(rel);
    if (file === '.') return false;
    const slash = file.lastIndexOf('/');
    const parents = slash < 0 ? [] : file.slice(0, slash).split('/');
    let matched = false;
    for (const p of this.patterns) {
      if (p.exclusion !== matched) continue;
      let match = matchPattern(p, file);
      for (let i = 0; !match && i < parents.length; i++) match = matchPattern(p, parents.slice(0, i + 1).join('/'));
      if (match) matched = !p.exclusion;
    }
    return matched;
  }

  /**
   * patternmatcher's MatchesUsingParentResults, what the docker CLI's tar walk uses: a pattern
   * that matched the parent directory matches the entry; others are tried on the entry itself
   * (on its parents too when `parent` is not known). Returns the per-pattern results for a
   * directory's own entries.
   */
  matchWithParent(rel: string, parent?: ParentMatches): { excluded: boolean; matches: ParentMatches } {
    const matches = new Array<boolean>(this.patterns.length).fill(false);
    let parents: string[] | undefined;
    let matched = false;
    this.patterns.forEach((p, i) => {
      let match = parent?.[i] ?? false;
      if (!match) {
        if (p.exclusion !== matched) return;
        match = matchPattern(p, rel);
        if (!match && parent === undefined) {
          const slash = rel.lastIndexOf('/');
          parents ??= slash < 0 ? [] : rel.slice(0, slash).split('/');
          for (let j = 0; !match && j < parents.length; j++) match = matchPattern(p, parents.slice(0, j + 1).join('/'));
        }
      }
      matches[i] = match;
      if (match) matched = !p.exclusion;
    });
    return { excluded: matched, matches };
  }

  /**
   * For an excluded directory: whether the walk must still enter it because an exception names
   * a path below it (`!dir/keep`). As Docker, only the exception's literal text is compared, so
   * `!**\/keep` does not reopen an excluded directory.
   */
  mustDescend(dirRel: string): boolean {
    if (!this.hasExceptions) return false;
    const dirSlash = `${dirRel}/`;
    return this.patterns.some((p) => p.exclusion && `${p.text}/`.startsWith(dirSlash));
  }
}

// ---- the walk

export interface ContextEntry {
  /** Context-relative, '/'-separated, no trailing slash. */
  rel: string;
  abs: string;
  /** lstat of the entry: symlinks are never followed. */
  stat: Stats;
}

/** Names in Go's order (byte-wise UTF-8), which is what filepath.Walk visits. */
export function sortedNames(dir: string): string[] {
  return readdirSync(dir).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/**
 * The entries of a context directory that go into its tar, in Go's filepath.Walk order (pre-order,
 * names sorted). The root itself is not an entry. Excluded files are left out; an excluded
 * directory is left out and, unless `mustDescend` says an exception may reopen something below
 * it, so is all it holds.
 */
export function* walkContext(root: string, matcher: IgnoreMatcher): Generator<ContextEntry> {
  function* visit(dirAbs: string, dirRel: string, parent: ParentMatches | undefined): Generator<ContextEntry> {
    for (const name of sortedNames(dirAbs)) {
      const abs = join(dirAbs, name);
      const rel = dirRel ? `${dirRel}/${name}` : name;
      let stat: Stats;
      try {
        stat = lstatSync(abs);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed while walking
        throw e;
      }
      const { excluded, matches } = matcher.matchWithParent(rel, parent);
      const isDir = stat.isDirectory();
      if (excluded) {
        if (isDir && matcher.mustDescend(rel)) yield* visit(abs, rel, matches);
        continue;
      }
      yield { rel, abs, stat };
      if (isDir) yield* visit(abs, rel, matches);
    }
  }
  yield* visit(root, '', undefined);
}
