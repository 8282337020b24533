// Detach keys (moby/term): the key sequence that ends an attached session without touching the
// container, parsed from Docker's "ctrl-p,ctrl-q" notation and recognised in a byte stream.

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

// term.ASCII: "ctrl-@" is 0, "ctrl-a" 1 … "ctrl-z" 26, then "ctrl-[" 27 … "ctrl-_" 31.
const CTRL_NAMES = ['ctrl-@', ...Array.from({ length: 26 }, (_, i) => `ctrl-${String.fromCharCode(97 + i)}`), 'ctrl-[', 'ctrl-\\', 'ctrl-]', 'ctrl-^', 'ctrl-_'];

/** term.ToBytes: "ctrl-p,ctrl-q" → [16, 17]; single characters stand for themselves. */
export function parseDetachKeys(keys: string): number[] {
  const out: number[] = [];
  for (const key of keys.split(',')) {
    if (key.length === 1) {
      out.push(key.charCodeAt(0));
      continue;
    }
    const code = CTRL_NAMES.indexOf(key);
    if (code >= 0) out.push(code);
    else if (key === 'DEL') out.push(127);
    else throw new Error(`Unknown character: '${key}'`);
  }
  return out;
}

/**
 * term's escape proxy as a byte filter: a prefix of the sequence is held back until it either
 * completes (detach) or breaks off (the held bytes go through after all).
 */
export class DetachKeyFilter {
  private matched = 0;

  constructor(private readonly keys: readonly number[]) {}

  /** The bytes to forward; `detached` once the whole sequence has been seen (nothing after it). */
  push(chunk: Buffer): { data: Buffer; detached: boolean } {
    if (this.keys.length === 0) return { data: chunk, detached: false };
    const out: number[] = [];
    for (const b of chunk) {
      if (b === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) {
          this.matched = 0;
          return { data: Buffer.from(out), detached: true };
        }
        continue;
      }
      if (this.matched > 0) {
        for (let i = 0; i < this.matched; i++) out.push(this.keys[i]!);
        this.matched = 0;
        // The byte that broke the sequence may itself start a new one.
        if (b === this.keys[0]) {
          this.matched = 1;
          continue;
        }
      }
      out.push(b);
    }
    return { data: Buffer.from(out), detached: false };
  }
}
