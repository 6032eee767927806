// Unpacks an image's layers into committed snapshots named by chain ID, once:
// a chain already unpacked (by any image) is reused. Each layer is applied
// into a fresh active snapshot, its diff ID checked, and only then committed
// under its chain ID, so a refused or interrupted layer leaves no trace.
//
// A load unpacks a layer while it stores it (stageLayer): the archive names the
// layer's place in a chain only later, or never before it. With overlay, a
// layer's directory holds only its own changes, so it is unpacked onto no parent
// and committed onto the right one once the chain is known.
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

/** A layer unpacked before its place in a chain was known: an active snapshot of no parent. */
export interface StagedLayer {
  key: string;
  diffId: Digest;
  size: number;
}

/**
 * Unpack a layer stream into an active snapshot of no parent (overlay stores
 * only), for unpackLayers to commit onto its parent later. Undefined when the
 * stream is no layer, or a damaged one (the blob's own checks report that). It
 * is fed by a tee (util/tee.ts): giving up destroys its stream, and the tee's
 * other consumer goes on.
 */
export async function stageLayer(store: ImageStore, stream: Readable): Promise<StagedLayer | undefined> {
  if (store.snapshots.driver !== 'overlay') {
    stream.destroy();
    return undefined;
  }
  const key = `${TRANSIENT_KEY_PREFIX}load-${randomUUID()}`;
  try {
    await store.snapshots.prepare(key);
    const applied = await applyLayer(stream, store.snapshots.applyDir(key), { whiteouts: 'overlay' });
    return { key, diffId: applied.diffId, size: applied.size };
  } catch {
    stream.destroy();
    if (store.snapshots.stat(key)) await store.snapshots.remove(key).catch(() => undefined);
    return undefined;
  }
}

/** Unpack what is not unpacked yet; returns the uncompressed size of each layer. */
export async function unpackLayers(
  store: ImageStore,
  layers: readonly Descriptor[],
  diffIds: readonly Digest[],
  lease: Lease,
  /** Layers a load unpacked already, by blob digest; those used are taken out. */
  staged?: Map<string, StagedLayer>,
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
    const ready = staged?.get(layer.digest);
    if (ready && ready.diffId === diffIds[i]) {
      staged?.delete(layer.digest);
      await commitStaged(store, ready, chain[i], chain[i - 1]);
      store.recordLayer(layer.digest, ready.diffId, ready.size);
      sizes.push(ready.size);
      continue;
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

/** Commit a staged layer as `chainId` on top of `parent`; a chain unpacked meanwhile wins. */
async function commitStaged(
  store: ImageStore,
  ready: StagedLayer,
  chainId: Digest,
  parent: Digest | undefined,
): Promise<void> {
  if (store.snapshots.stat(chainId)?.kind === 'committed') {
    await store.snapshots.remove(ready.key);
    return;
  }
  await store.snapshots.commit(chainId, ready.key, parent ? { parent } : {}).catch(async (err) => {
    if (!isBerthError(err, 'AlreadyExists')) throw err;
    await store.snapshots.remove(ready.key);
  });
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
