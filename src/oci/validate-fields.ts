// The building blocks of berth's validators for untrusted JSON documents: a location that
// names the bad field by its JSON path (`manifest: layers[2].digest`), and checks of the value
// kinds that the OCI schemas use. Every failure is BerthError('InvalidArgument').
import { BerthError } from '../util/errors.ts';
import { type Digest, isDigest } from './digest.ts';

export type JsonObject = Record<string, unknown>;

/** Where a value sits: the document's name and the JSON path inside it. */
export class At {
  constructor(
    readonly doc: string,
    readonly path = '',
  ) {}

  key(name: string): At {
    const step = /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
    return new At(this.doc, this.path ? this.path + step : step.replace(/^\./, ''));
  }

  index(i: number): At {
    return new At(this.doc, `${this.path}[${i}]`);
  }

  fail(message: string): never {
    throw new BerthError(
      'InvalidArgument',
      this.path ? `${this.doc}: ${this.path}: ${message}` : `${this.doc}: ${message}`,
    );
  }
}

/** The JSON kind of a value, as a message names it. */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a number';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

export const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function wantObject(v: unknown, at: At): JsonObject {
  if (!isObject(v)) at.fail(`want an object, got ${kindOf(v)}`);
  return v;
}

export function wantString(v: unknown, at: At): string {
  if (typeof v !== 'string') at.fail(`want a string, got ${kindOf(v)}`);
  return v;
}

export function wantBoolean(v: unknown, at: At): boolean {
  if (typeof v !== 'boolean') at.fail(`want true or false, got ${kindOf(v)}`);
  return v;
}

export function wantInteger(v: unknown, at: At, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) at.fail(`want an integer, got ${kindOf(v)}`);
  if (v < min || v > max) at.fail(`${v} is out of range [${min}, ${max}]`);
  return v;
}

export function wantArray(v: unknown, at: At): unknown[] {
  if (!Array.isArray(v)) at.fail(`want an array, got ${kindOf(v)}`);
  return v;
}

/** An array whose every item passes `check`. */
export function wantArrayOf<T>(v: unknown, at: At, check: (item: unknown, at: At) => T): T[] {
  const items = wantArray(v, at);
  for (let i = 0; i < items.length; i++) check(items[i], at.index(i));
  return items as T[];
}

export function wantStringArray(v: unknown, at: At): string[] {
  return wantArrayOf(v, at, wantString);
}

/** A required member: present (not undefined) or the document names it as missing. */
export function required(obj: JsonObject, name: string, at: At): unknown {
  if (!(name in obj) || obj[name] === undefined) at.fail(`missing required field "${name}"`);
  return obj[name];
}

/** Run `check` on a member when it is present. */
export function optional<T>(obj: JsonObject, name: string, at: At, check: (v: unknown, at: At) => T): void {
  if (Object.hasOwn(obj, name)) check(obj[name], at.key(name));
}

// image-spec's media type grammar (RFC 6838 names, no parameters).
const MEDIA_TYPE_RE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

export function isMediaType(s: string): boolean {
  return MEDIA_TYPE_RE.test(s);
}

export function wantMediaType(v: unknown, at: At): string {
  const s = wantString(v, at);
  if (!isMediaType(s)) at.fail(`invalid media type "${s}": want type/subtype`);
  return s;
}

export function wantDigest(v: unknown, at: At): Digest {
  const s = wantString(v, at);
  if (!isDigest(s)) at.fail(`invalid digest "${s}": want sha256:<64 hex> or sha512:<128 hex>`);
  return s;
}

/** A JSON object whose values are all strings (annotations, labels). */
export function wantStringMap(v: unknown, at: At): Record<string, string> {
  const obj = wantObject(v, at);
  for (const [k, val] of Object.entries(obj)) wantString(val, at.key(k));
  return obj as Record<string, string>;
}

/** A JSON object whose values are all objects (ExposedPorts, Volumes). */
export function wantObjectMap(v: unknown, at: At): Record<string, object> {
  const obj = wantObject(v, at);
  for (const [k, val] of Object.entries(obj)) wantObject(val, at.key(k));
  return obj as Record<string, object>;
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard base64 with padding, as JSON carries bytes (descriptor `data`). */
export function wantBase64(v: unknown, at: At): string {
  const s = wantString(v, at);
  if (!BASE64_RE.test(s)) at.fail('invalid base64');
  return s;
}
