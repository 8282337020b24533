// The compose model: file discovery, project names, normalisation of short syntaxes, the
// override rules of several -f files, extends, profiles, validation errors with lines, `config`
// output and the config hash.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProject, normalizeProjectName, projectName, findComposeFiles } from '../../src/compose/project.js';
import { parsePortString, parseVolumeString } from '../../src/compose/normalize.js';
import { serviceHash } from '../../src/compose/hash.js';
import { projectYaml } from '../../src/compose/serialize.js';
import { createBody } from '../../src/compose/convert.js';
import { shellSplit, parseDuration, parseBytes } from '../../src/compose/units.js';

let dir: string;
const write = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const load = (files: string[], extra: Parameters<typeof loadProject>[0] = {}) => loadProject({ files, env: {}, cwd: dir, ...extra });

before(() => { dir = mkdtempSync('/tmp/compose-unit-My_App.'); });
after(() => rmSync(dir, { recursive: true, force: true }));

describe('compose project names', () => {
  it('normalises the directory name', () => {
    assert.equal(normalizeProjectName('My_App.x9Z'), 'my_appx9z');
    assert.equal(normalizeProjectName('-_Lead'), 'lead');
  });
  it('takes -p, then COMPOSE_PROJECT_NAME, then name:, then the directory', () => {
    assert.equal(projectName('flag', { COMPOSE_PROJECT_NAME: 'env' }, 'file', '/x/dir'), 'flag');
    assert.equal(projectName(undefined, { COMPOSE_PROJECT_NAME: 'env' }, 'file', '/x/dir'), 'env');
    assert.equal(projectName(undefined, {}, 'file', '/x/dir'), 'file');
    assert.equal(projectName(undefined, {}, undefined, '/x/Some Dir'), 'somedir');
  });
  it('refuses an invalid explicit name', () => {
    assert.throws(() => projectName('Bad Name', {}, undefined, '/x'), /"Bad Name" is not a valid project name/);
  });
  it('reads COMPOSE_PROJECT_NAME from .env', () => {
    const sub = mkdtempSync(join(dir, 'envname-'));
    writeFileSync(join(sub, 'compose.yaml'), 'services: {a: {image: busybox}}\n');
    writeFileSync(join(sub, '.env'), 'COMPOSE_PROJECT_NAME=fromdotenv\n');
    assert.equal(loadProject({ cwd: sub, env: {} }).name, 'fromdotenv');
  });
});

describe('compose file discovery', () => {
  it('prefers compose.yaml, adds the override file, and looks in parent directories', () => {
    const root = mkdtempSync(join(dir, 'disc-'));
    writeFileSync(join(root, 'docker-compose.yml'), 'services: {}\n');
    writeFileSync(join(root, 'compose.yaml'), 'services: {}\n');
    writeFileSync(join(root, 'compose.override.yaml'), 'services: {}\n');
    mkdirSync(join(root, 'a/b'), { recursive: true });
    assert.deepEqual(findComposeFiles({ cwd: join(root, 'a/b'), env: {} }), [join(root, 'compose.yaml'), join(root, 'compose.override.yaml')]);
  });
  it('says so when there is no file', () => {
    assert.throws(() => findComposeFiles({ cwd: '/proc/self', env: {} }), /no configuration file provided: not found/);
  });
});

