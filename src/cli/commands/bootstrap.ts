import { busyboxArchive } from '../bootstrap.js';
import type { Command } from '../command.js';
import { StatusError } from '../context.js';
import { displayJsonMessages } from '../jsonmessage.js';
import { familiarString, parseNormalizedNamed, tagNameOnly, familiarName } from '../../image/reference.js';

export const bootstrapCmd: Command = {
  name: 'bootstrap',
  usage: 'busybox[:TAG]',
  description: "Create a base image offline from the host's static busybox",
  args: { exact: 1 },
  async run(ctx, _o, [name]) {
    const ref = tagNameOnly(parseNormalizedNamed(name));
    if (familiarName(ref).split('/').pop() !== 'busybox') {
      throw new StatusError(`berth bootstrap makes only busybox images (got ${JSON.stringify(name)})`, 125);
    }
    const archive = await busyboxArchive(familiarString(ref));
    const res = await ctx.client.request('POST', '/images/load', { body: archive, query: { quiet: true }, headers: { 'Content-Type': 'application/x-tar' } });
    await displayJsonMessages(ctx.client, res, ctx.out);
  },
};
