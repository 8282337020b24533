// /networks: list, inspect, create, remove, prune, connect and disconnect (API 1.47), with the
// network events dockerd emits.
import { invalidParameter } from '../../common/errors.js';
import type { ContainerService } from '../../container/service.js';
import type { EventLog } from '../../container/events.js';
import type { EndpointRequest, NetworkCreateRequest, NetworkRecord } from '../../network/types.js';
import { NO_CONTENT, Status, boolValue, readJson } from '../http.js';
import type { Router } from '../router.js';

/** What the routes need of the network module (its NetworkManager). */
export interface NetworkApi {
  list(filters: string | undefined): NetworkRecord[];
  get(idOrName: string): NetworkRecord;
  create(req: NetworkCreateRequest): Promise<{ Id: string; Warning: string }>;
  remove(idOrName: string): Promise<void>;
  prune(filters: string | undefined): Promise<string[]>;
  endpointsOf(networkId: string): Record<string, { Name: string; EndpointID: string; MacAddress: string; IPv4Address: string; IPv6Address: string }>;
}

export function networkRoutes(r: Router, networks: NetworkApi, containers: ContainerService, events: EventLog): void {
  const attrs = (n: NetworkRecord, extra: Record<string, string> = {}) => ({ name: n.Name, type: n.Driver, ...extra });

  r.get('/networks', (c) => networks.list(c.query.get('filters') ?? undefined).map((n) => ({ ...n, Containers: {} })));

  r.get('/networks/{id}', (c) => {
    const n = networks.get(c.params[0]!);
    const scope = c.query.get('scope');
    if (scope && scope !== 'local') throw new Status(404, { message: `network ${c.params[0]} not found` });
    void boolValue(c.query, 'verbose');
    return { ...n, Containers: networks.endpointsOf(n.Id) };
  });

  r.post('/networks/create', async (c) => {
    const body = await readJson<NetworkCreateRequest>(c);
    if (!body || typeof body !== 'object') throw invalidParameter('invalid network config: missing body');
    const out = await networks.create(body);
    const n = networks.get(out.Id);
    events.emit('network', 'create', n.Id, attrs(n));
    return new Status(201, out);
  });

  r.delete('/networks/{id}', async (c) => {
    const n = networks.get(c.params[0]!);
    await networks.remove(n.Id);
    events.emit('network', 'destroy', n.Id, attrs(n));
    return NO_CONTENT;
  });

  r.post('/networks/prune', async (c) => {
    const before = new Map(networks.list(undefined).map((n) => [n.Name, n]));
    const deleted = await networks.prune(c.query.get('filters') ?? undefined);
    for (const name of deleted) {
      const n = before.get(name);
      if (n) events.emit('network', 'destroy', n.Id, attrs(n));
    }
    return { NetworksDeleted: deleted.length ? deleted : null };
  });

  r.post('/networks/{id}/connect', async (c) => {
    const body = await readJson<{ Container?: string; EndpointConfig?: EndpointRequest | null }>(c);
    if (!body?.Container) throw invalidParameter('no container specified');
    const n = networks.get(c.params[0]!);
    const res = await containers.connectNetwork(body.Container, n.Id, body.EndpointConfig ?? {});
    events.emit('network', 'connect', n.Id, attrs(n, { container: res.containerId }));
    return NO_CONTENT_OK;
  });

  r.post('/networks/{id}/disconnect', async (c) => {
    const body = await readJson<{ Container?: string; Force?: boolean }>(c);
    if (!body?.Container) throw invalidParameter('no container specified');
    const n = networks.get(c.params[0]!);
    const res = await containers.disconnectNetwork(body.Container, n.Id, Boolean(body.Force));
    events.emit('network', 'disconnect', n.Id, attrs(n, { container: res.containerId }));
    return NO_CONTENT_OK;
  });
}

/** connect/disconnect answer 200 with an empty body, as dockerd does. */
const NO_CONTENT_OK = new Status(200);
