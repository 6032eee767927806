// Docker's seccomp profile format and the OCI runtime spec's `linux.seccomp`,
// and the step between them: a Docker profile holds conditional rules (by
// capability, architecture, kernel version) that are settled once, for one
// container on one host, into a plain OCI object.

import { BerthError } from '../../util/errors.ts';
import { SECCOMP_ACTIONS } from '../spec/validate-linux.ts';

export type SeccompAction =
  | 'SCMP_ACT_KILL'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_KILL_THREAD'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_TRACE'
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_LOG'
  | 'SCMP_ACT_NOTIFY';

export type SeccompOperator =
  | 'SCMP_CMP_NE'
  | 'SCMP_CMP_LT'
  | 'SCMP_CMP_LE'
  | 'SCMP_CMP_EQ'
  | 'SCMP_CMP_GE'
  | 'SCMP_CMP_GT'
  | 'SCMP_CMP_MASKED_EQ';

export type SeccompArch =
  | 'SCMP_ARCH_X86'
  | 'SCMP_ARCH_X86_64'
  | 'SCMP_ARCH_X32'
  | 'SCMP_ARCH_ARM'
  | 'SCMP_ARCH_AARCH64'
  | 'SCMP_ARCH_LOONGARCH64'
  | 'SCMP_ARCH_M68K'
  | 'SCMP_ARCH_MIPS'
  | 'SCMP_ARCH_MIPS64'
  | 'SCMP_ARCH_MIPS64N32'
  | 'SCMP_ARCH_MIPSEL'
  | 'SCMP_ARCH_MIPSEL64'
  | 'SCMP_ARCH_MIPSEL64N32'
  | 'SCMP_ARCH_PPC'
  | 'SCMP_ARCH_PPC64'
  | 'SCMP_ARCH_PPC64LE'
  | 'SCMP_ARCH_S390'
  | 'SCMP_ARCH_S390X'
  | 'SCMP_ARCH_SH'
  | 'SCMP_ARCH_SHEB'
  | 'SCMP_ARCH_PARISC'
  | 'SCMP_ARCH_PARISC64'
  | 'SCMP_ARCH_RISCV64';

export type SeccompFlag =
  | 'SECCOMP_FILTER_FLAG_TSYNC'
  | 'SECCOMP_FILTER_FLAG_LOG'
  | 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'
  | 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV';

/**
 * One comparison of a syscall argument. `value`/`valueTwo` are uint64: JSON
 * numbers are exact only up to 2^53, so callers with larger values pass bigint.
 * For MASKED_EQ, `value` is the mask and `valueTwo` the expected masked value.
 */
export interface LinuxSeccompArg {
  index: number;
  value: number | bigint;
  valueTwo?: number | bigint;
  op: SeccompOperator;
}

export interface LinuxSyscall {
  names: string[];
  action: SeccompAction;
  errnoRet?: number;
  args?: LinuxSeccompArg[];
}

