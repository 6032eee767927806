// The filesystem RegistryStorage: each key is a file or directory under `root`. Whole files
// (putContent) are written to a dot-named temporary beside the target, fsynced and renamed
// over it, then the directory is fsynced (util/durable-fs.ts); moves are rename(2) plus
// fsync of both directories; writers fsync on commit. Dot-names are never keys, so list
// hides temporaries, and a temporary left by a crash is removed by removeOrphans().
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fsyncDir, removeOrphanTempFiles, writeFileAtomic } from '../../util/durable-fs.ts';
import { BerthError, errnoOf, fromErrno, invalidArgument } from '../../util/errors.ts';
import { checkKey, type RegistryStorage, type StorageInfo, type StorageWriter } from './driver.ts';

type FileHandle = Awaited<ReturnType<typeof open>>;

function notFound(path: string): BerthError {
  return new BerthError('NotFound', `storage path "${path}" not found`);
}

/** Translate an fs error on `key`: ENOENT/ENOTDIR become NotFound naming the key. */
function failure(err: unknown, key: string, doing: string): BerthError {
  const errno = errnoOf(err);
  if (errno === 'ENOENT' || errno === 'ENOTDIR') return notFound(key);
  return fromErrno(err, `${doing} ${key}`);
}

class FsWriter implements StorageWriter {
  private closed = false;
  constructor(
    private readonly handle: FileHandle,
    private readonly file: string,
    public size: number,
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    let done = 0;
    while (done < chunk.length) {
      const { bytesWritten } = await this.handle.write(chunk, done, chunk.length - done);
      done += bytesWritten;
    }
    this.size += chunk.length;
  }

  async commit(): Promise<void> {
    await this.handle.sync();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }

  async cancel(): Promise<void> {
    await this.close();
    await rm(this.file, { force: true });
  }
}

export class FsRegistryStorage implements RegistryStorage {
  readonly name = 'filesystem';
  constructor(readonly root: string) {}

  private file(key: string): string {
    return join(this.root, checkKey(key));
  }

  async getContent(key: string, maxBytes?: number): Promise<Buffer> {
    const file = this.file(key);
    if (maxBytes !== undefined) {
      const info = await this.stat(key);
      if (info.size > maxBytes) {
        throw invalidArgument(
          `storage path "${key}" holds ${info.size} bytes, more than the ${maxBytes} allowed`,
        );
      }
    }
    try {
      return await readFile(file);
    } catch (err) {
      throw failure(err, key, 'reading');
    }
  }

  async putContent(key: string, content: Uint8Array | string): Promise<void> {
    const file = this.file(key);
    try {
      await mkdir(dirname(file), { recursive: true });
    } catch (err) {
      throw failure(err, key, 'creating the directory of');
    }
    await writeFileAtomic(file, content);
  }

  async reader(key: string, offset = 0, end?: number): Promise<Readable> {
    let handle: FileHandle;
    try {
      handle = await open(this.file(key), 'r');
    } catch (err) {
      throw failure(err, key, 'opening');
    }
    return handle.createReadStream({ start: offset, end, highWaterMark: 1 << 20 });
  }

  async writer(key: string, append: boolean): Promise<StorageWriter> {
    const file = this.file(key);
    try {
      await mkdir(dirname(file), { recursive: true });
      const handle = await open(file, append ? 'a' : 'w', 0o644);
      const size = append ? (await handle.stat()).size : 0;
      return new FsWriter(handle, file, size);
    } catch (err) {
      throw failure(err, key, 'opening for writing');
    }
  }

  async stat(key: string): Promise<StorageInfo> {
    try {
      const st = await stat(this.file(key));
      const isDir = st.isDirectory();
      return { path: key, size: isDir ? 0 : st.size, modTime: st.mtime, isDir };
    } catch (err) {
      throw failure(err, key, 'inspecting');
    }
  }

  async list(key: string): Promise<string[]> {
    try {
      const names = await readdir(this.file(key));
      return names.filter((n) => !n.startsWith('.')).sort();
    } catch (err) {
      throw failure(err, key, 'listing');
    }
  }

  async move(from: string, to: string): Promise<void> {
    const src = this.file(from);
    const dst = this.file(to);
    try {
      await mkdir(dirname(dst), { recursive: true });
      await rename(src, dst);
    } catch (err) {
      throw failure(err, from, `moving to ${to}:`);
    }
    // One rename is one journal transaction: syncing the target's directory commits the
    // source's removal with it (ext4, xfs), so the source's directory is not synced apart.
    await fsyncDir(dirname(dst));
  }

  async delete(key: string): Promise<void> {
    const file = this.file(key);
    await this.stat(key);
    try {
      await rm(file, { recursive: true, force: true });
    } catch (err) {
      throw failure(err, key, 'removing');
    }
    await fsyncDir(dirname(file)).catch(() => undefined);
  }

  /** Remove temporaries of putContent left in `key`'s directory by a process that died. */
  async removeOrphans(key: string): Promise<number> {
    return removeOrphanTempFiles(this.file(key));
  }
}
