// `berth export CONTAINER` (`container export`): the container's filesystem as a
// tar archive, on stdout or in a file (-o). Never onto a terminal. A file is
// written beside its final name and renamed once the archive is whole, so a failed
// export leaves no partial archive under that name.
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fromErrno, invalidArgument } from '../../util/errors.ts';
import { defineCommand } from '../command.ts';
import { isTerminal } from './terminal.ts';

export const exportCommand = defineCommand({
  name: 'export',
  aliases: ['container export'],
  summary: "Export a container's filesystem as a tar archive",
  usage: '[OPTIONS] CONTAINER',
  args: { min: 1, max: 1 },
  options: {
    output: { type: 'string', short: 'o', valueName: 'string', help: 'Write to a file, instead of STDOUT' },
  },
  async run(ctx) {
    const output = ctx.options.output;
    if (output === undefined && isTerminal(ctx.stdout)) {
      throw invalidArgument('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    }
    const client = await ctx.client();
    const res = await client.request('GET', `/containers/${encodeURIComponent(ctx.args[0])}/export`);
    if (output === undefined) {
      await pipeline(res, ctx.stdout, { end: false });
      return 0;
    }
    const partial = join(dirname(output), `.${basename(output)}.partial-${process.pid}`);
    try {
      await pipeline(res, createWriteStream(partial, { mode: 0o644 }));
      await rename(partial, output);
    } catch (err) {
      await rm(partial, { force: true });
      throw fromErrno(err, `exporting to ${output}`);
    }
    return 0;
  },
});
