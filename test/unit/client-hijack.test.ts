// The hijacked-connection client and the CLI's IO streamer against a stub daemon on a unix socket:
// the Upgrade handshake, bytes that arrive with the 101 head, stdin half-close, stdcopy demuxing,
// raw TTY streams, error replies, and the detach-key parser.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Readable, Writable } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hijack, HijackError } from '../../src/client/hijack.js';
import { EngineClient, ApiError } from '../../src/client/client.js';
import { frame, STDOUT, STDERR } from '../../src/common/stdcopy.js';
import { detachKeyBytes, streamHijacked } from '../../src/cli/container/stream.js';

function sink(): Writable & { text: () => string } {
  const chunks: Buffer[] = [];
  const w = new Writable({ write(c, _e, cb) { chunks.push(Buffer.from(c)); cb(); } });
  return Object.assign(w, { text: () => Buffer.concat(chunks).toString() });
}

describe('hijack', () => {
  let dir: string;
  let sock: string;
  let server: Server;
  const seen: Array<{ url: string; headers: IncomingMessage['headers']; body: string }> = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-hijack-'));
    sock = join(dir, 'd.sock');
    server = createServer((req, res) => {
      // No Upgrade header: an old daemon's plain 200, or an error.
      if (req.url?.includes('missing')) {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ message: 'No such container: missing' }));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/vnd.docker.raw-stream' });
      res.end('plain output');
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      let body = head.toString();
      if (req.url?.includes('missing')) {
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 39\r\n\r\n{"message":"No such container: gone!!"}');
        return;
      }
      const tty = req.url?.includes('tty');
      socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.${tty ? 'raw' : 'multiplexed'}-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
      // Output sent in the same packet as the head.
      socket.write(tty ? Buffer.from('hello ') : frame(STDOUT, Buffer.from('hello ')));
      let input = '';
      socket.on('data', (d: Buffer) => { input += d.toString(); });
      socket.on('end', () => {
        seen.push({ url: req.url ?? '', headers: req.headers, body });
        body = '';
        if (tty) {
          socket.end(`got:${input}`);
        } else {
          socket.write(frame(STDOUT, Buffer.from(`got:${input}`)));
          socket.end(frame(STDERR, Buffer.from('bye')));
        }
      });
    });
    await new Promise<void>((r) => server.listen(sock, r));
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('upgrades, sends stdin, half-closes, demuxes stdout and stderr', async () => {
    const client = new EngineClient(sock, '1.47');
    const h = await client.hijack('POST', '/containers/c1/attach', { query: { stream: true, stdin: true, stdout: true, stderr: true } });
    assert.equal(h.statusCode, 101);
    assert.equal(h.contentType, 'application/vnd.docker.multiplexed-stream');
    const out = sink();
    const err = sink();
    await streamHijacked(h, { stdin: Readable.from([Buffer.from('abc'), Buffer.from('def')]) as never, stdout: out as never, stderr: err as never, tty: false });
    assert.equal(out.text(), 'hello got:abcdef');
    assert.equal(err.text(), 'bye');
    const req = seen.at(-1)!;
    assert.equal(req.url, '/v1.47/containers/c1/attach?stream=1&stdin=1&stdout=1&stderr=1');
    assert.equal(req.headers.upgrade, 'tcp');
    assert.equal(req.headers.connection, 'Upgrade');
  });

  it('copies a TTY stream raw, and closes stdin at once when none is attached', async () => {
    const h = await hijack(sock, 'POST', '/exec/e1/start?tty=1', { body: { Detach: false, Tty: true } });
    const out = sink();
    await streamHijacked(h, { stdin: null, stdout: out as never, stderr: null, tty: true });
    assert.equal(out.text(), 'hello got:');
    assert.equal(seen.at(-1)!.headers['content-type'], 'application/json');
  });

  it('reports daemon errors with their status and message', async () => {
    await assert.rejects(hijack(sock, 'POST', '/containers/missing/attach'), (e: unknown) => e instanceof HijackError && e.status === 404 && e.message === 'No such container: gone!!');
    await assert.rejects(new EngineClient(sock).hijack('POST', '/containers/missing/attach'), (e: unknown) => e instanceof ApiError && e.status === 404);
  });

  it('parses detach keys as moby/term does', () => {
    assert.deepEqual(detachKeyBytes('ctrl-p,ctrl-q'), [16, 17]);
    assert.deepEqual(detachKeyBytes('ctrl-a,x,ctrl-@,ctrl-['), [1, 120, 0, 27]);
    assert.throws(() => detachKeyBytes('ctrl-'), /Unknown character/);
  });
});
