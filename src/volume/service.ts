// The volume service: moby's VolumesService + VolumeStore over its local driver. A volume is a
// directory `<root>/<name>/` holding `_data` (what containers see) and `volume.json` (its record).
// A volume created with driver options (`type`/`device`/`o`) has its device mounted on `_data`
// when its first user acquires it and unmounted when the last one releases it.
//
// Usage has two parts, as in moby: references (every container that names the volume, running or
// not — a referenced volume cannot be removed or pruned) and active users (containers running
// with it mounted, which keep a driver-options volume mounted).
import { readdirSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { BerthError, conflict, errorMessage, notFound, systemError } from '../common/errors.js';
import { parseFilters, type Filters } from '../common/filters.js';
import { log } from '../common/log.js';
import { LIST_FILTERS, PRUNE_FILTERS, pruneFilters, volumePredicate, type FilterSubject } from './filters.js';
import { mountVolume, mountsUnder, unmountPath, isMountPoint } from './mount.js';
import { ANONYMOUS_LABEL, checkVolumeName, isValidVolumeName, randomVolumeName } from './names.js';
import { mountSpecOf, validateLocalOptions, type MountSpec } from './options.js';
import { KeyedLock } from './keyed-lock.js';
import { readVolumeRecord, rfc3339Local, sortedMap, writeVolumeDir } from './record.js';
import { directorySize } from './size.js';
import type { Volume, VolumeCreateRequest, VolumeListResponse, VolumeRecord, VolumesPruneReport } from './types.js';

export interface VolumeEvents {
  emit(type: 'volume', action: string, id: string, attrs?: Record<string, string>): unknown;
}

export interface VolumeServiceOptions {
  /** `<data-root>/volumes`. */
  root: string;
  events?: VolumeEvents;
}

const DRIVER = 'local';

interface Entry {
  rec: VolumeRecord;
  /** Set for a volume with driver options: what to mount on _data. */
  mount?: MountSpec;
  mounted: boolean;
  /** Containers that acquired the volume (running with it mounted). */
  active: Set<string>;
}

const hasOptions = (e: Entry) => Object.keys(e.rec.Options ?? {}).length > 0;

/** Wraps a failure in moby's OpErr text: `<op> <name>: <message>`, keeping its code. */
function opError(op: string, name: string, e: unknown): BerthError {
  const msg = `${op} ${name}: ${errorMessage(e)}`;
  return e instanceof BerthError ? new BerthError(e.code, msg, { cause: e }) : systemError(msg, e);
}

export class VolumeService {
  private readonly root: string;
  private readonly events?: VolumeEvents;
  private readonly volumes = new Map<string, Entry>();
  /** volume name → containers referencing it */
  private readonly refs = new Map<string, Set<string>>();
  /** container → the volume names it references */
  private readonly refsOf = new Map<string, Set<string>>();
  private readonly locks = new KeyedLock();
  private pruning = false;

  constructor(opts: VolumeServiceOptions) {
    this.root = opts.root;
    this.events = opts.events;
  }

  /**
   * Loads the records. Leftovers of an interrupted create or remove are deleted, and mounts under
   * the root that belong to no volume are unmounted; a driver-options volume whose _data is still
   * mounted is taken as mounted (a container that outlived berthd may be using it): acquire it
   * again for each running container, then call unmountUnused().
   */
  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o701 });
    const dirs = (await readdir(this.root, { withFileTypes: true })).filter((d) => d.isDirectory());
    for (const d of dirs) {
      if (d.name.startsWith('.new-') || d.name.startsWith('.gone-')) {
        await this.deleteDir(join(this.root, d.name)).catch((e) => log.warn('could not remove volume leftover', { dir: d.name, error: errorMessage(e) }));
      } else if (isValidVolumeName(d.name)) {
        const rec = await readVolumeRecord(this.root, d.name);
        this.volumes.set(d.name, { rec, mount: mountSpecOf(rec.Options), mounted: false, active: new Set() });
      }
    }
    for (const m of mountsUnder(this.root)) {
      const e = this.volumes.get(m.slice(this.root.length + 1).replace(/\/_data$/, ''));
      if (e?.mount && m === this.dataPath(e.rec.Name)) {
        e.mounted = true;
        continue;
      }
      await unmountPath(m).catch((err) => log.warn('could not unmount a volume leftover', { path: m, error: errorMessage(err) }));
    }
  }

  /** Unmounts every driver-options volume that no container has acquired. */
  async unmountUnused(): Promise<void> {
    for (const e of [...this.volumes.values()]) {
      if (!e.mounted || e.active.size) continue;
      await this.locks.run(e.rec.Name, () => this.unmountEntry(e)).catch((err) => log.warn('could not unmount volume', { volume: e.rec.Name, error: errorMessage(err) }));
    }
  }

  /** `<root>/<name>/_data`: the volume's Mountpoint, what a container binds. */
  dataPath(name: string): string {
    return join(this.root, name, '_data');
  }

  /**
   * POST /volumes/create. Without a name the volume is anonymous (a random name and the
   * `com.docker.volume.anonymous` label). An existing name is returned as it is, whatever the
   * request's labels and options (moby's behaviour). `reference` (a container id) records the
   * container's use of it at once, so that no prune can take it in between.
   */
  async create(req: VolumeCreateRequest = {}, opts: { reference?: string } = {}): Promise<Volume> {
    return this.view((await this.createEntry(req, opts.reference)).entry);
  }

  /**
   * For the container side (`-v name:/path`, `--mount`, an image's VOLUME): the named volume,
   * created with these options and labels when missing, or a new anonymous one; `created` tells
   * which. `reference` as for create().
   */
  async getOrCreate(req: VolumeCreateRequest, reference?: string): Promise<{ Name: string; Mountpoint: string; created: boolean }> {
    const { entry, created } = await this.createEntry(req, reference);
    return { Name: entry.rec.Name, Mountpoint: this.dataPath(entry.rec.Name), created };
  }

  private async createEntry(req: VolumeCreateRequest, reference: string | undefined): Promise<{ entry: Entry; created: boolean }> {
    const name = req.Name || randomVolumeName();
    const driver = req.Driver || DRIVER;
    return this.locks.run(name, async () => {
      if (driver !== DRIVER) throw opError('create', name, notFound(`error looking up volume plugin ${driver}: plugin ${JSON.stringify(driver)} not found`));
      let entry = this.volumes.get(name);
      const created = !entry;
      if (!entry) {
        try {
          checkVolumeName(name);
          validateLocalOptions(req.DriverOpts);
        } catch (err) {
          throw opError('create', name, err);
        }
        const labels = req.Name ? req.Labels : { ...req.Labels, [ANONYMOUS_LABEL]: '' };
        const rec: VolumeRecord = { Name: name, Driver: DRIVER, Labels: sortedMap(labels), Options: sortedMap(req.DriverOpts), CreatedAt: rfc3339Local(new Date()) };
        await writeVolumeDir(this.root, rec).catch((err) => { throw opError('create', name, err); });
        entry = { rec, mount: mountSpecOf(rec.Options), mounted: false, active: new Set() };
        this.volumes.set(name, entry);
        this.events?.emit('volume', 'create', name, { driver: DRIVER });
      }
      if (reference) this.addReference(reference, name);
      return { entry, created };
    });
  }

  /** GET /volumes/{name}. */
  get(name: string): Volume {
    return this.view(this.entry(name));
  }

  has(name: string): boolean {
    return this.volumes.has(name);
  }

  /** GET /volumes: filters dangling, driver, label, name (moby's acceptedListFilters). */
  list(filters?: Filters | string): VolumeListResponse {
    const pred = volumePredicate(typeof filters === 'object' ? filters : parseFilters(filters), LIST_FILTERS);
    return { Volumes: this.sorted().filter((e) => pred(this.subject(e))).map((e) => this.view(e)), Warnings: null };
  }

  /**
   * DELETE /volumes/{name}. A volume any container references is refused (409, with their ids);
   * `force` only makes a missing volume no error.
   */
  async remove(name: string, force = false): Promise<void> {
    await this.locks.run(name, async () => {
      const e = this.volumes.get(name);
      if (!e) {
        if (force) return;
        throw notFound(`get ${name}: no such volume`);
      }
      const users = this.usersOf(name);
      if (users.length) throw conflict(`remove ${name}: volume is in use - [${users.join(', ')}]`);
      await this.destroy(e);
    });
  }

  /**
   * POST /volumes/prune: unused volumes without driver options, only anonymous ones unless
   * `all=true` (API 1.42+; the route adds it for older clients), narrowed by label / label!.
   */
  async prune(filters?: Filters | string): Promise<VolumesPruneReport> {
    if (this.pruning) throw conflict('a prune operation is already running');
    this.pruning = true;
    try {
      const f = pruneFilters(typeof filters === 'object' ? filters : parseFilters(filters));
      const pred = volumePredicate(f, PRUNE_FILTERS);
      const report: VolumesPruneReport = { VolumesDeleted: [], SpaceReclaimed: 0 };
      for (const e of this.sorted().filter((v) => !hasOptions(v) && pred(this.subject(v)))) {
        const name = e.rec.Name;
        const size = await directorySize(this.dataPath(name));
        const removed = await this.locks.run(name, async () => {
          if (this.volumes.get(name) !== e || this.usersOf(name).length) return false;
          await this.destroy(e);
          return true;
        }).catch((err) => {
          log.warn('could not prune volume', { volume: name, error: errorMessage(err) });
          return false;
        });
        if (!removed) continue;
        report.VolumesDeleted.push(name);
        report.SpaceReclaimed += size;
      }
      this.events?.emit('volume', 'prune', '', { reclaimed: String(report.SpaceReclaimed) });
      return report;
    } finally {
      this.pruning = false;
    }
  }

  // ---- usage, for the container side

  /**
   * A container is about to run with the volume: mounts a driver-options volume on first use.
   * Returns the host path to bind into the container. Idempotent per container.
   */
  async acquire(name: string, containerId: string): Promise<string> {
    return this.locks.run(name, async () => {
      const e = this.entry(name);
      const path = this.dataPath(name);
      if (e.mount && !e.mounted) {
        await mkdir(path, { recursive: true });
        await mountVolume(e.mount, path);
        e.mounted = true;
      }
      e.active.add(containerId);
      return path;
    });
  }

  /** The container stopped: unmounts a driver-options volume once its last user is gone. */
  async release(name: string, containerId: string): Promise<void> {
    await this.locks.run(name, async () => {
      const e = this.volumes.get(name);
      if (!e) return;
      e.active.delete(containerId);
      if (e.mounted && e.active.size === 0) await this.unmountEntry(e);
    });
  }

  /**
   * The volumes a container references (at its creation, and again at restore): it replaces what
   * was recorded for that container. Referenced volumes are refused for removal and not pruned.
   */
  setReferences(containerId: string, names: readonly string[]): void {
    this.dropReferences(containerId);
    for (const n of names) this.addReference(containerId, n);
  }

  /** The container was removed. */
  dropReferences(containerId: string): void {
    for (const n of this.refsOf.get(containerId) ?? []) {
      const set = this.refs.get(n);
      set?.delete(containerId);
      if (set?.size === 0) this.refs.delete(n);
    }
    this.refsOf.delete(containerId);
  }

  /** Containers referencing or using the volume, sorted. */
  usersOf(name: string): string[] {
    const users = new Set(this.refs.get(name));
    for (const c of this.volumes.get(name)?.active ?? []) users.add(c);
    return [...users].sort();
  }

  /** Whether _data has no entries (copy-up of image content happens only into an empty volume). */
  isEmpty(name: string): boolean {
    this.entry(name);
    return readdirSync(this.dataPath(name)).length === 0;
  }

  /** The size of _data, in bytes (as `du`, each hard-linked file once). */
  size(name: string): Promise<number> {
    this.entry(name);
    return directorySize(this.dataPath(name));
  }

  /**
   * /system/df's Volumes: local volumes without driver options (moby's LocalVolumesSize), each
   * with UsageData (Size, RefCount = containers referencing or using it).
   */
  async diskUsage(): Promise<Volume[]> {
    const out: Volume[] = [];
    for (const e of this.sorted().filter((v) => !hasOptions(v))) {
      const Size = await directorySize(this.dataPath(e.rec.Name)).catch(() => -1);
      out.push({ ...this.view(e), UsageData: { Size, RefCount: this.usersOf(e.rec.Name).length } });
    }
    return out;
  }

  // ---- internals

  private entry(name: string): Entry {
    const e = this.volumes.get(name);
    if (!e) throw notFound(`get ${name}: no such volume`);
    return e;
  }

  private sorted(): Entry[] {
    return [...this.volumes.values()].sort((a, b) => (a.rec.Name < b.rec.Name ? -1 : a.rec.Name > b.rec.Name ? 1 : 0));
  }

  private subject(e: Entry): FilterSubject {
    return { name: e.rec.Name, driver: e.rec.Driver, labels: e.rec.Labels, inUse: this.usersOf(e.rec.Name).length > 0 };
  }

  private view(e: Entry): Volume {
    const { rec } = e;
    return {
      CreatedAt: rec.CreatedAt, Driver: rec.Driver, Labels: rec.Labels && { ...rec.Labels }, Mountpoint: this.dataPath(rec.Name),
      Name: rec.Name, Options: rec.Options && { ...rec.Options }, Scope: 'local',
    };
  }

  private addReference(containerId: string, name: string): void {
    let set = this.refs.get(name);
    if (!set) this.refs.set(name, (set = new Set()));
    set.add(containerId);
    let names = this.refsOf.get(containerId);
    if (!names) this.refsOf.set(containerId, (names = new Set()));
    names.add(name);
  }

  private async unmountEntry(e: Entry): Promise<void> {
    const path = this.dataPath(e.rec.Name);
    try {
      await unmountPath(path);
    } finally {
      e.mounted = isMountPoint(path);
    }
  }

  /** Unmounts, takes the directory out of the root (one rename), then deletes it. */
  private async destroy(e: Entry): Promise<void> {
    const name = e.rec.Name;
    try {
      const dir = join(this.root, name);
      for (const m of mountsUnder(dir)) await unmountPath(m);
      e.mounted = false;
      const gone = join(this.root, `.gone-${name}-${randomBytes(4).toString('hex')}`);
      await rename(dir, gone);
      this.volumes.delete(name);
      await this.deleteDir(gone);
    } catch (err) {
      throw opError('remove', name, err);
    }
    this.events?.emit('volume', 'destroy', name, { driver: DRIVER });
  }

  /** rm -rf, but never through a mount point: whatever is mounted under `dir` is unmounted first. */
  private async deleteDir(dir: string): Promise<void> {
    for (const m of mountsUnder(dir)) await unmountPath(m);
    if (mountsUnder(dir).length) throw systemError(`unable to remove ${dir}: a mount is still under it`);
    await rm(dir, { recursive: true, force: true });
  }
}
