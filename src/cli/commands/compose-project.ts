// What every compose subcommand needs: the project (from the global options), the API, the
// progress reporter, and the project name alone for commands that work without the files.
import { ComposeApi } from '../../compose/api.js';
import type { Reporter } from '../../compose/converge.js';
import { ComposeError } from '../../compose/errors.js';
import type { Project } from '../../compose/model.js';
import { checkProjectName, loadProject } from '../../compose/project.js';
import type { Opts } from '../command.js';
import type { CliContext } from '../context.js';

const g = (o: Opts, name: string) => o[`global:${name}`];

export function warn(ctx: CliContext, msg: string): void {
  ctx.err.write(`WARN[0000] ${msg}\n`);
}

export function loadFromOpts(ctx: CliContext, o: Opts, services?: string[], extra: { interpolate?: boolean } = {}): Project {
  return loadProject({
    files: g(o, 'file') ?? [],
    projectName: g(o, 'project-name') || undefined,
    projectDir: g(o, 'project-directory') || undefined,
    envFiles: g(o, 'env-file') ?? [],
    profiles: g(o, 'profile') ?? [],
    services,
    interpolate: extra.interpolate,
    onWarning: (m) => warn(ctx, m),
  });
}

/**
 * The project, or — for commands that can work from labels alone (down, ps, logs, stop…) with
 * `-p` given and no compose file around — an empty model with that name.
 */
export function projectOrName(ctx: CliContext, o: Opts): Project {
  try {
    return loadFromOpts(ctx, o);
  } catch (e) {
    const name = g(o, 'project-name');
    if (e instanceof ComposeError && e.code === 'NotFound' && name && !(g(o, 'file') ?? []).length) {
      return { name: checkProjectName(name), workingDir: process.cwd(), configFiles: [], environment: {}, services: {}, disabled: {}, networks: {}, volumes: {} };
    }
    throw e;
  }
}

export function api(ctx: CliContext): ComposeApi {
  return new ComposeApi(ctx.client);
}

/** Progress as compose's plain mode: ` Container p-web-1  Started` on stderr. */
export function reporter(ctx: CliContext, o: Opts): Reporter {
  const quiet = g(o, 'progress') === 'quiet';
  return {
    event(kind, name, status) {
      if (!quiet) ctx.err.write(` ${kind} ${name}  ${status}\n`);
    },
    warn(msg) {
      warn(ctx, msg);
    },
  };
}

export function colorOn(ctx: CliContext, o: Opts): boolean {
  const ansi = g(o, 'ansi');
  if (ansi === 'never' || o['no-color']) return false;
  if (ansi === 'always') return true;
  return Boolean(ctx.out.isTTY) && !process.env.NO_COLOR;
}
