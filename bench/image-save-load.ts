// `docker save` and `docker load` of the benchmark image: berth's saveImages
// (one tar that is both a docker-archive and an OCI image layout) to a file,
// and loadArchive from a file into a fresh store, against skopeo copying
// between an OCI layout (berth's own store, read directly) and docker-archive
// or oci-archive files.
//
// berth's load also unpacks the layers (an image in berth's store is ready to
// run); skopeo's copy to an OCI layout does not. So load is measured twice on
// berth's side: the whole loadArchive, and the load without unpacking
// (extractArchive + planLoad: every blob streamed into the content store and
// verified, the documents checked; no layer unpacked, no image recorded),
// which is the like-for-like figure. skopeo gzips layers it writes into an OCI
// layout unless given --dest-oci-accept-uncompressed-layers; berth stores them
// as they come, so the flag gives the like-for-like copy, and the default is
// shown too.
//
// Both sides load the same archive files, the ones the save runs left: a
// docker-archive and an oci-archive (layer as is) written by skopeo, or
// berth's own archive when skopeo is missing. skopeo gzips layers it writes to
// oci-archive too, unless told not to; both are timed.
//
//   node --import tsx bench/image-save-load.ts   (env: see README.md)
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extractArchive } from '../src/image/archive/extract-archive.ts';
import { loadArchive } from '../src/image/archive/load.ts';
import { planLoad } from '../src/image/archive/load-plan.ts';
import { saveImages } from '../src/image/archive/save.ts';
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
  type Row,
  remove,
  type Side,
  sh,
  tempDir,
  toolVersion,
} from './harness.ts';

const UNCOMPRESSED = '--dest-oci-accept-uncompressed-layers';

