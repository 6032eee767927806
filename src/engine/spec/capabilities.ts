// The container's capability set from CapAdd/CapDrop, as Docker computes it: names in any
// case, with or without CAP_; "ALL" in CapAdd means every capability (minus CapDrop), "ALL"
// in CapDrop means only CapAdd's; privileged means every capability. "Every" is every one
// the running kernel knows (/proc/sys/kernel/cap_last_cap), so a capset never fails on an
// older kernel.
import { readFileSync } from 'node:fs';
import { CAPABILITIES, type CapabilityName } from '../../runtime/spec/capabilities.ts';
import { DOCKER_CAPABILITIES } from '../../runtime/spec/defaults.ts';
import type { Capabilities } from '../../runtime/spec/types.ts';
import { invalidArgument } from '../../util/errors.ts';

const ALL = 'ALL';

/** The highest capability number the running kernel knows. */
export function kernelLastCap(): number {
  try {
    const n = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim());
    if (Number.isInteger(n) && n >= 0) return n;
  } catch {}
  return CAPABILITIES.length - 1;
}

/** Every capability name the kernel (up to `lastCap`) and berth both know. */
export function allCapabilities(lastCap: number): string[] {
  return CAPABILITIES.slice(0, Math.min(lastCap, CAPABILITIES.length - 1) + 1);
}

/** The daemon's own bounding set (CapBnd of /proc/self/status), or undefined when unreadable. */
function ownBoundingSet(): bigint | undefined {
  try {
    const line = readFileSync('/proc/self/status', 'utf8').match(/^CapBnd:\s*([0-9a-f]+)$/m);
    return line ? BigInt(`0x${line[1]}`) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * "Every" capability, for privileged containers and CapAdd ALL: those the kernel knows that
 * berthd may pass on. One outside its own bounding set (a sandboxed host, e.g. without
 * CAP_SYS_RESOURCE) would make capset fail; Docker leaves those out the same way.
 */
export function grantableCapabilities(lastCap: number, bounding = ownBoundingSet()): string[] {
  const all = allCapabilities(lastCap);
  if (bounding === undefined) return all;
  return all.filter(
    (name) => ((bounding >> BigInt(CAPABILITIES.indexOf(name as CapabilityName))) & 1n) === 1n,
  );
}

function normalize(names: readonly string[], field: string): string[] {
  const out: string[] = [];
  for (const raw of names) {
    let name = raw.trim().toUpperCase();
    if (name !== ALL) {
      if (!name.startsWith('CAP_')) name = `CAP_${name}`;
      if (!(CAPABILITIES as readonly string[]).includes(name)) {
        throw invalidArgument(`${field}: unknown capability: "${raw}"`);
      }
    }
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

export function containerCapabilities(opts: {
  capAdd?: readonly string[] | null;
  capDrop?: readonly string[] | null;
  privileged?: boolean;
  lastCap: number;
  /** The daemon's bounding set (tests); read from /proc/self/status when not given. */
  bounding?: bigint;
}): string[] {
  const every = grantableCapabilities(opts.lastCap, opts.bounding);
  if (opts.privileged) return every;
  const add = normalize(opts.capAdd ?? [], 'HostConfig.CapAdd');
  const drop = normalize(opts.capDrop ?? [], 'HostConfig.CapDrop');
  if (add.includes(ALL)) return every.filter((c) => !drop.includes(c));
  if (drop.includes(ALL)) return add.filter((c) => c !== ALL);
  const out = DOCKER_CAPABILITIES.filter((c) => !drop.includes(c)) as string[];
  for (const c of add) if (!out.includes(c)) out.push(c);
  return out;
}

/**
 * The spec's capability sets: root gets the set as bounding, effective and permitted; any
 * other user only the bounding set, as execve(2) would leave it (Docker does the same).
 * Inheritable and ambient stay empty.
 */
export function capabilitySets(caps: readonly string[], uid: number): Capabilities {
  if (uid !== 0) return { bounding: [...caps] };
  return { bounding: [...caps], effective: [...caps], permitted: [...caps] };
}
