// /volumes: list, inspect, create, remove and prune (API 1.47), as moby's volume router. The
// volume service emits the volume events itself (create, destroy, prune).
import { invalidParameter } from '../../common/errors.js';
import { parseFilters } from '../../common/filters.js';
import type { VolumeService } from '../../volume/service.js';
import type { VolumeCreateRequest } from '../../volume/types.js';
import { NO_CONTENT, Status, boolValue, readJson } from '../http.js';
import type { Router } from '../router.js';

/** What the routes need of the volume module. */
export type VolumeApi = Pick<VolumeService, 'list' | 'get' | 'create' | 'remove' | 'prune'>;

const isStringMap = (v: unknown): v is Record<string, string> | null | undefined =>
  v === undefined || v === null || (typeof v === 'object' && !Array.isArray(v) && Object.values(v as object).every((x) => typeof x === 'string'));

/** volume.CreateOptions as Go's decoder would take it: wrong types are the client's error. */
function createRequest(body: unknown): VolumeCreateRequest {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw invalidParameter('invalid JSON: json: cannot unmarshal non-object into Go value of type volume.CreateOptions');
  const b = body as Record<string, unknown>;
  for (const k of ['Name', 'Driver'] as const) {
    if (b[k] !== undefined && b[k] !== null && typeof b[k] !== 'string') throw invalidParameter(`invalid JSON: json: cannot unmarshal into Go struct field CreateOptions.${k} of type string`);
  }
  for (const k of ['DriverOpts', 'Labels'] as const) {
    if (!isStringMap(b[k])) throw invalidParameter(`invalid JSON: json: cannot unmarshal into Go struct field CreateOptions.${k} of type map[string]string`);
  }
  return {
    Name: (b.Name as string | null) ?? undefined,
    Driver: (b.Driver as string | null) ?? undefined,
    DriverOpts: b.DriverOpts as Record<string, string> | null | undefined,
    Labels: b.Labels as Record<string, string> | null | undefined,
  };
}

export function volumeRoutes(r: Router, volumes: VolumeApi): void {
  r.get('/volumes', (c) => volumes.list(c.query.get('filters') ?? undefined));

  r.get('/volumes/{name}', (c) => volumes.get(c.params[0]!));

  r.post('/volumes/create', async (c) => new Status(201, await volumes.create(createRequest(await readJson(c)))));

  r.delete('/volumes/{name}', async (c) => {
    await volumes.remove(c.params[0]!, boolValue(c.query, 'force'));
    return NO_CONTENT;
  });

  r.post('/volumes/prune', (c) => {
    const filters = parseFilters(c.query.get('filters'));
    // API 1.42 made prune take only anonymous volumes; older clients still get every unused one.
    if (c.version < 1.42) filters.add('all', 'true');
    return volumes.prune(filters);
  });
}
