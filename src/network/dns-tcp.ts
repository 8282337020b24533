// DNS over TCP framing (RFC 1035 4.2.2, RFC 7766): each message preceded by its 2-byte length.

export function frame(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

/** Collects stream chunks and hands out whole messages; a zero length marks a broken stream. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
  }

  /** The next whole message, undefined when none is complete yet; throws on a zero-length frame. */
  next(): Buffer | undefined {
    if (this.buf.length < 2) return undefined;
    const len = this.buf.readUInt16BE(0);
    if (len === 0) throw new Error('zero-length DNS message');
    if (this.buf.length < 2 + len) return undefined;
    const msg = this.buf.subarray(2, 2 + len);
    this.buf = this.buf.subarray(2 + len);
    return msg;
  }

  /** Whether a whole message is waiting. */
  get ready(): boolean {
    return this.buf.length >= 2 && this.buf.length >= 2 + this.buf.readUInt16BE(0);
  }
}
