// Resource limits written to a cgroup v2 directory, converted from the spec's v1-shaped
// numbers the way runc converts them.
import { join } from 'node:path';
import { BerthError, invalidArgument } from '../../util/errors.ts';
import type { Resources } from '../spec/types.ts';
import { type Warn, writeUnified } from './apply-v1.ts';
import { writeControl } from './files.ts';

/** cpu.shares (2..262144) to cpu.weight (1..10000). */
export function sharesToWeight(shares: number): number {
  return shares === 0 ? 0 : 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** blkio.weight (10..1000) to io.weight (1..10000). */
export function blkioWeightToIoWeight(weight: number): number {
  return weight === 0 ? 0 : 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/** memory.swap.max from the spec's memory+swap: the swap alone; undefined leaves it as is. */
export function swapMax(swap: number | undefined, limit: number | undefined): string | undefined {
  if (swap === undefined || swap === 0) return undefined;
  if (swap === -1) return 'max';
  if (limit === undefined || limit <= 0) {
    throw invalidArgument(
      'linux.resources.memory.swap needs a memory limit on cgroup v2 (swap = memory+swap - memory)',
    );
  }
  if (swap < limit) throw invalidArgument(`memory+swap limit ${swap} is below the memory limit ${limit}`);
  return String(swap - limit);
}

const max = (n: number) => (n < 0 ? 'max' : String(n));

export interface V2Options {
  /** What to do with device rules, which v2 enforces only with a BPF program berth does not build yet. */
  unenforcedDeviceRules: 'error' | 'warn';
}

export async function applyV2(dir: string, r: Resources, warn: Warn, opts: V2Options): Promise<void> {
  const m = r.memory;
  if (m) {
    const swap = swapMax(m.swap, m.limit);
    if (m.limit !== undefined && m.limit !== 0) await writeControl(join(dir, 'memory.max'), max(m.limit));
    if (swap !== undefined) await writeControl(join(dir, 'memory.swap.max'), swap);
    if (m.reservation !== undefined && m.reservation !== 0)
      await writeControl(join(dir, 'memory.low'), max(m.reservation));
    if (m.swappiness !== undefined) warn('memory swappiness not applied: cgroup v2 has none');
    if (m.disableOOMKiller) warn('disableOOMKiller not applied: cgroup v2 has none');
  }
  const c = r.cpu;
  if (c) {
    if (c.shares) await writeControl(join(dir, 'cpu.weight'), String(sharesToWeight(c.shares)));
    if ((c.quota !== undefined && c.quota !== 0) || c.period) {
      const quota = c.quota === undefined || c.quota <= 0 ? 'max' : String(c.quota);
      await writeControl(join(dir, 'cpu.max'), `${quota} ${c.period || 100000}`);
    }
    if (c.burst !== undefined) await writeControl(join(dir, 'cpu.max.burst'), String(c.burst));
    if (c.idle !== undefined) await writeControl(join(dir, 'cpu.idle'), String(c.idle));
    if (c.cpus) await writeControl(join(dir, 'cpuset.cpus'), c.cpus);
    if (c.mems) await writeControl(join(dir, 'cpuset.mems'), c.mems);
    if (c.realtimePeriod || c.realtimeRuntime) warn('realtime cpu limits not applied: cgroup v2 has none');
  }
  if (r.pids) await writeControl(join(dir, 'pids.max'), r.pids.limit > 0 ? String(r.pids.limit) : 'max');
  const b = r.blockIO;
  if (b) {
    if (b.weight) await writeControl(join(dir, 'io.weight'), `default ${blkioWeightToIoWeight(b.weight)}`);
    for (const d of b.weightDevice ?? []) {
      if (d.weight)
        await writeControl(
          join(dir, 'io.weight'),
          `${d.major}:${d.minor} ${blkioWeightToIoWeight(d.weight)}`,
        );
    }
    const limits: [keyof typeof b, string][] = [
      ['throttleReadBpsDevice', 'rbps'],
      ['throttleWriteBpsDevice', 'wbps'],
      ['throttleReadIOPSDevice', 'riops'],
      ['throttleWriteIOPSDevice', 'wiops'],
    ];
    for (const [key, name] of limits) {
      for (const d of (b[key] ?? []) as { major: number; minor: number; rate?: number }[]) {
        await writeControl(join(dir, 'io.max'), `${d.major}:${d.minor} ${name}=${d.rate ? d.rate : 'max'}`);
      }
    }
  }
  for (const h of r.hugepageLimits ?? []) {
    await writeControl(join(dir, `hugetlb.${h.pageSize}.max`), String(h.limit));
  }
  if (r.devices?.length) {
    const message =
      'device rules are not enforced on cgroup v2: that needs a BPF device program, which berth does not build yet';
    if (opts.unenforcedDeviceRules === 'error') throw new BerthError('NotImplemented', message);
    warn(message);
  }
  for (const [key, value] of Object.entries(r.unified ?? {})) await writeUnified(dir, key, value);
}
