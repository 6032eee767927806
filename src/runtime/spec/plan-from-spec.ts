// Turn a validated config.json into the native core's launch plan: every name becomes the
// number a syscall takes, every path is checked, and every choice runc makes on the way
// (default devices, /dev symlinks, sysfs without a network namespace) is made here, so the
// C side only executes. Refusals name the field: `config.json: mounts[3].destination: ...`.
import { isAbsolute, posix, resolve } from 'node:path';
import { BerthError, invalidArgument } from '../../util/errors.ts';
import { MS, SECCOMP_FILTER_FLAG } from '../launch/linux-constants.ts';
import type {
  CapabilitySets,
  LaunchPlan,
  PlanDevice,
  PlanLink,
  PlanMount,
  NamespaceType as PlanNamespaceType,
} from '../launch/plan.ts';
import { PLAN_VERSION } from '../launch/plan.ts';
import { capabilityNumbers } from './capabilities.ts';
import { DEFAULT_DEVICES } from './defaults.ts';
import { PROPAGATION_WORDS, parseMountOptions } from './mount-options.ts';
import { planRlimits } from './rlimits.ts';
import type { Device, Mount, Spec } from './types.ts';

/** One cgroup hierarchy as the container should see it under /sys/fs/cgroup. */
export interface CgroupMountSource {
  /** Directory name under the cgroup mount (`memory`, `cpu,cpuacct`, `unified`); '' for a v2-only host. */
  name: string;
  /** The container's own cgroup directory on the host. */
  hostPath: string;
}

export interface PlanOptions {
  /** The compiled seccomp program (`compileSeccomp`); required when the spec has `linux.seccomp`. */
  seccompProgram?: Uint8Array;
  /** Files the container's pid is written to (the cgroup manager's `procsFiles()`). */
  cgroupProcsFiles: string[];
  /** What a `cgroup` mount shows (the cgroup manager's `mountSources()`); required when the spec mounts one. */
  cgroupMounts?: CgroupMountSource[];
  /** chroot instead of pivot_root (runc's --no-pivot). */
  noPivotRoot?: boolean;
  /** Write `deny` to setgroups before gid_map (rootless). */
  setgroupsDeny?: boolean;
}

const DOC = 'config.json';
const PER_LINUX = 0x0000;
const PER_LINUX32 = 0x0008;
const SECCOMP_FLAG_BITS: Record<string, number> = {
  SECCOMP_FILTER_FLAG_TSYNC: SECCOMP_FILTER_FLAG.TSYNC,
  SECCOMP_FILTER_FLAG_LOG: SECCOMP_FILTER_FLAG.LOG,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: SECCOMP_FILTER_FLAG.SPEC_ALLOW,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: 32,
};

const fail = (field: string, message: string): never => {
  throw invalidArgument(`${DOC}: ${field}: ${message}`);
};

const unsupported = (field: string, what: string): never => {
  throw new BerthError(
    'NotImplemented',
    `${DOC}: ${field}: ${what} is not supported by berth's runtime; remove it`,
  );
};

/** A path inside the container: absolute, with no `..` step (the C side also stays inside the rootfs). */
export function checkContainerPath(path: string, field: string): string {
  if (!path.startsWith('/')) fail(field, `"${path}" is not an absolute path`);
  if (path.split('/').includes('..')) fail(field, `"${path}" contains ".."`);
  if (path.includes('\0')) fail(field, 'contains a NUL byte');
  return posix.normalize(path);
}

