// The user's mounts, from request to spec: anonymous volumes for the image's (and the
// request's) `Volumes` that no mount covers, missing `-v` bind sources created, and each
// mount resolved to a spec mount and an `inspect` entry (volumes through the engine's
// callback, with copy-up into an empty one).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fromErrno, invalidArgument } from '../../util/errors.ts';
import { bindMount, type MountPoint, type UserMount } from './container-mounts.ts';
import { cleanPath, type MountRequest } from './mount-requests.ts';
import { checkSourcePropagation } from './propagation.ts';
import { statInRoot } from './rootfs-paths.ts';
import { copyUp, type VolumeResolver, volumeSubpath } from './volumes.ts';

/** Anonymous volume requests for `Volumes` entries no other mount covers. */
export function anonymousVolumeRequests(
  volumes: readonly string[],
  requests: readonly MountRequest[],
  rootfs: string,
): MountRequest[] {
  const out: MountRequest[] = [];
  for (const volume of volumes) {
    if (!volume.startsWith('/')) throw invalidArgument(`Config.Volumes: "${volume}" is not an absolute path`);
    const destination = cleanPath(volume);
    if (destination === '/' || [...requests, ...out].some((r) => r.destination === destination)) continue;
    const st = statInRoot(rootfs, destination, `the image's volume ${destination}`);
    if (st && !st.isDirectory()) {
      throw invalidArgument(
        `cannot mount volume over existing file, file exists ${join(rootfs, destination)}`,
      );
    }
    out.push({
      type: 'volume',
      destination,
      readOnly: false,
      mode: '',
      inspect: true,
      origin: `Config.Volumes[${JSON.stringify(volume)}]`,
    });
  }
  return out;
}

/** Create missing `-v` bind sources, then check that each bind source can carry its propagation. */
export function prepareBindSources(requests: readonly MountRequest[], mountinfo?: string): void {
  for (const r of requests) {
    if (r.type !== 'bind') continue;
    const source = r.source as string;
    if (r.createSource && !existsSync(source)) {
      try {
        mkdirSync(source, { recursive: true, mode: 0o755 });
      } catch (err) {
        throw fromErrno(err, `${r.origin}: creating the bind source ${source}`);
      }
    }
    checkSourcePropagation(source, r.propagation ?? '', mountinfo);
  }
}

/** One request as a spec mount and its `inspect` entry (none for --tmpfs). */
export async function resolveUserMount(
  r: MountRequest,
  ctx: { rootfs: string; volumes: VolumeResolver; volumesCreated: string[] },
): Promise<UserMount> {
  if (r.type === 'tmpfs') {
    const inspect: MountPoint = {
      Type: 'tmpfs',
      Source: '',
      Destination: r.destination,
      Mode: '',
      RW: !r.readOnly,
      Propagation: '',
    };
    return {
      mount: { destination: r.destination, type: 'tmpfs', source: 'tmpfs', options: r.tmpfsOptions },
      ...(r.inspect ? { inspect } : {}),
    };
  }
  if (r.type === 'bind') {
    const source = r.source as string;
    const propagation = r.propagation ?? 'rprivate';
    return {
      mount: bindMount(r.destination, source, {
        readOnly: r.readOnly,
        propagation,
        nonRecursive: r.nonRecursive ?? false,
      }),
      inspect: {
        Type: 'bind',
        Source: source,
        Destination: r.destination,
        Mode: r.mode,
        RW: !r.readOnly,
        Propagation: propagation,
      },
    };
  }
  const volume = await ctx.volumes(r.volumeName, r.destination);
  if (volume.created || r.volumeName === undefined) ctx.volumesCreated.push(volume.name);
  let source = volume.hostPath;
  if (r.subpath) source = volumeSubpath(volume.hostPath, r.subpath, r.origin);
  else if (!r.noCopy) copyUp(ctx.rootfs, r.destination, volume.hostPath);
  return {
    // No propagation word: a volume keeps what it inherits, as with Docker.
    mount: bindMount(r.destination, source, { readOnly: r.readOnly }),
    inspect: {
      Type: 'volume',
      Name: volume.name,
      Source: volume.hostPath,
      Destination: r.destination,
      Driver: 'local',
      Mode: r.mode,
      RW: !r.readOnly,
      Propagation: '',
    },
  };
}
