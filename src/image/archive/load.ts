// `docker load`: images from an archive (docker-archive, OCI image layout, or
// Docker 25+'s archive that is both) into the store. Three steps, all inside
// one lease: stream the archive into the content store; check every image and
// unpack every layer (which checks each layer's diff ID); only then record the
// images and their names. So a bad archive creates no image and no tag, and
// what it left in the content store is unnamed garbage, collected at once.
//
// With overlay, each layer is unpacked while it is stored (unpack.ts stageLayer),
// in one read of the archive; the unpack step then only commits it in place.
import type { Readable } from 'node:stream';
import type { Digest } from '../../oci/digest.ts';
import { familiarString, parseReference } from '../../oci/reference.ts';
import type { ImageStore } from '../image-store.ts';
import { type StagedLayer, stageLayer, unpackLayers } from '../unpack.ts';
import { extractArchive } from './extract-archive.ts';
import { planLoad } from './load-plan.ts';

export interface LoadOptions {
  /** Docker's plain progress lines: `Loaded image: busybox:latest`, `Loaded image ID: sha256:…`. */
  onProgress?(line: string): void;
}

export interface LoadedImage {
  /** The full reference it was tagged with (`docker.io/library/busybox:latest`); absent when loaded by ID. */
  name?: string;
  id: Digest;
}

export async function loadArchive(
  store: ImageStore,
  source: Readable,
  opts: LoadOptions = {},
): Promise<{ loaded: LoadedImage[] }> {
  const say = opts.onProgress ?? (() => {});
  const lease = store.leases.take();
  let failed = true;
  /** Every layer unpacked ahead; those the images did not take are removed at the end. */
  const staged: StagedLayer[] = [];
  try {
    const archive = await extractArchive(store.content, source, lease, {
      stage: async (body) => {
        const layer = await stageLayer(store, body);
        if (layer) staged.push(layer);
        return layer;
      },
    });
    const items = await planLoad(store, archive, lease);
    const ready = new Map<string, StagedLayer>();
    for (const f of archive.files.values()) if (f.staged) ready.set(f.digest, f.staged);
    for (const item of items) {
      await unpackLayers(store, item.manifest.layers, item.config.rootfs.diff_ids, lease, ready);
    }
    const loaded: LoadedImage[] = [];
    for (const item of items) {
      for (const name of item.names) {
        const old = store.tagOf(name) && store.resolve(name);
        if (old && old.id !== item.id) {
          say(
            `The image ${familiar(name)} already exists, renaming the old one with ID ${old.id} to empty string`,
          );
        }
      }
      await store.add(item.target, { names: item.names, parent: item.parent });
      for (const name of item.names) {
        loaded.push({ name, id: item.id });
        say(`Loaded image: ${familiar(name)}`);
      }
      if (item.names.length === 0) {
        loaded.push({ id: item.id });
        say(`Loaded image ID: ${item.id}`);
      }
    }
    failed = false;
    return { loaded };
  } finally {
    for (const layer of staged) {
      if (store.snapshots.stat(layer.key)) await store.snapshots.remove(layer.key).catch(() => undefined);
    }
    lease.release();
    // Blobs and unpacked layers of a refused archive belong to nothing now.
    if (failed) await store.collectGarbage().catch(() => undefined);
  }
}

const familiar = (name: string) => familiarString(parseReference(name));
