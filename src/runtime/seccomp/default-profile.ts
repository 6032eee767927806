// berth's default seccomp profile: the policy Docker applies to every
// container that is neither privileged nor configured otherwise, written as
// berth's own data. It is a Docker-format profile, so it is settled per
// container by `resolveProfile` (capabilities, host architecture, kernel) like
// any profile a user passes with `--security-opt seccomp=FILE`.
//
// The policy, in short: anything not listed fails with EPERM. The everyday
// calls of a process are allowed outright; calls that reach past the container
// (mounts, namespaces, modules, the clock, kernel tracing) are allowed only
// when the container holds the capability that would let it use them anyway;
// a few calls are allowed only with harmless arguments. The sets follow
// Docker's default profile (moby/profiles seccomp v0.2.3); the equivalence is
// checked by default-profile.test.ts against that profile's JSON.
import type {
  DockerSeccompArchMapEntry,
  DockerSeccompFilter,
  DockerSeccompProfile,
  DockerSeccompSyscall,
  LinuxSeccompArg,
} from './profile.ts';

/** Names written as one whitespace-separated string, so a group reads as a paragraph. */
const names = (text: string): string[] => text.trim().split(/\s+/);

const allow = (text: string, includes?: DockerSeccompFilter): DockerSeccompSyscall => ({
  names: names(text),
  action: 'SCMP_ACT_ALLOW',
  ...(includes ? { includes } : {}),
});

const withCapability = (cap: string, text: string) => allow(text, { caps: [cap] });
const onArches = (arches: string[], text: string) => allow(text, { arches });
const whenArg = (name: string, arg: LinuxSeccompArg): DockerSeccompSyscall => ({
  names: [name],
  action: 'SCMP_ACT_ALLOW',
  args: [arg],
});

// Errno values the profile returns.
const EPERM = 1;
const ENOSYS = 38;

// ---- Allowed for every container ---------------------------------------------------------------
//
// Grouped by what they are for. The *32, *64 and *_time64 variants are the
// same calls on the 32-bit ABIs (x86, arm) that containers of a 64-bit host may
// also run; a name an architecture lacks is simply skipped there.

const FILES = `
  access faccessat faccessat2 chdir fchdir getcwd umask
  open openat openat2 creat close close_range name_to_handle_at
  chmod fchmod fchmodat fchmodat2 chown chown32 fchown fchown32 fchownat lchown lchown32
  link linkat symlink symlinkat unlink unlinkat rename renameat renameat2
  mkdir mkdirat rmdir mknod mknodat readlink readlinkat getdents getdents64
  truncate truncate64 ftruncate ftruncate64 utime utimes utimensat utimensat_time64 futimesat
  stat stat64 lstat lstat64 fstat fstat64 fstatat64 newfstatat statx statfs statfs64 fstatfs fstatfs64
  getxattr lgetxattr fgetxattr getxattrat setxattr lsetxattr fsetxattr setxattrat
  listxattr llistxattr flistxattr listxattrat removexattr lremovexattr fremovexattr removexattrat
`;

// Reading the mount table is harmless; changing it needs CAP_SYS_ADMIN (below).
const MOUNT_INFO = 'listmount statmount';

const FILE_IO = `
  read write readv writev pread64 pwrite64 preadv preadv2 pwritev pwritev2 lseek _llseek
  dup dup2 dup3 fcntl fcntl64 ioctl flock pipe pipe2
  fsync fdatasync sync syncfs sync_file_range fadvise64 fadvise64_64 fallocate readahead cachestat
  sendfile sendfile64 splice tee vmsplice copy_file_range
`;

// Waiting on many descriptors, and descriptors that stand for events. io_uring
// is not here: it bypasses seccomp for the operations it submits.
const EVENTS = `
  poll ppoll ppoll_time64 select _newselect pselect6 pselect6_time64
  epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_wait epoll_wait_old epoll_pwait epoll_pwait2
  eventfd eventfd2 signalfd signalfd4
  timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64
  inotify_init inotify_init1 inotify_add_watch inotify_rm_watch fanotify_mark
  io_setup io_destroy io_submit io_cancel io_getevents io_pgetevents io_pgetevents_time64
  ioprio_get ioprio_set
`;

const MEMORY = `
  brk mmap mmap2 munmap mremap mprotect madvise mincore msync remap_file_pages
  mlock mlock2 mlockall munlock munlockall membarrier memfd_create memfd_secret
  pkey_alloc pkey_free pkey_mprotect map_shadow_stack mseal process_mrelease
`;

// clone and clone3 are not here: see the namespace rules below.
const PROCESSES = `
  fork vfork execve execveat exit exit_group wait4 waitid waitpid restart_syscall
  getpid getppid gettid getpgid setpgid getpgrp getsid setsid set_tid_address
  futex futex_time64 futex_wait futex_wake futex_waitv futex_requeue
  get_robust_list set_robust_list rseq get_thread_area set_thread_area
  prctl prlimit64 getrlimit setrlimit ugetrlimit getrusage getpriority setpriority times
  pidfd_open pidfd_send_signal kill tkill tgkill
  uname sysinfo getcpu getrandom riscv_hwprobe uretprobe
  capget capset seccomp landlock_create_ruleset landlock_add_rule landlock_restrict_self
`;