describe('compose normalisation', () => {
  it('turns short port syntaxes into long ones', () => {
    assert.deepEqual(parsePortString('127.0.0.1::80'), [{ mode: 'ingress', host_ip: '127.0.0.1', target: 80, protocol: 'tcp' }]);
    assert.deepEqual(parsePortString('8080:80/udp'), [{ mode: 'ingress', target: 80, published: '8080', protocol: 'udp' }]);
    assert.deepEqual(parsePortString('9000-9001:90-91').map((p) => [p.published, p.target]), [['9000', 90], ['9001', 91]]);
    assert.deepEqual(parsePortString('[::1]:53:53/udp'), [{ mode: 'ingress', host_ip: '::1', target: 53, published: '53', protocol: 'udp' }]);
  });
  it('turns short volume syntaxes into long ones', () => {
    assert.deepEqual(parseVolumeString('data:/d:ro,nocopy', '/p'), { type: 'volume', source: 'data', target: '/d', read_only: true, volume: { nocopy: true } });
    assert.deepEqual(parseVolumeString('./www:/www', '/p'), { type: 'bind', source: '/p/www', target: '/www', bind: { create_host_path: true } });
    assert.deepEqual(parseVolumeString('/anon', '/p'), { type: 'volume', target: '/anon', volume: {} });
  });
  it('normalises a whole service', () => {
    const f = write('norm.yaml', `
services:
  web:
    build: ./ctx
    command: sh -c 'echo "a b"'
    entrypoint: ["/bin/sh"]
    environment: [A=1, B]
    env_file: vars.env
    labels: {x: 1}
    depends_on: [db]
    networks: [front]
    healthcheck: {test: curl -f http://x, interval: 90s}
    deploy: {replicas: 2, resources: {limits: {memory: 512m, cpus: 0.5}}}
    extra_hosts: {h: 1.2.3.4}
    dns: 8.8.8.8
    stop_grace_period: 1m30s
  db:
    image: busybox
networks:
  front:
`);
    write('vars.env', 'FROMFILE=yes\nA=overridden-by-environment\n');
    const p = load([f], { env: { B: 'from-os' } });
    const s = p.services.web!;
    assert.deepEqual(s.build, { context: join(dir, 'ctx') });
    assert.deepEqual(s.command, ['sh', '-c', 'echo "a b"']);
    assert.deepEqual(s.environment, { FROMFILE: 'yes', A: '1', B: 'from-os' });
    assert.deepEqual(s.env_file, [{ path: join(dir, 'vars.env'), required: true }]);
    assert.deepEqual(s.labels, { x: '1' });
    assert.deepEqual(s.depends_on, { db: { condition: 'service_started', required: true } });
    assert.deepEqual(s.networks, { front: null });
    assert.deepEqual(s.healthcheck, { test: ['CMD-SHELL', 'curl -f http://x'], interval: '1m30s' });
    assert.deepEqual(s.deploy, { replicas: 2, resources: { limits: { memory: 512 * 1024 * 1024, cpus: '0.5' } } });
    assert.deepEqual(s.extra_hosts, ['h=1.2.3.4']);
    assert.deepEqual(s.dns, ['8.8.8.8']);
    assert.equal(s.stop_grace_period, '1m30s');
    assert.deepEqual(p.services.db!.networks, { default: null });
    assert.deepEqual(Object.keys(p.networks).sort(), ['default', 'front']);
    assert.equal(p.networks.front!.name, `${p.name}_front`);
  });
  it('shell-splits, and parses durations and sizes', () => {
    assert.deepEqual(shellSplit(`a "b c" 'd $e' f\\ g`), ['a', 'b c', 'd $e', 'f g']);
    assert.equal(parseDuration('1m30s'), 90e9);
    assert.equal(parseDuration('500ms'), 5e8);
    assert.equal(parseBytes('1g'), 1024 ** 3);
    assert.equal(parseBytes('64kb'), 65536);
  });
});

describe('compose merge and override rules', () => {
  it('merges several -f files as the Compose Specification says', () => {
    const base = write('base.yaml', `
name: merged
services:
  web:
    image: busybox
    command: ["a"]
    environment: {A: "1", B: "1"}
    ports: ["8080:80"]
    volumes: ["data:/data", "./one:/one"]
    labels: [l1=x]
    dns: [1.1.1.1]
volumes: {data: {}}
`);
    const over = write('over.yaml', `
services:
  web:
    image: busybox:1.36
    command: ["b", "c"]
    environment: [B=2, C=3]
    ports: ["8080:80", "9090:90"]
    volumes: ["./two:/one"]
    labels: {l2: y}
    dns: [8.8.8.8]
`);
    const s = load([base, over]).services.web!;
    assert.equal(s.image, 'busybox:1.36');
    assert.deepEqual(s.command, ['b', 'c']);
    assert.deepEqual(s.environment, { A: '1', B: '2', C: '3' });
    assert.deepEqual(s.ports!.map((p) => `${p.published}:${p.target}`), ['8080:80', '9090:90']);
    assert.deepEqual(s.volumes!.map((v) => `${v.source}:${v.target}`), ['data:/data', `${join(dir, 'two')}:/one`]);
    assert.deepEqual(s.labels, { l1: 'x', l2: 'y' });
    assert.deepEqual(s.dns, ['1.1.1.1', '8.8.8.8']);
  });
  it('resolves extends, in the file and from another file', () => {
    write('common.yaml', `
services:
  base:
    image: busybox
    environment: {FROM: common}
    volumes: ["./shared:/shared"]
`);
    const f = write('ext.yaml', `
services:
  mid:
    extends: {file: common.yaml, service: base}
    environment: {MID: "1"}
  top:
    extends: mid
    command: ["top"]
`);
    const p = load([f]);
    assert.deepEqual(p.services.top!.environment, { FROM: 'common', MID: '1' });
    assert.deepEqual(p.services.top!.command, ['top']);
    assert.equal(p.services.top!.volumes![0]!.source, join(dir, 'shared'));
    assert.equal(p.services.top!.extends, undefined);
  });
  it('enables profiled services only when a profile is active or they are named', () => {
    const f = write('prof.yaml', `
services:
  app: {image: busybox, depends_on: [tools]}
  tools: {image: busybox, profiles: [dev]}
  debug: {image: busybox, profiles: [debug]}
`);
    assert.deepEqual(Object.keys(load([f]).services), ['app', 'tools']);
    assert.deepEqual(Object.keys(load([f], { profiles: ['debug'] }).services), ['app', 'debug', 'tools']);
    assert.deepEqual(Object.keys(load([f], { env: { COMPOSE_PROFILES: 'debug' } }).services), ['app', 'debug', 'tools']);
    assert.deepEqual(Object.keys(load([f], { services: ['debug'] }).services), ['app', 'debug', 'tools']);
  });
});

