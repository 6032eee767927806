// Small declarative checks for untrusted runtime-spec JSON, built on the image validators'
// `At` (which names the bad field by its JSON path). A check returns nothing and throws
// BerthError('InvalidArgument') at the first bad value. They follow the rules of the
// runtime-spec schemas (draft-04) and nothing more, so berth and the schemas agree.
import {
  type At,
  kindOf,
  wantArray,
  wantBoolean,
  wantInteger,
  wantObject,
  wantString,
} from '../../oci/validate-fields.ts';

export type Check = (v: unknown, at: At) => void;

export const str: Check = (v, at) => void wantString(v, at);
export const bool: Check = (v, at) => void wantBoolean(v, at);

export const int =
  (min: number, max: number): Check =>
  (v, at) =>
    void wantInteger(v, at, min, max);

export const anyInt: Check = (v, at) => {
  if (typeof v !== 'number' || !Number.isInteger(v)) at.fail(`want an integer, got ${kindOf(v)}`);
};

export const atLeast =
  (min: number): Check =>
  (v, at) => {
    anyInt(v, at);
    if ((v as number) < min) at.fail(`${v} is below the minimum ${min}`);
  };

export const int32 = int(-2147483648, 2147483647);
// JSON numbers beyond 2^53 lose precision; the schemas' 64-bit bounds round to these.
export const int64 = int(-(2 ** 63), 2 ** 63);
export const uint8 = int(0, 255);
export const uint16 = int(0, 65535);
export const uint32 = int(0, 4294967295);
export const uint64 = int(0, 2 ** 64);

export const arrayOf =
  (item: Check, minItems = 0): Check =>
  (v, at) => {
    const items = wantArray(v, at);
    if (items.length < minItems) at.fail(`want at least ${minItems} item(s), got ${items.length}`);
    for (const [i, x] of items.entries()) item(x, at.index(i));
  };

/** A JSON object whose every member passes `value` (the schemas' additionalProperties). */
export const mapOf =
  (value: Check): Check =>
  (v, at) => {
    const obj = wantObject(v, at);
    for (const [k, x] of Object.entries(obj)) value(x, at.key(k));
  };

// The schemas' mapStringString constrains members whose name matches `.{1,}`.
const NON_EMPTY_NAME = /.{1,}/u;

export const stringMap: Check = (v, at) => {
  const obj = wantObject(v, at);
  for (const [k, x] of Object.entries(obj)) if (NON_EMPTY_NAME.test(k)) wantString(x, at.key(k));
};

/** One of a fixed set of strings; `what` names the kind in the message ("namespace type"). */
export const oneOf =
  (values: readonly string[], what: string): Check =>
  (v, at) => {
    const s = wantString(v, at);
    if (!values.includes(s)) at.fail(`unknown ${what} "${s}": want one of ${values.join(', ')}`);
  };

export const matching =
  (re: RegExp, what: string): Check =>
  (v, at) => {
    const s = wantString(v, at);
    if (!re.test(s)) at.fail(`invalid ${what} "${s}": want ${re.source}`);
  };

export const anyObject: Check = (v, at) => void wantObject(v, at);

/** An object: `required` members must be present, known members must pass their check. */
export const object =
  (fields: Record<string, Check>, required: readonly string[] = []): Check =>
  (v, at) => {
    const obj = wantObject(v, at);
    for (const name of required) if (!Object.hasOwn(obj, name)) at.fail(`missing required field "${name}"`);
    for (const [name, check] of Object.entries(fields)) {
      if (Object.hasOwn(obj, name)) check(obj[name], at.key(name));
    }
  };

/** Every check in turn (the schemas' allOf). */
export const allOf =
  (...checks: Check[]): Check =>
  (v, at) => {
    for (const c of checks) c(v, at);
  };
