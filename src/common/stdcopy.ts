// Docker's stdcopy framing (moby api/pkg/stdcopy): the multiplexed stream of attach, exec and
// logs for a container without a TTY. Each frame is an 8-byte header
// [STREAM, 0, 0, 0, SIZE (uint32 big-endian)] followed by SIZE bytes of payload.
//
//   frame(STDOUT, Buffer.from('hi\n'))            // <01 00 00 00 00 00 00 03> hi\n
//   await demux(res, process.stdout, process.stderr)
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
/** The daemon's own error; it ends the stream. */
export const SYSTEMERR = 3;
export type StreamType = 0 | 1 | 2 | 3;

export const HEADER_LEN = 8;

export function frameHeader(streamType: StreamType, size: number, into: Buffer = Buffer.allocUnsafe(HEADER_LEN), at = 0): Buffer {
  into[at] = streamType;
  into[at + 1] = 0;
  into[at + 2] = 0;
  into[at + 3] = 0;
  into.writeUInt32BE(size, at + 4);
  return into;
}

/** Header and payload in one buffer, as Docker's StdWriter writes them in one Write. */
export function frame(streamType: StreamType, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_LEN + payload.length);
  frameHeader(streamType, payload.length, out, 0);
  payload.copy(out, HEADER_LEN);
  return out;
}

/** A systemerr frame in the stream; its message is what the daemon sent. */
export class StdcopyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StdcopyError';
  }
}

function waitDrain(w: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      w.off('drain', onDrain);
      w.off('error', onError);
      w.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onError = (e: Error) => done(e);
    const onClose = () => done(new Error('write after the output was closed'));
    w.on('drain', onDrain);
    w.on('error', onError);
    w.on('close', onClose);
  });
}

/**
 * Splits a stdcopy stream into stdout and stderr (stdin frames go to stdout, as in Docker).
 * Payloads are forwarded as they arrive, without waiting for whole frames, as slices of the
 * input; the next input chunk is accepted only once the destinations have drained.
 * A systemerr frame fails the stream with `error from daemon in stream: <message>`; an unknown
 * stream type with Docker's `Unrecognized input header: N`. A stream that ends mid-frame ends
 * quietly, as Docker's StdCopy does.
 */
export class StdcopyDemuxer extends Writable {
  private readonly header = Buffer.alloc(HEADER_LEN);
  private headerFill = 0;
  /** Payload bytes still to come in the current frame. */
  private remaining = 0;
  private type = 0;
  private sysErr: Buffer[] = [];

  constructor(private readonly stdout: Writable, private readonly stderr: Writable) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (error?: Error | null) => void): void {
    // A set: many frames of one chunk may each find the same destination full.
    let full: Set<Writable> | undefined;
    try {
      let p = 0;
      while (p < chunk.length) {
        if (this.remaining === 0 && this.headerFill < HEADER_LEN) {
          const n = Math.min(HEADER_LEN - this.headerFill, chunk.length - p);
          chunk.copy(this.header, this.headerFill, p, p + n);
          this.headerFill += n;
          p += n;
          if (this.headerFill < HEADER_LEN) break;
          this.type = this.header[0]!;
          if (this.type > SYSTEMERR) throw new Error(`Unrecognized input header: ${this.type}`);
          this.remaining = this.header.readUInt32BE(4);
          if (this.remaining === 0) this.endFrame();
          continue;
        }
        const n = Math.min(this.remaining, chunk.length - p);
        const piece = chunk.subarray(p, p + n);
        p += n;
        this.remaining -= n;
        if (this.type === SYSTEMERR) {
          this.sysErr.push(Buffer.from(piece));
        } else {
          const dst = this.type === STDERR ? this.stderr : this.stdout;
          if (!dst.write(piece)) (full ??= new Set()).add(dst);
        }
        if (this.remaining === 0) this.endFrame();
      }
    } catch (e) {
      cb(e as Error);
      return;
    }
    if (!full) cb();
    else Promise.all([...full].map(waitDrain)).then(() => cb(), cb);
  }

  private endFrame(): void {
    this.headerFill = 0;
    if (this.type === SYSTEMERR) {
      const msg = Buffer.concat(this.sysErr).toString();
      this.sysErr = [];
      throw new StdcopyError(`error from daemon in stream: ${msg}`);
    }
  }
}

/** Copies a stdcopy stream to stdout/stderr; resolves at its end. Does not end the outputs. */
export async function demux(input: Readable | AsyncIterable<Buffer>, stdout: Writable, stderr: Writable): Promise<void> {
  await pipeline(input, new StdcopyDemuxer(stdout, stderr));
}
