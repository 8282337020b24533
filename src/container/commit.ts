// `POST /commit` (moby daemon/commit.go CreateImageFromContainer, image.NewChildImage): a
// container's writable layer becomes a layer on top of its image, with the container's config
// (changed by `--change` Dockerfile instructions and merged with the config given in the body),
// a history entry for the container's command, and the image as parent.
import type { Readable } from 'node:stream';
import { chainIds } from '../common/digest.js';
import { conflict, notFound } from '../common/errors.js';
import { nowRfc3339Nano } from '../common/time.js';
import { applyChanges } from '../image/changes.js';
import { familiarString, repoTagReference, type Reference } from '../image/reference.js';
import type { Image } from '../image/store.js';
import type { ImageService } from '../image/service.js';
import type { ContainerConfig, HistoryEntry, ImageConfig } from '../image/types.js';
import { getXattr, OPAQUE_XATTR } from '../layer/fsutil.js';
import { FsTree, type FsDir, type Stats } from './archive-fs.js';
import type { ContainerFsAccess } from './archive.js';
import type { ContainerRecord } from './types.js';
import { tarTree } from './archive-tar.js';
import { isPlaceholder, LowerView } from './changes.js';

/** The digest of a tar with no entries: a commit that changed nothing adds no layer. */
export const EMPTY_TAR_DIFF_ID = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

export interface CommitRequest {
  container: string;
  repo?: string;
  tag?: string;
  comment?: string;
  author?: string;
  /** Freeze a running container while its layer is read (default true). */
  pause: boolean;
  /** Dockerfile instructions (CMD, ENV, …) applied to the config. */
  changes: string[];
  /** The config from the request body; the container's own when absent. */
  config?: ContainerConfig | null;
}

export async function commitContainer(fsa: ContainerFsAccess, images: ImageService, req: CommitRequest): Promise<string> {
  const rec = fsa.record(req.container);
  if (rec.State.Dead) throw conflict(`You cannot commit container ${rec.Id} which is Dead`);
  // Everything the client got wrong is refused before any work.
  const ref = repoTagReference(req.repo ?? '', req.tag || undefined);
  const config = commitConfig(req.config ?? rec.Config, rec.Config, req.changes);
  const parent = images.store.get(rec.Image);
  if (!parent) throw notFound(`No such image: ${rec.Image}`);

  let paused = false;
  if (req.pause && rec.State.Running && !rec.State.Paused) {
    // As moby: a container that cannot be paused is committed as it is.
    paused = await fsa.pause(rec.Id).then(() => true, () => false);
  }
  // As moby, the unpause is deferred: it comes after the tag and the commit event.
  try {
    return await commitPaused(fsa, images, req, rec, config, parent, ref);
  } finally {
    if (paused) await fsa.unpause(rec.Id).catch(() => {});
  }
}

async function commitPaused(fsa: ContainerFsAccess, images: ImageService, req: CommitRequest, rec: ContainerRecord, config: ContainerConfig,
  parent: Image, ref: Reference | undefined): Promise<string> {
  const id = await createImage(fsa, images, req, rec, config, parent);
  if (ref) await images.tagReference(id, ref);
  fsa.events.emit('container', 'commit', rec.Id, fsa.attrs(rec, { comment: req.comment ?? '', imageID: id, imageRef: ref ? familiarString(ref) : '' }));
  return id;
}

/** image.NewChildImage: the parent's layers plus the writable layer (none if it is empty). */
async function createImage(fsa: ContainerFsAccess, images: ImageService, req: CommitRequest, rec: ContainerRecord, config: ContainerConfig,
  parent: Image): Promise<string> {
  const { upper, lowers } = fsa.layerDirs(rec.Id);
  const staged = await images.layers.stage(writableLayerTar(upper, lowers));
  let committed = false;
  try {
    const empty = staged.diffId === EMPTY_TAR_DIFF_ID;
    const created = nowRfc3339Nano();
    const history: HistoryEntry = { created };
    if (req.author) history.author = req.author;
    const createdBy = (rec.Config.Cmd ?? []).join(' ');
    if (createdBy) history.created_by = createdBy;
    if (req.comment) history.comment = req.comment;
    if (empty) history.empty_layer = true;
    const parentDiffs = parent.config.rootfs?.diff_ids ?? [];
    const image: ImageConfig = {
      ...(req.comment ? { comment: req.comment } : {}),
      created,
      ...(req.author ? { author: req.author } : {}),
      config,
      architecture: parent.config.architecture,
      ...(parent.config.variant ? { variant: parent.config.variant } : {}),
      os: parent.config.os,
      rootfs: { type: 'layers', diff_ids: empty ? [...parentDiffs] : [...parentDiffs, staged.diffId] },
      history: [...(parent.config.history ?? []), history],
    };
    for (const k of ['os.version', 'os.features'] as const) if (parent.config[k] !== undefined) image[k] = parent.config[k];
    if (empty) await staged.discard();
    else await staged.commit(chainIds(parentDiffs).pop() ?? null);
    committed = true;
    return (await images.store.create(image, { parent: rec.Image })).record.id;
  } finally {
    if (!committed) await staged.discard().catch(() => {});
  }
}

