// The Dockerfile builder (POST /build, the legacy builder's semantics) against the corpus in
// build-corpus.ts, whose expectations are what Docker's own legacy builder does (checked by
// scripts/verify-build-corpus.mjs): each case is built through the docker CLI with
// DOCKER_BUILDKIT=0 or through `berth build`, and its config, history, layers, files and output
// are compared. Then the cache: a rebuild hits it for every step, one changed file invalidates
// exactly the steps from the COPY of it, --no-cache and builder prune rebuild everything, and
// it survives a restart of berthd.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { TestDaemon, ok } from '../helpers/daemon.js';
import { corpus, buildAndObserve, compare, scheduleCases, runCacheScenario, serveHttpFiles, type BuildCase, type Harness, type Observed } from './build-corpus.js';

let d: TestDaemon;
let server: { url: string; close: () => void };
let docker: Harness;
let berth: Harness;

before(async () => {
  d = new TestDaemon('bt-build');
  await d.start();
  ok(d.berth(['bootstrap', 'busybox']), 'bootstrap');
  // ADD <url> fetches from here (127.0.0.1 only), as in the verifier.
  server = await serveHttpFiles();
  const vars = { HTTP: server.url };
  docker = { env: { ...d.env(), DOCKER_BUILDKIT: '0' }, workDir: join(d.dir, 'work'), vars };
  berth = { ...docker, builder: (args, opts) => d.berthAsync(args, opts) };
});
after(async () => {
  server?.close();
  await d?.cleanup();
});

/** Every other case with an ordinary context directory goes through `berth build`. */
const viaBerth = (c: BuildCase, i: number) => i % 2 === 1 && (c.context ?? 'dir') === 'dir';
const label = (c: BuildCase, i: number) => `${c.name} (${viaBerth(c, i) ? 'berth build' : 'docker build'})`;
// berth's COPY/ADD content hashes in history (`file:<sha256>`) are compared with the hash elided.
const check = (c: BuildCase, o: Observed) => assert.deepEqual(compare(c, o, docker.vars, { maskHashes: true, failedRunRemoved: true }), [], `${c.name}\n${o.build.stdout}\n${o.build.stderr}`);

const builds = corpus.filter((c) => !c.expect.error);
const failures = corpus.filter((c) => c.expect.error);

describe('the corpus builds as Docker builds it', () => {
  let results: Map<string, Promise<Observed>>;
  before(() => {
    results = scheduleCases(builds, 3, (c) => buildAndObserve(c, viaBerth(c, builds.indexOf(c)) ? berth : docker));
  });
  builds.forEach((c, i) => {
    test(label(c, i), async () => check(c, await results.get(c.name)!));
  });
});

describe('broken Dockerfiles fail with Docker\'s message and change nothing', () => {
  // One at a time: each compares `docker images` and `docker ps -a` before and after.
  failures.forEach((c, i) => {
    test(label(c, i), async () => check(c, await buildAndObserve(c, viaBerth(c, i) ? berth : docker)));
  });
});

test('the cache: every step on a rebuild and after a restart, exactly the steps from a changed COPY, none with --no-cache or after builder prune', async () => {
  const mismatches = await runCacheScenario(docker, {
    restart: async () => { await d.stop(); await d.start(); },
    // Docker's legacy builder keeps its cache in intermediate images that `builder prune` leaves
    // alone; berth's build cache is what `builder prune` clears.
    afterBuilderPrune: 'uncached',
  });
  assert.deepEqual(mismatches, []);
});

test('builds leave no mount, monitor or cgroup behind', async () => {
  await d.assertNoLeaks();
});
