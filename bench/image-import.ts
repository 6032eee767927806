// `docker import` of the benchmark rootfs tarball into a fresh store: berth's
// importRootfs (one read of the tarball: the layer blob is stored, hashed and
// fsynced while the same bytes are unpacked into the layer's snapshot) against
// umoci, which makes the same one-layer OCI image with `raw add-layer` but
// gzips the layer (0.4.7 has no option not to) and does not unpack; its
// `unpack` is timed after it, so "import then unpack" is the whole job on both
// sides. GNU tar extracting the same tarball is the floor: writing the tree
// with no blob, no digest and no safety checks.
//
//   node --import tsx bench/image-import.ts   (env: see README.md)
import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { importRootfs } from '../src/image/import-rootfs.ts';
import { describeFixture, ensureFixture } from './fixtures.ts';
import {
  type BenchStore,
  header,
  IMAGE_NAME,
  main,
  measure,
  median,
  openStore,
  type Phases,
  phase,
  type Row,
  remove,
  type Side,
  sh,
  tempDir,
  toolVersion,
} from './harness.ts';

export async function benchImport(): Promise<Row[]> {
  const fixture = await ensureFixture();
  const umoci = await toolVersion('umoci');
  // umoci 0.4.7 (Debian 12) cannot be told to store the layer uncompressed; say so if a later one can.
  const addLayerHelp = umoci ? (await sh('umoci', ['raw', 'add-layer', '--help'])).stdout : '';
  const gzipNote = /--compress/.test(addLayerHelp)
    ? 'this umoci has a compression option for add-layer, which the benchmark does not use: it gzips by default'
    : 'umoci always gzips the layer it adds (its add-layer has no option to store it uncompressed)';
  const tar = await toolVersion('tar');
  const work = await tempDir('import');

  let bench: BenchStore | undefined;
  const berth: Side = {
    name: 'berth importRootfs',
    async setup() {
      const root = join(work, 'berth');
      await remove(root);
      await mkdir(root);
      bench = await openStore(root);
    },
    async run() {
      await importRootfs(bench!.store, createReadStream(fixture.tarball), { name: IMAGE_NAME });
    },
    async teardown() {
      bench?.close();
      await remove(join(work, 'berth'));
    },
  };

  const layout = join(work, 'umoci-layout');
  const bundle = join(work, 'umoci-bundle');
  const umociSide: Side = {
    name: 'umoci add-layer + unpack',
    async setup() {
      await remove(layout);
      await remove(bundle);
      await sh('umoci', ['init', '--layout', layout]);
      await sh('umoci', ['new', '--image', `${layout}:bench`]);
    },
    async run(phases: Phases) {
      await phase(phases, 'add-layer', () =>
        sh('umoci', ['raw', 'add-layer', '--image', `${layout}:bench`, fixture.tarball]),
      );
      await phase(phases, 'unpack', () => sh('umoci', ['unpack', '--image', `${layout}:bench`, bundle]));
    },
    async teardown() {
      await remove(layout);
      await remove(bundle);
    },
  };

  const extracted = join(work, 'tar-x');
  const tarSide: Side = {
    name: 'GNU tar -x',
    async setup() {
      await remove(extracted);
      await mkdir(extracted);
    },
    async run() {
      await sh('tar', ['--numeric-owner', '-C', extracted, '-xpf', fixture.tarball]);
    },
    async teardown() {
      await remove(extracted);
    },
  };

  header('image import: a rootfs tarball becomes a one-layer image in a fresh store', [
    describeFixture(fixture),
    `umoci: ${umoci ?? 'not installed'}; tar: ${tar ?? 'not installed'}`,
  ]);
  const sides = [berth, ...(umoci ? [umociSide] : []), ...(tar ? [tarSide] : [])];
  const times = await measure(sides);
  const b = median(times.get(berth.name));
  const skipped = 'umoci is not installed (apt-get install umoci): skipped';
  return [
    {
      operation: 'import: store layer + unpack',
      berth: b,
      reference: median(times.get(umociSide.name)),
      referenceTool: 'umoci raw add-layer, then umoci unpack',
      note: umoci
        ? `the like-for-like row: both end with the layer stored and unpacked. ${gzipNote}; berth stores it ` +
          'as it came, uncompressed. umoci unpack then gunzips it and writes an mtree manifest of the tree ' +
          '(a sha256 of every file)'
        : skipped,
    },
    {
      operation: 'import: store layer only',
      berth: b,
      reference: median(times.get(`${umociSide.name} / add-layer`)),
      referenceTool: 'umoci raw add-layer (gzip)',
      note: umoci
        ? "not like-for-like: berth's figure includes unpacking; umoci's includes gzip of the layer"
        : skipped,
    },
    {
      operation: 'import: floor (extract only)',
      berth: b,
      reference: median(times.get(tarSide.name)),
      referenceTool: 'tar --numeric-owner -xpf',
      note: tar
        ? 'a floor, not a competitor: tar only writes the tree (no blob, no digest, no all-or-nothing)'
        : 'GNU tar is not installed: skipped',
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) await main(benchImport);
