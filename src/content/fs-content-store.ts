// The content store on disk: an OCI image layout that skopeo and umoci read
// as it is (`oci:<layoutDir>:<ref name>`), plus a sibling directory for
// unfinished ingests, so the layout never holds a partial or temporary file.
//
//   <root>/content/            the layout (FsContentStore.root)
//     oci-layout               {"imageLayoutVersion":"1.0.0"}
//     index.json               tagged images, each annotated with its full reference
//     blobs/sha256/<hex>       committed blobs, read-only (also blobs/sha512/)
//   <root>/ingest/             unfinished ingests (see fs-ingest.ts) and temporary files
//
// The two directories must be on one filesystem, since a commit is a rename;
// the store checks this when it first writes. Reads never create anything.
import { randomUUID } from 'node:crypto';
import { lstat, mkdir, open, opendir, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Descriptor, Index } from '../oci/descriptor.ts';
import { algorithmOf, type Digest, digestOf, isDigest, parseDigest } from '../oci/digest.ts';
import { MediaType } from '../oci/media-types.ts';
import { createFileAtomic, removeOrphanTempFiles, writeFileAtomic } from '../util/durable-fs.ts';
import { BerthError, errnoOf, fromErrno } from '../util/errors.ts';
import type { BlobInfo, ContentStore, Expected, Ingest, IngestSource } from './content-store.ts';
import { FsIngest, type IngestStatus, ingestStatusOf, isIngestKey, removeIngestDir } from './fs-ingest.ts';
import {
  BLOB_ALGORITHMS,
  blobPath,
  blobsDir,
  IMAGE_LAYOUT_VERSION,
  INDEX_FILE,
  OCI_LAYOUT_FILE,
} from './layout-paths.ts';

export type FsContentStoreOptions =
  /** berth's root: the layout is `<root>/content`, ingests `<root>/ingest`. */
  | { root: string }
  /** Explicit directories, on the same filesystem. */
  | { layoutDir: string; ingestDir: string };

/** readBytes refuses blobs larger than this unless told otherwise. */
export const DEFAULT_MAX_DOCUMENT_SIZE = 4 << 20;
const READ_CHUNK = 256 << 10;

const emptyIndex = (): Index => ({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] });

export class FsContentStore implements ContentStore {
  readonly root: string;
  readonly ingestDir: string;
  private initialized?: Promise<void>;
  private indexWrites: Promise<unknown> = Promise.resolve();

  constructor(options: FsContentStoreOptions) {
    if ('root' in options) {
      this.root = join(options.root, 'content');
      this.ingestDir = join(options.root, 'ingest');
    } else {
      this.root = options.layoutDir;
      this.ingestDir = options.ingestDir;
    }
  }

  /** A store whose layout exists on disk (made if missing). */
  static async open(options: FsContentStoreOptions): Promise<FsContentStore> {
    const store = new FsContentStore(options);
    await store.init();
    return store;
  }

  /** Make the layout and the ingest directory if missing; every write waits for this. */
  init(): Promise<void> {
    this.initialized ??= this.createLayout().catch((err) => {
      this.initialized = undefined;
      throw err;
    });
    return this.initialized;
  }

  private async createLayout(): Promise<void> {
    try {
      await mkdir(blobsDir(this.root, 'sha256'), { recursive: true });
      await mkdir(this.ingestDir, { recursive: true });
      const [layout, ingest] = await Promise.all([stat(this.root), stat(this.ingestDir)]);
      if (layout.dev !== ingest.dev) {
        throw new BerthError(
          'InvalidArgument',
          `content store: ingest directory ${this.ingestDir} is not on the same filesystem as ${this.root}; put both on one`,
        );
      }
      const temp = { tempDir: this.ingestDir };
      const version = JSON.stringify({ imageLayoutVersion: IMAGE_LAYOUT_VERSION });
      await createFileAtomic(join(this.root, OCI_LAYOUT_FILE), version, temp);
      await this.checkLayoutVersion();
      await createFileAtomic(join(this.root, INDEX_FILE), JSON.stringify(emptyIndex()), temp);
      await removeOrphanTempFiles(this.ingestDir);
    } catch (err) {
      throw fromErrno(err, `preparing content store ${this.root}`);
    }
  }

