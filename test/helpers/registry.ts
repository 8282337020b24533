// Registry fixtures for the registry client's tests: Debian's docker-registry (a real
// distribution server) on 127.0.0.1 with optional htpasswd or token auth, a token server issuing
// the JWTs distribution verifies, a TCP proxy that cuts one blob download short, and
// docker-archive images of random layers built without any builder.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, createSign, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer, connect, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { pack } from 'tar-stream';

export const REGISTRY_BIN = '/usr/bin/docker-registry';
export const hasRegistry = (): boolean => existsSync(REGISTRY_BIN);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RegistryOptions {
  /** user → password, checked with bcrypt entries (htpasswd -B). */
  users?: Record<string, string>;
  /** Token auth: the realm and service distribution sends in its challenge, and the signing cert. */
  token?: { realm: string; service: string; issuer: string; certFile: string };
}

export class TestRegistry {
  port = 0;
  private proc?: ChildProcess;
  logs = '';
  readonly dataDir: string;

  constructor(readonly dir: string, private readonly opts: RegistryOptions = {}) {
    mkdirSync(dir, { recursive: true });
    this.dataDir = join(dir, 'data');
  }

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.port = await freePort();
    const lines = [
      'version: 0.1',
      'log: {level: error, accesslog: {disabled: true}}',
      `storage: {filesystem: {rootdirectory: ${this.dataDir}}, delete: {enabled: true}}`,
      `http: {addr: "127.0.0.1:${this.port}", secret: test}`,
    ];
    if (this.opts.users) {
      const file = join(this.dir, 'htpasswd');
      const entries = Object.entries(this.opts.users).map(([u, p]) => {
        const r = spawnSync('htpasswd', ['-nbB', u, p], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`htpasswd failed: ${r.stderr}`);
        return r.stdout.trim();
      });
      writeFileSync(file, entries.join('\n') + '\n');
      lines.push(`auth: {htpasswd: {realm: basic-realm, path: ${file}}}`);
    }
    if (this.opts.token) {
      const t = this.opts.token;
      lines.push(`auth: {token: {realm: "${t.realm}", service: "${t.service}", issuer: "${t.issuer}", rootcertbundle: ${t.certFile}}}`);
    }
    const config = join(this.dir, 'config.yml');
    writeFileSync(config, lines.join('\n') + '\n');
    this.proc = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout!.on('data', (d) => { this.logs += d; });
    this.proc.stderr!.on('data', (d) => { this.logs += d; });
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`docker-registry exited: ${this.logs}`);
      if (await reachable(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`docker-registry did not start: ${this.logs}`);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const done = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
    if (p.exitCode === null) p.kill('SIGKILL');
  }
}

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/** A self-signed certificate and key (openssl) for signing registry tokens. */
export function makeSigningCert(dir: string): { cert: string; key: string; der: Buffer } {
  const cert = join(dir, 'token.crt');
  const key = join(dir, 'token.key');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=berth-test-token'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  const pem = readFileSync(cert, 'utf8');
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return { cert, key, der };
}

export interface TokenRequest { method: string; scope: string[]; service: string | null; account: string | null; authorization: string | undefined }

/**
 * A token server for distribution's token auth: GET /token?service=&scope=… answers a JWT (RS256,
 * x5c = the signing cert) granting the scopes asked, to anyone for pull and only to `users` for
 * push; wrong credentials get Docker Hub's 401 `{"details": …}`.
 */
export class TokenServer {
  readonly requests: TokenRequest[] = [];
  port = 0;
  private server?: Server;

  constructor(private readonly signing: { key: string; der: Buffer }, readonly issuer: string, readonly service: string, private readonly users: Record<string, string>) {}

  get realm(): string {
    return `http://127.0.0.1:${this.port}/token`;
  }

  async start(): Promise<void> {
    this.server = createHttpServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server!.address() as AddressInfo).port;
  }

  private handle(req: IncomingMessage, res: import('node:http').ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const scopes = url.searchParams.getAll('scope');
    this.requests.push({ method: req.method ?? '', scope: scopes, service: url.searchParams.get('service'), account: url.searchParams.get('account'), authorization: req.headers.authorization });
    let user: string | undefined;
    const auth = req.headers.authorization;
    if (auth?.startsWith('Basic ')) {
      const [u, p] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
      if (this.users[u!] !== p) {
        res.writeHead(401, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ details: 'incorrect username or password' }));
        return;
      }
      user = u;
    }
    const access = scopes.flatMap((s) => {
      const [type, name, actions] = s.split(':');
      if (type !== 'repository' || !name || !actions) return [];
      const allowed = actions.split(',').filter((a) => a === 'pull' || (a === 'push' && user !== undefined));
      return allowed.length ? [{ type, name, actions: allowed }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const header = b64({ typ: 'JWT', alg: 'RS256', x5c: [this.signing.der.toString('base64')] });
    const claims = b64({ iss: this.issuer, sub: user ?? '', aud: this.service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access });
    const sig = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(readFileSync(this.signing.key)).toString('base64url');
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ token: `${header}.${claims}.${sig}`, expires_in: 300, issued_at: new Date().toISOString() }));
  }

  async stop(): Promise<void> {
    await new Promise((r) => this.server?.close(r) ?? r(undefined));
  }
}

