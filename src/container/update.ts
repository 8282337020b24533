// POST /containers/{id}/update: Docker's UpdateConfig (resources + restart policy) checked as
// moby checks it, merged into the container's HostConfig as moby's UpdateContainer merges it,
// and pushed into a running container's cgroups with `runc update`.
import { conflict, invalidParameter, isBerthError, systemError, errorMessage } from '../common/errors.js';
import { updateResourcesOf } from '../runtime/spec.js';
import type { Runc } from '../runtime/runc.js';
import type { CgroupSupport } from '../runtime/cgroup-stats.js';
import { validateRestartPolicy, verifyResources, type Resources } from './create-config.js';
import type { HostConfig, RestartPolicy } from './types.js';

/** The request body (moby's container.UpdateConfig: the Resources fields plus RestartPolicy). */
export interface UpdateConfig extends Resources {
  RestartPolicy?: RestartPolicy | { Name?: string; MaximumRetryCount?: number } | null;
}

/**
 * The checks before anything is looked up (the update route and verifyContainerSettings with
 * update=true): a pids limit of 0 or less means "unlimited", the resources are verified as at
 * create (except that swap may be given without memory) and the restart policy is validated.
 * Returns Docker's warnings; the body is normalised in place.
 */
export function verifyUpdate(body: UpdateConfig, opts: { support?: CgroupSupport; numCpus?: number } = {}): string[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalidParameter('invalid JSON: update config must be an object');
  if (body.PidsLimit != null && body.PidsLimit <= 0) body.PidsLimit = 0;
  const warnings = verifyResources(body, { update: true, ...opts });
  if (body.RestartPolicy) validateRestartPolicy(body.RestartPolicy);
  return warnings;
}

/**
 * moby's Container.UpdateContainer: what the request sets (non-zero) replaces the container's
 * value. Conflicts are refused with "Cannot update container <id>: …" (409).
 */
export function mergeUpdate(current: HostConfig, body: UpdateConfig, id: string): HostConfig {
  const refuse = (msg: string): never => { throw conflict(`Cannot update container ${id}: ${msg}`); };
  const nano = body.NanoCpus ?? 0;
  const period = body.CpuPeriod ?? 0;
  const quota = body.CpuQuota ?? 0;
  if (nano > 0 && (current.CpuPeriod ?? 0) > 0) refuse('Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set');
  if (nano > 0 && (current.CpuQuota ?? 0) > 0) refuse('Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set');
  if (period > 0 && (current.NanoCpus ?? 0) > 0) refuse('Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set');
  if (quota > 0 && (current.NanoCpus ?? 0) > 0) refuse('Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set');

  const next: HostConfig = { ...current };
  if (body.BlkioWeight) next.BlkioWeight = body.BlkioWeight;
  if (body.CpuShares) next.CpuShares = body.CpuShares;
  if (nano) next.NanoCpus = nano;
  if (period) next.CpuPeriod = period;
  if (quota) next.CpuQuota = quota;
  if (body.CpusetCpus) next.CpusetCpus = body.CpusetCpus;
  if (body.CpusetMems) next.CpusetMems = body.CpusetMems;
  if (body.Memory) {
    // A memory limit above the swap limit the container already has needs a new swap limit.
    if (body.Memory > (current.MemorySwap ?? 0) && !body.MemorySwap) {
      refuse('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
    }
    next.Memory = body.Memory;
  }
  if (body.MemorySwap) next.MemorySwap = body.MemorySwap;
  if (body.MemoryReservation) next.MemoryReservation = body.MemoryReservation;
  if (body.KernelMemory) next.KernelMemory = body.KernelMemory;
  if (body.CpuRealtimePeriod) next.CpuRealtimePeriod = body.CpuRealtimePeriod;
  if (body.CpuRealtimeRuntime) next.CpuRealtimeRuntime = body.CpuRealtimeRuntime;
  if (body.PidsLimit != null) next.PidsLimit = body.PidsLimit;
  const rp = body.RestartPolicy;
  if (rp?.Name) {
    if (current.AutoRemove && rp.Name !== 'no') refuse('Restart policy cannot be updated because AutoRemove is enabled for the container');
    next.RestartPolicy = { Name: rp.Name as RestartPolicy['Name'], MaximumRetryCount: rp.MaximumRetryCount ?? 0 };
  }
  return next;
}

/** Pushes the merged HostConfig's limits into the running container ("Cannot update container …" on failure). */
export async function applyUpdate(runc: Runc, id: string, hc: HostConfig): Promise<void> {
  try {
    await runc.update(id, updateResourcesOf(hc));
  } catch (e) {
    throw systemError(`Cannot update container ${id}: ${isBerthError(e) ? e.message : errorMessage(e)}`);
  }
}
