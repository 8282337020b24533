// `berth logs` (docker/cli container/logs.go): inspect for the TTY setting, then GET …/logs,
// demultiplexed to stdout/stderr unless the container has a TTY.
import { pipeline } from 'node:stream/promises';
import { getTimestamp } from '../../common/filters.js';
import { demux } from '../../common/stdcopy.js';
import type { SpecCommand } from '../container/spec-command.js';
import { StatusError } from '../context.js';

function timestamp(flag: 'since' | 'until', v: string): string | undefined {
  if (v === '') return undefined;
  try {
    return getTimestamp(v, Date.now());
  } catch (e) {
    throw new StatusError(`invalid value for "${flag}": ${(e as Error).message}`, 1);
  }
}

export const logsCmd: SpecCommand = {
  name: 'logs',
  usage: '[OPTIONS] CONTAINER',
  description: 'Fetch the logs of a container',
  args: { exact: 1 },
  helpAliases: ['berth container logs', 'berth logs'],
  spec: {
    details: { type: 'bool', usage: 'Show extra details provided to logs' },
    follow: { type: 'bool', short: 'f', usage: 'Follow log output' },
    since: { type: 'string', usage: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
    tail: { type: 'string', short: 'n', default: 'all', usage: 'Number of lines to show from the end of the logs' },
    timestamps: { type: 'bool', short: 't', usage: 'Show timestamps' },
    until: { type: 'string', usage: 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
  },
  async run(ctx, o, [name]) {
    const c = await ctx.client.get<{ Id: string; Config: { Tty: boolean } }>(`/containers/${encodeURIComponent(name!)}/json`);
    const query = {
      stdout: true,
      stderr: true,
      since: timestamp('since', o.since),
      until: timestamp('until', o.until),
      timestamps: o.timestamps,
      follow: o.follow,
      tail: o.tail,
      details: o.details,
    };
    const res = await ctx.client.request('GET', `/containers/${c.Id}/logs`, { query });
    // Ctrl-C while following just ends the command, as docker's does.
    if (c.Config.Tty) await pipeline(res, ctx.out, { end: false });
    else await demux(res, ctx.out, ctx.err);
  },
};
