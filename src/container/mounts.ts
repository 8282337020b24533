// A container's mount points as moby registers them at create (daemon/volumes.go): -v binds and
// volumes (HostConfig.Binds), --mount (HostConfig.Mounts), --volumes-from, and the anonymous
// volumes of Config.Volumes (the image's VOLUMEs included), with Docker's parsing and errors.
import { checkSubpath } from './volume-subpath.js';
import { cleanAbsPath as cleanAbs } from '../common/clean-path.js';
import { invalidParameter } from '../common/errors.js';
import type { MountPoint } from './views.js';

/** What the container record keeps per mount point (moby's MountPoint, plus what start needs). */
export interface MountPointRecord {
  Type: 'volume' | 'bind' | 'tmpfs';
  /** Volume name (volumes only). */
  Name?: string;
  /** Host path: the bind source, or the volume's data dir once known. */
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
  /** Copy the image's content at Destination into an empty volume at first start, once. */
  CopyData?: boolean;
  /** Created for this container alone (removed with it by `rm -v` / `--rm`). */
  Anonymous?: boolean;
  /** :U — chown the source to the container's user at start (Podman's option). */
  Chown?: boolean;
  /** volume-subpath: the directory of the volume mounted in its place (relative, clean). */
  Subpath?: string;
  /** tmpfs options for Type tmpfs. */
  TmpfsOptions?: string[];
  /** --mount type=volume volume-opt / labels: for creating the named volume. */
  VolumeDriverOpts?: Record<string, string>;
  VolumeLabels?: Record<string, string>;
  /** --mount type=bind,bind-create-mountpoint? No: -v creates a missing bind source, --mount refuses. */
  CreateSource?: boolean;
}

const PROPAGATION = new Set(['shared', 'slave', 'private', 'rshared', 'rslave', 'rprivate']);

function isValidMode(mode: string): boolean {
  return mode.split(',').every((m) => ['ro', 'rw', 'z', 'Z', 'nocopy', 'U'].includes(m) || PROPAGATION.has(m));
}

/** moby's linux parser, for one `-v` spec. */
export function parseBind(spec: string): MountPointRecord {
  const bad = (why?: string) => invalidParameter(`invalid volume specification: '${spec}'${why ? `: ${why}` : ''}`);
  const parts = spec.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) throw bad();
  let src = '';
  let dst: string;
  let mode = '';
  if (parts.length === 1) dst = parts[0]!;
  else if (parts.length === 2) {
    // `/path:ro` is an anonymous volume with a mode; anything else is source:destination.
    if (isValidMode(parts[1]!)) { dst = parts[0]!; mode = parts[1]!; }
    else [src, dst] = parts as [string, string];
  } else [src, dst, mode] = parts as [string, string, string];
  const type: MountPointRecord['Type'] = src === '' ? 'volume' : src.startsWith('/') ? 'bind' : 'volume';
  if (!dst.startsWith('/')) throw bad(`invalid mount config for type "${type}": invalid mount path: '${dst}' mount path must be absolute`);
  let rw = true;
  let propagation = '';
  let nocopy = false;
  let chown = false;
  for (const m of mode ? mode.split(',') : []) {
    if (m === 'ro') rw = false;
    else if (m === 'rw') rw = true;
    else if (m === 'z' || m === 'Z') { /* SELinux labels: nothing to do without SELinux */ }
    else if (m === 'nocopy') nocopy = true;
    else if (m === 'U') chown = true;
    else if (PROPAGATION.has(m)) propagation = m;
    else throw invalidParameter(`invalid mode: ${mode}`);
  }
  if (nocopy && type === 'bind') throw invalidParameter(`invalid mode: ${mode}`);
  if (propagation && type === 'volume') throw invalidParameter(`invalid mode: ${mode}`);
  const mp: MountPointRecord = {
    Type: type, Source: type === 'bind' ? cleanAbs(src) : '', Destination: cleanAbs(dst), Mode: mode, RW: rw,
    Propagation: type === 'bind' ? propagation || 'rprivate' : '',
  };
  if (type === 'volume') {
    mp.Name = src;
    mp.Driver = 'local';
    mp.CopyData = !nocopy;
    if (!src) { mp.Anonymous = true; mp.Mode = ''; }
    else if (!mode) mp.Mode = 'z';
  } else mp.CreateSource = true;
  if (chown) mp.Chown = true;
  return mp;
}

/** An API `Mount` (HostConfig.Mounts), as moby's validateMountConfig checks it. */
export interface ApiMount {
  Type?: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean; CreateMountpoint?: boolean } | null;
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string> | null; DriverConfig?: { Name?: string; Options?: Record<string, string> | null } | null; Subpath?: string } | null;
  TmpfsOptions?: { SizeBytes?: number; Mode?: number } | null;
}

