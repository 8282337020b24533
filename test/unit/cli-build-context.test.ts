// The build context the CLI sends: the tar of a context directory (order, owners, links, what
// .dockerignore leaves out, the Dockerfile and .dockerignore always in, an outside Dockerfile
// added under a random name), the Dockerfile's resolution, stdin contexts, and the POST /build
// query — as the docker 28 CLI produces them.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { IgnoreMatcher } from '../../src/builder/dockerignore.js';
import {
  contextFromReader, dockerfileRelPath, isArchive, keepBuildFiles, localContext, packContext, randomDockerfileName,
  readDockerignore, validateContextDirectory,
} from '../../src/cli/build-context.js';
import { buildQuery, SendProgress } from '../../src/cli/commands/build.js';

interface Entry { name: string; type: string; mode: number; uid: number; gid: number; mtime: number; linkname?: string; body: string }

async function list(stream: Readable): Promise<Entry[]> {
  const ex = tar.extract();
  const out: Entry[] = [];
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (h, body, next) => {
      const chunks: Buffer[] = [];
      body.on('data', (c) => { chunks.push(c as Buffer); });
      body.on('end', () => {
        out.push({
          name: h.name, type: h.type ?? 'file', mode: h.mode ?? 0, uid: h.uid ?? -1, gid: h.gid ?? -1,
          mtime: Math.floor((h.mtime?.getTime() ?? 0) / 1000), linkname: h.linkname ?? undefined, body: Buffer.concat(chunks).toString(),
        });
        next();
      });
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  stream.pipe(ex);
  await done;
  return out;
}

const names = (es: Entry[]) => es.map((e) => e.name);

/** The context's tar as `docker build` would send it for these .dockerignore patterns. */
function contextTar(dir: string, dockerfile = 'Dockerfile', extra?: { name: string; content: Buffer }): Readable {
  const excludes = keepBuildFiles(readDockerignore(dir), dockerfile, false);
  return packContext(dir, new IgnoreMatcher(excludes), extra ? { extraDockerfile: extra, now: new Date(1_700_000_000_000) } : {});
}

describe('context tar', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-ctx-'));
    mkdirSync(join(dir, 'sub/deep'), { recursive: true });
    mkdirSync(join(dir, 'node_modules/x'), { recursive: true });
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY . /\n');
    writeFileSync(join(dir, 'a.txt'), 'hi\n');
    writeFileSync(join(dir, 'B.txt'), 'upper\n');
    writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\n');
    chmodSync(join(dir, 'run.sh'), 0o755);
    writeFileSync(join(dir, 'sub/b.txt'), 'b\n');
    writeFileSync(join(dir, 'sub/deep/c'), 'c\n');
    writeFileSync(join(dir, 'node_modules/x/index.js'), '');
    writeFileSync(join(dir, 'notes.md'), '# notes\n');
    symlinkSync('a.txt', join(dir, 'link'));
    linkSync(join(dir, 'a.txt'), join(dir, 'hard.txt'));
    utimesSync(join(dir, 'a.txt'), 1_600_000_000, 1_600_000_000);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the context in Go\'s walk order with relative names, directories and owner 0:0', async () => {
    rmSync(join(dir, '.dockerignore'), { force: true });
    const es = await list(contextTar(dir));
    assert.deepEqual(names(es), [
      'B.txt', 'Dockerfile', 'a.txt', 'hard.txt', 'link', 'node_modules/', 'node_modules/x/', 'node_modules/x/index.js',
      'notes.md', 'run.sh', 'sub/', 'sub/b.txt', 'sub/deep/', 'sub/deep/c',
    ]);
    for (const e of es) assert.deepEqual([e.uid, e.gid], [0, 0], e.name);
    const by = Object.fromEntries(es.map((e) => [e.name, e]));
    assert.equal(by['a.txt']!.body, 'hi\n');
    assert.equal(by['a.txt']!.mtime, 1_600_000_000);
    assert.equal(by['run.sh']!.mode & 0o777, 0o755);
    assert.equal(by['sub/']!.type, 'directory');
    assert.deepEqual([by['link']!.type, by['link']!.linkname], ['symlink', 'a.txt']);
    assert.deepEqual([by['hard.txt']!.type, by['hard.txt']!.linkname], ['link', 'a.txt']);
  });

  it('leaves out what .dockerignore excludes', async () => {
    writeFileSync(join(dir, '.dockerignore'), 'node_modules\n*.md\nsub/deep\n');
    assert.deepEqual(names(await list(contextTar(dir))), [
      '.dockerignore', 'B.txt', 'Dockerfile', 'a.txt', 'hard.txt', 'link', 'run.sh', 'sub/', 'sub/b.txt',
    ]);
  });

  it('always sends the Dockerfile and .dockerignore, even when excluded', async () => {
    writeFileSync(join(dir, '.dockerignore'), '*\n');
    assert.deepEqual(names(await list(contextTar(dir))), ['.dockerignore', 'Dockerfile']);
    writeFileSync(join(dir, '.dockerignore'), 'sub\n');
    assert.deepEqual(names(await list(contextTar(dir, 'sub/b.txt'))).filter((n) => n.startsWith('sub')), ['sub/b.txt']);
  });

  it('adds an outside Dockerfile under its random name and names it in .dockerignore', async () => {
    writeFileSync(join(dir, '.dockerignore'), 'node_modules\n*.md');
    const name = randomDockerfileName();
    assert.match(name, /^\.dockerfile\.[0-9a-f]{20}$/);
    const es = await list(contextTar(dir, 'Dockerfile', { name, content: Buffer.from('FROM x\n') }));
    const last = es[es.length - 1]!;
    assert.deepEqual([last.name, last.body, last.mode & 0o777, last.uid, last.mtime], [name, 'FROM x\n', 0o600, 0, 1_700_000_000]);
    assert.equal(es.find((e) => e.name === '.dockerignore')!.body, `node_modules\n*.md\n${name}\n`);
  });

  it('creates .dockerignore for an outside Dockerfile when the context has none', async () => {
    rmSync(join(dir, '.dockerignore'));
    const name = randomDockerfileName();
    const es = await list(contextTar(dir, 'Dockerfile', { name, content: Buffer.from('FROM x\n') }));
    assert.deepEqual(names(es).slice(-2), [name, '.dockerignore']);
    assert.equal(es[es.length - 1]!.body, `.dockerignore\n${name}\n`);
  });

  it('streams big files in full', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    writeFileSync(join(dir, 'big.bin'), big);
    try {
      const e = (await list(contextTar(dir))).find((x) => x.name === 'big.bin')!;
      assert.equal(e.body.length, big.length);
    } finally {
      rmSync(join(dir, 'big.bin'));
    }
  });

  it('checks the context for unreadable files, skipping excluded ones', { skip: process.getuid?.() === 0 ? 'root reads everything' : false }, () => {
    writeFileSync(join(dir, 'secret'), 'x');
    chmodSync(join(dir, 'secret'), 0);
    try {
      assert.throws(() => validateContextDirectory(dir, []), { message: `no permission to read from '${join(dir, 'secret')}'` });
      validateContextDirectory(dir, ['secret']);
    } finally {
      rmSync(join(dir, 'secret'));
    }
  });

  it('rejects bad patterns while checking the context', () => {
    assert.throws(() => validateContextDirectory(dir, ['[']), { message: 'syntax error in pattern' });
  });
});

