// One container's cgroups across every hierarchy of the machine: made before the
// container starts (the launch plan joins them through their cgroup.procs files), limited
// by the spec's resources, frozen and thawed for pause and resume, read for stats and OOM
// kills, and removed when the container is deleted.
// cgroupfs calls are synchronous: see files.ts
import { mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError, errnoOf, fromErrno } from '../../util/errors.ts';
import { RUNTIME_DEVICE_RULES } from '../spec/defaults.ts';
import type { CgroupMountSource } from '../spec/plan-from-spec.ts';
import type { Resources } from '../spec/types.ts';
import { applyV1 } from './apply-v1.ts';
import { applyV2 } from './apply-v2.ts';
import type { CgroupLayout, V1Hierarchy } from './detect.ts';
import { parseCount, parseKeyed, readControl, readControlIfExists, writeControl } from './files.ts';

export interface CgroupManagerOptions {
  /** Add the runtime's own device rules after the spec's, as runc does (default true). */
  runtimeDeviceRules?: boolean;
  /** On cgroup v2, device rules cannot be enforced yet: fail (default) or only warn. */
  unenforcedDeviceRules?: 'error' | 'warn';
  /** How long freeze and destroy wait for the kernel (default 10 s). */
  timeoutMs?: number;
}

export type FreezerState = 'THAWED' | 'FREEZING' | 'FROZEN';

export interface CgroupStats {
  memory: {
    /** Bytes in use now (with page cache). */
    usage: number;
    maxUsage?: number;
    /** Infinity when unlimited. */
    limit: number;
    failcnt?: number;
    oomKills: number;
    stat: Record<string, number>;
  };
  pids: { current: number; limit: number };
  cpu: {
    usageNanos: number;
    userNanos?: number;
    systemNanos?: number;
    throttledPeriods?: number;
    throttledNanos?: number;
  };
}

// v1 reports cpuacct.stat in USER_HZ ticks, which is 100 on Linux.
const NANOS_PER_TICK = 10_000_000;
// v1 memory.limit_in_bytes reads back a page-rounded huge number when unlimited.
const V1_UNLIMITED = 2 ** 62;
const V2_CONTROLLERS = ['cpuset', 'cpu', 'io', 'memory', 'pids', 'hugetlb'];

export class CgroupManager {
  /** Limits the machine could not apply (a controller or file it lacks), in order. */
  readonly warnings: string[] = [];
  private readonly v1Dirs: { hierarchy: V1Hierarchy; dir: string }[];
  private readonly unifiedDir?: string;
  private readonly opts: Required<CgroupManagerOptions>;

  /** `path` is the cgroup path inside each hierarchy, e.g. /berth/<id> (see resolveCgroupsPath). */
  constructor(
    readonly layout: CgroupLayout,
    readonly path: string,
    opts: CgroupManagerOptions = {},
  ) {
    if (!path.startsWith('/') || path === '/' || path.split('/').includes('..')) {
      throw new BerthError(
        'InvalidArgument',
        `cgroup path "${path}" must be absolute, below the root, without ".."`,
      );
    }
    this.v1Dirs = layout.v1.map((hierarchy) => ({ hierarchy, dir: join(hierarchy.mountpoint, path) }));
    if (layout.unified) this.unifiedDir = join(layout.unified, path);
    this.opts = {
      runtimeDeviceRules: opts.runtimeDeviceRules ?? true,
      unenforcedDeviceRules: opts.unenforcedDeviceRules ?? 'error',
      timeoutMs: opts.timeoutMs ?? 10_000,
    };
  }

  /** Every directory of this container's cgroup, one per hierarchy. */
  dirs(): string[] {
    return [...this.v1Dirs.map((d) => d.dir), ...(this.unifiedDir ? [this.unifiedDir] : [])];
  }

  /** The files the container's pid is written to, so it starts inside every hierarchy. */
  procsFiles(): string[] {
    return this.dirs().map((d) => join(d, 'cgroup.procs'));
  }

  /** What the container's /sys/fs/cgroup shows (see planFromSpec's cgroupMounts). */
  mountSources(): CgroupMountSource[] {
    if (this.layout.mode === 'v2') return [{ name: '', hostPath: this.unifiedDir! }];
    return [
      ...this.v1Dirs.map(({ hierarchy, dir }) => ({ name: basename(hierarchy.mountpoint), hostPath: dir })),
      ...(this.unifiedDir ? [{ name: basename(this.layout.unified!), hostPath: this.unifiedDir }] : []),
    ];
  }

  /** The container's directory in the v1 hierarchy that holds `controller`. */
  v1Dir(controller: string): string | undefined {
    return this.v1Dirs.find((d) => d.hierarchy.controllers.includes(controller))?.dir;
  }

  /** Make the directories (and their parents), readying cpuset and v2 controllers on the way. */
  async create(): Promise<void> {
    for (const { hierarchy, dir } of this.v1Dirs) {
      await this.mkdirLevels(hierarchy.mountpoint, dir, async (parent, child) => {
        if (hierarchy.controllers.includes('cpuset')) await initCpuset(parent, child);
      });
    }
    if (this.unifiedDir) {
      await this.mkdirLevels(this.layout.unified!, this.unifiedDir, async (parent) => {
        if (this.layout.mode === 'v2') await enableControllers(parent);
      });
    }
  }

