// The builder's scratch space, <root>/build: the contexts, the steps' root
// filesystems (mounted), and the copies and mount sources of builds in progress,
// beside the cache mounts that outlive builds. The secrets of a build are files
// under <state>/build-secrets while it runs. A daemon that crashed mid-build left
// all of that behind, mounts included. At the daemon's start no build runs yet:
// everything but the cache mounts goes, unmounted first.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { mountpointsUnder, unmountRootfs } from '../../engine/rootfs-mount.ts';
import { BerthError, errnoOf, fromErrno } from '../../util/errors.ts';

/** Under the scratch directory: the cache mounts (build/cache/cache-mounts.ts), which stay. */
export const CACHE_MOUNTS_DIR = 'cache-mounts';

/** Remove what builds cut short left in `scratch` and `secretsDir`; the names removed. */
export async function clearBuildScratch(scratch: string, secretsDir: string): Promise<string[]> {
  const cacheMounts = join(scratch, CACHE_MOUNTS_DIR);
  const leftover = async () =>
    (await mountpointsUnder(scratch)).filter((m) => m !== cacheMounts && !m.startsWith(`${cacheMounts}/`));
  for (const m of await leftover()) await unmountRootfs(m);
  const stuck = await leftover();
  // Removing a tree with a mount inside would delete through it.
  if (stuck.length)
    throw new BerthError('Internal', `cannot unmount ${stuck.join(', ')}, left by a build cut short`);
  const removed: string[] = [];
  for (const [dir, keep] of [
    [scratch, CACHE_MOUNTS_DIR],
    [secretsDir, undefined],
  ] as const) {
    for (const name of await namesIn(dir)) {
      if (name === keep) continue;
      await rm(join(dir, name), { recursive: true, force: true }).catch((err) => {
        throw fromErrno(err, `removing ${join(dir, name)}, left by a build cut short`);
      });
      removed.push(join(dir, name));
    }
  }
  return removed;
}

async function namesIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return [];
    throw fromErrno(err, `reading ${dir}`);
  }
}
