// The daemon's connection to a container's conmon attach socket (SOCK_SEQPACKET). Output packets
// carry a stream byte (2 stdout, 3 stderr); input is raw bytes, at most 32 KiB per packet.
import { openSync, closeSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { SeqpacketSocket } from 'node-unix-socket';

const STDIN_CHUNK = 32 * 1024;
const MAX_SUN_PATH = 107;

export interface AttachEvents {
  data: [stream: 'stdout' | 'stderr', payload: Buffer];
  end: [];
}

export class AttachConnection extends EventEmitter<AttachEvents> {
  private sock: SeqpacketSocket;
  private ended = false;

  private constructor(sock: SeqpacketSocket) {
    super();
    this.sock = sock;
    sock.on('data', (buf: Buffer) => {
      if (buf.length < 1) return;
      const id = buf[0];
      if (id === 2 || id === 3) this.emit('data', id === 2 ? 'stdout' : 'stderr', buf.subarray(1));
    });
    const end = () => {
      if (this.ended) return;
      this.ended = true;
      this.emit('end');
    };
    sock.on('end', end);
    sock.on('close', end);
    sock.on('error', end);
  }

  /** Connects to `<bundle>/attach`, through /proc/self/fd when the path is too long for sun_path. */
  static connect(bundle: string): Promise<AttachConnection> {
    return new Promise((resolve, reject) => {
      const sock = new SeqpacketSocket();
      // Packets are at most 8193 bytes; the 256 KiB default would cost that much per container.
      sock.setInternalReadBufferSize(16 * 1024);
      let fd: number | undefined;
      let path = `${bundle}/attach`;
      if (path.length > MAX_SUN_PATH) {
        fd = openSync(bundle, 'r');
        path = `/proc/self/fd/${fd}/attach`;
      }
      const done = () => { if (fd !== undefined) closeSync(fd); };
      sock.once('error', (e: Error) => { done(); reject(e); });
      try {
        sock.connect(path, () => { done(); resolve(new AttachConnection(sock)); });
      } catch (e) {
        done();
        reject(e);
      }
    });
  }

  get isEnded(): boolean {
    return this.ended;
  }

  write(data: Buffer): void {
    if (this.ended) return;
    for (let off = 0; off < data.length; off += STDIN_CHUNK) this.sock.write(data.subarray(off, off + STDIN_CHUNK));
  }

  /** Half-close: conmon closes the container's stdin unless it was told to leave it open. */
  closeStdin(): void {
    if (!this.ended) this.sock.end();
  }

  destroy(): void {
    this.sock.destroy();
  }
}