describe('compose validation', () => {
  it('names the file, line and key of an unknown property', () => {
    const f = write('bad-key.yaml', 'services:\n  web:\n    image: busybox\n    imag: typo\n');
    assert.throws(() => load([f]), (e: Error) => e.message === `validating ${f}:4: services.web additional properties 'imag' not allowed`);
  });
  it('names the line of a wrongly typed value', () => {
    const f = write('bad-type.yaml', 'services:\n  web:\n    image: busybox\n    ports: "80:80"\n');
    assert.throws(() => load([f]), new RegExp(`${f}:4: services.web.ports must be a array`));
  });
  it('names the line of a failed interpolation', () => {
    const f = write('bad-var.yaml', 'services:\n  web:\n    image: ${IMAGE:?set IMAGE}\n');
    assert.throws(() => load([f]), new RegExp(`${f}:3: required variable IMAGE is missing a value: set IMAGE`));
  });
  it('reports YAML syntax errors with their line', () => {
    const f = write('bad-yaml.yaml', 'services:\n  web:\n    image: [unclosed\n');
    assert.throws(() => load([f]), new RegExp(`${f}:\\d+: yaml:`));
  });
  it('refuses references to undefined services, networks and volumes', () => {
    assert.throws(() => load([write('u1.yaml', 'services: {a: {image: x, depends_on: [nope]}}\n')]), /service "a" depends on undefined service "nope"/);
    assert.throws(() => load([write('u2.yaml', 'services: {a: {image: x, networks: [nope]}}\n')]), /service "a" refers to undefined network nope/);
    assert.throws(() => load([write('u3.yaml', 'services: {a: {image: x, volumes: ["nope:/x"]}}\n')]), /service "a" refers to undefined volume nope/);
    assert.throws(() => load([write('u4.yaml', 'services: {a: {image: x, depends_on: [b]}, b: {image: x, depends_on: [a]}}\n')]), /dependency cycle detected/);
  });
});

describe('compose config output and hash', () => {
  it('prints the normalised model as compose v2 lays it out', () => {
    const f = write('out.yaml', 'name: out\nservices:\n  web:\n    image: busybox\n    ports: ["127.0.0.1::80"]\n');
    assert.equal(projectYaml(load([f])), [
      'name: out',
      'services:',
      '  web:',
      '    image: busybox',
      '    networks:',
      '      default: null',
      '    ports:',
      '      - mode: ingress',
      '        host_ip: 127.0.0.1',
      '        target: 80',
      '        protocol: tcp',
      'networks:',
      '  default:',
      '    name: out_default',
      '',
    ].join('\n'));
  });
  it('hashes equal configs equally, whatever their syntax, key order, scale or build', () => {
    const a = load([write('h1.yaml', 'services:\n  w:\n    image: busybox\n    environment: [A=1, B=2]\n    ports: ["80"]\n')]).services.w!;
    const b = load([write('h2.yaml', 'services:\n  w:\n    ports: [{target: 80}]\n    environment: {B: "2", A: "1"}\n    image: busybox\n    scale: 3\n')]).services.w!;
    assert.equal(serviceHash(a), serviceHash(b));
    assert.match(serviceHash(a), /^[0-9a-f]{64}$/);
    const c = load([write('h3.yaml', 'services:\n  w:\n    image: busybox\n    environment: [A=1, B=3]\n    ports: ["80"]\n')]).services.w!;
    assert.notEqual(serviceHash(a), serviceHash(c));
  });
  it('builds the container with compose labels, aliases and published ports', () => {
    const p = load([write('c.yaml', 'name: cp\nservices:\n  web:\n    image: busybox\n    ports: ["127.0.0.1::80"]\n    volumes: [data:/d]\nvolumes: {data: {}}\n')]);
    const body = createBody(p, p.services.web!, { name: 'cp-web-1', number: 1 }) as any;
    assert.equal(body.Labels['com.docker.compose.project'], 'cp');
    assert.equal(body.Labels['com.docker.compose.service'], 'web');
    assert.equal(body.Labels['com.docker.compose.container-number'], '1');
    assert.equal(body.Labels['com.docker.compose.oneoff'], 'False');
    assert.equal(body.Labels['com.docker.compose.config-hash'], serviceHash(p.services.web!));
    assert.deepEqual(body.HostConfig.PortBindings, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
    assert.equal(body.HostConfig.NetworkMode, 'cp_default');
    assert.deepEqual(body.NetworkingConfig.EndpointsConfig, { cp_default: { Aliases: ['web'] } });
    assert.deepEqual(body.HostConfig.Mounts, [{ Type: 'volume', Target: '/d', ReadOnly: false, Source: 'cp_data' }]);
  });
});
