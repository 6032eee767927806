// `berth builder prune`: remove build cache, as `docker builder prune` does: after
// Docker's y/N question unless -f, dangling records (those no image was built
// through), or with -a every record; `--filter until=24h` keeps what was used
// since, `--filter id=…` picks records; `--keep-storage 1GB` keeps that much of
// the most recently used cache. The layers only the removed records held are
// collected. Prints the removed records' IDs and the space reclaimed.
import { parseRamInBytes } from '../../build/dockerfile/instructions/go-units.ts';
import { invalidArgument } from '../../util/errors.ts';
import type { Client } from '../client.ts';
import { filtersParam } from '../client.ts';
import { defineCommand } from '../command.ts';
import { humanSizeDigits } from './image-format.ts';
import { pruneOptions } from './prune-options.ts';
import { confirm } from './terminal.ts';

const ALL_WARNING = 'WARNING! This will remove all build cache. Are you sure you want to continue?';
const DANGLING_WARNING =
  'WARNING! This will remove all dangling build cache. Are you sure you want to continue?';

export interface BuildCachePruneReport {
  CachesDeleted: string[] | null;
  SpaceReclaimed: number;
}

/** The lines naming what a build cache prune removed, and the blank line after; empty when nothing was. */
export function deletedBuildCacheText(report: BuildCachePruneReport): string {
  const ids = report.CachesDeleted ?? [];
  return ids.length ? `Deleted build cache objects:\n${ids.map((id) => `${id}\n`).join('')}\n` : '';
}

/** POST /build/prune with the docker CLI's parameters. */
export function requestBuildCachePrune(
  client: Client,
  opts: { all: boolean; filters?: readonly string[]; keepStorage?: number },
): Promise<BuildCachePruneReport> {
  return client.post<BuildCachePruneReport>('/build/prune', undefined, {
    all: opts.all ? '1' : undefined,
    filters: filtersParam(opts.filters),
    'keep-storage': opts.keepStorage ? String(opts.keepStorage) : undefined,
  });
}

export const builderPruneCommand = defineCommand({
  name: 'builder prune',
  summary: 'Remove build cache',
  usage: '[OPTIONS]',
  args: { max: 0 },
  options: {
    all: { type: 'boolean', short: 'a', help: 'Remove all unused build cache, not just dangling ones' },
    ...pruneOptions('until=24h'),
    'keep-storage': { type: 'string', valueName: 'bytes', help: 'Amount of disk space to keep for cache' },
  },
  async run(ctx) {
    const all = ctx.options.all ?? false;
    const filters = ctx.options.filter ?? [];
    filtersParam(filters); // a malformed filter fails before the question
    let keepStorage: number | undefined;
    const keep = ctx.options['keep-storage'];
    if (keep !== undefined) {
      try {
        keepStorage = parseRamInBytes(keep);
      } catch {
        throw invalidArgument(
          `invalid argument "${keep}" for "--keep-storage" flag: invalid size: '${keep}'`,
        );
      }
    }
    let reclaimed = 0;
    // Answering no removes nothing, and still reports the total, as Docker does.
    if (
      ctx.options.force ||
      (await confirm(all ? ALL_WARNING : DANGLING_WARNING, process.stdin, ctx.stdout))
    ) {
      const report = await requestBuildCachePrune(await ctx.client(), { all, filters, keepStorage });
      ctx.stdout.write(deletedBuildCacheText(report));
      reclaimed = report.SpaceReclaimed;
    }
    ctx.stdout.write(`Total reclaimed space: ${humanSizeDigits(reclaimed, 4)}\n`);
    return 0;
  },
});
