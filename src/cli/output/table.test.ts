import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alignRows, alignTabbed } from './table.ts';

describe('alignRows', () => {
  it('pads every column but the last to at least 10 and 3 past the widest cell', () => {
    const out = alignRows([
      ['REPOSITORY', 'TAG', 'IMAGE ID', 'SIZE'],
      ['busybox', 'latest', '0123456789ab', '4.26MB'],
    ]);
    assert.equal(
      out,
      'REPOSITORY   TAG       IMAGE ID       SIZE\n' + 'busybox      latest    0123456789ab   4.26MB\n',
    );
  });

  it('leaves the last cell unpadded and counts characters, not UTF-16 units', () => {
    const out = alignRows([
      ['A', 'x'],
      ['😀😀😀😀😀😀😀😀😀😀😀', 'y'],
    ]);
    assert.equal(out, `A${' '.repeat(13)}x\n😀😀😀😀😀😀😀😀😀😀😀   y\n`);
  });
});

describe('alignTabbed', () => {
  it('aligns tab-separated lines', () => {
    assert.equal(
      alignTabbed('NAME\tSIZE\nlong-name-here\t1kB\n'),
      'NAME             SIZE\nlong-name-here   1kB\n',
    );
  });
  it('gives nothing for nothing', () => {
    assert.equal(alignTabbed(''), '');
  });
});
