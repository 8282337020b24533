// --mount (opts.MountOpt), -v/--volume (compose's ParseVolume, to tell binds from anonymous
// volumes) and --device (parseLinuxDevice), as docker/cli 28 parses them.
import { resolve } from 'node:path';
import { parseBool } from './bool.js';
import { ramInBytes } from '../units.js';
import { csvRecord } from './validate.js';

export interface Mount {
  Type?: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean; CreateMountpoint?: boolean; ReadOnlyNonRecursive?: boolean; ReadOnlyForceRecursive?: boolean };
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string>; Subpath?: string; DriverConfig?: { Name?: string; Options?: Record<string, string> } };
  ImageOptions?: { Subpath?: string };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number; Options?: string[][] };
}

function absIfRelative(val: string): string {
  return val.startsWith('./') || val === '.' ? resolve(val) : val;
}

/** opts.MountOpt.Set: one `--mount` value. */
export function parseMount(value: string): Mount {
  const fields = csvRecord(value);
  const m: Mount = { Type: 'volume' };
  const volumeOptions = () => {
    m.VolumeOptions ??= { Labels: {} };
    m.VolumeOptions.DriverConfig ??= {};
    return m.VolumeOptions;
  };
  const bindOptions = () => (m.BindOptions ??= {});
  const tmpfsOptions = () => (m.TmpfsOptions ??= {});
  const imageOptions = () => (m.ImageOptions ??= {});
  const setOnMap = (target: Record<string, string>, v: string) => {
    const i = v.indexOf('=');
    const k = i < 0 ? v : v.slice(0, i);
    if (k !== '') target[k] = i < 0 ? '' : v.slice(i + 1);
  };
  const bool = (key: string, val: string, msg = `invalid value for ${key}: ${val}`) => {
    try {
      return parseBool(val);
    } catch {
      throw new Error(msg);
    }
  };
  for (const field of fields) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const val = eq < 0 ? '' : field.slice(eq + 1);
    if (eq < 0) {
      switch (key) {
        case 'readonly': case 'ro': m.ReadOnly = true; continue;
        case 'volume-nocopy': volumeOptions().NoCopy = true; continue;
        case 'bind-nonrecursive': bindOptions().NonRecursive = true; continue;
        default: throw new Error(`invalid field '${field}' must be a key=value pair`);
      }
    }
    switch (key) {
      case 'type': m.Type = val.toLowerCase(); break;
      case 'source': case 'src': m.Source = absIfRelative(val); break;
      case 'target': case 'dst': case 'destination': m.Target = val; break;
      case 'readonly': case 'ro': m.ReadOnly = bool(key, val); break;
      case 'consistency': m.Consistency = val.toLowerCase(); break;
      case 'bind-propagation': bindOptions().Propagation = val.toLowerCase(); break;
      case 'bind-nonrecursive': bindOptions().NonRecursive = bool(key, val); break;
      case 'bind-recursive':
        switch (val) {
          case 'enabled': break;
          case 'disabled': bindOptions().NonRecursive = true; break;
          case 'writable': bindOptions().ReadOnlyNonRecursive = true; break;
          case 'readonly': bindOptions().ReadOnlyForceRecursive = true; break;
          default: throw new Error(`invalid value for ${key}: ${val} (must be "enabled", "disabled", "writable", or "readonly")`);
        }
        break;
      case 'volume-subpath': volumeOptions().Subpath = val; break;
      case 'volume-nocopy': volumeOptions().NoCopy = bool(key, val, `invalid value for volume-nocopy: ${val}`); break;
      case 'volume-label': setOnMap(volumeOptions().Labels!, val); break;
      case 'volume-driver': volumeOptions().DriverConfig!.Name = val; break;
      case 'volume-opt': setOnMap((volumeOptions().DriverConfig!.Options ??= {}), val); break;
      case 'image-subpath': imageOptions().Subpath = val; break;
      case 'tmpfs-size':
        try {
          tmpfsOptions().SizeBytes = ramInBytes(val);
        } catch {
          throw new Error(`invalid value for ${key}: ${val}`);
        }
        break;
      case 'tmpfs-mode': {
        if (!/^[0-7]+$/.test(val) || parseInt(val, 8) > 0xffffffff) throw new Error(`invalid value for ${key}: ${val}`);
        tmpfsOptions().Mode = parseInt(val, 8);
        break;
      }
      default: throw new Error(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (!m.Type) throw new Error('type is required');
  if (!m.Target) throw new Error('target is required');
  if (m.VolumeOptions && m.Type !== 'volume') throw new Error(`cannot mix 'volume-*' options with mount type '${m.Type}'`);
  if (m.ImageOptions && m.Type !== 'image') throw new Error(`cannot mix 'image-*' options with mount type '${m.Type}'`);
  if (m.BindOptions && m.Type !== 'bind') throw new Error(`cannot mix 'bind-*' options with mount type '${m.Type}'`);
  if (m.TmpfsOptions && m.Type !== 'tmpfs') throw new Error(`cannot mix 'tmpfs-*' options with mount type '${m.Type}'`);
  if (m.BindOptions?.ReadOnlyNonRecursive && !m.ReadOnly) throw new Error("option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction");
  if (m.BindOptions?.ReadOnlyForceRecursive) {
    if (!m.ReadOnly) throw new Error("option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction");
    if (m.BindOptions.Propagation !== 'rprivate') throw new Error("option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction");
  }
  return m;
}

export interface VolumeSpec { type: 'bind' | 'volume'; source: string; target: string; readOnly: boolean }

const isWindowsDrive = (buffer: string, ch: string) => ch === ':' && buffer.length === 1 && /\p{L}/u.test(buffer);

/** compose's loader.ParseVolume (enough of it to classify a -v value). */
export function parseVolumeSpec(spec: string): VolumeSpec {
  const v: VolumeSpec = { type: 'volume', source: '', target: '', readOnly: false };
  if (spec.length === 0) throw new Error('invalid empty volume spec');
  if ([...spec].length <= 2) {
    v.target = spec;
    return v;
  }
  const END = '\u0000';
  let buffer = '';
  const populate = (ch: string) => {
    if (buffer.length === 0) throw new Error('empty section between colons');
    if (v.source === '' && ch === END) { v.target = buffer; return; }
    if (v.source === '') { v.source = buffer; return; }
    if (v.target === '') { v.target = buffer; return; }
    if (ch === ':') throw new Error('too many colons');
    for (const opt of buffer.split(',')) {
      if (opt === 'ro') v.readOnly = true;
      else if (opt === 'rw') v.readOnly = false;
    }
  };
  for (const ch of [...spec, END]) {
    if (isWindowsDrive(buffer, ch)) buffer += ch;
    else if (ch === ':' || ch === END) {
      try {
        populate(ch);
      } catch (e) {
        throw new Error(`invalid spec: ${spec}: ${(e as Error).message}`);
      }
      buffer = '';
    } else buffer += ch;
  }
  v.type = v.source !== '' && isFilePath(v.source) ? 'bind' : 'volume';
  return v;
}

function isFilePath(source: string): boolean {
  if ('./~'.includes(source[0]!)) return true;
  if (source.startsWith('\\\\')) return true;
  const chars = [...source];
  return chars.length > 1 && isWindowsDrive(chars[0]!, chars[1]!);
}

export interface DeviceMapping { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }

function validDeviceMode(mode: string): boolean {
  if (mode === '') return false;
  const seen = new Set<string>();
  for (const c of mode) {
    if (!'rwm'.includes(c) || seen.has(c)) return false;
    seen.add(c);
  }
  return true;
}

function cleanPath(p: string): string {
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
      continue;
    }
    out.push(seg);
  }
  const s = (abs ? '/' : '') + out.join('/');
  return s || (abs ? '/' : '.');
}