  private async mkdirLevels(
    root: string,
    dir: string,
    ready: (parent: string, child: string) => Promise<void>,
  ): Promise<void> {
    let at = root;
    for (const part of dir.slice(root.length).split('/').filter(Boolean)) {
      const child = join(at, part);
      try {
        mkdirSync(child);
      } catch (err) {
        if (errnoOf(err) !== 'EEXIST') throw fromErrno(err, `creating cgroup ${child}`);
      }
      await ready(at, child);
      at = child;
    }
  }

  /** Apply limits; members left out stay as they are (so this is also `update`). */
  async apply(resources: Resources): Promise<void> {
    const warn = (m: string) => void this.warnings.push(m);
    const r: Resources = { ...resources };
    if (r.devices && this.opts.runtimeDeviceRules) r.devices = [...r.devices, ...RUNTIME_DEVICE_RULES];
    if (this.layout.mode === 'v2') {
      await applyV2(this.unifiedDir!, r, warn, { unenforcedDeviceRules: this.opts.unenforcedDeviceRules });
    } else {
      await applyV1((c) => this.v1Dir(c), r, warn, this.unifiedDir);
    }
  }

  update(resources: Resources): Promise<void> {
    return this.apply(resources);
  }

  /** Move a process (and, on v1, its threads) into every hierarchy. */
  async addProcess(pid: number): Promise<void> {
    for (const file of this.procsFiles()) await writeControl(file, String(pid));
  }

  /** The pids in the container's cgroup. */
  async pids(): Promise<number[]> {
    const dir = this.v1Dir('pids') ?? this.v1Dir('memory') ?? this.unifiedDir ?? this.v1Dirs[0]?.dir;
    if (!dir) return [];
    const text = await readControlIfExists(join(dir, 'cgroup.procs'));
    return (text ?? '').split('\n').filter(Boolean).map(Number);
  }

  private freezerFile(): { file: string; v2: boolean } {
    const v1 = this.v1Dir('freezer');
    if (v1) return { file: join(v1, 'freezer.state'), v2: false };
    if (this.unifiedDir) return { file: join(this.unifiedDir, 'cgroup.freeze'), v2: true };
    throw new BerthError('FailedPrecondition', 'cannot pause: this machine has no freezer cgroup');
  }

  async freezerState(): Promise<FreezerState> {
    const { file, v2 } = this.freezerFile();
    if (!v2) {
      const s = await readControlIfExists(file);
      return s === 'FROZEN' || s === 'FREEZING' ? s : 'THAWED';
    }
    if ((await readControlIfExists(file)) !== '1') return 'THAWED';
    const events = parseKeyed(await readControlIfExists(join(dirname(file), 'cgroup.events')));
    return events.get('frozen') === 1 ? 'FROZEN' : 'FREEZING';
  }

  /** Freeze every process and wait until the kernel says they are. */
  async freeze(): Promise<void> {
    await this.setFrozen(true);
  }

  async thaw(): Promise<void> {
    await this.setFrozen(false);
  }

  private async setFrozen(frozen: boolean): Promise<void> {
    const { file, v2 } = this.freezerFile();
    const value = v2 ? (frozen ? '1' : '0') : frozen ? 'FROZEN' : 'THAWED';
    const want: FreezerState = frozen ? 'FROZEN' : 'THAWED';
    const deadline = Date.now() + this.opts.timeoutMs;
    for (let i = 0; ; i++) {
      // A v1 freeze can stall on a task that is busy in the kernel; asking again helps it along.
      if (i % 10 === 0) await writeControl(file, value);
      if ((await this.freezerState()) === want) return;
      if (Date.now() > deadline) {
        if (frozen) await writeControl(file, v2 ? '0' : 'THAWED').catch(() => {});
        throw new BerthError(
          'Unavailable',
          `cgroup ${this.path} did not become ${want} in ${this.opts.timeoutMs} ms`,
        );
      }
      await sleep(Math.min(1 + i, 50));
    }
  }

  /** How many processes the kernel's OOM killer has killed in this cgroup. */
  async oomKills(): Promise<number> {
    if (this.layout.mode === 'v2') {
      return (
        parseKeyed(await readControlIfExists(join(this.unifiedDir!, 'memory.events'))).get('oom_kill') ?? 0
      );
    }
    const mem = this.v1Dir('memory');
    if (!mem) return 0;
    return parseKeyed(await readControlIfExists(join(mem, 'memory.oom_control'))).get('oom_kill') ?? 0;
  }

  async stats(): Promise<CgroupStats> {
    return this.layout.mode === 'v2' ? this.statsV2() : this.statsV1();
  }

