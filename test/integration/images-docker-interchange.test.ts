// Archives move between berth and a real Docker daemon with the same image ids: berth's save
// loads into dockerd, and a dockerd-built multi-layer image (whiteouts, opaque dirs, hard links,
// setuid) saved by dockerd loads into berth and back into dockerd unchanged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestDaemon, ok } from '../helpers/daemon.js';
import { RefDockerd, hasDockerd } from '../helpers/dockerd.js';

const skip = hasDockerd() ? false : 'dockerd (Debian docker.io) is not installed';
let d: TestDaemon;
let ref: RefDockerd;

before(async () => {
  if (skip) return;
  d = new TestDaemon('bt-xchg');
  ref = new RefDockerd();
  await Promise.all([d.start(), ref.start()]);
});
after(async () => {
  if (skip) return;
  await Promise.all([d.cleanup(), ref.cleanup()]);
});

test('berth save loads into dockerd with the same id', { skip }, () => {
  ok(d.berth(['bootstrap', 'busybox']));
  const id = ok(d.berth(['image', 'inspect', '-f', '{{.Id}}', 'busybox'])).trim();
  const file = join(d.dir, 'bb.tar');
  ok(d.berth(['save', '-o', file, 'busybox']));
  const out = ref.docker(['load', '-i', file]);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(ref.docker(['image', 'inspect', '-f', '{{.Id}}', 'busybox']).stdout.trim(), id);
});

test('a dockerd-built multi-layer image round-trips through berth with the same id', { skip }, () => {
  const ctx = join(d.dir, 'ctx');
  mkdirSync(ctx, { recursive: true });
  writeFileSync(join(ctx, 'Dockerfile'), [
    'FROM busybox',
    'RUN mkdir -p /data/sub /data/keep && echo a > /data/a && echo b > /data/sub/b && ln -s /data/a /data/link && ln /data/a /data/hard && echo k > /data/keep/k',
    'RUN rm /data/a && rm -rf /data/sub && mkdir /data/sub && echo c > /data/sub/c && chmod 4755 /data/sub/c && mkfifo /data/fifo',
    'CMD ["cat", "/data/sub/c"]',
  ].join('\n'));
  const built = ref.docker(['build', '--network', 'none', '-q', '-t', 'multi:1', ctx], { DOCKER_BUILDKIT: '0' });
  assert.equal(built.code, 0, built.stderr);
  const id = ref.docker(['image', 'inspect', '-f', '{{.Id}}', 'multi:1']).stdout.trim();
  const fromDocker = join(d.dir, 'multi-docker.tar');
  assert.equal(ref.docker(['save', '-o', fromDocker, 'multi:1']).code, 0);
  const loaded = ok(d.docker(['load', '-i', fromDocker]), 'load into berth');
  assert.match(loaded, /Loaded image: multi:1/);
  assert.equal(ok(d.berth(['image', 'inspect', '-f', '{{.Id}}', 'multi:1'])).trim(), id);
  assert.equal(ok(d.berth(['history', '-q', 'multi:1'])).trim().split('\n').length, 5);

  const fromBerth = join(d.dir, 'multi-berth.tar');
  ok(d.berth(['save', '-o', fromBerth, 'multi:1']));
  assert.equal(ref.docker(['rmi', 'multi:1']).code, 0);
  const back = ref.docker(['load', '-i', fromBerth]);
  assert.equal(back.code, 0, back.stderr);
  assert.equal(ref.docker(['image', 'inspect', '-f', '{{.Id}}', 'multi:1']).stdout.trim(), id);
});
