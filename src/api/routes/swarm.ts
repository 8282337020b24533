// The Swarm and plugin endpoints, answered as dockerd answers them on a node that is in no swarm
// and has no plugins: `docker node ls`, `service ls`, `secret ls`, `stack ls` and friends fail
// with dockerd's 503 texts rather than a 404 "page not found", and `plugin ls` lists nothing.
import { notFound, notImplemented, unavailable } from '../../common/errors.js';
import type { Handler } from '../http.js';
import type { Router } from '../router.js';

const NOT_MANAGER = 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
const NOT_IN_SWARM = 'This node is not part of a swarm';

const notManager: Handler = () => { throw unavailable(NOT_MANAGER); };

export function swarmRoutes(r: Router): void {
  for (const kind of ['nodes', 'services', 'tasks', 'secrets', 'configs']) {
    r.get(`/${kind}`, notManager);
    r.get(`/${kind}/{id}`, notManager);
    r.post(`/${kind}/create`, notManager);
    r.post(`/${kind}/{id}/update`, notManager);
    r.delete(`/${kind}/{id}`, notManager);
  }
  r.get('/services/{id}/logs', notManager);
  r.get('/tasks/{id}/logs', notManager);
  r.get('/swarm', notManager);
  r.get('/swarm/unlockkey', notManager);
  r.post('/swarm/update', notManager);
  r.post('/swarm/unlock', notManager);
  r.post('/swarm/leave', () => { throw unavailable(NOT_IN_SWARM); });
  const noSwarmMode: Handler = () => { throw notImplemented('swarm mode is not supported by berth'); };
  r.post('/swarm/init', noSwarmMode);
  r.post('/swarm/join', noSwarmMode);

  r.get('/plugins', () => []);
  const noSuchPlugin: Handler = (c) => { throw notFound(`plugin ${JSON.stringify(c.params[0])} not found`); };
  r.get('/plugins/{name*}/json', noSuchPlugin);
  r.delete('/plugins/{name*}', noSuchPlugin);
  for (const action of ['enable', 'disable', 'push', 'set', 'upgrade']) r.post(`/plugins/{name*}/${action}`, noSuchPlugin);
  const noPlugins: Handler = () => { throw notImplemented('plugins are not supported by berth'); };
  r.get('/plugins/privileges', noPlugins);
  r.post('/plugins/pull', noPlugins);
  r.post('/plugins/create', noPlugins);
}
