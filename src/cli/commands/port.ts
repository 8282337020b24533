// `berth port` / `berth container port` (docker/cli cli/command/container/port.go, docker 28): a
// container's published ports from NetworkSettings.Ports, in natural order.
import type { SpecCommand } from '../container/spec-command.js';
import { StatusError } from '../context.js';
import { quote } from '../template/fmt.js';
import { naturalLess } from './system.js';

export interface PortBinding { HostIp?: string; HostPort?: string }
/** NetworkSettings.Ports: "80/tcp" → bindings (null when exposed but not published). */
export type PortMap = Record<string, PortBinding[] | null>;

/** net.JoinHostPort. */
function joinHostPort(host: string, port: string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** strconv.ParseUint(s, 10, 16)'s error, or null when `s` is a valid port number. */
function parsePortError(s: string): string | null {
  if (!/^\d+$/.test(s)) return `strconv.ParseUint: parsing ${quote(s)}: invalid syntax`;
  if (BigInt(s) > 65535n) return `strconv.ParseUint: parsing ${quote(s)}: value out of range`;
  return null;
}

/**
 * The lines `docker port` prints: every mapping as `80/tcp -> 0.0.0.0:32768`, or with a
 * PRIVATE_PORT[/PROTO] argument just `0.0.0.0:32768`; sorted naturally. Throws docker's error texts.
 */
export function portLines(ports: PortMap | null | undefined, container: string, portArg?: string): string[] {
  const map = ports ?? {};
  const out: string[] = [];
  if (portArg !== undefined && portArg !== '') {
    const slash = portArg.indexOf('/');
    const port = slash < 0 ? portArg : portArg.slice(0, slash);
    const proto = (slash < 0 ? '' : portArg.slice(slash + 1)) || 'tcp';
    const err = parsePortError(port);
    if (err) throw new Error(`Error: invalid port (${port}): ${err}`);
    const key = `${port}/${proto}`;
    const frontends = Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined;
    if (frontends === undefined || frontends === null) throw new Error(`Error: No public port '${portArg}' published for ${container}`);
    for (const f of frontends) out.push(joinHostPort(f.HostIp ?? '', f.HostPort ?? ''));
  } else {
    for (const [from, frontends] of Object.entries(map)) {
      for (const f of frontends ?? []) out.push(`${from} -> ${joinHostPort(f.HostIp ?? '', f.HostPort ?? '')}`);
    }
  }
  return out.sort(naturalLess);
}

export const portCmd: SpecCommand = {
  name: 'port',
  usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  description: 'List port mappings or a specific mapping for the container',
  args: { min: 1, max: 2 },
  helpAliases: ['berth container port', 'berth port'],
  spec: {},
  async run(ctx, _o, [container, port]) {
    const c = await ctx.client.get<{ NetworkSettings?: { Ports?: PortMap | null } }>(`/containers/${encodeURIComponent(container!)}/json`);
    let lines: string[];
    try {
      lines = portLines(c.NetworkSettings?.Ports, container!, port);
    } catch (e) {
      throw new StatusError((e as Error).message, 1);
    }
    if (lines.length) ctx.out.write(lines.join('\n') + '\n');
  },
};
