// RUN --mount/--network/--security parsing, with BuildKit's semantics and texts
// (frontend/dockerfile/instructions/commands_runmount.go, dockerfile2llb's dispatchRunMounts),
// and the cache mount store's sharing modes.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBerthError } from '../../src/common/errors.js';
import { parseDockerfile, DockerfileError } from '../../src/builder/parser.js';
import { parseInstruction, parseStages } from '../../src/builder/instructions.js';
import { neededStages } from '../../src/builder/builder.js';
import { ShellLex } from '../../src/builder/shell-lex.js';
import {
  cacheId, checkProvidable, mountFromRef, mountTarget, parseCsvRecord, parseRunMount, type RunMount,
} from '../../src/builder/run-mounts.js';
import { ramInBytes } from '../../src/common/units.js';
import { CacheMountStore } from '../../src/builder/cache-mounts.js';

const mount = (raw: string, vars: Record<string, string> = {}) => parseRunMount(raw, (w) => w.replace(/\$(\w+)/g, (_, n: string) => vars[n] ?? ''))!;

function fails(fn: () => unknown, message: string) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DockerfileError, `expected a DockerfileError, got ${String(e)}`);
    assert.equal((e as Error).message, message);
    return true;
  });
}

function failsAtLine(dockerfile: string, message: string) {
  assert.throws(() => parseStages(parseDockerfile(dockerfile).nodes), (e: unknown) => {
    assert.ok(isBerthError(e, 'InvalidParameter'), String(e));
    assert.equal((e as Error).message, message);
    return true;
  });
}

