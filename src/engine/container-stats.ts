// A container's resource use in Docker's stats document (`GET /containers/{id}/stats`),
// read from its cgroups (v1 or v2) and the host's /proc/stat. Docker's clients compute
// CPU % from two samples (cpu_stats and precpu_stats: the container's and the whole
// machine's CPU time between them), so a single answer (stream=0) takes two samples a
// second apart unless one-shot is asked; a stream sends one a second, each with the one
// before as its "pre". A container that is not running reads as all zeros, as Docker's.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { goTime } from '../image/config-json.ts';
import { readControlIfExists } from '../runtime/cgroups/files.ts';
import {
  type CgroupLayout,
  CgroupManager,
  type CgroupStats,
  detectCgroups,
} from '../runtime/cgroups/index.ts';
import type { ContainerRecord } from './container-record.ts';
import { ZERO_TIME } from './container-record.ts';
import type { ContainerService } from './container-service.ts';

export interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

/** One reading of a container's counters. */
export interface StatsSample {
  /** RFC3339Nano. */
  read: string;
  cgroup: CgroupStats;
  /** v2 has no per-CPU usage. */
  percpu?: number[];
  periods: number;
  serviceBytes: BlkioEntry[];
  serviced?: BlkioEntry[];
  /** The machine's CPU time (all CPUs, every state) in nanoseconds, as Docker reads /proc/stat. */
  systemCpuNanos: number;
  onlineCpus: number;
}

const NANOS_PER_TICK = 10_000_000; // USER_HZ is 100 on Linux
const SAMPLE_INTERVAL_MS = 1000;

let layout: Promise<CgroupLayout> | undefined;
const cgroupLayout = () => {
  layout ??= detectCgroups();
  layout.catch(() => {
    layout = undefined;
  });
  return layout;
};

/** The container's counters now; undefined when it is not running (or ended while being read). */
export async function sampleStats(
  containers: ContainerService,
  id: string,
): Promise<StatsSample | undefined> {
  try {
    const state = await containers.runtime.store.load(id);
    if (!state.cgroupPath) return undefined;
    const cg = new CgroupManager(await cgroupLayout(), state.cgroupPath, { unenforcedDeviceRules: 'warn' });
    const [cgroup, system] = await Promise.all([cg.stats(), systemCpu()]);
    const v2Dir = cg.layout.mode === 'v2' ? cg.dirs().at(-1) : undefined;
    const cpuDir = v2Dir ?? cg.v1Dir('cpu');
    const periods = cpuDir
      ? (parseFlatKeyed(await readControlIfExists(join(cpuDir, 'cpu.stat'))).get('nr_periods') ?? 0)
      : 0;
    const io = v2Dir ? await blkioV2(v2Dir) : await blkioV1(cg.v1Dir('blkio'));
    const cpuacct = cg.v1Dir('cpuacct');
    const percpu =
      !v2Dir && cpuacct
        ? ((await readControlIfExists(join(cpuacct, 'cpuacct.usage_percpu'))) ?? '')
            .split(/\s+/)
            .filter(Boolean)
            .map(Number)
        : undefined;
    return {
      read: goTime(new Date()),
      cgroup,
      ...(percpu?.length ? { percpu } : {}),
      periods,
      ...io,
      ...system,
    };
  } catch {
    return undefined;
  }
}

function parseFlatKeyed(text: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out.set(k, Number(v));
  }
  return out;
}

/** /proc/stat's first line summed (user to steal), and how many cpuN lines there are. */
export function parseProcStat(text: string): { systemCpuNanos: number; onlineCpus: number } {
  let ticks = 0;
  let cpus = 0;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'cpu') for (const v of f.slice(1, 8)) ticks += Number(v) || 0;
    else if (/^cpu\d+$/.test(f[0] ?? '')) cpus++;
  }
  return { systemCpuNanos: ticks * NANOS_PER_TICK, onlineCpus: cpus };
}

async function systemCpu() {
  return parseProcStat(await readFile('/proc/stat', 'utf8'));
}

/** `8:0 Read 4096` lines of a v1 blkio file (the `Total` line left out). */
export function parseBlkioV1(text: string | undefined): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\d+):(\d+)\s+(\S+)\s+(\d+)$/.exec(line.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3], value: Number(m[4]) });
  }
  return out;
}

/** v1: the CFQ scheduler's recursive counters, else the throttle policy's (which every kernel keeps). */
async function blkioV1(
  dir: string | undefined,
): Promise<{ serviceBytes: BlkioEntry[]; serviced?: BlkioEntry[] }> {
  if (!dir) return { serviceBytes: [] };
  const read = async (names: string[]) => {
    for (const n of names) {
      const entries = parseBlkioV1(await readControlIfExists(join(dir, n)));
      if (entries.length) return entries;
    }
    return [];
  };
  return {
    serviceBytes: await read([
      'blkio.io_service_bytes_recursive',
      'blkio.throttle.io_service_bytes_recursive',
      'blkio.throttle.io_service_bytes',
    ]),
    serviced: await read([
      'blkio.io_serviced_recursive',
      'blkio.throttle.io_serviced_recursive',
      'blkio.throttle.io_serviced',
    ]),
  };
}

