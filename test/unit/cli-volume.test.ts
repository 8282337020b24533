// `berth volume …`: the create body docker 28 sends, `volume ls` rows and formats, rm and prune
// output and errors, and help texts (checked against the real docker CLI).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  renderVolumeList, volumeCreateBody, volumeCreateCmd, volumeLsCmd, volumePruneCmd, volumePruneOutput, volumePrunePlan, volumeRmCmd,
  type VolumeSummary,
} from '../../src/cli/commands/volume.js';
import { renderSpecHelp } from '../../src/cli/container/spec-command.js';
import { StatusError, type CliContext } from '../../src/cli/context.js';
import { ApiError } from '../../src/client/client.js';

function fakeCtx(handler: (method: string, path: string, opts: { query?: Record<string, unknown>; body?: unknown }) => unknown) {
  let out = '';
  let err = '';
  const calls: string[] = [];
  const call = async (method: string, path: string, opts: { query?: Record<string, unknown>; body?: unknown } = {}) => {
    calls.push(`${method} ${path}`);
    return handler(method, path, opts);
  };
  const client = {
    get: (p: string, query?: Record<string, unknown>) => call('GET', p, { query }),
    json: call,
    request: async (m: string, p: string, o?: { query?: Record<string, unknown>; body?: unknown }) => { await call(m, p, o); return { resume() {} }; },
  };
  const ctx = {
    client,
    out: { write: (s: string) => { out += s; return true; } },
    err: { write: (s: string) => { err += s; return true; } },
    print(s: string) { out += s.endsWith('\n') ? s : s + '\n'; },
    isTerminal: () => false,
  } as unknown as CliContext;
  return { ctx, calls, out: () => out, err: () => err };
}

describe('volume create', () => {
  it('sends the driver, and options, labels and name only when given', () => {
    assert.deepEqual(volumeCreateBody('', { driver: 'local' }), { Driver: 'local' });
    assert.deepEqual(volumeCreateBody('v', { driver: 'local', opt: ['type=tmpfs', 'device=tmpfs', 'o=size=1m,uid=1000'], label: ['a=1', 'b'] }), {
      Driver: 'local', DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m,uid=1000' }, Labels: { a: '1', b: '' }, Name: 'v',
    });
  });

  it('prints the name; --name and a positional name conflict', async () => {
    let body: unknown;
    const f = fakeCtx((_m, _p, o) => { body = o.body; return { Name: 'v1' }; });
    await volumeCreateCmd.run!(f.ctx, { driver: 'local', name: '' }, ['v1']);
    assert.equal(f.out(), 'v1\n');
    assert.deepEqual(body, { Driver: 'local', Name: 'v1' });
    await assert.rejects(volumeCreateCmd.run!(f.ctx, { driver: 'local', name: 'a' }, ['b']),
      (e: unknown) => e instanceof StatusError && e.status === 1 && e.message === 'conflicting options: cannot specify a volume-name through both --name and as a positional arg');
  });

  it('help is docker\'s (cluster flags hidden, as for a daemon that is no swarm manager)', () => {
    assert.equal(renderSpecHelp(volumeCreateCmd, ['berth', 'volume', 'create']), `Usage:  berth volume create [OPTIONS] [VOLUME]

Create a volume

Options:
  -d, --driver string   Specify volume driver name (default "local")
      --label list      Set metadata for a volume
  -o, --opt map         Set driver specific options (default map[])
`);
  });
});

