// The build: a Dockerfile's stages evaluated as Docker's classic builder does — an image per
// instruction, a layer for each one that changes the filesystem, a cache probe before each step —
// with BuildKit's improvements: stages that do not depend on each other run concurrently, and
// stages the target does not need are skipped.
import { randomBytes } from 'node:crypto';
import { invalidParameter } from '../common/errors.js';
import type { BaseImage, BuildBackend } from './backend.js';
import { BuildCache } from './cache.js';
import type { BuildContext } from './context.js';
import { parseDockerfile } from './parser.js';
import { parseStages, type Instruction, type Stage } from './instructions.js';
import { mountFromRef } from './run-mounts.js';
import { ShellLex } from './shell-lex.js';
import { StageRun, type StageEnv } from './stage.js';
import { OutputSequencer } from './output.js';

export interface BuildRequest {
  context: BuildContext;
  dockerfile: string;
  tags: string[];
  buildArgs: Record<string, string | null>;
  target?: string;
  noCache: boolean;
  labels: Record<string, string>;
  pull: boolean;
  quiet: boolean;
  platform?: string;
  networkMode: string;
  extraHosts: string[];
  shmSize?: number;
}

export interface BuildOutput {
  stream(text: string): void;
  aux(value: unknown): void;
}

/** Build args Docker passes to RUN without an ARG, and keeps out of the history. */
export const PROXY_ARGS = new Set(['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy']);

export class Builder {
  constructor(private readonly backend: BuildBackend, readonly cache: BuildCache) {}

  /** builder prune's share for RUN --mount=type=cache: every cache directory no step is using. */
  pruneCacheMounts(): { deleted: string[]; reclaimed: number } {
    return this.backend.cacheMounts().prune();
  }

