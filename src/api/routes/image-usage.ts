// Disk usage of images as Docker counts it: layers by chain ID, each with its
// uncompressed size; an image's SharedSize is what its layers that other images
// also use weigh; LayersSize is every layer an image uses, counted once. Prune
// reports as reclaimed the layers that only the deleted images used.

import { chainIds } from '../../image/chain-id.ts';
import type { ImageRecord, ImageStore, RemoveReport } from '../../image/image-store.ts';
import type { ImageConfig, Manifest } from '../../oci/descriptor.ts';
import { isBerthError } from '../../util/errors.ts';
import { parseFilterTime } from '../../util/time.ts';
import type { Filters } from '../query.ts';
import { boolFilter, createdNanos, labelsMatch, PRUNE_FILTERS } from './image-filters.ts';
import { familiar } from './image-views.ts';

export interface LayerUse {
  readonly chainId: string;
  readonly size: number;
}

/** Every image's layers, base first, with their uncompressed sizes. */
export async function layersOfImages(
  store: ImageStore,
  images: readonly ImageRecord[],
): Promise<Map<string, LayerUse[]>> {
  const out = new Map<string, LayerUse[]>();
  await Promise.all(
    images.map(async (image) => {
      let config: ImageConfig;
      let manifest: Manifest;
      try {
        [config, manifest] = await Promise.all([store.readConfig(image), store.readManifest(image)]);
      } catch (err) {
        if (isBerthError(err, 'NotFound')) return; // removed meanwhile: it uses nothing now
        throw err;
      }
      const chain = chainIds(config.rootfs.diff_ids);
      out.set(
        image.id,
        chain.map((chainId, i) => {
          const layer = manifest.layers[i];
          return { chainId, size: layer ? (store.layerInfo(layer.digest)?.size ?? layer.size) : 0 };
        }),
      );
    }),
  );
  return out;
}

/** How many images use each layer. */
export function layerUseCounts(layers: ReadonlyMap<string, readonly LayerUse[]>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const list of layers.values()) {
    for (const chainId of new Set(list.map((l) => l.chainId)))
      counts.set(chainId, (counts.get(chainId) ?? 0) + 1);
  }
  return counts;
}

/** The size of an image's layers that another image uses too. */
export function sharedSize(list: readonly LayerUse[], counts: ReadonlyMap<string, number>): number {
  const seen = new Set<string>();
  let size = 0;
  for (const l of list) {
    if (seen.has(l.chainId)) continue;
    seen.add(l.chainId);
    if ((counts.get(l.chainId) ?? 0) > 1) size += l.size;
  }
  return size;
}

/** Every layer some image uses, each counted once. */
export function layersSize(layers: ReadonlyMap<string, readonly LayerUse[]>): number {
  const sizes = new Map<string, number>();
  for (const list of layers.values()) for (const l of list) sizes.set(l.chainId, l.size);
  let total = 0;
  for (const s of sizes.values()) total += s;
  return total;
}

export interface PruneReport {
  ImagesDeleted: RemoveReport | null;
  SpaceReclaimed: number;
}

/**
 * POST /images/prune. Dangling only (the default): untagged images that are no
 * other image's parent. `dangling=false`: every image, tag by tag. An image a
 * container uses is skipped, as Docker skips it.
 */
export async function pruneImages(store: ImageStore, filters: Filters): Promise<PruneReport> {
  filters.validate(PRUNE_FILTERS);
  const danglingOnly = boolFilter(filters, 'dangling', true);
  const until = filters.get('until').map((v) => parseFilterTime(v, 'until'));
  const labels = filters.get('label');
  const notLabels = filters.get('label!');

  const all = store.list();
  const layers = await layersOfImages(store, all);
  const parents = new Set(all.map((i) => i.parent).filter((p) => p !== undefined));
  const candidates: ImageRecord[] = [];
  for (const image of all) {
    if (danglingOnly && (image.tags.length > 0 || parents.has(image.id))) continue;
    const created = createdNanos(image);
    if (until.length && (created === undefined || until.some((t) => created > t))) continue;
    if (labels.length || notLabels.length) {
      const imageLabels = (await store.readConfig(image)).config?.Labels;
      if (!labelsMatch(imageLabels, labels)) continue;
      if (notLabels.length && notLabels.some((l) => labelsMatch(imageLabels, [l]))) continue;
    }
    candidates.push(image);
  }

  const deleted: RemoveReport = [];
  const skip = (err: unknown) => {
    if (isBerthError(err, 'Conflict') || isBerthError(err, 'NotFound')) return;
    throw err;
  };
  for (const image of candidates) {
    const names = image.tags.length ? image.tags : [image.id];
    for (const name of names) {
      try {
        deleted.push(...(await store.remove(name)));
      } catch (err) {
        skip(err);
      }
    }
  }
  const gone = new Set(deleted.flatMap((d) => ('Deleted' in d ? [d.Deleted] : [])));
  const kept = new Set<string>();
  for (const [id, list] of layers) if (!gone.has(id)) for (const l of list) kept.add(l.chainId);
  const reclaimed = new Map<string, number>();
  for (const id of gone) {
    for (const l of layers.get(id) ?? []) if (!kept.has(l.chainId)) reclaimed.set(l.chainId, l.size);
  }
  let space = 0;
  for (const s of reclaimed.values()) space += s;
  return {
    ImagesDeleted: deleted.length
      ? deleted.map((d) => ('Untagged' in d ? { Untagged: familiar(d.Untagged) } : d))
      : null,
    SpaceReclaimed: space,
  };
}
