// Where berth's import time goes: the phases of importRootfs timed one by one
// on the benchmark tarball, in turns like the other benchmarks, with GNU tar's
// extraction of the same tarball as the floor for the apply phase. Not part of
// run-all's summary (there is no reference tool for a phase); run it when a
// figure there needs explaining.
//
//   node --import tsx bench/berth-phases.ts   (env: see README.md)
import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { importRootfs } from '../src/image/import-rootfs.ts';
import { applyLayer } from '../src/layer/index.ts';
import { Digester } from '../src/oci/digest.ts';
import { describeFixture, ensureFixture } from './fixtures.ts';
import {
  type BenchStore,
  cleanUpOnSignal,
  cleanup,
  header,
  IMAGE_NAME,
  loadLine,
  measure,
  median,
  openStore,
  RUNS,
  remove,
  type Side,
  sh,
  tempDir,
} from './harness.ts';
import { prepareWorkFs } from './work-dir.ts';

const discard = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });

async function phases(): Promise<void> {
  const fixture = await ensureFixture();
  const where = await prepareWorkFs();
  const work = await tempDir('phases');
  const root = join(work, 'store');
  const tree = join(work, 'tree');
  let bench: BenchStore | undefined;
  const freshStore = async () => {
    await remove(root);
    await mkdir(root);
    bench = await openStore(root);
  };
  const dropStore = async () => {
    bench?.close();
    await remove(root);
  };
  const freshTree = async () => {
    await remove(tree);
    await mkdir(tree);
  };
  let n = 0;
  const sides: Side[] = [
    {
      name: '1 read the tarball',
      run: () => pipeline(createReadStream(fixture.tarball), discard()),
    },
    {
      name: '2 read + sha256',
      run: () => pipeline(createReadStream(fixture.tarball), new Digester(), discard()),
    },
    {
      name: '3 blob: ingest + commit (fsync)',
      setup: freshStore,
      async run() {
        const ingest = await bench!.store.content.ingest(`phase-${n++}`);
        await ingest.write(createReadStream(fixture.tarball));
        await ingest.commit({});
      },
      teardown: dropStore,
    },
    {
      name: '4 applyLayer into a directory',
      setup: freshTree,
      async run() {
        await applyLayer(createReadStream(fixture.tarball), tree, { whiteouts: 'overlay' });
      },
      teardown: () => remove(tree),
    },
    {
      name: '5 importRootfs (3 and 4 at once)',
      setup: freshStore,
      async run() {
        await importRootfs(bench!.store, createReadStream(fixture.tarball), { name: IMAGE_NAME });
      },
      teardown: dropStore,
    },
    {
      name: 'floor: GNU tar -x',
      setup: freshTree,
      run: async () => {
        await sh('tar', ['--numeric-owner', '-C', tree, '-xpf', fixture.tarball]);
      },
      teardown: () => remove(tree),
    },
  ];
  header("berth's import, phase by phase", [describeFixture(fixture), where]);
  const times = await measure(sides);
  console.log(`   at the end: ${loadLine()}\n`);
  const width = Math.max(...sides.map((s) => s.name.length));
  console.log(`${'phase'.padEnd(width)}  median s  (of ${RUNS})`);
  for (const s of sides)
    console.log(`${s.name.padEnd(width)}  ${median(times.get(s.name))!.toFixed(2).padStart(8)}`);
}

cleanUpOnSignal();
try {
  await phases();
} finally {
  await cleanup();
}
