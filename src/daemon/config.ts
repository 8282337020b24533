// berthd's command line, with dockerd's flag names.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { invalidParameter } from '../common/errors.js';
import { InsecureRegistries } from '../distribution/endpoints.js';
import { ramInBytes } from '../common/units.js';
import { parseUlimit, type Ulimit } from '../runtime/host-limits.js';

export interface DaemonConfig {
  socket: string;
  dataRoot: string;
  execRoot: string;
  pidfile: string;
  logLevel: string;
  debug: boolean;
  cgroupParent: string;
  initPath: string;
  conmon: string;
  runtime: string;
  /** Daemon-wide defaults of the containers' log options (`--log-opt max-size=10m`). */
  logOpts: Record<string, string>;
  seccomp: boolean;
  /** --insecure-registry: CIDRs or host[:port] reached without verified TLS (HTTPS first, then HTTP). */
  insecureRegistries: string[];
  /** -b/--bridge: the default bridge's device ("none": no bridge networking, loopback only). */
  bridge: string;
  bip?: string;
  fixedCidr?: string;
  icc: boolean;
  ipForward: boolean;
  iptables: boolean;
  /** --default-address-pool base=CIDR,size=N (repeatable). */
  defaultAddressPools: Array<{ base: string; size: number }>;
  /** Hidden, for tests: remove every bridge, veth and rule at exit. */
  networkTeardown: boolean;
  /** --dns, --dns-search, --dns-opt: for containers that set none of their own. */
  dns: { servers: string[]; search: string[]; options: string[] };
  /** --log-driver: the containers' default. */
  logDriver?: string;
  /** --default-shm-size: /dev/shm of containers that set no --shm-size. */
  defaultShmSize?: number;
  /** --default-ulimit: ulimits of containers that do not set the same ones. */
  defaultUlimits: Ulimit[];
}

/** [flags, description]; printed sorted by long name, as pflag sorts dockerd's, and aligned. */
const OPTIONS: Array<[string, string]> = [
  ['-b, --bridge string', 'Name of the default bridge device, or "none" (default "berth0")'],
  ['    --bip string', 'Specify network bridge IP'],
  ['    --cgroup-parent string', 'Parent cgroup for all containers (default "/berth")'],
  ['    --conmon string', 'Path to the conmon binary (default "/usr/bin/conmon")'],
  ['    --data-root string', 'Root directory of persistent berth state (default "/var/lib/berth")'],
  ['    --default-address-pool pool-options', 'Default address pools for node specific local networks'],
  ['-D, --debug', 'Enable debug mode'],
  ['    --default-shm-size bytes', 'Default shm size for containers (default 64MiB)'],
  ['    --default-ulimit ulimit', 'Default ulimits for containers (default [])'],
  ['    --dns list', 'DNS server to use'],
  ['    --dns-opt list', 'DNS options to use'],
  ['    --dns-search list', 'DNS search domains to use'],
  ['    --exec-root string', 'Root directory for execution state files (default "/run/berth")'],
  ['    --fixed-cidr string', 'IPv4 subnet for fixed IPs'],
  ['-h, --help', 'Print usage'],
  ['-H, --host string', 'Daemon socket to listen on (default "unix:///run/berth/berth.sock")'],
  ['    --icc', 'Enable inter-container communication (default true)'],
  ['    --init-path string', 'Path to the docker-init binary (default "/usr/bin/tini-static")'],
  ['    --insecure-registry list', 'Enable insecure registry communication'],
  ['    --ip-forward', 'Enable net.ipv4.ip_forward (default true)'],
  ['    --iptables', 'Enable addition of iptables rules (default true)'],
  ['    --live-restore', 'Accepted for compatibility: containers always outlive berthd'],
  ['    --log-driver string', 'Default driver for container logs: json-file, local or none (default "json-file")'],
  ['-l, --log-level string', 'Set the logging level ("debug"|"info"|"warn"|"error"|"fatal") (default "info")'],
  ['    --log-opt map', 'Default log driver options for containers (default max-size=10m,max-file=3)'],
  ['-p, --pidfile string', 'Path to use for daemon PID file (default "<exec-root>/berthd.pid")'],
  ['    --runtime string', 'Path to the OCI runtime binary (default "/usr/sbin/runc")'],
  ['    --seccomp-profile string', 'Path to a seccomp profile, or "unconfined"'],
  ['-s, --storage-driver string', 'Storage driver to use: overlay2 is the one there is'],
  ['    --userland-proxy', 'Accepted for compatibility: berth publishes ports without a proxy'],
  ['-v, --version', 'Print version information and quit'],
];

const longName = (flags: string) => /--([\w-]+)/.exec(flags)![1]!;
OPTIONS.sort((a, b) => (longName(a[0]) < longName(b[0]) ? -1 : 1));
const width = Math.max(...OPTIONS.map(([f]) => f.length)) + 3;

