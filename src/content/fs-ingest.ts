// One ingest on disk: `<ingestDir>/<sha256 of ref>/` holds `ref` (the ref as
// given, for listing), `data` (the bytes so far) and `lock` (see
// ingest-lock.ts). The directory is named by a hash so any ref string is safe.
//
// Bytes are hashed as they are appended; a resumed ingest rebuilds the hash by
// reading its data file back. Commit checks that the data file holds exactly
// what this writer wrote and still owns the lock, verifies digest and size,
// fsyncs, renames the file to blobs/<alg>/<hex> and fsyncs the directories. A
// crash at any point leaves either no blob or a whole one: the blob name only
// ever appears by rename of a verified, fsynced file.
import { createHash, type Hash } from 'node:crypto';
import {
  chmod,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rmdir,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { algorithmOf, type Digest, type DigestAlgorithm } from '../oci/digest.ts';
import { fsyncDir } from '../util/durable-fs.ts';
import { BerthError, errnoOf, fromErrno, isBerthError } from '../util/errors.ts';
import type { BlobInfo, Expected, Ingest, IngestSource } from './content-store.ts';
import { IngestLock } from './ingest-lock.ts';
import { blobPath, blobsDir } from './layout-paths.ts';

type FileHandle = Awaited<ReturnType<typeof open>>;

const READ_CHUNK = 1 << 20;

/** The directory name of an ingest: hex sha256 of its ref. */
export const ingestKey = (ref: string) => createHash('sha256').update(ref).digest('hex');

export const ingestPaths = (ingestDir: string, ref: string) =>
  ingestDirPaths(join(ingestDir, ingestKey(ref)));

/** The files of the ingest in `dir`. */
const ingestDirPaths = (dir: string) => ({
  dir,
  data: join(dir, 'data'),
  ref: join(dir, 'ref'),
  lock: join(dir, 'lock'),
});

/** An ingest directory's name (ingestKey): 64 hex digits. */
export const isIngestKey = (name: string) => /^[0-9a-f]{64}$/.test(name);

/**
 * Remove the ingest in `dir` unless a live writer holds it (then false). Its lock
 * is taken first, so a writer starting meanwhile waits, and then makes it afresh.
 */
export async function removeIngestDir(dir: string, what: string): Promise<boolean> {
  const paths = ingestDirPaths(dir);
  let lock: IngestLock;
  try {
    lock = await IngestLock.acquire(paths.lock, what);
  } catch (err) {
    if (isBerthError(err, 'Conflict')) return false;
    throw err;
  }
  // Everything but the lock we hold: the data, the ref, and the temporary lock
  // files (`lock.<nonce>`, `lock.takeover`) of a writer that died taking the lock.
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name !== 'lock') await unlinkIfPresent(join(dir, name));
  }
  await lock.release();
  // Not empty: a new ingest of this ref has begun meanwhile, and keeps it.
  await rmdir(paths.dir).catch(() => {});
  return true;
}

/** Hash bytes [0, size) of an open file. */
async function hashFile(handle: FileHandle, hash: Hash, size: number): Promise<void> {
  const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, Math.max(size, 1)));
  let pos = 0;
  while (pos < size) {
    const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, size - pos), pos);
    if (bytesRead === 0) throw new BerthError('Internal', `ingest data ended at ${pos} of ${size} bytes`);
    hash.update(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
}

async function writeAll(handle: FileHandle, buf: Uint8Array): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await handle.write(buf, done, buf.length - done);
    done += bytesWritten;
  }
}

async function* chunksOf(source: IngestSource): AsyncGenerator<Buffer> {
  if (typeof source === 'string') yield Buffer.from(source);
  else if (Buffer.isBuffer(source)) yield source;
  else
    for await (const chunk of source as Readable)
      yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}

function mismatch(ref: string, what: string, expected: string | number, actual: string | number) {
  return new BerthError(
    'DigestMismatch',
    `ingest "${ref}": ${what} mismatch: expected ${expected}, got ${actual}; the data was discarded, fetch it again`,
  );
}

