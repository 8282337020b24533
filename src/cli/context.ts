// What every command gets: the daemon client (created on first use), output streams, and
// Docker's conventions for errors and exit codes.
import { EngineClient, resolveSocket } from '../client/client.js';

export class CliContext {
  private _client?: EngineClient;
  constructor(readonly host: string | undefined, readonly out = process.stdout, readonly err = process.stderr) {}

  get client(): EngineClient {
    this._client ??= new EngineClient(resolveSocket(this.host));
    return this._client;
  }

  print(s: string): void {
    this.out.write(s.endsWith('\n') ? s : s + '\n');
  }

  isTerminal(): boolean {
    return Boolean(this.out.isTTY);
  }
}

/** An error the CLI prints as-is, with its exit status (Docker's cli.StatusError). */
export class StatusError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}
