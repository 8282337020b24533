// events, system df, info counts and system prune through the real docker CLI and berth's, against
// a real berthd: live and replayed events with their filters and formats, disk usage that matches
// the rw layers on disk, Docker's container counts, and prune's reclaimed space.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BERTH, daemonWithBusybox, ok, hasDockerCli, spawnOk } from '../helpers/daemon.js';

const skip = !hasDockerCli() && 'docker CLI not installed';
const d = daemonWithBusybox('bsev');

const DEFAULT_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|[+-]\d\d:\d\d) (\S+) (\S+) (\S+)(?: \((.*)\))?$/;

async function info(): Promise<Record<string, any>> {
  const r = await d.http('GET', '/info');
  return JSON.parse(r.body);
}

/** Waits (bounded) until the daemon has `n` open event streams: the child is subscribed. */
async function untilListeners(n: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if ((await info()).NEventsListener >= n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`the events client did not subscribe (wanted ${n} listeners)`);
}

/** Collects a child's stdout lines until `done` holds for them (bounded by a generous deadline). */
function linesUntil(child: ChildProcess, done: (lines: string[]) => boolean): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let stderr = '';
    const lines: string[] = [];
    const timer = setTimeout(() => reject(new Error(`no matching output; got ${JSON.stringify(lines)} ${stderr}`)), 30_000);
    child.stderr!.on('data', (c) => { stderr += c; });
    child.stdout!.on('data', (c) => {
      buf += c;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
      if (done(lines)) { clearTimeout(timer); resolve(lines); }
    });
    child.on('exit', (code) => { clearTimeout(timer); if (!done(lines)) reject(new Error(`events exited ${code}: ${stderr}`)); });
  });
}

/** A unix timestamp with nanoseconds, as the CLIs accept for --since/--until. */
const stamp = (ns: bigint) => `${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`;

