// Resource limits written to cgroup v1 controllers. `dirOf` gives the container's
// directory in the hierarchy that holds a controller, or undefined when the machine has
// no such controller (runc leaves those limits unapplied, and so does berth).
import { join } from 'node:path';
import { invalidArgument, isBerthError } from '../../util/errors.ts';
import type { BlockIOThrottleDevice, DeviceCgroupRule, Resources } from '../spec/types.ts';
import { deviceRuleLine, isWholeRule } from './device-rules.ts';
import { readControlIfExists, writeControl } from './files.ts';

export type DirOf = (controller: string) => string | undefined;
export type Warn = (message: string) => void;

async function writeIfPresent(file: string, value: string): Promise<boolean> {
  if ((await readControlIfExists(file)) === undefined) return false;
  await writeControl(file, value);
  return true;
}

export async function applyMemoryV1(
  dir: string,
  r: NonNullable<Resources['memory']>,
  warn: Warn,
): Promise<void> {
  const { limit, swap } = r;
  if (limit !== undefined && swap !== undefined && limit > 0 && swap > 0 && swap < limit) {
    throw invalidArgument(
      `memory+swap limit ${swap} is below the memory limit ${limit}; it must be at least as large`,
    );
  }
  const memsw = join(dir, 'memory.memsw.limit_in_bytes');
  const hasMemsw = (await readControlIfExists(memsw)) !== undefined;
  if (swap !== undefined && !hasMemsw)
    warn('memory swap limit not applied: the kernel has no swap accounting');
  const setLimit = async () => {
    if (limit !== undefined) await writeControl(join(dir, 'memory.limit_in_bytes'), String(limit));
  };
  const setSwap = async () => {
    if (swap !== undefined && hasMemsw) await writeControl(memsw, String(swap));
  };
  // The kernel keeps limit <= memsw at every moment: raising needs memsw first, lowering limit first.
  try {
    await setLimit();
    await setSwap();
  } catch (err) {
    if (!isBerthError(err, 'InvalidArgument')) throw err;
    await setSwap();
    await setLimit();
  }
  if (r.reservation !== undefined)
    await writeControl(join(dir, 'memory.soft_limit_in_bytes'), String(r.reservation));
  if (r.swappiness !== undefined) await writeControl(join(dir, 'memory.swappiness'), String(r.swappiness));
  if (r.disableOOMKiller) await writeControl(join(dir, 'memory.oom_control'), '1');
  if (r.kernelTCP !== undefined)
    await writeIfPresent(join(dir, 'memory.kmem.tcp.limit_in_bytes'), String(r.kernelTCP));
  if (r.kernel !== undefined) warn('linux.resources.memory.kernel is deprecated and ignored');
}

export async function applyCpuV1(dirOf: DirOf, r: NonNullable<Resources['cpu']>, warn: Warn): Promise<void> {
  const cpu = dirOf('cpu');
  const wantsCpu = [r.shares, r.quota, r.period, r.burst, r.realtimePeriod, r.realtimeRuntime, r.idle].some(
    (v) => v !== undefined,
  );
  if (cpu) {
    if (r.shares) await writeControl(join(cpu, 'cpu.shares'), String(r.shares));
    // A quota is checked against the current period, so the period goes first.
    if (r.period) await writeControl(join(cpu, 'cpu.cfs_period_us'), String(r.period));
    if (r.quota !== undefined && r.quota !== 0)
      await writeControl(join(cpu, 'cpu.cfs_quota_us'), String(r.quota));
    if (r.burst !== undefined) await writeIfPresent(join(cpu, 'cpu.cfs_burst_us'), String(r.burst));
    if (r.realtimePeriod) await writeControl(join(cpu, 'cpu.rt_period_us'), String(r.realtimePeriod));
    if (r.realtimeRuntime) await writeControl(join(cpu, 'cpu.rt_runtime_us'), String(r.realtimeRuntime));
    if (r.idle !== undefined) await writeIfPresent(join(cpu, 'cpu.idle'), String(r.idle));
  } else if (wantsCpu) {
    warn('cpu limits not applied: no cpu controller');
  }
  const cpuset = dirOf('cpuset');
  if (cpuset) {
    if (r.cpus) await writeControl(join(cpuset, 'cpuset.cpus'), r.cpus);
    if (r.mems) await writeControl(join(cpuset, 'cpuset.mems'), r.mems);
  } else if (r.cpus || r.mems) {
    warn('cpuset not applied: no cpuset controller');
  }
}

