// The hijacked endpoints as any Engine API client sees them (not only the CLIs, which handle
// detach keys themselves): daemon-side detach keys, resize of containers and exec sessions,
// log replay on attach, the plain-200 hijack of old clients, exec start failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { EngineClient } from '../../src/client/client.js';
import type { HijackedStream } from '../../src/client/hijack.js';
import { demux } from '../../src/common/stdcopy.js';
import { Writable } from 'node:stream';
import { daemonWithBusybox, ok } from '../helpers/daemon.js';

const d = daemonWithBusybox('batt');
const client = () => new EngineClient(d.socket);

/** Collects a raw (TTY) stream's output; `until` resolves when the text matches. */
function collect(h: HijackedStream): { text(): string; until(re: RegExp, ms?: number): Promise<string> } {
  let text = '';
  const waiters = new Set<() => void>();
  h.output.on('data', (b: Buffer) => { text += b.toString('latin1'); for (const w of waiters) w(); });
  return {
    text: () => text,
    until: (re, ms = 10_000) => new Promise((resolve, reject) => {
      const check = () => { if (re.test(text)) { waiters.delete(check); clearTimeout(t); resolve(text); } };
      const t = setTimeout(() => { waiters.delete(check); reject(new Error(`timed out waiting for ${re}; got ${JSON.stringify(text)}`)); }, ms);
      waiters.add(check);
      check();
    }),
  };
}

async function runningShell(name: string): Promise<string> {
  const id = ok(d.berth(['run', '-dit', '--name', name, 'busybox', 'sh'])).trim();
  return id;
}

const inspect = (name: string) => JSON.parse(ok(d.berth(['inspect', name])))[0];

test('the default detach keys end an attach stream and leave the container running', async () => {
  await runningShell('det1');
  const h = await client().hijack('POST', '/containers/det1/attach', { query: { stream: true, stdin: true, stdout: true, stderr: true } });
  assert.equal(h.statusCode, 101);
  const out = collect(h);
  h.input.write('echo $((6*7))\n');
  await out.until(/\r\n42\r\n/);
  h.input.write(Buffer.from([0x10]));
  h.input.write(Buffer.from([0x11]));
  await h.done;
  assert.equal(inspect('det1').State.Running, true);
  // The shell's input was not closed by the detach: a new attach still drives it.
  const again = await client().hijack('POST', '/containers/det1/attach', { query: { stream: true, stdin: true, stdout: true, detachKeys: 'ctrl-x,x' } });
  const out2 = collect(again);
  again.input.write('echo again\n');
  await out2.until(/\r\nagain\r\n/);
  again.input.write('\x18x');
  await again.done;
  assert.equal(inspect('det1').State.Running, true);
  ok(d.berth(['rm', '-f', 'det1']));
});

test('invalid detach keys are refused before the stream starts', async () => {
  await runningShell('det2');
  await assert.rejects(client().hijack('POST', '/containers/det2/attach', { query: { stream: true, stdin: true, detachKeys: 'ctrl-P' } }),
    (e: Error & { status?: number }) => e.status === 400 && /Invalid detach keys \(ctrl-P\) provided/.test(e.message));
  ok(d.berth(['rm', '-f', 'det2']));
});

test('container resize reaches the TTY; bad sizes and stopped containers are refused', async () => {
  await runningShell('rsz');
  const res = await d.http('POST', '/v1.47/containers/rsz/resize?h=33&w=111');
  assert.equal(res.status, 200);
  assert.equal(res.body, '');
  const h = await client().hijack('POST', '/containers/rsz/attach', { query: { stream: true, stdin: true, stdout: true } });
  const out = collect(h);
  h.input.write('stty size\n');
  await out.until(/\r\n33 111\r\n/);
  h.close();
  assert.equal((await d.http('POST', '/v1.47/containers/rsz/resize?h=x&w=1')).status, 400);
  ok(d.berth(['stop', '-t', '0', 'rsz']));
  const stopped = await d.http('POST', '/v1.47/containers/rsz/resize?h=10&w=10');
  assert.equal(stopped.status, 409);
  assert.match(stopped.body, /is not running/);
  ok(d.berth(['rm', 'rsz']));
});

test('the create-time console size is the TTY size the process starts with', async () => {
  const c = await client().json<{ Id: string }>('POST', '/containers/create', {
    body: { Image: 'busybox', Cmd: ['stty', 'size'], Tty: true, HostConfig: { ConsoleSize: [27, 93] } },
  });
  ok(d.berth(['start', c.Id]));
  assert.equal(ok(d.berth(['wait', c.Id])).trim(), '0');
  assert.equal(ok(d.berth(['logs', c.Id])), '27 93\r\n');
  ok(d.berth(['rm', c.Id]));
});

