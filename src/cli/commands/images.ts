// The image commands: images/image ls, image inspect, tag, rmi, save, load, import, history, prune.
import { createReadStream, createWriteStream, existsSync, renameSync, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { encodeFilters, parseFilterFlag, Filters } from '../../common/filters.js';
import { familiarName, parseNormalizedNamed, parseTagTarget, fullName } from '../../image/reference.js';
import type { ImageSummary, HistoryItem } from '../../image/views.js';
import { FILTER_FLAG, FORMAT_FLAG, INSPECT_FORMAT_FLAG, type Command } from '../command.js';
import { StatusError } from '../context.js';
import { displayJsonMessages } from '../jsonmessage.js';
import { formatList, printInspect, createdSince, goTimeString } from '../format.js';
import { humanSize, humanSize4, truncateId } from '../units.js';
import { confirm } from '../prompt.js';
import { pullCmd, pushCmd } from './registry-client.js';

interface ImageRow { ID: string; Repository: string; Tag: string; Digest: string; CreatedSince: string; CreatedAt: string; Size: string; Containers: string; SharedSize: string; UniqueSize: string; VirtualSize: string }

function imageRows(images: ImageSummary[], noTrunc: boolean): ImageRow[] {
  const rows: ImageRow[] = [];
  for (const img of images) {
    const base = {
      ID: noTrunc ? img.Id : truncateId(img.Id),
      CreatedSince: createdSince(img.Created),
      CreatedAt: goTimeString(new Date(img.Created * 1000)),
      Size: humanSize(img.Size),
      Containers: img.Containers < 0 ? 'N/A' : String(img.Containers),
      SharedSize: img.SharedSize < 0 ? 'N/A' : humanSize(img.SharedSize),
      UniqueSize: img.SharedSize < 0 ? 'N/A' : humanSize(img.Size - img.SharedSize),
      VirtualSize: humanSize(img.Size),
    };
    const tags = new Map<string, string[]>();
    const digests = new Map<string, string[]>();
    for (const t of img.RepoTags ?? []) {
      if (t === '<none>:<none>') continue;
      const r = parseNormalizedNamed(t);
      const name = familiarName(r);
      if (r.tag) tags.set(name, [...(tags.get(name) ?? []), r.tag]);
    }
    for (const d of img.RepoDigests ?? []) {
      if (d === '<none>@<none>') continue;
      const r = parseNormalizedNamed(d);
      const name = familiarName(r);
      if (r.digest) digests.set(name, [...(digests.get(name) ?? []), r.digest]);
    }
    for (const [repo, ts] of [...tags].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const ds = digests.get(repo) ?? [];
      digests.delete(repo);
      for (const tag of ts.sort()) {
        if (ds.length === 0) rows.push({ ...base, Repository: repo, Tag: tag, Digest: '<none>' });
        else for (const d of ds) rows.push({ ...base, Repository: repo, Tag: tag, Digest: d });
      }
    }
    for (const [repo, ds] of digests) for (const d of ds) rows.push({ ...base, Repository: repo, Tag: '<none>', Digest: d });
    if (tags.size === 0 && (img.RepoDigests ?? []).filter((d) => d !== '<none>@<none>').length === 0) {
      rows.push({ ...base, Repository: '<none>', Tag: '<none>', Digest: '<none>' });
    }
  }
  return rows;
}

const IMAGE_HEADERS = { ID: 'IMAGE ID', Repository: 'REPOSITORY', Tag: 'TAG', Digest: 'DIGEST', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', Size: 'SIZE', Containers: 'CONTAINERS', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE', VirtualSize: 'VIRTUAL SIZE' };

function filtersFrom(values: string[] | undefined): Filters {
  let f = new Filters();
  for (const v of values ?? []) f = parseFilterFlag(v, f);
  return f;
}

export const imagesCmd: Command = {
  name: 'ls',
  aliases: ['list'],
  shortcut: 'images',
  usage: '[OPTIONS] [REPOSITORY[:TAG]]',
  description: 'List images',
  args: { max: 1 },
  flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Show all images (default hides intermediate images)' },
    { name: 'digests', type: 'bool', usage: 'Show digests' },
    FILTER_FLAG,
    FORMAT_FLAG(),
    { name: 'no-trunc', type: 'bool', usage: "Don't truncate output" },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Only show image IDs' },
    { name: 'tree', type: 'bool', usage: 'List multi-platform images as a tree (EXPERIMENTAL)', hidden: true },
  ],
  async run(ctx, o, args) {
    const f = filtersFrom(o.filter);
    if (args[0]) f.add('reference', args[0]);
    const images = await ctx.client.get<ImageSummary[]>('/images/json', { all: o.all, digests: o.digests, filters: encodeFilters(f) || undefined });
    const rows = imageRows(images, o['no-trunc']);
    // As docker/cli: -q replaces the default table, a custom --format still wins.
    const def = o.quiet ? '{{.ID}}'
      : o.digests ? 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}'
      : 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
    ctx.out.write(formatList(o.format || def, rows, IMAGE_HEADERS, def));
  },
};

