// A container's cgroup path, as runc reads linux.cgroupsPath: a path relative to the root
// of every hierarchy, `/berth/<id>` when the spec gives none.
import { posix } from 'node:path';
import { BerthError, invalidArgument } from '../../util/errors.ts';

export const DEFAULT_CGROUP_PARENT = '/berth';

export function resolveCgroupsPath(cgroupsPath: string | undefined, id: string): string {
  if (!cgroupsPath) return `${DEFAULT_CGROUP_PARENT}/${id}`;
  if (/^[^/]*:[^/]*:[^/]*$/.test(cgroupsPath)) {
    throw new BerthError(
      'NotImplemented',
      `linux.cgroupsPath "${cgroupsPath}" is a systemd slice:prefix:name; berth manages cgroups directly, give a path such as /berth/${id}`,
    );
  }
  if (cgroupsPath.split('/').includes('..')) {
    throw invalidArgument(`linux.cgroupsPath "${cgroupsPath}" contains ".."`);
  }
  const p = posix.normalize(`/${cgroupsPath}`);
  if (p === '/') throw invalidArgument('linux.cgroupsPath must not be the root cgroup');
  return p.replace(/\/$/, '');
}
