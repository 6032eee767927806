// RegistryStorage: the registry's storage driver, a path-keyed store in the manner of
// distribution's storage drivers. Keys are relative, '/'-separated paths whose components
// are made of [A-Za-z0-9._-] and never start with '.' (so a driver may keep its own
// temporary names beside real ones, and a key can never climb out with '..').
//
// Contracts every driver keeps (the shared suite in driver-suite.ts checks them):
// - putContent and move are atomic: a reader sees the old content or the whole new one,
//   and once they return the change survives a crash.
// - a writer's bytes are durable once commit() returns; until then a crash may lose them.
// - reader, stat, list and delete of a missing key throw BerthError('NotFound').
// - list returns the names (not paths) of a directory's children, sorted.
import type { Readable } from 'node:stream';
import { invalidArgument } from '../../util/errors.ts';

export interface StorageInfo {
  readonly path: string;
  /** Bytes of a file; 0 for a directory. */
  readonly size: number;
  readonly modTime: Date;
  readonly isDir: boolean;
}

/** An appending writer of one file. */
export interface StorageWriter {
  /** Bytes in the file so far (what was there before, when appending, plus what was written). */
  readonly size: number;
  write(chunk: Uint8Array): Promise<void>;
  /** Make every byte written so far durable. */
  commit(): Promise<void>;
  /** Release the writer; the file keeps what was written (durable only after commit). */
  close(): Promise<void>;
  /** Release the writer and remove the file. */
  cancel(): Promise<void>;
}

export interface RegistryStorage {
  /** The driver's name, for messages ("filesystem"). */
  readonly name: string;
  /** The whole content of a small file; InvalidArgument when it is larger than maxBytes. */
  getContent(path: string, maxBytes?: number): Promise<Buffer>;
  /** Create or replace a file atomically and durably. */
  putContent(path: string, content: Uint8Array | string): Promise<void>;
  /** A stream of a file from `offset` to `end` (inclusive; the file's end when not given). */
  reader(path: string, offset?: number, end?: number): Promise<Readable>;
  /** A writer that appends to the file (`append`) or starts it empty. */
  writer(path: string, append: boolean): Promise<StorageWriter>;
  stat(path: string): Promise<StorageInfo>;
  list(path: string): Promise<string[]>;
  /** Move a file atomically and durably, replacing what is at `to`. */
  move(from: string, to: string): Promise<void>;
  /** Remove a file or a whole directory. */
  delete(path: string): Promise<void>;
}

const COMPONENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** Check a storage key; drivers call this on every path they are given. */
export function checkKey(path: string): string {
  if (path === '' || !path.split('/').every((c) => COMPONENT.test(c))) {
    throw invalidArgument(
      `invalid storage path "${path}": want '/'-separated names of [A-Za-z0-9._-], none starting with '.'`,
    );
  }
  return path;
}