export const imageInspectCmd: Command = {
  name: 'inspect',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  description: 'Display detailed information on one or more images',
  args: { min: 1 },
  flags: [
    INSPECT_FORMAT_FLAG,
    { name: 'platform', type: 'string', usage: 'Inspect a specific platform of the multi-platform image.', valueName: 'string' },
  ],
  async run(ctx, o, args) {
    return printInspect(ctx, args, o.format, async (name) => ctx.client.get(`/images/${encodeURIComponent(name)}/json`), 'image');
  },
};

export const tagCmd: Command = {
  name: 'tag',
  usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  description: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  args: { exact: 2 },
  async run(ctx, _o, [source, target]) {
    const ref = parseTagTarget(source, target);
    await ctx.client.request('POST', `/images/${encodeURIComponent(source)}/tag`, { query: { repo: fullName(ref), tag: ref.tag } }).then((r) => r.resume());
  },
};

export const rmiCmd: Command = {
  name: 'rm',
  aliases: ['remove'],
  shortcut: 'rmi',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  description: 'Remove one or more images',
  args: { min: 1 },
  flags: [
    { name: 'force', short: 'f', type: 'bool', usage: 'Force removal of the image' },
    { name: 'no-prune', type: 'bool', usage: 'Do not delete untagged parents' },
  ],
  async run(ctx, o, args) {
    const errors: string[] = [];
    for (const name of args) {
      try {
        const recs = await ctx.client.json<Array<{ Untagged?: string; Deleted?: string }>>('DELETE', `/images/${encodeURIComponent(name)}`, { query: { force: o.force, noprune: o['no-prune'] } });
        for (const r of recs) ctx.print(r.Untagged !== undefined ? `Untagged: ${r.Untagged}` : `Deleted: ${r.Deleted}`);
      } catch (e) {
        errors.push(errText(e));
      }
    }
    if (errors.length) throw new StatusError(errors.join('\n'), 1);
  },
};

export function errText(e: unknown): string {
  const m = (e as Error).message;
  return (e as { status?: number }).status !== undefined ? `Error response from daemon: ${m}` : m;
}

export const saveCmd: Command = {
  name: 'save',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  description: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
  args: { min: 1 },
  flags: [
    { name: 'output', short: 'o', type: 'string', usage: 'Write to a file, instead of STDOUT', valueName: 'string' },
    { name: 'platform', type: 'stringArray', usage: 'Save only the given platform(s).', valueName: 'stringArray' },
  ],
  async run(ctx, o, args) {
    if (!o.output && ctx.isTerminal()) throw new StatusError('cowardly refusing to save to a terminal. Use the -o flag or redirect', 1);
    const res = await ctx.client.request('GET', '/images/get', { query: { names: args } });
    if (o.output) {
      // Write beside the target and rename, so a failed save never leaves a truncated archive.
      const tmp = `${o.output}.berth-tmp-${process.pid}`;
      try {
        await pipeline(res, createWriteStream(tmp));
        renameSync(tmp, o.output);
      } catch (e) {
        rmSync(tmp, { force: true });
        throw new StatusError(`failed to save image: ${(e as Error).message}`, 1);
      }
    } else {
      await pipeline(res, ctx.out);
    }
  },
};

