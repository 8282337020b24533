// `berth update` (docker/cli cli/command/container/update.go): new resource limits and restart
// policy for one or more containers, sent as Docker's UpdateConfig.
import type { SpecCommand } from '../container/spec-command.js';
import { changedSet } from '../container/spec-command.js';
import { StatusError, type CliContext } from '../context.js';
import type { FlagSpec } from '../flags.js';
import type { Opts } from '../command.js';
import { parseCPUs, parseMemBytes, parseMemSwapBytes, parseRestartPolicy } from '../opts/validate.js';
import { errText } from './images.js';
import { CREATE_FLAGS } from '../container/create-opts.js';

const check = (fn: (v: string) => unknown) => (v: string) => { fn(v); };

/** The flags docker's update shares with create, word for word; the rest are update's own texts. */
const SHARED_WITH_CREATE = [
  'blkio-weight', 'cpu-period', 'cpu-quota', 'cpu-shares', 'cpus', 'cpuset-cpus', 'cpuset-mems', 'memory', 'memory-reservation', 'pids-limit',
] as const;

export const UPDATE_FLAGS: FlagSpec = {
  ...Object.fromEntries(SHARED_WITH_CREATE.map((k) => [k, CREATE_FLAGS[k]!])),
  'cpu-rt-period': { type: 'int', usage: 'Limit the CPU real-time period in microseconds' },
  'cpu-rt-runtime': { type: 'int', usage: 'Limit the CPU real-time runtime in microseconds' },
  'kernel-memory': { type: 'string', typeName: 'bytes', usage: 'Kernel memory limit', hidden: true, validate: check(parseMemBytes) },
  'memory-swap': { type: 'string', typeName: 'bytes', usage: 'Swap limit equal to memory plus swap: -1 to enable unlimited swap', validate: check(parseMemSwapBytes) },
  restart: { type: 'string', usage: 'Restart policy to apply when a container exits' },
};

/** The UpdateConfig docker CLI 28 sends: every Resources field (Go's zero values), then RestartPolicy. */
export function updateBody(o: Opts): Record<string, unknown> {
  const str = (k: string) => (o[k] as string | undefined) ?? '';
  const num = (k: string) => (o[k] as number | undefined) ?? 0;
  const bytes = (k: string) => (str(k) ? parseMemBytes(str(k)) : 0);
  let restart = { Name: '', MaximumRetryCount: 0 };
  if (str('restart')) restart = parseRestartPolicy(str('restart'));
  const kernel = bytes('kernel-memory');
  return {
    CpuShares: num('cpu-shares'),
    Memory: bytes('memory'),
    NanoCpus: str('cpus') ? parseCPUs(str('cpus')) : 0,
    CgroupParent: '',
    BlkioWeight: num('blkio-weight'),
    BlkioWeightDevice: null, BlkioDeviceReadBps: null, BlkioDeviceWriteBps: null, BlkioDeviceReadIOps: null, BlkioDeviceWriteIOps: null,
    CpuPeriod: num('cpu-period'),
    CpuQuota: num('cpu-quota'),
    CpuRealtimePeriod: num('cpu-rt-period'),
    CpuRealtimeRuntime: num('cpu-rt-runtime'),
    CpusetCpus: str('cpuset-cpus'),
    CpusetMems: str('cpuset-mems'),
    Devices: null, DeviceCgroupRules: null, DeviceRequests: null,
    ...(kernel ? { KernelMemory: kernel } : {}),
    MemoryReservation: bytes('memory-reservation'),
    MemorySwap: str('memory-swap') ? parseMemSwapBytes(str('memory-swap')) : 0,
    MemorySwappiness: null,
    OomKillDisable: null,
    PidsLimit: num('pids-limit') !== 0 ? num('pids-limit') : null,
    Ulimits: null,
    CpuCount: 0, CpuPercent: 0, IOMaximumIOps: 0, IOMaximumBandwidth: 0,
    RestartPolicy: restart,
  };
}

export const updateCmd: SpecCommand = {
  name: 'update',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Update configuration of one or more containers',
  args: { min: 1 },
  helpAliases: ['berth container update', 'berth update'],
  annotations: { 'cpu-rt-period': { version: '1.25' }, 'cpu-rt-runtime': { version: '1.25' }, 'pids-limit': { version: '1.40' }, cpus: { version: '1.29' } },
  spec: UPDATE_FLAGS,
  async run(ctx: CliContext, o, args) {
    if (changedSet(o).size === 0) throw new StatusError('you must provide one or more flags when using this command', 1);
    let body: Record<string, unknown>;
    try {
      body = updateBody(o);
    } catch (e) {
      throw new StatusError((e as Error).message, 1);
    }
    const warnings: string[] = [];
    const errs: string[] = [];
    for (const name of args) {
      try {
        const r = await ctx.client.json<{ Warnings?: string[] | null }>('POST', `/containers/${encodeURIComponent(name)}/update`, { body });
        ctx.print(name);
        warnings.push(...(r?.Warnings ?? []));
      } catch (e) {
        errs.push(errText(e));
      }
    }
    if (warnings.length) ctx.print(warnings.join('\n'));
    if (errs.length) throw new StatusError(errs.join('\n'), 1);
  },
};
