// The layer that turns `lower` into `upper`: entries added or changed in upper,
// `.wh.NAME` for what upper lacks.
//
// Changed means: another type, mode, owner, xattrs, mtime (to the nanosecond),
// symlink target or device number, or for a regular file another size. When
// size and mtime are equal, content is compared only if both mtimes have zero
// nanoseconds: such times came through a tar (whole seconds), so a same-second
// edit could hide behind them; a nanosecond time that still matches is trusted,
// as Docker and containerd do.
//
// A directory is written when its own metadata changed or when anything below
// it did (as containerd does), so that applying the layer also leaves its mode
// and times as upper has them; the top directory itself is never an entry.
//
// A directory in both trees where nothing of lower's remains in upper is treated
// as replaced: it is written with `.wh..wh..opq` and upper's whole contents,
// rather than a whiteout per old child. A directory that replaced a file (or a
// file a directory) is simply written: applying it removes what was there.
//
// Order: a directory's entry, then its opaque marker, then its whiteouts, then
// its other children in byte order (image-spec asks for whiteouts before their
// siblings). Deterministic like packDirectory.
import { open, readlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { fromErrno } from '../util/errors.ts';
import { fileTypeOf, ItemBuilder, joinRel, type PackOptions, packableXattrs } from './layer-items.ts';
import { checkDirectory, xattrsOf } from './pack-directory.ts';
import { SysHelper } from './sys-helper.ts';
import { type LayerItem, tarStream } from './tar-writer.ts';
import { byName, readDirSorted, type TreeEntry } from './tree-scan.ts';

export function diffDirectories(lower: string, upper: string, opts: PackOptions = {}): Readable {
  return tarStream(diffItems(lower, upper, opts));
}

async function* diffItems(lower: string, upper: string, opts: PackOptions): AsyncGenerator<LayerItem> {
  await checkDirectory(lower);
  await checkDirectory(upper);
  const sys = opts.xattrs === false ? undefined : new SysHelper();
  const builder = new ItemBuilder(opts);

  async function* addTree(
    rel: string,
    e: TreeEntry,
    xattrs: Map<string, Buffer> | undefined,
  ): AsyncGenerator<LayerItem> {
    const item = await builder.item(rel, e.abs, e.st, xattrs);
    if (item) yield item;
    if (e.st.isDirectory()) yield* addChildren(rel, e.abs);
  }

  async function* addChildren(rel: string, abs: string): AsyncGenerator<LayerItem> {
    const children = await readDirSorted(abs);
    const xs = await xattrsOf(sys, children);
    for (let i = 0; i < children.length; i++)
      yield* addTree(joinRel(rel, children[i].name), children[i], xs[i]);
  }

  /**
   * Both trees have a directory at rel (`self` is upper's, absent at the top,
   * which is never an entry itself); `changed` says its own metadata differs.
   * `parents` yields the ancestors not written yet: a directory goes into the
   * layer when it changed or when anything below it did, so that applying the
   * layer leaves its metadata and times as upper has them.
   */
  async function* diffDir(
    rel: string,
    lowerAbs: string,
    upperAbs: string,
    self?: { entry: TreeEntry; xattrs?: Map<string, Buffer>; changed: boolean },
    parents: () => Promise<LayerItem[]> = async () => [],
  ): AsyncGenerator<LayerItem> {
    let written = false;
    const ancestry = async (): Promise<LayerItem[]> => {
      if (written || !self) return [];
      written = true;
      const above = await parents();
      const item = await builder.item(rel, self.entry.abs, self.entry.st, self.xattrs);
      return item ? [...above, item] : above;
    };
    const [lowerChildren, upperChildren] = await Promise.all([
      readDirSorted(lowerAbs),
      readDirSorted(upperAbs),
    ]);
    const upperNames = new Set(upperChildren.map((c) => c.name));
    const lowerByName = new Map(lowerChildren.map((c) => [c.name, c]));
    const replaced = lowerChildren.length > 0 && lowerChildren.every((c) => !upperNames.has(c.name));
    if (self?.changed || replaced) yield* await ancestry();
    if (replaced) {
      yield builder.opaque(rel);
      yield* addChildren(rel, upperAbs);
      return;
    }
    const deleted = lowerChildren.filter((c) => !upperNames.has(c.name)).map((c) => c.name);
    for (const name of deleted.sort(byName)) {
      yield* await ancestry();
      yield builder.whiteout(joinRel(rel, name));
    }

    const upperX = await xattrsOf(sys, upperChildren);
    const both = upperChildren.map((u) => lowerByName.get(u.name));
    const lowerX = await Promise.all(both.map((l) => (l && sys ? sys.listXattrs(l.abs) : undefined)));
    for (let i = 0; i < upperChildren.length; i++) {
      const u = upperChildren[i];
      const l = both[i];
      const childRel = joinRel(rel, u.name);
      if (l && u.st.isDirectory() && l.st.isDirectory()) {
        const changed = metadataDiffers(l, u, lowerX[i], upperX[i]) || l.st.mtimeNs !== u.st.mtimeNs;
        yield* diffDir(childRel, l.abs, u.abs, { entry: u, xattrs: upperX[i], changed }, ancestry);
      } else if (!l || u.st.isDirectory()) {
        yield* await ancestry();
        yield* addTree(childRel, u, upperX[i]);
      } else if (await entryChanged(l, u, lowerX[i], upperX[i])) {
        const item = await builder.item(childRel, u.abs, u.st, upperX[i]);
        if (item) {
          yield* await ancestry();
          yield item;
        }
      }
    }
  }

  try {
    yield* diffDir('', lower, upper);
  } finally {
    await sys?.close();
  }
}

function metadataDiffers(
  l: TreeEntry,
  u: TreeEntry,
  lx?: Map<string, Buffer>,
  ux?: Map<string, Buffer>,
): boolean {
  return (
    fileTypeOf(l.st) !== fileTypeOf(u.st) ||
    l.st.mode !== u.st.mode ||
    l.st.uid !== u.st.uid ||
    l.st.gid !== u.st.gid ||
    !sameXattrs(packableXattrs(lx), packableXattrs(ux))
  );
}

async function entryChanged(l: TreeEntry, u: TreeEntry, lx?: Map<string, Buffer>, ux?: Map<string, Buffer>) {
  if (metadataDiffers(l, u, lx, ux) || l.st.mtimeNs !== u.st.mtimeNs) return true;
  switch (fileTypeOf(u.st)) {
    case 'symlink':
      return (await readlink(l.abs)) !== (await readlink(u.abs));
    case 'char':
    case 'block':
      return l.st.rdev !== u.st.rdev;
    case 'file':
      if (l.st.size !== u.st.size) return true;
      return u.st.mtimeNs % 1_000_000_000n === 0n && !(await sameContent(l.abs, u.abs));
    default:
      return false;
  }
}

function sameXattrs(a?: Map<string, Buffer>, b?: Map<string, Buffer>): boolean {
  if ((a?.size ?? 0) !== (b?.size ?? 0)) return false;
  for (const [k, v] of a ?? []) {
    const w = b?.get(k);
    if (!w || !v.equals(w)) return false;
  }
  return true;
}

async function sameContent(a: string, b: string): Promise<boolean> {
  const [fa, fb] = await Promise.all([open(a, 'r'), open(b, 'r')]).catch((err) => {
    throw fromErrno(err, `comparing ${a} and ${b}`);
  });
  try {
    const ba = Buffer.allocUnsafe(256 * 1024);
    const bb = Buffer.allocUnsafe(256 * 1024);
    for (;;) {
      const [ra, rb] = await Promise.all([fa.read(ba, 0, ba.length), fb.read(bb, 0, bb.length)]);
      if (ra.bytesRead !== rb.bytesRead) return false;
      if (ra.bytesRead === 0) return true;
      if (!ba.subarray(0, ra.bytesRead).equals(bb.subarray(0, rb.bytesRead))) return false;
    }
  } finally {
    await Promise.all([fa.close(), fb.close()]);
  }
}
