// One stage of a build: FROM, then each instruction, as moby's classic builder dispatches them.
// Every instruction yields an image; its cache key is the parent image and the config the step
// produces (moby's ImageProber compares the same two), with source content hashes for COPY/ADD.
import { randomBytes } from 'node:crypto';
import { cleanAbsPath } from '../common/clean-path.js';
import { invalidParameter, isBerthError, systemError } from '../common/errors.js';
import type { BaseImage, BuildBackend, BuildImageConfig, RunConfig, StepLayer, Workspace } from './backend.js';
import type { BuildCache } from './cache.js';
import { cacheKey } from './cache.js';
import type { BuildRequest } from './builder.js';
import { PROXY_ARGS } from './builder.js';
import { copyStep, type CopyHost } from './copy-step.js';
import { goQuoteHealthcheck, goQuoteList } from './go-format.js';
import { expandInstruction, parseInstruction, type Instruction, type Stage } from './instructions.js';
import type { OutputChannel } from './output.js';
import { parseDockerfile } from './parser.js';
import type { ShellLex } from './shell-lex.js';
import { mkdirAllInRoot } from './copy.js';
import { planRunMounts } from './run-mount-setup.js';

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const DEFAULT_SHELL = ['/bin/sh', '-c'];

/** What every stage of one build shares. */
export interface StageEnv {
  backend: BuildBackend;
  cache: BuildCache;
  req: BuildRequest;
  lex: ShellLex;
  meta: Map<string, string | undefined>;
  usedArgs: Set<string>;
  signal?: AbortSignal;
  stageNames: Array<string | undefined>;
  results: Map<number, Promise<BaseImage | null>>;
}

export class StageRun {
  private image: BaseImage | null = null;
  private runConfig: RunConfig = {};
  private author?: string;
  private os = 'linux';
  private arch = 'amd64';
  private variant?: string;
  /** ARGs this stage declared, with their values. */
  private readonly args = new Map<string, string | undefined>();
  private cmdSet = false;
  private step: number;

  constructor(
    private readonly env: StageEnv,
    private readonly stage: Stage,
    private readonly index: number,
    private readonly out: OutputChannel,
    firstStep: number,
    private readonly total: number,
  ) {
    this.step = firstStep;
  }

  async run(): Promise<BaseImage | null> {
    try {
      this.printStep(this.stage.original);
      await this.from();
      for (const ins of this.stage.instructions) {
        this.env.signal?.throwIfAborted();
        this.printStep(ins.original);
        await this.dispatch(ins);
      }
      return this.image;
    } finally {
      this.out.done();
    }
  }

  private printStep(text: string): void {
    this.out.write(`Step ${this.step++}/${this.total} : ${text}\n`);
  }

  // ---- variables -------------------------------------------------------------------------

  /** ENV wins over ARG, as in moby's FilterAllowed. */
  private lookup = (name: string): string | undefined => {
    const e = envValue(this.runConfig.Env, name);
    if (e !== undefined) return e;
    return this.args.get(name);
  };

