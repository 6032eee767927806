// Unpacks an image's layers into committed snapshots named by chain ID, once:
// a chain already unpacked (by any image) is reused. Each layer is applied
// into a fresh active snapshot, its diff ID checked, and only then committed
// under its chain ID, so a refused or interrupted layer leaves no trace.
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { applyLayer } from '../layer/index.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import { type Digest, digestOf } from '../oci/digest.ts';
import { type Compression, layerCompression } from '../oci/media-types.ts';
import { TRANSIENT_KEY_PREFIX } from '../snapshot/fs-snapshotter.ts';
import { BerthError, isBerthError } from '../util/errors.ts';
import { chainIds } from './chain-id.ts';
import type { ImageStore } from './image-store.ts';
import type { Lease } from './lease.ts';

/** Unpack what is not unpacked yet; returns the uncompressed size of each layer. */
export async function unpackLayers(
  store: ImageStore,
  layers: readonly Descriptor[],
  diffIds: readonly Digest[],
  lease: Lease,
): Promise<number[]> {
  const chain = chainIds(diffIds);
  const sizes: number[] = [];
  for (const [i, layer] of layers.entries()) {
    lease.add(chain[i]);
    lease.add(layer.digest);
    const known = store.layerInfo(layer.digest);
    if (known && known.diffId !== diffIds[i]) {
      throw new BerthError(
        'DigestMismatch',
        `layer ${layer.digest} has diff ID ${known.diffId}, but the image config says ${diffIds[i]}`,
      );
    }
    if (known && store.snapshots.stat(chain[i])?.kind === 'committed') {
      sizes.push(known.size);
      continue;
    }
    if (layerCompression(layer.mediaType) === undefined) {
      throw new BerthError(
        'InvalidArgument',
        `layer ${layer.digest}: unknown layer media type "${layer.mediaType}"`,
      );
    }
    if (!(await store.content.has(layer.digest))) {
      throw new BerthError('NotFound', `layer ${layer.digest} is not in the content store`);
    }
    const applied = await unpackStream(
      store,
      store.content.read(layer.digest),
      chain[i - 1],
      lease,
      diffIds[i],
    );
    store.recordLayer(layer.digest, applied.diffId, applied.size);
    sizes.push(applied.size);
  }
  return sizes;
}

/**
 * Apply one layer stream (any compression) on top of the committed chain
 * `parent` and commit it under its chain ID. With `expectDiffId`, a layer whose
 * uncompressed digest differs is refused.
 */
export async function unpackStream(
  store: ImageStore,
  stream: Readable,
  parent: Digest | undefined,
  lease: Lease,
  expectDiffId?: Digest,
  compression: Compression | 'auto' = 'auto',
): Promise<{ diffId: Digest; size: number; chainId: Digest }> {
  const key = `${TRANSIENT_KEY_PREFIX}unpack-${randomUUID()}`;
  await store.snapshots.prepare(key, parent);
  try {
    const result = await applyLayer(stream, store.snapshots.applyDir(key), {
      whiteouts: store.snapshots.whiteouts,
      compression,
    });
    if (expectDiffId && result.diffId !== expectDiffId) {
      throw new BerthError(
        'DigestMismatch',
        `layer's uncompressed digest is ${result.diffId}, but the image config says ${expectDiffId}`,
      );
    }
    const chainId = parent ? digestOf(`${parent} ${result.diffId}`) : result.diffId;
    lease.add(chainId);
    if (store.snapshots.stat(chainId)?.kind === 'committed') {
      await store.snapshots.remove(key); // the same chain was unpacked meanwhile
    } else {
      await store.snapshots.commit(chainId, key).catch(async (err) => {
        if (!isBerthError(err, 'AlreadyExists')) throw err;
        await store.snapshots.remove(key);
      });
    }
    return { diffId: result.diffId, size: result.size, chainId };
  } catch (err) {
    stream.destroy();
    if (store.snapshots.stat(key)) await store.snapshots.remove(key);
    throw err;
  }
}
