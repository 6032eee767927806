// What a command is: its name, help, options and the function that runs it. A
// command file exports one `defineCommand({...})` and is listed in commands/index.ts.
import type { Writable } from 'node:stream';
import type { OptionSpecs, OptionValues } from './args.ts';
import type { Client } from './client.ts';

/** Options given before the command: `berth -H unix:///x.sock -D images`. */
export interface GlobalOptions {
  readonly host?: string;
  readonly root?: string;
  readonly state?: string;
  readonly debug: boolean;
}

export interface ArgCount {
  readonly min?: number;
  readonly max?: number;
}

export interface CommandContext<O extends OptionSpecs = OptionSpecs> {
  /** The command's full name as typed, e.g. "image ls". */
  readonly name: string;
  readonly options: OptionValues<O>;
  readonly args: string[];
  readonly globals: GlobalOptions;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** A client talking to the daemon, which is started first if it is not running. */
  client(): Promise<Client>;
}

export interface Command<O extends OptionSpecs = OptionSpecs> {
  /** "images", or "image prune" for a command in a group. */
  readonly name: string;
  /** Other names: "image ls", "image list". */
  readonly aliases?: readonly string[];
  /** One line for listings. */
  readonly summary: string;
  /** What follows the name in the usage line: "[OPTIONS] [REPOSITORY[:TAG]]". */
  readonly usage: string;
  readonly options?: O;
  readonly args?: ArgCount;
  /** Options end at the first positional, which starts the arguments (`run IMAGE CMD...`). */
  readonly stopAtFirstPositional?: boolean;
  /** Listed under "Common Commands" in `berth --help`. */
  readonly common?: boolean;
  /** The exit code; undefined means 0. */
  run(ctx: CommandContext<O>): Promise<number | undefined> | number | undefined;
}

/** Identity with inference: lets a command's `run` see its own option types. */
export const defineCommand = <O extends OptionSpecs>(command: Command<O>): Command<O> => command;

/** Management groups (`berth image ...`) and their one-line summaries. */
export interface CommandGroup {
  readonly name: string;
  readonly summary: string;
}

export const FORMAT_OPTION = {
  type: 'string',
  short: 'f',
  valueName: 'string',
  help: "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template",
} as const;