/**
 * dockerfile.BuildFromConfig plus moby's merge: the changes applied to `base`, and whatever they
 * and the request left unset taken from the container's config.
 */
export function commitConfig(base: ContainerConfig, container: ContainerConfig, changes: readonly string[]): ContainerConfig {
  const out = applyChanges(structuredClone(base), [...changes]);
  // The builder's dispatch: ENTRYPOINT resets CMD unless a CMD came before it.
  let cmdSet = false;
  for (const c of changes) {
    const instr = c.trim().split(/\s/, 1)[0]!.toUpperCase();
    if (instr === 'CMD') cmdSet = true;
    else if (instr === 'ENTRYPOINT' && !cmdSet) out.Cmd = null;
  }
  return mergeConfig(out, container);
}

/** moby daemon/commit.go merge: `user` keeps what it sets, the rest comes from `image`. */
export function mergeConfig(user: ContainerConfig, image: ContainerConfig): ContainerConfig {
  const out: ContainerConfig = { ...user };
  if (!out.User) out.User = image.User;
  if (!out.ExposedPorts || Object.keys(out.ExposedPorts).length === 0) out.ExposedPorts = image.ExposedPorts;
  else if (image.ExposedPorts) out.ExposedPorts = { ...out.ExposedPorts, ...Object.fromEntries(Object.entries(image.ExposedPorts).filter(([p]) => !(p in out.ExposedPorts!))) };
  if (!out.Env || out.Env.length === 0) out.Env = image.Env;
  else {
    const keys = new Set(out.Env.map((e) => e.split('=')[0]));
    out.Env = [...out.Env, ...(image.Env ?? []).filter((e) => !keys.has(e.split('=')[0]))];
  }
  out.Labels = { ...(image.Labels ?? {}), ...(out.Labels ?? {}) };
  if (!out.Entrypoint || out.Entrypoint.length === 0) {
    if (!out.Cmd || out.Cmd.length === 0) {
      out.Cmd = image.Cmd;
      out.ArgsEscaped = image.ArgsEscaped;
    }
    if (out.Entrypoint === undefined || out.Entrypoint === null) out.Entrypoint = image.Entrypoint;
  }
  if (image.Healthcheck) {
    if (!out.Healthcheck) out.Healthcheck = image.Healthcheck;
    else {
      const h = { ...out.Healthcheck };
      if (!h.Test?.length) h.Test = image.Healthcheck.Test;
      if (!h.Interval) h.Interval = image.Healthcheck.Interval;
      if (!h.Timeout) h.Timeout = image.Healthcheck.Timeout;
      if (!h.StartPeriod) h.StartPeriod = image.Healthcheck.StartPeriod;
      if (!h.Retries) h.Retries = image.Healthcheck.Retries;
      out.Healthcheck = h;
    }
  }
  if (!out.WorkingDir) out.WorkingDir = image.WorkingDir;
  if (!out.Volumes || Object.keys(out.Volumes).length === 0) out.Volumes = image.Volumes;
  else out.Volumes = { ...out.Volumes, ...(image.Volumes ?? {}) };
  if (!out.StopSignal) out.StopSignal = image.StopSignal;
  return out;
}

/**
 * The writable layer as a layer tar (overlay whiteouts as `.wh.` entries), without what Docker
 * keeps in a container's init layer: the placeholders runc made for its mount points, and the
 * directories copied up only to hold them. Read through descriptors: a running container cannot
 * steer it.
 */
export function writableLayerTar(upper: string, lowers: readonly string[]): Readable {
  const tree = new FsTree(upper, 'beneath');
  const low = new LowerView(lowers);
  const skip = (path: string, st: Stats, dir: FsDir, name: string): boolean => skippable(tree, low, dir, name, path, st) !== undefined;
  return tarTree(tree, { dir: tree.root }, { name: '', layer: true, skip }, () => { low.close(); tree.close(); });
}

/**
 * Whether an upper-dir entry is init-layer bookkeeping: undefined if it is the container's own
 * change, else whether it is (or holds) a placeholder — a directory is bookkeeping when all it
 * holds is, and it holds at least one placeholder.
 */
function skippable(tree: FsTree, low: LowerView, dir: FsDir, name: string, path: string, st: Stats): boolean | undefined {
  const lower = low.lookup(path)?.st;
  if (!st.isDirectory()) return isPlaceholder(path, st, lower !== undefined) ? true : undefined;
  const copiedUp = lower !== undefined && lower.isDirectory() && lower.mode === st.mode && lower.uid === st.uid && lower.gid === st.gid
    && getXattr(dir.at(name), OPAQUE_XATTR)?.toString() !== 'y';
  const placeholder = isPlaceholder(path, st, lower !== undefined);
  if (!copiedUp && !placeholder) return undefined;
  let holdsPlaceholder = placeholder;
  const d = tree.openChildDir(dir, name);
  try {
    for (const c of tree.readdir(d)) {
      const cst = tree.lstat(d, c);
      if (!cst) continue;
      const r = skippable(tree, low, d, c, d.child(c), cst);
      if (r === undefined) return undefined;
      holdsPlaceholder ||= r;
    }
  } finally {
    tree.closeDir(d);
  }
  return holdsPlaceholder ? true : undefined;
}
