// Log output as compose prints it: each container's lines prefixed with `web-1  | `, names
// padded to one width and coloured (on a terminal), stdout and stderr both.
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StdcopyDemuxer } from '../common/stdcopy.js';
import type { ComposeApi, ContainerSummary } from './api.js';
import { nameOf } from './converge.js';
import { LABEL } from './labels.js';

const COLORS = [36, 33, 32, 35, 34, 91, 96, 93, 92, 95, 94];

/** `web-1` for `proj-web-1` (service containers), the full name for others. */
export function displayName(c: ContainerSummary): string {
  const s = c.Labels[LABEL.service];
  const n = c.Labels[LABEL.number];
  if (s && n && c.Labels[LABEL.oneoff] !== 'True') return `${s}-${n}`;
  return nameOf(c);
}

class LineWriter extends Writable {
  private partial = '';
  constructor(private readonly onLine: (line: string) => void) {
    super();
  }

  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    const text = this.partial + chunk.toString('utf8');
    const lines = text.split('\n');
    this.partial = lines.pop()!;
    for (const l of lines) this.onLine(l);
    cb();
  }

  flushPartial(): void {
    if (this.partial) this.onLine(this.partial);
    this.partial = '';
  }
}

export interface LogOptions {
  follow?: boolean;
  tail?: string;
  timestamps?: boolean;
  since?: string;
  until?: string;
  color?: boolean;
  prefix?: boolean;
}

export class LogPrinter {
  private width = 0;
  private readonly colors = new Map<string, number>();

  constructor(private readonly out: NodeJS.WritableStream, private readonly o: LogOptions) {}

  register(names: string[]): void {
    for (const n of names) {
      this.width = Math.max(this.width, n.length);
      if (!this.colors.has(n)) this.colors.set(n, COLORS[this.colors.size % COLORS.length]!);
    }
  }

  prefix(name: string): string {
    if (this.o.prefix === false) return '';
    const p = `${name.padEnd(this.width)}  | `;
    return this.o.color ? `\x1b[${this.colors.get(name) ?? 36}m${p}\x1b[0m` : p;
  }

  line(name: string, text: string): void {
    this.out.write(`${this.prefix(name)}${text}\n`);
  }

  /** Streams one container's log until its end (or, following, until the container stops). */
  async stream(api: ComposeApi, c: ContainerSummary, tty: boolean): Promise<void> {
    const name = displayName(c);
    this.register([name]);
    const res = await api.logs(c.Id, { follow: this.o.follow, tail: this.o.tail, timestamps: this.o.timestamps, since: this.o.since, until: this.o.until });
    const w = new LineWriter((l) => this.line(name, l.replace(/\r$/, '')));
    try {
      if (tty) await pipeline(res, w);
      else await pipeline(res, new StdcopyDemuxer(w, w));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw e;
    }
    w.flushPartial();
  }
}
