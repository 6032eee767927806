// The spec's mount list, assembled as Docker assembles it: Docker's default mounts, minus
// those a user mount replaces (same destination; everything under /dev when the user
// mounts /dev; /dev/shm with IpcMode none), then berth-init, then the user's mounts (binds,
// volumes, tmpfs, the /etc network files, the host's /dev/shm for IpcMode host) with
// parents before children. A read-only rootfs makes the default mounts read-only too,
// except /proc and /dev and the tmpfs under it; a privileged container gets /sys and the
// cgroup mount writable.
import { posix } from 'node:path';
import type { Mount } from '../../runtime/spec/types.ts';

/** Docker's entry of `inspect`'s Mounts. */
export interface MountPoint {
  Type: 'bind' | 'volume' | 'tmpfs';
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

/** A user mount as it goes into the spec. */
export interface UserMount {
  mount: Mount;
  inspect?: MountPoint;
}

const KEEP_WRITABLE_WITH_RO_ROOT = new Set(['/proc', '/dev/pts', '/dev/shm', '/dev/mqueue', '/dev']);

const depth = (destination: string) => posix.normalize(destination).split('/').length;

export function bindMount(
  destination: string,
  source: string,
  opts: { readOnly: boolean; propagation?: string; nonRecursive?: boolean },
): Mount {
  const options = [opts.nonRecursive ? 'bind' : 'rbind'];
  if (opts.readOnly) options.push('ro');
  if (opts.propagation) options.push(opts.propagation);
  return { destination, type: 'bind', source, options };
}

const withoutRo = (m: Mount): Mount => ({ ...m, options: (m.options ?? []).filter((o) => o !== 'ro') });

export function assembleMounts(opts: {
  defaults: readonly Mount[];
  user: readonly UserMount[];
  init?: Mount;
  readonlyRootfs: boolean;
  ipcNone: boolean;
  privileged: boolean;
  writableCgroups: boolean;
}): Mount[] {
  const userDestinations = new Set(opts.user.map((u) => u.mount.destination));
  const userDev = userDestinations.has('/dev');
  const out: Mount[] = [];
  for (let m of opts.defaults) {
    if (userDestinations.has(m.destination)) continue;
    if (userDev && m.destination.startsWith('/dev/')) continue;
    if (m.destination === '/dev/shm' && opts.ipcNone) continue;
    if (opts.readonlyRootfs && !KEEP_WRITABLE_WITH_RO_ROOT.has(m.destination) && !m.options?.includes('ro')) {
      m = { ...m, options: [...(m.options ?? []), 'ro'] };
    }
    if (opts.privileged && m.destination === '/sys') m = withoutRo(m);
    if ((opts.privileged || opts.writableCgroups) && m.type === 'cgroup') m = withoutRo(m);
    out.push(m);
  }
  if (opts.init && !userDestinations.has(opts.init.destination)) out.push(opts.init);
  // A stable sort: mounts of the same depth keep the request's order.
  const sorted = [...opts.user].sort((a, b) => depth(a.mount.destination) - depth(b.mount.destination));
  out.push(...sorted.map((u) => u.mount));
  return out;
}
