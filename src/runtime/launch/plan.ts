// The launch plan, version 1: everything the native core needs to start one
// container process, as plain data with every decision already made. The C side
// executes it step by step and decides nothing; `native/PLAN.md` documents the
// wire format that `encodePlan` writes and what C does with each record.
//
// Numbers are what the syscalls take: mount flags are MS_* bits, namespace
// types are CLONE_NEW* names, capabilities are CAP_* numbers, rlimit resources
// are RLIMIT_* numbers. Paths named "inside the rootfs" are resolved by C within
// the rootfs (a symlink never leads out of it); host paths are used as given.

export const PLAN_VERSION = 1 as const;

export type NamespaceType = 'pid' | 'mount' | 'uts' | 'ipc' | 'network' | 'user' | 'cgroup' | 'time';

/** One uid_map / gid_map line: `size` ids from `containerId` map to `hostId` onwards. */
export interface IdMapping {
  containerId: number;
  hostId: number;
  size: number;
}

/**
 * One mount(2) call onto a target inside the rootfs, made before pivot_root.
 * With MS_BIND in `flags`, C bind-mounts `source` (recursively with MS_REC)
 * and then, when `flags` holds other bits (MS_RDONLY, MS_NOSUID, ...), remounts
 * the bind with MS_BIND|MS_REMOUNT and those bits (keeping flags the kernel has
 * locked). Otherwise it is `mount(source, target, fstype, flags, data)`.
 * `propagationFlags` (MS_SHARED, MS_SLAVE, MS_PRIVATE, MS_UNBINDABLE, each
 * possibly with MS_REC) are applied one by one afterwards.
 * A missing target is created: a file when the source of a bind is not a
 * directory, a directory otherwise (parents as directories).
 */
export interface PlanMount {
  source: string;
  /** Inside the rootfs, e.g. `/proc`. */
  target: string;
  fstype: string;
  flags: number;
  propagationFlags: number[];
  data: string;
}

/** A device node made inside the rootfs by mknod, or bound from the host when `bindFrom` is set (user namespaces). */
export interface PlanDevice {
  /** Inside the rootfs, e.g. `/dev/null`. */
  path: string;
  type: 'c' | 'b' | 'p';
  major: number;
  minor: number;
  /** Permission bits, e.g. 0o666. */
  fileMode: number;
  uid: number;
  gid: number;
  /** Host path to bind-mount instead of mknod. */
  bindFrom?: string;
}

/** A symlink created inside the rootfs if nothing is at `path` yet (e.g. /dev/fd -> /proc/self/fd). */
export interface PlanLink {
  path: string;
  target: string;
}

export interface PlanRlimit {
  /** RLIMIT_* number. */
  resource: number;
  soft: bigint;
  hard: bigint;
}

export const RLIM_INFINITY = 0xffff_ffff_ffff_ffffn;

/** Capability numbers (CAP_*) of each set; all below 64. */
export interface CapabilitySets {
  bounding: number[];
  effective: number[];
  permitted: number[];
  inheritable: number[];
  ambient: number[];
}

export interface PlanSeccomp {
  /** `struct sock_filter` array as the kernel takes it (8 bytes per instruction, host byte order). */
  program: Uint8Array;
  /** SECCOMP_FILTER_FLAG_* bits passed to seccomp(2). */
  flags: number;
}

export interface PlanUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  /** Default 022. */
  umask?: number;
}

export interface PlanProcess {
  /**
   * What to exec. With a `/` it is exec'd as given (inside the container, after
   * pivot_root). Without one, C searches the `PATH` of `env` (or
   * /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin when `env`
   * has none) inside the container, as execvpe does, after pivot_root.
   * Defaults to `args[0]`.
   */
  exec?: string;
  args: string[];
  env: string[];
  /** Inside the container, absolute. */
  cwd: string;
  user: PlanUser;
  /** A pty is made inside the container (its devpts) and becomes stdio; the master goes to the parent. */
  terminal: boolean;
}

