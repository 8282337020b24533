// The engine side of `docker build`: overlay workspaces over image layers, one-shot `runc run`
// processes for RUN, and committing a workspace's upper dir as a layer and image.
//
// RUN steps use a foreground `runc run` instead of conmon: a build step needs neither a monitor
// that outlives the daemon nor a pty, and it saves ~25 ms per step (runtime-notes §8).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync, chownSync, cpSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync,
} from 'node:fs';
import { resolveInRoot } from '../common/rootfs-path.js';
import { dirname, join } from 'node:path';
import type { BaseImage, BuildBackend, BuildImageConfig, RootView, RunMountSpec, RunRequest, StepLayer, Workspace } from '../builder/backend.js';
import { CacheMountStore } from '../builder/cache-mounts.js';
import { mknod } from '../layer/fsutil.js';
import { chainIds, hexOf } from '../common/digest.js';
import { invalidParameter, systemError } from '../common/errors.js';
import { log } from '../common/log.js';
import { mountsUnder } from '../common/mountinfo.js';
import { runChecked, runCommand } from '../common/command.js';
import type { ImageService } from '../image/service.js';
import { parseNormalizedNamed, familiarString } from '../image/reference.js';
import type { JsonMessage } from '../distribution/progress.js';
import type { LayerStore, StagedLayer } from '../layer/store.js';
import { removeCgroup } from '../runtime/cgroups.js';
import { hostRlimits } from '../runtime/host-limits.js';
import { mountOverlay, unmount } from '../runtime/overlay.js';
import { buildSpec, specJson, type OciMount } from '../runtime/spec.js';
import { hostsFile, hostnameFile, resolvConf } from './etc-files.js';
import { ensureWorkdir, resolveUser } from './user.js';
import { INIT_DIRS, INIT_FILES } from './init-layer.js';
import { embeddedResolvConf, type ContainerNetworks } from './networking.js';
import type { ContainerNetworkState } from '../network/types.js';

export interface BuildBackendConfig {
  /** `<data-root>/builder`: scratch space on the layer store's filesystem. */
  root: string;
  layersRoot: string;
  runtime: string;
  runcRoot: string;
  cgroupParent: string;
  hostResolvConf: string;
  seccomp: boolean;
}

/** Docker's init layer: mount points runc would otherwise create in the upper dir. */

class OverlayWorkspace implements Workspace {
  constructor(readonly dir: string, readonly root: string, private readonly layers: LayerStore) {}

  async finish(): Promise<StepLayer | null> {
    await unmount(this.root);
    const upper = join(this.dir, 'upper');
    if (readdirSync(upper).length === 0) {
      await this.discard();
      return null;
    }
    const staged = await this.layers.stageDirectory(upper);
    rmSync(this.dir, { recursive: true, force: true });
    return staged;
  }

