// Bind mounts with shared or slave propagation only work when the host mount under the
// source propagates: a shared mount for `shared`, a shared or slave one for `slave`. Docker
// refuses the container otherwise, with the same messages; and for `shared` the container's
// root must be shared too.
import { readFileSync, realpathSync } from 'node:fs';
import { invalidArgument } from '../../util/errors.ts';

interface MountInfo {
  mountpoint: string;
  optional: string[];
}

const unescapeOctal = (s: string) =>
  s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

export function parseMountinfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const f = line.slice(0, sep).split(' ');
    if (f.length < 6) continue;
    out.push({ mountpoint: unescapeOctal(f[4]), optional: f.slice(6) });
  }
  return out;
}

/** The mount that holds `path` (the longest mountpoint that is a prefix of it). */
export function mountOf(path: string, mounts: readonly MountInfo[]): MountInfo | undefined {
  let best: MountInfo | undefined;
  for (const m of mounts) {
    const prefix = m.mountpoint === '/' ? '/' : `${m.mountpoint}/`;
    if (path !== m.mountpoint && !path.startsWith(prefix)) continue;
    if (!best || m.mountpoint.length >= best.mountpoint.length) best = m;
  }
  return best;
}

/** Throws when `source` cannot carry `propagation` (shared, rshared, slave, rslave). */
export function checkSourcePropagation(source: string, propagation: string, mountinfo?: string): void {
  const wantShared = propagation === 'shared' || propagation === 'rshared';
  const wantSlave = propagation === 'slave' || propagation === 'rslave';
  if (!wantShared && !wantSlave) return;
  let real = source;
  try {
    real = realpathSync(source);
  } catch {}
  const m = mountOf(real, parseMountinfo(mountinfo ?? readFileSync('/proc/self/mountinfo', 'utf8')));
  if (!m) throw invalidArgument(`Can't find mount point of ${source}`);
  const shared = m.optional.some((o) => o.startsWith('shared:'));
  const slave = m.optional.some((o) => o.startsWith('master:'));
  if (wantShared && !shared) {
    throw invalidArgument(`path ${source} is mounted on ${m.mountpoint} but it is not a shared mount`);
  }
  if (wantSlave && !shared && !slave) {
    throw invalidArgument(
      `path ${source} is mounted on ${m.mountpoint} but it is not a shared or slave mount`,
    );
  }
}
