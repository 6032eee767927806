// The layer of one build step (RUN, COPY, ADD, WORKDIR): a transient writable
// snapshot on the stage's layers is mounted, the step changes files in it (a
// container's process, or the builder itself), and its changes become a layer
// tar: the overlay upper directory with its whiteouts, or on vfs the difference
// from the parent's copy. That tar is read once: gzip-compressed into the content
// store and, at the same time, unpacked as the next committed snapshot (named by
// chain ID), so the next step builds on it. The transient snapshot goes after.
// With `clampMtime` (SOURCE_DATE_EPOCH, source-date-epoch.ts) the tar's mtimes
// are clamped on the way, so the blob and the snapshot both have them.
// Mountpoints made only for the step's container (the runtime's, a RUN's
// --mount targets listed in `mountpoints`) are left out (mount-artefacts.ts).
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { editTar } from '../../engine/container-archive.ts';
import { mountpointArtefacts } from '../../engine/container-changes.ts';
import { mountRootfs, unmountRootfs } from '../../engine/rootfs-mount.ts';
import type { ImageStore } from '../../image/image-store.ts';
import type { Lease } from '../../image/lease.ts';
import { unpackStream } from '../../image/unpack.ts';
import { compressStream } from '../../layer/compression.ts';
import { diffDirectories } from '../../layer/diff-directories.ts';
import { diffOverlayUpper } from '../../layer/diff-overlay-upper.ts';
import { parseMemberName } from '../../layer/member-path.ts';
import { packDirectory } from '../../layer/pack-directory.ts';
import type { Descriptor } from '../../oci/descriptor.ts';
import type { Digest } from '../../oci/digest.ts';
import { MediaType } from '../../oci/media-types.ts';
import { TRANSIENT_KEY_PREFIX } from '../../snapshot/fs-snapshotter.ts';
import type { Mount } from '../../snapshot/snapshotter.ts';
import { tee } from '../../util/tee.ts';
import { buildMountArtefacts } from './mount-artefacts.ts';
import { clampMtimes } from './source-date-epoch.ts';

export interface StepLayer {
  descriptor: Descriptor;
  diffId: Digest;
  /** The committed snapshot the next step builds on. */
  chainId: Digest;
}

export interface StepRootfs {
  /** Host path of the mounted root filesystem. */
  rootfs: string;
  /** A scratch directory of the step's own (for a container's bundle and files). */
  dir: string;
  /** Where the step's container had mounts of its own (RUN --mount), as in the container. */
  mountpoints: string[];
}

/**
 * Run `work` on a writable rootfs over `parent` and return its changes as a new,
 * stored and unpacked layer. Whatever happens, the transient snapshot is removed.
 */
export async function stepLayer(
  store: ImageStore,
  parent: Digest | undefined,
  scratch: string,
  lease: Lease,
  work: (step: StepRootfs) => Promise<void>,
  opts: { clampMtime?: number } = {},
): Promise<StepLayer> {
  const key = `${TRANSIENT_KEY_PREFIX}build-${randomUUID()}`;
  const dir = join(scratch, `step-${randomUUID()}`);
  const rootfs = join(dir, 'rootfs');
  const mountpoints: string[] = [];
  await mkdir(dir, { recursive: true });
  const mounts = await store.snapshots.prepare(key, parent);
  try {
    await mountRootfs(mounts, rootfs);
    try {
      await work({ rootfs, dir, mountpoints });
    } finally {
      await unmountRootfs(rootfs);
    }
    const tar = await changesTar(store, key, mounts, parent, mountpoints);
    const clamped = opts.clampMtime === undefined ? tar : clampMtimes(tar, opts.clampMtime);
    return await storeLayer(store, clamped, parent, lease);
  } finally {
    await store.snapshots.remove(key).catch(() => {});
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}

async function changesTar(
  store: ImageStore,
  key: string,
  mounts: Mount[],
  parent: Digest | undefined,
  mountpoints: readonly string[],
): Promise<Readable> {
  const [m] = mounts;
  let tar: Readable;
  let artefacts: Set<string>;
  if (m?.type === 'overlay') {
    const option = (k: string) => m.options.find((o) => o.startsWith(`${k}=`))?.slice(k.length + 1) ?? '';
    const upper = option('upperdir');
    const lowers = option('lowerdir').split(':');
    artefacts = buildMountArtefacts(upper, lowers, mountpoints, mountpointArtefacts(upper, lowers));
    tar = diffOverlayUpper(upper);
  } else {
    const dir = store.snapshots.applyDir(key);
    const parentDir = parent ? (await store.snapshots.mounts(parent))[0]?.source : undefined;
    const lowers = parentDir ? [parentDir] : [];
    artefacts = buildMountArtefacts(dir, lowers, mountpoints, mountpointArtefacts(dir, lowers));
    tar = parentDir ? diffDirectories(parentDir, dir) : packDirectory(dir);
  }
  if (!artefacts.size) return tar;
  const edited = editTar(tar, (h) =>
    artefacts.has(`/${parseMemberName(h.name, h.name).rel}`) ? undefined : h,
  );
  tar.on('error', (err) => edited.destroy(err));
  return edited;
}

/** Store a layer tar: gzip into the content store while it is unpacked on `parent`. */
export async function storeLayer(
  store: ImageStore,
  tar: Readable,
  parent: Digest | undefined,
  lease: Lease,
): Promise<StepLayer> {
  const ingest = await store.content.ingest(`build-${randomUUID()}`);
  try {
    const [toBlob, toUnpack] = tee(tar, 2);
    const gz = toBlob.pipe(compressStream('gzip'));
    toBlob.on('error', (err) => gz.destroy(err));
    const [, applied] = await Promise.all([
      ingest.write(gz),
      unpackStream(store, toUnpack, parent, lease, undefined, 'none'),
    ]).catch((err) => {
      for (const s of [tar, toBlob, toUnpack, gz]) s.destroy(err);
      throw err;
    });
    lease.add(ingest.digest());
    const blob = await ingest.commit({ digest: ingest.digest() });
    store.recordLayer(blob.digest, applied.diffId, applied.size);
    return {
      descriptor: { mediaType: MediaType.OciLayerGzip, ...blob },
      diffId: applied.diffId,
      chainId: applied.chainId,
    };
  } catch (err) {
    await ingest.abort().catch(() => undefined);
    throw err;
  }
}
