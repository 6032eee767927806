// `berth ps` (`container ls`): the daemon's container list rendered as Docker
// renders it (cli/container/ps-format.ts): table, -q, --format, --no-trunc, -s.
import { defineCommand } from '../command.ts';
import { type ContainerSummary, psFiltersParam, psQuery, renderPs } from '../container/index.ts';
import { LIST_FORMAT_OPTION } from '../output/format.ts';

export const psCommand = defineCommand({
  name: 'ps',
  aliases: ['container ls', 'container list', 'container ps'],
  summary: 'List containers',
  usage: '[OPTIONS]',
  common: true,
  args: { max: 0 },
  options: {
    all: { type: 'boolean', short: 'a', help: 'Show all containers (default shows just running)' },
    filter: {
      type: 'string',
      short: 'f',
      multiple: true,
      valueName: 'filter',
      help: 'Filter output based on conditions provided',
    },
    format: LIST_FORMAT_OPTION,
    last: {
      type: 'string',
      short: 'n',
      valueName: 'int',
      help: 'Show n last created containers (includes all states)',
    },
    latest: { type: 'boolean', short: 'l', help: 'Show the latest created container (includes all states)' },
    'no-trunc': { type: 'boolean', help: "Don't truncate output" },
    quiet: { type: 'boolean', short: 'q', help: 'Only display container IDs' },
    size: { type: 'boolean', short: 's', help: 'Display total file sizes' },
  },
  async run(ctx) {
    const o = ctx.options;
    const query = psQuery({
      all: o.all,
      last: o.last === undefined ? undefined : Number(o.last),
      latest: o.latest,
      size: o.size,
      quiet: o.quiet,
      format: o.format,
      filters: psFiltersParam(o.filter),
    });
    const client = await ctx.client();
    const list = await client.get<ContainerSummary[]>('/containers/json', query);
    const out = renderPs(list, {
      format: o.format,
      quiet: o.quiet,
      size: query.size === '1',
      noTrunc: o['no-trunc'],
      now: Date.now(),
    });
    for (const w of out.warnings) ctx.stderr.write(`${w}\n`);
    ctx.stdout.write(out.text);
    return 0;
  },
});