  private async statsV1(): Promise<CgroupStats> {
    const mem = this.v1Dir('memory');
    const pids = this.v1Dir('pids');
    const cpuacct = this.v1Dir('cpuacct');
    const cpu = this.v1Dir('cpu');
    const read = (dir: string | undefined, file: string) =>
      dir ? readControlIfExists(join(dir, file)) : Promise.resolve(undefined);
    const limit = parseCount(await read(mem, 'memory.limit_in_bytes')) ?? Number.POSITIVE_INFINITY;
    const cpuStat = parseKeyed(await read(cpu, 'cpu.stat'));
    const acct = parseKeyed(await read(cpuacct, 'cpuacct.stat'));
    const pidsMax = await read(pids, 'pids.max');
    return {
      memory: {
        usage: parseCount(await read(mem, 'memory.usage_in_bytes')) ?? 0,
        maxUsage: parseCount(await read(mem, 'memory.max_usage_in_bytes')),
        limit: limit >= V1_UNLIMITED ? Number.POSITIVE_INFINITY : limit,
        failcnt: parseCount(await read(mem, 'memory.failcnt')),
        oomKills: await this.oomKills(),
        stat: Object.fromEntries(parseKeyed(await read(mem, 'memory.stat'))),
      },
      pids: {
        current: parseCount(await read(pids, 'pids.current')) ?? (await this.pids()).length,
        limit: parseCount(pidsMax) ?? Number.POSITIVE_INFINITY,
      },
      cpu: {
        usageNanos: parseCount(await read(cpuacct, 'cpuacct.usage')) ?? 0,
        ...(acct.has('user') ? { userNanos: acct.get('user')! * NANOS_PER_TICK } : {}),
        ...(acct.has('system') ? { systemNanos: acct.get('system')! * NANOS_PER_TICK } : {}),
        ...(cpuStat.has('nr_throttled') ? { throttledPeriods: cpuStat.get('nr_throttled') } : {}),
        ...(cpuStat.has('throttled_time') ? { throttledNanos: cpuStat.get('throttled_time') } : {}),
      },
    };
  }

  private async statsV2(): Promise<CgroupStats> {
    const dir = this.unifiedDir!;
    const read = (file: string) => readControlIfExists(join(dir, file));
    const cpuStat = parseKeyed(await read('cpu.stat'));
    const us = (k: string) => (cpuStat.has(k) ? cpuStat.get(k)! * 1000 : undefined);
    return {
      memory: {
        usage: parseCount(await read('memory.current')) ?? 0,
        maxUsage: parseCount(await read('memory.peak')),
        limit: parseCount(await read('memory.max')) ?? Number.POSITIVE_INFINITY,
        oomKills: await this.oomKills(),
        stat: Object.fromEntries(parseKeyed(await read('memory.stat'))),
      },
      pids: {
        current: parseCount(await read('pids.current')) ?? (await this.pids()).length,
        limit: parseCount(await read('pids.max')) ?? Number.POSITIVE_INFINITY,
      },
      cpu: {
        usageNanos: us('usage_usec') ?? 0,
        userNanos: us('user_usec'),
        systemNanos: us('system_usec'),
        throttledPeriods: cpuStat.get('nr_throttled'),
        throttledNanos: us('throttled_usec'),
      },
    };
  }

  /**
   * Remove the directories in every hierarchy (children first). A cgroup whose last
   * process has just exited stays busy for a moment, so removal is retried until the
   * timeout. Processes still inside are not killed: the caller does that first.
   */
  async destroy(): Promise<void> {
    const deadline = Date.now() + this.opts.timeoutMs;
    for (const dir of this.dirs()) await removeCgroupTree(dir, deadline);
  }
}

async function removeCgroupTree(dir: string, deadline: number): Promise<void> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return;
    throw fromErrno(err, `listing cgroup ${dir}`);
  }
  for (const e of entries) if (e.isDirectory()) await removeCgroupTree(join(dir, e.name), deadline);
  for (let i = 0; ; i++) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      const errno = errnoOf(err);
      if (errno === 'ENOENT') return;
      if ((errno !== 'EBUSY' && errno !== 'EAGAIN') || Date.now() > deadline) {
        throw fromErrno(err, `removing cgroup ${dir} (processes still inside?)`);
      }
      await sleep(Math.min(1 + i * 2, 100));
    }
  }
}

// A new v1 cpuset starts with no cpus and no memory nodes, and no task may join it until
// both are set: copy them down from the parent.
async function initCpuset(parent: string, child: string): Promise<void> {
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    if ((await readControl(join(child, file))) === '') {
      await writeControl(join(child, file), await readControl(join(parent, file)));
    }
  }
}

// On v2 a child sees a controller only when its parent lists it in cgroup.subtree_control.
async function enableControllers(parent: string): Promise<void> {
  const available = ((await readControlIfExists(join(parent, 'cgroup.controllers'))) ?? '').split(/\s+/);
  const enabled = ((await readControlIfExists(join(parent, 'cgroup.subtree_control'))) ?? '').split(/\s+/);
  const missing = V2_CONTROLLERS.filter((c) => available.includes(c) && !enabled.includes(c));
  if (missing.length) {
    await writeControl(join(parent, 'cgroup.subtree_control'), missing.map((c) => `+${c}`).join(' '));
  }
}