for (const cli of ['docker', 'berth'] as const) {
  describe(`through the ${cli} CLI`, () => {
    const run = (args: string[], opts: { input?: string } = {}) => (cli === 'docker' ? d.docker(args, opts) : d.berth(args, opts));
    const docker = (...args: string[]) => run(args);
    const spawnCli = (args: string[]) => (cli === 'docker'
      ? spawn('docker', args, { env: d.env(), stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, [BERTH, ...args], { env: d.env(), stdio: ['ignore', 'pipe', 'pipe'] }));
    const events = (...args: string[]) => ok(docker('events', ...args)).split('\n').filter(Boolean);
    const nowNs = () => BigInt(Date.now()) * 1_000_000n;

    test('events streams create/start/die/destroy live, only for the filtered container', { skip }, async () => {
      const name = `live-${cli}`;
      const before = (await info()).NEventsListener;
      const child = spawnCli(['events', '--filter', `container=${name}`]);
      try {
        await untilListeners(before + 1);
        ok(docker('run', '--rm', '--name', `other-${cli}`, 'busybox', 'true'));
        ok(docker('run', '--rm', '--name', name, '-l', 'team=blue', 'busybox', 'true'));
        const lines = await linesUntil(child, (ls) => ls.some((l) => / container destroy /.test(l)));
        const parsed = lines.map((l) => {
          const m = DEFAULT_LINE.exec(l);
          assert.ok(m, `not docker's event line: ${l}`);
          return { type: m[2], action: m[3], id: m[4], attrs: m[5] ?? '' };
        });
        const actions = parsed.map((p) => p.action);
        for (const a of ['create', 'start', 'die', 'destroy']) assert.ok(actions.includes(a), `${a} missing in ${actions}`);
        assert.deepEqual(actions.filter((a) => ['create', 'start', 'die', 'destroy'].includes(a)), ['create', 'start', 'die', 'destroy']);
        assert.ok(parsed.every((p) => p.type === 'container' && /^[0-9a-f]{64}$/.test(p.id)));
        assert.ok(parsed.every((p) => p.attrs.includes(`name=${name}`)), 'only the filtered container');
        // Attributes sorted by key, labels included.
        assert.equal(parsed.find((p) => p.action === 'create')!.attrs, `image=busybox, name=${name}, team=blue`);
        assert.equal(parsed.find((p) => p.action === 'die')!.attrs, `exitCode=0, image=busybox, name=${name}, team=blue`);
      } finally {
        child.kill();
      }
      // The stream is gone once the client is.
      const deadline = Date.now() + 20_000;
      while ((await info()).NEventsListener > before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal((await info()).NEventsListener, before);
    });

    test('events --since/--until replay the recorded window to the nanosecond', { skip }, () => {
      const name = `hist-${cli}`;
      const t0 = nowNs() - 1_000_000_000n;
      ok(docker('run', '--name', name, 'busybox', 'true'));
      ok(docker('rm', name));
      const t1 = nowNs() + 1_000_000_000n;
      const json = events('--since', stamp(t0), '--until', stamp(t1), '--filter', `container=${name}`, '--format', '{{json .}}').map((l) => JSON.parse(l));
      assert.deepEqual(json.map((e) => e.Action), ['create', 'attach', 'start', 'die', 'destroy']);
      // The exact timeNano of an event bounds a replay exactly (both ends inclusive).
      const lines = events('--since', stamp(t0), '--until', stamp(t1), '--filter', `container=${name}`, '--format', '{{.Action}} {{.TimeNano}}');
      const ns = (a: string) => BigInt(lines.find((l) => l.startsWith(a + ' '))!.split(' ')[1]);
      assert.deepEqual(events('--since', stamp(ns('start')), '--until', stamp(ns('die')), '--filter', `container=${name}`, '--format', '{{.Action}}'), ['start', 'die']);
      assert.deepEqual(events('--since', stamp(ns('destroy') + 1n), '--until', stamp(t1), '--filter', `container=${name}`), []);
      assert.deepEqual(events('--until', stamp(ns('create')), '--filter', `container=${name}`, '--format', '{{.Action}}'), ['create']);
      // A duration (relative to now) and an RFC 3339 time, already past: the command ends by itself.
      const past = new Date(Number(ns('destroy') / 1_000_000n) + 1).toISOString();
      assert.deepEqual(events('--since', '1h', '--until', past, '--filter', `container=${name}`, '--filter', 'event=destroy', '--format', '{{.Action}}'), ['destroy']);
    });

    test('events filters: type, event, label, image; --format json', { skip }, () => {
      const name = `filt-${cli}`;
      const t0 = stamp(nowNs() - 1_000_000_000n);
      ok(docker('create', '--name', name, '-l', 'team=red', '-l', 'tier', 'busybox', 'true'));
      ok(docker('tag', 'busybox', `evtag-${cli}:v1`));
      ok(docker('rmi', `evtag-${cli}:v1`));
      ok(docker('rm', name));
      const t1 = stamp(nowNs() + 1_000_000_000n);
      const q = (...f: string[]) => events('--since', t0, '--until', t1, ...f.flatMap((x) => ['--filter', x]), '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}');
      assert.deepEqual(q('label=team=red'), [`container create ${name}`, `container destroy ${name}`]);
      assert.deepEqual(q('label=tier', 'event=destroy'), [`container destroy ${name}`]);
      assert.deepEqual(q('label=team=blue', `container=${name}`), []);
      const imageEvents = q('type=image');
      const id = ok(docker('image', 'inspect', '-f', '{{.Id}}', 'busybox')).trim();
      assert.deepEqual(imageEvents, [`image tag evtag-${cli}:v1`, `image untag ${id}`]);
      assert.deepEqual(q('type=image', 'event=tag', `image=evtag-${cli}`), [`image tag evtag-${cli}:v1`]);
      assert.deepEqual(q('image=busybox', `container=${name}`), [`container create ${name}`, `container destroy ${name}`]);

      const json = events('--since', t0, '--until', t1, '--filter', `container=${name}`, '--filter', 'event=create', '--format', 'json');
      assert.equal(json.length, 1);
      const e = JSON.parse(json[0]);
      assert.deepEqual(Object.keys(e), ['status', 'id', 'from', 'Type', 'Action', 'Actor', 'scope', 'time', 'timeNano']);
      assert.equal(e.status, 'create');
      assert.equal(e.from, 'busybox');
      assert.deepEqual(e.Actor.Attributes, { image: 'busybox', name, team: 'red', tier: '' });
      assert.equal(e.scope, 'local');
      assert.equal(BigInt(json[0].match(/"timeNano":(\d+)/)![1]) / 1_000_000_000n, BigInt(e.time));
    });

    test('events refuses bad times, filters and formats with docker\'s errors', { skip }, () => {
      const bad = docker('events', '--since', 'abc', '--until', '0s');
      assert.equal(bad.code, 1);
      assert.equal(bad.stderr.trim(), 'failed to parse value as time or duration: "abc"');
      const flag = docker('events', '--filter', 'nofilter');
      assert.equal(flag.code, 125);
      assert.match(flag.stderr, /^invalid argument "nofilter" for "-f, --filter" flag: bad format of filter \(expected name=value\)/);
      const fmt = docker('events', '--format', '{{.Nope}}');
      assert.equal(fmt.code, 64);
      assert.match(fmt.stderr, /^Error parsing format: template: :1:2: executing "" at <\.Nope>: can't evaluate field Nope in type \*events\.Message/);
      const order = docker('events', '--since', '2000000000', '--until', '1000000000');
      assert.equal(order.code, 1);
      assert.match(order.stderr, /Error response from daemon: `since` time \(2000000000\) cannot be after `until` time \(1000000000\)/);
    });

    test('system df: SizeRw of a container that wrote 1 MB, the same figure as ps -s and inspect --size', { skip }, async () => {
      const name = `df-${cli}`;
      ok(docker('run', '--name', name, 'busybox', 'sh', '-c', 'head -c 1048576 /dev/urandom >> /big'));
      const apiDf = async () => JSON.parse((await d.http('GET', '/system/df')).body);
      let du = await apiDf();
      let c = du.Containers.find((x: any) => x.Names[0] === `/${name}`);
      assert.ok(c.SizeRw >= 1048576, `SizeRw ${c.SizeRw}`);
      const img = du.Images.find((i: any) => i.RepoTags.includes('busybox:latest'));
      assert.equal(c.SizeRootFs, c.SizeRw + img.Size);
      assert.ok(img.Containers >= 1);
      assert.equal(du.LayersSize >= img.Size, true);
      assert.deepEqual([du.Volumes, du.BuildCache], [[], []]);
      const inspected = ok(docker('inspect', '--size', '-f', '{{.SizeRw}} {{.SizeRootFs}}', name)).trim();
      assert.equal(inspected, `${c.SizeRw} ${c.SizeRootFs}`);
      const human = (n: number) => `${(n / 1e6).toPrecision(3)}MB`;
      assert.equal(ok(docker('ps', '-as', '--filter', `name=^${name}$`, '--format', '{{.Size}}')).trim(), `${human(c.SizeRw)} (virtual ${human(c.SizeRootFs)})`);
      // The CLI table shows the same (again: a cached answer must not differ).
      const v = ok(docker('system', 'df', '-v'));
      const row = v.split('\n').find((l) => l.endsWith(` ${name}`))!;
      assert.match(row, new RegExp(` ${human(c.SizeRw).replace('.', '\\.')} `));
      const summary = ok(docker('system', 'df', '--format', '{{json .}}')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
      assert.deepEqual(summary.map((s) => s.Type), ['Images', 'Containers', 'Local Volumes', 'Build Cache']);
      // A new run that writes again: the cached size follows.
      ok(docker('start', '-a', name));
      du = await apiDf();
      c = du.Containers.find((x: any) => x.Names[0] === `/${name}`);
      assert.ok(c.SizeRw >= 2 * 1048576, `SizeRw after a second run ${c.SizeRw}`);
      assert.equal(ok(docker('inspect', '--size', '-f', '{{.SizeRw}}', name)).trim(), String(c.SizeRw));
      ok(docker('rm', name));
    });

    test('system df -v lists images, containers, volumes and build cache', { skip }, () => {
      const name = `dfv-${cli}`;
      ok(docker('create', '--name', name, 'busybox', 'true'));
      const out = ok(docker('system', 'df', '-v'));
      const id = ok(docker('image', 'inspect', '-f', '{{.Id}}', 'busybox')).trim().slice(7, 19);
      assert.match(out, /^Images space usage:\n\nREPOSITORY +TAG +IMAGE ID +CREATED +SIZE +SHARED SIZE +UNIQUE SIZE +CONTAINERS\n/);
      assert.match(out, new RegExp(`\\nbusybox +latest +${id} +`));
      assert.match(out, /\n\nContainers space usage:\n\nCONTAINER ID +IMAGE +COMMAND +LOCAL VOLUMES +SIZE +CREATED +STATUS +NAMES\n/);
      assert.match(out, new RegExp(`\\n[0-9a-f]{12} +busybox +"true" +0 +0B +.* Created +${name}\\n`));
      assert.match(out, /\n\nLocal Volumes space usage:\n\nVOLUME NAME +LINKS +SIZE\n\nBuild cache usage: 0B\n\nCACHE ID +CACHE TYPE +SIZE +CREATED +LAST USED +USAGE +SHARED\n$/);
      const table = ok(docker('system', 'df')).split('\n');
      assert.match(table[0], /^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$/);
      assert.match(table[2], /^Containers +\d+ +\d+ +/);
      ok(docker('rm', name));
    });

    test('info counts running, paused and stopped containers as Docker', { skip }, async () => {
      assert.equal(ok(docker('ps', '-aq')), '');
      const count = () => ok(docker('info', '--format', '{{.Containers}} {{.ContainersRunning}} {{.ContainersPaused}} {{.ContainersStopped}} {{.Images}}')).trim();
      const images = (await info()).Images;
      assert.equal(count(), `0 0 0 0 ${images}`);
      ok(docker('run', '-d', '--name', `up-${cli}`, 'busybox', 'sleep', '60'));
      ok(docker('run', '-d', '--name', `frozen-${cli}`, 'busybox', 'sleep', '60'));
      ok(docker('pause', `frozen-${cli}`));
      ok(docker('create', '--name', `made-${cli}`, 'busybox', 'true'));
      assert.equal(count(), `3 1 1 1 ${images}`);
      const text = ok(docker('info'));
      assert.match(text, /\n Containers: 3\n  Running: 1\n  Paused: 1\n  Stopped: 1\n/);
      ok(docker('unpause', `frozen-${cli}`));
      ok(docker('rm', '-f', `up-${cli}`, `frozen-${cli}`, `made-${cli}`));
      assert.equal(count(), `0 0 0 0 ${images}`);
    });

    test('system prune removes stopped containers and dangling images, keeps what runs, reports the space', { skip }, () => {
      const dir = mkdtempSync('/tmp/bsev-imp-');
      try {
        writeFileSync(join(dir, 'payload'), Buffer.alloc(300_000, cli));
        const tar = spawnOk('tar', ['-C', dir, '-cf', '-', 'payload']);
        const dangling = ok(run(['import', '-'], { input: tar as unknown as string })).trim();
        assert.match(dangling, /^sha256:[0-9a-f]{64}$/);
        ok(docker('run', '--name', `stopped-${cli}`, 'busybox', 'sh', '-c', 'head -c 100000 /dev/zero > /f'));
        const stopped = ok(docker('inspect', '-f', '{{.Id}}', `stopped-${cli}`)).trim();
        ok(docker('run', '-d', '--name', `kept-${cli}`, 'busybox', 'sleep', '60'));

        // Declined: nothing happens.
        const no = run(['system', 'prune'], { input: 'n\n' });
        assert.equal(no.code, 0);
        assert.equal(no.stdout, 'WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all dangling images\n  - unused build cache\n\nAre you sure you want to continue? [y/N] ');
        assert.equal(ok(docker('ps', '-aq', '--filter', `name=stopped-${cli}`)).trim().length, 12);

        const r = ok(docker('system', 'prune', '-f'));
        assert.match(r, new RegExp(`^Deleted Containers:\\n${stopped}\\n\\n`));
        assert.match(r, new RegExp(`\\nDeleted Images:\\ndeleted: ${dangling}\\n`));
        const total = /\nTotal reclaimed space: (\S+)\n$/.exec(r);
        assert.ok(total, r);
        // 100 kB of rw layer and the 300 kB layer: reported in docker's units.
        assert.match(total[1], /^4\d\d(\.\d+)?kB$/);
        assert.equal(ok(docker('ps', '-aq')).trim().length, 12);
        assert.equal(docker('image', 'inspect', dangling).code, 1);
        assert.equal(ok(docker('images', '-q', 'busybox')).trim().length, 12);
        // Nothing left to prune.
        assert.equal(ok(docker('system', 'prune', '-f', '--volumes')), 'Total reclaimed space: 0B\n');
        const until = docker('system', 'prune', '-f', '--volumes', '--filter', 'until=1h');
        assert.equal(until.code, 1);
        assert.match(until.stderr, /ERROR: The "until" filter is not supported with "--volumes"/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
        run(['rm', '-f', `kept-${cli}`, `stopped-${cli}`]);
      }
    });
  });
}

test('no leaks', { skip }, async () => {
  await d.assertNoLeaks();
});
