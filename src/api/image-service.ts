// The daemon's image store: opened at start on the root's metadata database
// (`<root>/berth.db`), its content store and snapshots; swept once in the
// background after opening, so garbage a crash left behind goes without
// delaying the socket; closed (after that sweep) at shutdown. It also tells
// /info the image count and the storage driver, in Docker's words: overlay is
// Docker's `overlay2`.
import { statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { installBuildCacheRoots } from '../build/cache/index.ts';
import { isPullIngestRef } from '../distribution/index.ts';
import type { ImageStore } from '../image/image-store.ts';
import { openImageStore } from '../image/open.ts';
import type { StorageDriver } from '../snapshot/snapshotter.ts';
import { BerthError } from '../util/errors.ts';
import { type Db, openDatabase } from '../util/sqlite.ts';
import type { DaemonConfig, Service } from './daemon-context.ts';
import type { Logger } from './logger.ts';
import type { StorageDriverFacts } from './system-stats.ts';

export const DATABASE_NAME = 'berth.db';

export interface ImageService extends Service {
  /** The open store. Unavailable before the daemon opened it and after it closed it. */
  readonly store: ImageStore;
  /** The root's metadata database, shared by the stores of the root. */
  readonly db: Db;
  /** The storage driver in Docker's words (`overlay2`, `vfs`) and its facts, for /info. */
  driverFacts(): Promise<StorageDriverFacts>;
}

/** Docker's driver names: berth's overlay snapshotter lays layers out as overlay2 does. */
export const dockerDriverName = (driver: StorageDriver): string =>
  driver === 'overlay' ? 'overlay2' : 'vfs';

// statfs f_type values of the filesystems Docker names as a driver's backing filesystem.
const FS_TYPES: Record<number, string> = {
  61267: 'extfs',
  1481003842: 'xfs',
  2435016766: 'btrfs',
  2035054128: 'overlayfs',
  16914836: 'tmpfs',
  26985: 'nfs',
  801189825: 'zfs',
  61791: 'ecryptfs',
};

async function backingFilesystem(path: string): Promise<string> {
  try {
    const { type } = await statfs(path);
    return FS_TYPES[type] ?? `unknown (0x${type.toString(16)})`;
  } catch {
    return 'unknown';
  }
}

export function imageService(config: DaemonConfig, log: Logger): ImageService {
  let db: Db | undefined;
  let store: ImageStore | undefined;
  let sweep: Promise<unknown> = Promise.resolve();
  return {
    name: 'images',
    get store(): ImageStore {
      if (!store) throw new BerthError('Unavailable', 'the image store is not open');
      return store;
    },
    get db(): Db {
      if (!db) throw new BerthError('Unavailable', 'the metadata database is not open');
      return db;
    },
    async open() {
      db = openDatabase(join(config.root, DATABASE_NAME));
      try {
        const opened = await openImageStore({ root: config.root, db, driver: config.storageDriver });
        store = opened.store;
        // before the start-up sweep: the build cache's layers are roots too
        installBuildCacheRoots(store, db);
        if (opened.driverNote) log.warn('using the vfs storage driver', { reason: opened.driverNote });
        // Nothing writes before the daemon listens: an ingest other than a pull's (which the
        // next pull of its blob resumes) was cut short by a crash and will never finish.
        const discarded = await store.content.discardIngests(isPullIngestRef);
        if (discarded.length)
          log.info('unfinished ingests removed', {
            count: discarded.length,
            bytes: discarded.reduce((n, d) => n + d.bytes, 0),
          });
      } catch (err) {
        db.close();
        db = undefined;
        throw err;
      }
      const started = Date.now();
      sweep = store.collectGarbage().then(
        (r) =>
          log.info('garbage collection at start done', {
            blobs: r.blobs,
            snapshots: r.snapshots,
            bytes: r.bytes,
            ms: Date.now() - started,
          }),
        (err) => log.warn('garbage collection at start failed', { error: String(err) }),
      );
    },
    async close() {
      await sweep;
      store = undefined;
      db?.close();
      db = undefined;
    },
    async driverFacts() {
      const driver = store?.snapshots.driver ?? config.storageDriver ?? 'overlay';
      const status: [string, string][] = [['Backing Filesystem', await backingFilesystem(config.root)]];
      if (driver === 'overlay') status.push(['Supports d_type', 'true'], ['Using metacopy', 'false']);
      return { name: dockerDriverName(driver), status };
    },
  };
}