type State = 'open' | 'committed' | 'aborted' | 'closed';

export class FsIngest implements Ingest {
  private state: State = 'open';
  private writing = false;

  private constructor(
    readonly ref: string,
    private readonly layoutDir: string,
    private readonly paths: ReturnType<typeof ingestPaths>,
    private readonly lock: IngestLock,
    private readonly handle: FileHandle,
    private readonly algorithm: DigestAlgorithm,
    private readonly hash: Hash,
    private readonly expected: Expected,
    private written: number,
  ) {}

  get offset(): number {
    return this.written;
  }

  /** Start or resume the ingest `ref`; the caller has validated ref and expected. */
  static async open(
    layoutDir: string,
    ingestDir: string,
    ref: string,
    expected: Expected,
  ): Promise<FsIngest> {
    const paths = ingestPaths(ingestDir, ref);
    const what = `ingest "${ref}"`;
    let lock: IngestLock | undefined;
    // The directory can vanish under us while its previous owner cleans up; then make it again.
    for (let attempt = 0; !lock; attempt++) {
      try {
        await mkdir(paths.dir, { recursive: true });
        lock = await IngestLock.acquire(paths.lock, what);
      } catch (err) {
        if (attempt < 5 && (errnoOf(err) === 'ENOENT' || isBerthError(err, 'NotFound'))) continue;
        throw fromErrno(err, `starting ${what}`);
      }
    }
    let handle: FileHandle | undefined;
    try {
      await writeFile(paths.ref, ref, { flag: 'wx' }).catch((err) => {
        if (errnoOf(err) !== 'EEXIST') throw err;
      });
      handle = await open(paths.data, 'a+', 0o644);
      const size = (await handle.stat()).size;
      const algorithm = expected.digest ? algorithmOf(expected.digest) : 'sha256';
      const hash = createHash(algorithm);
      await hashFile(handle, hash, size);
      const ingest = new FsIngest(ref, layoutDir, paths, lock, handle, algorithm, hash, expected, size);
      if (expected.size !== undefined && size > expected.size) {
        await ingest.discard();
        throw mismatch(ref, 'size', `${expected.size} bytes`, `${size} bytes already written`);
      }
      return ingest;
    } catch (err) {
      await handle?.close().catch(() => {});
      await lock.release().catch(() => {});
      throw fromErrno(err, `starting ${what}`);
    }
  }

  private assertOpen(doing: string) {
    if (this.state !== 'open') {
      throw new BerthError('FailedPrecondition', `ingest "${this.ref}" is ${this.state}; cannot ${doing}`);
    }
    if (this.writing) {
      throw new BerthError(
        'FailedPrecondition',
        `ingest "${this.ref}" is busy with a write; cannot ${doing}`,
      );
    }
  }

  async write(source: IngestSource): Promise<void> {
    this.assertOpen('write');
    this.writing = true;
    try {
      for await (const chunk of chunksOf(source)) {
        const limit = this.expected.size;
        if (limit !== undefined && this.written + chunk.length > limit) {
          this.writing = false;
          await this.discard();
          throw mismatch(this.ref, 'size', `${limit} bytes`, `more than ${limit} bytes`);
        }
        await writeAll(this.handle, chunk);
        this.hash.update(chunk);
        this.written += chunk.length;
      }
    } catch (err) {
      // A failed write may have appended part of a chunk: cut the file back to what was hashed.
      if (this.state === 'open') await this.handle.truncate(this.written).catch(() => {});
      throw fromErrno(err, `writing ingest "${this.ref}"`);
    } finally {
      this.writing = false;
    }
  }

  digest(): Digest {
    this.assertOpen('digest');
    return `${this.algorithm}:${this.hash.copy().digest('hex')}` as Digest;
  }