  /** Build args in effect for RUN: declared ARGs with values, and proxy args given with --build-arg. */
  private buildArgsForRun(): Array<[string, string]> {
    const envKeys = new Set((this.runConfig.Env ?? []).map((e) => e.split('=', 1)[0]!));
    const out = new Map<string, string>();
    for (const [k, v] of this.args) if (v !== undefined && !envKeys.has(k)) out.set(k, v);
    for (const k of PROXY_ARGS) {
      const v = this.env.req.buildArgs[k];
      if (v !== undefined && v !== null && !envKeys.has(k) && !out.has(k)) out.set(k, v);
    }
    return [...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  // ---- FROM ------------------------------------------------------------------------------

  private async from(): Promise<void> {
    const name = this.env.lex.processWord(this.stage.image, (n) => this.env.meta.get(n));
    if (name === '') throw invalidParameter(`base name (${this.stage.image}) should not be blank`);
    const lower = name.toLowerCase();
    const stageIx = this.env.stageNames.findIndex((s, i) => i < this.index && s === lower);
    let base: BaseImage | null;
    if (stageIx >= 0) {
      base = await this.stageResult(stageIx);
    } else if (lower === 'scratch') {
      base = null;
    } else {
      base = await this.resolveImage(name);
    }
    this.image = base;
    if (base) {
      if (!base.config.config?.OnBuild?.length) this.out.write(` ---> ${short(base.id)}\n`);
      this.runConfig = structuredClone(base.config.config ?? {});
      this.os = base.config.os || 'linux';
      this.arch = base.config.architecture || 'amd64';
      this.variant = base.config.variant;
      this.author = base.config.author;
    } else {
      this.arch = hostArch();
    }
    if (!this.runConfig.Env?.some((e) => e.startsWith('PATH='))) this.runConfig.Env = [...(this.runConfig.Env ?? []), DEFAULT_PATH];
    this.runConfig.OpenStdin = false;
    this.runConfig.StdinOnce = false;
    const triggers = this.runConfig.OnBuild ?? [];
    if (triggers.length) {
      this.runConfig.OnBuild = null;
      this.out.write(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}\n`);
      for (const t of triggers) {
        const nodes = parseDockerfile(t).nodes;
        for (const n of nodes) await this.dispatch(parseInstruction(n));
      }
    }
  }

  private async stageResult(ix: number): Promise<BaseImage | null> {
    const p = this.env.results.get(ix);
    if (!p) throw systemError(`stage ${ix} was not built`);
    return p;
  }

  private async resolveImage(name: string): Promise<BaseImage> {
    const { backend, req } = this.env;
    const local = req.pull ? undefined : backend.getImage(name);
    if (local) return local;
    try {
      return await backend.pullImage(name, req.platform, (line) => this.out.write(line + '\n'));
    } catch (e) {
      const fallback = backend.getImage(name);
      if (fallback && req.pull) return fallback;
      throw e;
    }
  }

  // ---- dispatch --------------------------------------------------------------------------

  private async dispatch(raw: Instruction): Promise<void> {
    const literal = (raw as { literal?: boolean }).literal === true;
    const ins = literal ? raw : expandInstruction(raw, this.env.lex, this.lookup);
    const rc = this.runConfig;
    switch (ins.kind) {
      case 'env': {
        const env = [...(rc.Env ?? [])];
        const parts: string[] = [];
        for (const { key, value } of ins.pairs) {
          const kv = `${key}=${value}`;
          const i = env.findIndex((e) => e.split('=', 1)[0] === key);
          if (i >= 0) env[i] = kv; else env.push(kv);
          parts.push(kv);
        }
        rc.Env = env;
        return this.commitMeta(`ENV ${parts.join(' ')}`);
      }
      case 'label': {
        rc.Labels = { ...(rc.Labels ?? {}) };
        const parts: string[] = [];
        for (const { key, value } of ins.pairs) {
          rc.Labels[key] = value;
          parts.push(`${key}=${value}`);
        }
        return this.commitMeta(`LABEL ${parts.join(' ')}`);
      }
      case 'maintainer':
        this.author = ins.maintainer;
        return this.commitMeta(`MAINTAINER ${ins.maintainer}`);
      case 'arg': {
        const parts: string[] = [];
        for (const { key, value } of ins.args) {
          const override = this.env.req.buildArgs[key];
          let v: string | undefined = value;
          if (override !== undefined && override !== null) { v = override; this.env.usedArgs.add(key); }
          else if (value === undefined && this.env.meta.has(key)) v = this.env.meta.get(key);
          this.args.set(key, v);
          parts.push(value === undefined ? key : `${key}=${value}`);
        }
        return this.commitMeta(`ARG ${parts.join(' ')}`);
      }
      case 'expose': {
        rc.ExposedPorts = { ...(rc.ExposedPorts ?? {}) };
        for (const p of ins.ports) for (const k of exposedPortKeys(p)) rc.ExposedPorts[k] = {};
        return this.commitMeta(`EXPOSE ${ins.ports.join(' ')}`);
      }
      case 'user':
        rc.User = ins.user;
        return this.commitMeta(`USER ${ins.user}`);
      case 'volume': {
        rc.Volumes = { ...(rc.Volumes ?? {}) };
        for (const v of ins.volumes) {
          if (v.trim() === '') throw invalidParameter('VOLUME specified can not be an empty string');
          rc.Volumes[v] = {};
        }
        return this.commitMeta(`VOLUME [${ins.volumes.join(' ')}]`);
      }
      case 'stopsignal':
        validateSignal(ins.signal);
        rc.StopSignal = ins.signal;
        return this.commitMeta(`STOPSIGNAL ${ins.signal}`);
      case 'onbuild':
        rc.OnBuild = [...(rc.OnBuild ?? []), ins.expression];
        return this.commitMeta(`ONBUILD ${ins.expression}`);
      case 'shell':
        rc.Shell = [...ins.shell];
        return this.commitMeta(`SHELL [${ins.shell.join(' ')}]`);
      case 'cmd':
        rc.Cmd = ins.prependShell ? [...this.shell(), ...ins.cmd] : [...ins.cmd];
        this.cmdSet = true;
        return this.commitMeta(`CMD ${goQuoteList(rc.Cmd)}`);
      case 'entrypoint':
        rc.Entrypoint = ins.prependShell ? [...this.shell(), ...ins.cmd] : [...ins.cmd];
        if (!this.cmdSet) rc.Cmd = null;
        return this.commitMeta(`ENTRYPOINT ${goQuoteList(rc.Entrypoint)}`);
      case 'healthcheck': {
        const prev = rc.Healthcheck;
        if (prev?.Test?.length && prev.Test[0] !== 'NONE') this.out.write(`Note: overriding previous HEALTHCHECK: [${prev.Test.join(' ')}]\n`);
        const h: NonNullable<RunConfig['Healthcheck']> = { Test: ins.test };
        if (ins.test[0] !== 'NONE') {
          if (ins.interval) h.Interval = ins.interval;
          if (ins.timeout) h.Timeout = ins.timeout;
          if (ins.startPeriod) h.StartPeriod = ins.startPeriod;
          if (ins.startInterval) h.StartInterval = ins.startInterval;
          if (ins.retries) h.Retries = ins.retries;
        }
        const comment = `HEALTHCHECK ${goQuoteHealthcheck(h)}`;
        // The commit merges unset fields from the parent's healthcheck, NONE included (moby's merge()).
        if (prev) {
          for (const k of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] as const) if (!h[k] && prev[k]) h[k] = prev[k];
        }
        rc.Healthcheck = h;
        return this.commitMeta(comment);
      }
      case 'workdir':
        return this.workdir(ins.path);
      case 'run':
        return this.runStep(ins);
      case 'copy':
      case 'add':
        return copyStep(this.copyHost(), ins);
      case 'from':
        throw invalidParameter('FROM is not allowed here');
    }
  }

  private shell(): string[] {
    return this.runConfig.Shell?.length ? this.runConfig.Shell : DEFAULT_SHELL;
  }

  // ---- commits ---------------------------------------------------------------------------

  /** moby's withCmdComment: `<shell> "#(nop) " <comment>` (two args) for most instructions. */
  private async commitMeta(comment: string): Promise<void> {
    await this.commitStep([...this.shell(), '#(nop) ', comment], async () => {
      // The classic builder commits a (never started) container even for a config change.
      const id = randomHex(12);
      this.out.write(` ---> Running in ${id}\nRemoving intermediate container ${id}\n`);
      return null;
    });
  }

  /**
   * Probes the cache with the config the step would produce (its Cmd replaced by `probeCmd`),
   * or runs `make` and stores the image. The stage's runConfig is already updated by the caller.
   */
  async commitStep(probeCmd: string[], make: () => Promise<StepLayer | null>, extraKey?: unknown, probeEntrypoint?: string[] | null): Promise<void> {
    const { cache, backend, req } = this.env;
    const probe: RunConfig = { ...structuredClone(this.runConfig), Cmd: probeCmd };
    if (probeEntrypoint !== undefined) probe.Entrypoint = probeEntrypoint;
    const key = cacheKey({ parent: this.image?.id ?? '', os: this.os, arch: this.arch, author: this.author ?? '', config: probe, extra: extraKey ?? null });
    if (!req.noCache) {
      const hit = cache.get(key, (id) => backend.getImage(id) !== undefined);
      const img = hit ? backend.getImage(hit) : undefined;
      if (img) {
        this.out.write(` ---> Using cache\n ---> ${short(img.id)}\n`);
        this.image = img;
        return;
      }
    }
    const layer = await make();
    try {
      const parent = this.image?.config;
      const created = new Date().toISOString();
      const history = [...(parent?.history ?? [])];
      const entry: { created: string; created_by: string; empty_layer?: boolean; author?: string } = { created, created_by: probeCmd.join(' ') };
      if (this.author) entry.author = this.author;
      if (!layer) entry.empty_layer = true;
      history.push(entry);
      const config: BuildImageConfig = {
        architecture: this.arch,
        os: this.os,
        ...(this.variant ? { variant: this.variant } : {}),
        created,
        ...(this.author ? { author: this.author } : {}),
        config: { ...structuredClone(this.runConfig), Image: this.image?.id ?? '' },
        rootfs: { type: 'layers', diff_ids: [...(parent?.rootfs.diff_ids ?? []), ...(layer ? [layer.diffId] : [])] },
        history,
      };
      const id = await backend.createImage(config, this.image?.id, layer);
      cache.set(key, id);
      this.out.write(` ---> ${short(id)}\n`);
      this.image = backend.getImage(id)!;
    } catch (e) {
      await layer?.discard().catch(() => {});
      throw e;
    }
  }

  private async workdir(path: string): Promise<void> {
    const rc = this.runConfig;
    const cur = rc.WorkingDir || '/';
    const next = path.startsWith('/') ? path : `${cur.replace(/\/$/, '')}/${path}`;
    rc.WorkingDir = cleanAbsPath(next);
    const dir = rc.WorkingDir;
    await this.commitStep([...this.shell(), `#(nop) WORKDIR ${dir}`], async () => {
      const id = randomHex(12);
      this.out.write(` ---> Running in ${id}\n`);
      const ws = await this.env.backend.openWorkspace(this.image, { forRun: false });
      try {
        mkdirAllInRoot(ws.root, dir, { uid: 0, gid: 0 });
      } catch (e) {
        await ws.discard();
        throw e;
      }
      const layer = await ws.finish();
      this.out.write(`Removing intermediate container ${id}\n`);
      return layer;
    });
  }

  private async runStep(ins: Extract<Instruction, { kind: 'run' }>): Promise<void> {
    let args: string[];
    if (ins.prependShell) {
      let script = ins.cmd.join(' ');
      if (ins.heredocs.length) {
        const only = ins.heredocs.length === 1 && /^<<-?(["']?)[A-Za-z0-9_.-]+\1$/.test(script.trim());
        if (only) script = ins.heredocs[0]!.content;
        else script += '\n' + ins.heredocs.map((h) => `${h.content}${h.content.endsWith('\n') ? '' : '\n'}${h.name}`).join('\n');
      }
      args = [...this.shell(), script];
    } else {
      args = [...ins.cmd];
    }
    const buildArgs = this.buildArgsForRun();
    const inHistory = buildArgs.filter(([k]) => !PROXY_ARGS.has(k) || this.args.has(k));
    for (const [k] of buildArgs) this.env.usedArgs.add(k);
    // created_by keeps the classic builder's form, without the --mount/--network flags: BuildKit
    // leaves them out of its history too (its `RUN <cmd> # buildkit` has the command and build
    // args only). They are in the step's cache key instead.
    const saveCmd = inHistory.length ? [`|${inHistory.length}`, ...inHistory.map(([k, v]) => `${k}=${v}`), ...args] : args;
    const rc = this.runConfig;
    const plan = await planRunMounts({
      env: this.env, line: ins.line, workingDir: rc.WorkingDir || '/',
      expand: (word) => this.env.lex.processWord(word, this.lookup),
      stageByRef: (ref) => this.stageByRef(ref),
    }, ins.mounts);
    const network = ins.flags.network;
    const networkMode = network === 'none' || network === 'host' ? network : this.env.req.networkMode;
    // Only a step with flags gets them in its key, so plain RUN steps keep their cache entries.
    const flagsKey = ins.mounts.length || network || ins.flags.security
      ? { mounts: plan.key, network: network ?? null, security: ins.flags.security ?? null }
      : undefined;
    await this.commitStep(saveCmd, async () => {
      const id = randomHex(64);
      this.out.write(` ---> Running in ${id.slice(0, 12)}\n`);
      const ws = await this.env.backend.openWorkspace(this.image, { forRun: true });
      let code: number;
      try {
        const opened = await plan.open();
        try {
          code = await this.env.backend.run(ws, {
            id, args,
            env: [...(rc.Env ?? []), ...buildArgs.map(([k, v]) => `${k}=${v}`)],
            cwd: rc.WorkingDir || '/',
            user: rc.User ?? '',
            networkMode,
            extraHosts: this.env.req.extraHosts,
            shmSize: this.env.req.shmSize,
            output: (chunk) => this.out.write(chunk.toString('utf8')),
            errorOutput: (chunk) => this.out.write(`\x1b[91m${chunk.toString('utf8')}\x1b[0m`),
            volumes: Object.keys(rc.Volumes ?? {}),
            mounts: opened.mounts,
            signal: this.env.signal,
          });
        } finally {
          await opened.close();
        }
      } catch (e) {
        await ws.discard();
        throw e;
      }
      if (code !== 0) {
        await ws.discard();
        this.env.signal?.throwIfAborted();
        const err = invalidParameter(`The command '${args.join(' ')}' returned a non-zero code: ${code}`);
        (err as { exitCode?: number }).exitCode = code;
        throw err;
      }
      const layer = await ws.finish();
      this.out.write(`Removing intermediate container ${id.slice(0, 12)}\n`);
      return layer;
    }, flagsKey, null);
  }

  /** What the COPY/ADD step needs from this stage. */
  private copyHost(): CopyHost {
    return {
      env: this.env,
      out: this.out,
      image: () => this.image,
      workingDir: () => this.runConfig.WorkingDir || '/',
      shell: () => this.shell(),
      stageResult: (name: string) => this.stageByRef(name),
      commit: (cmd: string[], make: () => Promise<StepLayer | null>, extra: unknown) => this.commitStep(cmd, make, extra),
      openWorkspace: (): Promise<Workspace> => this.env.backend.openWorkspace(this.image, { forRun: false }),
    };
  }

  /** COPY --from=<stage name | index | image>. */
  private async stageByRef(ref: string): Promise<BaseImage | null> {
    const lower = ref.toLowerCase();
    const byName = this.env.stageNames.findIndex((s, i) => i < this.index && s === lower);
    if (byName >= 0) return this.stageResult(byName);
    if (/^\d+$/.test(ref)) {
      const ix = Number(ref);
      if (ix >= this.index) throw invalidParameter(`invalid from flag value ${ref}: refers to current build stage or a later one`);
      return this.stageResult(ix);
    }
    try {
      return await this.resolveImage(ref);
    } catch (e) {
      if (isBerthError(e)) throw invalidParameter(`invalid from flag value ${ref}: ${e.message}`);
      throw e;
    }
  }
}

function envValue(env: readonly string[] | null | undefined, name: string): string | undefined {
  if (!env) return undefined;
  for (let i = env.length - 1; i >= 0; i--) {
    const e = env[i]!;
    const eq = e.indexOf('=');
    if ((eq < 0 ? e : e.slice(0, eq)) === name) return eq < 0 ? '' : e.slice(eq + 1);
  }
  return undefined;
}

/** nat.ParsePortSpecs for EXPOSE: `80`, `80/udp`, `8000-8002/tcp` → `80/tcp` keys. */
export function exposedPortKeys(spec: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(\w+))?$/.exec(spec);
  if (!m) throw invalidParameter(`Invalid containerPort: ${spec.split('/')[0]}`);
  const proto = (m[3] ?? 'tcp').toLowerCase();
  if (!['tcp', 'udp', 'sctp'].includes(proto)) throw invalidParameter(`Invalid proto: ${m[3]}`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (hi < lo || hi > 65535) throw invalidParameter(`Invalid range specified for the Port: ${spec}`);
  const out: string[] = [];
  for (let p = lo; p <= hi; p++) out.push(`${p}/${proto}`);
  return out;
}

const SIGNALS = new Set(['ABRT', 'ALRM', 'BUS', 'CHLD', 'CLD', 'CONT', 'FPE', 'HUP', 'ILL', 'INT', 'IO', 'IOT', 'KILL', 'PIPE', 'POLL', 'PROF', 'PWR', 'QUIT', 'SEGV', 'STKFLT', 'STOP', 'SYS', 'TERM', 'TRAP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'USR1', 'USR2', 'VTALRM', 'WINCH', 'XCPU', 'XFSZ']);

function validateSignal(sig: string): void {
  if (/^\d+$/.test(sig)) { if (Number(sig) > 0 && Number(sig) <= 64) return; }
  const s = sig.toUpperCase().replace(/^SIG/, '');
  if (SIGNALS.has(s) || /^RTMIN(\+\d+)?$|^RTMAX(-\d+)?$/.test(s)) return;
  throw invalidParameter(`Invalid signal: ${sig}`);
}

function short(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

function randomHex(n: number): string {
  return randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, n);
}

function hostArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : process.arch;
}
