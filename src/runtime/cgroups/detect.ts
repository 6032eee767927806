// Which cgroup hierarchies this machine has, read from /proc/self/mountinfo: v1 (one
// hierarchy per controller or controller group), v2 (one unified hierarchy), or hybrid
// (v1 controllers plus a v2 hierarchy, usually at /sys/fs/cgroup/unified, that may hold
// no controllers at all).
import { readFile } from 'node:fs/promises';
import { fromErrno } from '../../util/errors.ts';

export type CgroupMode = 'v1' | 'v2' | 'hybrid';

export interface V1Hierarchy {
  /** Where it is mounted, e.g. /sys/fs/cgroup/memory or /sys/fs/cgroup/cpu,cpuacct. */
  mountpoint: string;
  /** Controllers it holds, e.g. ['cpu', 'cpuacct']; a named one (name=systemd) holds none. */
  controllers: string[];
  /** For a named hierarchy, its name (`systemd`). */
  name?: string;
}

export interface CgroupLayout {
  mode: CgroupMode;
  v1: V1Hierarchy[];
  /** The v2 mountpoint, if there is one. */
  unified?: string;
  /** Controllers available in the v2 hierarchy (its root cgroup.controllers). */
  unifiedControllers: string[];
}

// mountinfo escapes spaces and the like as \040 octal.
const unescapeOctal = (s: string) =>
  s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

/** Parse mountinfo text into a layout (pure; `controllersOf` reads a v2 root's controllers). */
export function layoutFromMountinfo(mountinfo: string, unifiedControllers: string[] = []): CgroupLayout {
  const v1: V1Hierarchy[] = [];
  let unified: string | undefined;
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const fields = line.slice(0, sep).split(' ');
    const [fstype, , superOptions = ''] = line.slice(sep + 3).split(' ');
    const mountpoint = unescapeOctal(fields[4] ?? '');
    if (fstype === 'cgroup2') {
      unified ??= mountpoint;
    } else if (fstype === 'cgroup') {
      const opts = superOptions.split(',');
      const name = opts.find((o) => o.startsWith('name='))?.slice(5);
      const controllers = opts.filter(
        (o) =>
          !['rw', 'ro'].includes(o) &&
          !o.includes('=') &&
          o !== 'noprefix' &&
          o !== 'clone_children' &&
          o !== 'xattr' &&
          o !== 'cpuset_v2_mode',
      );
      // The same hierarchy can be mounted twice; keep the first.
      if (v1.some((h) => h.controllers.join() === controllers.join() && h.name === name)) continue;
      v1.push({ mountpoint, controllers, ...(name ? { name } : {}) });
    }
  }
  const mode: CgroupMode = v1.length === 0 ? 'v2' : unified ? 'hybrid' : 'v1';
  return { mode, v1, ...(unified ? { unified } : {}), unifiedControllers: unified ? unifiedControllers : [] };
}

/** Detect the machine's cgroup layout. */
export async function detectCgroups(mountinfoPath = '/proc/self/mountinfo'): Promise<CgroupLayout> {
  let text: string;
  try {
    text = await readFile(mountinfoPath, 'utf8');
  } catch (err) {
    throw fromErrno(err, 'reading the mount table to find cgroups');
  }
  const layout = layoutFromMountinfo(text);
  if (layout.unified) {
    const controllers = await readFile(`${layout.unified}/cgroup.controllers`, 'utf8').catch(() => '');
    layout.unifiedControllers = controllers.trim().split(/\s+/).filter(Boolean);
  }
  return layout;
}

/** The v1 hierarchy that holds `controller`, if any. */
export function v1Hierarchy(layout: CgroupLayout, controller: string): V1Hierarchy | undefined {
  return layout.v1.find((h) => h.controllers.includes(controller));
}