describe('volume ls', () => {
  const list: VolumeSummary[] = [
    { Name: 'vol10', Driver: 'local', Mountpoint: '/v/vol10/_data', Scope: 'local', Labels: { 'com.example.some-name': 'x', a: '1' } },
    { Name: 'vol9', Driver: 'local', Mountpoint: '/v/vol9/_data', Scope: 'local', Labels: null },
  ];

  it('the default table, sorted in natural order', () => {
    assert.equal(renderVolumeList(list, {}), 'DRIVER    VOLUME NAME\nlocal     vol9\nlocal     vol10\n');
  });

  it('-q, raw, json and templates with Label', () => {
    assert.equal(renderVolumeList(list, { quiet: true }), 'vol9\nvol10\n');
    assert.equal(renderVolumeList(list, { format: 'raw' }), 'name: vol9\ndriver: local\n\nname: vol10\ndriver: local\n\n');
    assert.equal(renderVolumeList([list[1]!], { format: 'json' }),
      '{"Availability":"N/A","Driver":"local","Group":"N/A","Labels":"","Links":"N/A","Mountpoint":"/v/vol9/_data","Name":"vol9","Scope":"local","Size":"N/A","Status":"N/A"}\n');
    assert.equal(renderVolumeList(list, { format: '{{.Name}} {{.Label "a"}} {{.Labels}}' }), 'vol9  \nvol10 1 com.example.some-name=x,a=1\n');
    assert.equal(renderVolumeList(list, { format: 'table {{.Name}}\t{{.Label "com.example.some-name"}}\t{{.Mountpoint}}' }),
      'VOLUME NAME   some name   MOUNTPOINT\nvol9                      /v/vol9/_data\nvol10         x           /v/vol10/_data\n');
  });

  it('sends -f filters', async () => {
    let query: Record<string, unknown> | undefined;
    const f = fakeCtx((_m, _p, o) => { query = o.query; return { Volumes: null, Warnings: null }; });
    await volumeLsCmd.run!(f.ctx, { filter: ['dangling=true', 'label=a=b'] }, []);
    assert.deepEqual(JSON.parse(String(query!.filters)), { dangling: { true: true }, label: { 'a=b': true } });
    assert.equal(f.out(), 'DRIVER    VOLUME NAME\n');
  });
});

describe('volume rm', () => {
  it('prints removed names, then every error, exit status 1', async () => {
    const f = fakeCtx((_m, p) => {
      if (p === '/volumes/nope') throw new ApiError(404, 'get nope: no such volume');
      if (p === '/volumes/used') throw new ApiError(409, 'remove used: volume is in use - [abc]');
      return undefined;
    });
    await assert.rejects(volumeRmCmd.run!(f.ctx, { force: false }, ['a', 'nope', 'used', 'b']),
      (e: unknown) => e instanceof StatusError && e.status === 1
        && e.message === 'Error response from daemon: get nope: no such volume\nError response from daemon: remove used: volume is in use - [abc]');
    assert.equal(f.out(), 'a\nb\n');
  });

  it('help shows both names', () => {
    assert.match(renderSpecHelp(volumeRmCmd, ['berth', 'volume', 'rm']), /Aliases:\n {2}berth volume rm, berth volume remove\n\nOptions:\n {2}-f, --force {3}Force the removal of one or more volumes\n$/);
  });
});

describe('volume prune', () => {
  it('warns about anonymous volumes, or all with -a', () => {
    assert.match(volumePrunePlan({}).warning, /^WARNING! This will remove anonymous local volumes not used by at least one container\.\nAre you sure you want to continue\?$/);
    const all = volumePrunePlan({ all: true, filter: ['label=x'] });
    assert.match(all.warning, /^WARNING! This will remove all local volumes/);
    assert.deepEqual(all.filters.toObject(), { all: { true: true }, label: { x: true } });
    assert.throws(() => volumePrunePlan({ all: true, filter: ['all=1'] }), { message: 'conflicting options: cannot specify both --all and --filter all=1' });
  });

  it('prints the deleted volumes and the space reclaimed', () => {
    assert.equal(volumePruneOutput({ VolumesDeleted: ['v1', 'v2'], SpaceReclaimed: 1234 }), 'Deleted Volumes:\nv1\nv2\n\nTotal reclaimed space: 1.234kB\n');
    assert.equal(volumePruneOutput({ VolumesDeleted: [], SpaceReclaimed: 0 }), 'Total reclaimed space: 0B\n');
  });

  it('-f sends the filters without asking', async () => {
    let query: Record<string, unknown> | undefined;
    const f = fakeCtx((_m, _p, o) => { query = o.query; return { VolumesDeleted: ['x1'], SpaceReclaimed: 0 }; });
    await volumePruneCmd.run!(f.ctx, { force: true, all: true }, []);
    assert.deepEqual(JSON.parse(String(query!.filters)), { all: { true: true } });
    assert.equal(f.out(), 'Deleted Volumes:\nx1\n\nTotal reclaimed space: 0B\n');
  });
});
