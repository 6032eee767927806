// `docker import`: a root filesystem tarball (plain, gzip or zstd) becomes a
// one-layer image. The tarball is read once: the decompressed stream is stored
// as the layer blob (its digest is the diff ID) while the same bytes are
// unpacked into the layer's snapshot, at the pace of the slower of the two.
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { decompressStream } from '../layer/index.ts';
import type { ImageConfig } from '../oci/descriptor.ts';
import { MediaType } from '../oci/media-types.ts';
import { hostPlatform } from '../oci/platform.ts';
import { BerthError } from '../util/errors.ts';
import { tee } from '../util/tee.ts';
import { applyChanges } from './config-changes.ts';
import { goTime } from './config-json.ts';
import type { ImageRecord, ImageStore } from './image-store.ts';
import { unpackStream } from './unpack.ts';
import { writeImage } from './write-image.ts';

export interface ImportOptions {
  /** REPOSITORY[:TAG] to name the image. */
  name?: string;
  changes?: string[];
  message?: string;
  /** Where it came from, for the history comment ("-" for stdin, or a URL). */
  source?: string;
}

export async function importRootfs(
  store: ImageStore,
  tarball: Readable,
  opts: ImportOptions = {},
): Promise<ImageRecord> {
  // Bad --change lines fail before a byte is read.
  const containerConfig = applyChanges({}, opts.changes ?? []);
  const lease = store.leases.take();
  const ingest = await store.content.ingest(`import-${randomUUID()}`);
  try {
    const tar = tarball.pipe(decompressStream('auto'));
    tarball.on('error', (err) => tar.destroy(err));
    const [toBlob, toUnpack] = tee(tar, 2);
    // The blob is committed (and synced) while the unpack goes on; it is
    // leased first, so a collection running meanwhile cannot take it.
    const storeBlob = async () => {
      await ingest.write(toBlob);
      lease.add(ingest.digest());
      return ingest.commit({ digest: ingest.digest() });
    };
    const [blob, applied] = await Promise.all([
      storeBlob(),
      unpackStream(store, toUnpack, undefined, lease, undefined, 'none'),
    ]).catch((err) => {
      toBlob.destroy();
      toUnpack.destroy();
      throw err;
    });
    if (blob.digest !== applied.diffId) {
      throw new BerthError('Internal', `import: stored ${blob.digest} but unpacked ${applied.diffId}`);
    }
    store.recordLayer(blob.digest, applied.diffId, applied.size);
    const now = goTime();
    const platform = hostPlatform();
    const config: ImageConfig = {
      created: now,
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      config: containerConfig,
      rootfs: { type: 'layers', diff_ids: [applied.diffId] },
      history: [{ created: now, comment: opts.message || `Imported from ${opts.source ?? '-'}` }],
    };
    return await writeImage(store, config, [{ mediaType: MediaType.OciLayer, ...blob }], {
      names: opts.name ? [opts.name] : [],
    });
  } catch (err) {
    await ingest.abort().catch(() => undefined);
    lease.release();
    // A blob committed before the unpack refused the layer is garbage now.
    await store.collectGarbage().catch(() => undefined);
    throw err;
  } finally {
    lease.release();
  }
}