export interface LaunchPlan {
  version: typeof PLAN_VERSION;
  namespaces: {
    /** New namespaces (cgroup is unshared after the cgroups are joined). */
    create: NamespaceType[];
    /** Existing namespaces to join by path (e.g. /proc/123/ns/net), before the new ones are made. */
    join: { type: NamespaceType; path: string }[];
  };
  /** Written by the native parent (host root) for a new user namespace. */
  uidMappings: IdMapping[];
  gidMappings: IdMapping[];
  /** Write `deny` to /proc/PID/setgroups before gid_map (needed when mapping without privilege). */
  setgroupsDeny: boolean;
  /**
   * Absent: the process joins a running container's mount namespace (exec) and gets no filesystem setup
   * (no mounts, devices, links, masked or read-only paths, sysctls).
   */
  root?: {
    /** Host path of the root filesystem. */
    path: string;
    /** Applied to `/` with MS_REC first thing in the new mount namespace (e.g. MS_SLAVE|MS_REC or MS_PRIVATE|MS_REC). */
    propagation: number;
    readonly: boolean;
    /** pivot_root when true, chroot when false (e.g. on a ramfs root). */
    pivotRoot: boolean;
  };
  mounts: PlanMount[];
  devices: PlanDevice[];
  links: PlanLink[];
  /** Inside the rootfs: files get /dev/null bound over them, directories a read-only tmpfs. Missing ones are skipped. */
  maskedPaths: string[];
  /** Inside the rootfs: bound read-only onto themselves. Missing ones are skipped. */
  readonlyPaths: string[];
  hostname?: string;
  domainname?: string;
  /** `path` is relative to /proc/sys (e.g. `net/ipv4/ip_forward`); written through the container's /proc before masked and read-only paths are applied. */
  sysctls: { path: string; value: string }[];
  rlimits: PlanRlimit[];
  /** Host paths of cgroup.procs (or tasks) files; the parent writes the container's pid into each before it runs. */
  cgroupProcsFiles: string[];
  oomScoreAdj?: number;
  /** personality(2) domain, e.g. PER_LINUX32. */
  personality?: number;
  /** Absent: capabilities are left as they are (all of root's). */
  capabilities?: CapabilitySets;
  noNewPrivileges: boolean;
  seccomp?: PlanSeccomp;
  process: PlanProcess;
}

// Wire format (see native/PLAN.md): header "BERTHPLN" u32 version u32 body
// length, then records: u16 tag, u16 flags (bit 0: C may skip it when it does
// not know the tag), u32 payload length, payload. In payloads integers are u64
// little-endian and strings/bytes are u32 length + bytes (strings hold no NUL).
export const PlanTag = {
  NsCreate: 1,
  NsJoin: 2,
  UidMap: 3,
  GidMap: 4,
  SetgroupsDeny: 5,
  Root: 6,
  Mount: 7,
  Device: 8,
  Link: 9,
  Masked: 10,
  Readonly: 11,
  Hostname: 12,
  Domainname: 13,
  Sysctl: 14,
  Rlimit: 15,
  CgroupProcs: 16,
  OomScoreAdj: 17,
  Personality: 18,
  Capabilities: 19,
  NoNewPrivileges: 20,
  Seccomp: 21,
  User: 22,
  Cwd: 23,
  Env: 24,
  Arg: 25,
  Exec: 26,
  Terminal: 27,
} as const;

export const NAMESPACE_CLONE_FLAG: Record<NamespaceType, number> = {
  mount: 0x00020000,
  uts: 0x04000000,
  ipc: 0x08000000,
  user: 0x10000000,
  pid: 0x20000000,
  network: 0x40000000,
  cgroup: 0x02000000,
  time: 0x00000080,
};

const DEVICE_TYPE_BITS = { c: 0o020000, b: 0o060000, p: 0o010000 } as const;
const UMASK_UNSET = 0xffff_ffff_ffff_ffffn;
const MAX_PLAN_BYTES = 16 * 1024 * 1024;

