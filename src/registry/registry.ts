// A registry over one RegistryStorage: blobs, uploads, manifests and tags, and the settings
// that change what it allows. The server (server/) is its only HTTP face.
import { BlobStore } from './blob-store.ts';
import { listRepositories } from './catalog.ts';
import { ManifestStore } from './manifest-store.ts';
import type { RegistryStorage } from './storage/driver.ts';
import { UploadStore } from './upload-store.ts';

export interface RegistryLimits {
  /** Largest manifest accepted (distribution's: 4 MiB). */
  manifestBytes: number;
  /** Uploads older than this are purged. */
  uploadLifetimeMs: number;
  /** Headers must arrive, and a connection may idle, at most this long. */
  requestTimeoutMs: number;
  /** Uploads in progress at once; more are refused with TOOMANYREQUESTS. */
  maxUploads: number;
}

export const DEFAULT_LIMITS: RegistryLimits = {
  manifestBytes: 4 * 1024 * 1024,
  uploadLifetimeMs: 24 * 3600 * 1000,
  requestTimeoutMs: 60_000,
  maxUploads: 10_000,
};

export interface RegistryOptions {
  /** Allow DELETE of manifests, tags and blobs (distribution's storage.delete.enabled). */
  deleteEnabled?: boolean;
  limits?: Partial<RegistryLimits>;
}

export class Registry {
  readonly blobs: BlobStore;
  readonly uploads: UploadStore;
  readonly manifests: ManifestStore;
  readonly deleteEnabled: boolean;
  readonly limits: RegistryLimits;

  constructor(
    readonly storage: RegistryStorage,
    opts: RegistryOptions = {},
  ) {
    this.deleteEnabled = opts.deleteEnabled ?? false;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.blobs = new BlobStore(storage);
    this.uploads = new UploadStore(storage, this.blobs, this.limits.maxUploads);
    this.manifests = new ManifestStore(storage, this.blobs);
  }

  repositories(): Promise<string[]> {
    return listRepositories(this.storage);
  }

  /** Remove uploads older than the upload lifetime; returns their ids. */
  purgeUploads(now = new Date()): Promise<string[]> {
    return this.uploads.purge(new Date(now.getTime() - this.limits.uploadLifetimeMs));
  }
}
