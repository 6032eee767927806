// `berth rmi IMAGE...` (`image rm`): remove images by tag or ID, with Docker's
// rules (the daemon applies them) and output, `Untagged: …` and `Deleted: …`.
// Like `docker rmi`, it goes on past an image it cannot remove and reports
// every failure at the end. Docker then exits 1; berth exits 125, its status
// for any error from the daemon (see run.ts).
import { EXIT_BERTH_FAILED } from '../../util/errors.ts';
import { isDaemonError } from '../client.ts';
import { defineCommand } from '../command.ts';
import { imagePath } from './image-format.ts';

type RemoveReport = ({ Untagged: string } | { Deleted: string })[];

export const rmiCommand = defineCommand({
  name: 'rmi',
  aliases: ['image rm', 'image remove'],
  summary: 'Remove one or more images',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  args: { min: 1 },
  options: {
    force: { type: 'boolean', short: 'f', help: 'Force removal of the image' },
    'no-prune': { type: 'boolean', help: 'Do not delete untagged parents' },
  },
  async run(ctx) {
    const client = await ctx.client();
    const errors: string[] = [];
    for (const name of ctx.args) {
      try {
        const report = await client.delete<RemoveReport>(`/images/${imagePath(name)}`, {
          force: ctx.options.force ? '1' : undefined,
          noprune: ctx.options['no-prune'] ? '1' : undefined,
        });
        for (const r of report ?? []) {
          ctx.stdout.write('Deleted' in r ? `Deleted: ${r.Deleted}\n` : `Untagged: ${r.Untagged}\n`);
        }
      } catch (err) {
        if (!isDaemonError(err)) throw err;
        errors.push(`Error response from daemon: ${err.message}`);
      }
    }
    if (!errors.length) return 0;
    ctx.stderr.write(`${errors.join('\n')}\n`);
    return EXIT_BERTH_FAILED;
  },
});
