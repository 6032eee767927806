// `berth save IMAGE...` (`image save`): the images as one tar archive (Docker's
// and OCI's layout at once) on stdout or in a file. Never onto a terminal. A
// file is written beside its final name and renamed once the archive is whole,
// so a failed save leaves no partial archive under that name.
import { defineCommand } from '../command.ts';
import { refuseTerminalOutput, writeTarOutput } from './tar-output.ts';

export const saveCommand = defineCommand({
  name: 'save',
  aliases: ['image save'],
  summary: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  args: { min: 1 },
  options: {
    output: { type: 'string', short: 'o', valueName: 'string', help: 'Write to a file, instead of STDOUT' },
  },
  async run(ctx) {
    const output = ctx.options.output;
    refuseTerminalOutput(ctx, output);
    const client = await ctx.client();
    await writeTarOutput(
      ctx,
      await client.request('GET', '/images/get', { query: { names: ctx.args } }),
      output,
      'saving',
    );
    return 0;
  },
});
