// `--device /dev/x[:/dev/y][:rwm]` and `--device-cgroup-rule 'c 1:3 rwm'`, with
// Docker's checks for a Linux daemon.
import { posix } from 'node:path';
import type { DeviceMapping } from '../../engine/container-config.ts';

/** r, w and m, each at most once. */
export function isDeviceMode(mode: string): boolean {
  if (mode === '') return false;
  const seen = new Set<string>();
  for (const c of mode) {
    if (!'rwm'.includes(c) || seen.has(c)) return false;
    seen.add(c);
  }
  return true;
}

/** Docker's shape check of `[host-dir:]container-path[:mode]`; the value with its container path cleaned. */
function checkDevicePath(value: string): string {
  if ([...value].filter((c) => c === ':').length > 2) throw new Error(`bad format for path: ${value}`);
  const split = value.split(':');
  if (split[0] === '') throw new Error(`bad format for path: ${value}`);
  let containerPath: string;
  let out: string;
  if (split.length === 1) {
    containerPath = split[0]!;
    out = posix.normalize(containerPath);
  } else if (split.length === 2) {
    if (isDeviceMode(split[1]!)) {
      containerPath = split[0]!;
      out = `${posix.normalize(containerPath)}:${split[1]}`;
    } else {
      containerPath = split[1]!;
      out = `${split[0]}:${posix.normalize(containerPath)}`;
    }
  } else {
    containerPath = split[1]!;
    if (!isDeviceMode(split[2]!)) throw new Error(`bad mode specified: ${split[2]}`);
    out = value;
  }
  if (!containerPath.startsWith('/')) throw new Error(`${containerPath} is not an absolute path`);
  return out;
}

export function parseDevice(value: string): DeviceMapping {
  const arr = checkDevicePath(value).split(':');
  let dst = '';
  let permissions = 'rwm';
  if (arr.length === 3) permissions = arr[2]!;
  if (arr.length >= 2) {
    if (isDeviceMode(arr[1]!)) permissions = arr[1]!;
    else dst = arr[1]!;
  }
  const src = arr[0]!;
  return { PathOnHost: src, PathInContainer: dst || src, CgroupPermissions: permissions };
}

const CGROUP_RULE = /^[acb] ([0-9]+|\*):([0-9]+|\*) [rwm]{1,3}$/;

export function checkDeviceCgroupRule(rule: string): string {
  if (!CGROUP_RULE.test(rule)) throw new Error(`invalid device cgroup format '${rule}'`);
  return rule;
}
