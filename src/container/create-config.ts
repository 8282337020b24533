// A create request merged with its image as Docker merges them, and checked the way Docker checks
// it, before anything is written.
import { invalidParameter, notFound } from '../common/errors.js';
import type { ContainerConfig } from '../image/types.js';
import type { HostConfig } from './types.js';

export interface CreateBody extends ContainerConfig {
  HostConfig?: HostConfig;
  NetworkingConfig?: { EndpointsConfig?: Record<string, unknown> } | null;
}

const envKey = (e: string) => { const i = e.indexOf('='); return i < 0 ? e : e.slice(0, i); };

/** moby's merge(): the container's settings win, the image fills what is unset. */
export function mergeImageConfig(user: ContainerConfig, image: ContainerConfig | undefined): ContainerConfig {
  const c: ContainerConfig = { ...user };
  if (!image) return c;
  if (!c.User) c.User = image.User ?? '';
  if (image.ExposedPorts) c.ExposedPorts = { ...image.ExposedPorts, ...(c.ExposedPorts ?? {}) };
  if (image.Env?.length) {
    const keys = new Set((c.Env ?? []).map(envKey));
    c.Env = [...image.Env.filter((e) => !keys.has(envKey(e))), ...(c.Env ?? [])];
  }
  if (image.Labels) c.Labels = { ...image.Labels, ...(c.Labels ?? {}) };
  if (!c.Entrypoint || c.Entrypoint.length === 0) {
    if (!c.Cmd || c.Cmd.length === 0) {
      c.Cmd = image.Cmd ?? null;
      if (image.ArgsEscaped) c.ArgsEscaped = image.ArgsEscaped;
    }
    if (c.Entrypoint == null) c.Entrypoint = image.Entrypoint ?? null;
  }
  if (!c.Healthcheck && image.Healthcheck) c.Healthcheck = image.Healthcheck;
  if (!c.WorkingDir) c.WorkingDir = image.WorkingDir ?? '';
  if (image.Volumes) c.Volumes = { ...image.Volumes, ...(c.Volumes ?? {}) };
  if (!c.StopSignal && image.StopSignal) c.StopSignal = image.StopSignal;
  if (!c.Shell && image.Shell) c.Shell = image.Shell;
  if (!c.OnBuild && image.OnBuild) c.OnBuild = image.OnBuild;
  return c;
}

/** The process: entrypoint then command; `--entrypoint ""` clears the image's entrypoint. */
export function pathAndArgs(c: ContainerConfig): { path: string; args: string[] } {
  let entry = c.Entrypoint ?? [];
  if (entry.length === 1 && entry[0] === '') entry = [];
  const argv = [...entry, ...(c.Cmd ?? [])];
  if (argv.length === 0) throw invalidParameter('No command specified');
  return { path: argv[0], args: argv.slice(1) };
}

export type NetworkChoice = { kind: 'host' } | { kind: 'none' } | { kind: 'private'; name: string } | { kind: 'container'; ref: string };

/** What the network mode means until the networking issue: only host, none and a loopback-only namespace exist. */
export function networkChoice(mode: string | undefined): NetworkChoice {
  const m = mode || 'default';
  if (m === 'host') return { kind: 'host' };
  if (m === 'none') return { kind: 'none' };
  if (m === 'default' || m === 'bridge') return { kind: 'private', name: 'bridge' };
  if (m.startsWith('container:')) {
    const ref = m.slice('container:'.length);
    if (!ref) throw invalidParameter('invalid container format container:<name|id>');
    return { kind: 'container', ref };
  }
  throw notFound(`network ${m} not found`);
}

/** Docker's HostConfig checks that don't depend on the host. */
export function validateHostConfig(h: HostConfig): void {
  const rp = h.RestartPolicy?.Name ?? '';
  if (h.AutoRemove && rp !== '' && rp !== 'no') {
    throw invalidParameter("can't create 'AutoRemove' container with restart policy");
  }
  if (!['', 'no', 'always', 'unless-stopped', 'on-failure'].includes(rp)) {
    throw invalidParameter(`invalid restart policy: unknown policy '${rp}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  }
  if ((h.RestartPolicy?.MaximumRetryCount ?? 0) < 0) throw invalidParameter('invalid restart policy: maximum retry count cannot be negative');
  if (rp !== 'on-failure' && (h.RestartPolicy?.MaximumRetryCount ?? 0) !== 0) {
    throw invalidParameter(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  }
  if ((h.ShmSize ?? 0) < 0) throw invalidParameter('SHM size can not be less than 0');
  for (const path of Object.keys(h.Tmpfs ?? {})) {
    if (!path.startsWith('/')) throw invalidParameter(`invalid mount config for type "tmpfs": invalid mount path: '${path}' mount path must be absolute`);
  }
  if ((h.OomScoreAdj ?? 0) < -1000 || (h.OomScoreAdj ?? 0) > 1000) {
    throw invalidParameter(`Invalid value ${h.OomScoreAdj}, range for oom score adj is [-1000, 1000]`);
  }
}