export function parseApiMount(m: ApiMount): MountPointRecord {
  const type = m.Type ?? '';
  const err = (why: string) => invalidParameter(`invalid mount config for type "${type}": ${why}`);
  if (!['bind', 'volume', 'tmpfs'].includes(type)) throw invalidParameter(`invalid mount config: mount type unknown: "${type}"`);
  const target = m.Target ?? '';
  if (!target) throw err('field Target must not be empty');
  if (!target.startsWith('/')) throw err(`invalid mount path: '${target}' mount path must be absolute`);
  const dst = cleanAbs(target);
  const rw = !m.ReadOnly;
  if (type === 'bind') {
    if (!m.Source) throw err('field Source must not be empty');
    if (!m.Source.startsWith('/')) throw err(`invalid mount path: '${m.Source}' mount path must be absolute`);
    if (m.VolumeOptions) throw err('field VolumeOptions must not be specified');
    if (m.TmpfsOptions) throw err('field TmpfsOptions must not be specified');
    const prop = m.BindOptions?.Propagation ?? '';
    if (prop && !PROPAGATION.has(prop)) throw err(`invalid propagation mode: ${prop}`);
    return { Type: 'bind', Source: cleanAbs(m.Source), Destination: dst, Mode: '', RW: rw, Propagation: prop || 'rprivate', CreateSource: Boolean(m.BindOptions?.CreateMountpoint) };
  }
  if (type === 'volume') {
    if (m.BindOptions) throw err('field BindOptions must not be specified');
    if (m.TmpfsOptions) throw err('field TmpfsOptions must not be specified');
    const name = m.Source ?? '';
    const mp: MountPointRecord = {
      Type: 'volume', Name: name, Source: '', Destination: dst, Driver: m.VolumeOptions?.DriverConfig?.Name || 'local',
      Mode: '', RW: rw, Propagation: '', CopyData: !m.VolumeOptions?.NoCopy,
    };
    if (!name) mp.Anonymous = true;
    if (m.VolumeOptions?.DriverConfig?.Options) mp.VolumeDriverOpts = { ...m.VolumeOptions.DriverConfig.Options };
    if (m.VolumeOptions?.Labels) mp.VolumeLabels = { ...m.VolumeOptions.Labels };
    if (m.VolumeOptions?.Subpath) mp.Subpath = checkSubpath(m.VolumeOptions.Subpath);
    return mp;
  }
  if (m.Source) throw err('field Source must not be specified');
  if (m.BindOptions) throw err('field BindOptions must not be specified');
  if (m.VolumeOptions) throw err('field VolumeOptions must not be specified');
  const opts: string[] = [];
  const size = m.TmpfsOptions?.SizeBytes ?? 0;
  if (size < 0) throw err('invalid tmpfs size');
  if (size > 0) opts.push(`size=${Math.floor(size / 1024)}k`);
  if (m.TmpfsOptions?.Mode) opts.push(`mode=${m.TmpfsOptions.Mode.toString(8)}`);
  return { Type: 'tmpfs', Source: '', Destination: dst, Mode: '', RW: rw, Propagation: '', TmpfsOptions: opts };
}

/** `--volumes-from id[:ro|rw]`: the other container's mount points, read-only if asked. */
export function parseVolumesFrom(spec: string): { ref: string; mode: '' | 'ro' | 'rw' } {
  const [ref, mode = '', extra] = spec.split(':');
  if (extra !== undefined || !ref) throw invalidParameter(`invalid volumes-from spec: ${spec}`);
  if (mode !== '' && mode !== 'ro' && mode !== 'rw') throw invalidParameter(`invalid mode for volumes-from: ${mode}`);
  return { ref, mode };
}

/**
 * All mount points of a new container, in moby's order of precedence: --volumes-from first, then
 * -v binds, then --mount, and the anonymous volumes of Config.Volumes where nothing else is
 * mounted. A destination given twice by the user is an error.
 */
export function registerMountPoints(o: {
  binds: readonly string[];
  mounts: readonly ApiMount[];
  volumesFrom: Array<{ points: MountPointRecord[]; mode: '' | 'ro' | 'rw' }>;
  configVolumes: readonly string[];
  tmpfs: readonly string[];
}): MountPointRecord[] {
  const byDest = new Map<string, MountPointRecord>();
  for (const vf of o.volumesFrom) {
    for (const p of vf.points) {
      if (p.Type === 'tmpfs') continue;
      const copy: MountPointRecord = { ...p, CopyData: false, Anonymous: false };
      if (vf.mode) copy.RW = vf.mode === 'rw';
      byDest.set(p.Destination, copy);
    }
  }
  const user = new Set<string>();
  const add = (mp: MountPointRecord) => {
    if (user.has(mp.Destination)) throw invalidParameter(`Duplicate mount point: ${mp.Destination}`);
    user.add(mp.Destination);
    byDest.set(mp.Destination, mp);
  };
  for (const b of o.binds) add(parseBind(b));
  for (const m of o.mounts) add(parseApiMount(m));
  const tmpfs = new Set(o.tmpfs.map(cleanAbs));
  for (const v of o.configVolumes) {
    const dst = cleanAbs(v);
    if (byDest.has(dst) || tmpfs.has(dst)) continue;
    byDest.set(dst, { Type: 'volume', Name: '', Source: '', Destination: dst, Driver: 'local', Mode: '', RW: true, Propagation: '', CopyData: true, Anonymous: true });
  }
  return [...byDest.values()];
}

/** The OCI mount of a resolved mount point (its Source known). */
export function ociMountOf(mp: MountPointRecord): { destination: string; type: string; source: string; options: string[] } {
  if (mp.Type === 'tmpfs') {
    return { destination: mp.Destination, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', ...(mp.RW ? [] : ['ro']), ...(mp.TmpfsOptions ?? [])] };
  }
  return { destination: mp.Destination, type: 'bind', source: mp.Source, options: ['rbind', mp.RW ? 'rw' : 'ro', mp.Propagation || 'rprivate'] };
}

/** Inspect's `Mounts` entry: Name and Driver for volumes only. */
export function mountView(mp: MountPointRecord): MountPoint {
  const out: MountPoint = { Type: mp.Type, Source: mp.Source, Destination: mp.Destination, Mode: mp.Mode, RW: mp.RW, Propagation: mp.Propagation };
  if (mp.Type !== 'volume') return out;
  return { Type: 'volume', Name: mp.Name, Source: mp.Source, Destination: mp.Destination, Driver: mp.Driver ?? 'local', Mode: mp.Mode, RW: mp.RW, Propagation: mp.Propagation };
}
