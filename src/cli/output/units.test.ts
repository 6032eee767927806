import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesSize, formatAnsic, humanDuration, humanSize, timeAgo } from './units.ts';

describe('humanSize (decimal, 3 significant digits)', () => {
  it('prints sizes as Docker does', () => {
    assert.equal(humanSize(0), '0B');
    assert.equal(humanSize(999), '999B');
    assert.equal(humanSize(1000), '1kB');
    assert.equal(humanSize(1500), '1.5kB');
    assert.equal(humanSize(4_261_234), '4.26MB');
    assert.equal(humanSize(123_456_789), '123MB');
    assert.equal(humanSize(1_234_567_890), '1.23GB');
    assert.equal(humanSize(7_000_000_000_000), '7TB');
  });

  it('moves to the next unit when rounding reaches 1000', () => {
    assert.equal(humanSize(999_600), '1MB');
  });
});

describe('bytesSize (binary, 4 significant digits)', () => {
  it('prints memory as Docker does', () => {
    assert.equal(bytesSize(512), '512B');
    assert.equal(bytesSize(1024), '1KiB');
    assert.equal(bytesSize(25_276_063_744), '23.54GiB');
    assert.equal(bytesSize(1536 * 1024 * 1024), '1.5GiB');
  });
});

describe('humanDuration and timeAgo', () => {
  const s = 1000;
  const m = 60 * s;
  const h = 60 * m;
  const d = 24 * h;
  it('speaks as Docker does', () => {
    assert.equal(humanDuration(500), 'Less than a second');
    assert.equal(humanDuration(s), '1 second');
    assert.equal(humanDuration(42 * s), '42 seconds');
    assert.equal(humanDuration(61 * s), 'About a minute');
    assert.equal(humanDuration(2 * m), '2 minutes');
    assert.equal(humanDuration(59 * m), '59 minutes');
    assert.equal(humanDuration(60 * m), 'About an hour');
    assert.equal(humanDuration(89 * m), 'About an hour');
    assert.equal(humanDuration(3 * h), '3 hours');
    assert.equal(humanDuration(47 * h), '47 hours');
    assert.equal(humanDuration(3 * d), '3 days');
    assert.equal(humanDuration(15 * d), '2 weeks');
    assert.equal(humanDuration(90 * d), '3 months');
    assert.equal(humanDuration(800 * d), '2 years');
  });

  it('says how long ago', () => {
    const now = Date.UTC(2024, 0, 1);
    assert.equal(timeAgo(now - 2 * m, now), '2 minutes ago');
    assert.equal(timeAgo(new Date(now - h), new Date(now)), 'About an hour ago');
    assert.equal(timeAgo(now + m, now), 'Less than a second ago');
  });
});

describe('formatAnsic', () => {
  it('prints a build time as Docker does, with a space-padded day', () => {
    assert.equal(formatAnsic(new Date('2025-05-30T12:07:14Z')), 'Fri May 30 12:07:14 2025');
    assert.equal(formatAnsic(new Date('2026-05-07T21:09:36Z')), 'Thu May  7 21:09:36 2026');
  });
});