const SCHEDULING = `
  sched_yield sched_getaffinity sched_setaffinity sched_getattr sched_setattr
  sched_getparam sched_setparam sched_getscheduler sched_setscheduler
  sched_get_priority_max sched_get_priority_min sched_rr_get_interval sched_rr_get_interval_time64
`;

// Changing identity inside the user namespace is the kernel's to check (CAP_SETUID, CAP_SETGID).
const CREDENTIALS = `
  getuid getuid32 geteuid geteuid32 getgid getgid32 getegid getegid32
  getresuid getresuid32 getresgid getresgid32 getgroups getgroups32
  setuid setuid32 setgid setgid32 setreuid setreuid32 setregid setregid32
  setresuid setresuid32 setresgid setresgid32 setfsuid setfsuid32 setfsgid setfsgid32
  setgroups setgroups32
`;

const SIGNALS = `
  rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend
  rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo
  sigaltstack sigprocmask sigreturn pause alarm
`;

// Reading clocks and arming timers. adjtimex and clock_adjtime also read the
// clock's state; setting it through them needs CAP_SYS_TIME, which the kernel checks.
const TIME = `
  time gettimeofday clock_gettime clock_gettime64 clock_getres clock_getres_time64
  clock_nanosleep clock_nanosleep_time64 nanosleep adjtimex clock_adjtime clock_adjtime64
  getitimer setitimer timer_create timer_delete timer_getoverrun
  timer_gettime timer_gettime64 timer_settime timer_settime64
`;

// socket itself is argument-checked below.
const SOCKETS = `
  socketpair socketcall bind connect listen accept accept4 shutdown
  getsockname getpeername getsockopt setsockopt
  send sendto sendmsg sendmmsg recv recvfrom recvmsg recvmmsg recvmmsg_time64
`;

// System V IPC and POSIX message queues, both private to the container's IPC namespace.
const IPC = `
  ipc msgctl msgget msgrcv msgsnd semctl semget semop semtimedop semtimedop_time64
  shmat shmctl shmdt shmget
  mq_open mq_unlink mq_getsetattr mq_notify mq_timedreceive mq_timedreceive_time64
  mq_timedsend mq_timedsend_time64
`;

const EVERYDAY = [
  FILES,
  MOUNT_INFO,
  FILE_IO,
  EVENTS,
  MEMORY,
  PROCESSES,
  SCHEDULING,
  CREDENTIALS,
  SIGNALS,
  TIME,
  SOCKETS,
  IPC,
].join(' ');

// ---- Allowed with harmless arguments only --------------------------------------------------------

// Address families (socket's first argument) a container may not open: AF_ALG
// (38, the kernel's crypto API, a frequent source of kernel bugs) and AF_VSOCK
// (40, sockets to the hypervisor and other guests). All others are allowed.
const AF_ALG = 38;
const AF_VSOCK = 40;
const SOCKET_RULES = [
  whenArg('socket', { index: 0, value: AF_ALG, op: 'SCMP_CMP_LT' }),
  whenArg('socket', { index: 0, value: AF_ALG + 1, op: 'SCMP_CMP_EQ' }),
  whenArg('socket', { index: 0, value: AF_VSOCK, op: 'SCMP_CMP_GT' }),
];

// personality: only the Linux personalities, 64- or 32-bit, optionally
// reporting a 2.6 kernel version (UNAME26), and the query (0xffffffff) that
// changes nothing. Other personalities turn on odd behaviour such as
// READ_IMPLIES_EXEC or ADDR_NO_RANDOMIZE.
const PER_LINUX = 0x0000;
const PER_LINUX32 = 0x0008;
const UNAME26 = 0x0020000;
const PERSONALITY_QUERY = 0xffffffff;
const PERSONALITY_RULES = [PER_LINUX, PER_LINUX32, UNAME26, UNAME26 | PER_LINUX32, PERSONALITY_QUERY].map(
  (value) => whenArg('personality', { index: 0, value, op: 'SCMP_CMP_EQ' }),
);

// ---- Allowed on some architectures only --------------------------------------------------------
// (Docker's architecture names: Go's GOARCH, plus x86, x32 and s390 for the 32-bit ABIs.)

const ARCH_RULES = [
  onArches(['ppc64le'], 'sync_file_range2 swapcontext'),
  onArches(
    ['arm', 'arm64'],
    'arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls',
  ),
  onArches(['amd64', 'x32'], 'arch_prctl'),
  onArches(['amd64', 'x32', 'x86'], 'modify_ldt'),
  onArches(['s390', 's390x'], 's390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr'),
  onArches(['riscv64'], 'riscv_flush_icache'),
];

// ---- Allowed with a capability -----------------------------------------------------------------
// The kernel guards these calls with the capability (or they are of use only
// with it): a container that was given the capability is meant to use them.

