// Sizes as Docker's flags take them (go-units' RAMInBytes): a decimal number
// with an optional binary unit, `512`, `512b`, `64k`, `1.5g`, `2GiB`, `10 MB`.
import { goQuote } from './go-values.ts';

const MULTIPLIERS: Record<string, number> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };
// Go's decimal float syntax, underscores between digits included.
const DIGITS = '[0-9]+(?:_[0-9]+)*';
const GO_DECIMAL_FLOAT = new RegExp(
  `^[+-]?(?:${DIGITS}(?:\\.(?:${DIGITS})?)?|\\.${DIGITS})(?:[eE][+-]?${DIGITS})?$`,
);

/** Bytes in a size like `1.5g`; throws go-units' message for a bad one. */
export function ramInBytes(text: string): number {
  let sep = -1;
  for (let i = text.length - 1; i >= 0; i--) {
    if ('0123456789. '.includes(text[i]!)) {
      sep = i;
      break;
    }
  }
  if (sep < 0) throw new Error(`invalid size: '${text}'`);
  const num = text[sep] === ' ' ? text.slice(0, sep) : text.slice(0, sep + 1);
  let suffix = text.slice(sep + 1);
  if (!GO_DECIMAL_FLOAT.test(num)) {
    throw new Error(`strconv.ParseFloat: parsing ${goQuote(num)}: invalid syntax`);
  }
  let size = Number(num.replace(/_/g, ''));
  if (size < 0) throw new Error(`invalid size: '${text}'`);
  if (suffix === '') return Math.trunc(size);
  const badSuffix = () => new Error(`invalid suffix: '${suffix}'`);
  if (suffix.length > 3) throw badSuffix();
  suffix = suffix.toLowerCase();
  if (suffix[0] === 'b') {
    if (suffix.length > 1) throw badSuffix();
    return Math.trunc(size);
  }
  const mul = MULTIPLIERS[suffix[0]!];
  if (mul === undefined) throw badSuffix();
  size *= mul;
  if ((suffix.length === 2 && suffix[1] !== 'b') || (suffix.length === 3 && suffix.slice(1) !== 'ib')) {
    throw badSuffix();
  }
  return Math.trunc(size);
}
