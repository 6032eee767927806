// A build step through the cache. With lookups on, a record under the step's key
// whose layer is still here (its blob in the content store, its snapshot
// committed) stands in for the step: the stage takes the recorded config and
// layer, and the step's work is skipped. Otherwise the step runs and its result
// is recorded under the key (replacing a record whose layer had gone), with
// lookups off too: `--no-cache` refreshes the cache rather than bypassing it.
// A build with SOURCE_DATE_EPOCH records its time in every step's result, so
// the epoch is part of every key: such a build and one without never share.

import type { ImageStore } from '../../image/image-store.ts';
import type { Lease } from '../../image/lease.ts';
import { type Digest, digestOf } from '../../oci/digest.ts';
import type { BuildCache, CacheRecord } from '../cache/index.ts';
import type { StageState } from './stage-state.ts';

export interface StepCache {
  cache?: BuildCache;
  /** Look records up (false under --no-cache, and in stages --no-cache-filter names). */
  lookups: boolean;
  store: ImageStore;
  lease: Lease;
  /** SOURCE_DATE_EPOCH, when the build has one. */
  epoch?: number;
}

/**
 * Run `work` for the step under `key`, unless the cache has its result; true for
 * a cache hit. `kind` is the instruction's keyword, for the record.
 */
export async function cachedStep(
  c: StepCache,
  s: StageState,
  key: Digest,
  kind: string,
  work: () => Promise<void>,
): Promise<boolean> {
  if (c.epoch !== undefined) key = digestOf(`${key} SOURCE_DATE_EPOCH=${c.epoch}`);
  if (c.cache && c.lookups) {
    const record = c.cache.get(key);
    if (record && (await usable(c, s, record))) {
      apply(s, record);
      c.cache.touch(key);
      return true;
    }
  }
  const layersBefore = s.layers.length;
  await work();
  if (c.cache) record(c, s, key, kind, s.layers.length > layersBefore);
  return false;
}

/** The record fits this state and what it names is still stored (held by the build's lease from here on). */
async function usable(c: StepCache, s: StageState, r: CacheRecord): Promise<boolean> {
  const expected = s.config.rootfs.diff_ids.length + (r.layer ? 1 : 0);
  if (r.config.rootfs?.diff_ids?.length !== expected) return false;
  if (!r.layer) return true;
  c.lease.add(r.layer.descriptor.digest);
  c.lease.add(r.layer.chainId);
  return (
    c.store.snapshots.stat(r.layer.chainId)?.kind === 'committed' &&
    c.store.layerInfo(r.layer.descriptor.digest)?.diffId === r.layer.diffId &&
    (await c.store.content.has(r.layer.descriptor.digest))
  );
}

function apply(s: StageState, r: CacheRecord): void {
  s.config = structuredClone(r.config);
  if (r.layer) {
    s.layers = [...s.layers, r.layer.descriptor];
    s.chainId = r.layer.chainId;
  }
}

function record(c: StepCache, s: StageState, key: Digest, kind: string, layered: boolean): void {
  const descriptor = layered ? s.layers.at(-1) : undefined;
  const diffId = s.config.rootfs.diff_ids.at(-1);
  const layer = descriptor && diffId && s.chainId ? { descriptor, diffId, chainId: s.chainId } : undefined;
  c.cache?.save({
    key,
    kind,
    description: s.config.history?.at(-1)?.created_by ?? kind,
    config: s.config,
    layer,
    size: layer ? (c.store.layerInfo(layer.descriptor.digest)?.size ?? 0) : 0,
  });
}
