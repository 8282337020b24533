// Docker image references: a port of github.com/distribution/reference (regexp.go, reference.go,
// normalize.go, helpers.go), the digest checks of github.com/opencontainers/go-digest it relies on,
// Go's path.Match (for FamiliarMatch), and the moby helpers that turn API form values into
// references (httputils.RepoTagReference, the image tag route, the client's ImageTag checks).
//
// Grammar (reference.go):
//
//   reference        := name [ ":" tag ] [ "@" digest ]
//   name             := [domain '/'] remote-name
//   domain           := host [':' port-number]
//   host             := domain-name | IPv4address | \[ IPv6address \]
//   domain-name      := domain-component ['.' domain-component]*
//   domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
//   port-number      := /[0-9]+/
//   path-component   := alpha-numeric [separator alpha-numeric]*
//   remote-name      := path-component ['/' path-component]*
//   alpha-numeric    := /[a-z0-9]+/
//   separator        := /[_.]|__|[-]*/
//   tag              := /[\w][\w.-]{0,127}/
//   digest           := digest-algorithm ":" digest-hex
//   identifier       := /[a-f0-9]{64}/
//
// Every error is a BerthError with code 'InvalidParameter' carrying the Go error text verbatim.

import { invalidParameter } from '../common/errors.js';

/** A named reference. `domain` may be '' only for references built by `parseReference` (un-normalized). */
export interface Reference {
  domain: string;
  path: string;
  tag?: string;
  digest?: string;
}

/** A digest-only reference (`sha256:<hex>` or a bare 64-hex image id), as ParseAnyReference returns. */
export interface DigestReference {
  digest: string;
  domain?: undefined;
  path?: undefined;
  tag?: undefined;
}

export type AnyReference = Reference | DigestReference;

// ---------------------------------------------------------------------------------------------
// regexp.go

const optional = (...res: string[]) => `(?:${res.join('')})?`;
const anyTimes = (...res: string[]) => `(?:${res.join('')})*`;
const capture = (...res: string[]) => `(${res.join('')})`;
const anchored = (...res: string[]) => `^${res.join('')}$`;

const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const localhost = 'localhost';
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const optionalPort = '(?::[0-9]+)?';
const tagPat = '[\\w][\\w.-]{0,127}';
// Go's [[:xdigit:]] is [0-9A-Fa-f].
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}';
const identifier = '([a-f0-9]{64})';
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = domainNameComponent + anyTimes('\\.', domainNameComponent);
const host = `(?:${domainName}|${ipv6address})`;
const domainAndPort = host + optionalPort;
const pathComponent = alphanumeric + anyTimes(separator, alphanumeric);
const remoteName = pathComponent + anyTimes('/', pathComponent);
const namePat = optional(domainAndPort, '/') + remoteName;
const anchoredNamePat = anchored(optional(capture(domainAndPort), '/'), capture(remoteName));
const referencePat = anchored(capture(namePat), optional(':', capture(tagPat)), optional('@', capture(digestPat)));

/** Unanchored patterns, as the Go package exports them (DomainRegexp, NameRegexp, TagRegexp, ...). */
export const DOMAIN_PATTERN = domainAndPort;
export const NAME_PATTERN = namePat;
export const TAG_PATTERN = tagPat;
export const DIGEST_PATTERN = digestPat;
export const IDENTIFIER_PATTERN = identifier;

const referenceRegexp = new RegExp(referencePat);
const anchoredNameRegexp = new RegExp(anchoredNamePat);
const anchoredTagRegexp = new RegExp(anchored(tagPat));
const anchoredDigestRegexp = new RegExp(anchored(digestPat));
const anchoredIdentifierRegexp = new RegExp(anchored(identifier));
const anchoredDomainRegexp = new RegExp(anchored(domainAndPort));

// ---------------------------------------------------------------------------------------------
// reference.go

/** RepositoryNameTotalLengthMax: the maximum length of the path (remote name) of a repository. */
export const REPOSITORY_NAME_TOTAL_LENGTH_MAX = 255;

