// HostConfig.Ulimits (`--ulimit nofile=1024:2048`) as the spec's rlimits. Only what the
// request asks for is set; everything else the container inherits from the process that
// starts it, as with Docker when the daemon has no default ulimits. -1 means unlimited.
import type { Rlimit } from '../../runtime/spec/types.ts';
import { invalidArgument } from '../../util/errors.ts';
import type { Ulimit } from '../container-config.ts';

const NAMES = [
  'as',
  'core',
  'cpu',
  'data',
  'fsize',
  'locks',
  'memlock',
  'msgqueue',
  'nice',
  'nofile',
  'nproc',
  'rss',
  'rtprio',
  'rttime',
  'sigpending',
  'stack',
];

// JSON cannot carry 2^64-1; 2^64 is how the spec layer reads "unlimited".
const UNLIMITED = 2 ** 64;

export function containerRlimits(ulimits: readonly Ulimit[] | null | undefined): Rlimit[] {
  const seen = new Set<string>();
  return (ulimits ?? []).map((u, i) => {
    const where = `HostConfig.Ulimits[${i}]`;
    const name = (u.Name ?? '').toLowerCase();
    if (!NAMES.includes(name)) {
      throw invalidArgument(`${where}: invalid ulimit type: ${u.Name}: want one of ${NAMES.join(', ')}`);
    }
    if (seen.has(name)) throw invalidArgument(`${where}: ulimit ${name} given twice`);
    seen.add(name);
    const value = (v: number, which: string) => {
      if (!Number.isInteger(v) || v < -1)
        throw invalidArgument(`${where}: ${which} limit ${v} is not a count or -1`);
      return v === -1 ? UNLIMITED : v;
    };
    const soft = value(u.Soft, 'soft');
    const hard = value(u.Hard, 'hard');
    if (soft > hard) {
      throw invalidArgument(
        `${where}: ulimit soft limit must be less than or equal to hard limit: ${u.Soft} > ${u.Hard}`,
      );
    }
    return { type: `RLIMIT_${name.toUpperCase()}`, soft, hard };
  });
}
