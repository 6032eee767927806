// Opens everything the image store stands on for one berth root: the content
// store (an OCI layout at <root>/content), the snapshotter (the storage driver
// chosen once per root and then kept, as Docker keeps its graph driver), and
// the image metadata in the root's database.
import { FsContentStore } from '../content/fs-content-store.ts';
import { detectDriver } from '../snapshot/detect-driver.ts';
import { FsSnapshotter } from '../snapshot/fs-snapshotter.ts';
import type { StorageDriver } from '../snapshot/snapshotter.ts';
import { BerthError } from '../util/errors.ts';
import type { Db } from '../util/sqlite.ts';
import { ImageStore } from './image-store.ts';

export interface OpenImageStoreOptions {
  root: string;
  db: Db;
  /** Force a driver; otherwise the root's recorded one, or detected for a new root. */
  driver?: StorageDriver;
}

export interface OpenedImageStore {
  store: ImageStore;
  /** Why overlay is not in use, when it is not. */
  driverNote?: string;
}

export async function openImageStore(opts: OpenImageStoreOptions): Promise<OpenedImageStore> {
  const { db, root } = opts;
  db.exec('CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  const recorded = (
    db.prepare("SELECT value FROM settings WHERE key = 'storage-driver'").get() as
      | { value: string }
      | undefined
  )?.value as StorageDriver | undefined;
  if (opts.driver && recorded && opts.driver !== recorded) {
    throw new BerthError(
      'FailedPrecondition',
      `root ${root} uses the ${recorded} storage driver; it cannot switch to ${opts.driver} (use another --root)`,
    );
  }
  let driver = opts.driver ?? recorded;
  let driverNote: string | undefined;
  if (!driver) {
    const choice = await detectDriver(root);
    driver = choice.driver;
    driverNote = choice.reason;
  }
  db.prepare("INSERT OR REPLACE INTO settings (key, value) VALUES ('storage-driver', ?)").run(driver);
  const content = await FsContentStore.open({ root });
  const snapshots = await FsSnapshotter.open(db, root, driver);
  return { store: await ImageStore.open(db, content, snapshots), driverNote };
}