const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
const DEFAULT_TAG = 'latest';

/** Error texts of distribution/reference and go-digest, exactly as Go prints them. */
export const REFERENCE_ERRORS = {
  invalidFormat: 'invalid reference format',
  tagInvalidFormat: 'invalid tag format',
  digestInvalidFormat: 'invalid digest format',
  nameContainsUppercase: 'repository name must be lowercase',
  nameEmpty: 'repository name must have at least one component',
  nameTooLong: `repository name must not be more than ${REPOSITORY_NAME_TOTAL_LENGTH_MAX} characters`,
  nameNotCanonical: 'repository name must be canonical',
  // go-digest
  checksumInvalidFormat: 'invalid checksum digest format',
  checksumInvalidLength: 'invalid checksum digest length',
  digestUnsupported: 'unsupported digest algorithm',
  // path.Match
  badPattern: 'syntax error in pattern',
} as const;

const fail = (msg: string): never => {
  throw invalidParameter(msg);
};

/** go-digest's registered hex algorithms and their encoded lengths (sha256/384/512). */
const DIGEST_ALGORITHMS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
const goDigestAnchored = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/**
 * go-digest's Digest.Validate: returns the Go error text, or undefined when `s` is a valid digest of a
 * registered algorithm (sha256, sha384, sha512; lowercase hex of the exact length).
 */
export function digestError(s: string): string | undefined {
  const i = s.indexOf(':');
  if (i <= 0 || i + 1 === s.length) return REFERENCE_ERRORS.checksumInvalidFormat;
  const alg = s.slice(0, i);
  const encoded = s.slice(i + 1);
  const size = Object.prototype.hasOwnProperty.call(DIGEST_ALGORITHMS, alg) ? DIGEST_ALGORITHMS[alg] : undefined;
  if (size === undefined) {
    return goDigestAnchored.test(s) ? REFERENCE_ERRORS.digestUnsupported : REFERENCE_ERRORS.checksumInvalidFormat;
  }
  if (encoded.length !== size) return REFERENCE_ERRORS.checksumInvalidLength;
  return /^[a-f0-9]+$/.test(encoded) ? undefined : REFERENCE_ERRORS.checksumInvalidFormat;
}

function splitDomain(name: string): { domain: string; path: string } {
  const m = anchoredNameRegexp.exec(name);
  if (!m) return { domain: '', path: name };
  return { domain: m[1] ?? '', path: m[2] };
}

/**
 * reference.Parse: parses a reference WITHOUT normalization (no docker.io / library/ defaults).
 * The domain is whatever the grammar recognises ('' when none). A name is required (Go's Parse also
 * accepts nothing else: `@sha256:...` alone is "invalid reference format").
 */
export function parseReference(s: string): Reference {
  if (s === '') fail(REFERENCE_ERRORS.nameEmpty);
  const m = referenceRegexp.exec(s);
  if (!m) {
    const sl = s.toLowerCase();
    if (sl !== s && referenceRegexp.test(sl)) fail(REFERENCE_ERRORS.nameContainsUppercase);
    return fail(REFERENCE_ERRORS.invalidFormat);
  }
  const { domain, path } = splitDomain(m[1]);
  if (path.length > REPOSITORY_NAME_TOTAL_LENGTH_MAX) fail(REFERENCE_ERRORS.nameTooLong);
  const ref: Reference = { domain, path };
  if (m[2]) ref.tag = m[2];
  if (m[3]) {
    const err = digestError(m[3]);
    if (err) fail(err);
    ref.digest = m[3];
  }
  return ref;
}

/** reference.WithName: a name-only reference (no normalization). */
export function withName(name: string): Reference {
  const m = anchoredNameRegexp.exec(name);
  if (!m) return fail(REFERENCE_ERRORS.invalidFormat);
  if (m[2].length > REPOSITORY_NAME_TOTAL_LENGTH_MAX) fail(REFERENCE_ERRORS.nameTooLong);
  return { domain: m[1] ?? '', path: m[2] };
}