export function planFromSpec(spec: Spec, bundleDir: string, opts: PlanOptions): LaunchPlan {
  const proc = spec.process ?? fail('process', 'missing: a container needs a process to run');
  const linux = spec.linux ?? {};
  refuseUnsupported(spec);

  const namespaces = planNamespaces(spec);
  const hasNs = (t: PlanNamespaceType) =>
    namespaces.create.includes(t) || namespaces.join.some((j) => j.type === t);
  const newUserNs = namespaces.create.includes('user');

  const args = proc.args?.length ? proc.args : fail('process.args', 'empty: name the program to run');
  const cwd = checkContainerPath(proc.cwd, 'process.cwd');

  if ((linux.uidMappings?.length || linux.gidMappings?.length) && !newUserNs) {
    fail(
      'linux.uidMappings',
      'uid/gid mappings need a new user namespace (linux.namespaces has no "user" to create)',
    );
  }
  if (newUserNs && (!linux.uidMappings?.length || !linux.gidMappings?.length)) {
    fail('linux.namespaces', 'a new user namespace needs linux.uidMappings and linux.gidMappings');
  }
  if (spec.hostname !== undefined && spec.hostname !== '' && !hasNs('uts')) {
    fail('hostname', 'setting the hostname needs a private UTS namespace');
  }
  if (spec.domainname !== undefined && spec.domainname !== '' && !hasNs('uts')) {
    fail('domainname', 'setting the domain name needs a private UTS namespace');
  }

  const userNs = hasNs('user');
  const plan: LaunchPlan = {
    version: PLAN_VERSION,
    namespaces,
    uidMappings: (linux.uidMappings ?? []).map((m) => ({
      containerId: m.containerID,
      hostId: m.hostID,
      size: m.size,
    })),
    gidMappings: (linux.gidMappings ?? []).map((m) => ({
      containerId: m.containerID,
      hostId: m.hostID,
      size: m.size,
    })),
    setgroupsDeny: opts.setgroupsDeny ?? false,
    root: {
      path: resolve(
        bundleDir,
        spec.root?.path ?? fail('root', 'missing: a container needs a root filesystem'),
      ),
      propagation: rootPropagation(linux.rootfsPropagation),
      readonly: spec.root?.readonly ?? false,
      pivotRoot: !opts.noPivotRoot,
    },
    mounts: (spec.mounts ?? []).flatMap((m, i) =>
      planMount(m, `mounts[${i}]`, bundleDir, { netNs: hasNs('network'), ipcNs: hasNs('ipc') }, opts),
    ),
    devices: planDevices(linux.devices ?? [], userNs),
    links: devLinks(spec.mounts ?? []),
    maskedPaths: (linux.maskedPaths ?? []).map((p, i) => checkContainerPath(p, `linux.maskedPaths[${i}]`)),
    readonlyPaths: (linux.readonlyPaths ?? []).map((p, i) =>
      checkContainerPath(p, `linux.readonlyPaths[${i}]`),
    ),
    ...(spec.hostname !== undefined ? { hostname: spec.hostname } : {}),
    ...(spec.domainname !== undefined ? { domainname: spec.domainname } : {}),
    sysctls: planSysctls(linux.sysctl ?? {}, hasNs),
    rlimits: planRlimits(proc.rlimits, `${DOC}: process.rlimits`),
    cgroupProcsFiles: [...opts.cgroupProcsFiles],
    ...(proc.oomScoreAdj !== undefined ? { oomScoreAdj: proc.oomScoreAdj } : {}),
    ...(linux.personality?.domain !== undefined
      ? { personality: linux.personality.domain === 'LINUX32' ? PER_LINUX32 : PER_LINUX }
      : {}),
    ...(proc.capabilities ? { capabilities: planCapabilities(proc.capabilities) } : {}),
    noNewPrivileges: proc.noNewPrivileges ?? false,
    process: {
      args: [...args],
      env: [...(proc.env ?? [])],
      cwd,
      user: {
        uid: proc.user?.uid ?? 0,
        gid: proc.user?.gid ?? 0,
        additionalGids: [...(proc.user?.additionalGids ?? [])],
        ...(proc.user?.umask !== undefined ? { umask: proc.user.umask } : {}),
      },
      terminal: proc.terminal ?? false,
    },
  };
  if (linux.seccomp) {
    if (!opts.seccompProgram?.length) {
      throw new BerthError(
        'FailedPrecondition',
        `${DOC}: linux.seccomp: the profile must be compiled (compileSeccomp) and passed as seccompProgram`,
      );
    }
    let flags = 0;
    for (const [i, f] of (linux.seccomp.flags ?? []).entries()) {
      flags |= SECCOMP_FLAG_BITS[f] ?? fail(`linux.seccomp.flags[${i}]`, `unknown seccomp flag "${f}"`);
    }
    plan.seccomp = { program: opts.seccompProgram, flags };
  }
  for (const [i, e] of plan.process.env.entries()) {
    if (!e.includes('=')) fail(`process.env[${i}]`, `"${e}" is not NAME=value`);
  }
  return plan;
}

