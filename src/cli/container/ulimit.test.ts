import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseUlimit, parseUlimits } from './ulimit.ts';

describe('parseUlimit', () => {
  it('reads soft[:hard], the hard limit defaulting to the soft one', () => {
    assert.deepEqual(parseUlimit('nofile=1024:2048'), { Name: 'nofile', Soft: 1024, Hard: 2048 });
    assert.deepEqual(parseUlimit('nofile=1024'), { Name: 'nofile', Soft: 1024, Hard: 1024 });
    assert.deepEqual(parseUlimit('core=-1'), { Name: 'core', Soft: -1, Hard: -1 });
    assert.deepEqual(parseUlimit('memlock=100:-1'), { Name: 'memlock', Soft: 100, Hard: -1 });
  });
  const invalid: [string, string][] = [
    ['nofile=10:5', 'ulimit soft limit must be less than or equal to hard limit: 10 > 5'],
    ['nofile', 'invalid ulimit argument: nofile'],
    ['foo=1', 'invalid ulimit type: foo'],
    ['nofile=x', 'strconv.ParseInt: parsing "x": invalid syntax'],
    ['nofile=1:2:3', 'too many limit value arguments - 1:2:3, can only have up to two, `soft[:hard]`'],
  ];
  for (const [value, message] of invalid) {
    it(`refuses ${value}`, () => assert.throws(() => parseUlimit(value), { message }));
  }
  it('keeps the last value per name, sorted by name', () => {
    assert.deepEqual(parseUlimits(['nproc=10', 'nofile=1024:2048', 'nofile=5']), [
      { Name: 'nofile', Soft: 5, Hard: 5 },
      { Name: 'nproc', Soft: 10, Hard: 10 },
    ]);
  });
});
