// Checks for config.json's `linux` section, following config-linux.json and defs-linux.json.
import {
  allOf,
  anyInt,
  arrayOf,
  bool,
  type Check,
  int64,
  mapOf,
  matching,
  object,
  oneOf,
  str,
  stringMap,
  uint16,
  uint32,
  uint64,
} from './checks.ts';
import { NAMESPACE_TYPES } from './types.ts';

export const idMapping = object({ containerID: uint32, hostID: uint32, size: uint32 }, [
  'containerID',
  'hostID',
  'size',
]);

export const SECCOMP_ACTIONS = [
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_LOG',
  'SCMP_ACT_NOTIFY',
] as const;

export const SECCOMP_ARCHES = [
  'SCMP_ARCH_X86',
  'SCMP_ARCH_X86_64',
  'SCMP_ARCH_X32',
  'SCMP_ARCH_ARM',
  'SCMP_ARCH_AARCH64',
  'SCMP_ARCH_LOONGARCH64',
  'SCMP_ARCH_M68K',
  'SCMP_ARCH_MIPS',
  'SCMP_ARCH_MIPS64',
  'SCMP_ARCH_MIPS64N32',
  'SCMP_ARCH_MIPSEL',
  'SCMP_ARCH_MIPSEL64',
  'SCMP_ARCH_MIPSEL64N32',
  'SCMP_ARCH_PPC',
  'SCMP_ARCH_PPC64',
  'SCMP_ARCH_PPC64LE',
  'SCMP_ARCH_S390',
  'SCMP_ARCH_S390X',
  'SCMP_ARCH_SH',
  'SCMP_ARCH_SHEB',
  'SCMP_ARCH_PARISC',
  'SCMP_ARCH_PARISC64',
  'SCMP_ARCH_RISCV64',
] as const;

export const SECCOMP_FLAGS = [
  'SECCOMP_FILTER_FLAG_TSYNC',
  'SECCOMP_FILTER_FLAG_LOG',
  'SECCOMP_FILTER_FLAG_SPEC_ALLOW',
  'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV',
] as const;

export const SECCOMP_OPERATORS = [
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_EQ',
  'SCMP_CMP_GE',
  'SCMP_CMP_GT',
  'SCMP_CMP_MASKED_EQ',
] as const;

export const SCHEDULER_POLICIES = [
  'SCHED_OTHER',
  'SCHED_FIFO',
  'SCHED_RR',
  'SCHED_BATCH',
  'SCHED_ISO',
  'SCHED_IDLE',
  'SCHED_DEADLINE',
] as const;

export const SCHEDULER_FLAGS = [
  'SCHED_FLAG_RESET_ON_FORK',
  'SCHED_FLAG_RECLAIM',
  'SCHED_FLAG_DL_OVERRUN',
  'SCHED_FLAG_KEEP_POLICY',
  'SCHED_FLAG_KEEP_PARAMS',
  'SCHED_FLAG_UTIL_CLAMP_MIN',
  'SCHED_FLAG_UTIL_CLAMP_MAX',
] as const;

const seccompAction = oneOf(SECCOMP_ACTIONS, 'seccomp action');

const seccomp = object(
  {
    defaultAction: seccompAction,
    defaultErrnoRet: uint32,
    flags: arrayOf(oneOf(SECCOMP_FLAGS, 'seccomp flag')),
    listenerPath: str,
    listenerMetadata: str,
    architectures: arrayOf(oneOf(SECCOMP_ARCHES, 'seccomp architecture')),
    syscalls: arrayOf(
      object(
        {
          names: arrayOf(str, 1),
          action: seccompAction,
          errnoRet: uint32,
          args: arrayOf(
            object(
              {
                index: uint32,
                value: uint64,
                valueTwo: uint64,
                op: oneOf(SECCOMP_OPERATORS, 'seccomp operator'),
              },
              ['index', 'value', 'op'],
            ),
          ),
        },
        ['names', 'action'],
      ),
    ),
  },
  ['defaultAction'],
);

