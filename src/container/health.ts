// Healthchecks as moby runs them: a probe (an exec of the HEALTHCHECK command) every interval —
// every start interval while a container is still `starting` within its start period — with a
// timeout; the last five results kept; `healthy` at the first success, `unhealthy` after
// `retries` consecutive failures outside the start period; each status change an event.
import type { ContainerConfig } from '../image/types.js';
import { formatDuration } from '../common/go-duration.js';
import { nowRfc3339Nano } from '../common/time.js';
import type { EventLog } from './events.js';
import type { ContainerService } from './service.js';
import type { ExecService } from './exec.js';
import type { HealthRecord, HealthResult } from './types.js';

const NS_PER_MS = 1_000_000;
const DEFAULT_INTERVAL_MS = 30_000;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_START_INTERVAL_MS = 5_000;
const DEFAULT_RETRIES = 3;
const MAX_LOG_ENTRIES = 5;
const MAX_OUTPUT = 4096;

type Healthcheck = NonNullable<ContainerConfig['Healthcheck']>;

export interface ProbeTiming { intervalMs: number; timeoutMs: number; startPeriodMs: number; startIntervalMs: number; retries: number }

/** Durations are nanoseconds in the API; zero or unset means moby's default. */
export function probeTiming(hc: Healthcheck): ProbeTiming {
  const ms = (ns: number | undefined, dflt: number) => (ns && ns > 0 ? ns / NS_PER_MS : dflt);
  return {
    intervalMs: ms(hc.Interval, DEFAULT_INTERVAL_MS),
    timeoutMs: ms(hc.Timeout, DEFAULT_TIMEOUT_MS),
    startPeriodMs: ms(hc.StartPeriod, 0),
    startIntervalMs: ms(hc.StartInterval, DEFAULT_START_INTERVAL_MS),
    retries: hc.Retries && hc.Retries > 0 ? hc.Retries : DEFAULT_RETRIES,
  };
}

/** The probe's argv: CMD runs as given, CMD-SHELL through the container's shell. */
export function probeCommand(hc: Healthcheck, shell: string[] | undefined): string[] | undefined {
  const [kind, ...rest] = hc.Test ?? [];
  if (kind === 'CMD') return rest.length ? rest : undefined;
  if (kind === 'CMD-SHELL') return [...(shell?.length ? shell : ['/bin/sh', '-c']), rest.join(' ')];
  return undefined;
}

/** moby's handleProbeResult: the health after one more result. */
export function applyProbeResult(h: HealthRecord, result: HealthResult, t: ProbeTiming, startedAtMs: number): HealthRecord {
  const log = [...h.Log, result].slice(-MAX_LOG_ENTRIES);
  if (result.ExitCode === 0) return { Status: 'healthy', FailingStreak: 0, Log: log };
  // Failures inside the start period don't count while the container has never been healthy.
  if (h.Status === 'starting' && Date.parse(result.Start) - startedAtMs < t.startPeriodMs) {
    return { ...h, Log: log };
  }
  const streak = h.FailingStreak + 1;
  return { Status: streak >= t.retries ? 'unhealthy' : h.Status, FailingStreak: streak, Log: log };
}

/** Runs every running container's probes; follows the engine's events to start and stop them. */
export class HealthMonitor {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly containers: ContainerService, private readonly execs: ExecService, events: EventLog) {
    events.subscribe((e) => {
      if (e.Type !== 'container') return;
      if (e.Action === 'start') this.watch(e.Actor.ID);
      else if (e.Action === 'die' || e.Action === 'destroy') this.unwatch(e.Actor.ID);
    });
  }

  /** Containers that were already running when berthd started. */
  resume(ids: string[]): void {
    for (const id of ids) this.watch(id);
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private watch(id: string): void {
    const rec = this.safeRecord(id);
    if (!rec?.Config.Healthcheck || !probeCommand(rec.Config.Healthcheck, rec.Config.Shell) || !rec.State.Health) return;
    this.schedule(id);
  }

  private unwatch(id: string): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
  }

  private safeRecord(id: string) {
    try {
      return this.containers.record(id);
    } catch {
      return undefined;
    }
  }

  private schedule(id: string): void {
    const rec = this.safeRecord(id);
    if (!rec?.State.Running || !rec.Config.Healthcheck) return this.unwatch(id);
    const t = probeTiming(rec.Config.Healthcheck);
    const startedAtMs = Date.parse(rec.State.StartedAt);
    const inStart = Date.now() - startedAtMs < t.startPeriodMs && rec.State.Health?.Status === 'starting';
    clearTimeout(this.timers.get(id));
    this.timers.set(id, setTimeout(() => void this.probe(id), inStart ? t.startIntervalMs : t.intervalMs).unref());
  }

  private async probe(id: string): Promise<void> {
    const rec = this.safeRecord(id);
    const hc = rec?.Config.Healthcheck;
    const cmd = hc && probeCommand(hc, rec.Config.Shell);
    if (!rec?.State.Running || !hc || !cmd) return this.unwatch(id);
    if (!rec.State.Paused && !rec.State.Restarting) {
      const t = probeTiming(hc);
      const start = nowRfc3339Nano();
      let r: { exitCode: number; output: string; timedOut: boolean };
      try {
        r = await this.execs.run(id, cmd, { timeoutMs: t.timeoutMs, maxOutput: MAX_OUTPUT });
      } catch (e) {
        r = { exitCode: -1, output: (e as Error).message, timedOut: false };
      }
      const result: HealthResult = r.timedOut
        ? { Start: start, End: nowRfc3339Nano(), ExitCode: -1, Output: `Health check exceeded timeout (${formatDuration(t.timeoutMs * NS_PER_MS)})` }
        : { Start: start, End: nowRfc3339Nano(), ExitCode: r.exitCode, Output: r.output };
      await this.containers.setHealth(id, (h) => applyProbeResult(h, result, t, Date.parse(rec.State.StartedAt)));
    }
    if (this.timers.has(id)) this.schedule(id);
  }
}
