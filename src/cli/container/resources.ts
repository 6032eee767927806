// Resource values: `--cpus` as an exact decimal (Docker's NanoCPUs), and the
// daemon's checks of the limits in a HostConfig (moby's wording), so a bad limit
// fails before the request is made; the server can run the same checks.
import type { HostConfig } from '../../engine/container-config.ts';

const NANO = 1_000_000_000n;

/** `1.5` → 1500000000 nano-CPUs; also `3/2`, `2e-1`, as Go's big.Rat reads them. */
export function parseCpus(value: string): number {
  const fail = () => new Error(`failed to parse ${value} as a rational number`);
  let num: bigint;
  let den: bigint;
  const frac = /^([+-]?[0-9]+)\/([0-9]+)$/.exec(value);
  const dec = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/.exec(value);
  if (frac) {
    num = BigInt(frac[1]!);
    den = BigInt(frac[2]!);
    if (den === 0n) throw fail();
  } else if (dec && (dec[2] || dec[3])) {
    const digits = `${dec[2] ?? ''}${dec[3] ?? ''}`;
    const exp = Number(dec[4] ?? 0) - (dec[3]?.length ?? 0);
    num = BigInt(`${dec[1]}${digits || '0'}`);
    den = 1n;
    if (exp >= 0) num *= 10n ** BigInt(exp);
    else den = 10n ** BigInt(-exp);
  } else {
    throw fail();
  }
  if ((num * NANO) % den !== 0n) throw new Error('value is too precise');
  return Number((num * NANO) / den);
}

const MIN_MEMORY = 6 * 1024 * 1024;

/** The daemon's checks of resource limits. `hostCpus` is the host's CPU count. */
export function validateResources(h: HostConfig, hostCpus: number): void {
  const memory = h.Memory ?? 0;
  const swap = h.MemorySwap ?? 0;
  const reservation = h.MemoryReservation ?? 0;
  const nanoCpus = h.NanoCpus ?? 0;
  if (memory !== 0 && memory < MIN_MEMORY) throw new Error('Minimum memory limit allowed is 6MB');
  if (memory > 0 && swap > 0 && swap < memory) {
    throw new Error('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (memory === 0 && swap > 0) {
    throw new Error('You should always set the Memory limit when using Memoryswap limit, see usage');
  }
  if (memory > 0 && reservation > 0 && memory < reservation) {
    throw new Error('Minimum memory limit can not be less than memory reservation limit, see usage');
  }
  if (nanoCpus > 0 && (h.CpuPeriod ?? 0) > 0) {
    throw new Error('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  }
  if (nanoCpus > 0 && (h.CpuQuota ?? 0) > 0) {
    throw new Error('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  }
  if (nanoCpus < 0 || nanoCpus > hostCpus * 1e9) {
    throw new Error(
      `Range of CPUs is from 0.01 to ${hostCpus}.00, as there are only ${hostCpus} CPUs available`,
    );
  }
  const period = h.CpuPeriod ?? 0;
  if (period !== 0 && (period < 1000 || period > 1_000_000)) {
    throw new Error('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  }
  const quota = h.CpuQuota ?? 0;
  if (quota > 0 && quota < 1000) throw new Error('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  const blkio = h.BlkioWeight ?? 0;
  if (blkio > 0 && (blkio < 10 || blkio > 1000)) throw new Error('Range of blkio weight is from 10 to 1000');
  const oom = h.OomScoreAdj ?? 0;
  if (oom < -1000 || oom > 1000) {
    throw new Error(`Invalid value ${oom}, range for oom score adj is [-1000, 1000]`);
  }
}
