// `berth system prune`: remove stopped containers, unused networks, then (with --volumes) unused
// anonymous volumes, then dangling images (with -a every image no container
// uses), as `docker system prune` does, after Docker's WARNING and a y/N question
// read from stdin unless -f, and last the build cache: dangling records, or with -a
// all of it, with the same filters (the daemon ignores those the cache has not,
// such as label). It prints what each prune deleted and the total reclaimed.
import { invalidArgument } from '../../util/errors.ts';
import { filtersParam } from '../client.ts';
import { defineCommand } from '../command.ts';
import { deletedNetworksText, type NetworkPruneReport } from '../network/index.ts';
import { deletedBuildCacheText, requestBuildCachePrune } from './builder-prune.ts';
import { type ContainerPruneReport, deletedContainersText } from './container-prune.ts';
import { humanSizeDigits } from './image-format.ts';
import { pruneOptions } from './prune-options.ts';
import { confirm } from './terminal.ts';
import { deletedVolumesText, naturalCompare, type VolumePruneReport } from './volume.ts';

interface ImagePruneReport {
  ImagesDeleted: ({ Untagged?: string; Deleted?: string } | null)[] | null;
  SpaceReclaimed: number;
}

/** Docker's confirmation text: what will go, and the filters that narrow it. */
export function systemPruneWarning(opts: {
  all: boolean;
  volumes: boolean;
  filters: readonly string[];
}): string {
  const items = ['all stopped containers', 'all networks not used by at least one container'];
  if (opts.volumes) items.push('all anonymous volumes not used by at least one container');
  items.push(
    opts.all ? 'all images without at least one container associated to them' : 'all dangling images',
  );
  items.push(opts.all ? 'all build cache' : 'all dangling build cache');
  let text = `WARNING! This will remove:\n${items.map((i) => `  - ${i}\n`).join('')}`;
  const shown = opts.filters
    .map((f) => {
      const eq = f.indexOf('=');
      return { name: f.slice(0, eq).trim().toLowerCase(), value: f.slice(eq + 1) };
    })
    .filter((f) => ['label', 'label!', 'until'].includes(f.name))
    .map((f) => `${f.name}=${f.value}`)
    .sort(naturalCompare);
  if (shown.length)
    text += `\n  Items to be pruned will be filtered with:\n${shown.map((f) => `  - ${f}\n`).join('')}`;
  return `${text}\nAre you sure you want to continue?`;
}

export const systemPruneCommand = defineCommand({
  name: 'system prune',
  summary: 'Remove unused data',
  usage: '[OPTIONS]',
  args: { max: 0 },
  options: {
    all: { type: 'boolean', short: 'a', help: 'Remove all unused images not just dangling ones' },
    ...pruneOptions('label=<key>=<value>'),
    volumes: { type: 'boolean', help: 'Prune anonymous volumes' },
  },
  async run(ctx) {
    const all = ctx.options.all ?? false;
    const volumes = ctx.options.volumes ?? false;
    const filters = ctx.options.filter ?? [];
    filtersParam(filters); // a malformed filter fails before the question
    if (volumes && filters.some((f) => f.trim().toLowerCase().startsWith('until=')))
      throw invalidArgument('ERROR: The "until" filter is not supported with "--volumes"');
    // asked before any daemon is reached, as Docker asks
    if (
      !ctx.options.force &&
      !(await confirm(systemPruneWarning({ all, volumes, filters }), process.stdin, ctx.stdout))
    )
      return 0;
    const client = await ctx.client();
    let reclaimed = 0;
    const containers = await client.post<ContainerPruneReport>('/containers/prune', undefined, {
      filters: filtersParam(filters),
    });
    const containersText = deletedContainersText(containers);
    if (containersText) {
      ctx.stdout.write(containersText);
      reclaimed += containers.SpaceReclaimed;
    }
    const networks = await client.post<NetworkPruneReport>('/networks/prune', undefined, {
      filters: filtersParam(filters),
    });
    ctx.stdout.write(deletedNetworksText(networks));
    if (volumes) {
      // only anonymous volumes, even with -a, as Docker's system prune
      const report = await client.post<VolumePruneReport>('/volumes/prune', undefined, {
        filters: filtersParam(filters),
      });
      const text = deletedVolumesText(report);
      if (text) {
        ctx.stdout.write(text);
        reclaimed += report.SpaceReclaimed;
      }
    }
    const images = await client.post<ImagePruneReport>('/images/prune', undefined, {
      filters: filtersParam([...filters, `dangling=${!all}`]),
    });
    const deleted = (images.ImagesDeleted ?? []).filter((d) => d !== null);
    if (deleted.length) {
      let text = 'Deleted Images:\n';
      for (const d of deleted) text += d.Untagged ? `untagged: ${d.Untagged}\n` : `deleted: ${d.Deleted}\n`;
      ctx.stdout.write(`${text}\n`);
      reclaimed += images.SpaceReclaimed;
    }
    const cache = await requestBuildCachePrune(client, { all, filters });
    ctx.stdout.write(deletedBuildCacheText(cache));
    reclaimed += cache.SpaceReclaimed;
    ctx.stdout.write(`Total reclaimed space: ${humanSizeDigits(reclaimed, 4)}\n`);
    return 0;
  },
});
