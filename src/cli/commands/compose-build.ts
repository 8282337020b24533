// compose build / pull / push, and the Builder `up --build` uses: the service's build context
// packed as `berth build` packs it (src/cli/build-context.ts) and sent to POST /build.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { IgnoreMatcher } from '../../builder/dockerignore.js';
import type { JsonMessage } from '../../client/client.js';
import type { Builder } from '../../compose/converge.js';
import { imageName } from '../../compose/convert.js';
import { ComposeError } from '../../compose/errors.js';
import { COMPOSE_VERSION, LABEL } from '../../compose/labels.js';
import type { Project, ServiceConfig } from '../../compose/model.js';
import { errnoText, isOutsideContext, keepBuildFiles, localContext, packContext, randomDockerfileName, readDockerignore } from '../build-context.js';
import type { Command } from '../command.js';
import type { CliContext } from '../context.js';
import { api, loadFromOpts, reporter } from './compose-project.js';

export function cliBuilder(ctx: CliContext, o: { quiet?: boolean; noCache?: boolean; pull?: boolean; buildArgs?: string[] } = {}): Builder {
  return {
    async build(project: Project, s: ServiceConfig, tag: string) {
      const b = s.build!;
      const rep = reporter(ctx, {});
      rep.event('Service', s.name, 'Building');
      let contextDir: string;
      let relDockerfile: string;
      let extra: Buffer | undefined;
      try {
        if (b.dockerfile_inline !== undefined) {
          ({ contextDir } = localContext(b.context, ''));
          relDockerfile = '';
          extra = Buffer.from(b.dockerfile_inline);
        } else {
          ({ contextDir, relDockerfile } = localContext(b.context, b.dockerfile ? resolve(b.context, b.dockerfile) : ''));
          if (isOutsideContext(relDockerfile)) extra = readFileSync(resolve(contextDir, relDockerfile));
        }
      } catch (e) {
        throw new ComposeError('Failed', `failed to solve: ${s.name}: ${errnoText(e)}`);
      }
      const excludes = readDockerignore(contextDir);
      const name = extra ? randomDockerfileName() : relDockerfile;
      const matcher = new IgnoreMatcher(keepBuildFiles(excludes, relDockerfile || name, Boolean(extra)));
      const tar = packContext(contextDir, matcher, extra ? { extraDockerfile: { name, content: extra } } : {});
      const args: Record<string, string> = {};
      for (const [k, v] of Object.entries(b.args ?? {})) {
        const val = v ?? project.environment[k];
        if (val !== undefined) args[k] = val;
      }
      for (const kv of o.buildArgs ?? []) {
        const i = kv.indexOf('=');
        if (i > 0) args[kv.slice(0, i)] = kv.slice(i + 1);
      }
      const labels = { ...(b.labels ?? {}), [LABEL.project]: project.name, [LABEL.service]: s.name, [LABEL.version]: COMPOSE_VERSION };
      const query: Record<string, string | boolean | string[] | undefined> = {
        t: [tag, ...(b.tags ?? [])], dockerfile: name, buildargs: JSON.stringify(args), labels: JSON.stringify(labels),
        target: b.target, networkmode: b.network, nocache: o.noCache || b.no_cache, pull: o.pull || b.pull,
        shmsize: b.shm_size !== undefined ? String(b.shm_size) : undefined, extrahosts: b.extra_hosts?.map((h) => h.replace('=', ':')).join(',') || undefined, rm: true,
      };
      const res = await ctx.client.request('POST', '/build', { query, headers: { 'Content-Type': 'application/x-tar' }, stream: tar });
      let failure: string | undefined;
      await ctx.client.jsonStream(res, (m: JsonMessage) => {
        if (m.error || m.errorDetail) failure ??= m.errorDetail?.message ?? m.error;
        else if (m.stream && !o.quiet) ctx.err.write(m.stream);
      });
      if (failure !== undefined) throw new ComposeError('Failed', `failed to solve: ${s.name}: ${failure}`);
      rep.event('Service', s.name, 'Built');
    },
  };
}

const buildCmd: Command = {
  name: 'build',
  usage: '[OPTIONS] [SERVICE...]',
  description: 'Build or rebuild services',
  flags: [
    { name: 'build-arg', type: 'stringArray', usage: 'Set build-time variables for services', valueName: 'stringArray' },
    { name: 'no-cache', type: 'bool', usage: 'Do not use cache when building the image' },
    { name: 'pull', type: 'bool', usage: 'Always attempt to pull a newer version of the image' },
    { name: 'quiet', short: 'q', type: 'bool', usage: "Don't print anything to STDOUT" },
  ],
  async run(ctx, o, names) {
    const project = loadFromOpts(ctx, o, names);
    const b = cliBuilder(ctx, { quiet: o.quiet, noCache: o['no-cache'], pull: o.pull, buildArgs: o['build-arg'] });
    const targets = Object.values(project.services).filter((s) => s.build && (!names.length || names.includes(s.name)));
    for (const s of targets) await b.build(project, s, imageName(project, s));
  },
};

const pullCmd: Command = {
  name: 'pull',
  usage: '[OPTIONS] [SERVICE...]',
  description: 'Pull service images',
  flags: [
    { name: 'ignore-pull-failures', type: 'bool', usage: 'Pull what it can and ignores images with pull failures' },
    { name: 'ignore-buildable', type: 'bool', usage: 'Ignore images that can be built' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Pull without printing progress information' },
  ],
  async run(ctx, o, names) {
    const project = loadFromOpts(ctx, o, names);
    const a = api(ctx);
    const rep = reporter(ctx, o);
    const targets = Object.values(project.services).filter((s) => s.image && (!names.length || names.includes(s.name)) && !(o['ignore-buildable'] && s.build));
    await Promise.all(targets.map(async (s) => {
      rep.event('Image', s.image!, 'Pulling');
      try {
        await a.pull(s.image!);
        rep.event('Image', s.image!, 'Pulled');
      } catch (e) {
        if (!o['ignore-pull-failures'] && !s.build) throw e;
        rep.warn(`${s.name}: ${(e as Error).message}`);
      }
    }));
  },
};

const pushCmd: Command = {
  name: 'push',
  usage: '[OPTIONS] [SERVICE...]',
  description: 'Push service images',
  flags: [
    { name: 'ignore-push-failures', type: 'bool', usage: 'Push what it can and ignores images with push failures' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Push without printing progress information' },
  ],
  async run(ctx, o, names) {
    const project = loadFromOpts(ctx, o, names);
    const a = api(ctx);
    const rep = reporter(ctx, o);
    for (const s of Object.values(project.services)) {
      if (!s.image || (names.length && !names.includes(s.name))) continue;
      rep.event('Image', s.image, 'Pushing');
      try {
        await a.push(s.image);
        rep.event('Image', s.image, 'Pushed');
      } catch (e) {
        if (!o['ignore-push-failures']) throw e;
        rep.warn(`${s.name}: ${(e as Error).message}`);
      }
    }
  },
};

export function composeBuildCommands(): Command[] {
  return [buildCmd, pullCmd, pushCmd];
}
