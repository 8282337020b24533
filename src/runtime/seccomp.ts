// Seccomp profiles: Docker's profile format (also containers-common's) → the OCI linux.seccomp
// object runc takes. Conditions on capabilities, architecture and kernel version are resolved
// here, against the container's bounding set, as Docker does at container start.
import { release } from 'node:os';
import { invalidParameter } from '../common/errors.js';
import { DEFAULT_PROFILE } from './seccomp-default.js';

export interface SeccompArg { index: number; value: number; valueTwo?: number; op: string }
export interface SeccompFilter { caps?: string[]; arches?: string[]; minKernel?: string }
export interface SeccompRule {
  names?: string[];
  name?: string;          // the legacy single-name form
  action: string;
  errnoRet?: number;
  args?: SeccompArg[] | null;
  includes?: SeccompFilter;
  excludes?: SeccompFilter;
  comment?: string;
}
export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[] | null;
  archMap?: Array<{ architecture: string; subArchitectures: string[] | null }> | null;
  syscalls?: SeccompRule[] | null;
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
}

export interface OciSyscall { names: string[]; action: string; errnoRet?: number; args?: SeccompArg[] }
export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls: OciSyscall[];
}

/** Go's GOARCH names, which the profiles' `arches` use. */
export function goArch(nodeArch: string = process.arch): string {
  const m: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', s390x: 's390x', ppc64: 'ppc64le', riscv64: 'riscv64' };
  return m[nodeArch] ?? nodeArch;
}
const NATIVE_SECCOMP: Record<string, string> = {
  amd64: 'SCMP_ARCH_X86_64', '386': 'SCMP_ARCH_X86', arm64: 'SCMP_ARCH_AARCH64', arm: 'SCMP_ARCH_ARM',
  s390x: 'SCMP_ARCH_S390X', ppc64le: 'SCMP_ARCH_PPC64LE', riscv64: 'SCMP_ARCH_RISCV64',
};

const versionParts = (v: string): number[] => v.split(/[.-]/).slice(0, 3).map((p) => parseInt(p, 10) || 0);
function kernelAtLeast(kernel: string, min: string): boolean {
  const a = versionParts(kernel);
  const b = versionParts(min);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

export interface ConvertOptions {
  /** The container's bounding capabilities (CAP_* names). */
  caps: readonly string[];
  arch?: string;     // Go arch name; the host's by default
  kernel?: string;   // kernel release; the host's by default
}

/** Docker's setupSeccomp: filter the rules for this container and host, keep the rest as is. */
export function convertProfile(p: SeccompProfile, opts: ConvertOptions): OciSeccomp {
  const arch = opts.arch ?? goArch();
  const kernel = opts.kernel ?? release();
  const caps = new Set(opts.caps);
  if (p.architectures?.length && p.archMap?.length) {
    throw invalidParameter("both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'");
  }
  const out: OciSeccomp = { defaultAction: p.defaultAction, syscalls: [] };
  if (p.defaultErrnoRet !== undefined) out.defaultErrnoRet = p.defaultErrnoRet;
  if (p.architectures?.length) out.architectures = [...p.architectures];
  const native = NATIVE_SECCOMP[arch];
  const entry = p.archMap?.find((a) => a.architecture === native);
  if (entry) out.architectures = [entry.architecture, ...(entry.subArchitectures ?? [])];
  if (p.flags?.length) out.flags = p.flags;
  if (p.listenerPath) out.listenerPath = p.listenerPath;
  if (p.listenerMetadata) out.listenerMetadata = p.listenerMetadata;

  for (const r of p.syscalls ?? []) {
    if (r.name && r.names?.length) throw invalidParameter("use either 'name' or 'names'");
    const ex = r.excludes;
    const inc = r.includes;
    if (ex?.arches?.includes(arch)) continue;
    if (inc?.arches?.length && !inc.arches.includes(arch)) continue;
    if (ex?.caps?.some((c) => caps.has(c))) continue;
    if (inc?.caps?.length && !inc.caps.every((c) => caps.has(c))) continue;
    if (ex?.minKernel && kernelAtLeast(kernel, ex.minKernel)) continue;
    if (inc?.minKernel && !kernelAtLeast(kernel, inc.minKernel)) continue;
    const call: OciSyscall = { names: r.name ? [r.name] : r.names ?? [], action: r.action };
    if (r.errnoRet !== undefined) call.errnoRet = r.errnoRet;
    if (r.args?.length) call.args = r.args;
    out.syscalls.push(call);
  }
  return out;
}

/**
 * Docker's default profile, always: containers-common's /usr/share/containers/seccomp.json (which
 * skopeo or podman install) is Podman's policy and allows what Docker's blocks (e.g. unshare of a
 * user namespace without CAP_SYS_ADMIN), so a package install must not change berth's behaviour.
 */
function sourceProfile(): SeccompProfile {
  return DEFAULT_PROFILE;
}

// A handful of distinct capability sets in practice (default, default±a cap, none): cache per set.
const byCaps = new Map<string, OciSeccomp>();
const CACHE_MAX = 64;

/** The default policy for a container with these bounding caps. Shared and frozen: do not mutate. */
export function seccompFor(caps: readonly string[]): OciSeccomp {
  const key = caps.length <= 1 ? caps.join() : [...caps].sort().join();
  let p = byCaps.get(key);
  if (!p) {
    p = deepFreeze(convertProfile(sourceProfile(), { caps }));
    if (byCaps.size >= CACHE_MAX) byCaps.clear();
    byCaps.set(key, p);
  }
  return p;
}

/** Docker's default capabilities, in Docker's order (shared: do not mutate). */
export const DEFAULT_CAPS: readonly string[] = Object.freeze([
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
]);

/** The policy for a container with Docker's default capabilities. */
export function defaultSeccompProfile(): OciSeccomp {
  return seccompFor(DEFAULT_CAPS);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