const CAPABILITY_RULES = [
  withCapability('CAP_DAC_READ_SEARCH', 'open_by_handle_at'),
  withCapability(
    'CAP_SYS_ADMIN',
    `bpf clone clone3 fanotify_init lookup_dcookie perf_event_open quotactl quotactl_fd syslog
     fsconfig fsmount fsopen fspick mount mount_setattr move_mount open_tree umount umount2
     setdomainname sethostname setns unshare
     lsm_get_self_attr lsm_list_modules lsm_set_self_attr`,
  ),
  withCapability('CAP_SYS_BOOT', 'reboot'),
  withCapability('CAP_SYS_CHROOT', 'chroot'),
  withCapability('CAP_SYS_MODULE', 'delete_module init_module finit_module'),
  withCapability('CAP_SYS_PACCT', 'acct'),
  withCapability(
    'CAP_SYS_PTRACE',
    'kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace',
  ),
  withCapability('CAP_SYS_RAWIO', 'iopl ioperm'),
  withCapability('CAP_SYS_TIME', 'settimeofday stime clock_settime clock_settime64'),
  withCapability('CAP_SYS_TTY_CONFIG', 'vhangup'),
  withCapability('CAP_SYS_NICE', 'get_mempolicy mbind set_mempolicy set_mempolicy_home_node'),
  // The narrower capabilities that newer kernels split out of CAP_SYS_ADMIN.
  withCapability('CAP_SYSLOG', 'syslog'),
  withCapability('CAP_BPF', 'bpf'),
  withCapability('CAP_PERFMON', 'perf_event_open'),
];

// ---- Namespaces: clone and clone3 without CAP_SYS_ADMIN ------------------------------------------

// Without CAP_SYS_ADMIN, clone may make processes and threads but no new
// namespace: every CLONE_NEW* flag in its flags argument must be clear.
const CLONE_NEW_FLAGS =
  0x00020000 | // CLONE_NEWNS
  0x02000000 | // CLONE_NEWCGROUP
  0x04000000 | // CLONE_NEWUTS
  0x08000000 | // CLONE_NEWIPC
  0x10000000 | // CLONE_NEWUSER
  0x20000000 | // CLONE_NEWPID
  0x40000000; // CLONE_NEWNET
const noNewNamespaces = (flagsIndex: number): LinuxSeccompArg => ({
  index: flagsIndex,
  value: CLONE_NEW_FLAGS,
  valueTwo: 0,
  op: 'SCMP_CMP_MASKED_EQ',
});
const holdsSysAdmin = { caps: ['CAP_SYS_ADMIN'] };

const NAMESPACE_RULES: DockerSeccompSyscall[] = [
  {
    names: ['clone'],
    action: 'SCMP_ACT_ALLOW',
    args: [noNewNamespaces(0)],
    excludes: { ...holdsSysAdmin, arches: ['s390', 's390x'] },
  },
  {
    names: ['clone'],
    action: 'SCMP_ACT_ALLOW',
    args: [noNewNamespaces(1)],
    comment: 'on s390 the flags are the second argument of clone',
    includes: { arches: ['s390', 's390x'] },
    excludes: holdsSysAdmin,
  },
  // clone3 passes its flags in memory, where seccomp cannot look. ENOSYS (not
  // EPERM) makes the C library fall back to clone, whose flags can be checked.
  { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS, excludes: holdsSysAdmin },
];

// ---- The profile ---------------------------------------------------------------------------------

// Each native ABI with the others the same kernel runs next to it.
const ARCH_MAP: DockerSeccompArchMapEntry[] = [
  { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
  { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
  { architecture: 'SCMP_ARCH_MIPS64', subArchitectures: ['SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64N32'] },
  { architecture: 'SCMP_ARCH_MIPS64N32', subArchitectures: ['SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64'] },
  { architecture: 'SCMP_ARCH_MIPSEL64', subArchitectures: ['SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64N32'] },
  { architecture: 'SCMP_ARCH_MIPSEL64N32', subArchitectures: ['SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64'] },
  { architecture: 'SCMP_ARCH_S390X', subArchitectures: ['SCMP_ARCH_S390'] },
  { architecture: 'SCMP_ARCH_RISCV64', subArchitectures: [] },
  { architecture: 'SCMP_ARCH_LOONGARCH64', subArchitectures: [] },
];

function buildProfile(): DockerSeccompProfile {
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: EPERM,
    archMap: ARCH_MAP,
    syscalls: [
      allow(EVERYDAY),
      // Before 4.8 a traced process could change its syscall after seccomp
      // had checked it, so ptrace could be used to escape the filter.
      allow('process_vm_readv process_vm_writev ptrace', { minKernel: '4.8' }),
      ...SOCKET_RULES,
      ...PERSONALITY_RULES,
      ...ARCH_RULES,
      ...CAPABILITY_RULES,
      ...NAMESPACE_RULES,
    ],
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

let cached: DockerSeccompProfile | undefined;

/**
 * Docker's default seccomp profile, as berth applies it to containers that ask
 * for nothing else. One shared value, frozen: copy it to make a variant.
 */
export function defaultSeccompProfile(): DockerSeccompProfile {
  cached ??= deepFreeze(buildProfile());
  return cached;
}