  private async checkLayoutVersion(): Promise<void> {
    const path = join(this.root, OCI_LAYOUT_FILE);
    let version: unknown;
    try {
      version = (JSON.parse(await readFile(path, 'utf8')) as { imageLayoutVersion?: unknown })
        .imageLayoutVersion;
    } catch {}
    if (typeof version !== 'string' || !version.startsWith('1.')) {
      throw new BerthError(
        'FailedPrecondition',
        `${path} does not declare an OCI image layout 1.x (found ${JSON.stringify(version)}); is ${this.root} really a berth content store?`,
      );
    }
  }

  async ingest(ref: string, expected: Expected = {}): Promise<Ingest> {
    if (typeof ref !== 'string' || ref === '') {
      throw new BerthError('InvalidArgument', 'ingest ref must be a non-empty string');
    }
    const want = checkExpected(expected);
    await this.init();
    return FsIngest.open(this.root, this.ingestDir, ref, want);
  }

  async put(source: IngestSource, expected: Expected = {}): Promise<BlobInfo> {
    const want = checkExpected(expected);
    if (typeof source === 'string' || Buffer.isBuffer(source)) {
      // Bytes in memory: a blob already present needs no disk write at all.
      const bytes = typeof source === 'string' ? Buffer.from(source) : source;
      const info = {
        digest: digestOf(bytes, want.digest ? algorithmOf(want.digest) : 'sha256'),
        size: bytes.length,
      };
      if ((want.digest ?? info.digest) === info.digest && (want.size ?? info.size) === info.size) {
        if (await this.has(info.digest)) return info;
      }
    }
    const ingest = await this.ingest(`put-${randomUUID()}`, want);
    try {
      await ingest.write(source);
      return await ingest.commit(want);
    } catch (err) {
      await ingest.abort().catch(() => {});
      throw err;
    }
  }

  async has(digest: Digest): Promise<boolean> {
    try {
      await this.stat(digest);
      return true;
    } catch (err) {
      if (err instanceof BerthError && err.code === 'NotFound') return false;
      throw err;
    }
  }

  async stat(digest: Digest): Promise<BlobInfo> {
    const path = this.pathOf(digest);
    try {
      const st = await stat(path);
      return { digest, size: st.size };
    } catch (err) {
      throw this.blobError(err, digest, 'reading');
    }
  }