/** reference.WithTag: `ref` with its tag replaced (a digest is kept). Error `invalid tag format`. */
export function withTag(ref: Reference, tag: string): Reference {
  if (!anchoredTagRegexp.test(tag)) fail(REFERENCE_ERRORS.tagInvalidFormat);
  const out: Reference = { domain: ref.domain, path: ref.path, tag };
  if (ref.digest) out.digest = ref.digest;
  return out;
}

/** reference.WithDigest: `ref` with its digest replaced (a tag is kept). Error `invalid digest format`. */
export function withDigest(ref: Reference, digest: string): Reference {
  if (!anchoredDigestRegexp.test(digest)) fail(REFERENCE_ERRORS.digestInvalidFormat);
  const out: Reference = { domain: ref.domain, path: ref.path };
  if (ref.tag) out.tag = ref.tag;
  out.digest = digest;
  return out;
}

/** reference.TrimNamed: the name without tag or digest. */
export function trimNamed(ref: Reference): Reference {
  return { domain: ref.domain, path: ref.path };
}

/** True when the value is a named reference (not a digest-only one). */
export function isNamed(ref: AnyReference): ref is Reference {
  return typeof ref.path === 'string';
}

/** reference.IsNameOnly: neither tag nor digest. */
export function isNameOnly(ref: Reference): boolean {
  return !ref.tag && !ref.digest;
}

/** Named.Name(): `docker.io/library/busybox`. */
export function fullName(ref: Reference): string {
  return ref.domain === '' ? ref.path : `${ref.domain}/${ref.path}`;
}

/** Reference.String(): `docker.io/library/busybox:latest@sha256:...`; a digest reference is its digest. */
export function fullString(ref: AnyReference): string {
  if (!isNamed(ref)) return ref.digest;
  return fullName(ref) + (ref.tag ? `:${ref.tag}` : '') + (ref.digest ? `@${ref.digest}` : '');
}

// ---------------------------------------------------------------------------------------------
// normalize.go

/** splitDockerDomain: the domain and remote name of a (not yet validated) familiar name. */
function splitDockerDomain(name: string): { domain: string; remainder: string } {
  const slash = name.indexOf('/');
  if (slash < 0) return { domain: DEFAULT_DOMAIN, remainder: OFFICIAL_REPO_PREFIX + name };
  const maybeDomain = name.slice(0, slash);
  const maybeRemote = name.slice(slash + 1);
  let domain: string;
  let remainder: string;
  if (maybeDomain === localhost) {
    [domain, remainder] = [maybeDomain, maybeRemote];
  } else if (maybeDomain === LEGACY_DEFAULT_DOMAIN) {
    [domain, remainder] = [DEFAULT_DOMAIN, maybeRemote];
  } else if (/[.:]/.test(maybeDomain)) {
    [domain, remainder] = [maybeDomain, maybeRemote];
  } else if (maybeDomain.toLowerCase() !== maybeDomain) {
    // Uppercase namespaces are not allowed, so an uppercase first element is taken as a domain.
    [domain, remainder] = [maybeDomain, maybeRemote];
  } else {
    [domain, remainder] = [DEFAULT_DOMAIN, name];
  }
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return { domain, remainder };
}

/**
 * reference.ParseNormalizedNamed: `busybox` → docker.io/library/busybox, `index.docker.io/x` →
 * docker.io/library/x, `host:5000/ns/repo:tag@sha256:...` kept as is.
 */
