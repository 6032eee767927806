// The layers of one image, fetched and unpacked at once: downloads run in
// parallel (as many as the daemon's limiter lets), and layers are unpacked in
// order, each as soon as it and every layer below it are there, so unpacking
// overlaps the downloads still going. A layer already unpacked (its chain ID
// committed) is neither downloaded nor unpacked: Docker's "Already exists".
// The first failure cancels the other downloads and is what is thrown.
import { Readable } from 'node:stream';
import { chainIds } from '../image/chain-id.ts';
import type { ImageStore } from '../image/image-store.ts';
import type { Lease } from '../image/lease.ts';
import { unpackStream } from '../image/unpack.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import type { Digest } from '../oci/digest.ts';
import { layerCompression } from '../oci/media-types.ts';
import { BerthError } from '../util/errors.ts';
import type { RetryPolicy } from './backoff.ts';
import { type BlobOpener, downloadBlob } from './blob-download.ts';
import type { Limiter } from './limiter.ts';
import { LayerProgress, type ProgressSink, shortDigest } from './progress.ts';

export interface LayerPipeline {
  store: ImageStore;
  layers: readonly Descriptor[];
  diffIds: readonly Digest[];
  lease: Lease;
  /** Where each layer can be downloaded from, in order. */
  sources(layer: Descriptor): BlobOpener[];
  limiter: Limiter;
  attempts: number;
  retry: RetryPolicy;
  say: ProgressSink;
  signal?: AbortSignal;
}

/** Refuse an image whose layers berth cannot unpack, before anything is fetched. */
export function checkLayerTypes(layers: readonly Descriptor[]): void {
  for (const l of layers) {
    if (layerCompression(l.mediaType) === undefined) {
      throw new BerthError(
        'InvalidArgument',
        `layer ${l.digest}: unsupported layer media type "${l.mediaType}"`,
      );
    }
  }
}

function isUnpacked(store: ImageStore, layer: Descriptor, diffId: Digest, chainId: Digest): boolean {
  return (
    store.layerInfo(layer.digest)?.diffId === diffId && store.snapshots.stat(chainId)?.kind === 'committed'
  );
}

export async function fetchLayers(p: LayerPipeline): Promise<void> {
  const { store, layers, diffIds, lease } = p;
  checkLayerTypes(layers);
  const chain = chainIds(diffIds);
  const progress = new Map<string, LayerProgress>();
  const done = layers.map((l, i) => isUnpacked(store, l, diffIds[i], chain[i]));
  for (const [i, l] of layers.entries()) {
    lease.add(chain[i]);
    lease.add(l.digest);
    if (!progress.has(l.digest)) {
      const lp = new LayerProgress(p.say, shortDigest(l.digest));
      progress.set(l.digest, lp);
      lp.status(
        layers.every((m, j) => m.digest !== l.digest || done[j]) ? 'Already exists' : 'Pulling fs layer',
      );
    }
  }

  const cancel = new AbortController();
  const onOuterAbort = () => cancel.abort();
  p.signal?.addEventListener('abort', onOuterAbort);
  let firstError: unknown;
  const fail = (err: unknown) => {
    firstError ??= err;
    cancel.abort();
  };
  const downloads = new Map<string, Promise<void>>();
  for (const [i, l] of layers.entries()) {
    if (done[i] || downloads.has(l.digest)) continue;
    const lp = progress.get(l.digest)!;
    const download = p.limiter.run(
      async () => {
        await downloadBlob(store.content, l, p.sources(l), {
          attempts: p.attempts,
          retry: p.retry,
          signal: cancel.signal,
          onBytes: (current, total) => lp.bytes('Downloading', current, total),
          onVerifying: () => lp.status('Verifying Checksum'),
        });
        lp.status('Download complete');
      },
      () => lp.status('Waiting'),
    );
    download.catch(fail);
    downloads.set(l.digest, download);
  }

  try {
    for (const [i, l] of layers.entries()) {
      if (done[i]) continue;
      await downloads.get(l.digest);
      if (cancel.signal.aborted) break;
      await extract(p, l, chain[i - 1], diffIds[i], progress.get(l.digest)!);
    }
    if (cancel.signal.aborted) firstError ??= new BerthError('Unavailable', 'the pull was canceled');
  } catch (err) {
    fail(err);
  } finally {
    p.signal?.removeEventListener('abort', onOuterAbort);
    if (firstError !== undefined) await Promise.allSettled(downloads.values());
  }
  if (firstError !== undefined) throw firstError;
}

async function extract(
  p: LayerPipeline,
  layer: Descriptor,
  parent: Digest | undefined,
  diffId: Digest,
  lp: LayerProgress,
): Promise<void> {
  let read = 0;
  const blob = p.store.content.read(layer.digest);
  async function* counted() {
    for await (const chunk of blob) {
      read += (chunk as Buffer).length;
      lp.bytes('Extracting', read, layer.size);
      yield chunk as Buffer;
    }
  }
  const applied = await unpackStream(
    p.store,
    Readable.from(counted()),
    parent,
    p.lease,
    diffId,
    layerCompression(layer.mediaType) ?? 'auto',
  );
  lp.bytes('Extracting', layer.size, layer.size, true);
  p.store.recordLayer(layer.digest, applied.diffId, applied.size);
  lp.status('Pull complete');
}
