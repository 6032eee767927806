// berth's seccomp compiler: Docker profiles settled into OCI `linux.seccomp`,
// and OCI `linux.seccomp` compiled into the BPF program the native core loads.
export {
  actionReturn,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_KILL_THREAD,
  SECCOMP_RET_LOG,
  SECCOMP_RET_TRACE,
  SECCOMP_RET_TRAP,
  seccompFlagBits,
} from './actions.ts';
export { decodeProgram, encodeProgram, type SockFilter } from './bpf.ts';
export { type CompileOptions, compileSeccomp, compileSeccompProgram } from './compile.ts';
export { defaultSeccompProfile } from './default-profile.ts';
export {
  type DockerSeccompArchMapEntry,
  type DockerSeccompFilter,
  type DockerSeccompProfile,
  type DockerSeccompSyscall,
  type HostArch,
  hostArch,
  isSeccompAction,
  type KernelVersion,
  type LinuxSeccomp,
  type LinuxSeccompArg,
  type LinuxSyscall,
  NATIVE_SECCOMP_ARCH,
  parseKernelVersion,
  type ResolveOptions,
  resolveProfile,
  type SeccompAction,
  type SeccompArch,
  type SeccompFlag,
  type SeccompOperator,
} from './profile.ts';
export type { SeccompInput } from './rules.ts';
export {
  AUDIT_ARCH,
  isTabledArch,
  syscallNumber,
  syscallTable,
  TABLED_ARCHES,
  type TabledArch,
  X32_SYSCALL_BIT,
} from './syscall-table.ts';