const device = object(
  {
    type: matching(/^[cbup]$/, 'device type'),
    path: str,
    fileMode: (v, at) => {
      anyInt(v, at);
      const mode = v as number;
      if (mode < 0 || mode > 511) {
        at.fail(`${mode} is out of range [0, 511] (a file mode is written in decimal: 0666 is 438)`);
      }
    },
    major: int64,
    minor: int64,
    uid: uint32,
    gid: uint32,
  },
  ['type', 'path'],
);

const blockIODevice = object({ major: int64, minor: int64 }, ['major', 'minor']);
const blockIOWeightDevice = allOf(blockIODevice, object({ weight: uint16, leafWeight: uint16 }));
const blockIOThrottle = allOf(blockIODevice, object({ rate: uint64 }));

const resources = object({
  unified: stringMap,
  devices: arrayOf(object({ allow: bool, type: str, major: int64, minor: int64, access: str }, ['allow'])),
  pids: object({ limit: int64 }, ['limit']),
  blockIO: object({
    weight: uint16,
    leafWeight: uint16,
    throttleReadBpsDevice: arrayOf(blockIOThrottle),
    throttleWriteBpsDevice: arrayOf(blockIOThrottle),
    throttleReadIOPSDevice: arrayOf(blockIOThrottle),
    throttleWriteIOPSDevice: arrayOf(blockIOThrottle),
    weightDevice: arrayOf(blockIOWeightDevice),
  }),
  cpu: object({
    cpus: str,
    mems: str,
    period: uint64,
    quota: int64,
    burst: uint64,
    realtimePeriod: uint64,
    realtimeRuntime: int64,
    shares: uint64,
    idle: int64,
  }),
  hugepageLimits: arrayOf(
    object({ pageSize: matching(/^[1-9][0-9]*[KMG]B$/, 'huge page size'), limit: uint64 }, [
      'pageSize',
      'limit',
    ]),
  ),
  memory: object({
    kernel: int64,
    kernelTCP: int64,
    limit: int64,
    reservation: int64,
    swap: int64,
    swappiness: uint64,
    disableOOMKiller: bool,
    useHierarchy: bool,
    checkBeforeUpdate: bool,
  }),
  network: object({
    classID: uint32,
    priorities: arrayOf(object({ name: str, priority: uint32 }, ['name', 'priority'])),
  }),
  rdma: mapOf(object({ hcaHandles: uint32, hcaObjects: uint32 })),
});

const timeOffsets = object({ secs: int64, nanosecs: uint32 });

export const linux: Check = object({
  devices: arrayOf(device),
  netDevices: mapOf(object({ name: str })),
  uidMappings: arrayOf(idMapping),
  gidMappings: arrayOf(idMapping),
  namespaces: arrayOf(object({ type: oneOf(NAMESPACE_TYPES, 'namespace type'), path: str }, ['type'])),
  resources,
  cgroupsPath: str,
  rootfsPropagation: oneOf(['private', 'shared', 'slave', 'unbindable'], 'rootfs propagation'),
  seccomp,
  sysctl: stringMap,
  maskedPaths: arrayOf(str),
  readonlyPaths: arrayOf(str),
  mountLabel: str,
  intelRdt: object({
    closID: str,
    schemata: arrayOf(str),
    l3CacheSchema: str,
    memBwSchema: matching(/^MB:[^\n]*$/, 'memory bandwidth schema'),
    enableMonitoring: bool,
  }),
  memoryPolicy: object({
    mode: oneOf(
      [
        'MPOL_DEFAULT',
        'MPOL_BIND',
        'MPOL_INTERLEAVE',
        'MPOL_WEIGHTED_INTERLEAVE',
        'MPOL_PREFERRED',
        'MPOL_PREFERRED_MANY',
        'MPOL_LOCAL',
      ],
      'memory policy mode',
    ),
    nodes: str,
    flags: arrayOf(
      oneOf(['MPOL_F_NUMA_BALANCING', 'MPOL_F_RELATIVE_NODES', 'MPOL_F_STATIC_NODES'], 'memory policy flag'),
    ),
  }),
  personality: object({ domain: oneOf(['LINUX', 'LINUX32'], 'personality domain'), flags: arrayOf(str) }),
  timeOffsets: object({ boottime: timeOffsets, monotonic: timeOffsets }),
});