function refuseUnsupported(spec: Spec): void {
  const proc = spec.process ?? { cwd: '/' };
  const linux = spec.linux ?? {};
  if (proc.apparmorProfile && proc.apparmorProfile !== 'unconfined') {
    unsupported('process.apparmorProfile', 'AppArmor');
  }
  if (proc.selinuxLabel) unsupported('process.selinuxLabel', 'SELinux');
  if (linux.mountLabel) unsupported('linux.mountLabel', 'SELinux');
  if (proc.ioPriority) unsupported('process.ioPriority', 'I/O priority');
  if (proc.scheduler) unsupported('process.scheduler', 'a scheduler policy');
  if (proc.execCPUAffinity) unsupported('process.execCPUAffinity', 'exec CPU affinity');
  if (linux.personality?.flags?.length) unsupported('linux.personality.flags', 'personality flags');
  if (linux.timeOffsets) unsupported('linux.timeOffsets', 'time namespace offsets');
  if (linux.intelRdt) unsupported('linux.intelRdt', 'Intel RDT');
  if (linux.memoryPolicy) unsupported('linux.memoryPolicy', 'a memory policy');
  if (linux.netDevices && Object.keys(linux.netDevices).length)
    unsupported('linux.netDevices', 'moving network devices');
  if (linux.seccomp?.listenerPath) unsupported('linux.seccomp.listenerPath', 'a seccomp notify listener');
}

function planNamespaces(spec: Spec): LaunchPlan['namespaces'] {
  const create: PlanNamespaceType[] = [];
  const join: { type: PlanNamespaceType; path: string }[] = [];
  const seen = new Set<string>();
  for (const [i, ns] of (spec.linux?.namespaces ?? []).entries()) {
    const field = `linux.namespaces[${i}]`;
    if (seen.has(ns.type)) fail(`${field}.type`, `duplicate namespace type "${ns.type}"`);
    seen.add(ns.type);
    if (ns.path) {
      if (!isAbsolute(ns.path)) fail(`${field}.path`, `"${ns.path}" is not an absolute path`);
      join.push({ type: ns.type, path: ns.path });
    } else {
      create.push(ns.type);
    }
  }
  return { create, join };
}

function rootPropagation(value: string | undefined): number {
  if (!value) return MS.SLAVE | MS.REC;
  const bits = Object.hasOwn(PROPAGATION_WORDS, value) ? PROPAGATION_WORDS[value] : undefined;
  return bits ?? fail('linux.rootfsPropagation', `unknown propagation "${value}"`);
}

function planCapabilities(caps: NonNullable<NonNullable<Spec['process']>['capabilities']>): CapabilitySets {
  const at = `${DOC}: process.capabilities`;
  return {
    bounding: capabilityNumbers(caps.bounding, `${at}.bounding`),
    effective: capabilityNumbers(caps.effective, `${at}.effective`),
    permitted: capabilityNumbers(caps.permitted, `${at}.permitted`),
    inheritable: capabilityNumbers(caps.inheritable, `${at}.inheritable`),
    ambient: capabilityNumbers(caps.ambient, `${at}.ambient`),
  };
}

function planMount(
  m: Mount,
  field: string,
  bundleDir: string,
  ns: { netNs: boolean; ipcNs: boolean },
  opts: PlanOptions,
): PlanMount[] {
  const target = checkContainerPath(m.destination, `${field}.destination`);
  const parsed = parseMountOptions(m.options, `${DOC}: ${field}.options`);
  let { flags } = parsed;
  let fstype = m.type ?? '';
  let source = m.source ?? '';
  if (fstype === 'bind') flags |= MS.BIND;
  // sysfs and mqueue belong to a network / IPC namespace; without a private one, the
  // host's are bound in instead (as runc does).
  if (fstype === 'sysfs' && !ns.netNs) [fstype, source, flags] = ['bind', '/sys', flags | MS.BIND | MS.REC];
  if (fstype === 'mqueue' && !ns.ipcNs)
    [fstype, source, flags] = ['bind', '/dev/mqueue', flags | MS.BIND | MS.REC];
  if (flags & MS.BIND) {
    fstype = 'bind';
    if (!source) fail(`${field}.source`, 'a bind mount needs a source');
    source = resolve(bundleDir, source);
  }
  if (fstype === 'cgroup' || fstype === 'cgroup2') {
    return cgroupMounts(target, flags, parsed.propagationFlags, field, opts);
  }
  return [{ source, target, fstype, flags, propagationFlags: parsed.propagationFlags, data: parsed.data }];
}

