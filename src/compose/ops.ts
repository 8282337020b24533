// The commands that act on a project's existing containers: start, stop, restart, kill, pause,
// unpause, rm and down (containers, then networks, volumes with -v, images with --rmi).
import { ApiError } from '../client/client.js';
import { ComposeApi, isNotFound, type ContainerSummary } from './api.js';
import { byNumber, nameOf, type Reporter } from './converge.js';
import { imageName } from './convert.js';
import { inDependencyOrder } from './dag.js';
import { LABEL } from './labels.js';
import type { Project, ServiceConfig } from './model.js';

export type Action = 'stop' | 'start' | 'restart' | 'kill' | 'pause' | 'unpause';

const VERB: Record<Action, [string, string]> = {
  stop: ['Stopping', 'Stopped'], start: ['Starting', 'Started'], restart: ['Restarting', 'Started'],
  kill: ['Killing', 'Killed'], pause: ['Pausing', 'Paused'], unpause: ['Unpausing', 'Unpaused'],
};

export class Operations {
  constructor(readonly api: ComposeApi, readonly project: Project, readonly report: Reporter) {}

  /** The project's service containers, by service (optionally only `names`). */
  async byService(names?: string[], oneoff = false): Promise<Map<string, ContainerSummary[]>> {
    const m = new Map<string, ContainerSummary[]>();
    for (const c of await this.api.containers(this.project.name, { oneoff })) {
      const s = c.Labels[LABEL.service]!;
      if (names?.length && !names.includes(s)) continue;
      (m.get(s) ?? m.set(s, []).get(s)!).push(c);
    }
    for (const l of m.values()) l.sort(byNumber);
    return m;
  }

  /** Services of the model, plus any service that only has containers (orphans, disabled). */
  private graphOf(m: Map<string, ContainerSummary[]>): Record<string, ServiceConfig> {
    const g: Record<string, ServiceConfig> = {};
    for (const s of m.keys()) g[s] = this.project.services[s] ?? this.project.disabled[s] ?? { name: s };
    return g;
  }

  async act(action: Action, o: { services?: string[]; timeout?: number; signal?: string } = {}): Promise<void> {
    const m = await this.byService(o.services);
    // Start in dependency order; stop and the rest dependents first.
    const reverse = action !== 'start' && action !== 'restart' && action !== 'unpause';
    await inDependencyOrder(this.graphOf(m), async (s) => {
      await Promise.all((m.get(s.name) ?? []).map(async (c) => {
        const name = nameOf(c);
        if (action === 'start' && c.State === 'running') return;
        if ((action === 'stop' || action === 'kill' || action === 'pause') && c.State !== 'running') return;
        if (action === 'unpause' && c.State !== 'paused') return;
        this.report.event('Container', name, VERB[action][0]);
        if (action === 'stop') await this.api.stop(c.Id, o.timeout);
        else if (action === 'restart') await this.api.restart(c.Id, o.timeout);
        else if (action === 'kill') await this.api.kill(c.Id, o.signal);
        else if (action === 'start') await this.api.start(c.Id);
        else if (action === 'pause') await this.api.pause(c.Id);
        else await this.api.unpause(c.Id);
        this.report.event('Container', name, VERB[action][1]);
      }));
    }, { reverse });
  }

  /** `rm`: stopped containers (or all with force, stopped first); returns the removed. */
  async rm(o: { services?: string[]; stop?: boolean; volumes?: boolean } = {}): Promise<string[]> {
    const m = await this.byService(o.services);
    if (o.stop) await this.act('stop', { services: o.services });
    const list = o.stop ? [...(await this.byService(o.services)).values()].flat() : [...m.values()].flat().filter((c) => c.State !== 'running');
    await Promise.all(list.map(async (c) => {
      this.report.event('Container', nameOf(c), 'Removing');
      await this.api.remove(c.Id, { force: true, volumes: o.volumes });
      this.report.event('Container', nameOf(c), 'Removed');
    }));
    return list.map(nameOf);
  }

  async down(o: { volumes?: boolean; rmi?: 'local' | 'all'; removeOrphans?: boolean; timeout?: number } = {}): Promise<void> {
    const all = await this.api.containers(this.project.name, { oneoff: 'any' });
    const known = new Set([...Object.keys(this.project.services), ...Object.keys(this.project.disabled)]);
    const orphans = all.filter((c) => !known.has(c.Labels[LABEL.service]!) && c.Labels[LABEL.oneoff] !== 'True');
    if (orphans.length && !o.removeOrphans) {
      this.report.warn(`Found orphan containers ([${orphans.map(nameOf).join(' ')}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`);
    }
    const targets = all.filter((c) => o.removeOrphans || !orphans.includes(c));
    const m = new Map<string, ContainerSummary[]>();
    for (const c of targets) (m.get(c.Labels[LABEL.service]!) ?? m.set(c.Labels[LABEL.service]!, []).get(c.Labels[LABEL.service]!)!).push(c);
    await inDependencyOrder(this.graphOf(m), async (s) => {
      await Promise.all((m.get(s.name) ?? []).map(async (c) => {
        const name = nameOf(c);
        if (c.State === 'running' || c.State === 'paused' || c.State === 'restarting') {
          this.report.event('Container', name, 'Stopping');
          await this.api.stop(c.Id, o.timeout).catch(ignoreGone);
          this.report.event('Container', name, 'Stopped');
        }
        this.report.event('Container', name, 'Removing');
        await this.api.remove(c.Id, { force: true, volumes: o.volumes }).catch(ignoreGone);
        this.report.event('Container', name, 'Removed');
      }));
    }, { reverse: true });
    // Networks the project created (by label, or by name for the model's own).
    const nets = new Map<string, string>();
    for (const n of await this.api.networks(this.project.name)) nets.set(n.Name, n.Name);
    for (const n of Object.values(this.project.networks)) if (!n.external && (await this.api.networkExists(n.name))) nets.set(n.name, n.name);
    await Promise.all([...nets.keys()].map(async (n) => {
      this.report.event('Network', n, 'Removing');
      await this.api.removeNetwork(n).catch(ignoreGone);
      this.report.event('Network', n, 'Removed');
    }));
    if (o.volumes) {
      const vols = new Set((await this.api.volumes(this.project.name)).map((v) => v.Name));
      for (const v of Object.values(this.project.volumes)) if (!v.external && (await this.api.volumeExists(v.name))) vols.add(v.name);
      await Promise.all([...vols].map(async (v) => {
        this.report.event('Volume', v, 'Removing');
        await this.api.removeVolume(v).catch(ignoreGone);
        this.report.event('Volume', v, 'Removed');
      }));
    }
    if (o.rmi) {
      const images = new Set<string>();
      for (const s of Object.values(this.project.services)) {
        if (o.rmi === 'all' || !s.image) images.add(imageName(this.project, s));
      }
      for (const ref of images) {
        try {
          await this.api.removeImage(ref);
          this.report.event('Image', ref, 'Removed');
        } catch (e) {
          if (!isNotFound(e)) this.report.warn(`failed to remove image ${ref}: ${(e as Error).message}`);
        }
      }
    }
  }
}

function ignoreGone(e: unknown): void {
  if (e instanceof ApiError && (e.status === 404 || e.status === 304)) return;
  throw e;
}
