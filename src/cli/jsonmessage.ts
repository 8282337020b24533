// Renders Docker's JSON message stream (load, import, later pull/push/build) as the docker CLI
// does: `stream` text verbatim, `id: status progress` lines, and an in-band error → exit 1.
import type { IncomingMessage } from 'node:http';
import type { EngineClient, JsonMessage } from '../client/client.js';
import { StatusError } from './context.js';

export async function displayJsonMessages(client: EngineClient, res: IncomingMessage, out: NodeJS.WriteStream, opts: { onAux?: (aux: Record<string, unknown>) => void } = {}): Promise<void> {
  let error: string | undefined;
  const tty = Boolean(out.isTTY);
  await client.jsonStream(res, (m: JsonMessage) => {
    if (m.errorDetail || m.error) {
      error = m.errorDetail?.message ?? m.error;
      return;
    }
    if (m.aux) { opts.onAux?.(m.aux); return; }
    if (m.stream !== undefined) { out.write(m.stream); return; }
    if (m.status !== undefined) {
      // Progress updates are only worth showing on a terminal; plain output keeps final states.
      if (m.progressDetail && m.progressDetail.total && !tty) return;
      const prefix = m.id ? `${m.id}: ` : '';
      out.write(`${prefix}${m.status}${m.progress ? ' ' + m.progress : ''}\n`);
    }
  });
  if (error !== undefined) throw new StatusError(error, 1);
}
