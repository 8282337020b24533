// `up`: make the daemon hold what the project describes. Networks and volumes first, then images
// (built or pulled), then each service in dependency order: wait for its dependencies'
// conditions, then create, recreate (config hash or image changed) or start its replicas, and
// remove the surplus ones. A new container gets the secrets and configs that are copied rather
// than bind-mounted before it is ever started.
import type { JsonMessage } from '../client/client.js';
import { ComposeApi, isNotFound, type ContainerSummary } from './api.js';
import { containerName, createBody, imageName, replicas, type ContainerPlan } from './convert.js';
import { inDependencyOrder } from './dag.js';
import { ComposeError } from './errors.js';
import { serviceHash } from './hash.js';
import { COMPOSE_VERSION, LABEL } from './labels.js';
import type { Project, ServiceConfig } from './model.js';
import { checkFileSources, fileObjectsTar } from './secrets.js';

export interface Reporter {
  /** A resource changed state: ("Container", "p-web-1", "Started"). */
  event(kind: string, name: string, status: string): void;
  warn(msg: string): void;
}

export interface Builder {
  /** Builds the service's image and tags it `tag`. */
  build(project: Project, s: ServiceConfig, tag: string): Promise<void>;
}

export interface UpOptions {
  build?: boolean;
  noBuild?: boolean;
  recreate?: 'diverged' | 'force' | 'never';
  removeOrphans?: boolean;
  scale?: Record<string, number>;
  /** Create only (compose `create`), or start too. */
  start?: boolean;
  /** Services to bring up (with their dependencies); all when empty. */
  services?: string[];
  noDeps?: boolean;
  /** Wait for every service to be running/healthy before returning. */
  wait?: boolean;
  waitTimeoutMs?: number;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const byNumber = (a: ContainerSummary, b: ContainerSummary) => Number(a.Labels[LABEL.number]) - Number(b.Labels[LABEL.number]);
export const nameOf = (c: ContainerSummary) => (c.Names[0] ?? c.Id).replace(/^\//, '');

/**
 * Copies into a created container the secrets and configs that are not bind mounts (from a
 * variable, inline, or with uid/gid/mode), as compose v2 does between create and start. The
 * tar carries the owner, so the daemon is not asked to apply the container user's (copyUIDGID),
 * which would override it for a service with `user:`.
 */
export async function injectFileObjects(api: ComposeApi, project: Project, s: ServiceConfig, id: string): Promise<void> {
  const tar = fileObjectsTar(project, s);
  if (tar) await api.putArchive(id, '/', tar);
}

export class Converger {
  private readonly byService = new Map<string, ContainerSummary[]>();
  private readonly images = new Map<string, string>();

  constructor(readonly api: ComposeApi, readonly project: Project, readonly report: Reporter, readonly builder?: Builder) {}

  /** Selected services plus what they depend on (unless noDeps). */
  selected(names?: string[], noDeps = false): Record<string, ServiceConfig> {
    const all = this.project.services;
    if (!names?.length) return all;
    const out: Record<string, ServiceConfig> = {};
    const add = (n: string) => {
      if (out[n]) return;
      const s = all[n];
      if (!s) throw new ComposeError('NotFound', `no such service: ${n}`);
      out[n] = s;
      if (!noDeps) for (const d of Object.keys(s.depends_on ?? {})) if (all[d]) add(d);
    };
    names.forEach(add);
    return out;
  }

  async ensureNetworks(): Promise<void> {
    const used = new Set(Object.values(this.project.services).flatMap((s) => Object.keys(s.networks ?? {})));
    await Promise.all(Object.entries(this.project.networks).filter(([k]) => used.has(k)).map(async ([key, n]) => {
      const existing = await this.api.networkExists(n.name);
      if (n.external) {
        if (!existing) throw new ComposeError('NotFound', `network ${n.name} declared as external, but could not be found`);
        return;
      }
      if (existing) {
        const p = existing.Labels?.[LABEL.project];
        if (p && p !== this.project.name) this.report.warn(`a network with name ${n.name} exists but was not created for project ${JSON.stringify(this.project.name)}.\nSet \`external: true\` to use an existing network`);
        return;
      }
      this.report.event('Network', n.name, 'Creating');
      await this.api.createNetwork({
        Name: n.name, Driver: n.driver ?? 'bridge', Options: n.driver_opts, Internal: n.internal, EnableIPv6: n.enable_ipv6, Attachable: n.attachable,
        IPAM: n.ipam ? { Driver: n.ipam.driver ?? 'default', Config: (n.ipam.config ?? []).map((c) => ({ Subnet: c.subnet, Gateway: c.gateway, IPRange: c.ip_range })) } : undefined,
        Labels: { ...(n.labels ?? {}), [LABEL.network]: key, [LABEL.project]: this.project.name, [LABEL.version]: COMPOSE_VERSION },
        CheckDuplicate: true,
      });
      this.report.event('Network', n.name, 'Created');
    }));
  }

  async ensureVolumes(): Promise<void> {
    const used = new Set(Object.values(this.project.services).flatMap((s) => (s.volumes ?? []).filter((v) => v.type === 'volume' && v.source).map((v) => v.source!)));
    await Promise.all(Object.entries(this.project.volumes).filter(([k]) => used.has(k)).map(async ([key, v]) => {
      const existing = await this.api.volumeExists(v.name);
      if (v.external) {
        if (!existing) throw new ComposeError('NotFound', `external volume ${JSON.stringify(v.name)} not found`);
        return;
      }
      if (existing) return;
      this.report.event('Volume', v.name, 'Creating');
      await this.api.createVolume({ Name: v.name, Driver: v.driver ?? 'local', DriverOpts: v.driver_opts, Labels: { ...(v.labels ?? {}), [LABEL.volume]: key, [LABEL.project]: this.project.name, [LABEL.version]: COMPOSE_VERSION } });
      this.report.event('Volume', v.name, 'Created');
    }));
  }

  /** Builds or pulls what is missing (or, with build, rebuilds); records each service's image id. */
  async ensureImages(services: Record<string, ServiceConfig>, o: UpOptions): Promise<void> {
    await Promise.all(Object.values(services).map(async (s) => {
      const ref = imageName(this.project, s);
      let id = await this.api.imageId(ref);
      const policy = s.pull_policy ?? 'missing';
      if (s.build && !o.noBuild && (o.build || !id || policy === 'build')) {
        if (!this.builder) throw new ComposeError('Failed', `service ${s.name} needs a build and no builder is available`);
        await this.builder.build(this.project, s, ref);
        id = await this.api.imageId(ref);
      } else if (!s.build && (policy === 'always' || (!id && policy !== 'never'))) {
        this.report.event('Image', ref, 'Pulling');
        await this.api.pull(ref, undefined, (_m: JsonMessage) => {});
        this.report.event('Image', ref, 'Pulled');
        id = await this.api.imageId(ref);
      }
      if (!id) throw new ComposeError('NotFound', `No such image: ${ref}`);
      this.images.set(s.name, id);
    }));
  }

  async loadContainers(): Promise<void> {
    this.byService.clear();
    for (const c of await this.api.containers(this.project.name)) {
      const s = c.Labels[LABEL.service]!;
      const l = this.byService.get(s) ?? [];
      l.push(c);
      this.byService.set(s, l);
    }
    for (const l of this.byService.values()) l.sort(byNumber);
  }

  containersOf(service: string): ContainerSummary[] {
    return this.byService.get(service) ?? [];
  }

  orphans(): ContainerSummary[] {
    const known = new Set([...Object.keys(this.project.services), ...Object.keys(this.project.disabled)]);
    return [...this.byService.entries()].filter(([s]) => !known.has(s)).flatMap(([, l]) => l);
  }

  async up(o: UpOptions = {}): Promise<void> {
    const services = this.selected(o.services, o.noDeps);
    // A missing secret file or variable fails here, before anything is created or removed.
    checkFileSources(this.project, Object.values(services));
    await this.loadContainers();
    const orphans = this.orphans();
    if (orphans.length) {
      if (o.removeOrphans) {
        await Promise.all(orphans.map(async (c) => {
          this.report.event('Container', nameOf(c), 'Removing');
          await this.api.remove(c.Id, { force: true });
          this.report.event('Container', nameOf(c), 'Removed');
        }));
      } else {
        this.report.warn(`Found orphan containers ([${orphans.map(nameOf).join(' ')}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`);
      }
    }
    await Promise.all([this.ensureNetworks(), this.ensureVolumes(), this.ensureImages(services, o)]);
    await inDependencyOrder(services, (s) => this.convergeService(s, o));
    if (o.wait) await this.waitReady(services, o.waitTimeoutMs);
  }

  /** Waits for the conditions `s` puts on its dependencies. */
  async waitDependencies(s: ServiceConfig): Promise<void> {
    await Promise.all(Object.entries(s.depends_on ?? {}).map(async ([dep, d]) => {
      if (!this.project.services[dep]) return;
      const containers = (await this.api.containers(this.project.name, { services: [dep] })).sort(byNumber);
      if (!containers.length && !d.required) return;
      await Promise.all(containers.map((c) => this.waitCondition(c, dep, d.condition)));
    }));
  }

  private async waitCondition(c: ContainerSummary, service: string, condition: string): Promise<void> {
    const name = nameOf(c);
    if (condition === 'service_started') return;
    this.report.event('Container', name, 'Waiting');
    if (condition === 'service_completed_successfully') {
      const code = await this.api.wait(c.Id);
      if (code !== 0) throw new ComposeError('DependencyFailed', `service ${JSON.stringify(service)} didn't complete successfully: exit ${code}`);
      this.report.event('Container', name, 'Exited');
      return;
    }
    for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
      const i = await this.api.inspect(c.Id);
      const h = i.State.Health?.Status;
      if (!i.State.Health) throw new ComposeError('DependencyFailed', `container ${name} has no healthcheck configured`);
      if (h === 'healthy') break;
      if (h === 'unhealthy') throw new ComposeError('DependencyFailed', `dependency failed to start: container ${name} is unhealthy`);
      if (!i.State.Running) throw new ComposeError('DependencyFailed', `dependency failed to start: container ${name} exited (${i.State.ExitCode})`);
      await sleep(delay);
    }
    this.report.event('Container', name, 'Healthy');
  }

  private containerOf = (service: string): string | undefined => this.containersOf(service)[0]?.Id;

  private async convergeService(s: ServiceConfig, o: UpOptions): Promise<void> {
    const want = o.scale?.[s.name] ?? replicas(s);
    const hash = serviceHash(s);
    const imageId = this.images.get(s.name);
    const existing = [...this.containersOf(s.name)];
    if (want > 1 && s.container_name) throw new ComposeError('Invalid', `service ${JSON.stringify(s.name)} has container_name set and cannot be scaled`);
    // Surplus replicas go first, highest numbers first.
    const surplus = existing.splice(want).reverse();
    await Promise.all(surplus.map(async (c) => {
      this.report.event('Container', nameOf(c), 'Stopping');
      await this.api.stop(c.Id);
      await this.api.remove(c.Id, { force: true });
      this.report.event('Container', nameOf(c), 'Removed');
    }));
    const start = o.start !== false;
    const used = new Set(existing.map((c) => Number(c.Labels[LABEL.number])));
    let next = 1;
    const ids: Array<{ id: string; name: string; fresh: boolean; running: boolean }> = [];
    await Promise.all(existing.map(async (c) => {
      const diverged = c.Labels[LABEL.configHash] !== hash || (imageId !== undefined && c.ImageID !== imageId);
      if (o.recreate === 'force' || (o.recreate !== 'never' && diverged)) {
        ids.push({ ...(await this.recreate(s, c, imageId)), fresh: true, running: false });
      } else {
        ids.push({ id: c.Id, name: nameOf(c), fresh: false, running: c.State === 'running' });
      }
    }));
    for (let i = existing.length; i < want; i++) {
      while (used.has(next)) next++;
      used.add(next);
      const name = containerName(this.project.name, s, next);
      this.report.event('Container', name, 'Creating');
      const id = await this.createContainer(name, s, { name, number: next, imageId, containerOf: this.containerOf });
      this.report.event('Container', name, 'Created');
      ids.push({ id, name, fresh: true, running: false });
    }
    const list = this.byService.get(s.name) ?? [];
    this.byService.set(s.name, list);
    if (!start) return;
    await this.waitDependencies(s);
    await Promise.all(ids.filter((c) => !c.running).map(async (c) => {
      this.report.event('Container', c.name, 'Starting');
      await this.api.start(c.id);
      this.report.event('Container', c.name, 'Started');
    }));
    // Later services (network_mode: service:x) look containers up by service.
    const fresh = await this.api.containers(this.project.name, { services: [s.name] });
    this.byService.set(s.name, fresh.sort(byNumber));
    if (ids.every((c) => !c.fresh && c.running)) for (const c of ids) this.report.event('Container', c.name, 'Running');
  }

  /**
   * Creates a container with its copied secrets and configs; one that could not get them is
   * removed, or a later `up` would find it up to date and start it without them.
   */
  private async createContainer(name: string, s: ServiceConfig, plan: ContainerPlan): Promise<string> {
    const id = await this.api.create(name, createBody(this.project, s, plan));
    try {
      await injectFileObjects(this.api, this.project, s, id);
    } catch (e) {
      await this.api.remove(id, { force: true }).catch(() => {});
      throw e;
    }
    return id;
  }

  /** Compose v2's recreate: stop, rename the old one aside, create the new one, remove the old. */
  private async recreate(s: ServiceConfig, c: ContainerSummary, imageId: string | undefined): Promise<{ id: string; name: string }> {
    const name = nameOf(c);
    const number = Number(c.Labels[LABEL.number]);
    this.report.event('Container', name, 'Recreate');
    await this.api.stop(c.Id);
    await this.api.rename(c.Id, `${c.Id.slice(0, 12)}_${name}`);
    const id = await this.createContainer(name, s, { name, number, imageId, containerOf: this.containerOf });
    await this.api.remove(c.Id, { force: true });
    this.report.event('Container', name, 'Recreated');
    return { id, name };
  }

  /** --wait: every container running (and healthy when it has a healthcheck), or a one-shot exited 0. */
  async waitReady(services: Record<string, ServiceConfig>, timeoutMs = 0): Promise<void> {
    const deadline = timeoutMs ? Date.now() + timeoutMs : Infinity;
    const oneShots = new Set(Object.values(this.project.services).flatMap((s) => Object.entries(s.depends_on ?? {}).filter(([, d]) => d.condition === 'service_completed_successfully').map(([n]) => n)));
    const containers = (await this.api.containers(this.project.name)).filter((c) => services[c.Labels[LABEL.service]!]);
    await Promise.all(containers.map(async (c) => {
      const name = nameOf(c);
      this.report.event('Container', name, 'Waiting');
      for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
        if (Date.now() > deadline) throw new ComposeError('Failed', `timeout waiting for ${name}`);
        let i;
        try {
          i = await this.api.inspect(c.Id);
        } catch (e) {
          if (isNotFound(e)) return;
          throw e;
        }
        const svc = c.Labels[LABEL.service]!;
        if (!i.State.Running) {
          if (oneShots.has(svc) && i.State.ExitCode === 0) break;
          throw new ComposeError('Failed', `container ${name} exited (${i.State.ExitCode})`);
        }
        const h = i.State.Health?.Status;
        if (!i.State.Health || h === 'healthy') break;
        if (h === 'unhealthy') throw new ComposeError('Failed', `container ${name} is unhealthy`);
        await sleep(delay);
      }
      this.report.event('Container', name, 'Healthy');
    }));
  }
}
