// What the builder needs from the rest of the engine. The builder sits below the image, layer and
// container modules in DESIGN.md's list, so it names its needs here and the daemon wires them,
// as moby's builder does with its Backend interface.

import type { ContainerConfig, HistoryEntry, ImageConfig } from '../common/image-config.js';
import type { CacheMountStore } from './cache-mounts.js';

/** Docker's container.Config, as the builder's run config and the image's `config`. */
export type RunConfig = ContainerConfig;
export type BuildImageConfig = ImageConfig;
export type { HistoryEntry };

export interface BaseImage {
  id: string;
  config: BuildImageConfig;
}

/** A directory diff made by one step, staged and not yet part of any image. */
export interface StepLayer {
  diffId: string;
  discard(): Promise<void>;
}

/** A writable root filesystem over an image's layers (an overlay mount). */
export interface Workspace {
  readonly root: string;
  /** Unmounts; the changes as a staged layer, or null when nothing changed. */
  finish(): Promise<StepLayer | null>;
  discard(): Promise<void>;
}

/** A read-only view of an image's root filesystem (COPY --from). */
export interface RootView {
  readonly root: string;
  close(): Promise<void>;
}

export interface RunRequest {
  /** 64 hex: the intermediate container's id as the output names it. */
  id: string;
  args: string[];
  env: string[];
  cwd: string;
  user: string;
  networkMode: string;
  extraHosts: string[];
  shmSize?: number;
  output: (chunk: Buffer) => void;
  errorOutput: (chunk: Buffer) => void;
  /** The image's VOLUME paths: each gets a throwaway copy, so writes there stay out of the layer. */
  volumes: string[];
  /** RUN --mount: mounted over the root for this step only; the mount points it had to create are removed after. */
  mounts?: RunMountSpec[];
  signal?: AbortSignal;
}

/** A RUN --mount as the engine applies it (targets absolute and clean). */
export type RunMountSpec =
  | {
    type: 'bind';
    target: string;
    /** Host path: a file or directory. */
    source: string;
    readonly: boolean;
    /** Writable, but what the step writes there is thrown away (a bind of the context or a stage). */
    discardWrites?: boolean;
    /** Paths under `source` (relative, no '..') that the step must not see: .dockerignore'd ones. */
    hide?: string[];
  }
  | { type: 'tmpfs'; target: string; size?: number };

export interface BuildBackend {
  /** A local image by name or id. */
  getImage(nameOrId: string): BaseImage | undefined;
  /** Pulls `ref` (FROM of an image that is not here, or --pull), reporting progress lines. */
  pullImage(ref: string, platform: string | undefined, progress: (line: string) => void): Promise<BaseImage>;
  /** `forRun` adds Docker's init layer (mount points for /etc/hosts, /proc, …) so they stay out of the diff. */
  openWorkspace(base: BaseImage | null, opts: { forRun: boolean }): Promise<Workspace>;
  openView(image: BaseImage): Promise<RootView>;
  /** Runs a process in the workspace's root; its exit code. */
  run(ws: Workspace, req: RunRequest): Promise<number>;
  /** Stores an image; with `layer`, the layer is committed on top of the parent's layers first. */
  createImage(config: BuildImageConfig, parentId: string | undefined, layer: StepLayer | null): Promise<string>;
  tag(imageId: string, refs: string[]): Promise<string[]>;
  /** A scratch directory on the layer store's filesystem. */
  scratchDir(): string;
  /** The persistent directories of RUN --mount=type=cache. */
  cacheMounts(): CacheMountStore;
}
