// A layer from an overlayfs upper directory (a container's writable layer).
// overlayfs records a deletion as a character device 0/0 and a directory that
// hides everything below it with the xattr `trusted.overlay.opaque=y`
// (`user.overlay.opaque` on user-namespace mounts); these become `.wh.NAME` and
// `DIR/.wh..wh..opq`. Everything else in the upper directory is a change and is
// written as it is. A renamed directory (`trusted.overlay.redirect`, only with
// redirect_dir=on) or a metadata-only copy-up (`metacopy`) cannot be expressed
// in a layer from the upper directory alone, and is refused.
// Order and determinism as in diff-directories.ts.
import type { Readable } from 'node:stream';
import { BerthError } from '../util/errors.ts';
import { ItemBuilder, joinRel, type PackOptions } from './layer-items.ts';
import { checkDirectory } from './pack-directory.ts';
import { SysHelper } from './sys-helper.ts';
import { type LayerItem, tarStream } from './tar-writer.ts';
import { byName, readDirSorted } from './tree-scan.ts';

const OPAQUE = ['trusted.overlay.opaque', 'user.overlay.opaque'];
const UNSUPPORTED = ['redirect', 'metacopy'].flatMap((x) => [`trusted.overlay.${x}`, `user.overlay.${x}`]);

export function diffOverlayUpper(upper: string, opts: PackOptions = {}): Readable {
  return tarStream(overlayItems(upper, opts));
}

async function* overlayItems(upper: string, opts: PackOptions): AsyncGenerator<LayerItem> {
  await checkDirectory(upper);
  // The opaque markers are xattrs, so the helper runs even when xattrs are not packed.
  const sys = new SysHelper();
  const builder = new ItemBuilder(opts);

  async function* walk(rel: string, abs: string, opaque: boolean): AsyncGenerator<LayerItem> {
    const children = await readDirSorted(abs);
    const xattrs = await Promise.all(children.map((c) => sys.listXattrs(c.abs)));
    if (opaque) yield builder.opaque(rel);
    const whiteouts = children.filter((c) => c.st.isCharacterDevice() && c.st.rdev === 0n).map((c) => c.name);
    for (const name of whiteouts.sort(byName)) yield builder.whiteout(joinRel(rel, name));
    for (let i = 0; i < children.length; i++) {
      const c = children[i];
      if (c.st.isCharacterDevice() && c.st.rdev === 0n) continue;
      const childRel = joinRel(rel, c.name);
      const x = xattrs[i];
      const bad = UNSUPPORTED.find((name) => x.has(name));
      if (bad) {
        throw new BerthError(
          'FailedPrecondition',
          `${c.abs} carries the overlayfs xattr ${bad}: a layer cannot express it from the upper directory alone; ` +
            'mount overlayfs without redirect_dir and metacopy',
        );
      }
      const item = await builder.item(childRel, c.abs, c.st, opts.xattrs === false ? undefined : x);
      if (item) yield item;
      if (c.st.isDirectory()) {
        yield* walk(
          childRel,
          c.abs,
          OPAQUE.some((name) => x.get(name)?.toString() === 'y'),
        );
      }
    }
  }

  try {
    yield* walk('', upper, false);
  } finally {
    await sys.close();
  }
}
