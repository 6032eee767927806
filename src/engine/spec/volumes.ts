// Volumes of a container: looked up or created through the engine's callback, a Subpath
// found inside the volume (no symlink on the way, so it cannot lead out of it), and an empty
// volume filled with what the image has at the mount point (Docker's copy-up, skipped with
// `nocopy`). The copy reads the image's directory through an open descriptor, so a symlink
// in the image cannot redirect it, and `cp -a` keeps owners, modes, links and xattrs
// without following any link inside.
import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError, invalidArgument } from '../../util/errors.ts';
import { withDirInRoot } from './rootfs-paths.ts';

export interface VolumeRef {
  /** Host path of the volume's data directory. */
  hostPath: string;
  name: string;
  /** The callback made it now (an anonymous volume always is). */
  created?: boolean;
}

/**
 * The engine's volume lookup: `name` undefined asks for a new anonymous volume;
 * `containerPath` is where it will be mounted (for the engine's records).
 */
export type VolumeResolver = (
  name: string | undefined,
  containerPath: string,
) => VolumeRef | Promise<VolumeRef>;

/** The host path of `subpath` inside the volume at `hostPath`; it must exist, with no symlink on the way. */
export function volumeSubpath(hostPath: string, subpath: string, where: string): string {
  let at = hostPath;
  for (const part of subpath.split('/').filter((p) => p && p !== '.')) {
    at = join(at, part);
    let st: import('node:fs').Stats;
    try {
      st = lstatSync(at);
    } catch {
      throw invalidArgument(`${where}: cannot access path ${at}: the volume has no "${subpath}"`);
    }
    if (st.isSymbolicLink())
      throw invalidArgument(`${where}: subpath "${subpath}" goes through a symlink in the volume`);
  }
  return at;
}

/** Copy the image's directory at `destination` into the volume, when the volume is empty. */
export function copyUp(rootfs: string, destination: string, volumeDir: string): boolean {
  if (readdirSync(volumeDir).length > 0) return false;
  const copied = withDirInRoot(rootfs, destination, `copying ${destination} into its volume`, (dir) => {
    try {
      execFileSync('cp', ['-a', '--', `${dir}/.`, `${volumeDir}/`], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
      throw new BerthError(
        'Internal',
        `copying the image's ${destination} into its volume ${volumeDir}: ${stderr || (err as Error).message}`,
      );
    }
    return true;
  });
  return copied ?? false;
}
