// A container's resources: POST /containers/{id}/update, GET /containers/{id}/top and
// GET /containers/{id}/stats.
import { invalidParameter } from '../../common/errors.js';
import { nowRfc3339Nano } from '../../common/time.js';
import type { ContainerService } from '../../container/service.js';
import { applyUpdate, mergeUpdate, verifyUpdate, type UpdateConfig } from '../../container/update.js';
import { top, validatePsArgs } from '../../container/top.js';
import { containerNetworks, streamStats, type StatsSample } from '../../container/stats.js';
import { cgroupPids, containerCgroupDirs, hostCpuUsage, machineMemory, readCgroupMetrics } from '../../runtime/cgroup-stats.js';
import type { Runc } from '../../runtime/runc.js';
import { HANDLED, boolValueOr, readJson } from '../http.js';
import type { Router } from '../router.js';

export function containerResourceRoutes(r: Router, containers: ContainerService, runc: Runc): void {
  r.post('/containers/{id}/update', async (c) => {
    const body = await readJson<UpdateConfig>(c);
    if (body === undefined) throw invalidParameter('invalid JSON: got EOF while reading request body');
    const warnings = verifyUpdate(body);
    await containers.updateHostConfig(c.params[0]!, (hc, rec) => mergeUpdate(hc, body, rec.Id), (hc, running) => applyUpdate(runc, running.id, hc));
    return { Warnings: warnings.length ? warnings : null };
  });

  r.get('/containers/{id}/top', async (c) => {
    const psArgs = c.query.get('ps_args') || '-ef';
    validatePsArgs(psArgs);
    const { rec, pid, cgroupsPath } = containers.runningInfo(c.params[0]!);
    const res = await top(cgroupPids(containerCgroupDirs(pid, cgroupsPath)), psArgs);
    containers.events.emit('container', 'top', rec.Id, containers.attrs(rec));
    return res;
  });

  r.get('/containers/{id}/stats', async (c) => {
    const rec = containers.record(c.params[0]!);
    const stream = boolValueOr(c.query, 'stream', true);
    const oneShot = boolValueOr(c.query, 'one-shot', false);
    const ac = new AbortController();
    const sample = (): StatsSample | undefined => {
      try {
        containers.record(rec.Id);
      } catch {
        // Removed: moby closes the stream with the container's publisher.
        ac.abort();
        return undefined;
      }
      if (!rec.State.Running || rec.State.Restarting) return undefined;
      let info;
      try {
        info = containers.runningInfo(rec.Id);
      } catch {
        return undefined;
      }
      const metrics = readCgroupMetrics(containerCgroupDirs(info.pid, info.cgroupsPath));
      const host = hostCpuUsage();
      return {
        read: nowRfc3339Nano(), metrics, systemUsage: host.systemUsage, onlineCpus: host.onlineCpus,
        machineMemory: machineMemory(), networks: containerNetworks(info.pid, rec.HostConfig.NetworkMode),
      };
    };
    c.res.on('close', () => ac.abort());
    c.res.writeHead(200, { 'Content-Type': 'application/json' });
    if (stream) c.res.flushHeaders();
    if (!stream && (!rec.State.Running || rec.State.Restarting)) {
      // Docker answers at once, with zeros, for a container that is not running.
      await streamStats({ name: () => rec.Name, id: rec.Id, sample: () => undefined, write: (t) => c.res.write(t), stream: false, oneShot: true, signal: ac.signal });
    } else {
      await streamStats({ name: () => rec.Name, id: rec.Id, sample, write: (t) => c.res.write(t), stream, oneShot, signal: ac.signal });
    }
    c.res.end();
    return HANDLED;
  });
}