class RecordWriter {
  private parts: Buffer[] = [];
  u64(v: number | bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)));
    this.parts.push(b);
    return this;
  }
  str(s: string, field: string): this {
    if (s.includes('\0')) throw new TypeError(`launch plan: ${field} contains a NUL byte`);
    return this.bytes(Buffer.from(s, 'utf8'));
  }
  bytes(data: Uint8Array): this {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(data.length);
    this.parts.push(len, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function capMask(caps: number[], set: string): bigint {
  let m = 0n;
  for (const c of caps) {
    if (!Number.isInteger(c) || c < 0 || c > 63)
      throw new RangeError(`launch plan: capability ${c} in ${set}`);
    m |= 1n << BigInt(c);
  }
  return m;
}

/** Encode a plan for the native core. Throws TypeError/RangeError on values the format cannot carry. */
export function encodePlan(plan: LaunchPlan): Buffer {
  if (plan.version !== PLAN_VERSION)
    throw new RangeError(`launch plan: version ${plan.version} is not ${PLAN_VERSION}`);
  const records: Buffer[] = [];
  const rec = (tag: number, payload: Buffer = Buffer.alloc(0)) => {
    const h = Buffer.alloc(8);
    h.writeUInt16LE(tag, 0);
    h.writeUInt16LE(0, 2);
    h.writeUInt32LE(payload.length, 4);
    records.push(h, payload);
  };
  const w = () => new RecordWriter();

  let cloneFlags = 0;
  for (const t of plan.namespaces.create) cloneFlags |= NAMESPACE_CLONE_FLAG[t];
  rec(PlanTag.NsCreate, w().u64(cloneFlags).done());
  for (const j of plan.namespaces.join)
    rec(PlanTag.NsJoin, w().u64(NAMESPACE_CLONE_FLAG[j.type]).str(j.path, 'namespace path').done());
  for (const m of plan.uidMappings)
    rec(PlanTag.UidMap, w().u64(m.containerId).u64(m.hostId).u64(m.size).done());
  for (const m of plan.gidMappings)
    rec(PlanTag.GidMap, w().u64(m.containerId).u64(m.hostId).u64(m.size).done());
  if (plan.setgroupsDeny) rec(PlanTag.SetgroupsDeny);
  if (plan.root)
    rec(
      PlanTag.Root,
      w()
        .str(plan.root.path, 'root.path')
        .u64(plan.root.propagation)
        .u64(plan.root.readonly ? 1 : 0)
        .u64(plan.root.pivotRoot ? 1 : 0)
        .done(),
    );
  for (const m of plan.mounts) {
    const r = w()
      .str(m.source, 'mount source')
      .str(m.target, 'mount target')
      .str(m.fstype, 'mount fstype')
      .u64(m.flags)
      .str(m.data, 'mount data')
      .u64(m.propagationFlags.length);
    for (const p of m.propagationFlags) r.u64(p);
    rec(PlanTag.Mount, r.done());
  }
  for (const d of plan.devices)
    rec(
      PlanTag.Device,
      w()
        .str(d.path, 'device path')
        .u64(DEVICE_TYPE_BITS[d.type])
        .u64(d.major)
        .u64(d.minor)
        .u64(d.fileMode & 0o7777)
        .u64(d.uid)
        .u64(d.gid)
        .str(d.bindFrom ?? '', 'device bindFrom')
        .done(),
    );
  for (const l of plan.links)
    rec(PlanTag.Link, w().str(l.path, 'link path').str(l.target, 'link target').done());
  for (const p of plan.maskedPaths) rec(PlanTag.Masked, w().str(p, 'masked path').done());
  for (const p of plan.readonlyPaths) rec(PlanTag.Readonly, w().str(p, 'readonly path').done());
  if (plan.hostname !== undefined) rec(PlanTag.Hostname, w().str(plan.hostname, 'hostname').done());
  if (plan.domainname !== undefined) rec(PlanTag.Domainname, w().str(plan.domainname, 'domainname').done());
  for (const s of plan.sysctls)
    rec(PlanTag.Sysctl, w().str(s.path, 'sysctl path').str(s.value, 'sysctl value').done());
  for (const r of plan.rlimits) rec(PlanTag.Rlimit, w().u64(r.resource).u64(r.soft).u64(r.hard).done());
  for (const f of plan.cgroupProcsFiles) rec(PlanTag.CgroupProcs, w().str(f, 'cgroup procs file').done());
  if (plan.oomScoreAdj !== undefined) rec(PlanTag.OomScoreAdj, w().u64(plan.oomScoreAdj).done());
  if (plan.personality !== undefined) rec(PlanTag.Personality, w().u64(plan.personality).done());
  if (plan.capabilities) {
    const c = plan.capabilities;
    rec(
      PlanTag.Capabilities,
      w()
        .u64(capMask(c.bounding, 'bounding'))
        .u64(capMask(c.effective, 'effective'))
        .u64(capMask(c.permitted, 'permitted'))
        .u64(capMask(c.inheritable, 'inheritable'))
        .u64(capMask(c.ambient, 'ambient'))
        .done(),
    );
  }
  if (plan.noNewPrivileges) rec(PlanTag.NoNewPrivileges);
  if (plan.seccomp) {
    if (plan.seccomp.program.length === 0 || plan.seccomp.program.length % 8 !== 0)
      throw new RangeError('launch plan: seccomp program must be a non-empty array of 8-byte sock_filter');
    rec(PlanTag.Seccomp, w().u64(plan.seccomp.flags).bytes(plan.seccomp.program).done());
  }
  const p = plan.process;
  if (p.args.length === 0) throw new RangeError('launch plan: process.args is empty');
  const u = w()
    .u64(p.user.uid)
    .u64(p.user.gid)
    .u64(p.user.umask === undefined ? UMASK_UNSET : p.user.umask)
    .u64(p.user.additionalGids.length);
  for (const g of p.user.additionalGids) u.u64(g);
  rec(PlanTag.User, u.done());
  rec(PlanTag.Cwd, w().str(p.cwd, 'process.cwd').done());
  for (const e of p.env) rec(PlanTag.Env, w().str(e, 'process.env').done());
  for (const a of p.args) rec(PlanTag.Arg, w().str(a, 'process.args').done());
  rec(
    PlanTag.Exec,
    w()
      .str(p.exec ?? p.args[0], 'process.exec')
      .done(),
  );
  if (p.terminal) rec(PlanTag.Terminal);

  const body = Buffer.concat(records);
  if (body.length > MAX_PLAN_BYTES) throw new RangeError(`launch plan: ${body.length} bytes is over 16 MiB`);
  const header = Buffer.alloc(16);
  header.write('BERTHPLN', 0, 'latin1');
  header.writeUInt32LE(PLAN_VERSION, 8);
  header.writeUInt32LE(body.length, 12);
  return Buffer.concat([header, body]);
}
