// -p/--publish and --expose as docker/cli parses them: convertToStandardNotation (the long
// `published=,target=,protocol=` form) and go-connections/nat's ParsePortSpecs.
import { parseIP } from './ip.js';

export interface PortBinding { HostIp: string; HostPort: string }

/** nat.SplitProtoPort: "80/udp" → ["udp", "80"]; no protocol means tcp. */
export function splitProtoPort(raw: string): [string, string] {
  const parts = raw.split('/');
  if (raw.length === 0 || parts[0]!.length === 0) return ['', ''];
  if (parts.length === 1) return ['tcp', raw];
  if (parts[1]!.length === 0) return ['tcp', parts[0]!];
  return [parts[1]!, parts[0]!];
}

function parseUint16(s: string): number {
  if (!/^\d+$/.test(s)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (n > 65535) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/** nat.ParsePortRange: "80" or "8000-8010". */
export function parsePortRange(ports: string): [number, number] {
  if (ports === '') throw new Error('empty string specified for ports');
  if (!ports.includes('-')) {
    const n = parseUint16(ports);
    return [n, n];
  }
  const parts = ports.split('-');
  const start = parseUint16(parts[0]!);
  const end = parseUint16(parts[1]!);
  if (end < start) throw new Error(`invalid range specified for port: ${ports}`);
  return [start, end];
}

function splitParts(raw: string): [string, string, string] {
  const parts = raw.split(':');
  const n = parts.length;
  const containerPort = parts[n - 1]!;
  switch (n) {
    case 1: return ['', '', containerPort];
    case 2: return ['', parts[0]!, containerPort];
    case 3: return [parts[0]!, parts[1]!, containerPort];
    default: return [parts.slice(0, n - 2).join(':'), parts[n - 2]!, containerPort];
  }
}

export interface PortMapping { port: string; binding: PortBinding }

/** nat.ParsePortSpec. */
export function parsePortSpec(raw: string): PortMapping[] {
  let [ip, hostPort, containerPort] = splitParts(raw);
  let proto: string;
  [proto, containerPort] = splitProtoPort(containerPort);
  if (ip !== '' && ip[0] === '[') {
    // net.SplitHostPort(ip + ":")
    const m = /^\[([^\]]*)\]$/.exec(ip);
    if (!m) throw new Error(`invalid IP address ${ip}: address ${ip}:: missing port in address`);
    ip = m[1]!;
  }
  if (ip !== '' && !parseIP(ip)) throw new Error(`invalid IP address: ${ip}`);
  if (containerPort === '') throw new Error(`no port specified: ${raw}<empty>`);
  let start: number, end: number;
  try {
    [start, end] = parsePortRange(containerPort);
  } catch {
    throw new Error(`invalid containerPort: ${containerPort}`);
  }
  let hostStart = 0;
  let hostEnd = 0;
  if (hostPort !== '') {
    try {
      [hostStart, hostEnd] = parsePortRange(hostPort);
    } catch {
      throw new Error(`invalid hostPort: ${hostPort}`);
    }
  }
  if (hostPort !== '' && end - start !== hostEnd - hostStart && end !== start) {
    throw new Error(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
  }
  const lproto = proto.toLowerCase();
  if (!['tcp', 'udp', 'sctp'].includes(lproto)) throw new Error(`invalid proto: ${proto}`);
  const out: PortMapping[] = [];
  for (let i = 0; i <= end - start; i++) {
    const cp = String(start + i);
    let hp = hostPort;
    if (hostPort !== '') hp = String(hostStart + i);
    if (start === end && hostStart !== hostEnd) hp = `${hp}-${hostEnd}`;
    out.push({ port: `${cp}/${lproto}`, binding: { HostIp: ip, HostPort: hp } });
  }
  return out;
}

/** The long syntax of --publish (`published=8080,target=80,protocol=udp`) in the short form. */
export function convertToStandardNotation(ports: readonly string[]): string[] {
  return ports.map((p) => {
    if (!p.includes('=')) return p;
    const params: Record<string, string> = { protocol: 'tcp' };
    for (const param of p.split(',')) {
      const i = param.indexOf('=');
      if (i <= 0) throw new Error(`invalid publish opts format (should be name=value but got '${param}')`);
      params[param.slice(0, i)] = param.slice(i + 1);
    }
    return `${params.published ?? ''}:${params.target ?? ''}/${params.protocol}`;
  });
}

/** nat.ParsePortSpecs: exposed ports and bindings by "port/proto". */
export function parsePortSpecs(specs: readonly string[]): { exposed: string[]; bindings: Record<string, PortBinding[]> } {
  const exposed: string[] = [];
  const bindings: Record<string, PortBinding[]> = {};
  for (const raw of specs) {
    for (const m of parsePortSpec(raw)) {
      if (!exposed.includes(m.port)) exposed.push(m.port);
      (bindings[m.port] ??= []).push(m.binding);
    }
  }
  return { exposed, bindings };
}

/** --expose values (`80`, `80/udp`, `8000-8010/tcp`) as the ports they expose. */
export function parseExpose(e: string): string[] {
  if (e.includes(':')) throw new Error(`invalid port format for --expose: ${e}`);
  const [proto, port] = splitProtoPort(e);
  let start: number, end: number;
  try {
    [start, end] = parsePortRange(port);
  } catch (err) {
    throw new Error(`invalid range format for --expose: ${e}, error: ${(err as Error).message}`);
  }
  const out: string[] = [];
  for (let i = start; i <= end; i++) out.push(`${i}/${proto}`);
  return out;
}
