// `system df` formatting (docker/cli formatter/disk_usage.go, API < 1.52), /info's counts, and
// `system prune`'s confirmation text. Expected outputs are docker 28's against dockerd 20.10.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderDiskUsage, summaryRows, type DiskUsage } from '../../src/cli/commands/df.js';
import { systemPruneWarning } from '../../src/cli/commands/system.js';
import { containerCounts } from '../../src/daemon/system-info.js';
import { Filters, parseFilterFlag } from '../../src/common/filters.js';
import type { ImageSummary } from '../../src/image/views.js';
import type { ContainerSummary } from '../../src/cli/container/ps-format.js';

const NOW = Date.parse('2026-11-26T10:10:40Z');
const IMG = 'sha256:c7e4d88820cad4f0066c2925cd73c906b5bcf5f67860f68ea37a90d4309430a7';

function image(over: Partial<ImageSummary> = {}): ImageSummary {
  return {
    Id: IMG, ParentId: '', RepoTags: ['busybox:latest'], RepoDigests: [], Created: 1778186025,
    Size: 1986452, SharedSize: 0, Labels: {}, Containers: 3, ...over,
  };
}

function container(name: string, state: string, status: string, command: string, sizeRw?: number): ContainerSummary {
  return {
    Id: name.padEnd(64, '0'), Names: [`/${name}`], Image: 'busybox', ImageID: IMG, Command: command, Created: NOW / 1000 - 1,
    Ports: [], SizeRw: sizeRw, SizeRootFs: (sizeRw ?? 0) + 1986452, Labels: {}, State: state, Status: status, Mounts: [],
  };
}

const DU: DiskUsage = {
  LayersSize: 1986452,
  Images: [image()],
  Containers: [
    container('r1', 'running', 'Up Less than a second', 'sleep 300'),
    container('c2', 'created', 'Created', 'true'),
    container('w1', 'exited', 'Exited (0) Less than a second ago', "sh -c 'head -c 1048576 /dev/zero > /big'", 1048576),
  ],
  Volumes: [],
  BuildCache: [],
};