/** v2's io.stat (`8:0 rbytes=1 wbytes=2 ...`) as Docker reports it: read and write bytes per device. */
export function parseIoStat(text: string | undefined): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const [dev, ...kv] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    const v = new Map(kv.map((p) => p.split('=') as [string, string]));
    const [major, minor] = [Number(m[1]), Number(m[2])];
    out.push({ major, minor, op: 'read', value: Number(v.get('rbytes') ?? 0) });
    out.push({ major, minor, op: 'write', value: Number(v.get('wbytes') ?? 0) });
  }
  return out;
}

async function blkioV2(dir: string): Promise<{ serviceBytes: BlkioEntry[] }> {
  return { serviceBytes: parseIoStat(await readControlIfExists(join(dir, 'io.stat'))) };
}

/** Docker's cpu_stats (and precpu_stats). */
export interface DockerCpuStats {
  cpu_usage: {
    total_usage: number;
    percpu_usage?: number[];
    usage_in_kernelmode: number;
    usage_in_usermode: number;
  };
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

/** Docker's memory_stats: empty for a container that is not running. */
export interface DockerMemoryStats {
  usage?: number;
  max_usage?: number;
  stats?: Record<string, number>;
  failcnt?: number;
  limit?: number;
}

/** Docker's stats document (`networks` left out: berth's containers have none to report). */
export interface StatsDocument {
  read: string;
  preread: string;
  pids_stats: { current?: number; limit?: number };
  blkio_stats: {
    io_service_bytes_recursive: BlkioEntry[] | null;
    io_serviced_recursive: BlkioEntry[] | null;
    io_queue_recursive: null;
    io_service_time_recursive: null;
    io_wait_time_recursive: null;
    io_merged_recursive: null;
    io_time_recursive: null;
    sectors_recursive: null;
  };
  num_procs: number;
  storage_stats: Record<string, never>;
  cpu_stats: DockerCpuStats;
  precpu_stats: DockerCpuStats;
  memory_stats: DockerMemoryStats;
  name: string;
  id: string;
}

const EMPTY_CPU: DockerCpuStats = {
  cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
  throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
};

function cpuStats(s: StatsSample | undefined): DockerCpuStats {
  if (!s) return EMPTY_CPU;
  const c = s.cgroup.cpu;
  return {
    cpu_usage: {
      total_usage: c.usageNanos,
      ...(s.percpu ? { percpu_usage: s.percpu } : {}),
      usage_in_kernelmode: c.systemNanos ?? 0,
      usage_in_usermode: c.userNanos ?? 0,
    },
    system_cpu_usage: s.systemCpuNanos,
    online_cpus: s.onlineCpus,
    throttling_data: {
      periods: s.periods,
      throttled_periods: c.throttledPeriods ?? 0,
      throttled_time: c.throttledNanos ?? 0,
    },
  };
}

function memoryStats(s: StatsSample | undefined): DockerMemoryStats {
  if (!s) return {};
  const m = s.cgroup.memory;
  const total = os.totalmem();
  // an unlimited container reads as limited by the machine's memory, as Docker reports it
  const limit = Number.isFinite(m.limit) && m.limit < total ? m.limit : total;
  return {
    usage: m.usage,
    ...(m.maxUsage !== undefined ? { max_usage: m.maxUsage } : {}),
    stats: m.stat,
    ...(m.failcnt !== undefined ? { failcnt: m.failcnt } : {}),
    limit,
  };
}

/** Docker's stats document for `record` from `now` and the sample before it. */
export function statsDocument(
  record: ContainerRecord,
  now?: StatsSample,
  before?: StatsSample,
): StatsDocument {
  const pids = now?.cgroup.pids;
  return {
    read: now?.read ?? ZERO_TIME,
    preread: before?.read ?? ZERO_TIME,
    pids_stats: pids
      ? { current: pids.current, ...(Number.isFinite(pids.limit) ? { limit: pids.limit } : {}) }
      : {},
    blkio_stats: {
      io_service_bytes_recursive: now ? now.serviceBytes : null,
      io_serviced_recursive: now?.serviced ?? null,
      io_queue_recursive: null,
      io_service_time_recursive: null,
      io_wait_time_recursive: null,
      io_merged_recursive: null,
      io_time_recursive: null,
      sectors_recursive: null,
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(now),
    precpu_stats: cpuStats(before),
    memory_stats: memoryStats(now),
    name: `/${record.name}`,
    id: record.id,
  };
}

const isRunning = (r: ContainerRecord) => r.state.Status === 'running' || r.state.Status === 'paused';

/**
 * The stats documents of a container: one (`stream` false; after two samples unless
 * `oneShot`), or one a second until `signal` aborts or the container is removed.
 */
export async function* containerStats(
  containers: ContainerService,
  ref: string,
  opts: { stream: boolean; oneShot?: boolean; signal?: AbortSignal },
): AsyncGenerator<StatsDocument> {
  const first = containers.resolve(ref);
  const id = first.id;
  if (!opts.stream && (!isRunning(first) || opts.oneShot)) {
    yield statsDocument(first, isRunning(first) ? await sampleStats(containers, id) : undefined);
    return;
  }
  let before: StatsSample | undefined;
  let primed = opts.stream;
  while (!opts.signal?.aborted) {
    let record: ContainerRecord;
    try {
      record = containers.resolve(id);
    } catch {
      return;
    }
    const now = isRunning(record) ? await sampleStats(containers, id) : undefined;
    if (primed) {
      yield statsDocument(record, now, before);
      if (!opts.stream) return;
    }
    primed = true;
    before = now;
    try {
      await sleep(SAMPLE_INTERVAL_MS, undefined, { signal: opts.signal });
    } catch {
      return;
    }
  }
}