  read(digest: Digest, offset = 0): Readable {
    const path = this.pathOf(digest);
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new BerthError(
        'InvalidArgument',
        `read offset ${offset} of ${digest} must be a non-negative integer`,
      );
    }
    return Readable.from(this.chunks(path, digest, offset), { objectMode: false });
  }

  private async *chunks(path: string, digest: Digest, offset: number): AsyncGenerator<Buffer> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      throw this.blobError(err, digest, 'reading');
    }
    try {
      const size = (await handle.stat()).size;
      if (offset > size) {
        throw new BerthError(
          'InvalidArgument',
          `read offset ${offset} is past the end of ${digest} (${size} bytes)`,
        );
      }
      for (let pos = offset; pos < size; ) {
        const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, size - pos));
        const { bytesRead } = await handle.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) break;
        pos += bytesRead;
        yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  }

  async readBytes(digest: Digest, maxSize = DEFAULT_MAX_DOCUMENT_SIZE): Promise<Buffer> {
    const path = this.pathOf(digest);
    let bytes: Buffer;
    try {
      const handle = await open(path, 'r');
      try {
        const size = (await handle.stat()).size;
        if (size > maxSize) {
          throw new BerthError(
            'InvalidArgument',
            `blob ${digest} is ${size} bytes, more than the ${maxSize} bytes allowed for a document read into memory; stream it with read() instead`,
          );
        }
        bytes = await handle.readFile();
      } finally {
        await handle.close();
      }
    } catch (err) {
      throw this.blobError(err, digest, 'reading');
    }
    // Documents are small, so checking them costs little and catches a damaged store early.
    const actual = digestOf(bytes, algorithmOf(digest));
    if (actual !== digest) {
      throw new BerthError(
        'DigestMismatch',
        `blob ${this.pathOf(digest)} is damaged: its content hashes to ${actual}; delete it and pull again`,
      );
    }
    return bytes;
  }

  pathOf(digest: Digest): string {
    return blobPath(this.root, digest);
  }

  async *list(): AsyncGenerator<BlobInfo> {
    for (const algorithm of BLOB_ALGORITHMS) {
      const dir = blobsDir(this.root, algorithm);
      let entries: Awaited<ReturnType<typeof opendir>>;
      try {
        entries = await opendir(dir);
      } catch (err) {
        if (errnoOf(err) === 'ENOENT') continue;
        throw fromErrno(err, `listing ${dir}`);
      }
      for await (const entry of entries) {
        const digest = `${algorithm}:${entry.name}`;
        if (!entry.isFile() || !isDigest(digest)) continue;
        try {
          yield { digest, size: (await lstat(join(dir, entry.name))).size };
        } catch (err) {
          if (errnoOf(err) !== 'ENOENT') throw fromErrno(err, `listing ${dir}`); // deleted meanwhile
        }
      }
    }
  }

  async delete(digest: Digest): Promise<void> {
    const path = this.pathOf(digest);
    try {
      await unlink(path);
    } catch (err) {
      throw this.blobError(err, digest, 'deleting');
    }
  }

  async writeIndex(manifests: Descriptor[]): Promise<void> {
    manifests.forEach(checkDescriptor);
    const index: Index = { ...emptyIndex(), manifests };
    const bytes = JSON.stringify(index);
    // Writes in call order, so the last call is what stays on disk.
    const write = this.indexWrites.then(async () => {
      await this.init();
      await writeFileAtomic(join(this.root, INDEX_FILE), bytes, { tempDir: this.ingestDir });
    });
    this.indexWrites = write.catch(() => {});
    return write;
  }

  async readIndex(): Promise<Index> {
    const path = join(this.root, INDEX_FILE);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return emptyIndex();
      throw fromErrno(err, `reading ${path}`);
    }
    let index: Partial<Index>;
    try {
      index = JSON.parse(text) as Partial<Index>;
    } catch (err) {
      throw new BerthError('Internal', `${path} is not valid JSON: ${(err as Error).message}`);
    }
    if (index.schemaVersion !== 2 || !Array.isArray(index.manifests)) {
      throw new BerthError(
        'Internal',
        `${path} is not an OCI index (want schemaVersion 2 and a manifests array)`,
      );
    }
    return index as Index;
  }

  /** Unfinished ingests (for status; discardIngests cleans up abandoned ones). */
  async *listIngests(): AsyncGenerator<IngestStatus> {
    for (const name of await this.ingestKeys()) {
      const status = await ingestStatusOf(join(this.ingestDir, name), name);
      if (status) yield status;
    }
  }

  async discardIngests(keep: (ref: string) => boolean): Promise<{ ref: string; bytes: number }[]> {
    const removed: { ref: string; bytes: number }[] = [];
    for (const name of await this.ingestKeys()) {
      const dir = join(this.ingestDir, name);
      // No status: a directory a crash left before its ref file was written.
      const status = await ingestStatusOf(dir, name);
      if (status && keep(status.ref)) continue;
      const ref = status?.ref ?? `(unnamed ingest ${name})`;
      if (await removeIngestDir(dir, `ingest "${ref}"`)) removed.push({ ref, bytes: status?.offset ?? 0 });
    }
    return removed;
  }

  private async ingestKeys(): Promise<string[]> {
    try {
      return (await readdir(this.ingestDir)).filter(isIngestKey);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return [];
      throw fromErrno(err, `listing ${this.ingestDir}`);
    }
  }

  private blobError(err: unknown, digest: Digest, doing: string): BerthError {
    if (errnoOf(err) === 'ENOENT') {
      return new BerthError('NotFound', `blob ${digest} not found in content store ${this.root}`);
    }
    return fromErrno(err, `${doing} blob ${digest}`);
  }
}

function checkExpected(expected: Expected): Expected {
  const out: Expected = {};
  if (expected.digest !== undefined) out.digest = parseDigest(expected.digest, 'expected digest');
  if (expected.size !== undefined) {
    if (!Number.isSafeInteger(expected.size) || expected.size < 0) {
      throw new BerthError(
        'InvalidArgument',
        `expected size ${expected.size} must be a non-negative integer`,
      );
    }
    out.size = expected.size;
  }
  return out;
}

function checkDescriptor(d: Descriptor, i: number): void {
  const where = `index.json manifests[${i}]`;
  if (typeof d?.mediaType !== 'string' || d.mediaType === '') {
    throw new BerthError('InvalidArgument', `${where}: mediaType must be a non-empty string`);
  }
  parseDigest(d.digest, `${where}.digest`);
  if (!Number.isSafeInteger(d.size) || d.size < 0) {
    throw new BerthError('InvalidArgument', `${where}: size ${d.size} must be a non-negative integer`);
  }
}
