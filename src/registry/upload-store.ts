// Blob uploads in progress. Each lives in uploads/<uuid>/ (layout.ts): `info` names its
// repository and start time, `data` holds the bytes so far, fsynced at the end of every
// request that appends (so it is on disk before completion moves it into place). The bytes are hashed as they are written; the hash state is kept in
// memory between requests (a restarted server re-reads the staged file once instead). At
// completion the digest is verified, then the staged file is moved into place: a blob is
// never visible before its bytes are whole, checked and on disk. Requests on one upload run
// one at a time; different uploads (of the same blob too) never share a file.
import { createHash, type Hash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { algorithmOf, type Digest, type DigestAlgorithm } from '../oci/digest.ts';
import { type BlobStore, isNotFound } from './blob-store.ts';
import { UPLOADS, uploadData, uploadDir, uploadInfo } from './layout.ts';
import { RegistryError } from './registry-error.ts';
import type { RegistryStorage } from './storage/driver.ts';

interface UploadInfo {
  repository: string;
  startedAt: string;
}

/** Where a chunk claims to go (Content-Range), inclusive. */
export interface ChunkRange {
  start: number;
  end: number;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface HashState {
  hash: Hash;
  size: number;
}

export class UploadStore {
  private readonly hashes = new Map<string, HashState>();
  private readonly busy = new Map<string, Promise<unknown>>();
  private open?: number;

  constructor(
    private readonly storage: RegistryStorage,
    private readonly blobs: BlobStore,
    private readonly maxUploads: number,
  ) {}

  /** Run `work` after every earlier request on the same upload has finished. */
  private serialize<T>(uuid: string, work: () => Promise<T>): Promise<T> {
    const prev = this.busy.get(uuid) ?? Promise.resolve();
    const next = prev.then(work, work);
    const tail = next.catch(() => undefined);
    this.busy.set(uuid, tail);
    tail.then(() => {
      if (this.busy.get(uuid) === tail) this.busy.delete(uuid);
    });
    return next;
  }

  private async openCount(): Promise<number> {
    this.open ??= (
      await this.storage.list(UPLOADS).catch((err) => (isNotFound(err) ? [] : Promise.reject(err)))
    ).length;
    return this.open;
  }

  /** Start an upload for `repository`; TOOMANYREQUESTS when too many are open. */
  async start(repository: string): Promise<string> {
    if ((await this.openCount()) >= this.maxUploads) {
      throw new RegistryError(
        'TOOMANYREQUESTS',
        `the registry has ${this.maxUploads} uploads in progress, its limit (limits.maxuploads); try again later`,
      );
    }
    const uuid = randomUUID();
    const info: UploadInfo = { repository, startedAt: new Date().toISOString() };
    // Not fsynced: an upload lost in a crash is unknown afterwards and the client starts again;
    // a torn info file reads as no upload at all.
    const infoWriter = await this.storage.writer(uploadInfo(uuid), false);
    await infoWriter.write(Buffer.from(JSON.stringify(info)));
    await infoWriter.close();
    await (await this.storage.writer(uploadData(uuid), false)).close();
    this.open = (this.open ?? 0) + 1;
    this.hashes.set(uuid, { hash: createHash('sha256'), size: 0 });
    return uuid;
  }

  private unknown(uuid: string, repository: string): RegistryError {
    return new RegistryError(
      'BLOB_UPLOAD_UNKNOWN',
      `no upload ${uuid} in progress for repository ${repository}`,
      {
        detail: { uuid },
      },
    );
  }

  /** Check that the upload exists and belongs to `repository`. */
  private async check(repository: string, uuid: string): Promise<void> {
    if (!UUID_RE.test(uuid)) throw this.unknown(uuid, repository);
    let info: UploadInfo;
    try {
      info = JSON.parse((await this.storage.getContent(uploadInfo(uuid), 4096)).toString()) as UploadInfo;
      await this.storage.stat(uploadData(uuid));
    } catch (err) {
      if (isNotFound(err) || err instanceof SyntaxError) throw this.unknown(uuid, repository);
      throw err;
    }
    if (info.repository !== repository) throw this.unknown(uuid, repository);
  }

  /** Bytes received so far. */
  async status(repository: string, uuid: string): Promise<number> {
    await this.check(repository, uuid);
    return (await this.storage.stat(uploadData(uuid))).size;
  }

  /** Append a request body; `range`, when given, must start where the data ends. */
  append(repository: string, uuid: string, body: Readable, range?: ChunkRange): Promise<number> {
    return this.serialize(uuid, async () => {
      await this.check(repository, uuid);
      return this.write(uuid, body, range);
    });
  }

  private async write(uuid: string, body: Readable, range?: ChunkRange): Promise<number> {
    const w = await this.storage.writer(uploadData(uuid), true);
    try {
      if (range && range.start !== w.size) {
        throw new RegistryError(
          'BLOB_UPLOAD_INVALID',
          `chunk starts at byte ${range.start}, but upload ${uuid} has ${w.size} bytes: send the chunk that starts at ${w.size}`,
          { status: 416, detail: { size: w.size } },
        );
      }
      let state = this.hashes.get(uuid);
      if (state && state.size !== w.size) state = undefined;
      if (!state) this.hashes.delete(uuid);
      try {
        for await (const chunk of body as AsyncIterable<Buffer>) {
          await w.write(chunk);
          if (state) {
            state.hash.update(chunk);
            state.size += chunk.length;
          }
        }
      } finally {
        // What arrived before a client went away stays, and stays durable: it can resume.
        await w.commit();
      }
      if (range && w.size !== range.end + 1) {
        throw new RegistryError(
          'BLOB_UPLOAD_INVALID',
          `chunk ${range.start}-${range.end} of upload ${uuid} ended at byte ${w.size - 1}`,
          { status: 416, detail: { size: w.size } },
        );
      }
      return w.size;
    } finally {
      await w.close();
    }
  }

  private async digestOf(uuid: string, algorithm: DigestAlgorithm, size: number): Promise<Digest> {
    const state = this.hashes.get(uuid);
    if (state && state.size === size && algorithm === 'sha256') {
      return `sha256:${state.hash.copy().digest('hex')}` as Digest;
    }
    const hash = createHash(algorithm);
    for await (const chunk of await this.storage.reader(uploadData(uuid))) hash.update(chunk as Buffer);
    return `${algorithm}:${hash.digest('hex')}` as Digest;
  }

  /**
   * Finish an upload: append the last body (if any), verify the digest, make the blob
   * visible and link it into the repository. DIGEST_INVALID (and the upload is dropped)
   * when the bytes are not `digest`.
   */
  complete(
    repository: string,
    uuid: string,
    digest: Digest,
    body?: Readable,
    range?: ChunkRange,
  ): Promise<number> {
    return this.serialize(uuid, async () => {
      await this.check(repository, uuid);
      const size = body
        ? await this.write(uuid, body, range)
        : (await this.storage.stat(uploadData(uuid))).size;
      const actual = await this.digestOf(uuid, algorithmOf(digest), size);
      if (actual !== digest) {
        await this.remove(uuid);
        throw new RegistryError(
          'DIGEST_INVALID',
          `the ${size} bytes uploaded have digest ${actual}, not ${digest}; the upload was dropped, push the blob again`,
          { detail: { expected: digest, actual } },
        );
      }
      await this.blobs.commitStaged(uploadData(uuid), digest);
      await this.blobs.link(repository, digest);
      await this.remove(uuid);
      return size;
    });
  }

  /** Drop an upload in progress. */
  cancel(repository: string, uuid: string): Promise<void> {
    return this.serialize(uuid, async () => {
      await this.check(repository, uuid);
      await this.remove(uuid);
    });
  }

  private async remove(uuid: string): Promise<void> {
    this.hashes.delete(uuid);
    try {
      await this.storage.delete(uploadDir(uuid));
      if (this.open !== undefined) this.open = Math.max(0, this.open - 1);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Remove uploads started before `cutoff` (and debris with no readable info); returns their ids. */
  async purge(cutoff: Date): Promise<string[]> {
    let ids: string[];
    try {
      ids = await this.storage.list(UPLOADS);
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
    const removed: string[] = [];
    for (const uuid of ids) {
      if (this.busy.has(uuid)) continue;
      const started = await this.startedAt(uuid);
      if (started !== undefined && started >= cutoff.getTime()) continue;
      await this.serialize(uuid, () => this.remove(uuid));
      removed.push(uuid);
    }
    this.open = undefined;
    return removed;
  }

  /** When an upload started: its info's time, else the time its directory was made. */
  private async startedAt(uuid: string): Promise<number | undefined> {
    try {
      const info = JSON.parse(
        (await this.storage.getContent(uploadInfo(uuid), 4096)).toString(),
      ) as UploadInfo;
      const t = Date.parse(info.startedAt);
      if (!Number.isNaN(t)) return t;
    } catch {
      // No info (a crash right after the folder was made): its age comes from the folder.
    }
    try {
      return (await this.storage.stat(uploadDir(uuid))).modTime.getTime();
    } catch {
      return undefined;
    }
  }
}
