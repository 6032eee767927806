// The specs a container gets when nobody says otherwise: Docker's (what `docker run`
// hands its runtime) and `runc spec`'s example config.json. Facts from Docker's and runc's
// defaults; the values are the interface, so they are spelled out here in full.
import {
  type Device,
  type DeviceCgroupRule,
  type Mount,
  type Namespace,
  OCI_VERSION,
  type Spec,
} from './types.ts';

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The capabilities Docker keeps for a container that is not privileged. */
export const DOCKER_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
] as const;

export const DOCKER_MASKED_PATHS = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/interrupts',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
] as const;

export const DEFAULT_READONLY_PATHS = [
  '/proc/bus',
  '/proc/fs',
  '/proc/irq',
  '/proc/sys',
  '/proc/sysrq-trigger',
] as const;

export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/** Docker's mounts for a new container; /dev/shm is `shmSize` bytes. */
export function dockerMounts(shmSize = DEFAULT_SHM_SIZE): Mount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['ro', 'nosuid', 'noexec', 'nodev'],
    },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shmSize}`],
    },
  ];
}

/**
 * The device nodes every container gets in its /dev whether the spec lists them or not
 * (runc creates them; a spec entry with the same path wins).
 */
export const DEFAULT_DEVICES: readonly Device[] = [
  { type: 'c', path: '/dev/null', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/zero', major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/full', major: 1, minor: 7, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/random', major: 1, minor: 8, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/urandom', major: 1, minor: 9, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/tty', major: 5, minor: 0, fileMode: 0o666, uid: 0, gid: 0 },
];

const rwm = (major: number, minor: number): DeviceCgroupRule => ({
  allow: true,
  type: 'c',
  major,
  minor,
  access: 'rwm',
});

/** Docker's device cgroup rules for a container that is not privileged. */
export const DOCKER_DEVICE_RULES: readonly DeviceCgroupRule[] = [
  { allow: false, access: 'rwm' },
  rwm(1, 5), // zero
  rwm(1, 3), // null
  rwm(1, 9), // urandom
  rwm(1, 8), // random
  rwm(5, 0), // tty
  rwm(5, 1), // console
  { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' }, // fuse
];

/**
 * What the runtime itself always allows after the spec's rules (runc does the same):
 * mknod of any node, the default devices, the ptys, and tun/tap. A major or minor of -1
 * is the wildcard `*`.
 */
export const RUNTIME_DEVICE_RULES: readonly DeviceCgroupRule[] = [
  { allow: true, type: 'c', major: -1, minor: -1, access: 'm' },
  { allow: true, type: 'b', major: -1, minor: -1, access: 'm' },
  rwm(1, 3), // null
  rwm(1, 8), // random
  rwm(1, 7), // full
  rwm(5, 0), // tty
  rwm(1, 5), // zero
  rwm(1, 9), // urandom
  rwm(136, -1), // /dev/pts/*
  rwm(5, 2), // /dev/ptmx
  rwm(10, 200), // /dev/net/tun
];

export interface DefaultSpecOptions {
  args: string[];
  /** Added after PATH (which the caller may replace by passing its own PATH=...). */
  env?: string[];
  cwd?: string;
  hostname?: string;
  uid?: number;
  gid?: number;
  additionalGids?: number[];
  terminal?: boolean;
  rootfs?: string;
  readonlyRootfs?: boolean;
  shmSize?: number;
  /** A private cgroup namespace (Docker's default on cgroup v2; the host's on v1). */
  cgroupns?: boolean;
  /** Share the host's network namespace (`--network host`). */
  hostNetwork?: boolean;
}

/** The spec Docker would hand runc for `docker run IMAGE ARGS...` with no other flags. */
export function defaultSpec(opts: DefaultSpecOptions): Spec {
  const env = opts.env ?? [];
  const namespaces: Namespace[] = [{ type: 'mount' }, { type: 'uts' }, { type: 'pid' }, { type: 'ipc' }];
  if (!opts.hostNetwork) namespaces.splice(1, 0, { type: 'network' });
  if (opts.cgroupns) namespaces.push({ type: 'cgroup' });
  const caps = [...DOCKER_CAPABILITIES];
  return {
    ociVersion: OCI_VERSION,
    process: {
      terminal: opts.terminal ?? false,
      user: {
        uid: opts.uid ?? 0,
        gid: opts.gid ?? 0,
        ...(opts.additionalGids ? { additionalGids: opts.additionalGids } : {}),
      },
      args: [...opts.args],
      env: env.some((e) => e.startsWith('PATH=')) ? [...env] : [DEFAULT_PATH, ...env],
      cwd: opts.cwd ?? '/',
      capabilities: { bounding: caps, effective: [...caps], permitted: [...caps] },
      oomScoreAdj: 0,
    },
    root: { path: opts.rootfs ?? 'rootfs', readonly: opts.readonlyRootfs ?? false },
    ...(opts.hostname ? { hostname: opts.hostname } : {}),
    mounts: dockerMounts(opts.shmSize),
    linux: {
      // Docker lets unprivileged users ping and bind low ports inside their own network.
      ...(opts.hostNetwork
        ? {}
        : {
            sysctl: {
              'net.ipv4.ip_unprivileged_port_start': '0',
              'net.ipv4.ping_group_range': '0 2147483647',
            },
          }),
      resources: { devices: DOCKER_DEVICE_RULES.map((r) => ({ ...r })) },
      namespaces,
      maskedPaths: [...DOCKER_MASKED_PATHS],
      readonlyPaths: [...DEFAULT_READONLY_PATHS],
    },
  };
}

/** `runc spec`'s example config.json: `sh` on a terminal, a read-only rootfs at ./rootfs. */
export function runcSpec(): Spec {
  const caps = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
  return {
    ociVersion: OCI_VERSION,
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: [DEFAULT_PATH, 'TERM=xterm'],
      cwd: '/',
      capabilities: { bounding: caps, effective: [...caps], permitted: [...caps], ambient: [...caps] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'runc',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      {
        destination: '/dev',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
      },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
      },
      {
        destination: '/dev/shm',
        type: 'tmpfs',
        source: 'shm',
        options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
      },
      {
        destination: '/dev/mqueue',
        type: 'mqueue',
        source: 'mqueue',
        options: ['nosuid', 'noexec', 'nodev'],
      },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      {
        destination: '/sys/fs/cgroup',
        type: 'cgroup',
        source: 'cgroup',
        options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
      },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      maskedPaths: [
        '/proc/acpi',
        '/proc/asound',
        '/proc/kcore',
        '/proc/keys',
        '/proc/latency_stats',
        '/proc/timer_list',
        '/proc/timer_stats',
        '/proc/sched_debug',
        '/sys/firmware',
        '/proc/scsi',
      ],
      readonlyPaths: [...DEFAULT_READONLY_PATHS],
    },
  };
}
