// Query parameters as Docker reads them: booleans, integers and the `filters`
// parameter, a JSON object of filter names to values.
import { invalidArgument } from '../util/errors.ts';

const FALSE_WORDS = new Set(['', '0', 'no', 'false', 'none']);

/**
 * Docker's boolean parameter: absent gives the default; "", 0, no, false and none
 * (any case) are false; anything else (1, true, True, yes) is true.
 */
export function queryBool(query: URLSearchParams, name: string, fallback = false): boolean {
  const v = query.get(name);
  if (v === null) return fallback;
  return !FALSE_WORDS.has(v.trim().toLowerCase());
}

export function queryInt(query: URLSearchParams, name: string, fallback: number): number {
  const v = query.get(name);
  if (v === null || v.trim() === '') return fallback;
  if (!/^[-+]?\d+$/.test(v.trim()))
    throw invalidArgument(`query parameter ${name} must be an integer, got "${v}"`);
  return Number.parseInt(v, 10);
}

/** Filters: each name to its values. Built from the `filters` query parameter. */
export class Filters {
  readonly #values: Map<string, string[]>;

  constructor(values: Map<string, string[]> = new Map()) {
    this.#values = values;
  }

  /**
   * Parse `{"name":["v1","v2"]}` or the legacy `{"name":{"v1":true}}`; an absent or
   * empty parameter gives no filters.
   */
  static parse(raw: string | null | undefined): Filters {
    const values = new Map<string, string[]>();
    if (raw === null || raw === undefined || raw.trim() === '') return new Filters(values);
    let doc: unknown;
    try {
      doc = JSON.parse(raw);
    } catch (err) {
      throw invalidArgument(`invalid filters parameter: not JSON (${(err as Error).message}): ${raw}`);
    }
    if (doc === null) return new Filters(values);
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      throw invalidArgument(`invalid filters parameter: expected a JSON object of filter names, got ${raw}`);
    }
    for (const [name, v] of Object.entries(doc as Record<string, unknown>)) {
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) {
        values.set(name, [...v]);
      } else if (v && typeof v === 'object' && !Array.isArray(v)) {
        const legacy = Object.entries(v as Record<string, unknown>);
        if (!legacy.every(([, on]) => typeof on === 'boolean')) {
          throw invalidArgument(`invalid filters parameter: filter "${name}" must map values to true`);
        }
        values.set(
          name,
          legacy.filter(([, on]) => on).map(([value]) => value),
        );
      } else {
        throw invalidArgument(`invalid filters parameter: filter "${name}" must be a list of strings`);
      }
    }
    return new Filters(values);
  }

  get size(): number {
    return this.#values.size;
  }
  has(name: string): boolean {
    return this.#values.has(name);
  }
  get(name: string): readonly string[] {
    return this.#values.get(name) ?? [];
  }
  names(): string[] {
    return [...this.#values.keys()];
  }

  /** Refuse filter names the endpoint does not know, naming the first one, as Docker does. */
  validate(allowed: readonly string[]): this {
    for (const name of this.#values.keys()) {
      if (!allowed.includes(name)) throw invalidArgument(`invalid filter '${name}'`);
    }
    return this;
  }

  toJSON(): Record<string, string[]> {
    return Object.fromEntries(this.#values);
  }
}
