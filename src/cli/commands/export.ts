// `berth export CONTAINER` (`container export`): the container's filesystem as a
// tar archive, on stdout or in a file (-o). Never onto a terminal. A file is
// written beside its final name and renamed once the archive is whole, so a failed
// export leaves no partial archive under that name.
import { defineCommand } from '../command.ts';
import { refuseTerminalOutput, writeTarOutput } from './tar-output.ts';

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
    refuseTerminalOutput(ctx, output);
    const client = await ctx.client();
    await writeTarOutput(
      ctx,
      await client.request('GET', `/containers/${encodeURIComponent(ctx.args[0])}/export`),
      output,
      'exporting',
    );
    return 0;
  },
});
