// The ContentStore interface: blobs by digest. A write is an ingest named by a
// `ref`, resumable, invisible until committed with its expected digest and size.
// The filesystem implementation (fs-content-store.ts) is an OCI image layout.
import type { Readable } from 'node:stream';
import type { Descriptor } from '../oci/descriptor.ts';
import type { Digest } from '../oci/digest.ts';

export interface BlobInfo {
  digest: Digest;
  size: number;
}

export interface Expected {
  digest?: Digest;
  size?: number;
}

export interface Ingest {
  /** The ingest's name; the same ref resumes the same partial write. */
  readonly ref: string;
  /** Bytes already written (non-zero when resuming). */
  readonly offset: number;
  /** Append a stream to the ingest; hashing happens as it is written. */
  write(source: Readable): Promise<void>;
  /**
   * Verify digest and size, fsync, and move the blob into place. Throws
   * DigestMismatch (and discards the ingest) when the bytes do not match.
   * Committing a blob that already exists succeeds and discards the ingest.
   */
  commit(expected: Expected): Promise<BlobInfo>;
  /** Drop the partial data. */
  abort(): Promise<void>;
}

export interface ContentStore {
  /** The layout's root directory (an OCI image layout). */
  readonly root: string;
  /** Start or resume an ingest. */
  ingest(ref: string): Promise<Ingest>;
  /** Write a whole stream and commit it in one call. */
  put(source: Readable | Buffer | string, expected?: Expected): Promise<BlobInfo>;
  has(digest: Digest): Promise<boolean>;
  /** Size of a committed blob; NotFound if absent. */
  stat(digest: Digest): Promise<BlobInfo>;
  /** A stream of a committed blob from `offset`; NotFound if absent. */
  read(digest: Digest, offset?: number): Readable;
  /** The whole blob in memory: only for small JSON documents (manifests, configs). */
  readBytes(digest: Digest, maxSize?: number): Promise<Buffer>;
  /** The path of a committed blob, for tools that read the layout directly. */
  pathOf(digest: Digest): string;
  /** Every committed blob (for garbage collection). */
  list(): AsyncIterable<BlobInfo>;
  /** Remove a blob; only the image store's garbage collection calls this. */
  delete(digest: Digest): Promise<void>;
  /**
   * Replace the layout's index.json with these descriptors (each tagged image,
   * annotated with its full reference), atomically.
   */
  writeIndex(manifests: Descriptor[]): Promise<void>;
}
