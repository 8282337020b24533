// Fan-out between one container's conmon attach socket and any number of API attach clients.
// berthd holds at most one connection per container: conmon blocks on a client that stops
// reading, so the hub always drains it and drops API clients that fall too far behind.
import type { AttachConnection } from '../runtime/attach.js';

/** Output buffered for one slow client before it is cut off (Docker would block instead). */
const MAX_CLIENT_BACKLOG = 8 * 1024 * 1024;

export interface AttachClient {
  stdout: boolean;
  stderr: boolean;
  /** Returns the bytes still queued for this client (its socket's writableLength). */
  write(stream: 'stdout' | 'stderr', data: Buffer): number;
  /** The container's output has ended (it exited, or the hub closed). */
  end(): void;
  /** Dropped for falling behind. */
  abort(): void;
}

export class AttachHub {
  private conn?: AttachConnection;
  private readonly clients = new Set<AttachClient>();
  private pendingStdin: Buffer[] = [];
  private pendingClose = false;
  private stdinClosed = false;

  /** @param stdinOnce close the container's stdin when the first attached stdin ends (docker run -i). */
  constructor(private readonly stdinOnce: boolean) {}

  get wantsConnection(): boolean {
    return this.clients.size > 0;
  }

  get connected(): boolean {
    return this.conn !== undefined && !this.conn.isEnded;
  }

  add(client: AttachClient): () => void {
    this.clients.add(client);
    return () => this.clients.delete(client);
  }

  /** The monitor's socket is up: stream its output and flush stdin that arrived before it was. */
  connect(conn: AttachConnection): void {
    this.conn = conn;
    conn.on('data', (stream, data) => {
      for (const c of this.clients) {
        if (stream === 'stdout' ? !c.stdout : !c.stderr) continue;
        if (c.write(stream, data) > MAX_CLIENT_BACKLOG) {
          this.clients.delete(c);
          c.abort();
        }
      }
    });
    conn.on('end', () => {
      for (const c of this.clients) c.end();
      this.clients.clear();
      this.conn = undefined;
      // The next run of the container starts with its stdin open again.
      this.stdinClosed = false;
      this.pendingClose = false;
    });
    for (const b of this.pendingStdin) conn.write(b);
    this.pendingStdin = [];
    if (this.pendingClose) conn.closeStdin();
  }

  writeStdin(data: Buffer): void {
    if (this.stdinClosed) return;
    if (this.conn) this.conn.write(data);
    else this.pendingStdin.push(data);
  }

  /** A client's stdin ended: with StdinOnce the container's stdin closes too. */
  stdinEnded(): void {
    if (!this.stdinOnce || this.stdinClosed) return;
    this.stdinClosed = true;
    if (this.conn) this.conn.closeStdin();
    else this.pendingClose = true;
  }

  /**
   * The container is going away: its output ends at the socket's EOF, which conmon sends after the
   * exit file that got us here, so the last packets may still be in flight. Clients get them and
   * their end then, or after `graceMs` at the latest.
   */
  drainAndClose(graceMs: number): void {
    const conn = this.conn;
    if (!conn || conn.isEnded) {
      this.close();
      return;
    }
    const timer = setTimeout(() => { if (this.conn === conn) this.close(); }, graceMs);
    timer.unref();
    conn.once('end', () => clearTimeout(timer));
  }

  /** The container's run is over or berthd is stopping: release the socket. */
  close(): void {
    for (const c of this.clients) c.end();
    this.clients.clear();
    this.conn?.destroy();
    this.conn = undefined;
  }
}
