// Chooses the storage driver for a root: overlay where the kernel can mount an
// overlay whose upper directory lives on the root's filesystem, vfs (whole
// copies) elsewhere, e.g. when the root itself is on overlayfs. The check
// mounts a real overlay once, because "overlay is in /proc/filesystems" does not
// say whether this filesystem can be its upper layer.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { StorageDriver } from './snapshotter.ts';

const run = promisify(execFile);

export interface DriverChoice {
  driver: StorageDriver;
  /** Why overlay was not chosen, when it was not. */
  reason?: string;
}

export async function detectDriver(root: string): Promise<DriverChoice> {
  await mkdir(root, { recursive: true });
  const dir = await mkdtemp(join(root, 'overlay-check-'));
  const [lower, upper, work, merged] = ['lower', 'upper', 'work', 'merged'].map((d) => join(dir, d));
  try {
    await Promise.all([lower, upper, work, merged].map((d) => mkdir(d)));
    await writeFile(join(lower, 'probe'), 'lower');
    await run('mount', [
      '-t',
      'overlay',
      'overlay',
      '-o',
      `lowerdir=${lower},upperdir=${upper},workdir=${work}`,
      merged,
    ]);
    try {
      await writeFile(join(merged, 'probe'), 'upper');
      const seen = await readFile(join(upper, 'probe'), 'utf8');
      if (seen !== 'upper')
        return { driver: 'vfs', reason: 'overlay mounted but writes did not reach the upper layer' };
    } finally {
      await run('umount', [merged]);
    }
    return { driver: 'overlay' };
  } catch (err) {
    const why = (err as { stderr?: string }).stderr?.trim() || (err as Error).message;
    return { driver: 'vfs', reason: `overlay cannot be mounted here: ${why}` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
