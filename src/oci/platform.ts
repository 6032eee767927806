// Platforms (`linux/amd64`, `linux/arm64/v8`, `linux/arm/v7`): parsing, the normal form and
// matching, with containerd's rules so that `--platform` picks the same manifest from an index
// as Docker with the containerd image store does:
// - normal form: `x86_64`→`amd64`, `aarch64`→`arm64` (variant `v8` is its default and dropped),
//   `armhf`→`arm`/`v7`, `armel`→`arm`/`v6`, `arm` without variant is `v7`, `i386`→`386`,
//   `amd64` `v1` is its default and dropped; OS lowercase, `macos`→`darwin`.
// - a host can run, best first: itself; for arm/vN the older arm variants down to v5; for
//   amd64/vN the older amd64 levels, then 386; for arm64 32-bit arm (v8, v7, v6, v5).
import { BerthError } from '../util/errors.ts';
import type { Descriptor, Platform } from './descriptor.ts';

const COMPONENT_RE = /^[A-Za-z0-9_-]+$/;
// `windows(10.0.17763)`: an OS with its version, as containerd writes it.
const OS_WITH_VERSION_RE = /^([A-Za-z0-9_-]+)\(([A-Za-z0-9_.-]+)\)$/;

const KNOWN_OS = new Set([
  'aix',
  'android',
  'darwin',
  'dragonfly',
  'freebsd',
  'hurd',
  'illumos',
  'ios',
  'js',
  'linux',
  'nacl',
  'netbsd',
  'openbsd',
  'plan9',
  'solaris',
  'windows',
  'zos',
]);
const KNOWN_ARCH = new Set([
  '386',
  'amd64',
  'amd64p32',
  'arm',
  'armbe',
  'arm64',
  'arm64be',
  'ppc64',
  'ppc64le',
  'loong64',
  'mips',
  'mipsle',
  'mips64',
  'mips64le',
  'mips64p32',
  'mips64p32le',
  'ppc',
  'riscv',
  'riscv64',
  's390',
  's390x',
  'sparc',
  'sparc64',
  'wasm',
]);

export function normalizeOs(os: string): string {
  const lower = os.toLowerCase();
  return lower === 'macos' ? 'darwin' : lower;
}

/** containerd's normal architecture and variant; `arm` without variant becomes `v7`. */
export function normalizeArch(arch: string, variant = ''): { architecture: string; variant: string } {
  let a = arch.toLowerCase();
  let v = variant.toLowerCase();
  switch (a) {
    case 'i386':
      a = '386';
      v = '';
      break;
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      a = 'amd64';
      if (v === 'v1') v = '';
      break;
    case 'aarch64':
    case 'arm64':
      a = 'arm64';
      if (v === '8' || v === 'v8') v = '';
      break;
    case 'armhf':
      a = 'arm';
      v = 'v7';
      break;
    case 'armel':
      a = 'arm';
      v = 'v6';
      break;
    case 'arm':
      if (v === '' || v === '7') v = 'v7';
      else if (v === '5' || v === '6' || v === '8') v = `v${v}`;
      break;
  }
  return { architecture: a, variant: v };
}

function make(os: string, architecture: string, variant: string, osVersion?: string): Platform {
  const p: Platform = { architecture, os };
  if (osVersion) p['os.version'] = osVersion;
  if (variant) p.variant = variant;
  return p;
}

/** The normal form of a platform, for comparing: the defaults of variants are dropped. */
export function normalizePlatform(p: Platform): Platform {
  const { architecture, variant } = normalizeArch(p.architecture, p.variant ?? '');
  const out: Platform = { ...p, os: normalizeOs(p.os), architecture };
  if (variant) out.variant = variant;
  else delete out.variant;
  return out;
}

function invalid(spec: string, detail: string): BerthError {
  return new BerthError('InvalidArgument', `invalid platform "${spec}": ${detail}`);
}

/**
 * Parse `os[/arch[/variant]]`, or a lone OS or architecture (the rest from the host), into the
 * form containerd prints: `linux/arm` has no variant (v7 implied), `linux/arm64/v8` keeps v8.
 */