export const loadCmd: Command = {
  name: 'load',
  usage: '[OPTIONS]',
  description: 'Load an image from a tar archive or STDIN',
  args: { exact: 0 },
  flags: [
    { name: 'input', short: 'i', type: 'string', usage: 'Read from tar archive file, instead of STDIN', valueName: 'string' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Suppress the load output' },
    { name: 'platform', type: 'stringArray', usage: 'Load only the given platform(s).', valueName: 'stringArray' },
  ],
  async run(ctx, o) {
    if (!o.input && process.stdin.isTTY) throw new StatusError('requested load from stdin, but stdin is empty', 1);
    if (o.input && !existsSync(o.input)) throw new StatusError(`open ${o.input}: no such file or directory`, 1);
    const stream = o.input ? createReadStream(o.input, { highWaterMark: 1 << 20 }) : process.stdin;
    const res = await ctx.client.request('POST', '/images/load', { stream, query: { quiet: o.quiet || !ctx.isTerminal() }, headers: { 'Content-Type': 'application/x-tar' } });
    await displayJsonMessages(ctx.client, res, ctx.out);
  },
};

export const importCmd: Command = {
  name: 'import',
  usage: '[OPTIONS] file|URL|- [REPOSITORY[:TAG]]',
  description: 'Import the contents from a tarball to create a filesystem image',
  args: { min: 1, max: 2 },
  flags: [
    { name: 'change', short: 'c', type: 'stringArray', usage: 'Apply Dockerfile instruction to the created image', valueName: 'list' },
    { name: 'message', short: 'm', type: 'string', usage: 'Set commit message for imported image', valueName: 'string' },
    { name: 'platform', type: 'string', usage: 'Set platform if server is multi-platform capable', valueName: 'string' },
  ],
  async run(ctx, o, [src, repoTag]) {
    let repo: string | undefined;
    let tag: string | undefined;
    if (repoTag) {
      const ref = parseNormalizedNamed(repoTag);
      repo = fullName(ref);
      tag = ref.tag;
    }
    if (/^https?:\/\//.test(src)) throw new StatusError('importing from a URL is not supported by berth; download the file and import it', 1);
    const stream = src === '-' ? process.stdin : createReadStream(src, { highWaterMark: 1 << 20 });
    if (src !== '-' && !existsSync(src)) throw new StatusError(`open ${src}: no such file or directory`, 1);
    const res = await ctx.client.request('POST', '/images/create', {
      stream, headers: { 'Content-Type': 'application/x-tar' },
      query: { fromSrc: '-', repo, tag, message: o.message, changes: o.change ?? [], platform: o.platform },
    });
    await displayJsonMessages(ctx.client, res, ctx.out);
  },
};

export const historyCmd: Command = {
  name: 'history',
  usage: '[OPTIONS] IMAGE',
  description: 'Show the history of an image',
  args: { exact: 1 },
  flags: [
    FORMAT_FLAG(),
    { name: 'human', short: 'H', type: 'bool', default: true, usage: 'Print sizes and dates in human readable format' },
    { name: 'no-trunc', type: 'bool', usage: "Don't truncate output" },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Only show image IDs' },
    { name: 'platform', type: 'string', usage: 'Show history for the given platform.', valueName: 'string' },
  ],
  async run(ctx, o, [name]) {
    const items = await ctx.client.get<HistoryItem[]>(`/images/${encodeURIComponent(name)}/history`);
    const human = o.human !== false;
    const rows = items.map((h) => {
      const by = h.CreatedBy.replace(/\t/g, ' ');
      return {
        ID: o['no-trunc'] || h.Id === '<missing>' ? h.Id : truncateId(h.Id),
        CreatedSince: human ? createdSince(h.Created) : new Date(h.Created * 1000).toISOString().replace('.000Z', 'Z'),
        CreatedAt: goTimeString(new Date(h.Created * 1000)),
        CreatedBy: o['no-trunc'] ? by : ellipsis(by, 45),
        Size: human ? humanSize(h.Size) : String(h.Size),
        Comment: h.Comment,
      };
    });
    const def = 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
    const format = o.quiet ? '{{.ID}}' : o.format || def;
    ctx.out.write(formatList(format, rows, { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' }, def));
  },
};

function ellipsis(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : chars.slice(0, max - 1).join('') + '…';
}

export const imagePruneCmd: Command = {
  name: 'prune',
  usage: '[OPTIONS]',
  description: 'Remove unused images',
  args: { exact: 0 },
  flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Remove all unused images, not just dangling ones' },
    { name: 'filter', type: 'stringArray', usage: 'Provide filter values (e.g. "until=<timestamp>")', valueName: 'filter' },
    { name: 'force', short: 'f', type: 'bool', usage: 'Do not prompt for confirmation' },
  ],
  async run(ctx, o) {
    const f = filtersFrom(o.filter);
    f.add('dangling', o.all ? 'false' : 'true');
    const warning = o.all
      ? 'WARNING! This will remove all images without at least one container associated to them.'
      : 'WARNING! This will remove all dangling images.';
    if (!o.force && !(await confirm(ctx, `${warning}\nAre you sure you want to continue?`))) return;
    const rep = await ctx.client.json<{ ImagesDeleted: Array<{ Untagged?: string; Deleted?: string }> | null; SpaceReclaimed: number }>('POST', '/images/prune', { query: { filters: encodeFilters(f) } });
    if (rep.ImagesDeleted?.length) {
      ctx.print('Deleted Images:');
      for (const r of rep.ImagesDeleted) ctx.print(r.Untagged !== undefined ? `untagged: ${r.Untagged}` : `deleted: ${r.Deleted}`);
      ctx.print('');
    }
    ctx.print(`Total reclaimed space: ${humanSize4(rep.SpaceReclaimed)}`);
  },
};

export function imageCommands(): Command[] {
  return [imagesCmd, imageInspectCmd, tagCmd, rmiCmd, saveCmd, loadCmd, importCmd, historyCmd, imagePruneCmd, pullCmd, pushCmd];
}
