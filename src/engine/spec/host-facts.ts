// What a container's spec depends on about the machine: its name, /etc/hosts and resolver
// configuration, cgroup version, CPU count, kernel and capabilities, and its devices. Read
// from the machine unless the caller (a test, or the engine with its own settings) says.
import { readFileSync } from 'node:fs';
import { availableParallelism, hostname, release } from 'node:os';
import { layoutFromMountinfo } from '../../runtime/cgroups/detect.ts';
import {
  type HostArch,
  hostArch,
  type KernelVersion,
  parseKernelVersion,
} from '../../runtime/seccomp/index.ts';
import type { Device } from '../../runtime/spec/types.ts';
import { kernelLastCap } from './capabilities.ts';
import { hostDevices } from './devices.ts';
import { readHostHosts, readHostResolvConf } from './network-files.ts';
import { sysctlExists } from './sysctls.ts';

export interface HostFacts {
  hostname: string;
  /** The host's /etc/hosts (copied for a container on the host's network). */
  hosts: string;
  /** The host's resolver configuration (systemd-resolved's real one when it runs). */
  resolvConf: string;
  cgroupV2: boolean;
  cpus: number;
  /** /proc/sys/kernel/cap_last_cap. */
  lastCap: number;
  arch: HostArch;
  kernel: KernelVersion;
  /** The host's devices, for a privileged container. */
  devices: () => Device[];
  /** /proc/self/mountinfo's text, for propagation checks; read when needed if absent. */
  mountinfo?: string;
  sysctlExists: (name: string) => boolean;
}

function cgroupV2(): boolean {
  try {
    return layoutFromMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')).mode === 'v2';
  } catch {
    return false;
  }
}

export function hostFacts(given: Partial<HostFacts> = {}): HostFacts {
  return {
    hostname: given.hostname ?? hostname(),
    hosts: given.hosts ?? readHostHosts(),
    resolvConf: given.resolvConf ?? readHostResolvConf(),
    cgroupV2: given.cgroupV2 ?? cgroupV2(),
    cpus: given.cpus ?? availableParallelism(),
    lastCap: given.lastCap ?? kernelLastCap(),
    arch: given.arch ?? hostArch(),
    kernel: given.kernel ?? parseKernelVersion(release()),
    devices: given.devices ?? (() => hostDevices()),
    ...(given.mountinfo !== undefined ? { mountinfo: given.mountinfo } : {}),
    sysctlExists: given.sysctlExists ?? sysctlExists,
  };
}