// A cgroup mount shows the container its own cgroups: on v1 a tmpfs with each hierarchy
// bound into it (then made read-only like the rest), on a v2-only host the one directory.
function cgroupMounts(
  target: string,
  flags: number,
  propagationFlags: number[],
  field: string,
  opts: PlanOptions,
): PlanMount[] {
  const sources = opts.cgroupMounts;
  if (!sources?.length) {
    throw new BerthError(
      'FailedPrecondition',
      `${DOC}: ${field}: a cgroup mount needs the container's cgroup directories (cgroupMounts)`,
    );
  }
  const bindFlags = MS.BIND | MS.REC | (flags & (MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.RELATIME));
  if (sources.length === 1 && sources[0].name === '') {
    return [
      { source: sources[0].hostPath, target, fstype: 'bind', flags: bindFlags, propagationFlags, data: '' },
    ];
  }
  const tmpfsFlags = MS.NOSUID | MS.NODEV | MS.NOEXEC;
  const out: PlanMount[] = [
    { source: 'tmpfs', target, fstype: 'tmpfs', flags: tmpfsFlags, propagationFlags, data: 'mode=755' },
  ];
  for (const s of sources) {
    if (!s.name || s.name.includes('/') || s.name === '..')
      fail(field, `bad cgroup hierarchy name "${s.name}"`);
    out.push({
      source: s.hostPath,
      target: posix.join(target, s.name),
      fstype: 'bind',
      flags: bindFlags,
      propagationFlags: [],
      data: '',
    });
  }
  if (flags & MS.RDONLY) {
    out.push({
      source: 'tmpfs',
      target,
      fstype: 'tmpfs',
      flags: tmpfsFlags | MS.REMOUNT | MS.RDONLY,
      propagationFlags: [],
      data: 'mode=755',
    });
  }
  return out;
}

function planDevices(devices: readonly Device[], userNs: boolean): PlanDevice[] {
  const out = new Map<string, PlanDevice>();
  const add = (d: Device, field: string) => {
    const path = checkContainerPath(d.path, `${field}.path`);
    const type = d.type === 'u' ? 'c' : d.type;
    if (type !== 'p' && (d.major === undefined || d.minor === undefined)) {
      fail(field, `a "${d.type}" device needs major and minor numbers`);
    }
    if ((d.major ?? 0) < 0 || (d.minor ?? 0) < 0) fail(field, 'major and minor must not be negative');
    out.set(path, {
      path,
      type,
      major: type === 'p' ? 0 : (d.major as number),
      minor: type === 'p' ? 0 : (d.minor as number),
      fileMode: d.fileMode ?? 0o666,
      uid: d.uid ?? 0,
      gid: d.gid ?? 0,
      // In a user namespace mknod is not allowed; the host's node is bound instead.
      ...(userNs ? { bindFrom: path } : {}),
    });
  };
  for (const d of DEFAULT_DEVICES) add(d, 'default device');
  for (const [i, d] of devices.entries()) add(d, `linux.devices[${i}]`);
  return [...out.values()];
}

function devLinks(mounts: readonly Mount[]): PlanLink[] {
  const links: PlanLink[] = [
    { path: '/dev/fd', target: '/proc/self/fd' },
    { path: '/dev/stdin', target: '/proc/self/fd/0' },
    { path: '/dev/stdout', target: '/proc/self/fd/1' },
    { path: '/dev/stderr', target: '/proc/self/fd/2' },
  ];
  if (mounts.some((m) => m.type === 'devpts' && posix.normalize(m.destination) === '/dev/pts')) {
    links.push({ path: '/dev/ptmx', target: 'pts/ptmx' });
  }
  return links;
}

// Which namespace makes a sysctl the container's own; anything else would change the host.
function sysctlNamespace(name: string): PlanNamespaceType | undefined {
  if (name.startsWith('net.')) return 'network';
  if (
    name.startsWith('fs.mqueue.') ||
    /^kernel\.(msgmax|msgmnb|msgmni|sem|shmall|shmmax|shmmni|shm_rmid_forced)$/.test(name)
  ) {
    return 'ipc';
  }
  if (name === 'kernel.hostname' || name === 'kernel.domainname') return 'uts';
  return undefined;
}

function planSysctls(
  sysctl: Record<string, string>,
  hasNs: (t: PlanNamespaceType) => boolean,
): { path: string; value: string }[] {
  return Object.entries(sysctl).map(([name, value]) => {
    const field = `linux.sysctl[${JSON.stringify(name)}]`;
    const path = name.replaceAll('.', '/');
    if (!/^[A-Za-z0-9_\-/]+$/.test(path) || path.split('/').some((s) => s === '' || s === '..')) {
      fail(field, `"${name}" is not a sysctl name`);
    }
    const ns = sysctlNamespace(name);
    if (!ns)
      fail(field, `"${name}" is not in a namespace of the container, so setting it would change the host`);
    if (!hasNs(ns as PlanNamespaceType)) fail(field, `"${name}" needs a private ${ns} namespace`);
    return { path, value };
  });
}
