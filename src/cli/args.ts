// Docker-style argument parsing on node:util's parseArgs: short groups (`-aq`),
// `--flag=value`, `-fvalue`, repeated options, `--`, booleans that take `=false`,
// integer options, options after positionals, and, for commands like `run` that
// take a command after the image, stopping at the first positional.
import { parseArgs } from 'node:util';

export type OptionType = 'boolean' | 'string' | 'int';

export interface OptionSpec {
  readonly type: OptionType;
  readonly short?: string;
  /** Repeatable: `--filter a --filter b`. Its value is an array. */
  readonly multiple?: boolean;
  readonly help: string;
  /** The value's name in help (`string`, `int`, `list` when not given). */
  readonly valueName?: string;
  readonly hidden?: boolean;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean'
  ? boolean
  : S['type'] extends 'int'
    ? number
    : string;

/** The parsed values of a spec: arrays for `multiple`, absent when not given. */
export type OptionValues<O extends OptionSpecs> = {
  -readonly [K in keyof O]?: O[K]['multiple'] extends true ? ValueOf<O[K]>[] : ValueOf<O[K]>;
};

export interface ParsedArgs<O extends OptionSpecs> {
  readonly options: OptionValues<O>;
  readonly positionals: string[];
}

/** A wrong flag or value. Docker exits 125 for these; the message comes first, then "See '... --help'.". */
export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

const flagLabel = (name: string, spec: OptionSpec): string =>
  spec.short ? `-${spec.short}, --${name}` : `--${name}`;

function convert(
  name: string,
  spec: OptionSpec,
  raw: string | boolean | undefined,
  rawName: string,
): unknown {
  if (spec.type === 'boolean') {
    if (raw === undefined || raw === true) return true;
    if (GO_TRUE.has(String(raw))) return true;
    if (GO_FALSE.has(String(raw))) return false;
    throw new FlagError(
      `invalid argument "${raw}" for "${flagLabel(name, spec)}" flag: not a boolean (use true or false)`,
    );
  }
  if (typeof raw !== 'string') throw new FlagError(`flag needs an argument: ${rawName}`);
  if (spec.type === 'int') {
    if (!/^[-+]?\d+$/.test(raw)) {
      throw new FlagError(`invalid argument "${raw}" for "${flagLabel(name, spec)}" flag: not an integer`);
    }
    return Number.parseInt(raw, 10);
  }
  return raw;
}

type Tokens = NonNullable<ReturnType<typeof parseArgs>['tokens']>;

function tokenize(args: readonly string[], specs: OptionSpecs): Tokens {
  const options: Record<string, { type: 'boolean' | 'string'; short?: string }> = {};
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = {
      type: spec.type === 'boolean' ? 'boolean' : 'string',
      ...(spec.short ? { short: spec.short } : {}),
    };
  }
  // Not strict: unknown options and missing values come back as tokens, so the
  // errors can be worded as Docker words them.
  return parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true }).tokens;
}

/**
 * pflag reads `-f=json` and `-H=false` as the flag with that value; node's
 * parser would read a group of short flags. Spelling them long keeps one path.
 */
function longFormOfShortAssignment(arg: string, specs: OptionSpecs): string {
  const m = /^-([^-=])=(.*)$/s.exec(arg);
  if (!m) return arg;
  const name = Object.keys(specs).find((n) => specs[n].short === m[1]);
  return name ? `--${name}=${m[2]}` : arg;
}

export interface ParseOptions {
  /** Everything from the first positional on is positional (`run IMAGE CMD -x`). */
  readonly stopAtFirstPositional?: boolean;
}

export function parseCommandArgs<O extends OptionSpecs>(
  args: readonly string[],
  specs: O,
  opts: ParseOptions = {},
): ParsedArgs<O> {
  args = args.map((a) => longFormOfShortAssignment(a, specs));
  let tokens = tokenize(args, specs);
  let tail: string[] = [];
  if (opts.stopAtFirstPositional) {
    const first = tokens.find((t) => t.kind === 'positional' || t.kind === 'option-terminator');
    if (first) {
      tail = args.slice(first.kind === 'option-terminator' ? first.index + 1 : first.index);
      tokens = tokenize(args.slice(0, first.index), specs);
    }
  }
  const values: Record<string, unknown> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    if (token.kind !== 'option') continue;
    const spec = specs[token.name];
    if (!spec) {
      if (token.rawName.startsWith('--')) throw new FlagError(`unknown flag: ${token.rawName}`);
      throw new FlagError(`unknown shorthand flag: '${token.rawName.slice(1)}' in ${args[token.index]}`);
    }
    const value = convert(token.name, spec, token.value, token.rawName);
    if (!spec.multiple) values[token.name] = value;
    else if (Array.isArray(values[token.name])) (values[token.name] as unknown[]).push(value);
    else values[token.name] = [value];
  }
  return { options: values as OptionValues<O>, positionals: [...positionals, ...tail] };
}