export const DAEMON_USAGE = `Usage:\tberthd [OPTIONS]

A self-sufficient runtime for containers, speaking the Docker Engine API.

Options:
${OPTIONS.map(([f, d]) => `  ${f.padEnd(width)}${d}`).join('\n')}
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
        'cgroup-parent': { type: 'string' },
        'init-path': { type: 'string' },
        conmon: { type: 'string' },
        runtime: { type: 'string' },
        'log-opt': { type: 'string', multiple: true },
        'seccomp-profile': { type: 'string' },
        'insecure-registry': { type: 'string', multiple: true },
        bridge: { type: 'string', short: 'b' },
        bip: { type: 'string' },
        'fixed-cidr': { type: 'string' },
        icc: { type: 'string' },
        'ip-forward': { type: 'string' },
        iptables: { type: 'string' },
        'userland-proxy': { type: 'string' },
        'default-address-pool': { type: 'string', multiple: true },
        'network-teardown': { type: 'boolean' },
        dns: { type: 'string', multiple: true },
        'default-shm-size': { type: 'string' },
        'default-ulimit': { type: 'string', multiple: true },
        'dns-opt': { type: 'string', multiple: true },
        'dns-search': { type: 'string', multiple: true },
        'live-restore': { type: 'boolean' },
        'log-driver': { type: 'string' },
        'storage-driver': { type: 'string', short: 's' },
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
  const storage = v['storage-driver'];
  if (storage !== undefined && storage !== 'overlay2' && storage !== 'overlay') {
    throw invalidParameter(`error initializing graphdriver: driver not supported: ${storage}`);
  }
  const logDriver = v['log-driver'];
  if (logDriver !== undefined && !['json-file', 'local', 'none'].includes(logDriver)) {
    throw invalidParameter(`logging driver "${logDriver}" is not supported by berth`);
  }
  new InsecureRegistries(v['insecure-registry'] ?? []); // refuses malformed entries at start
  return {
    socket: resolve(socket),
    dataRoot: resolve(v['data-root'] ?? '/var/lib/berth'),
    execRoot,
    pidfile: resolve(v.pidfile ?? `${execRoot}/berthd.pid`),
    logLevel: v.debug ? 'debug' : v['log-level'] ?? 'info',
    debug: Boolean(v.debug),
    cgroupParent: '/' + (v['cgroup-parent'] ?? 'berth').replace(/^\/+|\/+$/g, ''),
    initPath: v['init-path'] ?? '/usr/bin/tini-static',
    conmon: v.conmon ?? '/usr/bin/conmon',
    runtime: v.runtime ?? '/usr/sbin/runc',
    logOpts: parseLogOptFlags(v['log-opt'] ?? []),
    seccomp: v['seccomp-profile'] !== 'unconfined',
    insecureRegistries: v['insecure-registry'] ?? [],
    bridge: v.bridge ?? 'berth0',
    bip: v.bip,
    fixedCidr: v['fixed-cidr'],
    icc: boolFlag('icc', v.icc),
    ipForward: boolFlag('ip-forward', v['ip-forward']),
    iptables: boolFlag('iptables', v.iptables),
    defaultAddressPools: (v['default-address-pool'] ?? []).map(parseAddressPool),
    networkTeardown: Boolean(v['network-teardown']),
    dns: { servers: v.dns ?? [], search: v['dns-search'] ?? [], options: v['dns-opt'] ?? [] },
    logDriver,
    defaultShmSize: v['default-shm-size'] !== undefined ? ramInBytes(v['default-shm-size']) : undefined,
    defaultUlimits: (v['default-ulimit'] ?? []).map(parseUlimit),
  };
}

/** dockerd's --flag=true|false booleans (default true). */
function boolFlag(name: string, v: string | undefined): boolean {
  if (v === undefined || v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw invalidParameter(`invalid boolean value "${v}" for --${name}`);
}

/** `base=10.10.0.0/16,size=24`. */
function parseAddressPool(s: string): { base: string; size: number } {
  const kv = Object.fromEntries(s.split(',').map((p) => p.split('=', 2) as [string, string]));
  const size = Number(kv.size);
  if (!kv.base || !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(kv.base) || !Number.isInteger(size) || size < 1 || size > 32) {
    throw invalidParameter(`invalid --default-address-pool ${s}: expected base=CIDR,size=N`);
  }
  return { base: kv.base, size };
}

function parseLogOptFlags(opts: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of opts) {
    for (const kv of o.split(',')) {
      const i = kv.indexOf('=');
      if (i <= 0) throw invalidParameter(`invalid --log-opt ${kv}: expected key=value`);
      out[kv.slice(0, i)] = kv.slice(i + 1);
    }
  }
  return out;
}
