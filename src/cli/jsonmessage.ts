// Renders Docker's JSON message stream (pull, push, load, import, build) as docker/cli's
// jsonmessage.DisplayJSONMessagesStream does. On a terminal every message with an id and a
// progressDetail owns one line, rewritten in place (cursor up, erase line, `id: Status [===>  ] 3MB/8MB`,
// cursor down); any other message ends that group. Elsewhere progress updates are dropped and
// only state changes (`id: Pull complete`) are printed, one per line. `stream` text goes out
// verbatim, `aux` goes to the caller, and an in-band error stops the display: exit status 1.
import type { IncomingMessage } from 'node:http';
import type { EngineClient, JsonMessage } from '../client/client.js';
import { progressString, type ProgressDetail } from '../distribution/progress.js';
import { StatusError } from './context.js';

const ESC = '\x1b[';
const cursorUp = (n: number) => (n > 0 ? `${ESC}${n}A` : '');
const cursorDown = (n: number) => (n > 0 ? `${ESC}${n}B` : '');
const CLEAR_LINE = `${ESC}2K`;

interface Message extends JsonMessage {
  progressDetail?: ProgressDetail;
}

/** Incremental renderer, so the same logic serves the stream reader and tests. */
export class JsonMessageRenderer {
  private ids = new Map<string, number>();

  constructor(private readonly write: (s: string) => void, private readonly terminal: boolean, private readonly width = 200) {}

  /** Renders one message; returns the error text when the message is an error. */
  render(m: Message): string | undefined {
    if (m.errorDetail || m.error) return m.errorDetail?.message ?? m.error ?? '';
    const hasProgress = m.progressDetail !== undefined && m.progressDetail !== null;
    let diff = 0;
    if (m.id && hasProgress) {
      let line = this.ids.get(m.id);
      if (line === undefined) {
        line = this.ids.size;
        this.ids.set(m.id, line);
        if (this.terminal) this.write('\n');
      }
      diff = this.ids.size - line;
      if (this.terminal) this.write(cursorUp(diff));
    } else {
      // Anything that is not a progress line ends the group whose lines were being rewritten.
      this.ids = new Map();
    }
    this.display(m, hasProgress);
    if (m.id && this.terminal) this.write(cursorDown(diff));
    return undefined;
  }

  private display(m: Message, hasProgress: boolean): void {
    const bar = hasProgress ? progressString(m.progressDetail!, this.width) : '';
    let endl = '';
    if (this.terminal && m.stream === undefined && hasProgress) {
      endl = '\r';
      this.write(CLEAR_LINE + endl);
    } else if (hasProgress && bar !== '') {
      return; // no progress bars off a terminal
    }
    let s = m.id ? `${m.id}: ` : '';
    if (hasProgress && this.terminal) s += `${m.status ?? ''} ${bar}${endl}`;
    else if (m.progress) s += `${m.status ?? ''} ${m.progress}${endl}`;
    else if (m.stream !== undefined) s += `${m.stream}${endl}`;
    else s += `${m.status ?? ''}${endl}\n`;
    this.write(s);
  }
}

export async function displayJsonMessages(client: EngineClient, res: IncomingMessage, out: NodeJS.WriteStream, opts: { onAux?: (aux: Record<string, unknown>) => void } = {}): Promise<void> {
  const terminal = Boolean(out.isTTY);
  const r = new JsonMessageRenderer((s) => out.write(s), terminal, terminal ? out.columns || 80 : 200);
  let error: string | undefined;
  await client.jsonStream(res, (m: JsonMessage) => {
    if (error !== undefined) return;
    if (m.aux) { opts.onAux?.(m.aux); return; }
    error = r.render(m as Message);
  });
  if (error !== undefined) throw new StatusError(error, 1);
}
