// `berth load` (`image load`): images from a tar archive on stdin or in a file
// (-i), as `docker load` takes them: docker-archive or OCI layout, plain, gzip
// or zstd. Never from a terminal.
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { fromErrno, invalidArgument } from '../../util/errors.ts';
import { defineCommand } from '../command.ts';
import { displayJsonMessages } from './message-stream.ts';
import { isTerminal } from './terminal.ts';

export const loadCommand = defineCommand({
  name: 'load',
  aliases: ['image load'],
  summary: 'Load an image from a tar archive or STDIN',
  usage: '[OPTIONS]',
  args: { max: 0 },
  options: {
    input: {
      type: 'string',
      short: 'i',
      valueName: 'string',
      help: 'Read from tar archive file, instead of STDIN',
    },
    quiet: { type: 'boolean', short: 'q', help: 'Suppress the load output' },
  },
  async run(ctx) {
    const input = ctx.options.input;
    if (input === undefined && isTerminal(process.stdin)) {
      throw invalidArgument('requested load from stdin, but stdin is empty');
    }
    if (input !== undefined)
      await access(input).catch((err) => Promise.reject(fromErrno(err, `open ${input}`)));
    const body = input === undefined ? process.stdin : createReadStream(input);
    const client = await ctx.client();
    const res = await client.request('POST', '/images/load', {
      query: { quiet: ctx.options.quiet || !isTerminal(ctx.stdout) ? '1' : '0' },
      body,
      headers: { 'Content-Type': 'application/x-tar' },
    });
    await displayJsonMessages(res, ctx.stdout);
    return 0;
  },
});
