// The compose model's secrets, configs and include: short and long syntaxes, file modes as
// compose-go reads them, targets, what is bind-mounted and what is copied in (and the tar that
// copies it), the config hash following the sources, `config` output, include's own paths and
// variables, conflicts and cycles, and compose v2's error texts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { loadProject } from '../../src/compose/project.js';
import { serviceHash } from '../../src/compose/hash.js';
import { projectYaml } from '../../src/compose/serialize.js';
import { createBody } from '../../src/compose/convert.js';
import { checkFileSources, fileMounts, fileObjectsTar, fileTarget, fileUses } from '../../src/compose/secrets.js';
import { readTar } from '../../src/layer/tar-reader.js';

let root: string;
before(() => { root = mkdtempSync('/tmp/compose-secrets-unit.'); });
after(() => rmSync(root, { recursive: true, force: true }));

/** A fresh project directory holding `files` (path → content). */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(root, 'p-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}
const load = (dir: string, env: Record<string, string> = {}, file = 'compose.yaml') => loadProject({ files: [join(dir, file)], env, cwd: dir, projectName: 'p' });

async function untar(buf: Buffer): Promise<Array<{ name: string; mode: number; uid: number; gid: number; data: string }>> {
  const out: Array<{ name: string; mode: number; uid: number; gid: number; data: string }> = [];
  for await (const t of readTar(Readable.from([buf]))) {
    if (t.kind === 'header') out.push({ name: t.header.name, mode: t.header.mode, uid: t.header.uid, gid: t.header.gid, data: '' });
    else if (t.kind === 'data') out[out.length - 1]!.data += t.chunk.toString();
  }
  return out;
}

const SECRETS_FILE = `
services:
  web:
    image: busybox
    secrets:
      - pw
      - source: tok
        target: token
        uid: "1000"
        gid: 2000
        mode: 0440
      - source: pw
        target: /etc/pw
        mode: "600"
    configs:
      - app
      - source: app
        target: etc/app.conf
  plain:
    image: busybox
secrets:
  pw:
    file: ./pw.txt
  tok:
    environment: TOKEN
configs:
  app:
    content: |
      greeting=\${GREETING}
      dollar=$$HOME
`;

describe('compose secrets and configs: the model', () => {
  it('normalises the short syntax to {source} and reads modes as compose-go does (0440 octal, strings octal)', () => {
    const p = load(project({ 'compose.yaml': SECRETS_FILE, 'pw.txt': 'pw' }), { TOKEN: 't', GREETING: 'hi' });
    assert.deepEqual(p.services.web!.secrets, [
      { source: 'pw' },
      { source: 'tok', target: 'token', uid: '1000', gid: '2000', mode: 0o440 },
      { source: 'pw', target: '/etc/pw', mode: 0o600 },
    ]);
    assert.deepEqual(p.services.web!.configs, [{ source: 'app' }, { source: 'app', target: 'etc/app.conf' }]);
  });

  it('names definitions <project>_<key> (external: the key), makes file paths absolute and interpolates content', () => {
    const dir = project({ 'compose.yaml': SECRETS_FILE + '  ext:\n    external: true\n', 'pw.txt': 'pw' });
    const p = load(dir, { TOKEN: 't', GREETING: 'hi' });
    assert.deepEqual(p.secrets, { pw: { name: 'p_pw', file: join(dir, 'pw.txt') }, tok: { name: 'p_tok', environment: 'TOKEN' } });
    assert.deepEqual(p.configs, { app: { name: 'p_app', content: 'greeting=hi\ndollar=$HOME\n' }, ext: { name: 'ext', external: true } });
  });

  it('targets: secrets under /run/secrets, configs under /, absolute targets as written', () => {
    assert.equal(fileTarget('secret', { source: 'a' }), '/run/secrets/a');
    assert.equal(fileTarget('secret', { source: 'a', target: 'b/c' }), '/run/secrets/b/c');
    assert.equal(fileTarget('secret', { source: 'a', target: '/etc/x' }), '/etc/x');
    assert.equal(fileTarget('config', { source: 'a' }), '/a');
    assert.equal(fileTarget('config', { source: 'a', target: 'etc/a.conf' }), '/etc/a.conf');
  });

  it('binds a plain file source read-only and copies the rest (variables, content, uid/gid/mode)', () => {
    const dir = project({ 'compose.yaml': SECRETS_FILE, 'pw.txt': 'pw' });
    const p = load(dir, { TOKEN: 't' });
    assert.deepEqual(fileUses(p, p.services.web!).map((u) => [u.kind, u.key, u.target, u.via]), [
      ['secret', 'pw', '/run/secrets/pw', 'bind'],
      ['secret', 'tok', '/run/secrets/token', 'copy'],
      ['secret', 'pw', '/etc/pw', 'copy'],
      ['config', 'app', '/app', 'copy'],
      ['config', 'app', '/etc/app.conf', 'copy'],
    ]);
    const body = createBody(p, p.services.web!, { name: 'p-web-1', number: 1 }) as { HostConfig: { Mounts?: unknown[] } };
    assert.deepEqual(body.HostConfig.Mounts, [{ Type: 'bind', Source: join(dir, 'pw.txt'), Target: '/run/secrets/pw', ReadOnly: true }]);
    assert.equal((createBody(p, p.services.plain!, { name: 'p-plain-1', number: 1 }) as { HostConfig: { Mounts?: unknown } }).HostConfig.Mounts, undefined);
  });

  it('leaves a target a volume already takes to the volume, as compose v2', () => {
    const dir = project({
      'compose.yaml': 'services:\n  a:\n    image: busybox\n    volumes: ["./other:/run/secrets/s"]\n    secrets: [s]\n    configs: [{source: c, target: /run/secrets/s}]\nsecrets:\n  s: {file: ./s.txt}\nconfigs:\n  c: {file: ./s.txt}\n',
      's.txt': 'x',
    });
    const p = load(dir);
    assert.deepEqual(fileMounts(p, p.services.a!), []);
  });

  it('copies with one tar: absolute names, mode 0444 by default, the uid/gid asked for', async () => {
    const p = load(project({ 'compose.yaml': SECRETS_FILE, 'pw.txt': 'pw-bytes' }), { TOKEN: 'tok', GREETING: 'hi' });
    const entries = await untar(fileObjectsTar(p, p.services.web!)!);
    assert.deepEqual(entries, [
      { name: '/run/secrets/token', mode: 0o440, uid: 1000, gid: 2000, data: 'tok' },
      { name: '/etc/pw', mode: 0o600, uid: 0, gid: 0, data: 'pw-bytes' },
      { name: '/app', mode: 0o444, uid: 0, gid: 0, data: 'greeting=hi\ndollar=$HOME\n' },
      { name: '/etc/app.conf', mode: 0o444, uid: 0, gid: 0, data: 'greeting=hi\ndollar=$HOME\n' },
    ]);
    assert.equal(fileObjectsTar(p, p.services.plain!), undefined);
  });

  it('prints the definitions and the long syntax in `config`', () => {
    const dir = project({ 'compose.yaml': SECRETS_FILE, 'pw.txt': 'pw' });
    const yaml = projectYaml(load(dir, { TOKEN: 't', GREETING: 'hi' }));
    assert.match(yaml, /\n {4}secrets:\n {6}- source: pw\n {6}- source: tok\n {8}target: token\n {8}uid: "1000"\n {8}gid: "2000"\n {8}mode: 288\n/);
    assert.match(yaml, /\n {4}configs:\n {6}- source: app\n {6}- source: app\n {8}target: etc\/app.conf\n/);
    assert.ok(yaml.endsWith([
      'secrets:', '  pw:', '    name: p_pw', `    file: ${join(dir, 'pw.txt')}`, '  tok:', '    name: p_tok', '    environment: TOKEN',
      'configs:', '  app:', '    name: p_app', '    content: |', '      greeting=hi', '      dollar=$HOME', '',
    ].join('\n')), yaml);
  });
});

describe('compose secrets and configs: the config hash', () => {
  it('follows the bytes of a secret file and the value of a secret variable, and nothing else', () => {
    const dir = project({ 'compose.yaml': SECRETS_FILE, 'pw.txt': 'v1' });
    const hashes = (env: Record<string, string>) => {
      const p = load(dir, env);
      return [serviceHash(p.services.web!), serviceHash(p.services.plain!)];
    };
    const [web1, plain1] = hashes({ TOKEN: 'a' });
    assert.deepEqual(hashes({ TOKEN: 'a' }), [web1, plain1]);
    writeFileSync(join(dir, 'pw.txt'), 'v2');
    const [web2, plain2] = hashes({ TOKEN: 'a' });
    assert.notEqual(web2, web1);
    assert.equal(plain2, plain1);
    const [web3] = hashes({ TOKEN: 'b' });
    assert.notEqual(web3, web2);
  });

  it('follows the uses: a changed target or mode changes the hash', () => {
    const dir = project({ 'compose.yaml': 'services:\n  a:\n    image: busybox\n    secrets: [{source: s, mode: 0400}]\nsecrets:\n  s: {file: ./s.txt}\n', 's.txt': 'x' });
    const h1 = serviceHash(load(dir).services.a!);
    writeFileSync(join(dir, 'compose.yaml'), 'services:\n  a:\n    image: busybox\n    secrets: [{source: s, mode: 0440}]\nsecrets:\n  s: {file: ./s.txt}\n');
    assert.notEqual(serviceHash(load(dir).services.a!), h1);
  });

  it('survives the copies the CLI makes of a service', () => {
    const p = load(project({ 'compose.yaml': SECRETS_FILE, 'pw.txt': 'v1' }), { TOKEN: 'a' });
    const copy = { ...p.services.web!, labels: { x: 'y' } };
    const { labels: _l, ...again } = copy;
    assert.equal(serviceHash(again as typeof copy), serviceHash(p.services.web!));
  });
});

describe('compose secrets and configs: errors', () => {
  it('refuses an undefined secret or config, as compose-go', () => {
    const s = project({ 'compose.yaml': 'services:\n  a:\n    image: busybox\n    secrets: [nope]\n' });
    assert.throws(() => load(s), /^Error: service "a" refers to undefined secret nope: invalid compose project$/);
    const c = project({ 'compose.yaml': 'services:\n  a:\n    image: busybox\n    configs: [nope]\n' });
    assert.throws(() => load(c), /service "a" refers to undefined config nope: invalid compose project/);
  });

  it('wants exactly one source', () => {
    const none = project({ 'compose.yaml': 'services:\n  a: {image: busybox}\nsecrets:\n  s: {labels: {a: b}}\n' });
    assert.throws(() => load(none), /secrets\.s: one of file\|environment must be set/);
    const two = project({ 'compose.yaml': 'services:\n  a: {image: busybox}\nconfigs:\n  c: {file: ./x, content: y}\n' });
    assert.throws(() => load(two), /configs\.c: file\|environment\|content attributes are mutually exclusive/);
    const unknown = project({ 'compose.yaml': 'services:\n  a: {image: busybox}\nsecrets:\n  s: {file: ./x, mode: 1}\n' });
    assert.throws(() => load(unknown), /secrets\.s additional properties 'mode' not allowed/);
    const ref = project({ 'compose.yaml': 'services:\n  a:\n    image: busybox\n    secrets: [{target: x}]\n' });
    assert.throws(() => load(ref), /services\.a\.secrets\.0 missing property 'source'/);
  });

  it('loads without the sources (down must work), and the up check names what is missing', () => {
    const dir = project({ 'compose.yaml': SECRETS_FILE.replace('tok:\n    environment: TOKEN', 'tok:\n    file: ./missing.txt') });
    const p = load(dir);
    assert.throws(() => checkFileSources(p, [p.services.web!]), new RegExp(`^Error: secret "pw" file "${join(dir, 'pw.txt')}" not found$`));
    writeFileSync(join(dir, 'pw.txt'), 'x');
    assert.throws(() => checkFileSources(load(dir), [load(dir).services.web!]), /secret "tok" file ".*missing.txt" not found/);
    checkFileSources(p, [p.services.plain!]);
  });

  it('names an unset variable as compose v2 does', () => {
    const p = load(project({ 'compose.yaml': SECRETS_FILE, 'pw.txt': 'x' }));
    assert.throws(() => checkFileSources(p, [p.services.web!]), /^Error: environment variable "TOKEN" required by file "p_tok" is not set$/);
  });

  it('wants numeric uid and gid where the file is copied in', () => {
    const p = load(project({ 'compose.yaml': 'services:\n  a:\n    image: busybox\n    secrets: [{source: s, uid: postgres}]\nsecrets:\n  s: {environment: S}\n' }), { S: 'x' });
    assert.throws(() => checkFileSources(p, [p.services.a!]), /secret "s": uid: strconv\.Atoi: parsing "postgres": invalid syntax/);
  });

  it('refuses external secrets and configs (no Swarm)', () => {
    const p = load(project({ 'compose.yaml': 'services:\n  a:\n    image: busybox\n    configs: [c]\nconfigs:\n  c: {external: true, name: shared}\n' }));
    assert.throws(() => checkFileSources(p, [p.services.a!]), /unsupported external config shared/);
  });
});

describe('compose include', () => {
  const MAIN = 'include:\n  - sub/compose.yaml\nservices:\n  web:\n    image: busybox\n';
  const SUB = 'services:\n  side:\n    image: busybox\n    env_file: side.env\n    environment: [FROM_DOTENV, SHARED]\n    volumes: ["./data:/data"]\n    secrets: [s]\n' +
    'secrets:\n  s: {file: ./s.txt}\nnetworks:\n  back: {}\nvolumes:\n  vol: {}\n';

  it('adds the included services and resources, with paths relative to the included file', () => {
    const dir = project({ 'compose.yaml': MAIN, 'sub/compose.yaml': SUB, 'sub/side.env': 'SIDE=1\n', 'sub/s.txt': 's' });
    const p = load(dir);
    assert.deepEqual(Object.keys(p.services), ['side', 'web']);
    assert.equal(p.services.side!.volumes![0]!.source, join(dir, 'sub/data'));
    assert.equal(p.secrets!.s!.file, join(dir, 'sub/s.txt'));
    assert.equal(p.services.side!.environment!.SIDE, '1');
    assert.deepEqual(Object.keys(p.networks).sort(), ['back', 'default']);
    assert.equal(p.networks.back!.name, 'p_back');
    assert.equal(p.volumes.vol!.name, 'p_vol');
  });

  it("interpolates an included file with its own .env under the includer's variables", () => {
    const dir = project({
      'compose.yaml': MAIN.replace('image: busybox', 'image: busybox\n    environment: [FROM_DOTENV]'),
      'sub/compose.yaml': 'services:\n  side:\n    image: busybox:${TAG}\n    environment: [FROM_DOTENV, SHARED]\n',
      'sub/.env': 'TAG=sub\nFROM_DOTENV=sub-dotenv\nSHARED=sub\n',
    });
    const p = load(dir, { SHARED: 'os' });
    assert.equal(p.services.side!.image, 'busybox:sub');
    assert.deepEqual(p.services.side!.environment, { FROM_DOTENV: 'sub-dotenv', SHARED: 'os' });
    // The includer does not see the included file's variables.
    assert.deepEqual(p.services.web!.environment, { FROM_DOTENV: null });
  });

  it('takes the long form: several paths (overrides), project_directory and env_file', () => {
    const dir = project({
      'compose.yaml': 'include:\n  - path: [mod/a.yaml, mod/a.override.yaml]\n    project_directory: ctx\n    env_file: vars.env\nservices:\n  web: {image: busybox}\n',
      'mod/a.yaml': 'services:\n  a:\n    image: busybox:${TAG}\n    volumes: ["./here:/here"]\n',
      'mod/a.override.yaml': 'services:\n  a:\n    command: ["true"]\n',
      'vars.env': 'TAG=from-env-file\n',
    });
    const p = load(dir);
    assert.equal(p.services.a!.image, 'busybox:from-env-file');
    assert.deepEqual(p.services.a!.command, ['true']);
    assert.equal(p.services.a!.volumes![0]!.source, join(dir, 'ctx/here'));
  });

  it('nests, and accepts the same resource twice when identical', () => {
    const dir = project({
      'compose.yaml': 'include:\n  - a/compose.yaml\n  - b/compose.yaml\nservices:\n  web: {image: busybox}\n',
      'a/compose.yaml': 'include:\n  - ../c/compose.yaml\nservices:\n  a: {image: busybox}\n',
      'b/compose.yaml': 'include:\n  - ../c/compose.yaml\nservices:\n  b: {image: busybox}\n',
      'c/compose.yaml': 'services:\n  c:\n    image: busybox\n    volumes: ["./c:/c"]\n',
    });
    const p = load(dir);
    assert.deepEqual(Object.keys(p.services), ['a', 'b', 'c', 'web']);
    assert.equal(p.services.c!.volumes![0]!.source, join(dir, 'c/c'));
  });

  it('refuses a resource both sides define differently, with compose-go v2 text', () => {
    const svc = project({ 'compose.yaml': MAIN.replace('web:', 'side:'), 'sub/compose.yaml': SUB, 'sub/s.txt': 's' });
    assert.throws(() => load(svc), /^Error: services\.side conflicts with imported resource$/);
    const sec = project({ 'compose.yaml': MAIN + 'secrets:\n  s: {file: ./other.txt}\n', 'sub/compose.yaml': SUB });
    assert.throws(() => load(sec), /secrets\.s conflicts with imported resource/);
  });

  it('detects cycles', () => {
    const dir = project({
      'compose.yaml': 'include: [a.yaml]\nservices:\n  web: {image: busybox}\n',
      'a.yaml': 'include: [b.yaml]\nservices:\n  a: {image: busybox}\n',
      'b.yaml': 'include: [a.yaml]\nservices:\n  b: {image: busybox}\n',
    });
    assert.throws(() => load(dir), (e: Error) => {
      assert.equal(e.message, `include cycle detected:\n${join(dir, 'compose.yaml')}\n include ${join(dir, 'a.yaml')}\n include ${join(dir, 'b.yaml')}\n include ${join(dir, 'a.yaml')}`);
      return true;
    });
  });

  it('says which include file is missing', () => {
    const dir = project({ 'compose.yaml': 'include: [nope.yaml]\nservices:\n  web: {image: busybox}\n' });
    assert.throws(() => load(dir), new RegExp(`open ${join(dir, 'nope.yaml')}: no such file or directory`));
    const env = project({ 'compose.yaml': 'include:\n  - {path: a.yaml, env_file: nope.env}\nservices:\n  web: {image: busybox}\n', 'a.yaml': 'services: {}\n' });
    assert.throws(() => load(env), new RegExp(`stat ${join(env, 'nope.env')}: no such file or directory`));
  });
});
