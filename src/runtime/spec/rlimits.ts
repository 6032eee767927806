// Resource limit names (RLIMIT_*) and the numbers setrlimit(2) takes.
import { invalidArgument } from '../../util/errors.ts';
import { RLIMIT } from '../launch/linux-constants.ts';
import { type PlanRlimit, RLIM_INFINITY } from '../launch/plan.ts';
import type { Rlimit } from './types.ts';

/** The number of an rlimit name such as RLIMIT_NOFILE. */
export function rlimitNumber(type: string, where: string): number {
  const short = type.startsWith('RLIMIT_') ? type.slice(7) : '';
  const n = (RLIMIT as Record<string, number>)[short];
  if (n === undefined) {
    throw invalidArgument(
      `${where}: unknown rlimit type "${type}": want one of ${Object.keys(RLIMIT)
        .map((k) => `RLIMIT_${k}`)
        .join(', ')}`,
    );
  }
  return n;
}

// JSON cannot carry 2^64-1 exactly; it arrives rounded up to 2^64, which means unlimited.
function limitValue(v: number): bigint {
  return v >= 2 ** 64 - 1 ? RLIM_INFINITY : BigInt(v);
}

export function planRlimits(rlimits: readonly Rlimit[] | undefined, where: string): PlanRlimit[] {
  const seen = new Set<number>();
  return (rlimits ?? []).map((r, i) => {
    const at = `${where}[${i}]`;
    const resource = rlimitNumber(r.type, `${at}.type`);
    if (seen.has(resource)) throw invalidArgument(`${at}.type: duplicate rlimit "${r.type}"`);
    seen.add(resource);
    const soft = limitValue(r.soft);
    const hard = limitValue(r.hard);
    if (soft > hard) throw invalidArgument(`${at}: soft limit ${r.soft} is above the hard limit ${r.hard}`);
    return { resource, soft, hard };
  });
}
