// `berth image prune`: remove dangling images, or with -a every image no
// container uses, as `docker image prune` does: after a y/N question unless
// -f. Answering no (or no input) removes nothing and reports nothing reclaimed.
import { filtersParam } from '../client.ts';
import { defineCommand } from '../command.ts';
import { humanSizeDigits } from './image-format.ts';
import { pruneOptions } from './prune-options.ts';
import { confirm } from './terminal.ts';

const ALL_WARNING =
  'WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue?';
const DANGLING_WARNING = 'WARNING! This will remove all dangling images.\nAre you sure you want to continue?';

interface PruneReport {
  ImagesDeleted: ({ Untagged?: string; Deleted?: string } | null)[] | null;
  SpaceReclaimed: number;
}

export const imagePruneCommand = defineCommand({
  name: 'image prune',
  summary: 'Remove unused images',
  usage: '[OPTIONS]',
  args: { max: 0 },
  options: {
    all: { type: 'boolean', short: 'a', help: 'Remove all unused images, not just dangling ones' },
    ...pruneOptions('until=<timestamp>'),
  },
  async run(ctx) {
    const all = ctx.options.all ?? false;
    const filters = [...(ctx.options.filter ?? []), `dangling=${!all}`];
    const client = await ctx.client();
    let reclaimed = 0;
    if (
      ctx.options.force ||
      (await confirm(all ? ALL_WARNING : DANGLING_WARNING, process.stdin, ctx.stdout))
    ) {
      const report = await client.post<PruneReport>('/images/prune', undefined, {
        filters: filtersParam(filters),
      });
      const deleted = (report.ImagesDeleted ?? []).filter((d) => d !== null);
      if (deleted.length) {
        let text = 'Deleted Images:\n';
        for (const d of deleted) text += d.Untagged ? `untagged: ${d.Untagged}\n` : `deleted: ${d.Deleted}\n`;
        ctx.stdout.write(`${text}\n`);
        reclaimed = report.SpaceReclaimed;
      }
    }
    ctx.stdout.write(`Total reclaimed space: ${humanSizeDigits(reclaimed, 4)}\n`);
    return 0;
  },
});