describe('Dockerfile resolution', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-df-'));
    mkdirSync(join(dir, 'ctx/sub'), { recursive: true });
    writeFileSync(join(dir, 'ctx/dockerfile'), 'FROM x\n');
    writeFileSync(join(dir, 'ctx/sub/Build'), 'FROM x\n');
    writeFileSync(join(dir, 'Outside'), 'FROM x\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('falls back to `dockerfile` when there is no `Dockerfile`', () => {
    assert.equal(dockerfileRelPath(join(dir, 'ctx')), 'dockerfile');
  });

  it('takes -f relative to the working directory, not the context', () => {
    const cwd = process.cwd();
    process.chdir(join(dir, 'ctx/sub'));
    try {
      assert.deepEqual(localContext('..', 'Build'), { contextDir: join(dir, 'ctx'), relDockerfile: 'sub/Build' });
      assert.deepEqual(localContext('..', '../../Outside').relDockerfile, '../Outside');
    } finally {
      process.chdir(cwd);
    }
  });

  it('names the first missing path component as Go does', () => {
    assert.throws(() => dockerfileRelPath(join(dir, 'ctx'), join(dir, 'ctx/nope/Dockerfile')), {
      message: `unable to evaluate symlinks in Dockerfile path: lstat ${join(dir, 'ctx/nope')}: no such file or directory`,
    });
  });

  it('refuses a file as the context', () => {
    assert.throws(() => localContext(join(dir, 'Outside')), { message: `context must be a directory: ${join(dir, 'Outside')}` });
  });
});