  async discard(): Promise<void> {
    await unmount(this.root).catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class ContainerBuildBackend implements BuildBackend {
  private readonly tmp: string;
  private readonly initDir: string;
  private networks?: ContainerNetworks;

  private readonly cacheMountStore: CacheMountStore;

  constructor(private readonly images: ImageService, private readonly layers: LayerStore, private readonly cfg: BuildBackendConfig) {
    this.tmp = join(cfg.root, 'tmp');
    this.initDir = join(cfg.root, 'init');
    this.cacheMountStore = new CacheMountStore(join(cfg.root, 'cache-mounts'));
  }

  /** Unmounts and removes what a build interrupted by a crash left behind. */
  async init(): Promise<void> {
    for (const m of mountsUnder(this.tmp)) await unmount(m).catch((e) => log.warn('stale build mount', { m, err: String(e) }));
    rmSync(this.tmp, { recursive: true, force: true });
    mkdirSync(this.tmp, { recursive: true, mode: 0o700 });
    rmSync(this.initDir, { recursive: true, force: true });
    for (const d of INIT_DIRS) mkdirSync(join(this.initDir, d), { recursive: true, mode: 0o755 });
    for (const f of INIT_FILES) writeFileSync(join(this.initDir, f), '', { mode: 0o755 });
    symlinkSync('/proc/mounts', join(this.initDir, 'etc/mtab'));
    // Cache mount directories half made when the daemon stopped (they are made under a temporary name).
    try {
      const dir = this.cacheMountStore.root;
      for (const n of readdirSync(dir)) if (n.includes('.tmp-')) rmSync(join(dir, n), { recursive: true, force: true });
    } catch { /* none yet */ }
  }

  scratchDir(): string {
    const dir = join(this.tmp, randomBytes(8).toString('hex'));
    mkdirSync(dir, { mode: 0o700 });
    return dir;
  }

  getImage(nameOrId: string): BaseImage | undefined {
    try {
      const img = this.images.resolve(nameOrId);
      return { id: img.record.id, config: img.config };
    } catch {
      return undefined;
    }
  }

  async pullImage(ref: string, platform: string | undefined, progress: (line: string) => void): Promise<BaseImage> {
    const named = parseNormalizedNamed(ref);
    await this.images.pull({ image: ref, platform }, {
      write: (m: JsonMessage) => {
        if (m.error || m.errorDetail) return;
        if (m.status && !m.progressDetail?.total) progress(m.id ? `${m.id}: ${m.status}` : m.status);
      },
    });
    const img = this.getImage(familiarString(named));
    if (!img) throw systemError(`pulled ${ref} but it is not in the store`);
    return img;
  }

  private lowers(image: BaseImage | null): string[] {
    return image ? chainIds(image.config.rootfs.diff_ids).reverse().map((c) => `${hexOf(c)}/diff`) : [];
  }

  async openWorkspace(base: BaseImage | null, opts: { forRun: boolean }): Promise<Workspace> {
    const dir = this.scratchDir();
    const ws = new OverlayWorkspace(dir, join(dir, 'merged'), this.layers);
    mkdirSync(join(dir, 'upper'), { mode: 0o755 });
    mkdirSync(join(dir, 'work'));
    let lowers = this.lowers(base);
    if (opts.forRun) lowers = [this.initDir, ...lowers];
    try {
      await mountOverlay({ layersRoot: this.cfg.layersRoot, lowers, upper: join(dir, 'upper'), work: join(dir, 'work'), target: ws.root, volatile: true });
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    return ws;
  }

  async openView(image: BaseImage): Promise<RootView> {
    const lowers = this.lowers(image);
    if (lowers.length === 1) return { root: join(this.cfg.layersRoot, lowers[0]!), close: async () => {} };
    const dir = this.scratchDir();
    const root = join(dir, 'root');
    mkdirSync(root, { mode: 0o755 });
    const close = async () => { await unmount(root).catch(() => {}); rmSync(dir, { recursive: true, force: true }); };
    if (lowers.length === 0) return { root, close };
    // An overlay of lower dirs alone is read-only and needs no upper.
    const r = await runCommand('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lowers.join(':')},redirect_dir=off,index=off,metacopy=off`, root], { cwd: this.cfg.layersRoot });
    if (r.code !== 0) {
      await close();
      throw systemError(`cannot mount the layers of ${image.id}`);
    }
    return { root, close };
  }

  async run(ws: Workspace, req: RunRequest): Promise<number> {
    const rootfs = ws.root;
    const user = resolveUser(rootfs, req.user);
    if (req.cwd !== '/') ensureWorkdir(rootfs, req.cwd, 0, 0);
    const bundle = join(this.tmp, `run-${req.id.slice(0, 16)}`);
    mkdirSync(bundle, { mode: 0o700 });
    const hostname = req.id.slice(0, 12);
    const cgroupsPath = `${this.cfg.cgroupParent}/build-${req.id.slice(0, 16)}`;
    let stepMounts: StepMounts | undefined;
    let net: { holder: ChildProcess; state: ContainerNetworkState } | undefined;
    try {
      stepMounts = await prepareStepMounts(rootfs, bundle, req.mounts ?? []);
      // Steps join the default bridge (or the --network named), as the classic builder's containers do.
      net = req.networkMode === 'host' || req.networkMode === 'none' || !this.networks ? undefined : await this.joinNetwork(req, hostname);
      const networkMode = net ? { netnsPath: `/proc/${net.holder.pid}/ns/net` } : req.networkMode === 'host' ? 'host' : req.networkMode === 'none' ? 'none' : 'private';
      const simpleMode = typeof networkMode === 'string' ? networkMode : 'bridge';
      writeFileSync(join(bundle, 'hosts'), hostsFile({ hostname, extraHosts: req.extraHosts, networkMode: simpleMode, hostHosts: readHostHosts(), ips: net?.state.ips, hostGateway: this.networks?.hostGateway() }));
      writeFileSync(join(bundle, 'hostname'), hostnameFile(hostname));
      writeFileSync(join(bundle, 'resolv.conf'), net?.state.nameserver
        ? embeddedResolvConf(this.cfg.hostResolvConf, {})
        : resolvConf(this.cfg.hostResolvConf, { networkMode: simpleMode }));
      const volumeMounts = req.volumes.map((v, i) => {
        // An anonymous volume, as the classic builder's container gets: the image's content copied
        // in, and whatever the step writes there thrown away with it.
        const src = join(bundle, `vol${i}`);
        mkdirSync(src, { mode: 0o755 });
        const inRoot = resolveInRoot(rootfs, v);
        try {
          if (statSync(inRoot).isDirectory()) cpSync(inRoot, src, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
        } catch { /* nothing there yet */ }
        return { destination: v, type: 'bind', source: src, options: ['rbind', 'rw'] };
      });
      const spec = buildSpec({
        id: req.id,
        args: req.args,
        env: req.env,
        cwd: req.cwd,
        user,
        tty: false,
        openStdin: false,
        hostname,
        rootfsPath: rootfs,
        hostConfig: { ShmSize: req.shmSize },
        networkMode,
        etcFiles: { hosts: join(bundle, 'hosts'), hostname: join(bundle, 'hostname'), resolvConf: join(bundle, 'resolv.conf') },
        cgroupsPath,
        hostRlimits: hostRlimits(),
        seccomp: this.cfg.seccomp ? undefined : null,
        // After the volumes, so a --mount at a VOLUME path is the one the step sees.
        mounts: [...volumeMounts, ...stepMounts.oci],
      });
      writeFileSync(join(bundle, 'config.json'), specJson(spec));
      return await new Promise<number>((resolve, reject) => {
        const p = spawn(this.cfg.runtime, ['--root', this.cfg.runcRoot, 'run', '--bundle', bundle, req.id], {
          stdio: ['ignore', 'pipe', 'pipe'], cwd: bundle,
        });
        const onAbort = () => { spawn(this.cfg.runtime, ['--root', this.cfg.runcRoot, 'kill', req.id, 'KILL'], { stdio: 'ignore' }); };
        req.signal?.addEventListener('abort', onAbort, { once: true });
        p.stdout.on('data', req.output);
        p.stderr.on('data', req.errorOutput);
        p.on('error', (e) => reject(systemError(`cannot run ${this.cfg.runtime}: ${e.message}`, e)));
        p.on('close', (code, sig) => {
          req.signal?.removeEventListener('abort', onAbort);
          resolve(code ?? (sig ? 128 + 9 : 255));
        });
      });
    } finally {
      // A foreground `runc run` deletes its container on exit; only the cgroup dir may remain.
      removeCgroup(cgroupsPath);
      await stepMounts?.cleanup();
      rmSync(bundle, { recursive: true, force: true });
      if (net) {
        net.holder.kill('SIGKILL');
        await this.networks!.release(req.id).catch(() => {});
      }
    }
  }

  /**
   * A network namespace for a step, wired before the step runs: `runc run` cannot pause between
   * create and start, so a holder process owns the namespace and the step joins it.
   */
  private async joinNetwork(req: RunRequest, hostname: string): Promise<{ holder: ChildProcess; state: ContainerNetworkState }> {
    const name = !req.networkMode || req.networkMode === 'default' ? 'bridge' : req.networkMode;
    const n = this.networks!.get(name);
    const state = await this.networks!.prepare({
      containerId: req.id, name: `build-${hostname}`, hostname, pid: 0, endpoints: { [n.Name]: {} },
      portBindings: null, publishAll: false, exposedPorts: [], links: [],
    });
    const holder = spawn('unshare', ['--net', 'sh', '-c', 'echo ready; exec sleep 86400'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.once('error', reject);
        holder.once('exit', () => reject(systemError('the build step\'s network namespace holder exited')));
        holder.stdout!.once('data', () => resolve());
      });
      holder.removeAllListeners('exit');
      await this.networks!.plumb(req.id, holder.pid!);
      return { holder, state };
    } catch (e) {
      holder.kill('SIGKILL');
      await this.networks!.release(req.id).catch(() => {});
      throw e;
    }
  }

  cacheMounts(): CacheMountStore {
    return this.cacheMountStore;
  }

  /** Bridge networking for RUN steps (without it, a step gets a loopback-only namespace). */
  setNetworks(n: ContainerNetworks): void {
    this.networks = n;
  }

  async createImage(config: BuildImageConfig, parentId: string | undefined, layer: StepLayer | null): Promise<string> {
    if (layer) {
      const diffs = config.rootfs.diff_ids;
      if (diffs[diffs.length - 1] !== layer.diffId) throw invalidParameter('the image config does not end with the step layer');
      const parentChain = chainIds(diffs.slice(0, -1)).pop() ?? null;
      await (layer as StagedLayer).commit(parentChain);
    }
    const img = await this.images.store.create(config, parentId ? { parent: parentId } : {});
    return img.record.id;
  }

  async tag(imageId: string, refs: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const r of refs) {
      const named = parseNormalizedNamed(r);
      await this.images.tagReference(imageId, named);
      out.push(familiarString(named));
    }
    return out;
  }
}

/**
 * Removes the images a build cache pointed at once nothing needs them: untagged, without
 * children or containers (their untagged parents go with them, as `docker rmi` prunes).
 * Returns the ids removed and the layer bytes freed.
 */
export async function pruneBuildImages(images: ImageService, layers: LayerStore, ids: Iterable<string>): Promise<{ deleted: string[]; reclaimed: number }> {
  const before = new Map(layers.list().map((l) => [l.chainId, l.size]));
  const deleted: string[] = [];
  let progress = true;
  const pending = new Set(ids);
  while (progress) {
    progress = false;
    for (const id of pending) {
      const img = images.store.get(id);
      if (!img) { pending.delete(id); continue; }
      if (images.store.referencesOf(id).length || images.store.children(id).length) continue;
      try {
        for (const r of await images.remove(id, false, true)) if (r.Deleted?.startsWith('sha256:') && images.store.get(r.Deleted) === undefined && !before.has(r.Deleted)) deleted.push(r.Deleted);
        pending.delete(id);
        progress = true;
      } catch { /* in use by a container: kept */ }
    }
  }
  const after = new Set(layers.list().map((l) => l.chainId));
  let reclaimed = 0;
  for (const [c, size] of before) if (!after.has(c)) reclaimed += size;
  return { deleted, reclaimed };
}

// ---- RUN --mount --------------------------------------------------------------------------

interface StepMounts {
  oci: OciMount[];
  /** Unmounts what was mounted on the host and removes the mount points made in the root. */
  cleanup(): Promise<void>;
}

/**
 * The OCI mounts of a step's --mount flags. runc creates a missing mount point in the root (an
 * empty dir, or file for a file bind), which would end up in the layer: they are noted here and
 * removed after the step if still empty, as BuildKit's mount stub cleaner does. A bind that must
 * hide .dockerignore'd paths or throw its writes away is an overlay of the source mounted in the
 * bundle: the source as a lower dir under a dir of whiteouts, and a throwaway upper dir.
 */
async function prepareStepMounts(rootfs: string, bundle: string, mounts: RunMountSpec[]): Promise<StepMounts> {
  const oci: OciMount[] = [];
  const stubs = new Set<string>();
  const hostMounts: string[] = [];
  const cleanup = async () => {
    for (const m of hostMounts.splice(0).reverse()) await unmount(m).catch((e) => log.warn('build mount', { m, err: String(e) }));
    // Deepest first: a parent stub goes once its child has.
    for (const p of [...stubs].sort((a, b) => b.length - a.length)) {
      try {
        const st = lstatSync(p);
        if (st.isDirectory()) rmdirSync(p);
        else if (st.isFile() && st.size === 0) rmSync(p);
      } catch { /* written to by the step, or gone: kept as it is */ }
    }
    stubs.clear();
  };
  try {
    for (const [i, m] of mounts.entries()) {
      for (const p of missingPaths(rootfs, m.target)) stubs.add(p);
      if (m.type === 'tmpfs') {
        oci.push({ destination: m.target, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777', ...(m.size ? [`size=${m.size}`] : [])] });
        continue;
      }
      let source = m.source;
      const isDir = statSync(source).isDirectory();
      const hide = isDir ? m.hide ?? [] : [];
      if (m.discardWrites && !isDir) {
        // A file: a copy takes the writes.
        source = join(bundle, `mnt${i}-file`);
        cpSync(m.source, source, { preserveTimestamps: true });
      } else if (hide.length || m.discardWrites) {
        source = await overlayOf(join(bundle, `mnt${i}`), m.source, hide, m.discardWrites === true, hostMounts);
      }
      oci.push({ destination: m.target, type: 'bind', source, options: ['rbind', m.readonly ? 'ro' : 'rw', 'rprivate'] });
    }
  } catch (e) {
    await cleanup();
    throw e;
  }
  return { oci, cleanup };
}

/** Host paths that `target` (a path in the root) needs created: deepest first. */
function missingPaths(rootfs: string, target: string): string[] {
  const base = rootfs.length > 1 && rootfs.endsWith('/') ? rootfs.slice(0, -1) : rootfs;
  const out: string[] = [];
  for (let p = resolveInRoot(base, target); p.startsWith(base + '/'); p = dirname(p)) {
    try {
      lstatSync(p);
      break;
    } catch {
      out.push(p);
    }
  }
  return out;
}

/** Mounts an overlay of `source` at `<dir>/merged`; its path. Every mount made is added to `mounted`. */
async function overlayOf(dir: string, source: string, hide: string[], writable: boolean, mounted: string[]): Promise<string> {
  mkdirSync(dir, { mode: 0o700 });
  let lower = source;
  if (/[:,\\]/.test(source)) {
    // Overlay options cannot carry these characters: reach the source through a plain path.
    lower = join(dir, 'src');
    mkdirSync(lower);
    await runChecked('mount', ['--bind', source, lower]);
    mounted.push(lower);
  }
  const lowers = [lower];
  if (hide.length) {
    const wh = join(dir, 'hide');
    await whiteouts(wh, source, hide);
    lowers.unshift(wh);
  }
  let opts = `lowerdir=${lowers.join(':')},redirect_dir=off,index=off,metacopy=off`;
  if (writable) {
    mkdirSync(join(dir, 'upper'));
    mkdirSync(join(dir, 'work'));
    opts += `,upperdir=${join(dir, 'upper')},workdir=${join(dir, 'work')}`;
  }
  const merged = join(dir, 'merged');
  mkdirSync(merged);
  await runChecked('mount', ['-t', 'overlay', 'overlay', '-o', opts, merged]);
  mounted.push(merged);
  return merged;
}

/**
 * A layer of whiteouts for `hide` (paths under `source`), its dirs with the source's owners and
 * modes: overlay takes a merged dir's attributes from the topmost layer that has it.
 */
async function whiteouts(wh: string, source: string, hide: string[]): Promise<void> {
  const copyAttrs = (from: string, to: string) => {
    const st = lstatSync(from);
    chownSync(to, st.uid, st.gid);
    chmodSync(to, st.mode & 0o7777);
    utimesSync(to, st.atime, st.mtime);
  };
  mkdirSync(wh);
  const dirs = new Set<string>();
  for (const rel of hide) {
    const parts = rel.split('/');
    for (let k = 1; k < parts.length; k++) {
      const d = parts.slice(0, k).join('/');
      if (!dirs.has(d)) { dirs.add(d); mkdirSync(join(wh, d)); }
    }
    await mknod(join(wh, rel), 'c', 0, 0, 0);
  }
  for (const d of [...dirs].sort((a, b) => b.length - a.length)) copyAttrs(join(source, d), join(wh, d));
  copyAttrs(source, wh);
}

function readHostHosts(): string | undefined {
  try { return readFileSync('/etc/hosts', 'utf8'); } catch { return undefined; }
}
