// `berth registry serve` (an OCI distribution registry on a directory) and `berth registry gc`.
// Neither talks to berthd.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { log } from '../../common/log.js';
import { collectGarbage } from '../../registry/gc.js';
import { RootLock, RootLockedError } from '../../registry/lock.js';
import { Registry } from '../../registry/registry.js';
import { serve } from '../../registry/server.js';
import type { Command, FlagDef } from '../command.js';
import { StatusError } from '../context.js';

const ROOT_FLAG: FlagDef = { name: 'root', type: 'string', usage: "Directory holding the registry's content", valueName: 'string', default: '/var/lib/berth-registry' };

/** Locks the registry root for this process, or fails with who holds it. */
function lockRoot(root: string): RootLock {
  mkdirSync(root, { recursive: true });
  const lock = new RootLock(root);
  try {
    lock.acquire();
  } catch (e) {
    throw new StatusError(e instanceof RootLockedError ? e.message : `cannot lock ${root}: ${(e as Error).message}`, 1);
  }
  return lock;
}

export const registryServeCmd: Command = {
  name: 'serve',
  usage: '[OPTIONS]',
  description: 'Serve an OCI distribution registry from a directory',
  args: { exact: 0 },
  flags: [
    { name: 'addr', type: 'string', usage: 'Address to listen on, host:port (port 0 picks a free port)', valueName: 'string', default: '127.0.0.1:5000' },
    ROOT_FLAG,
    { name: 'htpasswd', type: 'string', usage: 'Require HTTP Basic authentication against this htpasswd file (bcrypt entries, htpasswd -B)', valueName: 'string' },
    { name: 'realm', type: 'string', usage: 'Realm of the Basic authentication challenge', valueName: 'string', default: 'berth-registry' },
    { name: 'tls-cert', type: 'string', usage: 'Serve HTTPS with this certificate (PEM)', valueName: 'string' },
    { name: 'tls-key', type: 'string', usage: "Private key of --tls-cert (PEM)", valueName: 'string' },
  ],
  async run(_ctx, o) {
    if (Boolean(o['tls-cert']) !== Boolean(o['tls-key'])) throw new StatusError('--tls-cert and --tls-key go together', 125);
    const root = resolve(o.root);
    const lock = lockRoot(root);
    try {
      const running = await serve({
        root,
        addr: o.addr,
        ...(o.htpasswd ? { htpasswd: resolve(o.htpasswd) } : {}),
        realm: o.realm,
        ...(o['tls-cert'] ? { tls: { cert: o['tls-cert'], key: o['tls-key'] } } : {}),
      });
      log.info(`listening on ${running.address}`, { root, tls: Boolean(o['tls-cert']), auth: o.htpasswd ? 'htpasswd' : 'none' });
      const signal = await new Promise<string>((done) => {
        process.once('SIGTERM', () => done('SIGTERM'));
        process.once('SIGINT', () => done('SIGINT'));
      });
      log.info('shutting down', { signal });
      await running.close();
    } catch (e) {
      if (e instanceof StatusError) throw e;
      throw new StatusError(`registry serve: ${(e as Error).message}`, 1);
    } finally {
      lock.release();
    }
  },
};

export const registryGcCmd: Command = {
  name: 'gc',
  usage: '[OPTIONS]',
  description: 'Remove blobs that no manifest references (run it while the registry is stopped)',
  args: { exact: 0 },
  flags: [
    ROOT_FLAG,
    { name: 'dry-run', short: 'd', type: 'bool', usage: 'Only print what would be removed' },
    { name: 'delete-untagged', short: 'm', type: 'bool', usage: 'Also remove manifests that no tag reaches' },
  ],
  async run(ctx, o) {
    const root = resolve(o.root);
    const lock = lockRoot(root);
    try {
      const r = await collectGarbage(new Registry(root), { dryRun: o['dry-run'], deleteUntagged: o['delete-untagged'], out: (l) => ctx.print(l) });
      const verb = o['dry-run'] ? 'eligible for deletion' : 'deleted';
      ctx.print(`${r.marked} blobs marked, ${r.blobs.length} blobs and ${r.manifests.length} manifests ${verb}, ${r.freedBytes} bytes ${o['dry-run'] ? 'reclaimable' : 'freed'}`);
    } finally {
      lock.release();
    }
  },
};

export function registryCommands(): Command[] {
  return [registryServeCmd, registryGcCmd];
}
