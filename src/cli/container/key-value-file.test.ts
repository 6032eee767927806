import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeReadError, parseKeyValueText } from './key-value-file.ts';

describe('parseKeyValueText', () => {
  it('reads lines as Docker does: comments, blanks, values verbatim, bare keys from the lookup', () => {
    const text = '\uFEFFA=1\n# comment\n\n  B= x \nQ="quoted"\r\nSET\nUNSET\n\uFEFFX=1\n\tC=a=b\n';
    const env: Record<string, string> = { SET: 'from-env' };
    assert.deepEqual(
      parseKeyValueText(text, 'f.env', (k) => env[k]),
      [
        { key: 'A', value: '1' },
        { key: 'B', value: ' x ' },
        { key: 'Q', value: '"quoted"' },
        { key: 'SET', value: 'from-env' },
        { key: 'UNSET', value: undefined },
        // Only the first line loses a byte-order mark.
        { key: '\uFEFFX', value: '1' },
        { key: 'C', value: 'a=b' },
      ],
    );
  });
  it('gives bare keys no value without a lookup (label files)', () => {
    assert.deepEqual(parseKeyValueText('l1=v\nl2\n', 'labels'), [
      { key: 'l1', value: 'v' },
      { key: 'l2', value: undefined },
    ]);
  });
  it("words bad lines as Docker 28's CLI", () => {
    assert.throws(() => parseKeyValueText('a b=c\n', '/tmp/e'), {
      message: "invalid env file (/tmp/e): variable 'a b' contains whitespaces",
    });
    assert.throws(() => parseKeyValueText('  B = x\n', '/tmp/e'), {
      message: "invalid env file (/tmp/e): variable 'B ' contains whitespaces",
    });
    assert.throws(() => parseKeyValueText('=x\n', '/tmp/l'), {
      message: "invalid env file (/tmp/l): no variable name on line '=x'",
    });
  });
  it('words read errors as Go does', () => {
    const enoent = Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    assert.equal(describeReadError('/nonexistent', enoent), 'open /nonexistent: no such file or directory');
    const eisdir = Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
    assert.equal(describeReadError('/tmp', eisdir), 'read /tmp: is a directory');
  });
});
