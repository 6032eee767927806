// `berth update`: change a container's resource limits and restart policy, as
// `docker update` does: one request per container, each name printed once done,
// the daemon's warnings after them, and every error at the end with exit status 1.
// A running container gets its new limits at once; a stopped one at its next start.

import { invalidArgument } from '../../util/errors.ts';
import { isDaemonError } from '../client.ts';
import { defineCommand } from '../command.ts';
import { ramInBytes } from '../container/byte-size.ts';
import { invalidFlagValue } from '../container/go-values.ts';
import { parseCpus } from '../container/resources.ts';
import { parseRestartPolicy } from '../container/restart-policy.ts';

/** A size flag's bytes, or pflag's message naming the flag. */
function bytesOf(value: string, flag: string): number {
  try {
    return ramInBytes(value);
  } catch (err) {
    throw invalidFlagValue(value, flag, (err as Error).message);
  }
}

export const updateCommand = defineCommand({
  name: 'update',
  aliases: ['container update'],
  summary: 'Update configuration of one or more containers',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  args: { min: 1 },
  options: {
    'blkio-weight': {
      type: 'int',
      valueName: 'uint16',
      help: 'Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)',
    },
    'cpu-period': { type: 'int', valueName: 'int', help: 'Limit CPU CFS (Completely Fair Scheduler) period' },
    'cpu-quota': { type: 'int', valueName: 'int', help: 'Limit CPU CFS (Completely Fair Scheduler) quota' },
    'cpu-rt-period': {
      type: 'int',
      valueName: 'int',
      help: 'Limit the CPU real-time period in microseconds',
    },
    'cpu-rt-runtime': {
      type: 'int',
      valueName: 'int',
      help: 'Limit the CPU real-time runtime in microseconds',
    },
    'cpu-shares': { type: 'int', short: 'c', valueName: 'int', help: 'CPU shares (relative weight)' },
    cpus: { type: 'string', valueName: 'decimal', help: 'Number of CPUs' },
    'cpuset-cpus': {
      type: 'string',
      valueName: 'string',
      help: 'CPUs in which to allow execution (0-3, 0,1)',
    },
    'cpuset-mems': {
      type: 'string',
      valueName: 'string',
      help: 'MEMs in which to allow execution (0-3, 0,1)',
    },
    'kernel-memory': { type: 'string', valueName: 'bytes', help: 'Kernel memory limit (deprecated)' },
    memory: { type: 'string', short: 'm', valueName: 'bytes', help: 'Memory limit' },
    'memory-reservation': { type: 'string', valueName: 'bytes', help: 'Memory soft limit' },
    'memory-swap': {
      type: 'string',
      valueName: 'bytes',
      help: 'Swap limit equal to memory plus swap: -1 to enable unlimited swap',
    },
    'pids-limit': { type: 'int', valueName: 'int', help: 'Tune container pids limit (set -1 for unlimited)' },
    restart: { type: 'string', valueName: 'string', help: 'Restart policy to apply when a container exits' },
  },
  async run(ctx) {
    const o = ctx.options;
    if (Object.values(o).every((v) => v === undefined))
      throw invalidArgument('you must provide one or more flags when using this command');
    let restartPolicy = { Name: '', MaximumRetryCount: 0 };
    if (o.restart) {
      try {
        restartPolicy = parseRestartPolicy(o.restart) as typeof restartPolicy;
      } catch (err) {
        throw invalidArgument((err as Error).message);
      }
    }
    let nanoCpus = 0;
    if (o.cpus !== undefined) {
      try {
        nanoCpus = parseCpus(o.cpus);
      } catch (err) {
        throw invalidFlagValue(o.cpus, '--cpus', (err as Error).message);
      }
    }
    const update = {
      BlkioWeight: o['blkio-weight'] ?? 0,
      CpuShares: o['cpu-shares'] ?? 0,
      NanoCpus: nanoCpus,
      CpuPeriod: o['cpu-period'] ?? 0,
      CpuQuota: o['cpu-quota'] ?? 0,
      CpuRealtimePeriod: o['cpu-rt-period'] ?? 0,
      CpuRealtimeRuntime: o['cpu-rt-runtime'] ?? 0,
      CpusetCpus: o['cpuset-cpus'] ?? '',
      CpusetMems: o['cpuset-mems'] ?? '',
      Memory: o.memory === undefined ? 0 : bytesOf(o.memory, '-m, --memory'),
      MemoryReservation:
        o['memory-reservation'] === undefined ? 0 : bytesOf(o['memory-reservation'], '--memory-reservation'),
      MemorySwap:
        o['memory-swap'] === undefined
          ? 0
          : o['memory-swap'] === '-1'
            ? -1
            : bytesOf(o['memory-swap'], '--memory-swap'),
      KernelMemory: o['kernel-memory'] === undefined ? 0 : bytesOf(o['kernel-memory'], '--kernel-memory'),
      PidsLimit: o['pids-limit'] ?? null,
      RestartPolicy: restartPolicy,
    };
    const client = await ctx.client();
    const warnings: string[] = [];
    const errors: string[] = [];
    for (const ref of ctx.args) {
      try {
        const r = await client.post<{ Warnings?: string[] | null }>(
          `/containers/${encodeURIComponent(ref)}/update`,
          update,
        );
        ctx.stdout.write(`${ref}\n`);
        warnings.push(...(r?.Warnings ?? []));
      } catch (err) {
        if (!isDaemonError(err)) throw err;
        errors.push(`Error response from daemon: ${err.message}`);
      }
    }
    if (warnings.length) ctx.stdout.write(`${warnings.join('\n')}\n`);
    if (!errors.length) return 0;
    ctx.stderr.write(`${errors.join('\n')}\n`);
    return 1;
  },
});
