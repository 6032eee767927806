// `builder prune` (POST /build/prune): remove build cache records, then collect
// garbage, so the layers only the removed records held go.
//
// - Without `all`, only dangling records go: those no image in the store was
//   built through. A record is part of an image when its config's history is
//   the beginning of the image's history (each step's entry carries the step's
//   time, so this matches the image's own build, not a look-alike). `all` takes
//   every record.
// - `until` keeps records used since that time (BuildKit's reading of the filter:
//   unused for longer than the duration).
// - `ids` keeps only records whose ID starts with one of them.
// - `keepBytes` (Docker's keep-storage) removes the least recently used of the
//   chosen records only until the cache's total size is at most that.
//
// SpaceReclaimed counts each removed layer that nothing else (another record, an
// image) still uses, once, by its uncompressed size.
//
// Cache mounts (cache-mounts.ts) go too, with or without `all` (no image is built
// through them, so they are always dangling), except those a build is using: `ids`
// and `until` pick them as they pick records, and `keepBytes` weighs their bytes
// with the records' (least recently used first, of either kind). Their IDs are
// listed after the records', their bytes added to SpaceReclaimed.
import type { ImageStore } from '../../image/image-store.ts';
import type { HistoryEntry } from '../../oci/descriptor.ts';
import { digestOf } from '../../oci/digest.ts';
import { type BuildCache, type CacheRecord, cacheRecordId } from './build-cache.ts';
import type { CacheMounts, CacheMountUsage } from './cache-mounts.ts';
import { canonicalJson } from './step-key.ts';

export interface BuildCachePruneOptions {
  all?: boolean;
  /** Milliseconds since the epoch: records last used after it stay. */
  until?: number;
  /** ID prefixes: only these records go. */
  ids?: readonly string[];
  /** Stop once the cache holds at most this many bytes. */
  keepBytes?: number;
  /** The cache mounts of RUN --mount=type=cache, pruned with the records. */
  cacheMounts?: CacheMounts;
}

/** Docker's answer to POST /build/prune. */
export interface BuildCachePruneReport {
  CachesDeleted: string[];
  SpaceReclaimed: number;
}

export async function pruneBuildCache(
  cache: BuildCache,
  store: ImageStore,
  opts: BuildCachePruneOptions = {},
): Promise<BuildCachePruneReport> {
  const records = cache.list();
  const mounts = (await opts.cacheMounts?.list()) ?? [];
  const inImages = opts.all ? new Set<string>() : await imageHistoryPrefixes(store);
  const picked = (id: string, lastUsed: number) =>
    (opts.until === undefined || lastUsed <= opts.until) &&
    (!opts.ids?.length || opts.ids.some((p) => id.startsWith(p.replace(/^sha256:/, ''))));
  let candidates: Candidate[] = [
    ...records
      .filter(
        (r) =>
          (opts.all || !inImages.has(historyKey(r.config.history ?? []))) &&
          picked(cacheRecordId(r.key), r.lastUsed),
      )
      .map((r): Candidate => ({ record: r, lastUsed: r.lastUsed, size: r.size })),
    ...mounts
      .filter((m) => !m.inUse && picked(m.id, m.lastUsed))
      .map((m): Candidate => ({ mount: m, lastUsed: m.lastUsed, size: m.bytes })),
  ];
  if (opts.keepBytes) {
    let total = records.reduce((n, r) => n + r.size, 0) + mounts.reduce((n, m) => n + m.bytes, 0);
    const chosen: Candidate[] = [];
    for (const c of candidates.sort((a, b) => a.lastUsed - b.lastUsed)) {
      if (total <= opts.keepBytes) break;
      chosen.push(c);
      total -= c.size;
    }
    candidates = chosen;
  }
  const report = await removeRecords(
    cache,
    store,
    records,
    candidates.flatMap((c) => (c.record ? [c.record] : [])),
  );
  const chosenMounts = candidates.flatMap((c) => (c.mount ? [c.mount.id] : []));
  if (!opts.cacheMounts || !chosenMounts.length) return report;
  const removed = await opts.cacheMounts.prune({ ids: chosenMounts });
  return {
    CachesDeleted: [...report.CachesDeleted, ...removed.removed],
    SpaceReclaimed: report.SpaceReclaimed + removed.bytes,
  };
}

/** A record or a cache mount that may go. */
interface Candidate {
  record?: CacheRecord;
  mount?: CacheMountUsage;
  lastUsed: number;
  size: number;
}

/** Remove `chosen` of `records`, then collect what only they held. */
async function removeRecords(
  cache: BuildCache,
  store: ImageStore,
  records: readonly CacheRecord[],
  chosen: readonly CacheRecord[],
): Promise<BuildCachePruneReport> {
  if (!chosen.length) return { CachesDeleted: [], SpaceReclaimed: 0 };
  const removed = new Set(chosen.map((r) => r.key));
  const stillUsed = new Set<string>();
  for (const r of records) if (!removed.has(r.key) && r.layer) stillUsed.add(r.layer.chainId);
  for (const image of store.list()) for (const c of await store.chainOf(image)) stillUsed.add(c);
  let reclaimed = 0;
  const counted = new Set<string>();
  for (const r of chosen) {
    if (!r.layer || stillUsed.has(r.layer.chainId) || counted.has(r.layer.chainId)) continue;
    counted.add(r.layer.chainId);
    reclaimed += r.size;
  }
  cache.remove([...removed]);
  await store.collectGarbage();
  return { CachesDeleted: chosen.map((r) => cacheRecordId(r.key)), SpaceReclaimed: reclaimed };
}

/** A history as a key: the fields of each entry that carry meaning, however a config spelled them. */
const historyKey = (history: readonly HistoryEntry[]) =>
  digestOf(
    canonicalJson(
      history.map((h) => [
        h.created ?? '',
        h.created_by ?? '',
        h.author ?? '',
        h.comment ?? '',
        !!h.empty_layer,
      ]),
    ),
  );

/** Every beginning of every image's history, as keys. */
async function imageHistoryPrefixes(store: ImageStore): Promise<Set<string>> {
  const out = new Set<string>();
  for (const image of store.list()) {
    const history = (await store.readConfig(image)).history ?? [];
    for (let n = 1; n <= history.length; n++) out.add(historyKey(history.slice(0, n)));
  }
  return out;
}
