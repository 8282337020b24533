// What the builder adds to Docker's classic builder: independent stages build concurrently,
// stages the target does not need are skipped, and a local `berth build` reads its context in
// place (a 1 GB .dockerignore'd remainder is never read or sent). Also `builder prune`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, truncateSync, closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { daemonWithBusybox, ok } from '../helpers/daemon.js';
import { writeTree } from '../helpers/files.js';

const d = daemonWithBusybox('bt-bstage');

const context = (name: string, files: Record<string, string>): string => writeTree(join(d.dir, name), files);

test('independent stages run at the same time; the final stage waits for both', () => {
  const dir = context('concurrent', {
    Dockerfile: [
      'FROM busybox AS a',
      'RUN cut -d" " -f1 /proc/uptime > /start && sleep 1 && cut -d" " -f1 /proc/uptime > /end',
      'FROM busybox AS b',
      'RUN cut -d" " -f1 /proc/uptime > /start && sleep 1 && cut -d" " -f1 /proc/uptime > /end',
      'FROM busybox',
      'COPY --from=a /start /a-start',
      'COPY --from=a /end /a-end',
      'COPY --from=b /start /b-start',
      'COPY --from=b /end /b-end',
      'CMD cat /a-start /a-end /b-start /b-end',
      '',
    ].join('\n'),
  });
  const out = ok(d.berth(['build', '--no-cache', '-t', 'concurrent:1', dir]), 'build');
  // The output still reads as a sequential build: stage a's steps, then b's, then the last.
  const steps = [...out.matchAll(/^Step (\d+)\/(\d+) :/gm)].map((m) => Number(m[1]));
  assert.deepEqual(steps, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const [aStart, aEnd, bStart, bEnd] = ok(d.berth(['run', '--rm', 'concurrent:1'])).trim().split('\n').map(Number);
  // Overlapping intervals: each RUN began before the other one ended.
  assert.ok(aStart! < bEnd! && bStart! < aEnd!, `a ${aStart}-${aEnd}, b ${bStart}-${bEnd}`);
});

test('--target skips the stages it does not need, even broken ones', () => {
  const dir = context('target', {
    Dockerfile: [
      'FROM busybox AS broken',
      'RUN exit 7',
      'FROM busybox AS base',
      'RUN echo base > /base',
      'FROM base AS final',
      'RUN cat /base > /final',
      'FROM broken AS after',
      '',
    ].join('\n'),
  });
  for (const cli of ['berth', 'docker'] as const) {
    const r = cli === 'berth'
      ? d.berth(['build', '--target', 'final', '-t', 'target:1', dir])
      : d.docker(['build', '--target', 'final', '-t', 'target:1', dir]);
    const out = ok(r, `${cli} build --target final`);
    assert.doesNotMatch(out, /exit 7/);
    assert.match(out, /Step 1\/4 : FROM busybox AS base/);
    assert.match(out, /Successfully tagged target:1/);
  }
  assert.equal(ok(d.berth(['run', '--rm', 'target:1', 'cat', '/final'])), 'base\n');
  const r = d.berth(['build', dir]);
  assert.equal(r.code, 7, r.stdout + r.stderr);
  assert.match(r.stderr, /The command '\/bin\/sh -c exit 7' returned a non-zero code: 7/);
});

test('a local berth build reads its context in place: a 1 GB ignored remainder is neither read nor sent', () => {
  const files: Record<string, string> = { '.dockerignore': 'data\n*.log\n', Dockerfile: 'FROM busybox\nCOPY . /ctx/\nRUN ls /ctx | wc -l > /count\n' };
  for (let i = 0; i < 8; i++) files[`src/f${i}.txt`] = `file ${i}\n`;
  files['app.log'] = 'ignored\n';
  const dir = context('inplace', files);
  mkdirSync(join(dir, 'data'));
  // Sparse: 1 GB on paper, nothing on disk; a reader would still have to read the zeros.
  closeSync(openSync(join(dir, 'data', 'big.bin'), 'w'));
  truncateSync(join(dir, 'data', 'big.bin'), 1 << 30);
  const local = ok(d.berth(['build', '-t', 'inplace:1', dir]), 'berth build');
  assert.doesNotMatch(local, /Sending build context/);
  const sent = ok(d.berth(['build', '-t', 'inplace:2', dir], { env: { BERTH_BUILD_SEND_CONTEXT: '1' } }), 'berth build (tar)');
  assert.match(sent, /Sending build context to Docker daemon/);
  // Same context either way, so the second build is all cache and the same image.
  assert.equal(sent.match(/Using cache/g)?.length, 2, sent);
  const id1 = ok(d.berth(['image', 'inspect', '-f', '{{.Id}}', 'inplace:1'])).trim();
  assert.equal(ok(d.berth(['image', 'inspect', '-f', '{{.Id}}', 'inplace:2'])).trim(), id1);
  const listing = ok(d.berth(['run', '--rm', 'inplace:1', 'sh', '-c', 'cd /ctx && find . | sort']));
  assert.doesNotMatch(listing, /data|app\.log/);
  assert.match(listing, /\.\/src\/f7\.txt/);
  assert.match(listing, /\.\/Dockerfile/);
  assert.match(listing, /\.\/\.dockerignore/);
});

test('builder prune drops the cache and the intermediate images nothing else needs', () => {
  const dir = context('prune', { Dockerfile: 'FROM busybox\nENV A=1\nRUN echo x > /x\nENV B=2\n' });
  const ids = () => new Set(ok(d.berth(['images', '-a', '-q', '--no-trunc'])).trim().split('\n').filter(Boolean));
  const base = ids();
  ok(d.berth(['build', '-t', 'keep:1', dir]));
  const kept = [...ids()].filter((id) => !base.has(id));
  ok(d.berth(['build', '--no-cache', dir])); // an untagged result and its own intermediates
  const built = [...ids()].filter((id) => !base.has(id) && !kept.includes(id));
  assert.equal(kept.length, 3, `kept ${kept}`);
  assert.equal(built.length, 3, `built ${built}`);
  const out = ok(d.docker(['builder', 'prune', '-f']));
  assert.match(out, /Total reclaimed space: /);
  // The untagged build went; the tagged image and its parents stay, but no longer serve as cache.
  const after = ids();
  assert.deepEqual(built.filter((id) => after.has(id)), []);
  assert.deepEqual(kept.filter((id) => !after.has(id)), []);
  assert.doesNotMatch(ok(d.berth(['build', '-t', 'keep:1', dir])), /Using cache/);
});

test('RUN steps join the default bridge (an address and a default route), or none with --network none', () => {
  const dir = context('netrun', { Dockerfile: 'FROM busybox\nRUN (ip -4 addr show eth0 | grep inet; ip route | grep default) > /net 2>&1 || echo no-eth0 > /net\n' });
  ok(d.berth(['build', '--no-cache', '-t', 'netrun:1', dir]));
  const out = ok(d.berth(['run', '--rm', 'netrun:1', 'cat', '/net']));
  assert.match(out, new RegExp(`inet ${d.subnetBase.replace(/\./g, '\\.')}\\.`));
  assert.match(out, /default via /);
  ok(d.docker(['build', '--no-cache', '--network', 'none', '-t', 'netrun:2', dir]));
  assert.match(ok(d.berth(['run', '--rm', 'netrun:2', 'cat', '/net'])), /no-eth0/);
});

test('nothing is left behind', async () => {
  await d.assertNoLeaks();
});