export function parsePlatform(spec: string, host: Platform = hostPlatform()): Platform {
  if (spec === '') throw invalid(spec, 'it is empty; want os[/arch[/variant]], e.g. linux/amd64');
  const parts = spec.split('/');
  if (parts.length > 3) throw invalid(spec, 'want os[/arch[/variant]], e.g. linux/arm64/v8');
  let osVersion: string | undefined;
  const ov = OS_WITH_VERSION_RE.exec(parts[0]);
  if (ov) {
    parts[0] = ov[1];
    osVersion = ov[2];
  }
  for (const part of parts) {
    if (!COMPONENT_RE.test(part)) {
      throw invalid(spec, `"${part}" is not a valid component (letters, digits, "_" and "-" only)`);
    }
  }
  const os = normalizeOs(parts[0]);
  if (parts.length === 1) {
    if (KNOWN_OS.has(os)) return make(os, host.architecture, host.variant ?? '', osVersion);
    const { architecture, variant } = normalizeArch(parts[0]);
    if (KNOWN_ARCH.has(architecture)) {
      return make(host.os, architecture, architecture === 'arm' && variant === 'v7' ? '' : variant);
    }
    throw invalid(spec, 'unknown operating system or architecture');
  }
  if (parts.length === 2) {
    const { architecture, variant } = normalizeArch(parts[1]);
    return make(os, architecture, architecture === 'arm' && variant === 'v7' ? '' : variant, osVersion);
  }
  const { architecture, variant } = normalizeArch(parts[1], parts[2]);
  return make(os, architecture, architecture === 'arm64' && variant === '' ? 'v8' : variant, osVersion);
}

/** `os/arch[/variant]`. */
export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter((s) => s).join('/');
}

const NODE_ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
  ppc: 'ppc',
};

/** The platform this process runs on, in normal form. */
export function hostPlatform(): Platform {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  let arch = NODE_ARCH[process.arch] ?? process.arch;
  // Node calls both POWER byte orders ppc64; Linux on POWER is little-endian in practice.
  if (process.arch === 'ppc64') arch = 'ppc64le';
  let variant = '';
  if (arch === 'arm') {
    const armVersion = (process.config.variables as Record<string, unknown>).arm_version;
    if (armVersion !== undefined) variant = String(armVersion);
  }
  return normalizePlatform(make(os, arch, variant));
}

/** The platforms a host can run, best first, all in normal form. */
export function compatiblePlatforms(host: Platform): Platform[] {
  const p = normalizePlatform(host);
  const out: Platform[] = [p];
  const like = (architecture: string, variant: string) =>
    normalizePlatform({ ...p, architecture, variant: variant || undefined });
  const level = (v: string | undefined) => {
    const n = Number.parseInt((v ?? '').replace(/^v/, ''), 10);
    return Number.isInteger(n) ? n : undefined;
  };
  switch (p.architecture) {
    case 'amd64': {
      const n = level(p.variant);
      if (n !== undefined) for (let i = n - 1; i >= 1; i--) out.push(like('amd64', `v${i}`));
      out.push(like('386', ''));
      break;
    }
    case 'arm': {
      const n = level(p.variant) ?? 7;
      for (let i = n - 1; i >= 5; i--) out.push(like('arm', `v${i}`));
      break;
    }
    case 'arm64': {
      // arm64 v8.x and v9.x levels are compared as containerd does: v9.x runs v9.0..v9.(x-1)
      // and v8.0..v8.(x+5); v8.x runs v8.0..v8.(x-1).
      const m = /^v(\d+)(?:\.(\d+))?$/.exec(p.variant ?? 'v8');
      if (m) {
        let major = Number(m[1]);
        let minor = Number(m[2] ?? 0);
        const name = (maj: number, min: number) => (min === 0 ? `v${maj}` : `v${maj}.${min}`);
        if (major === 9) {
          for (let i = minor - 1; i >= 0; i--) out.push(like('arm64', name(9, i)));
          major = 8;
          minor += 5;
          out.push(like('arm64', `v8.${minor}`));
        }
        if (major === 8) for (let i = minor - 1; i >= 0; i--) out.push(like('arm64', name(8, i)));
      }
      for (const v of ['v8', 'v7', 'v6', 'v5']) out.push(like('arm', v));
      break;
    }
  }
  return out;
}

function samePlatform(a: Platform, b: Platform): boolean {
  const x = normalizePlatform(a);
  const y = normalizePlatform(b);
  return x.os === y.os && x.architecture === y.architecture && (x.variant ?? '') === (y.variant ?? '');
}

/**
 * How well `have` suits a host that wants `want`: 0 is an exact match, higher is a worse but
 * still runnable one, undefined is no match.
 */
export function platformRank(want: Platform, have: Platform): number | undefined {
  const i = compatiblePlatforms(want).findIndex((c) => samePlatform(c, have));
  return i === -1 ? undefined : i;
}

/** Whether an image for `have` runs where `want` is asked for. */
export function platformMatches(want: Platform, have: Platform): boolean {
  return platformRank(want, have) !== undefined;
}

/**
 * The descriptor of an index to use for `want`: the best-ranked platform, the first in the
 * index among equals. Descriptors without a platform are never picked.
 */
export function bestMatch(want: Platform, candidates: readonly Descriptor[]): Descriptor | undefined {
  let best: Descriptor | undefined;
  let bestRank = Number.POSITIVE_INFINITY;
  for (const d of candidates) {
    if (!d.platform) continue;
    const rank = platformRank(want, d.platform);
    if (rank !== undefined && rank < bestRank) {
      best = d;
      bestRank = rank;
    }
  }
  return best;
}
