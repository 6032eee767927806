// `docker export`: a container's whole filesystem, image and changes merged, as one
// tar, as the container's root filesystem shows it (volumes and the files berth
// mounts into it are not part of it, as with Docker). A stopped container's root
// filesystem is mounted for the time of the export and unmounted after. The tree is
// walked by descriptors, never through the container's symlinks (container-archive.ts).
import type { Readable } from 'node:stream';
import { BerthError } from '../util/errors.ts';
import { closeEntry, entryArchive, type FsView, holdRootfs, lookup } from './container-archive.ts';
import type { ContainerService } from './container-service.ts';

/** The tar stream of the container's filesystem; what it holds is released once the stream closes. */
export async function exportContainer(svc: ContainerService, ref: string): Promise<Readable> {
  const record = svc.resolve(ref);
  const hold = await holdRootfs(svc, record);
  try {
    const view: FsView = { root: hold.root, mounts: new Map() };
    const root = lookup(view, '/', false);
    if (!('found' in root))
      throw new BerthError('Internal', `the root filesystem of container ${ref} is gone`);
    const entry = root.found;
    return entryArchive(view, entry, undefined, () => {
      closeEntry(entry);
      hold.release().catch(() => {});
    });
  } catch (err) {
    await hold.release();
    throw err;
  }
}