describe('stdin context', () => {
  it('tells archives from Dockerfiles', () => {
    assert.equal(isArchive(gzipSync('x')), true);
    assert.equal(isArchive(Buffer.from('BZh91AY&SY')), true);
    assert.equal(isArchive(Buffer.from('FROM scratch\n')), false);
    assert.equal(isArchive(Buffer.alloc(1024)), false);
  });

  it('passes an archive through untouched', async () => {
    const pack = tar.pack();
    pack.entry({ name: 'Dockerfile' }, 'FROM x\n');
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const c of pack) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    assert.equal(isArchive(raw), true);
    const r = await contextFromReader(Readable.from([raw.subarray(0, 100), raw.subarray(100)]), 'Dockerfile');
    const got: Buffer[] = [];
    for await (const c of r.stream) got.push(c as Buffer);
    assert.deepEqual(Buffer.concat(got), raw);
    assert.equal(r.relDockerfile, 'Dockerfile');
  });

  it('wraps a Dockerfile in a tar of its own', async () => {
    const r = await contextFromReader(Readable.from([Buffer.from('FROM scratch\n')]));
    assert.equal(r.relDockerfile, 'Dockerfile');
    const es = await list(r.stream);
    assert.deepEqual(es.map((e) => [e.name, e.body]), [['Dockerfile', 'FROM scratch\n']]);
  });

  it('refuses two Dockerfiles', async () => {
    await assert.rejects(contextFromReader(Readable.from([Buffer.from('FROM x\n')]), 'x'), { message: 'ambiguous Dockerfile source: both stdin and flag correspond to Dockerfiles' });
    await assert.rejects(contextFromReader(Readable.from([Buffer.from('FROM x\n')]), '-'), { message: 'build context is not an archive' });
  });
});

describe('POST /build query', () => {
  it('sends what docker sends, sorted by key', () => {
    const q = buildQuery({
      tag: ['foo:1', 'bar'], 'add-host': ['a:1.2.3.4'], quiet: false, 'no-cache': true, rm: false, network: 'host', memory: '100m',
      'shm-size': '64m', target: 't', platform: 'linux/AMD64', label: ['l=v', 'bare'], ulimit: ['nofile=10:20'],
    }, '.dockerfile.0123', { A: '1', B: null });
    assert.deepEqual(Object.keys(q), ['buildargs', 'dockerfile', 'extrahosts', 'labels', 'memory', 'networkmode', 'nocache', 'platform', 'rm', 'shmsize', 't', 'target', 'ulimits', 'version']);
    assert.deepEqual(q, {
      buildargs: '{"A":"1","B":null}', dockerfile: '.dockerfile.0123', extrahosts: ['a:1.2.3.4'], labels: '{"bare":"","l":"v"}',
      memory: '104857600', networkmode: 'host', nocache: '1', platform: 'linux/amd64', rm: '0', shmsize: '67108864', t: ['foo:1', 'bar'],
      target: 't', ulimits: '[{"Name":"nofile","Hard":20,"Soft":10}]', version: '1',
    });
    assert.deepEqual(buildQuery({ rm: true, network: 'default' }, 'Dockerfile', {}), { dockerfile: 'Dockerfile', version: '1' });
  });

  it('prints the sending line as docker does off a terminal', async () => {
    let out = '';
    const p = new SendProgress((s) => { out += s; }, false);
    for await (const _ of Readable.from([Buffer.alloc(2048)]).pipe(p)) { /* drain */ }
    assert.equal(out, 'Sending build context to Docker daemon  2.048kB\r\r\n');
  });
});
