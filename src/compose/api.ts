// The Engine API calls compose makes, typed, over src/client's EngineClient.
import type { IncomingMessage } from 'node:http';
import { ApiError, readAll, type EngineClient, type JsonMessage } from '../client/client.js';
import { LABEL } from './labels.js';

const enc = encodeURIComponent;

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  State: string;
  Status: string;
  Ports: Array<{ IP?: string; PrivatePort: number; PublicPort?: number; Type: string }>;
  Labels: Record<string, string>;
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  Image: string;
  Config: { Image: string; Tty: boolean; Labels: Record<string, string> | null; Env: string[] | null; Cmd: string[] | null };
  State: { Status: string; Running: boolean; Paused: boolean; ExitCode: number; Health?: { Status: string } | null };
  NetworkSettings: { Ports: Record<string, Array<{ HostIp: string; HostPort: string }> | null> | null };
}

export interface ResourceSummary { Name: string; Id?: string; Labels: Record<string, string> | null }

export const isNotFound = (e: unknown) => e instanceof ApiError && e.status === 404;

export class ComposeApi {
  constructor(readonly client: EngineClient) {}

  private async ok(method: string, path: string, query?: Record<string, string | number | boolean | undefined>, body?: unknown): Promise<void> {
    const res = await this.client.request(method, path, { query, body });
    res.resume();
  }

  containers(project: string, opts: { all?: boolean; oneoff?: boolean | 'any'; services?: string[] } = {}): Promise<ContainerSummary[]> {
    const label = [`${LABEL.project}=${project}`];
    if (opts.oneoff !== 'any') label.push(`${LABEL.oneoff}=${opts.oneoff ? 'True' : 'False'}`);
    if (opts.services?.length === 1) label.push(`${LABEL.service}=${opts.services[0]}`);
    return this.client.get<ContainerSummary[]>('/containers/json', { all: opts.all ?? true, filters: JSON.stringify({ label }) })
      .then((l) => (opts.services && opts.services.length > 1 ? l.filter((c) => opts.services!.includes(c.Labels[LABEL.service]!)) : l));
  }

  /** Every compose-labelled container (for `ls`). */
  allComposeContainers(): Promise<ContainerSummary[]> {
    return this.client.get<ContainerSummary[]>('/containers/json', { all: true, filters: JSON.stringify({ label: [LABEL.project] }) });
  }

  inspect(id: string): Promise<ContainerInspect> {
    return this.client.get<ContainerInspect>(`/containers/${enc(id)}/json`);
  }

  async create(name: string, body: unknown): Promise<string> {
    const r = await this.client.json<{ Id: string }>('POST', '/containers/create', { query: { name }, body });
    return r.Id;
  }

  start(id: string) { return this.ok('POST', `/containers/${enc(id)}/start`); }
  stop(id: string, timeout?: number) { return this.ok('POST', `/containers/${enc(id)}/stop`, { t: timeout }); }
  restart(id: string, timeout?: number) { return this.ok('POST', `/containers/${enc(id)}/restart`, { t: timeout }); }
  kill(id: string, signal?: string) { return this.ok('POST', `/containers/${enc(id)}/kill`, { signal }); }
  pause(id: string) { return this.ok('POST', `/containers/${enc(id)}/pause`); }
  unpause(id: string) { return this.ok('POST', `/containers/${enc(id)}/unpause`); }
  rename(id: string, name: string) { return this.ok('POST', `/containers/${enc(id)}/rename`, { name }); }
  remove(id: string, o: { force?: boolean; volumes?: boolean } = {}) { return this.ok('DELETE', `/containers/${enc(id)}`, { force: o.force, v: o.volumes }); }

  /**
   * PUT …/archive: extracts a tar into the container at `path` (compose's CopyToContainer, which
   * refuses to replace a directory by a file and the reverse).
   */
  async putArchive(id: string, path: string, tar: Buffer): Promise<void> {
    const res = await this.client.request('PUT', `/containers/${enc(id)}/archive`, {
      query: { path, noOverwriteDirNonDir: true }, body: tar, headers: { 'Content-Type': 'application/x-tar' },
    });
    await readAll(res);
  }

