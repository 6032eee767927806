// The ContentStore interface: blobs by digest. A write is an ingest named by a
// `ref`, resumable, invisible until committed with its expected digest and size.
// The filesystem implementation (fs-content-store.ts) is an OCI image layout.
import type { Readable } from 'node:stream';
import type { Descriptor, Index } from '../oci/descriptor.ts';
import type { Digest } from '../oci/digest.ts';

export interface BlobInfo {
  digest: Digest;
  size: number;
}

export interface Expected {
  digest?: Digest;
  size?: number;
}

/** What an ingest accepts: a stream, or bytes already in memory. */
export type IngestSource = Readable | Buffer | string;

export interface Ingest {
  /** The ingest's name; the same ref resumes the same partial write. */
  readonly ref: string;
  /** Bytes already written (non-zero when resuming); grows as `write` appends. */
  readonly offset: number;
  /** Append a stream to the ingest; hashing happens as it is written. */
  write(source: IngestSource): Promise<void>;
  /**
   * The digest of what has been written so far, so a caller can lease the
   * blob before committing it (a commit makes it visible to the collector).
   */
  digest(): Digest;
  /**
   * Verify digest and size, fsync, and move the blob into place. Throws
   * DigestMismatch (and discards the ingest) when the bytes do not match.
   * Committing a blob that already exists succeeds and discards the ingest.
   */
  commit(expected: Expected): Promise<BlobInfo>;
  /** Drop the partial data (nothing to do once committed, aborted or closed). */
  abort(): Promise<void>;
  /** Let go of the ingest but keep its data, so `ingest(ref)` can resume it later. */
  close(): Promise<void>;
}

export interface ContentStore {
  /** The layout's root directory (an OCI image layout). */
  readonly root: string;
  /**
   * Start or resume an ingest. `expected`, when known up front, picks the hash
   * algorithm and stops a write as soon as it passes the expected size.
   * Conflict if another ingest (in any process) holds the same ref.
   */
  ingest(ref: string, expected?: Expected): Promise<Ingest>;
  /** Write a whole stream and commit it in one call. */
  put(source: IngestSource, expected?: Expected): Promise<BlobInfo>;
  has(digest: Digest): Promise<boolean>;
  /** Size of a committed blob; NotFound if absent. */
  stat(digest: Digest): Promise<BlobInfo>;
  /** A stream of a committed blob from `offset`; NotFound if absent. */
  read(digest: Digest, offset?: number): Readable;
  /** The whole blob in memory: only for small JSON documents (manifests, configs). */
  readBytes(digest: Digest, maxSize?: number): Promise<Buffer>;
  /** The path of a committed blob, for tools that read the layout directly. */
  pathOf(digest: Digest): string;
  /**
   * Remove the unfinished ingests `keep` does not accept (by ref), except those a
   * live writer holds; what went, with the bytes each held. For the daemon's start:
   * an ingest no one will resume is a partial blob that would stay on disk forever.
   */
  discardIngests(keep: (ref: string) => boolean): Promise<{ ref: string; bytes: number }[]>;
  /** Every committed blob (for garbage collection). */
  list(): AsyncIterable<BlobInfo>;
  /** Remove a blob; only the image store's garbage collection calls this. */
  delete(digest: Digest): Promise<void>;
  /**
   * Replace the layout's index.json with these descriptors (each tagged image,
   * annotated with its full reference), atomically.
   */
  writeIndex(manifests: Descriptor[]): Promise<void>;
  /** The layout's index.json as it is now (an empty index before the first write). */
  readIndex(): Promise<Index>;
}
