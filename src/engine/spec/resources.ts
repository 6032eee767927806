// HostConfig's resource fields as the spec's `linux.resources`, checked with Docker's rules
// and messages. Docker's adjustments are made here too: swap defaults to twice the memory
// limit, --cpus becomes a CFS quota over a 100ms period, a pids limit of 0 or less means
// unlimited. What a cgroup v2 host cannot do (swappiness, disabling the OOM killer,
// real-time CPU limits) is dropped with a warning, as Docker does.
import type { Resources } from '../../runtime/spec/types.ts';
import { invalidArgument } from '../../util/errors.ts';
import type { HostConfig } from '../container-config.ts';

export const MIN_MEMORY = 6 * 1024 * 1024;
const CPU_PERIOD = 100_000;
const MIN_SHARES = 2;
const MAX_SHARES = 262144;
const CPU_LIST = /^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$/;

export function containerResources(
  hc: HostConfig,
  host: { cgroupV2: boolean; cpus: number },
  warnings: string[],
): Resources {
  const r: Resources = {};
  const memory = hc.Memory ?? 0;
  let swap = hc.MemorySwap ?? 0;
  const reservation = hc.MemoryReservation ?? 0;
  if (memory < 0) throw invalidArgument(`invalid memory limit ${memory}: must not be negative`);
  if (memory > 0 && memory < MIN_MEMORY) throw invalidArgument('Minimum memory limit allowed is 6MB');
  if (swap > 0 && memory === 0) {
    throw invalidArgument('You should always set the Memory limit when using Memoryswap limit, see usage');
  }
  if (memory > 0 && swap > 0 && swap < memory) {
    throw invalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (swap < -1) throw invalidArgument(`invalid memory swap limit ${swap}: want -1 (unlimited) or a size`);
  if (reservation > 0 && reservation < MIN_MEMORY)
    throw invalidArgument('Minimum memory reservation allowed is 6MB');
  if (memory > 0 && reservation > 0 && memory < reservation) {
    throw invalidArgument('Minimum memory limit can not be less than memory reservation limit, see usage');
  }
  if (memory > 0 && swap === 0) swap = memory * 2;
  const mem: NonNullable<Resources['memory']> = {};
  if (memory > 0) mem.limit = memory;
  if (swap !== 0) mem.swap = swap;
  if (reservation > 0) mem.reservation = reservation;
  const swappiness = hc.MemorySwappiness;
  if (swappiness !== undefined && swappiness !== null && swappiness !== -1) {
    if (swappiness < 0 || swappiness > 100) {
      throw invalidArgument(`Invalid value: ${swappiness}, valid memory swappiness range is 0-100`);
    }
    if (host.cgroupV2) {
      warnings.push(
        'Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.',
      );
    } else mem.swappiness = swappiness;
  }
  if (hc.OomKillDisable) {
    if (host.cgroupV2)
      warnings.push('Your kernel does not support OomKillDisable. OomKillDisable discarded.');
    else {
      mem.disableOOMKiller = true;
      if (memory === 0) {
        warnings.push(
          'OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.',
        );
      }
    }
  }
  if (hc.KernelMemory) {
    warnings.push('Specifying a kernel memory limit is deprecated and will be removed in a future release.');
  }
  if (Object.keys(mem).length) r.memory = mem;

  const cpu: NonNullable<Resources['cpu']> = {};
  const nano = hc.NanoCpus ?? 0;
  const period = hc.CpuPeriod ?? 0;
  const quota = hc.CpuQuota ?? 0;
  if (nano > 0 && period > 0)
    throw invalidArgument('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (nano > 0 && quota > 0)
    throw invalidArgument('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (nano < 0 || nano > host.cpus * 1e9) {
    throw invalidArgument(
      `Range of CPUs is from 0.01 to ${host.cpus}.00, as there are only ${host.cpus} CPUs available`,
    );
  }
  if (period !== 0 && (period < 1000 || period > 1_000_000)) {
    throw invalidArgument(
      'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)',
    );
  }
  if (quota > 0 && quota < 1000) throw invalidArgument('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  if (nano > 0) {
    cpu.period = CPU_PERIOD;
    cpu.quota = Math.floor((nano * CPU_PERIOD) / 1e9);
  }
  if (period) cpu.period = period;
  if (quota) cpu.quota = quota;
  let shares = hc.CpuShares ?? 0;
  if (shares < 0) throw invalidArgument(`invalid CpuShares ${shares}: must not be negative`);
  if (shares > 0 && shares < MIN_SHARES) {
    warnings.push(`Changing requested CPUShares of ${shares} to minimum allowed of ${MIN_SHARES}`);
    shares = MIN_SHARES;
  }
  if (shares > MAX_SHARES) {
    warnings.push(`Changing requested CPUShares of ${shares} to maximum allowed of ${MAX_SHARES}`);
    shares = MAX_SHARES;
  }
  if (shares) cpu.shares = shares;
  for (const [field, value, key] of [
    ['CpusetCpus', hc.CpusetCpus, 'cpus'],
    ['CpusetMems', hc.CpusetMems, 'mems'],
  ] as const) {
    if (!value) continue;
    if (!CPU_LIST.test(value)) {
      throw invalidArgument(
        `Invalid value ${value} for ${field === 'CpusetCpus' ? 'cpuset cpus' : 'cpuset mems'}`,
      );
    }
    cpu[key] = value;
  }
  if (hc.CpuRealtimePeriod || hc.CpuRealtimeRuntime) {
    if (host.cgroupV2)
      warnings.push('Your kernel does not support CPU real-time scheduler. Real-time limits discarded.');
    else {
      if (hc.CpuRealtimePeriod) cpu.realtimePeriod = hc.CpuRealtimePeriod;
      if (hc.CpuRealtimeRuntime) cpu.realtimeRuntime = hc.CpuRealtimeRuntime;
      if ((cpu.realtimeRuntime ?? 0) > (cpu.realtimePeriod ?? Number.POSITIVE_INFINITY)) {
        throw invalidArgument('cpu-rt-runtime cannot be higher than cpu-rt-period');
      }
    }
  }
  if (Object.keys(cpu).length) r.cpu = cpu;

  const weight = hc.BlkioWeight ?? 0;
  if (weight !== 0 && (weight < 10 || weight > 1000))
    throw invalidArgument('Range of blkio weight is from 10 to 1000');
  if (weight) r.blockIO = { weight };

  // 0 and negative unset the limit (Docker's API); -1 is what the runtime takes for that.
  if (hc.PidsLimit !== undefined && hc.PidsLimit !== null) {
    r.pids = { limit: hc.PidsLimit > 0 ? hc.PidsLimit : -1 };
  }
  return r;
}

/** HostConfig.OomScoreAdj, checked. */
export function oomScoreAdj(value: number | undefined): number {
  const v = value ?? 0;
  if (!Number.isInteger(v) || v < -1000 || v > 1000) {
    throw invalidArgument(`Invalid value ${v}, range for oom score adj is [-1000, 1000]`);
  }
  return v;
}
