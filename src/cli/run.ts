// The command line from argv to exit code: global options, the command, its
// options, then running it. Usage errors and exit codes follow Docker's CLI:
//   unknown command, wrong number of arguments     exit 1
//   unknown flag, bad flag value                   exit 125
//   a failure of berth or an error from the daemon exit 125
// (Docker itself exits 1 for most daemon errors and 125 only for `run`; berth uses
// 125 for all, so scripts can tell berth's failures from a container's own status.)
import { basename } from 'node:path';
import type { Writable } from 'node:stream';
import { BERTH_VERSION, GIT_COMMIT } from '../api/build-info.ts';
import { asBerthError, BerthError, EXIT_BERTH_FAILED } from '../util/errors.ts';
import { FlagError, type OptionSpecs, parseCommandArgs } from './args.ts';
import { connect } from './autostart.ts';
import type { Client } from './client.ts';
import { isDaemonError } from './client.ts';
import type { Command, CommandContext, GlobalOptions } from './command.ts';
import { HelpRequest } from './commands/help.ts';
import { COMMANDS, findCommand, GROUPS, hasMembers } from './commands/index.ts';
import { resolveTarget } from './target.ts';
import { commandHelp, GLOBAL_OPTIONS, groupHelp, mainHelp, PROGRAM } from './usage.ts';

export const EXIT_USAGE = 1;

export interface Io {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const defaultIo = (): Io => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });

/** A command's options plus --help (and -h where the command leaves it free). */
function withHelp(cmd: Command): OptionSpecs {
  const options = cmd.options ?? {};
  const shortTaken = Object.values(options).some((o) => o.short === 'h');
  return {
    ...options,
    help: { type: 'boolean', ...(shortTaken ? {} : { short: 'h' }), help: 'Print usage' },
  };
}

const plural = (n: number) => `${n} argument${n === 1 ? '' : 's'}`;

function argCountError(cmd: Command, name: string, count: number): string | undefined {
  const { min = 0, max = Number.POSITIVE_INFINITY } = cmd.args ?? {};
  let problem: string | undefined;
  if (max === 0 && count > 0) problem = 'accepts no arguments';
  else if (min === max && count !== min) problem = `requires exactly ${plural(min)}`;
  else if (count < min) problem = `requires at least ${plural(min)}`;
  else if (count > max) problem = `accepts at most ${plural(max)}`;
  if (!problem) return undefined;
  return (
    `"${PROGRAM} ${name}" ${problem}.\nSee '${PROGRAM} ${name} --help'.\n\n` +
    `Usage:  ${PROGRAM} ${name}${cmd.usage ? ` ${cmd.usage}` : ''}\n\n${cmd.summary}\n`
  );
}

function helpFor(words: readonly string[]): string | undefined {
  if (!words.length) return mainHelp(COMMANDS, GROUPS.filter(hasMembers));
  const found = findCommand(words);
  if (found.kind === 'command') return commandHelp(found.command, withHelp(found.command));
  if (found.kind === 'group') return groupHelp(found.group, COMMANDS);
  return undefined;
}

function printError(err: unknown, io: Io, debug: boolean): number {
  if (isDaemonError(err)) {
    io.stderr.write(`Error response from daemon: ${err.message}\n`);
    return EXIT_BERTH_FAILED;
  }
  if (err instanceof BerthError) {
    io.stderr.write(`${err.message}\n`);
    if (debug && err.cause instanceof Error && err.cause.stack) io.stderr.write(`${err.cause.stack}\n`);
    return EXIT_BERTH_FAILED;
  }
  const e = asBerthError(err);
  io.stderr.write(`${PROGRAM}: internal error: ${e.message}\n`);
  if (debug && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
  return EXIT_BERTH_FAILED;
}

/** Run berth with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: readonly string[], io: Io = defaultIo()): Promise<number> {
  let globals: GlobalOptions = { debug: false };
  try {
    const parsed = parseCommandArgs(argv, GLOBAL_OPTIONS, { stopAtFirstPositional: true });
    const g = parsed.options;
    globals = { host: g.host, root: g.root, state: g.state, debug: g.debug ?? false };
    if (g.version) {
      io.stdout.write(`Berth version ${BERTH_VERSION}, build ${GIT_COMMIT}\n`);
      return 0;
    }
    const words = parsed.positionals;
    if (!words.length || g.help) {
      io.stdout.write(helpFor(g.help ? words : [])!);
      return 0;
    }
    const found = findCommand(words);
    if (found.kind === 'unknown') {
      const where = found.group ? `${PROGRAM} ${found.group.name}` : PROGRAM;
      const what = found.group ? `${found.group.name} ${found.name}` : found.name;
      io.stderr.write(`${PROGRAM}: '${what}' is not a ${PROGRAM} command.\nSee '${where} --help'\n`);
      return EXIT_USAGE;
    }
    if (found.kind === 'group') {
      io.stdout.write(groupHelp(found.group, COMMANDS));
      return 0;
    }
    const { command, name, rest } = found;
    const specs = withHelp(command);
    let args: ReturnType<typeof parseCommandArgs<OptionSpecs>>;
    try {
      args = parseCommandArgs(rest, specs, { stopAtFirstPositional: command.stopAtFirstPositional });
    } catch (err) {
      if (!(err instanceof FlagError)) throw err;
      io.stderr.write(`${err.message}\nSee '${PROGRAM} ${name} --help'.\n`);
      return EXIT_BERTH_FAILED;
    }
    if (args.options.help) {
      io.stdout.write(commandHelp(command, specs));
      return 0;
    }
    const countError = argCountError(command, name, args.positionals.length);
    if (countError) {
      io.stderr.write(countError);
      return EXIT_USAGE;
    }
    let client: Promise<Client> | undefined;
    const ctx: CommandContext = {
      name,
      options: args.options,
      args: args.positionals,
      globals,
      env: io.env,
      stdout: io.stdout,
      stderr: io.stderr,
      client: () => {
        client ??= connect(resolveTarget(globals, io.env), { debug: globals.debug });
        return client;
      },
    };
    try {
      return (await command.run(ctx)) ?? 0;
    } catch (err) {
      if (!(err instanceof HelpRequest)) throw err;
      const text = helpFor(err.words);
      if (text === undefined) {
        io.stderr.write(`${PROGRAM}: unknown help topic: ${err.words.join(' ')}\nSee '${PROGRAM} --help'\n`);
        return EXIT_USAGE;
      }
      io.stdout.write(text);
      return 0;
    }
  } catch (err) {
    if (err instanceof FlagError) {
      io.stderr.write(`${err.message}\nSee '${PROGRAM} --help'.\n`);
      return EXIT_BERTH_FAILED;
    }
    return printError(err, io, globals.debug);
  }
}

/** `berthd ARGS` is `berth daemon ARGS`. */
export function argvOf(processArgv: readonly string[]): string[] {
  const args = processArgv.slice(2);
  return basename(processArgv[1] ?? '').startsWith('berthd') ? ['daemon', ...args] : args;
}