const THROTTLES: [keyof NonNullable<Resources['blockIO']>, string][] = [
  ['throttleReadBpsDevice', 'blkio.throttle.read_bps_device'],
  ['throttleWriteBpsDevice', 'blkio.throttle.write_bps_device'],
  ['throttleReadIOPSDevice', 'blkio.throttle.read_iops_device'],
  ['throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device'],
];

export async function applyBlkioV1(
  dir: string,
  r: NonNullable<Resources['blockIO']>,
  warn: Warn,
): Promise<void> {
  // Kernels with the BFQ scheduler name the weight files blkio.bfq.*; others have none at all.
  const weightFile = async (base: string) =>
    (await readControlIfExists(join(dir, base))) !== undefined
      ? join(dir, base)
      : (await readControlIfExists(join(dir, base.replace('blkio.', 'blkio.bfq.')))) !== undefined
        ? join(dir, base.replace('blkio.', 'blkio.bfq.'))
        : undefined;
  if (r.weight !== undefined) {
    const f = await weightFile('blkio.weight');
    if (f) await writeControl(f, String(r.weight));
    else warn('block I/O weight not applied: the kernel has no blkio weight file (no BFQ/CFQ scheduler)');
  }
  if (
    r.leafWeight !== undefined &&
    !(await writeIfPresent(join(dir, 'blkio.leaf_weight'), String(r.leafWeight)))
  ) {
    warn('block I/O leaf weight not applied: no blkio.leaf_weight');
  }
  for (const d of r.weightDevice ?? []) {
    const f = await weightFile('blkio.weight_device');
    if (!f) {
      warn('block I/O device weights not applied: no blkio weight_device file');
      break;
    }
    if (d.weight !== undefined) await writeControl(f, `${d.major}:${d.minor} ${d.weight}`);
  }
  for (const [key, file] of THROTTLES) {
    for (const d of (r[key] ?? []) as BlockIOThrottleDevice[]) {
      await writeControl(join(dir, file), `${d.major}:${d.minor} ${d.rate ?? 0}`);
    }
  }
}

/** Device rules in order; a rule about every device resets the default first. */
export async function applyDevicesV1(dir: string, rules: readonly DeviceCgroupRule[]): Promise<void> {
  for (const [i, rule] of rules.entries()) {
    const line = deviceRuleLine(rule, `linux.resources.devices[${i}]`);
    const file = join(dir, rule.allow ? 'devices.allow' : 'devices.deny');
    await writeControl(file, isWholeRule(rule) ? 'a' : line);
  }
}

export async function applyV1(dirOf: DirOf, r: Resources, warn: Warn, unifiedDir?: string): Promise<void> {
  const need = (controller: string, what: string) => {
    const d = dirOf(controller);
    if (!d) warn(`${what} not applied: no ${controller} controller`);
    return d;
  };
  if (r.memory) {
    const d = need('memory', 'memory limits');
    if (d) await applyMemoryV1(d, r.memory, warn);
  }
  if (r.cpu) await applyCpuV1(dirOf, r.cpu, warn);
  if (r.pids) {
    const d = need('pids', 'the pids limit');
    if (d) await writeControl(join(d, 'pids.max'), r.pids.limit > 0 ? String(r.pids.limit) : 'max');
  }
  if (r.blockIO) {
    const d = need('blkio', 'block I/O limits');
    if (d) await applyBlkioV1(d, r.blockIO, warn);
  }
  if (r.devices) {
    const d = dirOf('devices');
    if (!d) throw invalidArgument('device rules cannot be enforced: no devices controller is mounted');
    await applyDevicesV1(d, r.devices);
  }
  for (const h of r.hugepageLimits ?? []) {
    const d = need('hugetlb', 'huge page limits');
    if (d) await writeControl(join(d, `hugetlb.${h.pageSize}.limit_in_bytes`), String(h.limit));
  }
  if (r.network?.classID !== undefined) {
    const d = dirOf('net_cls');
    if (d) await writeControl(join(d, 'net_cls.classid'), String(r.network.classID));
  }
  for (const p of r.network?.priorities ?? []) {
    const d = dirOf('net_prio');
    if (d) await writeControl(join(d, 'net_prio.ifpriomap'), `${p.name} ${p.priority}`);
  }
  const unified = Object.entries(r.unified ?? {});
  if (unified.length && !unifiedDir) throw invalidArgument('linux.resources.unified needs cgroup v2');
  for (const [key, value] of unified) await writeUnified(unifiedDir!, key, value);
}

export async function writeUnified(dir: string, key: string, value: string): Promise<void> {
  if (!/^[a-z0-9_]+\.[a-z0-9_.]+$/.test(key)) {
    throw invalidArgument(`linux.resources.unified["${key}"]: not a cgroup v2 file name`);
  }
  await writeControl(join(dir, key), value);
}