  /** Runs a build; the final image id. Errors before any output are thrown as they are. */
  async build(req: BuildRequest, out: BuildOutput, signal?: AbortSignal): Promise<string> {
    const text = req.context.dockerfileText(req.dockerfile);
    const parsed = parseDockerfile(text);
    const { metaArgs, stages } = parseStages(parsed.nodes);
    if (stages.length === 0) throw invalidParameter('file with no instructions');
    const lex = new ShellLex(parsed.escapeToken);
    const tags = req.tags;

    // Meta ARGs (before the first FROM) are visible to FROM lines, overridable by --build-arg.
    const meta = new Map<string, string | undefined>(platformArgs(req.platform));
    const used = new Set<string>();
    for (const a of metaArgs) {
      for (const { key, value } of a.args) {
        const v = value === undefined ? undefined : lex.processWord(value, (n) => meta.get(n));
        const override = req.buildArgs[key];
        if (override !== undefined && override !== null) used.add(key);
        meta.set(key, override !== undefined && override !== null ? override : v);
      }
    }
    const metaLookup = (n: string) => meta.get(n);

    let targetIx = stages.length - 1;
    if (req.target) {
      const t = req.target.toLowerCase();
      targetIx = stages.findIndex((s) => s.name === t);
      if (targetIx < 0) throw invalidParameter(`failed to reach build target ${req.target} in Dockerfile`);
    }
    const stagesToRun = stages.slice(0, targetIx + 1).map((s) => ({ ...s, instructions: [...s.instructions] }));
    // --label: one LABEL step per label, sorted, at the end of the target stage (moby's buildLabelOptions).
    for (const key of Object.keys(req.labels).sort()) {
      const value = req.labels[key]!;
      stagesToRun[targetIx]!.instructions.push({ kind: 'label', line: 0, original: `LABEL ${key}=${value}`, pairs: [{ key, value }], literal: true } as Instruction);
    }
    const needed = neededStages(stagesToRun, targetIx, lex, metaLookup);

    // Step numbering as the classic builder prints it: meta ARGs, then each stage's FROM and instructions.
    let total = metaArgs.length;
    for (const i of needed) total += 1 + stagesToRun[i]!.instructions.length;
    const seq = new OutputSequencer(out, req.quiet);
    let stepNo = 0;
    const metaOut = seq.channel(-1);
    if (parsed.warnings.length) metaOut.write(`\x1b[91m${parsed.warnings.join('\n')}\n\x1b[0m`);
    for (const a of metaArgs) metaOut.write(`Step ${++stepNo}/${total} : ${a.original}\n`);
    metaOut.done();

    const env: StageEnv = {
      backend: this.backend, cache: this.cache, req, lex, meta, usedArgs: used, signal,
      stageNames: stagesToRun.map((s) => s.name),
      results: new Map(),
    };
    const firstStep = new Map<number, number>();
    for (const i of needed) {
      firstStep.set(i, stepNo + 1);
      stepNo += 1 + stagesToRun[i]!.instructions.length;
    }
    const abort = new AbortController();
    signal?.addEventListener('abort', () => abort.abort(), { once: true });
    env.signal = abort.signal;
    const runs = new Map<number, Promise<BaseImage | null>>();
    env.results = runs;
    for (const i of needed) {
      const stage = stagesToRun[i]!;
      const run = new StageRun(env, stage, i, seq.channel(i), firstStep.get(i)!, total);
      runs.set(i, run.run().catch((e) => { abort.abort(); throw e; }));
    }
    let final: BaseImage | null;
    try {
      const settled = await Promise.allSettled([...runs.values()]);
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw firstRealError(settled) ?? failed.reason;
      final = await runs.get(targetIx)!;
    } catch (e) {
      seq.failed();
      throw e;
    } finally {
      await this.cache.save();
    }
    if (!final) throw invalidParameter('No image was generated. Is your Dockerfile empty?');

    const unused = Object.keys(req.buildArgs).filter((k) => !used.has(k) && !PROXY_ARGS.has(k)).sort();
    const tail = seq.channel(stagesToRun.length + 1);
    if (unused.length) tail.write(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
    out.aux({ ID: final.id });
    tail.write(`Successfully built ${final.id.replace(/^sha256:/, '').slice(0, 12)}\n`);
    const tagged = tags.length ? await this.backend.tag(final.id, tags) : [];
    for (const t of tagged) tail.write(`Successfully tagged ${t}\n`);
    tail.done();
    seq.finish(final.id);
    return final.id;
  }
}

/**
 * BuildKit's automatic platform ARGs (BUILDPLATFORM, TARGETARCH, …), so `FROM --platform=$BUILDPLATFORM`
 * and `ARG TARGETARCH` work; berth builds for the host, or for --platform where the base exists.
 */
export function platformArgs(platform: string | undefined): Array<[string, string]> {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : process.arch;
  const build = ['linux', arch, ''] as const;
  const [tos, tarch, tvariant] = platform ? [...platform.toLowerCase().split('/'), '', ''] : build;
  const join = (os: string, a: string, v: string) => `${os}/${a}${v ? `/${v}` : ''}`;
  return [
    ['BUILDPLATFORM', join(...build)], ['BUILDOS', build[0]], ['BUILDARCH', build[1]], ['BUILDVARIANT', ''],
    ['TARGETPLATFORM', join(tos!, tarch!, tvariant!)], ['TARGETOS', tos!], ['TARGETARCH', tarch!], ['TARGETVARIANT', tvariant!],
  ];
}

/** The error that caused an abort, rather than the aborts it caused in other stages. */
function firstRealError(settled: PromiseSettledResult<unknown>[]): unknown {
  for (const s of settled) if (s.status === 'rejected' && !(s.reason instanceof Error && s.reason.name === 'AbortError')) return s.reason;
  return undefined;
}

/**
 * The stages the target needs: its FROM chain and COPY --from sources, found statically. A
 * --from that only a stage's own ARGs could resolve makes every earlier stage needed.
 */
export function neededStages(stages: Stage[], targetIx: number, lex: ShellLex, meta: (n: string) => string | undefined): number[] {
  const byName = new Map<string, number>();
  stages.forEach((s, i) => { if (s.name) byName.set(s.name, i); });
  const needed = new Set<number>();
  const visit = (i: number) => {
    if (needed.has(i)) return;
    needed.add(i);
    const s = stages[i]!;
    const deps: number[] = [];
    const ref = (name: string, self: number) => {
      const byN = byName.get(name.toLowerCase());
      if (byN !== undefined && byN < self) deps.push(byN);
      else if (/^\d+$/.test(name) && Number(name) < self) deps.push(Number(name));
    };
    let image = s.image;
    try { image = lex.processWord(s.image, meta); } catch { /* reported when the stage runs */ }
    ref(image, i);
    for (const ins of s.instructions) {
      if ((ins.kind === 'copy' || ins.kind === 'add') && ins.from) {
        if (ins.from.includes('$')) for (let j = 0; j < i; j++) deps.push(j);
        else ref(ins.from, i);
      }
      // RUN --mount from= never expands (the parser refuses a variable there).
      if (ins.kind === 'run') {
        for (const raw of ins.mounts) {
          const from = mountFromRef(raw);
          if (from) ref(from, i);
        }
      }
    }
    for (const d of deps) visit(d);
  };
  visit(targetIx);
  return [...needed].sort((a, b) => a - b);
}

export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}
