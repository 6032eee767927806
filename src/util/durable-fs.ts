// Writes that survive a crash: a file is written in full to a temporary name,
// fsynced, renamed into place, and its directory fsynced, so a reader (or the
// next boot) sees either the old file or the whole new one, never a torn one.
// The temporary file may live in another directory (tempDir) on the same
// filesystem, so a directory that other tools read (an OCI layout) never holds
// a stray temporary name.
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errnoOf, fromErrno } from './errors.ts';

export interface AtomicWriteOptions {
  /** Where the temporary file is written; the target's directory by default. Same filesystem. */
  tempDir?: string;
  /** File mode of the new file (before umask). */
  mode?: number;
}

/** fsync a directory, so a rename or unlink inside it is on disk. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    throw fromErrno(err, `syncing directory ${dir}`);
  } finally {
    await handle?.close();
  }
}

/** A fresh temporary name for `target`, in `dir`. */
export function tempNameFor(target: string, dir = dirname(target)): string {
  return join(dir, `.${basename(target)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** Write `data` to a new temporary file and fsync it; returns its path. */
async function writeTemp(
  target: string,
  data: string | Uint8Array,
  opts: AtomicWriteOptions,
): Promise<string> {
  const dir = opts.tempDir ?? dirname(target);
  await mkdir(dir, { recursive: true });
  const temp = tempNameFor(target, dir);
  const handle = await open(temp, 'wx', opts.mode ?? 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw err;
  }
  await handle.close();
  return temp;
}

/** Replace `target` with `data` atomically and durably. */
export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  let temp: string | undefined;
  try {
    temp = await writeTemp(target, data, opts);
    await rename(temp, target);
    temp = undefined;
  } catch (err) {
    if (temp) await unlink(temp).catch(() => {});
    throw fromErrno(err, `writing ${target}`);
  }
  await fsyncDir(dirname(target));
}

/**
 * Create `target` with `data` atomically and durably, unless it already
 * exists: then nothing changes and the result is false. Two processes racing
 * to create the same file never clobber each other (link(2) does not replace).
 */
export async function createFileAtomic(
  target: string,
  data: string | Uint8Array,
  opts: AtomicWriteOptions = {},
): Promise<boolean> {
  let temp: string | undefined;
  try {
    temp = await writeTemp(target, data, opts);
    await link(temp, target);
  } catch (err) {
    if (errnoOf(err) === 'EEXIST') return false;
    throw fromErrno(err, `creating ${target}`);
  } finally {
    if (temp) await unlink(temp).catch(() => {});
  }
  await fsyncDir(dirname(target));
  return true;
}

/** rename(2), then fsync the directories involved so the move is on disk. */
export async function renameDurable(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    throw fromErrno(err, `moving ${from} to ${to}`);
  }
  await fsyncDir(dirname(to));
  if (dirname(from) !== dirname(to)) await fsyncDir(dirname(from));
}

const TEMP_NAME = /^\..+\.tmp-(\d+)-[0-9a-f]{12}$/;

/**
 * Remove temporary files in `dir` left by processes that died mid-write
 * (the pid in the name is gone). Returns how many were removed.
 */
export async function removeOrphanTempFiles(dir: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return 0;
    throw fromErrno(err, `listing ${dir}`);
  }
  let removed = 0;
  for (const name of names) {
    const pid = Number(TEMP_NAME.exec(name)?.[1]);
    if (!pid || pidExists(pid)) continue;
    await unlink(join(dir, name)).then(
      () => removed++,
      () => {},
    );
  }
  return removed;
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoOf(err) === 'EPERM';
  }
}