export async function benchSaveLoad(): Promise<Row[]> {
  const fixture = await ensureFixture();
  const skopeo = await toolVersion('skopeo');
  const work = await tempDir('save-load');
  const sourceRoot = join(work, 'source');
  await mkdir(sourceRoot);
  const source = await openStore(sourceRoot);
  try {
    const image = await importRootfs(source.store, createReadStream(fixture.tarball), { name: IMAGE_NAME });
    const [ref] = image.tags;
    const layout = join(sourceRoot, 'content');
    const skopeoCopy = (from: string, to: string, ...flags: string[]) =>
      sh('skopeo', ['copy', '--quiet', ...flags, from, to]);

    // ---- save ----
    const berthArchive = join(work, 'berth-save.tar');
    const berthSave: Side = {
      name: 'berth saveImages',
      setup: () => remove(berthArchive),
      async run() {
        await pipeline(saveImages(source.store, [IMAGE_NAME]), createWriteStream(berthArchive));
      },
    };
    const skopeoDockerArchive = join(work, 'skopeo-docker.tar');
    const skopeoSaveDocker: Side = {
      name: 'skopeo oci: docker-archive:',
      setup: () => remove(skopeoDockerArchive),
      async run() {
        await skopeoCopy(`oci:${layout}:${ref}`, `docker-archive:${skopeoDockerArchive}:${IMAGE_NAME}`);
      },
    };
    const skopeoOciArchive = join(work, 'skopeo-oci.tar');
    const skopeoSaveOci: Side = {
      name: 'skopeo oci: oci-archive: (as is)',
      setup: () => remove(skopeoOciArchive),
      async run() {
        await skopeoCopy(`oci:${layout}:${ref}`, `oci-archive:${skopeoOciArchive}:${ref}`, UNCOMPRESSED);
      },
    };
    const skopeoOciGzipArchive = join(work, 'skopeo-oci-gzip.tar');
    const skopeoSaveOciGzip: Side = {
      name: 'skopeo oci: oci-archive: (gzip)',
      setup: () => remove(skopeoOciGzipArchive),
      async run() {
        await skopeoCopy(`oci:${layout}:${ref}`, `oci-archive:${skopeoOciGzipArchive}:${ref}`);
      },
      teardown: () => remove(skopeoOciGzipArchive),
    };

    header('image save and load: archive files to and from the store', [
      describeFixture(fixture),
      `skopeo: ${skopeo ?? 'not installed'}; skopeo reads and writes berth's store directly: oci:${layout}:${ref}`,
    ]);
    console.log('  -- save --');
    const saveTimes = await measure([
      berthSave,
      ...(skopeo ? [skopeoSaveDocker, skopeoSaveOci, skopeoSaveOciGzip] : []),
    ]);

    // The load inputs: the last save's files stay.
    const dockerInput = skopeo ? skopeoDockerArchive : berthArchive;
    const ociInput = skopeo ? skopeoOciArchive : berthArchive;
    console.log(`  -- load (inputs: ${dockerInput}${skopeo ? `, ${ociInput}` : ''}) --`);

    let fresh: BenchStore | undefined;
    const freshRoot = join(work, 'fresh');
    const freshStore = async () => {
      await remove(freshRoot);
      await mkdir(freshRoot);
      fresh = await openStore(freshRoot);
    };
    const dropStore = async () => {
      fresh?.close();
      fresh = undefined;
      await remove(freshRoot);
    };
    const berthLoad = (name: string, input: string): Side => ({
      name,
      setup: freshStore,
      async run() {
        await loadArchive(fresh!.store, createReadStream(input));
      },
      teardown: dropStore,
    });
    const berthLoadDocker = berthLoad('berth loadArchive docker-archive', dockerInput);
    const berthLoadOci = berthLoad('berth loadArchive oci-archive', ociInput);
    const berthLoadNoUnpack: Side = {
      name: 'berth load without unpack',
      setup: freshStore,
      async run() {
        const lease = fresh!.store.leases.take();
        try {
          const archive = await extractArchive(fresh!.store.content, createReadStream(dockerInput), lease);
          await planLoad(fresh!.store, archive, lease);
        } finally {
          lease.release();
        }
      },
      teardown: dropStore,
    };
    const destLayout = join(work, 'skopeo-dest');
    const skopeoLoad = (name: string, from: string, ...flags: string[]): Side => ({
      name,
      setup: () => remove(destLayout),
      async run() {
        await skopeoCopy(from, `oci:${destLayout}:${ref}`, ...flags);
      },
      teardown: () => remove(destLayout),
    });
    const skopeoLoadDocker = skopeoLoad(
      'skopeo docker-archive: oci: (as is)',
      `docker-archive:${dockerInput}`,
      UNCOMPRESSED,
    );
    const skopeoLoadDockerGzip = skopeoLoad(
      'skopeo docker-archive: oci: (gzip)',
      `docker-archive:${dockerInput}`,
    );
    const skopeoLoadOci = skopeoLoad(
      'skopeo oci-archive: oci: (as is)',
      `oci-archive:${ociInput}`,
      UNCOMPRESSED,
    );

    const loadTimes = await measure([
      berthLoadDocker,
      berthLoadNoUnpack,
      ...(skopeo ? [skopeoLoadDocker, skopeoLoadDockerGzip, berthLoadOci, skopeoLoadOci] : []),
    ]);

    const skipped = 'skopeo is not installed (apt-get install skopeo): skipped';
    const save = median(saveTimes.get(berthSave.name));
    const load = median(loadTimes.get(berthLoadDocker.name));
    const loadOnly = median(loadTimes.get(berthLoadNoUnpack.name));
    const sk = (side: Side, times: Map<string, number[]>) => median(times.get(side.name));
    return [
      {
        operation: 'save: docker-archive',
        berth: save,
        reference: sk(skopeoSaveDocker, saveTimes),
        referenceTool: 'skopeo copy oci:<store> docker-archive:',
        note: skopeo ? undefined : skipped,
      },
      {
        operation: 'save: oci-archive',
        berth: save,
        reference: sk(skopeoSaveOci, saveTimes),
        referenceTool: `skopeo copy oci:<store> oci-archive: ${UNCOMPRESSED}`,
        note: skopeo
          ? "berth's one archive is both a docker-archive and an OCI layout: the same berth figure. " +
            'skopeo writes the layer as it is only when told to (the like-for-like row)'
          : skipped,
      },
      {
        operation: 'save: oci-archive, skopeo gzips',
        berth: save,
        reference: sk(skopeoSaveOciGzip, saveTimes),
        referenceTool: 'skopeo copy oci:<store> oci-archive:',
        note: skopeo
          ? "skopeo's default gzips the layer into the archive; berth writes it as stored"
          : skipped,
      },
      {
        operation: 'load: docker-archive, no unpack',
        berth: loadOnly,
        reference: sk(skopeoLoadDocker, loadTimes),
        referenceTool: `skopeo copy docker-archive: oci: ${UNCOMPRESSED}`,
        note: skopeo
          ? 'the like-for-like row: blobs stored as they are, verified, nothing unpacked (berth: extractArchive + planLoad)'
          : skipped,
      },
      {
        operation: 'load: docker-archive',
        berth: load,
        reference: sk(skopeoLoadDocker, loadTimes),
        referenceTool: `skopeo copy docker-archive: oci: ${UNCOMPRESSED}`,
        note: skopeo ? "berth's load also unpacks the layer (ready to run); skopeo's does not" : skipped,
      },
      {
        operation: 'load: docker-archive, skopeo gzips',
        berth: load,
        reference: sk(skopeoLoadDockerGzip, loadTimes),
        referenceTool: 'skopeo copy docker-archive: oci:',
        note: skopeo
          ? "skopeo's default: it gzips the layer into the layout (berth stores it as it came, and unpacks it)"
          : skipped,
      },
      {
        operation: 'load: oci-archive',
        berth: median(loadTimes.get(berthLoadOci.name)),
        reference: sk(skopeoLoadOci, loadTimes),
        referenceTool: `skopeo copy oci-archive: oci: ${UNCOMPRESSED}`,
        note: skopeo
          ? "berth's load also unpacks; skopeo extracts the archive to a temp dir, then copies"
          : skipped,
      },
    ];
  } finally {
    source.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main(benchSaveLoad);
