// `GET /networks?filters=` and `POST /networks/prune?filters=` as moby's daemon/network/filter.go
// and pruneNetworks: the accepted keys, their matching, and Docker's texts for bad values.
import { BerthError } from '../common/errors.js';
import { Filters, untilFromFilters } from '../common/filters.js';
import { PREDEFINED } from './create.js';
import type { NetworkRecord } from './types.js';

export const LIST_FILTERS = ['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type'];
export const PRUNE_FILTERS = ['until', 'label', 'label!'];

/** FilterNetworks: `inUse` tells whether a network has endpoints (for dangling). */
export function filterNetworks(nws: NetworkRecord[], f: Filters, inUse: (id: string) => boolean): NetworkRecord[] {
  f.validate(LIST_FILTERS);
  if (f.len() === 0) return nws;
  let out = nws.filter((nw) => {
    if (f.contains('driver') && !f.exactMatch('driver', nw.Driver)) return false;
    if (f.contains('name') && !f.match('name', nw.Name)) return false;
    if (f.contains('id') && !f.match('id', nw.Id)) return false;
    if (f.contains('label') && !f.matchKVList('label', nw.Labels)) return false;
    if (f.contains('scope') && !f.exactMatch('scope', nw.Scope)) return false;
    return true;
  });
  const dangling = f.get('dangling');
  if (dangling.length > 0) {
    if (dangling.length > 1) throw new BerthError('InvalidParameter', 'got more than one value for filter key "dangling"');
    let danglingOnly: boolean;
    if (dangling[0] === '0' || dangling[0] === 'false') danglingOnly = false;
    else if (dangling[0] === '1' || dangling[0] === 'true') danglingOnly = true;
    else throw new BerthError('InvalidParameter', 'invalid value for filter \'dangling\', must be "true" (or "1"), or "false" (or "0")');
    out = out.filter((nw) => danglingOnly
      ? !PREDEFINED.has(nw.Name) && !inUse(nw.Id)
      : PREDEFINED.has(nw.Name) || inUse(nw.Id));
  }
  if (f.contains('type')) {
    const typed: NetworkRecord[] = [];
    for (const t of f.get('type')) {
      if (t === 'builtin') typed.push(...out.filter((nw) => PREDEFINED.has(nw.Name)));
      else if (t === 'custom') typed.push(...out.filter((nw) => !PREDEFINED.has(nw.Name)));
      else throw new BerthError('InvalidParameter', `invalid filter: 'type'='${t}'`);
    }
    out = typed;
  }
  return out;
}

/** pruneNetworks: unused custom networks created before `until`, matching `label` and not `label!`. */
export function prunable(nws: NetworkRecord[], f: Filters, inUse: (id: string) => boolean, now?: number): NetworkRecord[] {
  f.validate(PRUNE_FILTERS);
  const until = untilFromFilters(f, now);
  return nws.filter((nw) => {
    if (PREDEFINED.has(nw.Name) || inUse(nw.Id)) return false;
    if (until !== undefined && Date.parse(nw.Created) > until) return false;
    if (!f.matchKVList('label', nw.Labels)) return false;
    if (f.contains('label!') && matchesAnyLabel(f.get('label!'), nw.Labels)) return false;
    return true;
  });
}

/** `label!=k` / `label!=k=v`: excluded when any of them matches (moby's matchLabels on the negation). */
function matchesAnyLabel(values: string[], labels: Record<string, string>): boolean {
  return values.some((v) => {
    const eq = v.indexOf('=');
    const k = eq < 0 ? v : v.slice(0, eq);
    return k in labels && (eq < 0 || labels[k] === v.slice(eq + 1));
  });
}
