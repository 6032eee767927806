// Unpacking an image that is already in the store into its layer directory:
// berth removes the layer's snapshot and unpacks it again from the content
// store (ensureUnpacked: read the blob, apply it all-or-nothing into a fresh
// snapshot, check its diff ID, commit it under its chain ID) against
// `umoci unpack` of the very same blob, read straight from berth's store,
// which is an OCI image layout (`<root>/content`, ref `docker.io/library/bench:latest`).
// umoci also writes a runtime bundle (config.json) and an mtree manifest of
// the tree (a sha256 of every file) as part of its unpack. GNU tar extracting
// the blob is the floor.
//
//   node --import tsx bench/image-unpack.ts   (env: see README.md)
import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { blobPath } from '../src/content/layout-paths.ts';
import type { ImageRecord } from '../src/image/image-store.ts';
import { importRootfs } from '../src/image/import-rootfs.ts';
import { describeFixture, ensureFixture } from './fixtures.ts';
import {
  header,
  IMAGE_NAME,
  main,
  measure,
  median,
  openStore,
  type Row,
  remove,
  type Side,
  sh,
  tempDir,
  toolVersion,
} from './harness.ts';

export async function benchUnpack(): Promise<Row[]> {
  const fixture = await ensureFixture();
  const umoci = await toolVersion('umoci');
  const tar = await toolVersion('tar');
  const work = await tempDir('unpack');
  const root = join(work, 'berth');
  await mkdir(root);
  const bench = await openStore(root);
  try {
    const image = await importRootfs(bench.store, createReadStream(fixture.tarball), { name: IMAGE_NAME });
    const [ref] = image.tags;
    const chain = await bench.store.chainOf(image);
    const layer = (await bench.store.readManifest(image)).layers[0];
    const layout = join(root, 'content');

    const berth: Side = {
      name: 'berth ensureUnpacked',
      async setup() {
        // Top of the chain first: a snapshot with a child cannot be removed.
        for (const name of [...chain].reverse()) {
          if (bench.store.snapshots.stat(name)) await bench.store.snapshots.remove(name);
        }
      },
      async run() {
        await bench.store.ensureUnpacked(image as ImageRecord);
      },
    };

    const bundle = join(work, 'umoci-bundle');
    const umociSide: Side = {
      name: 'umoci unpack',
      setup: () => remove(bundle),
      async run() {
        await sh('umoci', ['unpack', '--image', `${layout}:${ref}`, bundle]);
      },
      teardown: () => remove(bundle),
    };

    const extracted = join(work, 'tar-x');
    const tarSide: Side = {
      name: 'GNU tar -x',
      async setup() {
        await remove(extracted);
        await mkdir(extracted);
      },
      async run() {
        await sh('tar', ['--numeric-owner', '-C', extracted, '-xpf', blobPath(layout, layer.digest)]);
      },
      teardown: () => remove(extracted),
    };

    header('image unpack: an image already in the store, unpacked again into its layer directory', [
      describeFixture(fixture),
      `one uncompressed layer ${layer.digest} (${(layer.size / 1048576).toFixed(1)} MiB), snapshot driver ${bench.store.snapshots.driver}`,
      `umoci reads berth's store directly: ${layout}:${ref}`,
      `umoci: ${umoci ?? 'not installed'}; tar: ${tar ?? 'not installed'}`,
    ]);
    const sides = [berth, ...(umoci ? [umociSide] : []), ...(tar ? [tarSide] : [])];
    const times = await measure(sides);
    const b = median(times.get(berth.name));
    return [
      {
        operation: 'unpack: layer in store',
        berth: b,
        reference: median(times.get(umociSide.name)),
        referenceTool: "umoci unpack (on berth's layout)",
        note: umoci
          ? 'umoci also writes config.json and an mtree manifest (sha256 of every file); berth checks the diff ID'
          : 'umoci is not installed (apt-get install umoci): skipped',
      },
      {
        operation: 'unpack: floor (extract only)',
        berth: b,
        reference: median(times.get(tarSide.name)),
        referenceTool: 'tar --numeric-owner -xpf <blob>',
        note: tar
          ? 'a floor, not a competitor: tar only writes the tree (no digest, no all-or-nothing)'
          : 'GNU tar is not installed: skipped',
      },
    ];
  } finally {
    bench.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main(benchUnpack);