/**
 * A TCP proxy in front of a registry that, once, drops the connection after `cutAfter` bytes of
 * the response to a GET of the blob `digest`; it records whether a later GET of it asked for a
 * Range.
 */
export class CutProxy {
  port = 0;
  cuts = 0;
  readonly blobRequests: Array<{ range: string | undefined }> = [];
  private server?: NetServer;
  private readonly sockets = new Set<Socket>();

  /** With `corrupt`, the blob's bytes are altered once at `cutAfter` instead of the connection being cut. */
  constructor(private readonly target: number, private readonly digest: string, private readonly cutAfter: number, private readonly corrupt = false) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target, '127.0.0.1');
      this.sockets.add(client).add(upstream);
      let cutting = false;
      let sent = 0;
      let head = '';
      client.on('data', (d: Buffer) => {
        head = (head + d.toString('latin1')).slice(-8192);
        for (const m of head.matchAll(/(GET|HEAD) (\S+) HTTP\/1\.1\r\n([\s\S]*?)\r\n\r\n/g)) {
          if (m[1] === 'GET' && m[2]!.includes(`/blobs/${this.digest}`)) {
            const range = /^range: *(.*)$/im.exec(m[3]!)?.[1];
            this.blobRequests.push({ range });
            if (this.cuts === 0) { cutting = true; sent = 0; }
          }
          head = '';
        }
        upstream.write(d);
      });
      upstream.on('data', (d: Buffer) => {
        if (cutting) {
          if (sent + d.length >= this.cutAfter && this.corrupt) {
            const bad = Buffer.from(d);
            bad[this.cutAfter - sent] ^= 0xff;
            this.cuts++;
            cutting = false;
            client.write(bad);
            return;
          }
          if (sent + d.length >= this.cutAfter) {
            client.write(d.subarray(0, this.cutAfter - sent));
            this.cuts++;
            cutting = false;
            client.destroy();
            upstream.destroy();
            return;
          }
          sent += d.length;
        }
        client.write(d);
      });
      const close = () => { client.destroy(); upstream.destroy(); this.sockets.delete(client); this.sockets.delete(upstream); };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server!.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server?.close(r) ?? r(undefined));
  }
}

/** A layer tar of one file of `size` random bytes (deterministic for a seed). */
export async function layerTar(name: string, size: number, seed: string): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => { chunks.push(c as Buffer); });
  const done = new Promise<void>((r) => { p.on('end', () => r()); });
  p.entry({ name, size, mode: 0o644, mtime: new Date(1_700_000_000_000), uid: 0, gid: 0 }, prng(seed, size));
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

function prng(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let off = 0; off < size; off += 32) {
    block = createHash('sha256').update(block).digest();
    block.copy(out, off, 0, Math.min(32, size - off));
  }
  return out;
}

/** A legacy docker-archive (docker save ≤ 24) of one image with these layer tars. */
export async function imageArchive(tag: string, layers: Buffer[], label = 'berth-test'): Promise<{ archive: Buffer; id: string }> {
  const diffIds = layers.map((l) => 'sha256:' + createHash('sha256').update(l).digest('hex'));
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', created: '2023-11-14T22:13:20Z',
    config: { Cmd: ['sh'], Labels: { test: label } },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: layers.map((_, i) => ({ created: '2023-11-14T22:13:20Z', created_by: `layer ${i}` })),
  }));
  const cfgHex = createHash('sha256').update(config).digest('hex');
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => { chunks.push(c as Buffer); });
  const done = new Promise<void>((r) => { p.on('end', () => r()); });
  const paths: string[] = [];
  layers.forEach((l, i) => {
    const dir = diffIds[i]!.slice(7);
    p.entry({ name: `${dir}/layer.tar`, size: l.length }, l);
    paths.push(`${dir}/layer.tar`);
  });
  p.entry({ name: `${cfgHex}.json` }, config);
  p.entry({ name: 'manifest.json' }, JSON.stringify([{ Config: `${cfgHex}.json`, RepoTags: [tag], Layers: paths }]));
  p.finalize();
  await done;
  return { archive: Buffer.concat(chunks), id: `sha256:${cfgHex}` };
}
