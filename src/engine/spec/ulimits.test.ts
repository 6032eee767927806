import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { containerRlimits } from './ulimits.ts';

describe('containerRlimits', () => {
  it('sets nothing unless asked (the container inherits)', () => {
    assert.deepEqual(containerRlimits(undefined), []);
    assert.deepEqual(containerRlimits([]), []);
  });

  it('maps names to RLIMIT_* with -1 as unlimited', () => {
    assert.deepEqual(
      containerRlimits([
        { Name: 'nofile', Soft: 1024, Hard: 2048 },
        { Name: 'NPROC', Soft: 100, Hard: 100 },
        { Name: 'core', Soft: -1, Hard: -1 },
        { Name: 'as', Soft: 1, Hard: 2 },
      ]),
      [
        { type: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 },
        { type: 'RLIMIT_NPROC', soft: 100, hard: 100 },
        { type: 'RLIMIT_CORE', soft: 2 ** 64, hard: 2 ** 64 },
        { type: 'RLIMIT_AS', soft: 1, hard: 2 },
      ],
    );
  });

  it("refuses bad entries with Docker's messages", () => {
    assert.throws(
      () => containerRlimits([{ Name: 'files', Soft: 1, Hard: 1 }]),
      /invalid ulimit type: files/,
    );
    assert.throws(
      () => containerRlimits([{ Name: 'nofile', Soft: 20, Hard: 10 }]),
      /ulimit soft limit must be less than or equal to hard limit: 20 > 10/,
    );
    assert.throws(
      () =>
        containerRlimits([
          { Name: 'nofile', Soft: 1, Hard: 1 },
          { Name: 'NOFILE', Soft: 1, Hard: 1 },
        ]),
      /given twice/,
    );
    assert.throws(() => containerRlimits([{ Name: 'nofile', Soft: -5, Hard: 1 }]), /not a count or -1/);
  });
});
