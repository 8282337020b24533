// Host ports for a container's bindings: taken from the allocator at once (so concurrent starts
// never get the same port), then checked against host processes in parallel (bind and close, no
// socket kept), with Docker's retries for ephemeral and ranged ports and its texts otherwise.
import { BerthError } from '../common/errors.js';
import {
  hostPortBusyMessage, portAllocatedMessage, probeHostPort,
  type BindingRequest, type PortAllocator, type PortMapping,
} from './ports.js';

const MAX_ATTEMPTS = 10;

interface Picked { req: BindingRequest; port: number }

const fixed = (r: BindingRequest) => r.hostPort > 0 && r.hostPortEnd === r.hostPort;

function takeAll(alloc: PortAllocator, p: Picked) { for (const ip of p.req.hostIps) alloc.take(p.req.proto, ip, p.port); }
function releaseAll(alloc: PortAllocator, p: Picked) { for (const ip of p.req.hostIps) alloc.release(p.req.proto, ip, p.port); }

function pickOrThrow(alloc: PortAllocator, req: BindingRequest, skip?: Set<number>): number {
  const port = alloc.pick(req.proto, req.hostIps, req.hostPort, req.hostPortEnd, skip);
  if (port !== undefined) return port;
  if (req.hostPort === 0) throw new BerthError('Conflict', 'all ports are allocated');
  const shown = req.hostPortEnd > req.hostPort ? `${req.hostPort}-${req.hostPortEnd}` : String(req.hostPort);
  throw new BerthError('Conflict', portAllocatedMessage(req.hostIps[0], shown));
}

/** Host ports for every request, or an error with everything taken given back. */
export async function allocateHostPorts(
  alloc: PortAllocator,
  reqs: BindingRequest[],
  containerIps: { v4?: string; v6?: string },
  probe: typeof probeHostPort = probeHostPort,
): Promise<PortMapping[]> {
  const picked: Picked[] = [];
  const mappingOf = (p: Picked, ip: string): PortMapping => ({
    proto: p.req.proto, hostIp: ip, hostPort: p.port, containerPort: p.req.containerPort,
    containerIp: (ip.includes(':') ? containerIps.v6 : containerIps.v4) ?? '',
  });
  try {
    for (const req of reqs) {
      const p = { req, port: pickOrThrow(alloc, req) };
      takeAll(alloc, p);
      picked.push(p);
    }
    const busy = async (p: Picked) => (await Promise.all(p.req.hostIps.map((ip) => probe(p.req.proto, ip, p.port)))).some((free) => !free);
    const results = await Promise.all(picked.map(busy));
    for (const [i, p] of picked.entries()) {
      if (!results[i]) continue;
      const firstBusy = async () => {
        for (const ip of p.req.hostIps) if (!(await probe(p.req.proto, ip, p.port))) return ip;
        return p.req.hostIps[0];
      };
      if (fixed(p.req)) throw new BerthError('Conflict', hostPortBusyMessage(mappingOf(p, await firstBusy())));
      const skip = new Set<number>([p.port]);
      let ok = false;
      for (let attempt = 1; attempt < MAX_ATTEMPTS && !ok; attempt++) {
        releaseAll(alloc, p);
        p.port = pickOrThrow(alloc, p.req, skip);
        takeAll(alloc, p);
        ok = !(await busy(p));
        if (!ok) skip.add(p.port);
      }
      if (!ok) throw new BerthError('Conflict', hostPortBusyMessage(mappingOf(p, await firstBusy())));
    }
  } catch (e) {
    for (const p of picked) releaseAll(alloc, p);
    throw e;
  }
  return picked.flatMap((p) => p.req.hostIps.map((ip) => mappingOf(p, ip)));
}

export function releaseHostPorts(alloc: PortAllocator, mappings: PortMapping[]): void {
  for (const m of mappings) alloc.release(m.proto, m.hostIp, m.hostPort);
}
