// berthd's command line, with dockerd's flag names.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { invalidParameter } from '../common/errors.js';

export interface DaemonConfig {
  socket: string;
  dataRoot: string;
  execRoot: string;
  pidfile: string;
  logLevel: string;
  debug: boolean;
}

export const DAEMON_USAGE = `Usage:	berthd [OPTIONS]

A self-sufficient runtime for containers, speaking the Docker Engine API.

Options:
      --data-root string   Root directory of persistent berth state (default "/var/lib/berth")
  -D, --debug              Enable debug mode
      --exec-root string   Root directory for execution state files (default "/run/berth")
  -h, --help               Print usage
  -H, --host string        Daemon socket to listen on (default "unix:///run/berth/berth.sock")
  -l, --log-level string   Set the logging level ("debug"|"info"|"warn"|"error"|"fatal") (default "info")
  -p, --pidfile string     Path to use for daemon PID file (default "<exec-root>/berthd.pid")
  -v, --version            Print version information and quit
`;

export function parseDaemonArgs(argv: string[]): DaemonConfig | 'help' | 'version' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        host: { type: 'string', short: 'H', multiple: true },
        'data-root': { type: 'string' },
        'exec-root': { type: 'string' },
        pidfile: { type: 'string', short: 'p' },
        'log-level': { type: 'string', short: 'l' },
        debug: { type: 'boolean', short: 'D' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
      allowPositionals: false,
    });
  } catch (e) {
    throw invalidParameter((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  if (v.version) return 'version';
  const hosts = v.host ?? ['unix:///run/berth/berth.sock'];
  if (hosts.length !== 1) throw invalidParameter('berthd listens on exactly one unix socket');
  const host = hosts[0];
  let socket: string;
  if (host.startsWith('unix://')) socket = host.slice('unix://'.length);
  else if (host.startsWith('/')) socket = host;
  else throw invalidParameter(`unsupported host ${host}: only unix:// sockets are supported`);
  const execRoot = resolve(v['exec-root'] ?? '/run/berth');
  return {
    socket: resolve(socket),
    dataRoot: resolve(v['data-root'] ?? '/var/lib/berth'),
    execRoot,
    pidfile: resolve(v.pidfile ?? `${execRoot}/berthd.pid`),
    logLevel: v.debug ? 'debug' : v['log-level'] ?? 'info',
    debug: Boolean(v.debug),
  };
}
