// The classic builder's cache: step records in the metadata database, their keys, and pruning.
export {
  BuildCache,
  buildCacheOf,
  type CachedLayer,
  type CacheRecord,
  cacheRecordId,
  installBuildCacheRoots,
} from './build-cache.ts';
export {
  type CacheMountLease,
  type CacheMountPruneOptions,
  type CacheMountPruneReport,
  type CacheMountRequest,
  CacheMounts,
  type CacheMountUsage,
  type CacheSharing,
  cacheMountId,
  cacheMountsAt,
} from './cache-mounts.ts';
export { type BuildCacheEntry, buildCacheEntries } from './disk-usage.ts';
export { type BuildCachePruneOptions, type BuildCachePruneReport, pruneBuildCache } from './prune.ts';
export { canonicalJson, type StepKeyParts, stepKey } from './step-key.ts';