  async commit(expected: Expected = {}): Promise<BlobInfo> {
    this.assertOpen('commit');
    const want = {
      digest: expected.digest ?? this.expected.digest,
      size: expected.size ?? this.expected.size,
    };
    const onDisk = (await this.handle.stat()).size;
    if (onDisk !== this.written || !(await this.lock.held())) {
      throw new BerthError(
        'Conflict',
        `ingest "${this.ref}" was changed by another writer (${onDisk} bytes on disk, ${this.written} written here); abort it and start again`,
      );
    }
    const algorithm = want.digest ? algorithmOf(want.digest) : this.algorithm;
    let actual: Digest;
    if (algorithm === this.algorithm) {
      actual = `${algorithm}:${this.hash.copy().digest('hex')}` as Digest;
    } else {
      const hash = createHash(algorithm);
      await hashFile(this.handle, hash, this.written);
      actual = `${algorithm}:${hash.digest('hex')}` as Digest;
    }
    if (want.size !== undefined && want.size !== this.written) {
      await this.discard();
      throw mismatch(this.ref, 'size', `${want.size} bytes`, `${this.written} bytes`);
    }
    if (want.digest !== undefined && want.digest !== actual) {
      await this.discard();
      throw mismatch(this.ref, 'digest', want.digest, actual);
    }
    const info: BlobInfo = { digest: actual, size: this.written };
    const target = blobPath(this.layoutDir, actual);
    try {
      await this.handle.sync();
      // Blobs are immutable; a read-only mode keeps careless tools from editing one in place.
      await this.handle.chmod(0o444);
      await this.handle.close();
    } catch (err) {
      await this.close();
      throw fromErrno(err, `syncing ingest "${this.ref}"`);
    }
    this.state = 'committed';
    try {
      if (await exists(target)) {
        await this.cleanUp(true);
        return info;
      }
      const dir = blobsDir(this.layoutDir, algorithm);
      await mkdir(dir, { recursive: true });
      // Another process committing the same blob at the same time is harmless: rename
      // replaces one whole, identical file with another.
      await rename(this.paths.data, target);
      await fsyncDir(dir);
    } catch (err) {
      // Leave the data resumable: a later ingest of this ref can commit it again.
      this.state = 'closed';
      await chmod(this.paths.data, 0o644).catch(() => {});
      await this.lock.release().catch(() => {});
      throw fromErrno(err, `committing ingest "${this.ref}" as ${actual}`);
    }
    await this.cleanUp(false).catch(() => {});
    return info;
  }

  async abort(): Promise<void> {
    // Once closed, the ref may belong to another ingest: never remove its data from here.
    if (this.state !== 'open') return;
    if (this.writing) throw new BerthError('FailedPrecondition', `ingest "${this.ref}" is busy with a write`);
    await this.discard();
  }

  async close(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closed';
    await this.handle.close().catch(() => {});
    await this.lock.release();
  }

  /** Throw the partial data away and leave no trace of the ingest. */
  private async discard(): Promise<void> {
    if (this.state === 'open') await this.handle.close().catch(() => {});
    this.state = 'aborted';
    await this.cleanUp(true);
  }

  private async cleanUp(removeData: boolean): Promise<void> {
    if (removeData) await unlinkIfPresent(this.paths.data);
    await unlinkIfPresent(this.paths.ref);
    await this.lock.release();
    await rmdir(this.paths.dir).catch(() => {}); // not empty: another ingest of this ref has begun
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return false;
    throw err;
  }
}

async function unlinkIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if (errnoOf(err) !== 'ENOENT') throw fromErrno(err, `removing ${path}`);
  }
}

/** What `listIngests` reports about an unfinished ingest. */
export interface IngestStatus {
  ref: string;
  offset: number;
  updatedAt: Date;
}

/** The status of the ingest in `dir`, or undefined when it is not a whole ingest directory. */
export async function ingestStatusOf(dir: string, key: string): Promise<IngestStatus | undefined> {
  let ref: string;
  try {
    ref = await readFile(join(dir, 'ref'), 'utf8');
  } catch {
    return undefined;
  }
  if (ingestKey(ref) !== key) return undefined;
  try {
    const st = await stat(join(dir, 'data'));
    return { ref, offset: st.size, updatedAt: st.mtime };
  } catch {
    return { ref, offset: 0, updatedAt: new Date(0) };
  }
}
