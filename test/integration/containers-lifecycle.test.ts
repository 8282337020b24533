// Containers end to end through the real docker CLI against a real berthd: run, create, start,
// stop, kill, rm, wait, rename, prune, logs, exec, inspect, ps — and nothing left behind.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { daemonWithBusybox, ok, hasDockerCli } from '../helpers/daemon.js';

const skip = !hasDockerCli() && 'docker CLI not installed';
const d = daemonWithBusybox('bctr');

for (const cli of ['docker', 'berth'] as const) {
  describe(`through the ${cli} CLI`, () => {
    const run = (args: string[], opts: { input?: string } = {}) => (cli === 'docker' ? d.docker(args, opts) : d.berth(args, opts));
    const runAsync = (args: string[]) => (cli === 'docker' ? d.dockerAsync(args) : d.berthAsync(args));
    const docker = (...args: string[]) => run(args);

    test('run --rm prints the output and leaves nothing', { skip }, () => {
      const r = docker('run', '--rm', 'busybox', 'echo', 'hello');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'hello\n');
      assert.equal(ok(docker('ps', '-aq')), '');
    });

    test('exit codes are Docker\'s: own code, 127 missing command, 126 not executable, 128+signal', { skip }, () => {
      assert.equal(docker('run', '--rm', 'busybox', 'sh', '-c', 'exit 3').code, 3);
      const missing = docker('run', '--rm', 'busybox', 'no-such-command');
      assert.equal(missing.code, 127, missing.stderr);
      assert.match(missing.stderr, /executable file not found/);
      const notExec = docker('run', '--rm', 'busybox', '/etc/passwd');
      assert.equal(notExec.code, 126, notExec.stderr);
      // PID 1 ignores signals it has no handler for, so the kill comes from outside.
      ok(docker('run', '-d', '--name', 'killed', 'busybox', 'sleep', '60'));
      ok(docker('kill', 'killed'));
      assert.equal(ok(docker('wait', 'killed')).trim(), '137');
      ok(docker('rm', 'killed'));
      assert.equal(ok(docker('ps', '-aq')), '');
    });

    test('stdout and stderr stay apart through the attach stream', { skip }, () => {
      const r = docker('run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2');
      assert.equal(r.stdout, 'out\n');
      assert.equal(r.stderr, 'err\n');
    });

    test('piped stdin with -i reaches the container and closes cleanly', { skip }, () => {
      const r = run(['run', '--rm', '-i', 'busybox', 'sh', '-c', 'cat; echo done'], { input: 'hi\nthere\n' });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'hi\nthere\ndone\n');
    });

    test('create, start, wait, logs, inspect, rm', { skip }, () => {
      const id = ok(docker('create', '--name', 'life', '-e', 'A=1', '-l', 'k=v', 'busybox', 'sh', '-c', 'echo $A; echo e >&2; exit 5')).trim();
      assert.match(id, /^[0-9a-f]{64}$/);
      let st = JSON.parse(ok(docker('inspect', 'life')))[0];
      assert.equal(st.State.Status, 'created');
      assert.equal(st.Name, '/life');
      assert.equal(st.Config.Labels.k, 'v');
      ok(docker('start', 'life'));
      assert.equal(ok(docker('wait', 'life')).trim(), '5');
      st = JSON.parse(ok(docker('inspect', 'life')))[0];
      assert.equal(st.State.Status, 'exited');
      assert.equal(st.State.ExitCode, 5);
      assert.equal(st.State.Running, false);
      assert.notEqual(st.State.FinishedAt, '0001-01-01T00:00:00Z');
      const logs = docker('logs', 'life');
      assert.equal(logs.stdout, '1\n');
      assert.equal(logs.stderr, 'e\n');
      assert.match(ok(docker('ps', '-a', '--format', '{{.Names}} {{.Status}}')), /life Exited \(5\) .* ago/);
      ok(docker('rm', 'life'));
      assert.match(docker('inspect', 'life').stderr, /No such object: life|No such container: life/);
    });

    test('start -a -i attaches to a created container, stdin included', { skip }, () => {
      ok(docker('create', '--name', 'sai', '-i', 'busybox', 'sh', '-c', 'read x; echo got $x; exit 4'));
      const r = run(['start', '-a', '-i', 'sai'], { input: 'hello\n' });
      assert.equal(r.stdout, 'got hello\n');
      assert.equal(r.code, 4);
      ok(docker('rm', 'sai'));
    });

    test('detached run, ps, stop with grace period and SIGKILL, exit 137', { skip }, () => {
      const id = ok(docker('run', '-d', '--name', 'stubborn', 'busybox', 'sh', '-c', "trap '' TERM; while true; do sleep 0.1; done")).trim();
      assert.match(ok(docker('ps', '--format', '{{.ID}} {{.Names}} {{.Status}}')), new RegExp(`^${id.slice(0, 12)} stubborn Up `, 'm'));
      const t0 = Date.now();
      ok(docker('stop', '-t', '1', 'stubborn'));
      const took = Date.now() - t0;
      assert.ok(took >= 900, `stop returned after ${took} ms`);
      const st = JSON.parse(ok(docker('inspect', 'stubborn')))[0].State;
      assert.equal(st.ExitCode, 137);
      // Stopping again is a no-op for the CLI (304 from the API).
      assert.equal(docker('stop', 'stubborn').code, 0);
      ok(docker('rm', 'stubborn'));
    });

    test('kill with a signal, restart, rm -f of a running container', { skip }, () => {
      ok(docker('run', '-d', '--name', 'k1', 'busybox', 'sh', '-c', "trap 'exit 42' USR1; while true; do sleep 0.1; done"));
      ok(docker('kill', '-s', 'USR1', 'k1'));
      assert.equal(ok(docker('wait', 'k1')).trim(), '42');
      ok(docker('restart', 'k1'));
      assert.equal(JSON.parse(ok(docker('inspect', 'k1')))[0].State.Running, true);
      const rm = docker('rm', 'k1');
      assert.notEqual(rm.code, 0);
      assert.match(rm.stderr, /container is running: stop the container before removing or force remove/);
      ok(docker('rm', '-f', 'k1'));
      assert.equal(ok(docker('ps', '-aq')), '');
      assert.match(docker('kill', 'nope').stderr, /No such container: nope/);
    });

    test('exec runs in the container with its exit code, env, workdir and user', { skip }, () => {
      ok(docker('run', '-d', '--name', 'ex', 'busybox', 'sleep', '60'));
      assert.equal(ok(docker('exec', 'ex', 'hostname')).trim(), JSON.parse(ok(docker('inspect', 'ex')))[0].Config.Hostname);
      assert.equal(docker('exec', 'ex', 'sh', '-c', 'exit 7').code, 7);
      assert.equal(ok(docker('exec', '-e', 'X=y', '-w', '/tmp', 'ex', 'sh', '-c', 'echo $X $(pwd)')), 'y /tmp\n');
      assert.equal(ok(docker('exec', '-u', 'nobody', 'ex', 'id', '-u')).trim(), '65534');
      assert.equal(run(['exec', '-i', 'ex', 'cat'], { input: 'piped\n' }).stdout, 'piped\n');
      ok(docker('stop', '-t', '0', 'ex'));
      const r = docker('exec', 'ex', 'true');
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /is not running/);
      ok(docker('rm', 'ex'));
    });

    test('rename, name conflicts, container prune', { skip }, () => {
      ok(docker('create', '--name', 'a1', 'busybox', 'true'));
      ok(docker('create', '--name', 'a2', 'busybox', 'true'));
      const dup = docker('create', '--name', 'a1', 'busybox', 'true');
      assert.notEqual(dup.code, 0);
      assert.match(dup.stderr, /Conflict. The container name "\/a1" is already in use by container/);
      ok(docker('rename', 'a2', 'a3'));
      assert.match(ok(docker('ps', '-a', '--format', '{{.Names}}')), /a3/);
      const pruned = ok(docker('container', 'prune', '-f'));
      assert.match(pruned, /Deleted Containers:/);
      assert.equal(ok(docker('ps', '-aq')), '');
    });

    test('run options reach the runtime spec', { skip }, () => {
      const out = (args: string[], cmd: string) => ok(docker('run', '--rm', ...args, 'busybox', 'sh', '-c', cmd), args.join(' ')).trim();
      assert.equal(out(['--hostname', 'box'], 'hostname'), 'box');
      assert.equal(out(['-u', '1000:1000'], 'id -u; id -g'), '1000\n1000');
      assert.equal(out(['-w', '/new/dir'], 'pwd'), '/new/dir');
      assert.match(out(['--add-host', 'db:10.1.2.3'], 'cat /etc/hosts'), /10\.1\.2\.3\tdb/);
      // host-gateway is the default bridge's address (the test daemon's --bip).
      assert.match(out(['--add-host', 'gw:host-gateway'], 'cat /etc/hosts'), new RegExp(`^${d.subnetBase.replace(/\./g, '\\.')}\\.1\tgw$`, 'm'));
      assert.match(out(['--dns', '9.9.9.9', '--dns-search', 'example.org'], 'cat /etc/resolv.conf'), /nameserver 9\.9\.9\.9[\s\S]*search example\.org|search example\.org[\s\S]*nameserver 9\.9\.9\.9/);
      assert.match(docker('run', '--rm', '--read-only', 'busybox', 'touch', '/x').stderr, /Read-only file system/);
      assert.equal(out(['--read-only', '--tmpfs', '/scratch'], 'touch /scratch/x && echo ok'), 'ok');
      assert.equal(out(['--cap-drop', 'ALL'], 'grep CapEff /proc/self/status'), 'CapEff:\t0000000000000000');
      assert.equal(out([], 'grep CapEff /proc/self/status'), 'CapEff:\t00000000a80425fb');
      assert.equal(out(['--ulimit', 'nofile=512:1024'], 'ulimit -n'), '512');
      assert.match(out(['--shm-size', '16m'], 'df -k /dev/shm | tail -1'), /\b16384\b/);
      assert.equal(out(['--sysctl', 'net.ipv4.ip_forward=1'], 'cat /proc/sys/net/ipv4/ip_forward'), '1');
      assert.equal(out(['--network', 'none'], 'ls /sys/class/net'), 'lo');
      assert.equal(out(['--init'], 'cat /proc/1/comm'), 'docker-init');
      // Every capability the daemon itself holds (this host's daemon lacks CAP_SYS_RESOURCE).
      const privCaps = BigInt('0x' + out(['--privileged'], 'grep CapEff /proc/self/status').split('\t')[1]);
      assert.ok(privCaps > 0xa80425fbn && (privCaps & 0xa80425fbn) === 0xa80425fbn, privCaps.toString(16));
      assert.equal(out(['--security-opt', 'no-new-privileges'], 'grep NoNewPrivs /proc/self/status'), 'NoNewPrivs:\t1');
      const envFile = join(d.dir, 'env.list');
      writeFileSync(envFile, 'FROM_FILE=yes\n# comment\n');
      assert.equal(out(['--env-file', envFile, '-e', 'B=2'], 'echo $FROM_FILE$B'), 'yes2');
      const cid = join(d.dir, `cid-${cli}`);
      ok(docker('run', '--rm', '--cidfile', cid, 'busybox', 'true'));
      assert.match(readFileSync(cid, 'utf8'), /^[0-9a-f]{64}$/);
      assert.match(out(['--network', 'host'], 'ls /sys/class/net'), /lo/);
    });

    test('logs: --tail, -t, --since, -f ending when the container exits', { skip }, () => {
      ok(docker('run', '--name', 'lg', 'busybox', 'sh', '-c', 'for i in 1 2 3 4 5; do echo line$i; done'));
      assert.equal(ok(docker('logs', '--tail', '2', 'lg')), 'line4\nline5\n');
      assert.match(ok(docker('logs', '-t', '--tail', '1', 'lg')), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z line5\n$/);
      assert.equal(ok(docker('logs', '--since', '2000-01-01T00:00:00Z', 'lg')).split('\n').length, 6);
      ok(docker('rm', 'lg'));
      ok(docker('run', '-d', '--name', 'lf', 'busybox', 'sh', '-c', 'echo a; sleep 0.5; echo b'));
      const r = docker('logs', '-f', 'lf');
      assert.equal(r.stdout, 'a\nb\n');
      ok(docker('rm', 'lf'));
    });

    test('ps filters and sizes', { skip }, () => {
      ok(docker('run', '--name', 'f1', '-l', 'app=x', 'busybox', 'sh', '-c', 'echo data > /file'));
      ok(docker('run', '-d', '--name', 'f2', 'busybox', 'sleep', '60'));
      assert.equal(ok(docker('ps', '-a', '--filter', 'label=app=x', '--format', '{{.Names}}')).trim(), 'f1');
      assert.equal(ok(docker('ps', '-a', '--filter', 'status=exited', '--format', '{{.Names}}')).trim(), 'f1');
      assert.equal(ok(docker('ps', '--filter', 'name=f2', '--format', '{{.Names}}')).trim(), 'f2');
      assert.equal(ok(docker('ps', '-a', '--filter', 'exited=0', '--format', '{{.Names}}')).trim(), 'f1');
      assert.equal(ok(docker('ps', '-a', '--filter', 'ancestor=busybox', '--format', '{{.Names}}')).trim().split('\n').sort().join(' '), 'f1 f2');
      const sized = JSON.parse(ok(docker('inspect', '--size', 'f1')))[0];
      assert.ok(sized.SizeRw >= 5, `SizeRw ${sized.SizeRw}`);
      assert.ok(sized.SizeRootFs > sized.SizeRw);
      assert.match(ok(docker('ps', '-a', '-s', '--filter', 'name=f1', '--format', '{{.Size}}')), /B \(virtual /);
      ok(docker('rm', '-f', 'f1', 'f2'));
    });

    test('20 concurrent docker run --rm all succeed', { skip }, async () => {
      const runs = await Promise.all(Array.from({ length: 20 }, (_, i) => runAsync(['run', '--rm', 'busybox', 'echo', `n${i}`])));
      for (const [i, r] of runs.entries()) {
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, `n${i}\n`);
      }
      assert.equal(ok(docker('ps', '-a', '--format', '{{.Names}} {{.Status}}')), '');
    });

    test('rm -f racing start ends consistent', { skip }, async () => {
      for (let i = 0; i < 5; i++) {
        ok(docker('create', '--name', `race${i}`, 'busybox', 'sleep', '30'));
        const [s, r] = await Promise.all([runAsync(['start', `race${i}`]), runAsync(['rm', '-f', `race${i}`])]);
        assert.equal(r.code, 0, r.stderr);
        void s;
        assert.match(docker('inspect', `race${i}`).stderr, /No such object|No such container/);
      }
      assert.equal(ok(docker('ps', '-aq')), '');
    });

  });
}

test('a test run leaves no mount, conmon or cgroup behind', { skip }, async () => {
  await d.assertNoLeaks();
});
