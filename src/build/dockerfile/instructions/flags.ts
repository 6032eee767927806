// Builder flags (`--from=x`, `--link`, `--mount=...`): which each instruction
// accepts and how their values read. An unknown or repeated flag is an error
// that names the flag, so the caller can point at it in the source.

export type FlagKind = 'bool' | 'string' | 'strings';
export type FlagSpec = Readonly<Record<string, FlagKind>>;

export class FlagError extends Error {
  /** The flag's name without `--`, for locating it in the source. */
  readonly flag: string;
  constructor(flag: string, message: string) {
    super(message);
    this.flag = flag;
  }
}

export class ParsedFlags {
  private readonly values = new Map<string, string[]>();

  constructor(
    private readonly spec: FlagSpec,
    raw: readonly string[],
  ) {
    for (const arg of raw) this.add(arg);
  }

  private add(arg: string): void {
    if (!arg.startsWith('--')) throw new FlagError(arg, `flag should start with --: ${arg}`);
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const value = eq < 0 ? undefined : arg.slice(eq + 1);
    const kind = Object.hasOwn(this.spec, name) ? this.spec[name] : undefined;
    if (!kind) throw new FlagError(name, `unknown flag: ${name}`);
    const seen = this.values.get(name);
    if (seen && kind !== 'strings') throw new FlagError(name, `duplicate flag specified: ${name}`);
    if (kind === 'bool') {
      if (value === '') throw new FlagError(name, `missing a value on flag: ${name}`);
      const lower = (value ?? 'true').toLowerCase();
      if (lower !== 'true' && lower !== 'false') {
        throw new FlagError(name, `expecting boolean value for flag ${name}, not: ${value}`);
      }
      this.values.set(name, [lower]);
      return;
    }
    if (value === undefined) throw new FlagError(name, `missing a value on flag: ${name}`);
    this.values.set(name, [...(seen ?? []), value]);
  }

  bool(name: string): boolean {
    return this.values.get(name)?.[0] === 'true';
  }

  /** undefined when the flag was not given. */
  boolOrUndefined(name: string): boolean | undefined {
    const v = this.values.get(name);
    return v ? v[0] === 'true' : undefined;
  }

  string(name: string): string | undefined {
    return this.values.get(name)?.[0];
  }

  strings(name: string): string[] {
    return [...(this.values.get(name) ?? [])];
  }

  has(name: string): boolean {
    return this.values.has(name);
  }
}
