// `berth top CONTAINER [ps OPTIONS]`: the container's processes as the host's ps shows
// them (the daemon runs ps; options after the container's name go to it, -ef by
// default), in Docker's table: columns at least 20 wide, 3 spaces apart.
import { defineCommand } from '../command.ts';
import { alignRows } from '../output/table.ts';

const TOP_TABLE = { minWidth: 20, padding: 3 };

export const topCommand = defineCommand({
  name: 'top',
  aliases: ['container top'],
  summary: 'Display the running processes of a container',
  usage: 'CONTAINER [ps OPTIONS]',
  args: { min: 1 },
  stopAtFirstPositional: true,
  async run(ctx) {
    const [container, ...psArgs] = ctx.args;
    const client = await ctx.client();
    const top = await client.get<{ Titles: string[]; Processes: string[][] | null }>(
      `/containers/${encodeURIComponent(container)}/top`,
      psArgs.length ? { ps_args: psArgs.join(' ') } : undefined,
    );
    ctx.stdout.write(alignRows([top.Titles, ...(top.Processes ?? [])], TOP_TABLE));
    return 0;
  },
});
