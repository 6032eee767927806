// What a RUN's mounts leave in its writable layer that is no change of the step's.
// The runtime makes a missing mount target (an empty directory, or an empty file
// for a bound file) and the directories above it in the layer; Docker and
// BuildKit leave no trace of a target made only for a mount, so neither does
// berth: such empty targets the image's layers lack, and directories holding
// nothing else, are left out of the layer tar, as the runtime's own mountpoints
// are (mountpointArtefacts). Then the directories the image has that only look
// changed because a mountpoint was made in them (their time changed; their mode
// and owner did not; everything they hold in the layer is left out) go too.
import type { BigIntStats } from 'node:fs';
import { lstatSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';

const isWhiteout = (st: BigIntStats) => st.isCharacterDevice() && st.rdev === 0n;
const lstat = (path: string): BigIntStats | undefined => {
  try {
    return lstatSync(path, { bigint: true });
  } catch {
    return undefined;
  }
};

function lowerStat(lowers: readonly string[], path: string): BigIntStats | undefined {
  for (const lower of lowers) {
    const st = lstat(join(lower, path));
    if (st) return isWhiteout(st) ? undefined : st;
  }
  return undefined;
}

const entries = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

/**
 * Paths (as in the container) to leave out of the layer whose top directory is
 * `top` over `lowers`: mount `targets` made for the step, and with `known` (the
 * runtime's artefacts, already found) the directories above either that the
 * step did not otherwise change.
 */
export function buildMountArtefacts(
  top: string,
  lowers: readonly string[],
  targets: readonly string[],
  known: ReadonlySet<string> = new Set(),
): Set<string> {
  const out = new Set<string>(known);
  const isEmpty = (p: string, st: BigIntStats) =>
    (st.isFile() && st.size === 0n) || (st.isDirectory() && entries(join(top, p)).length === 0);
  const onlyArtefacts = (dir: string) => entries(join(top, dir)).every((n) => out.has(posix.join(dir, n)));
  for (const p of targets) {
    if (p === '/' || lowerStat(lowers, p)) continue;
    const st = lstat(join(top, p));
    if (st && isEmpty(p, st)) out.add(p);
  }
  // Upwards from every artefact: a directory the step made only to hold artefacts, or
  // one of the image's whose mode and owner are as they were and that holds nothing else.
  for (const p of [...out]) {
    for (let dir = posix.dirname(p); dir !== '/' && !out.has(dir); dir = posix.dirname(dir)) {
      const st = lstat(join(top, dir));
      if (!st?.isDirectory() || !onlyArtefacts(dir)) break;
      const low = lowerStat(lowers, dir);
      if (low && (!low.isDirectory() || st.mode !== low.mode || st.uid !== low.uid || st.gid !== low.gid))
        break;
      out.add(dir);
    }
  }
  return out;
}