  /** POST …/wait: the exit code once the container is not running. */
  async wait(id: string, condition = 'not-running'): Promise<number> {
    const r = await this.client.json<{ StatusCode: number }>('POST', `/containers/${enc(id)}/wait`, { query: { condition } });
    return r.StatusCode;
  }

  logs(id: string, q: Record<string, string | number | boolean | undefined>): Promise<IncomingMessage> {
    return this.client.request('GET', `/containers/${enc(id)}/logs`, { query: { stdout: true, stderr: true, ...q } });
  }

  top(id: string): Promise<{ Titles: string[]; Processes: string[][] }> {
    return this.client.get(`/containers/${enc(id)}/top`);
  }

  networks(project: string): Promise<ResourceSummary[]> {
    return this.client.get<ResourceSummary[]>('/networks', { filters: JSON.stringify({ label: [`${LABEL.project}=${project}`] }) });
  }

  networkExists(name: string): Promise<ResourceSummary | null> {
    return this.getOrNull<ResourceSummary>(`/networks/${enc(name)}`);
  }

  createNetwork(body: unknown) { return this.client.json<{ Id: string }>('POST', '/networks/create', { body }); }
  removeNetwork(name: string) { return this.ok('DELETE', `/networks/${enc(name)}`); }

  volumes(project: string): Promise<ResourceSummary[]> {
    return this.client.get<{ Volumes: ResourceSummary[] | null }>('/volumes', { filters: JSON.stringify({ label: [`${LABEL.project}=${project}`] }) })
      .then((r) => r.Volumes ?? []);
  }

  volumeExists(name: string): Promise<ResourceSummary | null> {
    return this.getOrNull<ResourceSummary>(`/volumes/${enc(name)}`);
  }

  createVolume(body: unknown) { return this.client.json<ResourceSummary>('POST', '/volumes/create', { body }); }
  removeVolume(name: string) { return this.ok('DELETE', `/volumes/${enc(name)}`); }

  async imageId(ref: string): Promise<string | null> {
    return (await this.getOrNull<{ Id: string }>(`/images/${enc(ref)}/json`))?.Id ?? null;
  }

  /** GET of one object; null when the daemon says it does not exist. */
  private async getOrNull<T>(path: string): Promise<T | null> {
    try {
      return await this.client.get<T>(path);
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  imageInspect(ref: string) { return this.client.get<{ Id: string; RepoTags: string[] | null; Size: number; Created: string }>(`/images/${enc(ref)}/json`); }
  removeImage(ref: string) { return this.ok('DELETE', `/images/${enc(ref)}`); }

  /** Runs a JSON-message stream (pull, push) to its end; an in-band error throws. */
  async jsonStream(res: IncomingMessage, onMessage?: (m: JsonMessage) => void): Promise<void> {
    let error: string | undefined;
    await this.client.jsonStream(res, (m) => {
      if (m.error || m.errorDetail) error ??= m.errorDetail?.message ?? m.error;
      onMessage?.(m);
    });
    if (error !== undefined) throw new Error(error);
  }

  async pull(ref: string, auth?: string, onMessage?: (m: JsonMessage) => void): Promise<void> {
    const { name, tag, digest } = splitRef(ref);
    const res = await this.client.request('POST', '/images/create', { query: { fromImage: name, tag: digest ?? tag }, headers: auth ? { 'X-Registry-Auth': auth } : {} });
    await this.jsonStream(res, onMessage);
  }

  async push(ref: string, auth?: string, onMessage?: (m: JsonMessage) => void): Promise<void> {
    const { name, tag } = splitRef(ref);
    const res = await this.client.request('POST', `/images/${enc(name)}/push`, { query: { tag }, headers: { 'X-Registry-Auth': auth ?? 'e30=' } });
    await this.jsonStream(res, onMessage);
  }

  async version(): Promise<{ Version: string; ApiVersion: string }> {
    return this.client.get('/version');
  }
}

/** `name[:tag][@digest]` split as the pull API wants it (tag `latest` when absent). */
export function splitRef(ref: string): { name: string; tag: string; digest?: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { name: ref.slice(0, at), tag: '', digest: ref.slice(at + 1) };
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { name: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { name: ref, tag: 'latest' };
}

export { readAll };
