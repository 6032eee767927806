// Values spelled the way Docker's CLI (a Go program) reads and prints them, so
// berth accepts the same flag values and answers with the same messages:
// Go durations (`1m30s`), integers and booleans as strconv parses them, Go's
// quoting (`strconv.Quote`) and JSON as encoding/json writes it (with `<`, `>`
// and `&` escaped).
import { BerthError } from '../../util/errors.ts';

export const invalid = (message: string): BerthError => new BerthError('InvalidArgument', message);

/** The message pflag gives for a value its flag rejects. */
export const invalidFlagValue = (value: string, flag: string, reason: string): BerthError =>
  invalid(`invalid argument ${goQuote(value)} for ${goQuote(flag)} flag: ${reason}`);

const HEX = '0123456789abcdef';
const SIMPLE_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '"': '\\"',
  '\\': '\\\\',
};

/** Go's strconv.Quote: printable characters stay, the rest become escapes. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (SIMPLE_ESCAPES[ch]) out += SIMPLE_ESCAPES[ch];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${HEX[cp >> 4]}${HEX[cp & 15]}`;
    else if (/[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Zl}\p{Zp}]/u.test(ch) || cp === 0xfffd)
      out +=
        cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** The quoting Go's time package uses in its errors: non-ASCII bytes as \x escapes. */
function timeQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0x80 || cp < 0x20) {
      for (const byte of Buffer.from(ch, 'utf8')) out += `\\x${HEX[byte >> 4]}${HEX[byte & 15]}`;
    } else {
      out += ch === '"' || ch === '\\' ? `\\${ch}` : ch;
    }
  }
  return `${out}"`;
}

/** JSON as Go's encoding/json writes it: HTML-sensitive characters escaped. */
export const goJson = (value: unknown): string =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

const NS_PER: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const MAX_INT64 = (1n << 63n) - 1n;

/** Go's time.ParseDuration, in nanoseconds: `1m30s`, `500ms`, `1.5h`, `-2s`, `0`. */
export function parseGoDuration(input: string): number {
  const bad = () => new Error(`time: invalid duration ${timeQuote(input)}`);
  let s = input;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw bad();
  let total = 0n;
  while (s !== '') {
    if (!/^[0-9.]/.test(s)) throw bad();
    const int = /^[0-9]*/.exec(s)![0];
    s = s.slice(int.length);
    let frac = '';
    let hadDot = false;
    if (s[0] === '.') {
      hadDot = true;
      frac = /^[0-9]*/.exec(s.slice(1))![0];
      s = s.slice(1 + frac.length);
    }
    if (int === '' && frac === '') throw bad();
    const unitText = /^[^0-9.]*/.exec(s)![0];
    if (unitText === '') throw new Error(`time: missing unit in duration ${timeQuote(input)}`);
    s = s.slice(unitText.length);
    const unit = NS_PER[unitText];
    if (unit === undefined) {
      throw new Error(`time: unknown unit ${timeQuote(unitText)} in duration ${timeQuote(input)}`);
    }
    const whole = int === '' ? 0n : BigInt(int);
    if (whole > MAX_INT64 / unit) throw bad();
    let v = whole * unit;
    if (hadDot && /[1-9]/.test(frac)) {
      // Go scales the fraction in float64, truncating to whole nanoseconds.
      const digits = frac.slice(0, 18);
      v += BigInt(Math.trunc(Number(digits) * (Number(unit) / 10 ** digits.length)));
    }
    total += v;
    if (total > MAX_INT64 + 1n) throw bad();
  }
  if (!neg && total > MAX_INT64) throw bad();
  return Number(neg ? -total : total);
}

/** Go's strconv.ParseInt(s, 10, bits) (the prefix names the caller, `Atoi` or `ParseInt`). */
export function parseGoInt(s: string, bits = 64, fn = 'strconv.ParseInt'): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new Error(`${fn}: parsing ${goQuote(s)}: invalid syntax`);
  const v = BigInt(s);
  const max = (1n << BigInt(bits - 1)) - 1n;
  if (v > max || v < -max - 1n) throw new Error(`${fn}: parsing ${goQuote(s)}: value out of range`);
  return Number(v);
}

/** Go's strconv.ParseUint(s, 10, bits). */
export function parseGoUint(s: string, bits = 64): number {
  if (!/^[0-9]+$/.test(s)) throw new Error(`strconv.ParseUint: parsing ${goQuote(s)}: invalid syntax`);
  if (BigInt(s) >= 1n << BigInt(bits)) {
    throw new Error(`strconv.ParseUint: parsing ${goQuote(s)}: value out of range`);
  }
  return Number(s);
}

const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go's strconv.ParseBool; undefined for anything else. */
export const parseGoBool = (s: string): boolean | undefined =>
  GO_TRUE.has(s) ? true : GO_FALSE.has(s) ? false : undefined;

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Run a parser; a failure becomes pflag's message for the flag. */
export function flagValue<T>(value: string, flag: string, parse: (v: string) => T): T {
  try {
    return parse(value);
  } catch (err) {
    throw invalidFlagValue(value, flag, errorText(err));
  }
}
