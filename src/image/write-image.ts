// Writes a new image's config and manifest into the content store and records
// the image. Used by import, and later by commit and build: anything that has
// made layer blobs and a config and wants them to be an image.
import type { Descriptor, ImageConfig, Manifest } from '../oci/descriptor.ts';
import type { Digest } from '../oci/digest.ts';
import { MediaType } from '../oci/media-types.ts';
import { encodeImageConfig } from './config-json.ts';
import type { ImageRecord, ImageStore } from './image-store.ts';

export async function writeImage(
  store: ImageStore,
  config: ImageConfig,
  layers: Descriptor[],
  opts: { names?: string[]; parent?: Digest } = {},
): Promise<ImageRecord> {
  const lease = store.leases.take();
  try {
    for (const l of layers) lease.add(l.digest);
    const configBytes = encodeImageConfig(config);
    const configBlob = await store.content.put(configBytes);
    lease.add(configBlob.digest);
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: configBlob.digest, size: configBlob.size },
      layers,
    };
    const manifestBlob = await store.content.put(Buffer.from(JSON.stringify(manifest)));
    lease.add(manifestBlob.digest);
    return await store.add({ mediaType: MediaType.OciManifest, ...manifestBlob }, opts);
  } finally {
    lease.release();
  }
}
