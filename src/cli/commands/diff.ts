// `berth diff CONTAINER` (`container diff`): what the container changed in its
// filesystem since it was created, one line per path as Docker prints them:
// `A` added, `C` changed, `D` deleted.
import { defineCommand } from '../command.ts';

const KIND = ['C', 'A', 'D'];

export const diffCommand = defineCommand({
  name: 'diff',
  aliases: ['container diff'],
  summary: "Inspect changes to files or directories on a container's filesystem",
  usage: 'CONTAINER',
  args: { min: 1, max: 1 },
  async run(ctx) {
    const client = await ctx.client();
    const changes = await client.get<{ Path: string; Kind: number }[] | null>(
      `/containers/${encodeURIComponent(ctx.args[0])}/changes`,
    );
    for (const c of changes ?? []) ctx.stdout.write(`${KIND[c.Kind] ?? '?'} ${c.Path}\n`);
    return 0;
  },
});
