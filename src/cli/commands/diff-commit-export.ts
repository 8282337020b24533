// `berth diff`, `berth commit` and `berth export` (docker/cli cli/command/container diff.go,
// commit.go, export.go).
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { validateOutputPath } from '../../container/archive-copy.js';
import { goDir } from '../../container/archive-paths.js';
import type { Change } from '../../container/changes.js';
import { familiarName, parseNormalizedNamed, tagNameOnly } from '../../image/reference.js';
import type { SpecCommand } from '../container/spec-command.js';
import { StatusError } from '../context.js';

const enc = encodeURIComponent;
const KIND = ['C', 'A', 'D'];

export const diffCmd: SpecCommand = {
  name: 'diff',
  usage: 'CONTAINER',
  description: "Inspect changes to files or directories on a container's filesystem",
  args: { exact: 1 },
  helpAliases: ['berth container diff', 'berth diff'],
  spec: {},
  async run(ctx, _o, [name]) {
    const changes = await ctx.client.get<Change[] | null>(`/containers/${enc(name!)}/changes`);
    let text = '';
    for (const c of changes ?? []) text += `${KIND[c.Kind] ?? '?'} ${c.Path}\n`;
    ctx.out.write(text);
  },
};

export const commitCmd: SpecCommand = {
  name: 'commit',
  usage: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
  description: "Create a new image from a container's changes",
  args: { min: 1, max: 2 },
  helpAliases: ['berth container commit', 'berth commit'],
  spec: {
    author: { type: 'string', short: 'a', usage: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' },
    change: { type: 'stringArray', short: 'c', typeName: 'list', usage: 'Apply Dockerfile instruction to the created image' },
    message: { type: 'string', short: 'm', usage: 'Commit message' },
    pause: { type: 'bool', short: 'p', default: true, usage: 'Pause container during commit' },
  },
  async run(ctx, o, [container, reference]) {
    // The client's ContainerCommit: the reference split into repository and tag.
    let repo = '';
    let tag = '';
    if (reference) {
      let ref = parseNormalizedNamed(reference);
      if (ref.digest) throw new StatusError('refusing to create a tag with a digest reference', 1);
      ref = tagNameOnly(ref);
      tag = ref.tag ?? '';
      repo = familiarName(ref);
    }
    const res = await ctx.client.json<{ Id: string }>('POST', '/commit', {
      query: {
        container: container!, repo, tag, comment: o.message ?? '', author: o.author ?? '', changes: o.change ?? [],
        pause: o.pause === false ? '0' : undefined,
      },
    });
    ctx.print(res.Id);
  },
};

export const exportCmd: SpecCommand = {
  name: 'export',
  usage: '[OPTIONS] CONTAINER',
  description: "Export a container's filesystem as a tar archive",
  args: { exact: 1 },
  helpAliases: ['berth container export', 'berth export'],
  spec: {
    output: { type: 'string', short: 'o', usage: 'Write to a file, instead of STDOUT' },
  },
  async run(ctx, o, [container]) {
    const output: string = o.output ?? '';
    if (!output && ctx.isTerminal()) throw new StatusError('cowardly refusing to save to a terminal. Use the -o flag or redirect', 1);
    try {
      validateOutputPath(output);
    } catch (e) {
      throw new StatusError(`failed to export container: ${(e as Error).message}`, 1);
    }
    const res = await ctx.client.request('GET', `/containers/${enc(container!)}/export`);
    if (!output) {
      await pipeline(res, ctx.out);
      return;
    }
    // command.CopyToFile: a temporary file beside the target, renamed when complete.
    const tmp = join(goDir(output), `.docker_temp_${randomBytes(6).toString('hex')}`);
    try {
      await pipeline(res, createWriteStream(tmp, { mode: 0o600 }));
      renameSync(tmp, output);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  },
};

