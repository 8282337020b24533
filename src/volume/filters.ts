// Which volumes a list or prune filter selects: moby's filtersToBy (volume/service/convert.go)
// and withPrune, over the fields of a volume a filter can see.
import { invalidParameter } from '../common/errors.js';
import type { Filters } from '../common/filters.js';
import { ANONYMOUS_LABEL } from './names.js';

export const LIST_FILTERS = ['dangling', 'name', 'driver', 'label'];
export const PRUNE_FILTERS = ['label', 'label!', 'all'];

/** What a filter looks at. */
export interface FilterSubject { name: string; driver: string; labels: Record<string, string> | null; inUse: boolean }

/**
 * filtersToBy: validates the keys against `accepted`, then returns the predicate (every given
 * filter must match: driver exactly, name as a regular expression, labels, dangling).
 */
export function volumePredicate(f: Filters, accepted: readonly string[]): (v: FilterSubject) => boolean {
  f.validate(accepted);
  const drivers = f.get('driver');
  const dangling = f.contains('dangling') ? f.getBoolOrDefault('dangling', false) : undefined;
  return (v) => {
    if (drivers.length && !drivers.includes(v.driver)) return false;
    if (f.contains('name') && !f.match('name', v.name)) return false;
    const labels = v.labels ?? {};
    if (!f.matchKVList('label', labels)) return false;
    if (f.contains('label!') && f.matchKVList('label!', labels)) return false;
    if (dangling !== undefined && v.inUse === dangling) return false;
    return true;
  };
}

/** Go's strconv.ParseBool. */
function parseBool(s: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  throw invalidParameter(`invalid filter 'all': strconv.ParseBool: parsing ${JSON.stringify(s)}: invalid syntax`);
}

/**
 * withPrune: unless `all` is true, prune only anonymous volumes (API 1.42+). Returns the filters
 * to select with (a copy, with `label=com.docker.volume.anonymous` added when it applies).
 */
export function pruneFilters(f: Filters): Filters {
  const all = f.get('all');
  if (all.length > 1) throw invalidParameter(`invalid filter 'all=[${all.join(' ')}]': only one value is expected`);
  if (all.length === 1 && parseBool(all[0]!)) return f;
  return f.clone().add('label', ANONYMOUS_LABEL);
}