/** The OCI runtime spec's `linux.seccomp`. */
export interface LinuxSeccomp {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures?: SeccompArch[];
  flags?: SeccompFlag[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: LinuxSyscall[];
}

/** A condition of a Docker profile rule. */
export interface DockerSeccompFilter {
  caps?: string[] | null;
  arches?: string[] | null;
  /** "<major>.<minor>" */
  minKernel?: string;
}

export interface DockerSeccompSyscall {
  name?: string;
  names?: string[] | null;
  action: SeccompAction;
  errnoRet?: number | null;
  args?: LinuxSeccompArg[] | null;
  comment?: string;
  includes?: DockerSeccompFilter | null;
  excludes?: DockerSeccompFilter | null;
}

export interface DockerSeccompArchMapEntry {
  architecture: SeccompArch;
  subArchitectures: SeccompArch[] | null;
}

/** Docker's profile (the `--security-opt seccomp=FILE` format). */
export interface DockerSeccompProfile {
  defaultAction: SeccompAction | '';
  defaultErrnoRet?: number | null;
  architectures?: SeccompArch[] | null;
  archMap?: DockerSeccompArchMapEntry[] | null;
  syscalls?: DockerSeccompSyscall[] | null;
  flags?: SeccompFlag[] | null;
  listenerPath?: string;
  listenerMetadata?: string;
}

/** Host architectures by Go's GOARCH names, as Docker profiles spell them in `arches`. */
export type HostArch =
  | 'amd64'
  | '386'
  | 'arm64'
  | 'arm'
  | 'ppc64'
  | 'ppc64le'
  | 's390x'
  | 'riscv64'
  | 'loong64'
  | 'mips'
  | 'mipsle'
  | 'mips64'
  | 'mips64le';

export interface KernelVersion {
  major: number;
  minor: number;
}

export interface ResolveOptions {
  /** The container's bounding capabilities, `CAP_CHOWN` or `CHOWN`. */
  capabilities: readonly string[];
  arch: HostArch;
  kernel: KernelVersion;
}

/** The libseccomp name of each host architecture's native ABI. */
export const NATIVE_SECCOMP_ARCH: Readonly<Record<HostArch, SeccompArch>> = {
  amd64: 'SCMP_ARCH_X86_64',
  '386': 'SCMP_ARCH_X86',
  arm64: 'SCMP_ARCH_AARCH64',
  arm: 'SCMP_ARCH_ARM',
  ppc64: 'SCMP_ARCH_PPC64',
  ppc64le: 'SCMP_ARCH_PPC64LE',
  s390x: 'SCMP_ARCH_S390X',
  riscv64: 'SCMP_ARCH_RISCV64',
  loong64: 'SCMP_ARCH_LOONGARCH64',
  mips: 'SCMP_ARCH_MIPS',
  mipsle: 'SCMP_ARCH_MIPSEL',
  mips64: 'SCMP_ARCH_MIPS64',
  mips64le: 'SCMP_ARCH_MIPSEL64',
};

const NODE_TO_HOST_ARCH: Record<string, HostArch> = {
  x64: 'amd64',
  ia32: '386',
  arm64: 'arm64',
  arm: 'arm',
  ppc64: 'ppc64le', // Node names little-endian ppc64 "ppc64"
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
};

/** The host architecture under its Go name, from Node's `process.arch`. */
export function hostArch(nodeArch: string = process.arch): HostArch {
  const arch = NODE_TO_HOST_ARCH[nodeArch];
  if (!arch)
    throw new BerthError('NotImplemented', `seccomp: no architecture mapping for Node's arch "${nodeArch}"`);
  return arch;
}

/** The first two numbers of a kernel release (`uname -r`): "6.1.0-18-amd64" is 6.1. */
export function parseKernelVersion(release: string): KernelVersion {
  const m = /^(\d+)\.(\d+)/.exec(release.trim());
  if (!m) {
    throw new BerthError(
      'InvalidArgument',
      `seccomp: kernel version "${release}" is not "<major>.<minor>[...]"`,
    );
  }
  return { major: Number(m[1]), minor: Number(m[2]) };
}

// The action names are the OCI spec's; one list serves the spec validator and profiles.
const ACTIONS = new Set<string>(SECCOMP_ACTIONS);

export function isSeccompAction(action: unknown): action is SeccompAction {
  return typeof action === 'string' && ACTIONS.has(action);
}

const capName = (cap: string) => {
  const upper = cap.toUpperCase();
  return upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
};

const atLeast = (k: KernelVersion, min: KernelVersion) =>
  k.major > min.major || (k.major === min.major && k.minor >= min.minor);

function minKernelOf(text: string, where: string): KernelVersion {
  const m = /^(\d+)\.(\d+)$/.exec(text);
  if (!m)
    throw new BerthError(
      'InvalidArgument',
      `seccomp profile: ${where}.minKernel "${text}" is not "<major>.<minor>"`,
    );
  return { major: Number(m[1]), minor: Number(m[2]) };
}

/** Whether a rule is kept: every `includes` condition holds and no `excludes` condition does. */
function ruleApplies(
  rule: DockerSeccompSyscall,
  where: string,
  caps: Set<string>,
  opts: ResolveOptions,
): boolean {
  const ex = rule.excludes;
  if (ex) {
    if (ex.arches?.includes(opts.arch)) return false;
    if (ex.caps?.some((c) => caps.has(capName(c)))) return false;
    if (ex.minKernel && atLeast(opts.kernel, minKernelOf(ex.minKernel, `${where}.excludes`))) return false;
  }
  const inc = rule.includes;
  if (inc) {
    if (inc.arches?.length && !inc.arches.includes(opts.arch)) return false;
    if (inc.caps?.some((c) => !caps.has(capName(c)))) return false;
    if (inc.minKernel && !atLeast(opts.kernel, minKernelOf(inc.minKernel, `${where}.includes`))) return false;
  }
  return true;
}

/**
 * Settles a Docker profile for one container on one host into an OCI
 * `linux.seccomp`. Returns undefined for a profile that asks for no filter
 * (no default action and no rules), as Docker does.
 *
 * Names unknown on an architecture are kept here; the compiler skips them per
 * architecture, as libseccomp does.
 */
export function resolveProfile(
  profile: DockerSeccompProfile,
  opts: ResolveOptions,
): LinuxSeccomp | undefined {
  const rules = profile.syscalls ?? [];
  if (!profile.defaultAction && rules.length === 0) return undefined;
  if (!isSeccompAction(profile.defaultAction)) {
    throw new BerthError(
      'InvalidArgument',
      `seccomp profile: defaultAction "${profile.defaultAction}" is not one of ${[...ACTIONS].join(', ')}`,
    );
  }
  if (profile.architectures?.length && profile.archMap?.length) {
    throw new BerthError(
      'InvalidArgument',
      'seccomp profile: use either "architectures" or "archMap", not both',
    );
  }

  let architectures: SeccompArch[] = [...(profile.architectures ?? [])];
  if (profile.archMap?.length) {
    const native = NATIVE_SECCOMP_ARCH[opts.arch];
    const entry = profile.archMap.find((e) => e.architecture === native);
    architectures = entry ? [entry.architecture, ...(entry.subArchitectures ?? [])] : [];
  }

  const caps = new Set(opts.capabilities.map(capName));
  const syscalls: LinuxSyscall[] = [];
  rules.forEach((rule, i) => {
    const where = `syscalls[${i}]`;
    if (rule.name && rule.names?.length) {
      throw new BerthError(
        'InvalidArgument',
        `seccomp profile: ${where} has both "name" and "names"; use "names"`,
      );
    }
    if (!isSeccompAction(rule.action)) {
      throw new BerthError(
        'InvalidArgument',
        `seccomp profile: ${where}.action "${rule.action}" is not a seccomp action`,
      );
    }
    if (!ruleApplies(rule, where, caps, opts)) return;
    const names = rule.name ? [rule.name] : [...(rule.names ?? [])];
    const out: LinuxSyscall = { names, action: rule.action };
    if (rule.errnoRet !== undefined && rule.errnoRet !== null) out.errnoRet = rule.errnoRet;
    if (rule.args?.length) out.args = rule.args.map((a) => ({ ...a }));
    syscalls.push(out);
  });

  const result: LinuxSeccomp = { defaultAction: profile.defaultAction };
  if (profile.defaultErrnoRet !== undefined && profile.defaultErrnoRet !== null) {
    result.defaultErrnoRet = profile.defaultErrnoRet;
  }
  if (architectures.length) result.architectures = architectures;
  if (profile.flags?.length) result.flags = [...profile.flags];
  if (profile.listenerPath) result.listenerPath = profile.listenerPath;
  if (profile.listenerMetadata) result.listenerMetadata = profile.listenerMetadata;
  result.syscalls = syscalls;
  return result;
}
