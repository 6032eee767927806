import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostConfig } from '../container-config.ts';
import { containerResources, oomScoreAdj } from './resources.ts';

const MB = 1024 * 1024;
const V1 = { cgroupV2: false, cpus: 4 };
const V2 = { cgroupV2: true, cpus: 4 };
const res = (hc: HostConfig, host = V1, warnings: string[] = []) => containerResources(hc, host, warnings);

describe('containerResources', () => {
  const cases: [string, HostConfig, ReturnType<typeof containerResources>][] = [
    ['nothing asked', {}, {}],
    ['memory doubles as the swap limit', { Memory: 64 * MB }, { memory: { limit: 64 * MB, swap: 128 * MB } }],
    ['unlimited swap', { Memory: 64 * MB, MemorySwap: -1 }, { memory: { limit: 64 * MB, swap: -1 } }],
    [
      'explicit swap and reservation',
      { Memory: 64 * MB, MemorySwap: 100 * MB, MemoryReservation: 32 * MB },
      { memory: { limit: 64 * MB, swap: 100 * MB, reservation: 32 * MB } },
    ],
    [
      'swappiness and OOM killer on v1',
      { Memory: 64 * MB, MemorySwappiness: 10, OomKillDisable: true },
      { memory: { limit: 64 * MB, swap: 128 * MB, swappiness: 10, disableOOMKiller: true } },
    ],
    ['swappiness -1 is unset', { MemorySwappiness: -1 }, {}],
    ['--cpus 1.5', { NanoCpus: 1.5e9 }, { cpu: { period: 100000, quota: 150000 } }],
    [
      'quota, period, shares and cpusets',
      { CpuQuota: 50000, CpuPeriod: 100000, CpuShares: 512, CpusetCpus: '0-1,3', CpusetMems: '0' },
      { cpu: { period: 100000, quota: 50000, shares: 512, cpus: '0-1,3', mems: '0' } },
    ],
    ['blkio weight', { BlkioWeight: 300 }, { blockIO: { weight: 300 } }],
    ['pids limit', { PidsLimit: 100 }, { pids: { limit: 100 } }],
    ['pids limit 0 is unlimited', { PidsLimit: 0 }, { pids: { limit: -1 } }],
    ['pids limit -1 is unlimited', { PidsLimit: -1 }, { pids: { limit: -1 } }],
    [
      'real-time limits on v1',
      { CpuRealtimePeriod: 1000000, CpuRealtimeRuntime: 950000 },
      { cpu: { realtimePeriod: 1000000, realtimeRuntime: 950000 } },
    ],
  ];
  for (const [name, hc, want] of cases) {
    it(name, () => assert.deepEqual(res(hc), want));
  }

  const bad: [HostConfig, RegExp][] = [
    [{ Memory: 1 * MB }, /^Minimum memory limit allowed is 6MB$/],
    [{ MemorySwap: 64 * MB }, /always set the Memory limit when using Memoryswap/],
    [{ Memory: 64 * MB, MemorySwap: 32 * MB }, /memoryswap limit should be larger than memory limit/],
    [{ Memory: 32 * MB, MemoryReservation: 64 * MB }, /can not be less than memory reservation/],
    [{ MemorySwappiness: 101 }, /valid memory swappiness range is 0-100/],
    [{ NanoCpus: 1e9, CpuPeriod: 100000 }, /Nano CPUs and CPU Period cannot both be set/],
    [{ NanoCpus: 1e9, CpuQuota: 100000 }, /Nano CPUs and CPU Quota cannot both be set/],
    [{ NanoCpus: 5e9 }, /Range of CPUs is from 0.01 to 4.00, as there are only 4 CPUs available/],
    [{ CpuPeriod: 500 }, /CPU cfs period can not be less than 1ms/],
    [{ CpuQuota: 10 }, /CPU cfs quota can not be less than 1ms/],
    [{ CpusetCpus: '0-a' }, /Invalid value 0-a for cpuset cpus/],
    [{ BlkioWeight: 5 }, /Range of blkio weight is from 10 to 1000/],
  ];
  for (const [hc, re] of bad) {
    it(`refuses ${JSON.stringify(hc)}`, () =>
      assert.throws(
        () => res(hc),
        (e: Error & { code?: string }) => e.code === 'InvalidArgument' && re.test(e.message),
      ));
  }

  it('drops what cgroup v2 cannot do, with warnings', () => {
    const warnings: string[] = [];
    assert.deepEqual(
      res({ MemorySwappiness: 5, OomKillDisable: true, CpuRealtimePeriod: 1000 }, V2, warnings),
      {},
    );
    assert.equal(warnings.length, 3);
    assert.match(warnings[0], /Memory swappiness discarded/);
  });

  it('clamps CPU shares and warns about kernel memory', () => {
    const warnings: string[] = [];
    assert.deepEqual(res({ CpuShares: 1, KernelMemory: 10 * MB }, V1, warnings), { cpu: { shares: 2 } });
    assert.deepEqual(warnings, [
      'Specifying a kernel memory limit is deprecated and will be removed in a future release.',
      'Changing requested CPUShares of 1 to minimum allowed of 2',
    ]);
  });
});

describe('oomScoreAdj', () => {
  it('takes -1000..1000', () => {
    assert.equal(oomScoreAdj(undefined), 0);
    assert.equal(oomScoreAdj(-1000), -1000);
    assert.throws(() => oomScoreAdj(1001), /Invalid value 1001, range for oom score adj is \[-1000, 1000\]/);
  });
});
