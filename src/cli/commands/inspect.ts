// `berth inspect`: any object by name or id — containers first, then images, networks, volumes and
// plugins, as docker's inspect does without --type; `-s` adds sizes for containers.
import { INSPECT_FORMAT_FLAG, type Command } from '../command.js';
import { printInspect } from '../format.js';
import { ApiError } from '../../client/client.js';
import { StatusError } from '../context.js';
import { notFound } from '../../common/errors.js';

const enc = encodeURIComponent;

/** docker's object types, in its --type error text. */
const ALL_TYPES = ['config', 'container', 'image', 'network', 'node', 'plugin', 'secret', 'service', 'task', 'volume'];

type Lookup = (name: string, size: boolean) => [string, Record<string, string | boolean | undefined>?];

const LOOKUPS: Record<string, Lookup> = {
  container: (n, size) => [`/containers/${enc(n)}/json`, { size }],
  image: (n) => [`/images/${enc(n)}/json`],
  network: (n) => [`/networks/${enc(n)}`],
  volume: (n) => [`/volumes/${enc(n)}`],
  plugin: (n) => [`/plugins/${enc(n)}/json`],
  node: (n) => [`/nodes/${enc(n)}`],
  service: (n) => [`/services/${enc(n)}`],
  task: (n) => [`/tasks/${enc(n)}`],
  config: (n) => [`/configs/${enc(n)}`],
  secret: (n) => [`/secrets/${enc(n)}`],
};

/** The order docker tries without --type (swarm objects only on a manager, which berth is not). */
const AUTODETECT = ['container', 'image', 'network', 'volume', 'plugin'];

/** Errors that mean "not this kind of object": docker's isErrSkippable. */
function skippable(e: unknown): boolean {
  if (!(e instanceof ApiError)) return false;
  return e.status === 404 || e.status === 501 || e.message.includes('not supported') || e.message.includes('invalid reference format');
}

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
    const type: string = o.type ?? '';
    if (type && !ALL_TYPES.includes(type)) {
      throw new StatusError(`unknown type: "${type}": must be one of ${ALL_TYPES.map((t) => `"${t}"`).join(', ')}`, 1);
    }
    return printInspect(ctx, args, o.format, async (name) => {
      if (type) {
        const [p, q] = LOOKUPS[type]!(name, Boolean(o.size));
        return ctx.client.get(p, q);
      }
      for (const kind of AUTODETECT) {
        const [p, q] = LOOKUPS[kind]!(name, Boolean(o.size));
        try {
          return await ctx.client.get(p, q);
        } catch (e) {
          if (!skippable(e)) throw e;
        }
      }
      throw notFound(`Error: No such object: ${name}`);
    }, 'any');
  },
};
