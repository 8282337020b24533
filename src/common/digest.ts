import { createHash } from 'node:crypto';

export const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export function sha256(data: string | Uint8Array): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

export function isDigest(s: string): boolean {
  return DIGEST_RE.test(s);
}

/** The hex part of `sha256:<hex>`. */
export function hexOf(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1);
}

/** Docker's chain id: the first layer's diff id, then sha256("<parent chain> <diff id>"). */
export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) out.push(out.length === 0 ? d : sha256(`${out[out.length - 1]} ${d}`));
  return out;
}
