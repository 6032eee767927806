import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ramInBytes } from './byte-size.ts';

describe('ramInBytes', () => {
  const valid: [string, number][] = [
    ['512', 512],
    ['5b', 5],
    ['64k', 65536],
    ['512m', 512 * 2 ** 20],
    ['1g', 2 ** 30],
    ['1.5g', 1610612736],
    ['2GiB', 2 * 2 ** 30],
    ['7mb', 7 * 2 ** 20],
    ['10 MB', 10 * 2 ** 20],
    ['1.5 g', 1610612736],
    ['1e3', 1000],
    ['.5k', 512],
    ['1_000', 1000],
    ['1KiB', 1024],
    ['1t', 2 ** 40],
  ];
  for (const [text, bytes] of valid) it(`reads ${text}`, () => assert.equal(ramInBytes(text), bytes));

  // The messages Docker 28's CLI gives for `-m VALUE`.
  const invalid: [string, string][] = [
    ['1x', "invalid suffix: 'x'"],
    ['1xb', "invalid suffix: 'xb'"],
    ['1kbb', "invalid suffix: 'kbb'"],
    ['-1', "invalid size: '-1'"],
    ['-1x', "invalid size: '-1x'"],
    ['abc', "invalid size: 'abc'"],
    ['', "invalid size: ''"],
    ['1.2.3', 'strconv.ParseFloat: parsing "1.2.3": invalid syntax'],
    ['1 0', 'strconv.ParseFloat: parsing "1 0": invalid syntax'],
    [' 1', 'strconv.ParseFloat: parsing " 1": invalid syntax'],
  ];
  for (const [text, message] of invalid) {
    it(`refuses ${JSON.stringify(text)}`, () => assert.throws(() => ramInBytes(text), { message }));
  }
});
