import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ImageStore } from '../../image/image-store.ts';
import type { ImageConfig } from '../../oci/descriptor.ts';
import { type Digest, digestOf } from '../../oci/digest.ts';
import { type Db, openDatabase } from '../../util/sqlite.ts';
import { BuildCache, cacheRecordId } from './build-cache.ts';
import { CacheMounts, cacheMountId } from './cache-mounts.ts';
import { pruneBuildCache } from './prune.ts';

const config = (step: string): ImageConfig => ({
  architecture: 'amd64',
  os: 'linux',
  rootfs: { type: 'layers', diff_ids: [digestOf(step)] },
  history: [{ created: '2024-01-01T00:00:00Z', created_by: step }],
});

/** An image store with no images, counting its garbage collections. */
function emptyStore(): ImageStore & { collections: number } {
  const store = {
    collections: 0,
    list: () => [],
    collectGarbage: async () => {
      store.collections++;
      return { blobs: 0, snapshots: 0, bytes: 0 };
    },
  };
  return store as unknown as ImageStore & { collections: number };
}

describe('build cache pruning', () => {
  let db: Db;
  let cache: BuildCache;
  before(() => {
    db = openDatabase(':memory:');
    cache = new BuildCache(db);
  });
  after(() => db.close());

  /** Records a..d, one layer of `size` bytes each, used at times 1000..4000. */
  function fill(size = 100): Digest[] {
    cache.remove(cache.list().map((r) => r.key));
    return ['a', 'b', 'c', 'd'].map((step, i) => {
      const key = digestOf(`key ${step}`);
      cache.save(
        {
          key,
          kind: 'RUN',
          description: step,
          config: config(step),
          layer: {
            descriptor: {
              mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
              digest: digestOf(`blob ${step}`),
              size: 10,
            },
            diffId: digestOf(step),
            chainId: digestOf(`chain ${step}`),
          },
          size,
        },
        (i + 1) * 1000,
      );
      return key;
    });
  }

  it('keeps the most recently used records within --keep-storage', async () => {
    const [a, b, c, d] = fill();
    const store = emptyStore();
    const report = await pruneBuildCache(cache, store, { all: true, keepBytes: 250 });
    assert.deepEqual(report.CachesDeleted, [cacheRecordId(a), cacheRecordId(b)]);
    assert.equal(report.SpaceReclaimed, 200);
    assert.deepEqual(
      cache.list().map((r) => r.key),
      [c, d],
    );
    assert.equal(store.collections, 1, 'pruning collects the garbage the records held');
  });

  it('until keeps what was used since; id picks records; roots name the layers', async () => {
    const [a, b, c, d] = fill();
    assert.equal(cache.roots().blobs.length, 4);
    const old = await pruneBuildCache(cache, emptyStore(), { all: true, until: 2000 });
    assert.deepEqual(old.CachesDeleted, [cacheRecordId(a), cacheRecordId(b)]);
    const picked = await pruneBuildCache(cache, emptyStore(), {
      all: true,
      ids: [cacheRecordId(d).slice(0, 8)],
    });
    assert.deepEqual(picked.CachesDeleted, [cacheRecordId(d)]);
    assert.deepEqual(
      cache.list().map((r) => r.key),
      [c],
    );
    assert.deepEqual(cache.roots(), { blobs: [digestOf('blob c')], snapshots: [digestOf('chain c')] });
    const none = await pruneBuildCache(cache, emptyStore(), { all: true, ids: ['ffff'] });
    assert.deepEqual(none, { CachesDeleted: [], SpaceReclaimed: 0 });
  });

  it('a touched record counts as recently used', async () => {
    const [a, b] = fill();
    cache.touch(a, 5000);
    const report = await pruneBuildCache(cache, emptyStore(), { all: true, until: 4000 });
    assert.ok(!report.CachesDeleted.includes(cacheRecordId(a)));
    assert.ok(report.CachesDeleted.includes(cacheRecordId(b)));
    assert.equal(cache.get(a)?.usageCount, 1);
  });

  it('--keep-storage weighs cache mounts with the records, least recently used first', async () => {
    const [a, b, c, d] = fill();
    const dir = mkdtempSync(join(tmpdir(), 'berth-prune-mounts-'));
    try {
      const mounts = new CacheMounts(dir);
      // A cache mount of 150 bytes last used at 1500: between a (1000) and b (2000).
      const lease = await mounts.acquire({ key: 'm', sharing: 'shared', mode: 0o755, uid: 0, gid: 0 });
      writeFileSync(join(lease.path, 'data'), 'x'.repeat(150));
      await lease.release();
      utimesSync(join(dir, cacheMountId('m'), 'id'), new Date(1500), new Date(1500));
      // 400 bytes of records + 150 of the mount; keeping 250 takes a, the mount and b.
      const report = await pruneBuildCache(cache, emptyStore(), {
        all: true,
        keepBytes: 250,
        cacheMounts: mounts,
      });
      assert.deepEqual(report.CachesDeleted, [cacheRecordId(a), cacheRecordId(b), cacheMountId('m')]);
      assert.equal(report.SpaceReclaimed, 200 + 150 + 2, 'the records, the data and the id file ("m\\n")');
      assert.deepEqual(
        cache.list().map((r) => r.key),
        [c, d],
      );
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
