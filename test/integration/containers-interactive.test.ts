// Interactive containers through a real terminal: both CLIs run inside tmux panes, so the TTY,
// raw mode, window size, detach keys and signals are the real thing. Run, attach, exec and
// start with -it; detaching and coming back; several clients on one TTY; signal proxying for
// non-TTY runs; TTY logs — and nothing left behind.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { daemonWithBusybox, ok, hasDockerCli, BERTH } from '../helpers/daemon.js';
import { withTmux, hasTmux, type Pane, type Tmux } from '../helpers/tmux.js';

const noTmux = !hasTmux() && 'tmux not installed';
const d = daemonWithBusybox('bint');

/** busybox sh waits for a command: its prompt is the last line on the screen. */
const prompt = (p: Pane) => p.waitFor((screen) => screen.trimEnd().split('\n').at(-1) === '/ #', 10_000, 'the shell\'s prompt "/ #" on the last line');

/**
 * Types `line` until `expect` shows, for output that depends on something racing the typing
 * (a resize travels by its own request while the keys go down the attach stream).
 */
async function typeUntil(p: Pane, line: string, expect: RegExp, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    p.type(line);
    try {
      return await p.waitFor(expect, Math.min(1000, Math.max(0, deadline - Date.now())));
    } catch (e) {
      if (Date.now() >= deadline) throw e;
    }
  }
}