/** validateLinuxPath then parseLinuxDevice: `host[:container][:perms]`. */
export function parseDevice(val: string): DeviceMapping {
  if (val.split(':').length - 1 > 2) throw new Error(`bad format for path: ${val}`);
  const split = val.split(':');
  if (split[0] === '') throw new Error(`bad format for path: ${val}`);
  let containerPath: string;
  let validated: string;
  switch (split.length) {
    case 1:
      containerPath = split[0]!;
      validated = cleanPath(containerPath);
      break;
    case 2:
      if (validDeviceMode(split[1]!)) {
        containerPath = split[0]!;
        validated = `${cleanPath(containerPath)}:${split[1]}`;
      } else {
        containerPath = split[1]!;
        validated = `${split[0]}:${cleanPath(containerPath)}`;
      }
      break;
    default:
      containerPath = split[1]!;
      if (!validDeviceMode(split[2]!)) throw new Error(`bad mode specified: ${split[2]}`);
      validated = `${split[0]}:${containerPath}:${split[2]}`;
  }
  if (!containerPath.startsWith('/')) throw new Error(`${containerPath} is not an absolute path`);
  const arr = validated.split(':');
  let src = arr[0]!;
  let dst = '';
  let perms = 'rwm';
  if (arr.length === 3) perms = arr[2]!;
  if (arr.length >= 2) {
    if (validDeviceMode(arr[1]!)) perms = arr[1]!;
    else dst = arr[1]!;
  }
  if (arr.length > 3) throw new Error(`invalid device specification: ${validated}`);
  if (dst === '') dst = src;
  src = arr[0]!;
  return { PathOnHost: src, PathInContainer: dst, CgroupPermissions: perms };
}

/** CDI device names (vendor.com/class=name) go to DeviceRequests instead. */
export function isCdiName(device: string): boolean {
  return /^[a-zA-Z0-9][a-zA-Z0-9.-]*\/[a-zA-Z0-9][a-zA-Z0-9_.-]*=[a-zA-Z0-9_.:-]+$/.test(device);
}
