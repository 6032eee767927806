import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goJson, goQuote, parseGoBool, parseGoDuration, parseGoInt, parseGoUint } from './go-values.ts';

describe('parseGoDuration', () => {
  const s = 1e9;
  const valid: [string, number][] = [
    ['0', 0],
    ['-0', 0],
    ['1m30s', 90 * s],
    ['500ms', 5e8],
    ['1.5h', 5400 * s],
    ['-2s', -2 * s],
    ['+.5s', 5e8],
    ['1.s', s],
    ['1h2m3s4ms5us6ns', 3723 * s + 4_005_006],
    ['1µs', 1000],
    ['1μs', 1000],
    ['0.1s', 1e8],
    ['1h', 3600 * s],
  ];
  for (const [text, ns] of valid) it(`reads ${text}`, () => assert.equal(parseGoDuration(text), ns));

  // Messages as Docker 28's CLI prints them for --health-interval.
  const invalid: [string, string][] = [
    ['', 'time: invalid duration ""'],
    ['5', 'time: missing unit in duration "5"'],
    ['1e3s', 'time: unknown unit "e" in duration "1e3s"'],
    ['.', 'time: invalid duration "."'],
    ['-', 'time: invalid duration "-"'],
    ['1s2', 'time: missing unit in duration "1s2"'],
    ['1.5.5s', 'time: missing unit in duration "1.5.5s"'],
    ['5µx', 'time: unknown unit "\\xc2\\xb5x" in duration "5\\xc2\\xb5x"'],
    ['9999999999h', 'time: invalid duration "9999999999h"'],
    ['5x', 'time: unknown unit "x" in duration "5x"'],
  ];
  for (const [text, message] of invalid) {
    it(`refuses ${JSON.stringify(text)}`, () => assert.throws(() => parseGoDuration(text), { message }));
  }
});

describe('Go number and boolean parsing', () => {
  it('parses integers as strconv does, with its messages', () => {
    assert.equal(parseGoInt('-12'), -12);
    assert.equal(parseGoInt('+7'), 7);
    assert.throws(() => parseGoInt('x'), { message: 'strconv.ParseInt: parsing "x": invalid syntax' });
    assert.throws(() => parseGoInt('1.5', 64, 'strconv.Atoi'), {
      message: 'strconv.Atoi: parsing "1.5": invalid syntax',
    });
    assert.throws(() => parseGoInt('9223372036854775808'), {
      message: 'strconv.ParseInt: parsing "9223372036854775808": value out of range',
    });
  });
  it('parses unsigned integers of a size', () => {
    assert.equal(parseGoUint('65535', 16), 65535);
    assert.throws(() => parseGoUint('70000', 16), {
      message: 'strconv.ParseUint: parsing "70000": value out of range',
    });
    assert.throws(() => parseGoUint('-1', 16), {
      message: 'strconv.ParseUint: parsing "-1": invalid syntax',
    });
  });
  it('parses booleans as strconv.ParseBool', () => {
    for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(parseGoBool(t), true);
    for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(parseGoBool(f), false);
    assert.equal(parseGoBool('yes'), undefined);
  });
});

describe('goQuote and goJson', () => {
  it('quotes as strconv.Quote', () => {
    assert.equal(goQuote('sleep 1'), '"sleep 1"');
    assert.equal(goQuote('a "b" \\ c'), '"a \\"b\\" \\\\ c"');
    assert.equal(goQuote('tab\there\nnl'), '"tab\\there\\nnl"');
    assert.equal(goQuote('\x1b[0m'), '"\\x1b[0m"');
    assert.equal(goQuote('é…'), '"é…"');
    assert.equal(goQuote('\u2028'), '"\\u2028"');
  });
  it('escapes <, > and & in JSON as Go does', () => {
    assert.equal(
      goJson({ Ports: '0.0.0.0:80->80/tcp', A: '<&>' }),
      '{"Ports":"0.0.0.0:80-\\u003e80/tcp","A":"\\u003c\\u0026\\u003e"}',
    );
  });
});
