// What the distribution spec allows in a URL: repository names, tags and digests.
import { regError } from './errors.js';

const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** The spec's digest grammar: `algorithm ":" encoded`. */
const DIGEST_GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
/** Algorithms this registry verifies, with the length of their hex encoding. */
const ALGORITHMS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
/** distribution's reference.NameTotalLengthMax. */
export const NAME_MAX = 255;

export type Algorithm = 'sha256' | 'sha384' | 'sha512';

export interface Digest {
  readonly algorithm: Algorithm;
  readonly hex: string;
  /** `algorithm:hex` */
  readonly value: string;
}

export function isValidName(name: string): boolean {
  return name.length <= NAME_MAX && NAME_RE.test(name);
}

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/** A digest this registry can verify, or null (bad grammar, unsupported algorithm, wrong length). */
export function parseDigest(s: string): Digest | null {
  if (!DIGEST_GRAMMAR.test(s)) return null;
  const i = s.indexOf(':');
  const algorithm = s.slice(0, i);
  const hex = s.slice(i + 1);
  const len = Object.hasOwn(ALGORITHMS, algorithm) ? ALGORITHMS[algorithm] : undefined;
  if (len === undefined || hex.length !== len || !/^[a-f0-9]+$/.test(hex)) return null;
  return { algorithm: algorithm as Algorithm, hex, value: s };
}

export function digestOf(algorithm: Algorithm, hex: string): Digest {
  return { algorithm, hex, value: `${algorithm}:${hex}` };
}

/** parseDigest, or DIGEST_INVALID naming the offending value. */
export function requireDigest(s: string): Digest {
  const d = parseDigest(s);
  if (!d) throw regError('DIGEST_INVALID', { digest: s }, `invalid digest: ${JSON.stringify(s)}`);
  return d;
}

export function requireName(name: string): string {
  if (!isValidName(name)) throw regError('NAME_INVALID', { name }, `invalid repository name: ${JSON.stringify(name)}`);
  return name;
}

/** A manifest reference is a digest when it has a colon (a tag never does). */
export function isDigestReference(ref: string): boolean {
  return ref.includes(':');
}

export function isSupportedAlgorithm(a: string): a is Algorithm {
  return Object.hasOwn(ALGORITHMS, a);
}