describe('--mount values', () => {
  it('defaults to a read-only bind of the context', () => {
    assert.deepEqual(mount('target=/src'), { type: 'bind', target: '/src', source: '', readonly: true });
  });
  it('takes every key and its aliases', () => {
    assert.deepEqual(mount('type=cache,id=go,target=/root/.cache,sharing=locked,from=base,source=/seed,mode=0700,uid=1000,gid=100,ro'), {
      type: 'cache', id: 'go', target: '/root/.cache', sharing: 'locked', from: 'base', source: '/seed', mode: 0o700, uid: 1000, gid: 100, readonly: true,
    });
    assert.deepEqual(mount('type=bind,src=a,dst=/b,rw'), { type: 'bind', source: 'a', target: '/b', readonly: false });
    assert.deepEqual(mount('type=bind,source=a,destination=/b,readwrite=true'), { type: 'bind', source: 'a', target: '/b', readonly: false });
    assert.deepEqual(mount('type=bind,target=/b,readonly=false'), { type: 'bind', source: '', target: '/b', readonly: false });
    assert.deepEqual(mount('TYPE=TMPFS,Target=/t,size=64m'), { type: 'tmpfs', target: '/t', source: '', readonly: false, size: 64 << 20 });
    assert.deepEqual(mount('type=secret,id=tok,required=false'), { type: 'secret', id: 'tok', target: '', source: '', readonly: true, required: false });
    assert.deepEqual(mount('type=ssh,required'), { type: 'ssh', target: '', source: '', readonly: true, required: true });
  });
  it('cache and tmpfs are writable unless told otherwise; bind is read-only', () => {
    assert.equal(mount('type=cache,target=/c').readonly, false);
    assert.equal(mount('type=tmpfs,target=/c').readonly, false);
    assert.equal(mount('type=bind,target=/c').readonly, true);
    assert.equal(mount('type=cache,target=/c,readonly').readonly, true);
  });
  it('expands values, never keys', () => {
    assert.deepEqual(mount('type=$T,target=$DIR/x,id=$ID', { T: 'cache', DIR: '/var', ID: 'v1' }), {
      type: 'cache', target: '/var/x', id: 'v1', source: '', readonly: false,
    });
  });
  it('without an expander, checks what it can and defers values holding variables', () => {
    assert.equal(parseRunMount('type=cache,target=$X'), undefined);
    assert.deepEqual(parseRunMount('type=cache,target=/x'), { type: 'cache', target: '/x', source: '', readonly: false });
    fails(() => parseRunMount('type=bind,from=$STAGE,target=/x'), "'from' doesn't support variable expansion, define alias stage instead");
  });
  it('rejects bad fields with BuildKit\'s texts', () => {
    fails(() => mount('type=volume,target=/x'), 'unsupported mount type "volume"');
    fails(() => mount('type=cache,target=/x,sharing=exclusive'), 'unsupported sharing value "exclusive"');
    fails(() => mount('type=cache,target=/x,colour=blue'), "unexpected key 'colour' in 'colour=blue'");
    fails(() => mount('type=cache,target=/x,bogus'), "invalid field 'bogus' must be a key=value pair");
    fails(() => mount('type=cache,required'), "unexpected key 'required' for mount type 'cache'");
    fails(() => mount('required=true,type=secret'), "unexpected key 'required' for mount type 'bind'");
    fails(() => mount('type=bind,target=/x,size=1m'), "unexpected key 'size' for mount type 'bind'");
    fails(() => mount('type=tmpfs,target=/x,size=lots'), 'invalid value for size: lots');
    fails(() => mount('type=cache,target=/x,mode=0800'), 'invalid value 0800 for mode');
    fails(() => mount('type=cache,target=/x,uid=-1'), 'invalid value -1 for uid');
    fails(() => mount('type=cache,target=/x,gid=4294967296'), 'invalid value 4294967296 for gid');
    fails(() => mount('type=bind,target=/x,uid=1'), 'uid not allowed for "bind" type mounts');
    fails(() => mount('type=tmpfs,target=/x,mode=0755'), 'mode not allowed for "tmpfs" type mounts');
    fails(() => mount('type=bind,target=/x,rw=maybe'), 'invalid value for rw: maybe');
    fails(() => mount('type=bind,target=/x,sharing=locked'), 'invalid cache sharing set for bind mount');
    fails(() => mount('type=secret,from=a,id=x'), 'secret mount should not have a from');
    fails(() => mount('type=secret'), 'invalid secret mount. one of source, target required');
    fails(() => mount('type=secret,source=a,id=b'), "both source and id can't be set");
  });
  it('reads the value as a CSV record, as encoding/csv does', () => {
    assert.deepEqual(parseCsvRecord('a,"b,c",d'), ['a', 'b,c', 'd']);
    assert.deepEqual(parseCsvRecord('"say ""hi""",x'), ['say "hi"', 'x']);
    assert.deepEqual(parseCsvRecord('a,'), ['a', '']);
    assert.deepEqual(parseCsvRecord('"a",'), ['a', '']);
    assert.deepEqual(mount('type=bind,"target=/with,comma"'), { type: 'bind', target: '/with,comma', source: '', readonly: true });
    fails(() => parseCsvRecord('a,b"c'), 'failed to parse csv mounts: parse error on line 1, column 4: bare " in non-quoted-field');
    fails(() => parseCsvRecord('"a"b'), 'failed to parse csv mounts: parse error on line 1, column 4: extraneous or missing " in quoted-field');
    fails(() => parseCsvRecord('"ab'), 'failed to parse csv mounts: parse error on line 1, column 4: extraneous or missing " in quoted-field');
    fails(() => parseCsvRecord(''), 'failed to parse csv mounts: EOF');
  });
  it('sizes as go-units RAMInBytes', () => {
    assert.equal(ramInBytes('4096'), 4096);
    assert.equal(ramInBytes('1k'), 1024);
    assert.equal(ramInBytes('1.5GiB'), 1.5 * 2 ** 30);
    assert.equal(ramInBytes('2 mb'), 2 << 20);
    assert.throws(() => ramInBytes('1x'), /invalid size: '1x'/);
    assert.throws(() => ramInBytes('-1'), /invalid size: '-1'/);
  });
});

