// A load on an overlay store unpacks each layer while it stores it, before the
// archive says where the layer goes (load.ts, unpack.ts stageLayer); the layer is
// committed onto its parent afterwards. Checked here with a layer that is not the
// first and deletes a file of the one below: the chain's parents are right, the
// mounted image shows the deletion and the new file, and nothing is left over.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  createReadStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { digestOf } from '../../oci/digest.ts';
import { openDatabase } from '../../util/sqlite.ts';
import { chainIds } from '../chain-id.ts';
import type { ImageStore } from '../image-store.ts';
import { openImageStore } from '../open.ts';
import { loadArchive } from './load.ts';
import { makeTar } from './testing/fixtures.ts';

const skip = process.getuid?.() !== 0 ? 'needs root (overlayfs mounts)' : undefined;
const hex = (d: string) => d.slice('sha256:'.length);

describe('loadArchive on overlay: layers unpacked as they are stored', { skip }, () => {
  let work: string;
  let store: ImageStore;
  let close: () => void;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'berth-load-staged-'));
    const db = openDatabase(join(work, 'berth.db'));
    store = (await openImageStore({ root: join(work, 'root'), db, driver: 'overlay' })).store;
    close = () => db.close();
  });
  after(() => {
    close?.();
    rmSync(work, { recursive: true, force: true });
  });

  test('a later layer with a whiteout lands on its parent; the image reads as it should', async () => {
    const big = randomBytes(200 * 1024);
    const base = await makeTar([
      { name: 'keep.txt', data: 'kept\n' },
      { name: 'gone.txt', data: 'deleted by the next layer\n' },
      { name: 'pad.bin', data: randomBytes(100 * 1024) },
    ]);
    const top = await makeTar([
      { name: '.wh.gone.txt', data: '' },
      { name: 'big.bin', data: big },
    ]);
    const config = {
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [digestOf(base), digestOf(top)] },
      config: {},
    };
    const configBytes = Buffer.from(JSON.stringify(config));
    // A docker-archive as skopeo writes it: the layers first, manifest.json last.
    const dir = join(work, 'archive');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${hex(digestOf(base))}.tar`), base);
    writeFileSync(join(dir, `${hex(digestOf(top))}.tar`), top);
    writeFileSync(join(dir, `${hex(digestOf(configBytes))}.json`), configBytes);
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify([
        {
          Config: `${hex(digestOf(configBytes))}.json`,
          RepoTags: ['staged:1'],
          Layers: [`${hex(digestOf(base))}.tar`, `${hex(digestOf(top))}.tar`],
        },
      ]),
    );
    const file = join(work, 'archive.tar');
    execFileSync('tar', [
      '-cf',
      file,
      '-C',
      dir,
      `${hex(digestOf(base))}.tar`,
      `${hex(digestOf(top))}.tar`,
      `${hex(digestOf(configBytes))}.json`,
      'manifest.json',
    ]);

    const { loaded } = await loadArchive(store, createReadStream(file));
    assert.equal(loaded.length, 1);
    const [c0, c1] = chainIds([digestOf(base), digestOf(top)]);
    assert.equal(store.snapshots.stat(c0)?.kind, 'committed');
    assert.equal(store.snapshots.stat(c0)?.parent, undefined);
    assert.equal(store.snapshots.stat(c1)?.kind, 'committed');
    assert.equal(store.snapshots.stat(c1)?.parent, c0, 'the staged layer was committed onto its parent');
    assert.deepEqual(
      store.snapshots.list().filter((s) => s.kind !== 'committed'),
      [],
      'no staged snapshot is left',
    );

    // The image as a container would see it.
    await store.snapshots.view('test-view', c1);
    const mnt = join(work, 'mnt');
    mkdirSync(mnt, { recursive: true });
    const [m] = await store.snapshots.mounts('test-view');
    execFileSync('mount', [
      '-t',
      m.type,
      m.source,
      mnt,
      ...(m.options.length ? ['-o', m.options.join(',')] : []),
    ]);
    try {
      assert.deepEqual(readdirSync(mnt).sort(), ['big.bin', 'keep.txt', 'pad.bin']);
      assert.equal(readFileSync(join(mnt, 'keep.txt'), 'utf8'), 'kept\n');
      assert.ok(readFileSync(join(mnt, 'big.bin')).equals(big));
    } finally {
      execFileSync('umount', [mnt]);
      await store.snapshots.remove('test-view');
    }
  });
});
