import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildHealthcheck } from './health-options.ts';

describe('buildHealthcheck', () => {
  it('runs the command in a shell and keeps the durations', () => {
    assert.deepEqual(
      buildHealthcheck({
        cmd: 'curl x',
        interval: 90e9,
        timeout: 5e8,
        retries: 3,
        startPeriod: 3600e9,
        startInterval: 2e9,
      }),
      {
        Test: ['CMD-SHELL', 'curl x'],
        Interval: 90e9,
        Timeout: 5e8,
        StartPeriod: 3600e9,
        StartInterval: 2e9,
        Retries: 3,
      },
    );
    assert.deepEqual(buildHealthcheck({ interval: 1e9 }), { Interval: 1e9 });
  });
  it('turns checks off with NONE, and sends nothing when no flag is given', () => {
    assert.deepEqual(buildHealthcheck({ disable: true }), { Test: ['NONE'] });
    assert.equal(buildHealthcheck({}), undefined);
  });
  it('refuses as Docker does', () => {
    assert.throws(() => buildHealthcheck({ disable: true, cmd: 'x' }), {
      message: '--no-healthcheck conflicts with --health-* options',
    });
    assert.throws(() => buildHealthcheck({ interval: -5e9 }), {
      message: '--health-interval cannot be negative',
    });
    assert.throws(() => buildHealthcheck({ retries: -1 }), {
      message: '--health-retries cannot be negative',
    });
  });
});