describe('--mount targets, cache ids and sources', () => {
  const m = (target: string, id?: string): RunMount => ({ type: 'cache', target, source: '', readonly: false, ...(id ? { id } : {}) });
  it('resolves a relative target under WORKDIR and refuses /', () => {
    assert.equal(mountTarget(m('/a/b/'), '/w'), '/a/b');
    assert.equal(mountTarget(m('cache'), '/w'), '/w/cache');
    assert.equal(mountTarget(m('./x/../y'), '/w'), '/w/y');
    assert.equal(mountTarget(m(''), '/w'), '/w');
    fails(() => mountTarget(m('/'), '/w'), 'invalid mount target "/"');
    fails(() => mountTarget(m('.'), '/'), 'invalid mount target "/"');
  });
  it('defaults the cache id to the target as written, cleaned', () => {
    assert.equal(cacheId(m('/root/.cache/')), '/root/.cache');
    assert.equal(cacheId(m('rel/./dir')), 'rel/dir');
    assert.equal(cacheId(m('/x', 'mine')), 'mine');
  });
  it('finds from= without expanding anything', () => {
    assert.equal(mountFromRef('type=bind,from=build,target=/x'), 'build');
    assert.equal(mountFromRef('type=cache,target=/x'), undefined);
    assert.equal(mountFromRef('a,"b'), undefined);
  });
  it('refuses secrets and ssh agents unless optional', () => {
    const text = (what: string) => `--mount=type=${what}: its build API has no secrets or SSH session (without required, the step runs without it)`;
    fails(() => checkProvidable(mount('type=secret,target=/run/secrets/tok,required=true')), text('secret: berth cannot provide the secret "tok"'));
    fails(() => checkProvidable(mount('type=ssh,required')), text('ssh: berth cannot provide the ssh agent "default"'));
    // Optional unless required, as on BuildKit.
    checkProvidable(mount('type=secret,id=npmrc'));
    checkProvidable(mount('type=ssh'));
    checkProvidable(mount('type=secret,id=npmrc,required=false'));
    checkProvidable(mount('type=ssh,required=0'));
    checkProvidable(mount('type=cache,target=/x'));
  });
});

describe('RUN flags in a Dockerfile', () => {
  it('keeps several --mount flags, --network and --security', () => {
    const run = parseInstruction(parseDockerfile('RUN --mount=type=cache,target=/a --mount=type=bind,source=x,target=/x --network=host --security=sandbox make').nodes[0]!);
    assert.equal(run.kind, 'run');
    assert.deepEqual(run.kind === 'run' && run.mounts, ['type=cache,target=/a', 'type=bind,source=x,target=/x']);
    assert.deepEqual(run.kind === 'run' && run.flags, { mount: 'type=bind,source=x,target=/x', network: 'host', security: 'sandbox' });
  });
  it('names the line of a bad --mount, a required secret and --security=insecure', () => {
    failsAtLine('FROM busybox\nRUN true\nRUN --mount=type=cache,target=/x,sharing=bogus true\n', 'dockerfile parse error line 3: unsupported sharing value "bogus"');
    failsAtLine('FROM busybox\nRUN --mount=type=secret,id=aws,required \\\n  cat /run/secrets/aws\n', 'dockerfile parse error line 2: --mount=type=secret: berth cannot provide the secret "aws": its build API has no secrets or SSH session (without required, the step runs without it)');
    failsAtLine('FROM busybox\nRUN --security=insecure true\n', 'dockerfile parse error line 2: --security=insecure is not allowed: berth does not grant the security.insecure entitlement');
    failsAtLine('FROM busybox\nRUN --mount=from=$X,target=/x true\n', "dockerfile parse error line 2: 'from' doesn't support variable expansion, define alias stage instead");
    failsAtLine('FROM busybox\nRUN --network=bridge true\n', 'dockerfile parse error line 2: unsupported network mode "bridge"');
    failsAtLine('FROM busybox\nRUN --mount type=cache true\n', 'dockerfile parse error line 2: Missing a value on flag: mount');
  });
  it('accepts a variable in a value, checked when the step runs', () => {
    const { stages } = parseStages(parseDockerfile('FROM busybox\nARG T=cache\nRUN --mount=type=$T,target=/x true\n').nodes);
    assert.equal(stages[0]!.instructions.length, 2);
  });
  it('a stage a mount reads from is a stage the target needs', () => {
    const df = 'FROM busybox AS tools\nFROM busybox AS unused\nFROM busybox\nRUN --mount=type=bind,from=tools,target=/t true\nRUN --mount=type=cache,from=1,target=/c true\n';
    const { stages } = parseStages(parseDockerfile(df).nodes);
    assert.deepEqual(neededStages(stages, 2, new ShellLex('\\'), () => undefined), [0, 1, 2]);
    const only = 'FROM busybox AS tools\nFROM busybox AS unused\nFROM busybox\nRUN --mount=type=bind,from=tools,target=/t true\n';
    assert.deepEqual(neededStages(parseStages(parseDockerfile(only).nodes).stages, 2, new ShellLex('\\'), () => undefined), [0, 2]);
  });
});

