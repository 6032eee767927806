import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readCsvRecord } from './csv-record.ts';

describe('readCsvRecord', () => {
  it('splits fields and reads quoted ones', () => {
    assert.deepEqual(readCsvRecord('type=bind,src=/a,dst=/b'), ['type=bind', 'src=/a', 'dst=/b']);
    assert.deepEqual(readCsvRecord('type=bind,"src=/a,b",dst=/c'), ['type=bind', 'src=/a,b', 'dst=/c']);
    assert.deepEqual(readCsvRecord('"a ""q"" b",c'), ['a "q" b', 'c']);
    assert.deepEqual(readCsvRecord('a,,b,'), ['a', '', 'b', '']);
  });
  // Docker 28's messages for these --mount values.
  it('words errors as Go encoding/csv', () => {
    assert.throws(() => readCsvRecord('type=bind,src=/a"b,dst=/c'), {
      message: 'parse error on line 1, column 17: bare " in non-quoted-field',
    });
    assert.throws(() => readCsvRecord('type=bind,"src=/a"x,dst=/c'), {
      message: 'parse error on line 1, column 18: extraneous or missing " in quoted-field',
    });
    assert.throws(() => readCsvRecord('type=bind,"src=/a'), {
      message: 'parse error on line 1, column 18: extraneous or missing " in quoted-field',
    });
    assert.throws(() => readCsvRecord(''), { message: 'EOF' });
  });
});
