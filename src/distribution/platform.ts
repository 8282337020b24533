// OCI platforms as containerd's `platforms` package parses, normalizes and matches them (the rules
// moby uses to pick an image from a manifest list): `linux/arm64` ≡ `linux/arm64/v8`, `arm` is
// `arm/v7` unless told otherwise, an arm64 host also runs arm/v8…v5 images, an amd64 host 386
// ones, and an amd64/v3 host v2 and v1 ones — each fallback ranked below the exact match.
import { arch as nodeArch } from 'node:process';
import { invalidParameter } from '../common/errors.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

const KNOWN_OS = new Set(['aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'js', 'linux', 'nacl', 'netbsd', 'openbsd', 'plan9', 'solaris', 'wasip1', 'windows', 'zos']);
const KNOWN_ARCH = new Set(['386', 'amd64', 'amd64p32', 'arm', 'armbe', 'arm64', 'arm64be', 'loong64', 'mips', 'mipsle', 'mips64', 'mips64le', 'mips64p32', 'mips64p32le', 'ppc', 'ppc64', 'ppc64le', 'riscv', 'riscv64', 's390', 's390x', 'sparc', 'sparc64', 'wasm']);

/** platforms.NormalizeArch: architecture and variant in their canonical form. */
export function normalizeArch(arch: string, variant = ''): { architecture: string; variant: string } {
  arch = arch.toLowerCase();
  variant = variant.toLowerCase();
  switch (arch) {
    case 'i386': return { architecture: '386', variant: '' };
    case 'x86_64': case 'x86-64': case 'amd64':
      return { architecture: 'amd64', variant: variant === 'v1' ? '' : variant };
    case 'aarch64': case 'arm64':
      return { architecture: 'arm64', variant: variant === '8' || variant === 'v8' || variant === 'v8.0' ? '' : variant };
    case 'armhf': return { architecture: 'arm', variant: 'v7' };
    case 'armel': return { architecture: 'arm', variant: 'v6' };
    case 'arm':
      if (variant === '' || variant === '7' || variant === 'v7') return { architecture: 'arm', variant: 'v7' };
      if (variant === '5' || variant === '6' || variant === '8') return { architecture: 'arm', variant: 'v' + variant };
      return { architecture: 'arm', variant };
    default: return { architecture: arch, variant };
  }
}

export function normalize(p: Platform): Platform {
  const { architecture, variant } = normalizeArch(p.architecture ?? '', p.variant ?? '');
  const out: Platform = { os: (p.os ?? '').toLowerCase() === 'macos' ? 'darwin' : (p.os ?? '').toLowerCase(), architecture };
  if (variant) out.variant = variant;
  if (p['os.version']) out['os.version'] = p['os.version'];
  return out;
}

/** The host: linux/<arch>[/variant], as platforms.DefaultSpec. */
export function hostPlatform(): Platform {
  switch (nodeArch) {
    case 'x64': return { os: 'linux', architecture: 'amd64' };
    case 'arm64': return { os: 'linux', architecture: 'arm64', variant: 'v8' };
    case 'arm': return { os: 'linux', architecture: 'arm', variant: 'v7' };
    case 'ia32': return { os: 'linux', architecture: '386' };
    case 'ppc64': return { os: 'linux', architecture: 'ppc64le' };
    default: return { os: 'linux', architecture: nodeArch };
  }
}

/**
 * platforms.Parse: `os`, `arch` (host OS assumed), `os/arch`, `os/arch/variant`, normalized.
 * Errors as containerd words them.
 */
export function parsePlatform(spec: string): Platform {
  const bad = (why: string) => invalidParameter(`"${spec}": ${why}: invalid argument`);
  if (/[^A-Za-z0-9_./-]/.test(spec.replace(/\(.*\)$/, '')) || spec === '') throw bad('invalid platform specifier');
  const parts = spec.split('/');
  if (parts.some((p) => p === '')) throw bad('invalid platform specifier');
  const host = hostPlatform();
  if (parts.length === 1) {
    const one = parts[0]!.toLowerCase();
    if (KNOWN_OS.has(one)) return normalize({ os: one, architecture: host.architecture, variant: host.variant });
    const { architecture, variant } = normalizeArch(one);
    if (KNOWN_ARCH.has(architecture)) {
      const p: Platform = { os: host.os, architecture };
      if (variant) p.variant = variant;
      else if (architecture === host.architecture && host.variant) p.variant = host.variant;
      return normalize(p);
    }
    throw bad('unknown operating system or architecture');
  }
  if (parts.length > 3) throw bad('cannot parse platform specifier');
  const os = parts[0]!.toLowerCase();
  const arch = parts[1]!;
  if (!KNOWN_OS.has(os === 'macos' ? 'darwin' : os) && !/^[a-z0-9_]+$/.test(os)) throw bad('unknown operating system or architecture');
  return normalize({ os, architecture: arch, variant: parts[2] });
}

export function formatPlatform(p: Platform): string {
  return [p.os || 'unknown', p.architecture, p.variant].filter(Boolean).join('/');
}

/** The platforms a host/request accepts, best first (containerd's platformVector). */
export function platformVector(p: Platform): Platform[] {
  const n = normalize(p);
  const out: Platform[] = [n];
  const v = (n.variant ?? '').replace(/^v/, '');
  switch (n.architecture) {
    case 'amd64': {
      const level = Number(v);
      if (Number.isInteger(level) && level > 1) {
        for (let l = level - 1; l >= 1; l--) out.push({ os: n.os, architecture: 'amd64', ...(l > 1 ? { variant: `v${l}` } : {}) });
      }
      out.push({ os: n.os, architecture: '386' });
      break;
    }
    case 'arm': {
      const level = Number(v);
      if (Number.isInteger(level) && level > 5) for (let l = level - 1; l >= 5; l--) out.push({ os: n.os, architecture: 'arm', variant: `v${l}` });
      break;
    }
    case 'arm64':
      out.push(...platformVector({ os: n.os, architecture: 'arm', variant: n.variant || 'v8' }));
      break;
  }
  return out;
}

function same(a: Platform, b: Platform): boolean {
  const x = normalize(a);
  const y = normalize(b);
  return x.os === y.os && x.architecture === y.architecture && (x.variant ?? '') === (y.variant ?? '');
}

/**
 * The rank of `candidate` for a request of `want` (0 is best), or -1 when it does not run there
 * (platforms.Only(want).Match / Less).
 */
export function platformRank(want: Platform, candidate: Platform): number {
  return platformVector(want).findIndex((p) => same(p, candidate));
}

/** Whether an image of platform `have` is what `want` asked for, exactly (platforms.OnlyStrict). */
export function platformMatchesStrict(want: Platform, have: Platform): boolean {
  return same(want, have);
}

/** Fills an empty request from the host (moby's withDefault). */
export function withDefault(p: Platform | undefined): Platform {
  const host = hostPlatform();
  if (!p) return host;
  const out: Platform = { ...p };
  if (!out.os) out.os = host.os;
  if (!out.architecture) {
    out.architecture = host.architecture;
    if (!out.variant && host.variant) out.variant = host.variant;
  }
  return normalize(out);
}