describe('the cache mount store', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-cachemounts-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const key = (c: string) => c.repeat(64);
  const store = new CacheMountStore(join(root, 'store'));
  const init = async () => {};
  const tick = () => new Promise((r) => setImmediate(r));

  it('creates a directory once, with what init puts there, and keeps it', async () => {
    let inits = 0;
    const a = await store.acquire(key('a'), 'shared', async (dir) => { inits++; writeFileSync(join(dir, 'seed'), 'x'); });
    assert.equal(a.dir, join(root, 'store', key('a')));
    assert.ok(existsSync(join(a.dir, 'seed')));
    a.release();
    const again = await store.acquire(key('a'), 'shared', async () => { inits++; });
    again.release();
    assert.equal(inits, 1);
    assert.equal(statSync(again.dir).isDirectory(), true);
  });
  it('shared: concurrent users get the same directory at once', async () => {
    const [a, b] = await Promise.all([store.acquire(key('b'), 'shared', init), store.acquire(key('b'), 'shared', init)]);
    assert.equal(a.dir, b.dir);
    a.release();
    b.release();
  });
  it('locked: the next user waits for the release', async () => {
    const first = await store.acquire(key('c'), 'locked', init);
    let second: { dir: string; release(): void } | undefined;
    const p = store.acquire(key('c'), 'locked', init).then((l) => { second = l; });
    const shared = store.acquire(key('c'), 'shared', init);
    await tick();
    assert.equal(second, undefined);
    first.release();
    await p;
    assert.equal(second!.dir, first.dir);
    second!.release();
    (await shared).release();
  });
  it('private: a busy directory makes another instance', async () => {
    const a = await store.acquire(key('d'), 'private', init);
    const b = await store.acquire(key('d'), 'private', init);
    assert.notEqual(a.dir, b.dir);
    assert.equal(b.dir, join(root, 'store', `${key('d')}-1`));
    a.release();
    const c = await store.acquire(key('d'), 'private', init);
    assert.equal(c.dir, a.dir);
    b.release();
    c.release();
  });
  it('a waiter gives up when its build is cancelled', async () => {
    const held = await store.acquire(key('e'), 'locked', init);
    const ac = new AbortController();
    const p = store.acquire(key('e'), 'locked', init, ac.signal);
    ac.abort(new Error('cancelled'));
    await assert.rejects(p, /cancelled/);
    held.release();
  });
  it('a failed init leaves nothing, and the next user tries again', async () => {
    await assert.rejects(store.acquire(key('f'), 'shared', async () => { throw new Error('seed failed'); }), /seed failed/);
    assert.deepEqual(readdirSync(join(root, 'store')).filter((n) => n.startsWith(key('f'))), []);
    const ok = await store.acquire(key('f'), 'shared', init);
    ok.release();
  });
  it('prune removes what nobody uses, and reports it', async () => {
    const busy = await store.acquire(key('b'), 'shared', init);
    writeFileSync(join(store.root, key('a'), 'big'), Buffer.alloc(1000));
    const r = store.prune();
    assert.deepEqual(r.deleted.sort(), [key('a'), key('c'), key('d'), `${key('d')}-1`, key('e'), key('f')].sort());
    assert.equal(r.reclaimed, 1001);
    assert.deepEqual(readdirSync(store.root), [key('b')]);
    busy.release();
    assert.deepEqual(store.prune().deleted, [key('b')]);
  });
  it('refuses a key that is not a digest', async () => {
    await assert.rejects(store.acquire('../x', 'shared', init), /invalid cache mount key/);
  });
});
