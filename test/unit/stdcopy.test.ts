import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { demux, frame, StdcopyDemuxer, STDERR, STDIN, STDOUT, SYSTEMERR } from '../../src/common/stdcopy.js';

class Sink extends Writable {
  parts: Buffer[] = [];
  maxBuffered = 0;
  constructor(private readonly delayMs = -1, hwm = 16 * 1024) {
    super({ highWaterMark: hwm });
  }
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.parts.push(Buffer.from(chunk));
    this.maxBuffered = Math.max(this.maxBuffered, this.writableLength);
    if (this.delayMs < 0) cb();
    else setTimeout(cb, this.delayMs);
  }
  text(): string {
    return Buffer.concat(this.parts).toString();
  }
}

test('frame writes the 8-byte header then the payload', () => {
  assert.deepEqual([...frame(STDOUT, Buffer.from('hi\n'))], [1, 0, 0, 0, 0, 0, 0, 3, 0x68, 0x69, 0x0a]);
  const big = frame(STDERR, Buffer.alloc(70000, 1));
  assert.deepEqual([...big.subarray(0, 8)], [2, 0, 0, 0, 0, 1, 0x11, 0x70]);
  assert.deepEqual([...frame(STDOUT, Buffer.alloc(0))], [1, 0, 0, 0, 0, 0, 0, 0]);
});

test('demux splits streams correctly wherever the input is cut', async () => {
  const input = Buffer.concat([
    frame(STDOUT, Buffer.from('out one\n')),
    frame(STDERR, Buffer.from('err one\n')),
    frame(STDOUT, Buffer.alloc(0)),
    frame(STDIN, Buffer.from('echoed ')),
    frame(STDOUT, Buffer.from('out two\n')),
    frame(STDERR, Buffer.from('ü€😀\n')),
  ]);
  for (let cut = 0; cut <= input.length; cut++) {
    for (const second of [cut, Math.min(input.length, cut + 3)]) {
      const out = new Sink();
      const err = new Sink();
      await demux(Readable.from([input.subarray(0, cut), input.subarray(cut, second), input.subarray(second)].filter((b) => b.length)), out, err);
      assert.equal(out.text(), 'out one\nechoed out two\n', `cut ${cut}/${second}`);
      assert.equal(err.text(), 'err one\nü€😀\n', `cut ${cut}/${second}`);
    }
  }
  // Byte by byte.
  const out = new Sink();
  const err = new Sink();
  await demux(Readable.from([...input].map((b) => Buffer.from([b]))), out, err);
  assert.equal(out.text(), 'out one\nechoed out two\n');
});

test('a systemerr frame fails the stream with its message; unknown types fail too', async () => {
  const input = Buffer.concat([frame(STDOUT, Buffer.from('before\n')), frame(SYSTEMERR, Buffer.from('boom')), frame(STDOUT, Buffer.from('after\n'))]);
  for (let cut = 0; cut <= input.length; cut += 3) {
    const out = new Sink();
    await assert.rejects(demux(Readable.from([input.subarray(0, cut), input.subarray(cut)].filter((b) => b.length)), out, new Sink()), {
      message: 'error from daemon in stream: boom',
    });
    assert.equal(out.text(), 'before\n');
  }
  await assert.rejects(demux(Readable.from([Buffer.from([7, 0, 0, 0, 0, 0, 0, 1, 65])]), new Sink(), new Sink()), { message: 'Unrecognized input header: 7' });
});

test('a stream ending mid-frame ends quietly with what arrived, as Docker does', async () => {
  const input = frame(STDOUT, Buffer.from('0123456789'));
  const out = new Sink();
  await demux(Readable.from([input.subarray(0, 12)]), out, new Sink());
  assert.equal(out.text(), '0123');
});

test('demux waits for a slow destination instead of buffering the input', async () => {
  const payload = Buffer.alloc(64 * 1024, 0x61);
  const frames = Array.from({ length: 64 }, (_, i) => frame(i % 2 ? STDERR : STDOUT, payload));
  const out = new Sink(1, 16 * 1024);
  const err = new Sink(1, 16 * 1024);
  const d = new StdcopyDemuxer(out, err);
  await demux(Readable.from(frames), out, err);
  void d;
  assert.equal(Buffer.concat(out.parts).length, 32 * payload.length);
  assert.equal(Buffer.concat(err.parts).length, 32 * payload.length);
  // One input chunk's worth at most is queued in a destination.
  assert.ok(out.maxBuffered <= payload.length + 16, `buffered ${out.maxBuffered}`);
});
