// `--ulimit name=soft[:hard]` as go-units parses it: a known limit name, whole
// numbers, the hard limit defaulting to the soft one, soft ≤ hard (unless hard is
// -1, unlimited). Later flags for the same name replace earlier ones.
import type { Ulimit } from '../../engine/container-config.ts';
import { parseGoInt } from './go-values.ts';

const ULIMIT_NAMES = new Set([
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
]);

export function parseUlimit(value: string): Ulimit {
  const eq = value.indexOf('=');
  if (eq < 0) throw new Error(`invalid ulimit argument: ${value}`);
  const name = value.slice(0, eq);
  if (!ULIMIT_NAMES.has(name)) throw new Error(`invalid ulimit type: ${name}`);
  const limits = value.slice(eq + 1).split(':');
  if (limits.length > 2) {
    throw new Error(
      `too many limit value arguments - ${value.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``,
    );
  }
  const hardGiven = limits.length === 2 ? parseGoInt(limits[1]!) : undefined;
  const soft = parseGoInt(limits[0]!);
  const hard = hardGiven ?? soft;
  if (hard !== -1 && soft > hard) {
    throw new Error(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  }
  return { Name: name, Soft: soft, Hard: hard };
}

/** All `--ulimit` values: one per name (the last wins), sorted by name. */
export function parseUlimits(
  values: readonly string[],
  parse: (v: string) => Ulimit = parseUlimit,
): Ulimit[] {
  const byName = new Map<string, Ulimit>();
  for (const v of values) {
    const u = parse(v);
    byName.set(u.Name, u);
  }
  return [...byName.values()].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
}