export function parseNormalizedNamed(s: string): Reference {
  if (anchoredIdentifierRegexp.test(s)) {
    fail(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  }
  const { domain, remainder } = splitDockerDomain(s);
  const tagSep = remainder.indexOf(':');
  const remote = tagSep > -1 ? remainder.slice(0, tagSep) : remainder;
  if (remote.toLowerCase() !== remote) {
    fail(`invalid reference format: repository name (${remote}) must be lowercase`);
  }
  return parseReference(`${domain}/${remainder}`);
}

/** reference.ParseNamed: like parseNormalizedNamed, but `s` must already be canonical (fully qualified). */
export function parseNamed(s: string): Reference {
  const ref = parseNormalizedNamed(s);
  if (fullString(ref) !== s) fail(REFERENCE_ERRORS.nameNotCanonical);
  return ref;
}

/**
 * reference.ParseDockerRef: normalized, with `:latest` added to a bare name; when both a tag and a
 * digest are given only the digest is kept.
 */
export function parseDockerRef(s: string): Reference {
  const ref = parseNormalizedNamed(s);
  if (ref.tag && ref.digest) return { domain: ref.domain, path: ref.path, digest: ref.digest };
  return tagNameOnly(ref);
}

/** reference.ParseAnyReference: a bare 64-hex id or a valid digest is a digest reference, else a normalized name. */
export function parseAnyReference(s: string): AnyReference {
  if (anchoredIdentifierRegexp.test(s)) return { digest: `sha256:${s}` };
  if (digestError(s) === undefined) return { digest: s };
  return parseNormalizedNamed(s);
}

/** reference.TagNameOnly: adds `:latest` when the reference has neither tag nor digest. */
export function tagNameOnly(ref: Reference): Reference {
  return isNameOnly(ref) ? withTag(ref, DEFAULT_TAG) : ref;
}

function familiarize(ref: Reference): { domain: string; path: string } {
  let { domain, path } = ref;
  if (domain === DEFAULT_DOMAIN) {
    domain = '';
    if (path.startsWith(OFFICIAL_REPO_PREFIX)) {
      const remainder = path.slice(OFFICIAL_REPO_PREFIX.length);
      if (!remainder.includes('/')) path = remainder;
    }
  }
  return { domain, path };
}

/** reference.FamiliarName: `busybox`, `myuser/app`, `localhost:5000/x`, `library/a/b`. */
export function familiarName(ref: Reference): string {
  const f = familiarize(ref);
  return f.domain === '' ? f.path : `${f.domain}/${f.path}`;
}

/** reference.FamiliarString: familiar name plus `:tag` and/or `@digest`; a digest reference is its digest. */
export function familiarString(ref: AnyReference): string {
  if (!isNamed(ref)) return ref.digest;
  return familiarName(ref) + (ref.tag ? `:${ref.tag}` : '') + (ref.digest ? `@${ref.digest}` : '');
}

/**
 * reference.FamiliarMatch, used by the `reference=` image filter: Go path.Match of `pattern` against the
 * familiar string (`busybox:latest`) and, failing that, the familiar name (`busybox`). A malformed
 * pattern throws `syntax error in pattern` (moby returns that error untyped, i.e. as a 500).
 */
export function familiarMatch(pattern: string, ref: AnyReference): boolean {
  let matched = pathMatch(pattern, familiarString(ref));
  if (!matched && isNamed(ref)) matched = pathMatch(pattern, familiarName(ref));
  return matched;
}

// ---------------------------------------------------------------------------------------------
// Short image-id prefixes

const shortIdRegexp = /^(?:sha256:)?[a-f0-9]{1,64}$/;

/**
 * Whether `s` could be an image-id prefix (`0a1b2c`, `sha256:0a1b2c`, a full id). Docker resolves a
 * name in the reference store first and only then tries an id prefix (so `abc` may be either).
 */
export function looksLikeShortId(s: string): boolean {
  return shortIdRegexp.test(s);
}

/** The hex part of an id prefix (`sha256:` stripped), or undefined when `s` is not one. */
export function shortIdHex(s: string): string | undefined {
  if (!shortIdRegexp.test(s)) return undefined;
  return s.startsWith('sha256:') ? s.slice('sha256:'.length) : s;
}

/** Whether `s` is a full domain (host[:port]) as the grammar defines it. */
export function isValidDomain(s: string): boolean {
  return anchoredDomainRegexp.test(s);
}

/** Whether `s` is a valid tag (`[\w][\w.-]{0,127}`). */
export function isValidTag(s: string): boolean {
  return anchoredTagRegexp.test(s);
}

// ---------------------------------------------------------------------------------------------
// API helpers (moby)

/**
 * httputils.RepoTagReference, used by `POST /images/{name}/tag`, `POST /commit` and image import:
 * undefined when `repo` is empty; otherwise the normalized repository with `tag` (validated) or, with no
 * tag, the repo's own tag or `latest`. A repo carrying a digest is refused (`cannot import digest
 * reference`); a 64-hex repo is refused by the parser.
 */
export function repoTagReference(repo: string, tag?: string): Reference | undefined {
  if (repo === '') return undefined;
  const ref = parseNormalizedNamed(repo);
  if (ref.digest) fail('cannot import digest reference');
  if (tag) return withTag(ref, tag);
  return tagNameOnly(ref);
}

/**
 * The daemon side of `POST /images/{name}/tag?repo=&tag=`: repoTagReference plus the route's refusal of
 * the digest algorithm as a name (`refusing to create an ambiguous tag using digest algorithm as name`).
 * Returns undefined for an empty repo (moby then answers 200 and does nothing).
 */
export function parseTagRequest(repo: string, tag?: string): Reference | undefined {
  const ref = repoTagReference(repo, tag);
  if (ref === undefined) return undefined;
  assertNotAmbiguousTag(ref);
  return ref;
}

/** The reference store's (and tag route's) refusal to tag `sha256[:tag]`. */
export function assertNotAmbiguousTag(ref: Reference): void {
  if (familiarName(ref) === 'sha256') fail('refusing to create an ambiguous tag using digest algorithm as name');
}

/**
 * The reference store's AddTag check: a tag target must not carry a digest
 * (`refusing to create a tag with a digest reference`); returns the target with `:latest` defaulted.
 */
export function tagTarget(ref: Reference): Reference {
  if (ref.digest) fail('refusing to create a tag with a digest reference');
  const out = tagNameOnly(ref);
  assertNotAmbiguousTag(out);
  return out;
}

/**
 * The client's ImageTag checks for `docker tag SOURCE TARGET`: both must parse
 * (`error parsing reference: "X" is not a valid repository/tag: <cause>`), the target must not carry a
 * digest (`refusing to create a tag with a digest reference`). Returns the target with `:latest`
 * defaulted (send `repo` = fullName, `tag` = tag).
 */
export function parseTagTarget(source: string, target: string): Reference {
  const wrap = (s: string, f: () => unknown) => {
    try {
      return f();
    } catch (e) {
      return fail(`error parsing reference: ${JSON.stringify(s)} is not a valid repository/tag: ${(e as Error).message}`);
    }
  };
  wrap(source, () => parseAnyReference(source));
  const ref = wrap(target, () => parseNormalizedNamed(target)) as Reference;
  if (ref.digest) fail('refusing to create a tag with a digest reference');
  return tagNameOnly(ref);
}

// ---------------------------------------------------------------------------------------------
// Go's path.Match, over code points (Go works on UTF-8 bytes and decodes runes for '?' and '[...]').

class BadPattern extends Error {}

/**
 * Go's path.Match: `*` (any run of non-`/`), `?` (one non-`/`), `[...]`/`[^...]` classes with ranges,
 * `\` escapes; the whole name must match. Throws `syntax error in pattern` for a malformed pattern.
 */
export function pathMatch(pattern: string, name: string): boolean {
  try {
    return match(Array.from(pattern), Array.from(name));
  } catch (e) {
    if (e instanceof BadPattern) return fail(REFERENCE_ERRORS.badPattern);
    throw e;
  }
}

function match(pattern: string[], name: string[]): boolean {
  let p = pattern;
  let n = name;
  outer: while (p.length > 0) {
    const sc = scanChunk(p);
    const { star, chunk } = sc;
    p = sc.rest;
    if (star && chunk.length === 0) {
      // Trailing * matches the rest of the name unless it has a /.
      return !n.includes('/');
    }
    // Look for a match at the current position.
    const r = matchChunk(chunk, n);
    // If this is the last chunk, the name must be exhausted.
    if (r.ok && (r.rest.length === 0 || p.length > 0)) {
      n = r.rest;
      continue;
    }
    if (star) {
      // Look for a match skipping i+1 characters; * cannot skip /.
      for (let i = 0; i < n.length && n[i] !== '/'; i++) {
        const r2 = matchChunk(chunk, n.slice(i + 1));
        if (r2.ok) {
          if (p.length === 0 && r2.rest.length > 0) continue;
          n = r2.rest;
          continue outer;
        }
      }
    }
    // Before returning false, check the remainder of the pattern is syntactically valid.
    while (p.length > 0) {
      const s2 = scanChunk(p);
      p = s2.rest;
      matchChunk(s2.chunk, []);
    }
    return false;
  }
  return n.length === 0;
}

function scanChunk(pattern: string[]): { star: boolean; chunk: string[]; rest: string[] } {
  let p = pattern;
  let star = false;
  while (p.length > 0 && p[0] === '*') {
    p = p.slice(1);
    star = true;
  }
  let inrange = false;
  let i: number;
  scan: for (i = 0; i < p.length; i++) {
    switch (p[i]) {
      case '\\':
        if (i + 1 < p.length) i++;
        break;
      case '[':
        inrange = true;
        break;
      case ']':
        inrange = false;
        break;
      case '*':
        if (!inrange) break scan;
        break;
    }
  }
  return { star, chunk: p.slice(0, i), rest: p.slice(i) };
}

function matchChunk(chunkIn: string[], sIn: string[]): { rest: string[]; ok: boolean } {
  let chunk = chunkIn;
  let s = sIn;
  // After the match fails, keep processing the chunk to check it is well-formed, but stop reading s.
  let failed = false;
  while (chunk.length > 0) {
    if (!failed && s.length === 0) failed = true;
    switch (chunk[0]) {
      case '[': {
        let r = -1;
        if (!failed) {
          r = s[0].codePointAt(0)!;
          s = s.slice(1);
        }
        chunk = chunk.slice(1);
        let negated = false;
        if (chunk.length > 0 && chunk[0] === '^') {
          negated = true;
          chunk = chunk.slice(1);
        }
        let matched = false;
        let nrange = 0;
        for (;;) {
          if (chunk.length > 0 && chunk[0] === ']' && nrange > 0) {
            chunk = chunk.slice(1);
            break;
          }
          const lo = getEsc(chunk);
          chunk = lo.rest;
          let hi = lo.r;
          if (chunk[0] === '-') {
            const h = getEsc(chunk.slice(1));
            chunk = h.rest;
            hi = h.r;
          }
          if (lo.r <= r && r <= hi) matched = true;
          nrange++;
        }
        if (matched === negated) failed = true;
        break;
      }
      case '?':
        if (!failed) {
          if (s[0] === '/') failed = true;
          s = s.slice(1);
        }
        chunk = chunk.slice(1);
        break;
      default:
        if (chunk[0] === '\\') {
          chunk = chunk.slice(1);
          if (chunk.length === 0) throw new BadPattern();
        }
        if (!failed) {
          if (chunk[0] !== s[0]) failed = true;
          s = s.slice(1);
        }
        chunk = chunk.slice(1);
    }
  }
  if (failed) return { rest: [], ok: false };
  return { rest: s, ok: true };
}

function getEsc(chunkIn: string[]): { r: number; rest: string[] } {
  let chunk = chunkIn;
  if (chunk.length === 0 || chunk[0] === '-' || chunk[0] === ']') throw new BadPattern();
  if (chunk[0] === '\\') {
    chunk = chunk.slice(1);
    if (chunk.length === 0) throw new BadPattern();
  }
  const r = chunk[0].codePointAt(0)!;
  const rest = chunk.slice(1);
  if (rest.length === 0) throw new BadPattern();
  return { r, rest };
}
