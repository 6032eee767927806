// The classic builder's cache: one record per step that ran, in the `build_cache`
// table of berth's metadata database, so it survives restarts of the daemon.
// A record maps the step's key (step-key.ts) to what the step produced: the image
// config after it and, for a step that made a layer (RUN, COPY, ADD, WORKDIR),
// the layer's descriptor, diff ID and the chain ID of its committed snapshot.
// Layers themselves stay where every layer is, in the content store and the
// snapshotter; the records are roots of the image store's garbage collection
// (`installBuildCacheRoots`), so a layer outlives the images built with it for as long as
// a record names it, and `builder prune` (prune.ts) is what lets it go.
//
// Cache mounts (`RUN --mount=type=cache`) are directories, not step results: they
// have a store of their own beside this one (cache-mounts.ts, keyed by mount id),
// and `pruneBuildCache` removes them with the records.
import type { GcRoots, ImageStore } from '../../image/image-store.ts';
import type { Descriptor, ImageConfig } from '../../oci/descriptor.ts';
import type { Digest } from '../../oci/digest.ts';
import { type Db, migrate } from '../../util/sqlite.ts';

const MIGRATIONS = [
  `CREATE TABLE build_cache (
     key              TEXT PRIMARY KEY,
     kind             TEXT NOT NULL,
     description      TEXT NOT NULL,
     config           TEXT NOT NULL,
     layer_digest     TEXT,
     layer_media_type TEXT,
     layer_size       INTEGER,
     diff_id          TEXT,
     chain_id         TEXT,
     size             INTEGER NOT NULL,
     created          INTEGER NOT NULL,
     last_used        INTEGER NOT NULL,
     usage_count      INTEGER NOT NULL
   );
   CREATE INDEX build_cache_by_last_used ON build_cache(last_used);`,
];

export interface CachedLayer {
  descriptor: Descriptor;
  diffId: Digest;
  chainId: Digest;
}

export interface CacheRecord {
  key: Digest;
  /** The instruction's keyword (`RUN`, `COPY`, `ENV` ...). */
  kind: string;
  /** The step's history text (created_by). */
  description: string;
  /** The image config after the step. */
  config: ImageConfig;
  /** The layer the step added; none for a step that changed only the config. */
  layer?: CachedLayer;
  /** Bytes the record holds: its layer's uncompressed size (0 without a layer). */
  size: number;
  /** Milliseconds since the epoch. */
  created: number;
  lastUsed: number;
  usageCount: number;
}

interface Row {
  key: string;
  kind: string;
  description: string;
  config: string;
  layer_digest: string | null;
  layer_media_type: string | null;
  layer_size: number | null;
  diff_id: string | null;
  chain_id: string | null;
  size: number;
  created: number;
  last_used: number;
  usage_count: number;
}

/** A record's ID as `builder prune` and `system df -v` show it: the key's first 25 hex digits. */
export const cacheRecordId = (key: string): string => key.replace(/^sha256:/, '').slice(0, 25);

export class BuildCache implements GcRoots {
  constructor(private readonly db: Db) {
    migrate(db, 'build-cache', MIGRATIONS);
  }

  get(key: Digest): CacheRecord | undefined {
    const row = this.db.prepare('SELECT * FROM build_cache WHERE key = ?').get(key) as Row | undefined;
    return row && toRecord(row);
  }

  /** Record a step's result, replacing what an earlier run of the same step recorded. */
  save(record: Omit<CacheRecord, 'created' | 'lastUsed' | 'usageCount'>, now = Date.now()): void {
    const l = record.layer;
    this.db
      .prepare(
        `INSERT OR REPLACE INTO build_cache (key, kind, description, config, layer_digest, layer_media_type,
           layer_size, diff_id, chain_id, size, created, last_used, usage_count)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
      )
      .run(
        record.key,
        record.kind,
        record.description,
        JSON.stringify(record.config),
        l?.descriptor.digest ?? null,
        l?.descriptor.mediaType ?? null,
        l?.descriptor.size ?? null,
        l?.diffId ?? null,
        l?.chainId ?? null,
        record.size,
        now,
        now,
      );
  }

  /** A build reused the record. */
  touch(key: Digest, now = Date.now()): void {
    this.db
      .prepare('UPDATE build_cache SET last_used = ?, usage_count = usage_count + 1 WHERE key = ?')
      .run(now, key);
  }

  /** Least recently used first. */
  list(): CacheRecord[] {
    return (this.db.prepare('SELECT * FROM build_cache ORDER BY last_used, key').all() as Row[]).map(
      toRecord,
    );
  }

  /** Remove records, in one transaction. */
  remove(keys: readonly string[]): void {
    const del = this.db.prepare('DELETE FROM build_cache WHERE key = ?');
    this.db.transaction(() => {
      for (const k of keys) del.run(k);
    })();
  }

  /** What the records keep alive: layer blobs and their committed snapshots. */
  roots(): { blobs: string[]; snapshots: string[] } {
    const rows = this.db
      .prepare('SELECT layer_digest AS d, chain_id AS c FROM build_cache WHERE layer_digest IS NOT NULL')
      .all() as { d: string; c: string }[];
    return { blobs: rows.map((r) => r.d), snapshots: rows.map((r) => r.c) };
  }
}

function toRecord(row: Row): CacheRecord {
  return {
    key: row.key as Digest,
    kind: row.kind,
    description: row.description,
    config: JSON.parse(row.config) as ImageConfig,
    layer:
      row.layer_digest && row.diff_id && row.chain_id
        ? {
            descriptor: {
              mediaType: row.layer_media_type ?? '',
              digest: row.layer_digest as Digest,
              size: row.layer_size ?? 0,
            },
            diffId: row.diff_id as Digest,
            chainId: row.chain_id as Digest,
          }
        : undefined,
    size: row.size,
    created: row.created,
    lastUsed: row.last_used,
    usageCount: row.usage_count,
  };
}

const opened = new WeakMap<Db, BuildCache>();

/** The build cache of a metadata database (one instance per database). */
export function buildCacheOf(db: Db): BuildCache {
  let cache = opened.get(db);
  if (!cache) {
    cache = new BuildCache(db);
    opened.set(db, cache);
  }
  return cache;
}

/** Make the records of `db`'s build cache roots of `store`'s garbage collection. */
export function installBuildCacheRoots(store: ImageStore, db: Db): BuildCache {
  const cache = buildCacheOf(db);
  store.cacheRoots = cache;
  return cache;
}
