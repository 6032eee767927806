// `berth container prune`: remove every stopped container, as `docker container
// prune` does: after a y/N question unless -f (no answer removes nothing), then
// `Deleted Containers:` with their IDs and the space their layers took.
import { filtersParam } from '../client.ts';
import { defineCommand } from '../command.ts';
import { humanSizeDigits } from './image-format.ts';
import { pruneOptions } from './prune-options.ts';
import { confirm } from './terminal.ts';

const WARNING = 'WARNING! This will remove all stopped containers.\nAre you sure you want to continue?';

export interface ContainerPruneReport {
  ContainersDeleted: string[] | null;
  SpaceReclaimed: number;
}

/** `Deleted Containers:` and the IDs, with the blank line Docker ends it with; empty when none. */
export function deletedContainersText(report: ContainerPruneReport): string {
  const ids = report.ContainersDeleted ?? [];
  if (!ids.length) return '';
  return `Deleted Containers:\n${ids.map((id) => `${id}\n`).join('')}\n`;
}

export const containerPruneCommand = defineCommand({
  name: 'container prune',
  summary: 'Remove all stopped containers',
  usage: '[OPTIONS]',
  args: { max: 0 },
  options: {
    ...pruneOptions('until=<timestamp>'),
  },
  async run(ctx) {
    const filters = filtersParam(ctx.options.filter);
    // asked before any daemon is reached, as Docker asks
    if (!ctx.options.force && !(await confirm(WARNING, process.stdin, ctx.stdout))) return 0;
    const client = await ctx.client();
    const report = await client.post<ContainerPruneReport>('/containers/prune', undefined, { filters });
    const text = deletedContainersText(report);
    ctx.stdout.write(text);
    ctx.stdout.write(`Total reclaimed space: ${humanSizeDigits(text ? report.SpaceReclaimed : 0, 4)}\n`);
    return 0;
  },
});