for (const cli of ['docker', 'berth'] as const) {
  describe(`through the ${cli} CLI`, () => {
    const skip = (cli === 'docker' && !hasDockerCli() && 'docker CLI not installed') || noTmux;
    const opts = { skip, timeout: 60_000 };
    /** The CLI outside tmux, for setup and inspection. */
    const run = (args: string[], o: { input?: string } = {}) => (cli === 'docker' ? d.docker(args, o) : d.berth(args, o));
    /** The CLI's argv for a tmux pane. */
    const argv = (...args: string[]) => (cli === 'docker' ? ['docker', ...args] : [process.execPath, BERTH, ...args]);
    const name = (base: string) => `${base}-${cli}`;
    const state = (n: string) => JSON.parse(ok(run(['inspect', n]), `inspect ${n}`))[0].State as { Running: boolean; Status: string; ExitCode: number };
    const assertGone = (n: string) => assert.match(run(['inspect', n]).stderr, /No such object|No such container/);
    const assertNoContainers = () => assert.equal(ok(run(['ps', '-aq'])), '');
    /** A tmux server for the test; afterwards it is killed and `names` force-removed (when a test failed halfway). */
    const inTmux = async (names: string[], fn: (t: Tmux) => Promise<void>) => {
      try {
        await withTmux(d.dir, d.env(), fn);
      } finally {
        if (names.length) run(['rm', '-f', ...names]);
      }
    };

    test('run -it: typed commands run in the shell, and its exit code is the CLI\'s', opts, async () => {
      const n = name('it');
      await inTmux([n], async (t) => {
        const p = t.pane(argv('run', '-it', '--name', n, 'busybox', 'sh'));
        await prompt(p);
        p.type('echo $((6*7))');
        await p.waitFor(/^42$/m);
        assert.equal(state(n).Running, true);
        p.type('exit 3');
        assert.equal(await p.exitCode(), 3);
        assert.equal(state(n).ExitCode, 3);
        ok(run(['rm', n]));
      });
      assertNoContainers();
    });

    test('run -it: stty size is the pane\'s size, and follows the window when it is resized', opts, async () => {
      const n = name('size');
      await inTmux([n], async (t) => {
        const p = t.pane(argv('run', '-it', '--name', n, 'busybox', 'sh'), { width: 80, height: 24 });
        await prompt(p);
        // The size is the terminal's from the start (docker sends it with the create).
        p.type('stty size');
        await p.waitFor(/^24 80$/m);
        p.resize(100, 30);
        await typeUntil(p, 'stty size', /^30 100$/m);
        p.resize(60, 15);
        await typeUntil(p, 'stty size', /^15 60$/m);
        p.type('exit');
        assert.equal(await p.exitCode(), 0);
        ok(run(['rm', n]));
      });
      assertNoContainers();
    });

    test('ctrl-p ctrl-q detaches and the container keeps running; attach brings the shell back', opts, async () => {
      const n = name('det');
      await inTmux([n], async (t) => {
        const p = t.pane(argv('run', '-it', '--name', n, 'busybox', 'sh'));
        await prompt(p);
        p.type('echo before');
        await p.waitFor(/^before$/m);
        await p.press('C-p', 'C-q');
        assert.equal(await p.exitCode(), 0);
        assert.equal(state(n).Running, true);

        const a = t.pane(argv('attach', n));
        // Attach replays nothing; the answer to a command shows the keys reach the same shell.
        a.type('echo back');
        await a.waitFor(/^back$/m);
        // attach (unlike run) reports the detach as an error: "read escape sequence", exit 1.
        await a.press('C-p', 'C-q');
        assert.equal(await a.exitCode(), 1);
        await a.waitFor(/read escape sequence$/m);
        assert.equal(state(n).Running, true);
        ok(run(['rm', '-f', n]));
      });
      assertNoContainers();
    });

    test('exec -it: a second shell with its own pane\'s size; its exit code is the CLI\'s and the container runs on', opts, async () => {
      const n = name('exec');
      await inTmux([n], async (t) => {
        ok(run(['run', '-dit', '--name', n, 'busybox', 'sh']), 'run -dit');
        const e = t.pane(argv('exec', '-it', n, 'sh'), { width: 90, height: 25 });
        await prompt(e);
        e.type('echo $((2+3))');
        await e.waitFor(/^5$/m);
        e.type('stty size');
        await e.waitFor(/^25 90$/m);
        e.resize(70, 20);
        await typeUntil(e, 'stty size', /^20 70$/m);
        e.type('exit 4');
        assert.equal(await e.exitCode(), 4);
        assert.equal(state(n).Running, true);
        ok(run(['rm', '-f', n]));
      });
      assertNoContainers();
    });

    test('--detach-keys ctrl-x,x detaches instead of ctrl-p ctrl-q', opts, async () => {
      const n = name('dkeys');
      await inTmux([n], async (t) => {
        const p = t.pane(argv('run', '-it', '--detach-keys', 'ctrl-x,x', '--name', n, 'busybox', 'sh'));
        await prompt(p);
        // The default sequence is no longer special: the CLI stays and the shell still answers.
        await p.press('C-p', 'C-q');
        p.type('echo alive');
        await p.waitFor(/^alive$/m);
        assert.equal(p.exit(), null, 'ctrl-p ctrl-q must not detach');
        await p.press('C-x', 'x');
        assert.equal(await p.exitCode(), 0);
        assert.equal(state(n).Running, true);
        ok(run(['rm', '-f', n]));
      });
      assertNoContainers();
    });

    test('run -it --rm: exiting the shell removes the container', opts, async () => {
      const n = name('itrm');
      await inTmux([n], async (t) => {
        const p = t.pane(argv('run', '-it', '--rm', '--name', n, 'busybox', 'sh'));
        await prompt(p);
        p.type('exit');
        assert.equal(await p.exitCode(), 0);
        assertGone(n);
      });
      assertNoContainers();
    });

    test('piped stdin through -i reaches the container', { skip }, () => {
      const r = run(['run', '--rm', '-i', 'busybox', 'cat'], { input: 'hi\n' });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'hi\n');
      assertNoContainers();
    });

    test('non-TTY run proxies ctrl-c to the container as SIGINT', opts, async () => {
      const n = name('sig');
      await inTmux([n], async (t) => {
        const p = t.pane(argv('run', '--name', n, 'busybox', 'sh', '-c', 'trap "echo got INT; exit 7" INT; echo ready; while :; do sleep 0.1; done'));
        await p.waitFor(/^ready$/m);
        p.keys('C-c');
        // The terminal echoes the ^C itself, before the container's answer on the same line.
        await p.waitFor(/^(\^C)?got INT$/m);
        assert.equal(await p.exitCode(), 7);
        assert.equal(state(n).ExitCode, 7);
        ok(run(['rm', n]));
      });
      assertNoContainers();
    });

    test('--sig-proxy=false: ctrl-c ends the CLI and the container keeps running', opts, async () => {
      const n = name('nosig');
      await inTmux([n], async (t) => {
        const p = t.pane(argv('run', '--sig-proxy=false', '--name', n, 'busybox', 'sh', '-c', 'trap "echo got INT; exit 7" INT; echo ready; while :; do sleep 0.1; done'));
        await p.waitFor(/^ready$/m);
        // docker's CLI (since 27) keeps the stream on the first signal it does not forward and
        // exits on the third ("got 3 SIGTERM/SIGINTs, forcefully exiting"): up to three ctrl-c.
        for (let i = 0; i < 3 && !p.exit(); i++) {
          p.keys('C-c');
          await p.waitExit(500).catch(() => undefined);
        }
        await p.waitExit();
        assert.doesNotMatch(p.capture(), /got INT/);
        assert.equal(state(n).Running, true);
        ok(run(['rm', '-f', n]));
      });
      assertNoContainers();
    });

    test('run -a stdout attaches stdout only', { skip }, () => {
      const r = run(['run', '--rm', '-a', 'stdout', 'busybox', 'sh', '-c', 'echo out; echo err >&2']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'out\n');
      assert.equal(r.stderr, '');
      assertNoContainers();
    });

    test('two attach clients on one TTY container both see what is typed in one of them', opts, async () => {
      const n = name('multi');
      await inTmux([n], async (t) => {
        ok(run(['run', '-dit', '--name', n, 'busybox', 'sh']), 'run -dit');
        const a = t.pane(argv('attach', n));
        const b = t.pane(argv('attach', n));
        // Each client's own command coming back shows it is attached (its keys are through).
        a.type('echo ready-a');
        await a.waitFor(/^ready-a$/m);
        b.type('echo ready-b');
        await b.waitFor(/^ready-b$/m);
        await a.waitFor(/^ready-b$/m);
        a.type('echo both-$((40+2))');
        await a.waitFor(/^both-42$/m);
        await b.waitFor(/^both-42$/m);
        // And the other way round.
        b.type('echo other-$((1+1))');
        await b.waitFor(/^other-2$/m);
        await a.waitFor(/^other-2$/m);
        await a.press('C-p', 'C-q');
        assert.equal(await a.exitCode(), 1);
        await a.waitFor(/read escape sequence$/m);
        // The other client is still attached.
        b.type('echo still-$((3*3))');
        await b.waitFor(/^still-9$/m);
        await b.press('C-p', 'C-q');
        assert.equal(await b.exitCode(), 1);
        assert.equal(state(n).Running, true);
        ok(run(['rm', '-f', n]));
      });
      assertNoContainers();
    });

    test('logs of a TTY container are the raw terminal bytes on one stream', { skip }, () => {
      const n = name('ttylogs');
      try {
        const r = run(['run', '-t', '--name', n, 'busybox', 'sh', '-c', 'echo a; echo b']);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'a\r\nb\r\n');
        const logs = run(['logs', n]);
        assert.equal(logs.code, 0, logs.stderr);
        assert.equal(logs.stdout, 'a\r\nb\r\n');
        assert.equal(logs.stderr, '');
        ok(run(['rm', n]));
      } finally {
        run(['rm', '-f', n]);
      }
      assertNoContainers();
    });

    test('start -ai of a created -it container is an interactive shell with its exit code', opts, async () => {
      const n = name('startai');
      await inTmux([n], async (t) => {
        ok(run(['create', '-it', '--name', n, 'busybox', 'sh']), 'create -it');
        const p = t.pane(argv('start', '-ai', n));
        await prompt(p);
        p.type('echo hi-start');
        await p.waitFor(/^hi-start$/m);
        p.type('exit 2');
        assert.equal(await p.exitCode(), 2);
        assert.equal(state(n).ExitCode, 2);
        ok(run(['rm', n]));
      });
      assertNoContainers();
    });
  });
}

test('a test run leaves no mount, conmon or cgroup behind', async () => {
  await d.assertNoLeaks();
});
