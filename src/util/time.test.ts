import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFilterTime, parseGoDuration, parseTimeNanos } from './time.ts';

describe('filter times', () => {
  it('reads RFC 3339 times to the nanosecond', () => {
    assert.equal(parseTimeNanos('1970-01-01T00:00:01.000000002Z'), 1_000_000_002n);
    assert.equal(
      parseTimeNanos('2024-05-01T10:11:12.5Z'),
      BigInt(Date.UTC(2024, 4, 1, 10, 11, 12)) * 1_000_000n + 500_000_000n,
    );
    assert.equal(parseTimeNanos('2024-05-01T12:11:12+02:00'), parseTimeNanos('2024-05-01T10:11:12Z'));
    assert.equal(parseTimeNanos('0001-01-01T00:00:00Z'), -62_135_596_800_000_000_000n);
    // Two times in the same millisecond still compare.
    assert.ok(parseTimeNanos('2024-05-01T10:11:12.000000001Z')! > parseTimeNanos('2024-05-01T10:11:12Z')!);
    assert.equal(parseTimeNanos('yesterday'), undefined);
  });

  it('reads Go durations', () => {
    assert.equal(parseGoDuration('90m'), 5_400_000);
    assert.equal(parseGoDuration('1h30m'), 5_400_000);
    assert.equal(parseGoDuration('1.5h'), 5_400_000);
    assert.equal(parseGoDuration('-10s'), -10_000);
    assert.equal(parseGoDuration('10'), undefined);
    assert.equal(parseGoDuration('10d'), undefined);
  });

  it('reads filter values as durations before now, Unix times or dates', () => {
    const now = Date.UTC(2024, 0, 2);
    assert.equal(parseFilterTime('24h', 'until', now), BigInt(Date.UTC(2024, 0, 1)) * 1_000_000n);
    assert.equal(parseFilterTime('1700000000.25', 'until'), 1_700_000_000_250_000_000n);
    assert.equal(parseFilterTime('2024-01-01T00:00:00Z', 'until'), BigInt(Date.UTC(2024, 0, 1)) * 1_000_000n);
    assert.throws(() => parseFilterTime('soon', 'until'), /invalid filter 'until=soon'/);
  });
});
