// Applying firewall batches: `iptables-restore --noflush` (or ip6tables-restore), one process per
// batch, batches of one family serialised so concurrent container starts never race; and reading
// the current rules back with iptables-save for reconciliation and removal.
import { run } from './exec.js';
import type { Family } from './ipnet.js';
import { batchSize, batchText, type Batch, type Table } from './iptables-rules.js';

export interface SavedTables { chains: Record<Table, Set<string>>; rules: Record<Table, string[]> }

/** iptables-save output → user chains and `-A` lines of the raw, filter and nat tables. */
export function parseSave(text: string): SavedTables {
  const out: SavedTables = { chains: { filter: new Set(), nat: new Set(), raw: new Set() }, rules: { filter: [], nat: [], raw: [] } };
  let table: Table | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      const t = line.slice(1).trim();
      table = t === 'filter' || t === 'nat' || t === 'raw' ? t : undefined;
    } else if (!table) continue;
    else if (line.startsWith(':')) out.chains[table].add(line.slice(1).split(' ')[0]);
    else if (line.startsWith('-A ')) out.rules[table].push(line.trim());
  }
  return out;
}

export class Firewall {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly restoreBin: string;
  private readonly saveBin: string;

  constructor(readonly family: Family) {
    this.restoreBin = family === 4 ? 'iptables-restore' : 'ip6tables-restore';
    this.saveBin = family === 4 ? 'iptables-save' : 'ip6tables-save';
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.tail.then(fn, fn);
    this.tail = p.catch(() => undefined);
    return p;
  }

  /** Applies a batch atomically per table (all of it or nothing). */
  apply(b: Batch): Promise<void> {
    if (batchSize(b) === 0) return Promise.resolve();
    const text = batchText(b);
    return this.serial(async () => { await run(this.restoreBin, ['--noflush', '-w'], text); });
  }

  save(): Promise<SavedTables> {
    return this.serial(async () => parseSave((await run(this.saveBin, [])).stdout));
  }
}
