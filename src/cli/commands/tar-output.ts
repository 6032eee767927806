// Where `save` and `export` put the archive the daemon streams: stdout (never a
// terminal), or a file (-o) written beside its final name and renamed once whole,
// so a failure leaves no partial archive under that name.
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fromErrno, invalidArgument } from '../../util/errors.ts';
import type { CommandContext } from '../command.ts';
import { isTerminal } from './terminal.ts';

/** Docker's refusal, before any request: a tar onto a terminal is never what was meant. */
export function refuseTerminalOutput(ctx: CommandContext, output: string | undefined): void {
  if (output === undefined && isTerminal(ctx.stdout)) {
    throw invalidArgument('cowardly refusing to save to a terminal. Use the -o flag or redirect');
  }
}

/** Copy the archive to `output`, or to stdout when there is none; `doing` names the work in errors. */
export async function writeTarOutput(
  ctx: CommandContext,
  archive: Readable,
  output: string | undefined,
  doing: string,
): Promise<void> {
  if (output === undefined) {
    await pipeline(archive, ctx.stdout, { end: false });
    return;
  }
  const partial = join(dirname(output), `.${basename(output)}.partial-${process.pid}`);
  try {
    await pipeline(archive, createWriteStream(partial, { mode: 0o644 }));
    await rename(partial, output);
  } catch (err) {
    await rm(partial, { force: true });
    throw fromErrno(err, `${doing} to ${output}`);
  }
}