describe('system df', () => {
  it('prints docker\'s summary table', () => {
    assert.equal(renderDiskUsage(DU, { now: NOW }), [
      'TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE',
      'Images          1         1         1.986MB   0B (0%)',
      'Containers      3         1         1.049MB   1.049MB (100%)',
      'Local Volumes   0         0         0B        0B',
      'Build Cache     0         0         0B        0B',
      '',
    ].join('\n'));
  });

  it('counts reclaimable image space as what no container uses (size minus shared size)', () => {
    const du: DiskUsage = {
      LayersSize: 3000,
      Images: [image({ Id: 'sha256:1', Size: 2000, SharedSize: 1000, Containers: 1 }), image({ Id: 'sha256:2', Size: 2000, SharedSize: 1000, Containers: 0 })],
      Containers: [], Volumes: [], BuildCache: [],
    };
    const [imgs] = summaryRows(du) as Array<Record<string, string>>;
    assert.equal(imgs.Reclaimable, '2kB (66%)');
    assert.equal(imgs.Active, '1');
    assert.equal(imgs.Size, '3kB');
  });

  it('--format json: one object per row, keys sorted as docker marshals them', () => {
    assert.equal(renderDiskUsage(DU, { format: 'json', now: NOW }).split('\n')[1],
      '{"Active":"1","Reclaimable":"1.049MB (100%)","Size":"1.049MB","TotalCount":"3","Type":"Containers"}');
  });

  it('--format templates, table templates and raw', () => {
    assert.equal(renderDiskUsage(DU, { format: '{{.Type}} {{.Size}}' }), 'Images 1.986MB\nContainers 1.049MB\nLocal Volumes 0B\nBuild Cache 0B\n');
    assert.equal(renderDiskUsage(DU, { format: 'table {{.Type}}\t{{.Size}}' }),
      'TYPE            SIZE\nImages          1.986MB\nContainers      1.049MB\nLocal Volumes   0B\nBuild Cache     0B\n');
    assert.ok(renderDiskUsage(DU, { format: 'raw' }).startsWith('type: Images\ntotal: 1\nactive: 1\nsize: 1.986MB\nreclaimable: 0B (0%)\n\ntype: Containers\n'));
    assert.throws(() => renderDiskUsage(DU, { format: '{{.Foo}}' }),
      { message: 'template parsing error: template: :1:2: executing "" at <.Foo>: can\'t evaluate field Foo in type *formatter.diskUsageImagesContext' });
  });

  it('-v prints the four tables', () => {
    assert.equal(renderDiskUsage(DU, { verbose: true, now: NOW }), [
      'Images space usage:',
      '',
      'REPOSITORY   TAG       IMAGE ID       CREATED        SIZE      SHARED SIZE   UNIQUE SIZE   CONTAINERS',
      'busybox      latest    c7e4d88820ca   6 months ago   1.99MB    0B            1.986MB       3',
      '',
      'Containers space usage:',
      '',
      'CONTAINER ID   IMAGE     COMMAND                  LOCAL VOLUMES   SIZE      CREATED        STATUS                              NAMES',
      'r10000000000   busybox   "sleep 300"              0               0B        1 second ago   Up Less than a second               r1',
      'c20000000000   busybox   "true"                   0               0B        1 second ago   Created                             c2',
      'w10000000000   busybox   "sh -c \'head -c 1048…"   0               1.05MB    1 second ago   Exited (0) Less than a second ago   w1',
      '',
      'Local Volumes space usage:',
      '',
      'VOLUME NAME   LINKS     SIZE',
      '',
      'Build cache usage: 0B',
      '',
      'CACHE ID   CACHE TYPE   SIZE      CREATED   LAST USED   USAGE     SHARED',
      '',
    ].join('\n'));
  });

  it('-v shows dangling images as <none>, and a template runs once over the lists without a newline', () => {
    const du: DiskUsage = { ...DU, Images: [image({ RepoTags: [], Containers: 0 })], Containers: [] };
    assert.match(renderDiskUsage(du, { verbose: true, now: NOW }), /\n<none>       <none>    c7e4d88820ca   /);
    const json = renderDiskUsage(DU, { verbose: true, format: '{{json .}}', now: NOW });
    assert.ok(!json.endsWith('\n'));
    const parsed = JSON.parse(json);
    assert.deepEqual(Object.keys(parsed), ['Images', 'Containers', 'Volumes', 'BuildCache']);
    assert.equal(parsed.Images[0].ID, IMG);
    assert.equal(parsed.Images[0].UniqueSize, '1.986MB');
    assert.equal(parsed.Containers[2].Size, '1.05MB');
    assert.throws(() => renderDiskUsage(DU, { verbose: true, format: '{{.Foo}}' }),
      { message: 'template: :1:2: executing "" at <.Foo>: can\'t evaluate field Foo in type *formatter.diskUsageContext' });
  });
});

describe('info counts', () => {
  const st = (Running: boolean, Paused: boolean, Restarting = false) => ({ State: { Running, Paused, Restarting } as never });
  it('a paused container is paused, a restarting one stopped (moby\'s state counter)', () => {
    assert.deepEqual(containerCounts([st(true, false), st(true, true), st(false, false), st(true, false, true)]),
      { containers: 4, running: 1, paused: 1, stopped: 2 });
    assert.deepEqual(containerCounts([]), { containers: 0, running: 0, paused: 0, stopped: 0 });
  });
});

describe('system prune confirmation', () => {
  const opts = (all: boolean, volumes: boolean, ...filters: string[]) =>
    ({ all, volumes, filters: filters.reduce((f, s) => parseFilterFlag(s, f), new Filters()) });

  it('lists what goes, as docker 28', () => {
    assert.equal(systemPruneWarning(opts(false, false)), [
      'WARNING! This will remove:',
      '  - all stopped containers',
      '  - all networks not used by at least one container',
      '  - all dangling images',
      '  - unused build cache',
      '',
      'Are you sure you want to continue?',
    ].join('\n'));
  });

  it('with -a, --volumes and filters (sorted naturally)', () => {
    assert.equal(systemPruneWarning(opts(true, true, 'until=1h', 'label=a=b', 'label!=c', 'label=a10', 'label=a9')), [
      'WARNING! This will remove:',
      '  - all stopped containers',
      '  - all networks not used by at least one container',
      '  - all anonymous volumes not used by at least one container',
      '  - all images without at least one container associated to them',
      '  - all build cache',
      '',
      '  Items to be pruned will be filtered with:',
      '  - label!=c',
      '  - label=a9',
      '  - label=a10',
      '  - label=a=b',
      '  - until=1h',
      '',
      'Are you sure you want to continue?',
    ].join('\n'));
  });
});
