// Blobs as a repository sees them: a blob is in a repository when the repository links it
// (layout.ts) and its data exists. Data is shared by all repositories and written only by
// move() of a verified staging file (upload-store.ts) or putContent of a manifest's bytes.
import type { Readable } from 'node:stream';
import type { Digest } from '../oci/digest.ts';
import { isBerthError } from '../util/errors.ts';
import { blobData, layerLink, layerLinkDir, revisionLink } from './layout.ts';
import { RegistryError } from './registry-error.ts';
import type { RegistryStorage } from './storage/driver.ts';

export const isNotFound = (err: unknown) => isBerthError(err, 'NotFound');

/** Whether `key` exists in `storage`. */
export async function exists(storage: RegistryStorage, key: string): Promise<boolean> {
  try {
    await storage.stat(key);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

export class BlobStore {
  constructor(private readonly storage: RegistryStorage) {}

  /** The size of committed data, or undefined when there is none. */
  async dataSize(digest: Digest): Promise<number | undefined> {
    try {
      return (await this.storage.stat(blobData(digest))).size;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Whether `repository` links the blob (as a layer or as one of its manifests). */
  async linked(repository: string, digest: Digest): Promise<boolean> {
    return (
      (await exists(this.storage, layerLink(repository, digest))) ||
      (await exists(this.storage, revisionLink(repository, digest)))
    );
  }

  /** The blob's size in `repository`; BLOB_UNKNOWN when it is not there. */
  async stat(repository: string, digest: Digest): Promise<number> {
    const size = (await this.linked(repository, digest)) ? await this.dataSize(digest) : undefined;
    if (size === undefined) {
      throw new RegistryError('BLOB_UNKNOWN', `blob ${digest} is not in repository ${repository}`, {
        detail: { digest },
      });
    }
    return size;
  }

  /** Bytes start..end (inclusive) of a blob the caller has stat'ed. */
  read(digest: Digest, start?: number, end?: number): Promise<Readable> {
    return this.storage.reader(blobData(digest), start, end);
  }

  /** Make a verified, fsynced staging file the blob's data. */
  async commitStaged(stagingKey: string, digest: Digest): Promise<void> {
    await this.storage.move(stagingKey, blobData(digest));
  }

  /** Store small bytes (a manifest) whose digest the caller computed. */
  async putBytes(digest: Digest, bytes: Buffer): Promise<void> {
    if ((await this.dataSize(digest)) === bytes.length) return;
    await this.storage.putContent(blobData(digest), bytes);
  }

  /**
   * Link a blob into a repository. The link is rewritten even when it exists: its fresh
   * mtime tells gc that someone just wanted the blob (a mount, a re-upload).
   */
  async link(repository: string, digest: Digest): Promise<void> {
    await this.storage.putContent(layerLink(repository, digest), digest);
  }

  /** Remove a repository's link to a blob; BLOB_UNKNOWN when it has none. */
  async unlink(repository: string, digest: Digest): Promise<void> {
    try {
      await this.storage.delete(layerLinkDir(repository, digest));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      throw new RegistryError('BLOB_UNKNOWN', `blob ${digest} is not in repository ${repository}`, {
        detail: { digest },
      });
    }
  }

  /** Link into `repository` a blob of `from`; false when `from` does not have it. */
  async mount(repository: string, digest: Digest, from: string): Promise<boolean> {
    if (!(await this.linked(from, digest)) || (await this.dataSize(digest)) === undefined) return false;
    await this.link(repository, digest);
    return true;
  }

  /** Link a blob that exists anywhere in the registry; false when it does not exist. */
  async mountAny(repository: string, digest: Digest): Promise<boolean> {
    if ((await this.dataSize(digest)) === undefined) return false;
    await this.link(repository, digest);
    return true;
  }
}