test('exec with a TTY: console size at start, resize while running, exit code, TERM', async () => {
  await runningShell('ex1');
  const c = client();
  const { Id } = await c.json<{ Id: string }>('POST', '/containers/ex1/exec', {
    body: { Cmd: ['sh', '-c', 'stty size; echo $TERM; read x; stty size; exit 6'], Tty: true, AttachStdin: true, AttachStdout: true, AttachStderr: true },
  });
  const h = await c.hijack('POST', `/exec/${Id}/start`, { body: { Detach: false, Tty: true, ConsoleSize: [21, 71] } });
  const out = collect(h);
  await out.until(/21 71\r\nxterm\r\n/);
  const r = await d.http('POST', `/v1.47/exec/${Id}/resize?h=44&w=144`);
  assert.equal(r.status, 200);
  h.input.write('\n');
  await out.until(/44 144\r\n/);
  await h.done;
  const info = await c.json<{ ExitCode: number; Running: boolean; ProcessConfig: { tty: boolean } }>('GET', `/exec/${Id}/json`);
  assert.equal(info.ExitCode, 6);
  assert.equal(info.Running, false);
  assert.equal(info.ProcessConfig.tty, true);
  ok(d.berth(['rm', '-f', 'ex1']));
});

test('detach keys end an exec session\'s stream; its process runs on', async () => {
  await runningShell('ex3');
  const c = client();
  const { Id } = await c.json<{ Id: string }>('POST', '/containers/ex3/exec', {
    body: { Cmd: ['sh'], Tty: true, AttachStdin: true, AttachStdout: true, DetachKeys: 'ctrl-a,d' },
  });
  const h = await c.hijack('POST', `/exec/${Id}/start`, { body: { Detach: false, Tty: true } });
  const out = collect(h);
  h.input.write('echo in-exec\n');
  await out.until(/\r\nin-exec\r\n/);
  h.input.write('\x01d');
  await h.done;
  const info = await c.json<{ Running: boolean; Pid: number }>('GET', `/exec/${Id}/json`);
  assert.equal(info.Running, true);
  assert.ok(info.Pid > 0);
  ok(d.berth(['rm', '-f', 'ex3']));
});

test('an exec that cannot start reports moby\'s error in the stream and exit code 127', async () => {
  await runningShell('ex2');
  const c = client();
  for (const tty of [false, true]) {
    const { Id } = await c.json<{ Id: string }>('POST', '/containers/ex2/exec', { body: { Cmd: ['no-such-cmd'], Tty: tty, AttachStdout: true, AttachStderr: true } });
    const h = await c.hijack('POST', `/exec/${Id}/start`, { body: { Detach: false, Tty: tty } });
    let stdout = '';
    if (tty) {
      const out = collect(h);
      await h.done;
      stdout = out.text();
    } else {
      const sink = new Writable({ write(b, _e, cb) { stdout += b; cb(); } });
      await demux(h.output, sink, new Writable({ write(_b, _e, cb) { cb(); } }));
    }
    assert.match(stdout, /^OCI runtime exec failed: .*executable file not found in \$PATH: unknown\r\n$/);
    const info = await c.json<{ ExitCode: number }>('GET', `/exec/${Id}/json`);
    assert.equal(info.ExitCode, 127);
  }
  ok(d.berth(['rm', '-f', 'ex2']));
});

test('attach with logs=1 replays the log before the live stream, framed without a TTY', async () => {
  ok(d.berth(['run', '--name', 'lg', 'busybox', 'sh', '-c', 'echo out; echo err >&2']));
  const r = await new Promise<Buffer>((resolve, reject) => {
    // No Upgrade header: the plain 200 hijack of older clients.
    const req = request({ socketPath: d.socket, method: 'POST', path: '/v1.47/containers/lg/attach?logs=1&stdout=1&stderr=1' }, (res) => {
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'application/vnd.docker.multiplexed-stream');
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () => resolve(Buffer.concat(chunks)));
    });
    req.on('error', reject);
    req.end();
  });
  assert.deepEqual(r, Buffer.concat([
    Buffer.from([1, 0, 0, 0, 0, 0, 0, 4]), Buffer.from('out\n'),
    Buffer.from([2, 0, 0, 0, 0, 0, 0, 4]), Buffer.from('err\n'),
  ]));
  ok(d.berth(['rm', 'lg']));
});

test('the attach API leaves no container, mount, conmon or cgroup behind', async () => {
  assert.equal(ok(d.berth(['ps', '-aq'])), '');
  await d.assertNoLeaks();
});
