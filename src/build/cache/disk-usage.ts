// The build cache as `GET /system/df` lists it (Docker's BuildCache entries):
// the step records and the cache mounts.
//
// - A record is Shared when the layer it holds is also held by an image or by
//   another record listed before it: removing the record would free none of its
//   bytes. Docker's CLI counts only unshared entries in the cache's size, and
//   in-use ones are not reclaimable.
// - A cache mount is InUse while a RUN has it mounted; records are never in use
//   (a build reads a record once, when it looks it up).
import type { ImageStore } from '../../image/image-store.ts';
import { type BuildCache, cacheRecordId } from './build-cache.ts';
import type { CacheMounts } from './cache-mounts.ts';

/** One entry of GET /system/df's BuildCache. */
export interface BuildCacheEntry {
  ID: string;
  Parent: string;
  Parents: string[];
  Type: 'regular' | 'exec.cachemount';
  Description: string;
  InUse: boolean;
  Shared: boolean;
  Size: number;
  CreatedAt: string;
  LastUsedAt: string;
  UsageCount: number;
}

export async function buildCacheEntries(
  cache: BuildCache,
  store: ImageStore,
  mounts?: CacheMounts,
): Promise<BuildCacheEntry[]> {
  const held = new Set<string>();
  for (const image of store.list()) for (const c of await store.chainOf(image)) held.add(c);
  const entries: BuildCacheEntry[] = [];
  // Most recently used first, so the record a build would hit is the one not shared.
  for (const r of cache.list().reverse()) {
    const chain = r.layer?.chainId;
    const shared = chain !== undefined && held.has(chain);
    if (chain) held.add(chain);
    entries.push({
      ID: cacheRecordId(r.key),
      Parent: '',
      Parents: [],
      Type: 'regular',
      Description: r.description,
      InUse: false,
      Shared: shared,
      Size: r.size,
      CreatedAt: new Date(r.created).toISOString(),
      LastUsedAt: new Date(r.lastUsed).toISOString(),
      UsageCount: r.usageCount,
    });
  }
  for (const m of (await mounts?.list()) ?? []) {
    entries.push({
      ID: m.id,
      Parent: '',
      Parents: [],
      Type: 'exec.cachemount',
      Description: `cache mount ${m.key}`,
      InUse: m.inUse,
      Shared: false,
      Size: m.bytes,
      CreatedAt: new Date(m.created).toISOString(),
      LastUsedAt: new Date(m.lastUsed).toISOString(),
      UsageCount: 0,
    });
  }
  return entries;
}
