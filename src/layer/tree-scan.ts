// Reading a directory for packing: its children, lstat'ed (nanosecond times),
// in tar order. Tar order is byte order of the member names with a directory's
// name ending in `/`, so that siblings sort as their whole paths would, and a
// depth-first walk over siblings in this order yields every path in byte order.
import type { BigIntStats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { fromErrno } from '../util/errors.ts';

export interface TreeEntry {
  name: string;
  abs: string;
  st: BigIntStats;
}

export async function readDirSorted(abs: string): Promise<TreeEntry[]> {
  let names: string[];
  try {
    names = await readdir(abs);
  } catch (err) {
    throw fromErrno(err, `reading directory ${abs}`);
  }
  const entries = await Promise.all(
    names.map(async (name) => {
      const path = `${abs}/${name}`;
      try {
        return { name, abs: path, st: await lstat(path, { bigint: true }) };
      } catch (err) {
        throw fromErrno(err, `reading ${path}`);
      }
    }),
  );
  const key = (e: TreeEntry) => Buffer.from(e.st.isDirectory() ? `${e.name}/` : e.name, 'utf8');
  const keyed = entries.map((e) => ({ e, k: key(e) }));
  keyed.sort((a, b) => Buffer.compare(a.k, b.k));
  return keyed.map((x) => x.e);
}

/** Byte order of names (whiteout names sort among themselves this way). */
export const byName = (a: string, b: string) =>
  Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
