// A layer tar of a whole directory: every entry below it (not the directory
// itself), in byte order of the names, parents before children.
import { lstat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { fromErrno, invalidArgument } from '../util/errors.ts';
import { ItemBuilder, joinRel, type PackOptions } from './layer-items.ts';
import { SysHelper } from './sys-helper.ts';
import { type LayerItem, tarStream } from './tar-writer.ts';
import { readDirSorted, type TreeEntry } from './tree-scan.ts';

export type { PackOptions };

/** An uncompressed, deterministic tar stream of the directory's contents. */
export function packDirectory(dir: string, opts: PackOptions = {}): Readable {
  return tarStream(packItems(dir, opts));
}

async function* packItems(dir: string, opts: PackOptions): AsyncGenerator<LayerItem> {
  await checkDirectory(dir);
  const sys = opts.xattrs === false ? undefined : new SysHelper();
  const builder = new ItemBuilder(opts);
  async function* walk(rel: string, abs: string): AsyncGenerator<LayerItem> {
    const children = await readDirSorted(abs);
    const xattrs = await xattrsOf(sys, children);
    for (let i = 0; i < children.length; i++) {
      const c = children[i];
      const childRel = joinRel(rel, c.name);
      const item = await builder.item(childRel, c.abs, c.st, xattrs[i]);
      if (item) yield item;
      if (c.st.isDirectory()) yield* walk(childRel, c.abs);
    }
  }
  try {
    yield* walk('', dir);
  } finally {
    await sys?.close();
  }
}

export async function checkDirectory(dir: string): Promise<void> {
  let isDir: boolean;
  try {
    isDir = (await lstat(dir)).isDirectory();
  } catch (err) {
    throw fromErrno(err, `packing ${dir}`);
  }
  if (!isDir) throw invalidArgument(`cannot pack ${dir}: it is not a directory`);
}

/** The xattrs of each entry (one batch of pipelined helper requests), or none without a helper. */
export function xattrsOf(
  sys: SysHelper | undefined,
  entries: TreeEntry[],
): Promise<(Map<string, Buffer> | undefined)[]> {
  if (!sys) return Promise.resolve(entries.map(() => undefined));
  return Promise.all(entries.map((e) => sys.listXattrs(e.abs)));
}
