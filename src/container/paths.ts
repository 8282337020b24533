// Where one container's files live. Durable things (record, rw layer, log, /etc files) are under
// the data root; the bundle (config.json, conmon's sockets and pid files) is under the exec root,
// whose short path keeps conmon's attach socket within sun_path.
import { join } from 'node:path';

export interface ContainerPaths {
  dir: string;
  record: string;
  upper: string;
  work: string;
  merged: string;
  log: string;
  hostname: string;
  hosts: string;
  resolvConf: string;
  /** The host-side /dev/shm tmpfs of an IpcMode shareable container, which others can join. */
  shm: string;
  bundle: string;
}

export class Layout {
  readonly containers: string;
  readonly bundles: string;
  readonly exits: string;
  readonly sockets: string;
  readonly runcRoot: string;
  readonly tmp: string;
  readonly execSessions: string;
  readonly layersRoot: string;

  constructor(readonly dataRoot: string, readonly execRoot: string) {
    this.containers = join(dataRoot, 'containers');
    this.layersRoot = join(dataRoot, 'layers');
    this.bundles = join(execRoot, 'c');
    this.exits = join(execRoot, 'exits');
    this.sockets = join(execRoot, 's');
    this.runcRoot = join(execRoot, 'runc');
    this.tmp = join(execRoot, 't');
    this.execSessions = join(execRoot, 'e');
  }

  of(id: string): ContainerPaths {
    const dir = join(this.containers, id);
    return {
      dir,
      record: join(dir, 'config.v2.json'),
      upper: join(dir, 'upper'),
      work: join(dir, 'work'),
      merged: join(dir, 'merged'),
      log: join(dir, `${id}-json.log`),
      hostname: join(dir, 'hostname'),
      hosts: join(dir, 'hosts'),
      resolvConf: join(dir, 'resolv.conf'),
      shm: join(dir, 'mounts', 'shm'),
      bundle: join(this.bundles, id),
    };
  }
}
