// `berth inspect`: any object by name or id (images now; containers, networks, volumes as they land).
import { INSPECT_FORMAT_FLAG, type Command } from '../command.js';
import { printInspect } from '../format.js';
import { ApiError } from '../../client/client.js';
import { StatusError } from '../context.js';
import { notFound } from '../../common/errors.js';

export const inspectCmd: Command = {
  name: 'inspect',
  usage: '[OPTIONS] NAME|ID [NAME|ID...]',
  description: 'Return low-level information on berth objects',
  args: { min: 1 },
  flags: [
    INSPECT_FORMAT_FLAG,
    { name: 'size', short: 's', type: 'bool', usage: 'Display total file sizes if the type is container' },
    { name: 'type', type: 'string', usage: 'Only inspect objects of the given type', valueName: 'string' },
  ],
  async run(ctx, o, args) {
    const kinds: Array<[string, (n: string) => string]> = [['image', (n) => `/images/${encodeURIComponent(n)}/json`]];
    if (o.type && !kinds.some(([k]) => k === o.type)) {
      throw new StatusError(`"${o.type}" is not a valid value for --type`, 1);
    }
    return printInspect(ctx, args, o.format, async (name) => {
      for (const [kind, path] of kinds) {
        if (o.type && o.type !== kind) continue;
        try {
          return await ctx.client.get(path(name));
        } catch (e) {
          if (!(e instanceof ApiError && e.status === 404)) throw e;
        }
      }
      throw notFound(`Error: No such object: ${name}`);
    }, 'any');
  },
};
