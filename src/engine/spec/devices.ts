// Device nodes and device cgroup rules. `--device /dev/x[:/dev/y[:rwm]]` stats the host's
// node (following a symlink, as Docker does) for its type and numbers, creates it in the
// container and allows it in the device cgroup; a directory adds every node under it.
// `--device-cgroup-rule "c 1:3 mr"` adds an allow rule. A privileged container gets every
// host device and the rule that allows everything.
import { type BigIntStats, type Dirent, lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DOCKER_DEVICE_RULES } from '../../runtime/spec/defaults.ts';
import type { Device, DeviceCgroupRule } from '../../runtime/spec/types.ts';
import { invalidArgument } from '../../util/errors.ts';
import type { DeviceMapping } from '../container-config.ts';

// The kernel's dev_t split (glibc's major()/minor()).
export const devMajor = (rdev: bigint) => Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
export const devMinor = (rdev: bigint) => Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));

function deviceOf(st: BigIntStats, path: string): Device | undefined {
  const type = st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : undefined;
  if (!type) return undefined;
  return {
    type,
    path,
    major: devMajor(st.rdev),
    minor: devMinor(st.rdev),
    fileMode: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
  };
}

function checkAccess(access: string, where: string): string {
  if (
    access === '' ||
    access.length > 3 ||
    !/^[rwm]+$/.test(access) ||
    new Set(access).size !== access.length
  ) {
    throw invalidArgument(
      `${where}: invalid device permissions "${access}": want some of r, w, m (e.g. "rwm")`,
    );
  }
  return access;
}

/** The nodes and rules of one `--device`. */
export function mappedDevices(
  m: DeviceMapping,
  where: string,
): { devices: Device[]; rules: DeviceCgroupRule[] } {
  const access = checkAccess(m.CgroupPermissions || 'rwm', where);
  if (!m.PathOnHost?.startsWith('/')) {
    throw invalidArgument(`${where}: PathOnHost "${m.PathOnHost ?? ''}" is not an absolute path`);
  }
  const inContainer = m.PathInContainer || m.PathOnHost;
  if (!inContainer.startsWith('/')) {
    throw invalidArgument(`${where}: PathInContainer "${inContainer}" is not an absolute path`);
  }
  let host: string;
  let st: BigIntStats;
  try {
    host = realpathSync(m.PathOnHost);
    st = statSync(host, { bigint: true });
  } catch (err) {
    throw invalidArgument(
      `${where}: error gathering device information while adding custom device "${m.PathOnHost}": ${(err as Error).message}`,
    );
  }
  const devices: Device[] = [];
  const one = deviceOf(st, inContainer);
  if (one) devices.push(one);
  else if (st.isDirectory()) {
    const walk = (dir: string, rel: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p, `${rel}/${e.name}`);
        else {
          // Not followed: a link in the tree is no device (runc's rule).
          const d = deviceOf(lstatSync(p, { bigint: true }), `${inContainer}${rel}/${e.name}`);
          if (d) devices.push(d);
        }
      }
    };
    walk(host, '');
  }
  if (!devices.length) {
    throw invalidArgument(
      `${where}: error gathering device information while adding custom device "${m.PathOnHost}": not a device node`,
    );
  }
  const rules = devices.map((d) => ({ allow: true, type: d.type, major: d.major, minor: d.minor, access }));
  return { devices, rules };
}

/** One `--device-cgroup-rule`: "TYPE MAJOR:MINOR ACCESS", `*` for any number; "a" alone is all. */
export function parseDeviceCgroupRule(rule: string, where: string): DeviceCgroupRule {
  if (rule.trim() === 'a') return { allow: true, major: -1, minor: -1, access: 'rwm' };
  const m = /^([abc]) (\*|[0-9]+):(\*|[0-9]+) ([rwm]{1,3})$/.exec(rule.trim());
  if (!m) {
    throw invalidArgument(
      `${where}: invalid device cgroup rule "${rule}": want "TYPE MAJOR:MINOR ACCESS", e.g. "c 1:3 mr"`,
    );
  }
  const num = (s: string) => (s === '*' ? -1 : Number(s));
  const access = checkAccess(m[4], where);
  if (m[1] === 'a' && (m[2] !== '*' || m[3] !== '*')) {
    throw invalidArgument(`${where}: invalid device cgroup rule "${rule}": type "a" takes only *:*`);
  }
  return {
    allow: true,
    ...(m[1] === 'a' ? {} : { type: m[1] }),
    major: num(m[2]),
    minor: num(m[3]),
    access,
  };
}

// Where the host keeps things that are not devices of its own (runc skips the same).
const SKIP_DIRS = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev']);

/** Every character and block device under the host's /dev, for a privileged container. */
export function hostDevices(root = '/dev'): Device[] {
  const out: Device[] = [];
  const walk = (dir: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) walk(p);
        continue;
      }
      if (p === join(root, 'console') || !(e.isCharacterDevice() || e.isBlockDevice())) continue;
      try {
        const d = deviceOf(statSync(p, { bigint: true }), `/dev${p.slice(root.length)}`);
        if (d) out.push(d);
      } catch {}
    }
  };
  walk(root);
  return out;
}

/** The device part of a container: nodes to create and the cgroup rules. */
export function containerDevices(opts: {
  privileged: boolean;
  devices?: readonly DeviceMapping[] | null;
  rules?: readonly string[] | null;
  warnings: string[];
  hostDevices: () => Device[];
}): { devices: Device[]; rules: DeviceCgroupRule[] } {
  const devices: Device[] = [];
  const rules: DeviceCgroupRule[] = DOCKER_DEVICE_RULES.map((r) => ({ ...r }));
  const mapped = (opts.devices ?? []).map((m, i) => mappedDevices(m, `HostConfig.Devices[${i}]`));
  const parsedRules = (opts.rules ?? []).map((r, i) =>
    parseDeviceCgroupRule(r, `HostConfig.DeviceCgroupRules[${i}]`),
  );
  if (opts.privileged) {
    const all = opts.hostDevices();
    const paths = new Set(all.map((d) => d.path));
    for (const m of mapped) for (const d of m.devices) if (!paths.has(d.path)) all.push(d);
    if ((opts.devices ?? []).some((d) => d.CgroupPermissions && d.CgroupPermissions !== 'rwm')) {
      opts.warnings.push('device permissions other than rwm are ignored for a privileged container');
    }
    return { devices: all, rules: [{ allow: true, access: 'rwm' }] };
  }
  for (const m of mapped) {
    devices.push(...m.devices);
    rules.push(...m.rules);
  }
  rules.push(...parsedRules);
  return { devices, rules };
}
