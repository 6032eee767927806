// Facts about the machine the daemon runs on, for /info and /version.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, hostname, machine, release, totalmem } from 'node:os';
import { BERTH_RUNTIME } from '../runtime/runc/index.ts';

export interface MachineFacts {
  readonly kernelVersion: string;
  readonly operatingSystem: string;
  readonly osVersion: string;
  /** uname -m, as Docker's `Architecture` (x86_64, aarch64). */
  readonly architecture: string;
  readonly ncpu: number;
  readonly memTotal: number;
  readonly hostname: string;
  readonly cgroupVersion: '1' | '2';
}

/** cgroup v2 is mounted alone when the top of /sys/fs/cgroup lists its controllers; else v1 or hybrid. */
export const cgroupVersion = (cgroupRoot = '/sys/fs/cgroup'): '1' | '2' =>
  existsSync(`${cgroupRoot}/cgroup.controllers`) ? '2' : '1';

export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2]!;
    if (/^(["']).*\1$/.test(v)) v = v.slice(1, -1).replace(/\\(["'$`\\])/g, '$1');
    out[m[1]!] = v;
  }
  return out;
}

function osRelease(): Record<string, string> {
  for (const p of ['/etc/os-release', '/usr/lib/os-release']) {
    try {
      return parseOsRelease(readFileSync(p, 'utf8'));
    } catch {}
  }
  return {};
}

export function machineFacts(): MachineFacts {
  const os = osRelease();
  return {
    kernelVersion: release(),
    operatingSystem: os.PRETTY_NAME || 'Linux',
    osVersion: os.VERSION_ID || '',
    architecture: machine(),
    ncpu: availableParallelism(),
    memTotal: totalmem(),
    hostname: hostname(),
    cgroupVersion: cgroupVersion(),
  };
}

/** What the kernel's cgroups let the engine limit, as /info's booleans. */
export interface CgroupFeatures {
  readonly memoryLimit: boolean;
  readonly swapLimit: boolean;
  readonly cpuCfs: boolean;
  readonly cpuShares: boolean;
  readonly cpuSet: boolean;
  readonly pidsLimit: boolean;
  readonly oomKillDisable: boolean;
}

export function cgroupFeatures(cgroupRoot = '/sys/fs/cgroup'): CgroupFeatures {
  if (cgroupVersion(cgroupRoot) === '2') {
    let controllers: string[] = [];
    try {
      controllers = readFileSync(`${cgroupRoot}/cgroup.controllers`, 'utf8').trim().split(/\s+/);
    } catch {}
    const has = (c: string) => controllers.includes(c);
    return {
      memoryLimit: has('memory'),
      swapLimit: has('memory'),
      cpuCfs: has('cpu'),
      cpuShares: has('cpu'),
      cpuSet: has('cpuset'),
      pidsLimit: has('pids'),
      oomKillDisable: false,
    };
  }
  const at = (p: string) => existsSync(`${cgroupRoot}/${p}`);
  return {
    memoryLimit: at('memory/memory.limit_in_bytes'),
    swapLimit: at('memory/memory.memsw.limit_in_bytes'),
    cpuCfs: at('cpu/cpu.cfs_quota_us'),
    cpuShares: at('cpu/cpu.shares'),
    cpuSet: at('cpuset/cpuset.cpus'),
    pidsLimit: at('pids/cgroup.procs'),
    oomKillDisable: at('memory/memory.oom_control'),
  };
}

const readFlag = (path: string): boolean => {
  try {
    return readFileSync(path, 'utf8').trim() === '1';
  } catch {
    return false;
  }
};

export interface NetworkFacts {
  readonly ipv4Forwarding: boolean;
  readonly bridgeNfIptables: boolean;
  readonly bridgeNfIp6tables: boolean;
}

export const networkFacts = (): NetworkFacts => ({
  ipv4Forwarding: readFlag('/proc/sys/net/ipv4/ip_forward'),
  bridgeNfIptables: readFlag('/proc/sys/net/bridge/bridge-nf-call-iptables'),
  bridgeNfIp6tables: readFlag('/proc/sys/net/bridge/bridge-nf-call-ip6tables'),
});

/** /info's `Runtimes` and `DefaultRuntime`: berth's own (in-process) and the daemon's OCI runtime commands. */
export function runtimesInfo(
  runtimes: Readonly<Record<string, string>> | undefined,
  defaultRuntime: string | undefined,
): { Runtimes: Record<string, { path: string }>; DefaultRuntime: string } {
  const out: Record<string, { path: string }> = { [BERTH_RUNTIME]: { path: BERTH_RUNTIME } };
  for (const [name, path] of Object.entries(runtimes ?? {})) out[name] = { path };
  return { Runtimes: out, DefaultRuntime: defaultRuntime || BERTH_RUNTIME };
}
