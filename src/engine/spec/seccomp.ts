// Which seccomp filter a container gets, as Docker decides: none with
// `seccomp=unconfined`; a profile given in SecurityOpt even when privileged; otherwise none
// for a privileged container, else the daemon's default profile (none when the daemon has
// none). A Docker profile's conditional rules are settled for this container's bounding
// capabilities on this host (`resolveProfile`).
import {
  type DockerSeccompProfile,
  type HostArch,
  type KernelVersion,
  type LinuxSeccomp,
  resolveProfile,
} from '../../runtime/seccomp/index.ts';
import type { Seccomp } from '../../runtime/spec/types.ts';
import type { SeccompChoice } from './security-opts.ts';

function toSpec(s: LinuxSeccomp): Seccomp {
  const { syscalls, ...rest } = s;
  const out: Seccomp = { ...rest };
  if (syscalls) {
    // JSON has no bigint; profile values that needed one lose nothing a spec could carry.
    out.syscalls = syscalls.map(({ args, ...call }) => ({
      ...call,
      ...(args
        ? {
            args: args.map((a) => ({
              index: a.index,
              op: a.op,
              value: Number(a.value),
              ...(a.valueTwo !== undefined ? { valueTwo: Number(a.valueTwo) } : {}),
            })),
          }
        : {}),
    }));
  }
  return out;
}

export function containerSeccomp(opts: {
  choice: SeccompChoice;
  privileged: boolean;
  defaultProfile: DockerSeccompProfile | undefined;
  capabilities: readonly string[];
  arch: HostArch;
  kernel: KernelVersion;
}): Seccomp | undefined {
  let profile: DockerSeccompProfile | undefined;
  if (opts.choice.kind === 'custom') profile = opts.choice.profile;
  else if (opts.choice.kind === 'default' && !opts.privileged) profile = opts.defaultProfile;
  if (!profile) return undefined;
  const resolved = resolveProfile(profile, {
    capabilities: opts.capabilities,
    arch: opts.arch,
    kernel: opts.kernel,
  });
  return resolved ? toSpec(resolved) : undefined;
}
