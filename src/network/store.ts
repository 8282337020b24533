// Durable network state under <data-root>/networks: one record per network (<id>.json) and one per
// container holding addresses (its leases), host ports and device names (endpoints/<id>.json).
// Every write is atomic (temp file, fsync, rename), so a daemon killed at any moment restarts
// with either the old or the new version of each record.
import { readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../common/atomic.js';
import type { PortMapping } from './ports.js';
import type { EndpointRequest, NetworkRecord } from './types.js';

export interface FamilyConfig {
  /** Effective subnet, gateway and ip-range (the record's IPAM.Config shows what the user gave). */
  subnet: string;
  gateway: string;
  ipRange?: string;
  aux: string[];
  /** The subnet was given by the user (then --ip addresses in it are accepted). */
  configured?: boolean;
}

export interface StoredNetwork {
  record: NetworkRecord;
  v4?: FamilyConfig;
  v6?: FamilyConfig;
  /** bridge driver: the bridge device. */
  bridge?: string;
  /** macvlan / ipvlan: the parent device, and whether this daemon created it. */
  parent?: string;
  createdParent?: boolean;
}

export interface StoredEndpoint {
  networkId: string;
  networkName: string;
  driver: string;
  endpointId: string;
  /** Interface name inside the container (eth0, eth1…). */
  ifname: string;
  /** Host side of the veth pair (bridge driver). */
  hostVeth?: string;
  ipv4?: string;
  prefixLen: number;
  gateway: string;
  ipv6?: string;
  prefixLen6: number;
  gateway6: string;
  mac: string;
  aliases: string[];
  dnsNames: string[];
  /** Legacy links on this network, "name:alias". */
  links: string[];
  request: EndpointRequest;
}

export interface StoredContainer {
  containerId: string;
  name: string;
  hostname: string;
  /** Set once plumbed into a running process. */
  pid?: number;
  endpoints: StoredEndpoint[];
  /** Host ports mapped, and the bridge they are published through. */
  mappings: PortMapping[];
  portBridge?: string;
  exposed: string[];
  extraHosts: Array<{ ip: string; names: string[] }>;
}

const isJson = (n: string) => n.endsWith('.json') && !n.startsWith('.');

export class NetworkStore {
  constructor(readonly root: string) {}

  private netPath(id: string) { return join(this.root, `${id}.json`); }
  private ctrPath(id: string) { return join(this.root, 'endpoints', `${id}.json`); }

  private async loadDir<T>(dir: string): Promise<T[]> {
    let names: string[];
    try { names = await readdir(dir); } catch { return []; }
    const out: T[] = [];
    for (const n of names.filter(isJson)) {
      try { out.push(JSON.parse(await readFile(join(dir, n), 'utf8')) as T); } catch { /* a torn record cannot exist; skip foreign files */ }
    }
    return out;
  }

  loadNetworks(): Promise<StoredNetwork[]> { return this.loadDir(this.root); }
  loadContainers(): Promise<StoredContainer[]> { return this.loadDir(join(this.root, 'endpoints')); }

  saveNetwork(n: StoredNetwork): Promise<void> { return writeFileAtomic(this.netPath(n.record.Id), JSON.stringify(n, null, 1)); }
  saveContainer(c: StoredContainer): Promise<void> { return writeFileAtomic(this.ctrPath(c.containerId), JSON.stringify(c)); }

  async deleteNetwork(id: string): Promise<void> { await unlink(this.netPath(id)).catch(() => undefined); }
  async deleteContainer(id: string): Promise<void> { await unlink(this.ctrPath(id)).catch(() => undefined); }
}
