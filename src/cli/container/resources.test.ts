import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCpus, validateResources } from './resources.ts';

describe('parseCpus', () => {
  it('reads exact decimals and fractions into nano-CPUs', () => {
    assert.equal(parseCpus('1.5'), 1_500_000_000);
    assert.equal(parseCpus('0.01'), 10_000_000);
    assert.equal(parseCpus('3/2'), 1_500_000_000);
    assert.equal(parseCpus('2e-1'), 200_000_000);
    assert.equal(parseCpus('2'), 2_000_000_000);
  });
  it('refuses as Docker does', () => {
    assert.throws(() => parseCpus('1.5x'), { message: 'failed to parse 1.5x as a rational number' });
    assert.throws(() => parseCpus('abc'), { message: 'failed to parse abc as a rational number' });
    assert.throws(() => parseCpus('1e-10'), { message: 'value is too precise' });
  });
});

describe('validateResources', () => {
  it('accepts limits in range', () => {
    assert.doesNotThrow(() =>
      validateResources(
        { Memory: 6 * 2 ** 20, MemorySwap: -1, NanoCpus: 2e9, BlkioWeight: 10, OomScoreAdj: -1000 },
        2,
      ),
    );
  });
  const invalid: [Parameters<typeof validateResources>[0], string][] = [
    [{ NanoCpus: 3e9 }, 'Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available'],
    [{ NanoCpus: -1 }, 'Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available'],
    [{ Memory: 1024 }, 'Minimum memory limit allowed is 6MB'],
    [
      { Memory: 2 ** 30, MemorySwap: 2 ** 29 },
      'Minimum memoryswap limit should be larger than memory limit, see usage',
    ],
    [
      { MemorySwap: 2 ** 30 },
      'You should always set the Memory limit when using Memoryswap limit, see usage',
    ],
    [
      { Memory: 2 ** 29, MemoryReservation: 2 ** 30 },
      'Minimum memory limit can not be less than memory reservation limit, see usage',
    ],
    [
      { NanoCpus: 1e9, CpuPeriod: 100000 },
      'Conflicting options: Nano CPUs and CPU Period cannot both be set',
    ],
    [{ NanoCpus: 1e9, CpuQuota: 50000 }, 'Conflicting options: Nano CPUs and CPU Quota cannot both be set'],
    [
      { CpuPeriod: 999 },
      'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)',
    ],
    [{ CpuQuota: 999 }, 'CPU cfs quota can not be less than 1ms (i.e. 1000)'],
    [{ BlkioWeight: 5 }, 'Range of blkio weight is from 10 to 1000'],
    [{ OomScoreAdj: 2000 }, 'Invalid value 2000, range for oom score adj is [-1000, 1000]'],
  ];
  for (const [host, message] of invalid) {
    it(`refuses ${JSON.stringify(host)}`, () => assert.throws(() => validateResources(host, 2), { message }));
  }
});
