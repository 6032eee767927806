import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { busyboxMissing } from '../../../test/helpers/busybox.ts';
import type { Descriptor, Index } from '../../oci/descriptor.ts';
import { type Digest, digestOf } from '../../oci/digest.ts';
import { MediaType } from '../../oci/media-types.ts';
import { hostPlatform } from '../../oci/platform.ts';
import type { ImageRecord, ImageStore } from '../image-store.ts';
import { loadArchive } from './load.ts';
import { saveImages } from './save.ts';
import {
  addLayeredImage,
  busyboxTarball,
  collect,
  imagesAndTags,
  importBusybox,
  makeTar,
  readTar,
  rewriteTar,
  type TempStore,
  tempStore,
} from './testing/fixtures.ts';

const skip = busyboxMissing();
const skopeoMissing = (() => {
  try {
    execFileSync('skopeo', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'skopeo is not installed (apt-get install skopeo): the OCI archive made by skopeo is not tested';
  }
})();

const zstdMissing = (() => {
  try {
    execFileSync('zstd', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'zstd is not installed (apt-get install zstd): the zstd-compressed archive is not tested';
  }
})();

const hex = (d: string) => d.slice('sha256:'.length);

async function load(store: ImageStore, archive: Buffer | string) {
  const lines: string[] = [];
  const source = typeof archive === 'string' ? createReadStream(archive) : Readable.from([archive]);
  const result = await loadArchive(store, source, { onProgress: (l) => lines.push(l) });
  return { ...result, lines };
}

describe('loadArchive', { skip }, () => {
  let work: string;
  let a: TempStore;
  let busybox: ImageRecord;
  let layered: ImageRecord;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'berth-load-test-'));
    a = await tempStore();
    busybox = await importBusybox(a.store, busyboxTarball(work));
    layered = await addLayeredImage(a.store, busybox, 'hello:1');
  });
  after(() => {
    a?.close();
    for (const t of made) t.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** Stores made by a test, closed when the suite ends (whatever failed). */
  const made: TempStore[] = [];
  const fresh = async () => {
    const t = await tempStore();
    made.push(t);
    return t.store;
  };

  /** The bytes of a blob of store A. */
  const blob = (d: Digest) => a.store.content.readBytes(d, 64 << 20);

  describe('round trip', () => {
    test('save then load into an empty store keeps image IDs, manifest digests and tags', async () => {
      const archive = await collect(saveImages(a.store, ['hello:1', 'busybox:latest']));
      const store = await fresh();
      const { loaded, lines } = await load(store, archive);
      assert.deepEqual(lines, ['Loaded image: hello:1', 'Loaded image: busybox:latest']);
      assert.deepEqual(loaded, [
        { name: 'docker.io/library/hello:1', id: layered.id },
        { name: 'docker.io/library/busybox:latest', id: busybox.id },
      ]);
      for (const orig of [busybox, layered]) {
        const got = store.get(orig.id);
        assert.ok(got, `image ${orig.id} loaded`);
        assert.deepEqual(got.manifest, orig.manifest);
        assert.deepEqual(got.tags, orig.tags);
        assert.equal(got.size, orig.size);
      }
      assert.equal(store.get(layered.id)?.parent, undefined);
      // The layers are unpacked: the top snapshot of the layered image exists.
      const top = await store.topSnapshot(store.get(layered.id)!);
      assert.equal(store.snapshots.stat(top!)?.kind, 'committed');

      // Loading it again changes nothing and says the same.
      const again = await load(store, archive);
      assert.deepEqual(again.lines, lines);
      assert.equal(store.count(), 2);
    });

    test('an image saved by ID loads by ID', async () => {
      const archive = await collect(saveImages(a.store, [busybox.id]));
      const store = await fresh();
      const { loaded, lines } = await load(store, archive);
      assert.deepEqual(lines, [`Loaded image ID: ${busybox.id}`]);
      assert.deepEqual(loaded, [{ id: busybox.id }]);
      assert.deepEqual(store.get(busybox.id)?.tags, []);
      assert.deepEqual(store.get(busybox.id)?.manifest, busybox.manifest);
    });

    test('a loaded tag that names another image here moves, and says so', async () => {
      const store = await fresh();
      await load(store, await collect(saveImages(a.store, ['busybox:latest'])));
      const renamed = await rewriteTar(await collect(saveImages(a.store, ['hello:1'])), (m) => {
        if (m.name === 'manifest.json') return m.data.toString().replace('"hello:1"', '"busybox:latest"');
        if (m.name === 'index.json')
          return m.data.toString().replaceAll('hello:1', 'busybox:latest').replace('"1"', '"latest"');
        return undefined;
      });
      const { lines } = await load(store, renamed);
      assert.deepEqual(lines, [
        `The image busybox:latest already exists, renaming the old one with ID ${busybox.id} to empty string`,
        'Loaded image: busybox:latest',
      ]);
      assert.equal(store.resolve('busybox:latest').id, layered.id);
      assert.deepEqual(store.get(busybox.id)?.tags, []);
    });
  });

  describe('formats', () => {
    test('classic docker-archive (<id>/layer.tar, <id>.json), gzip-compressed, with a shared layer as a symlink', async () => {
      const manifestA = await a.store.readManifest(layered);
      const dir = join(work, 'classic');
      const [v1a, v1b, v1c] = ['a', 'b', 'c'].map((c) => c.repeat(64));
      for (const v of [v1a, v1b, v1c]) {
        mkdirSync(join(dir, v), { recursive: true });
        writeFileSync(join(dir, v, 'VERSION'), '1.0');
        writeFileSync(join(dir, v, 'json'), JSON.stringify({ id: v }));
      }
      writeFileSync(join(dir, v1a, 'layer.tar'), await blob(manifestA.layers[0].digest));
      // Docker's layer.tar is plain, but readers take compressed ones: the manifest says which.
      writeFileSync(join(dir, v1b, 'layer.tar'), await blob(manifestA.layers[1].digest));
      symlinkSync(`../${v1a}/layer.tar`, join(dir, v1c, 'layer.tar'));
      writeFileSync(join(dir, `${hex(layered.id)}.json`), await blob(layered.id));
      writeFileSync(join(dir, `${hex(busybox.id)}.json`), await blob(busybox.id));
      writeFileSync(
        join(dir, 'manifest.json'),
        JSON.stringify([
          {
            Config: `${hex(layered.id)}.json`,
            RepoTags: ['classic:1'],
            Layers: [`${v1a}/layer.tar`, `${v1b}/layer.tar`],
          },
          { Config: `${hex(busybox.id)}.json`, RepoTags: ['classic:base'], Layers: [`${v1c}/layer.tar`] },
        ]),
      );
      writeFileSync(join(dir, 'repositories'), JSON.stringify({ classic: { '1': v1b, base: v1c } }));
      const file = join(work, 'classic.tar.gz');
      execFileSync('tar', ['-czf', file, '-C', dir, '.']);

      const store = await fresh();
      const { lines } = await load(store, file);
      assert.deepEqual(lines, ['Loaded image: classic:1', 'Loaded image: classic:base']);
      assert.deepEqual(
        imagesAndTags(store),
        [
          { id: busybox.id, tags: ['docker.io/library/classic:base'] },
          { id: layered.id, tags: ['docker.io/library/classic:1'] },
        ].sort((x, y) => x.id.localeCompare(y.id)),
      );
      const made = await store.readManifest(store.get(layered.id)!);
      assert.deepEqual(
        made.layers.map((l) => [l.mediaType, l.digest]),
        [
          [MediaType.OciLayer, manifestA.layers[0].digest],
          [MediaType.OciLayerGzip, manifestA.layers[1].digest],
        ],
      );
    });

    test("skopeo's docker-archive (<hex>.tar, <hex>.json, legacy links)", async () => {
      const manifestA = await a.store.readManifest(busybox);
      const config = await a.store.readConfig(busybox);
      const diff = hex(config.rootfs.diff_ids[0]);
      const dir = join(work, 'skopeo-style');
      const v1 = 'd'.repeat(64);
      mkdirSync(join(dir, v1), { recursive: true });
      writeFileSync(join(dir, `${diff}.tar`), await blob(manifestA.layers[0].digest));
      writeFileSync(join(dir, `${hex(busybox.id)}.json`), await blob(busybox.id));
      symlinkSync(`../${diff}.tar`, join(dir, v1, 'layer.tar'));
      writeFileSync(join(dir, v1, 'VERSION'), '1.0');
      writeFileSync(join(dir, v1, 'json'), '{}');
      writeFileSync(
        join(dir, 'manifest.json'),
        JSON.stringify([
          {
            Config: `${hex(busybox.id)}.json`,
            RepoTags: ['example.com/tools/busybox:v1'],
            Layers: [`${diff}.tar`],
          },
        ]),
      );
      writeFileSync(join(dir, 'repositories'), JSON.stringify({ 'example.com/tools/busybox': { v1 } }));
      const file = join(work, 'skopeo-style.tar');
      execFileSync('tar', [
        '-cf',
        file,
        '-C',
        dir,
        'manifest.json',
        'repositories',
        v1,
        `${diff}.tar`,
        `${hex(busybox.id)}.json`,
      ]);

      const store = await fresh();
      const { loaded, lines } = await load(store, file);
      assert.deepEqual(lines, ['Loaded image: example.com/tools/busybox:v1']);
      assert.deepEqual(loaded, [{ name: 'example.com/tools/busybox:v1', id: busybox.id }]);
    });

    test('a zstd-compressed archive', { skip: zstdMissing }, async () => {
      const plain = await collect(saveImages(a.store, ['busybox:latest']));
      const compressed = execFileSync('zstd', ['-q', '-c'], { input: plain, maxBuffer: 64 << 20 });
      assert.deepEqual([...compressed.subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd]);
      const store = await fresh();
      const { lines } = await load(store, compressed);
      assert.deepEqual(lines, ['Loaded image: busybox:latest']);
      assert.deepEqual(store.get(busybox.id)?.manifest, busybox.manifest);
    });

    /** berth's archive reduced to its OCI layout, with index.json replaced. */
    const ociOnly = async (
      names: string[],
      index: (orig: Index) => Index,
      extra: [string, Buffer][] = [],
    ) => {
      const base = await rewriteTar(await collect(saveImages(a.store, names)), (m) => {
        if (m.name === 'manifest.json' || m.name === 'repositories') return null;
        if (m.name === 'index.json') return JSON.stringify(index(JSON.parse(m.data.toString())));
        return undefined;
      });
      if (!extra.length) return base;
      const members = await readTar(base);
      return makeTar([
        ...members.map((m) => ({
          name: m.name,
          type: m.type as 'file' | 'directory',
          data: m.type === 'file' ? m.data : undefined,
        })),
        ...extra.map(([name, data]) => ({ name, data })),
      ]);
    };

    test('OCI layout: a bare tag loads by ID, a whole reference in ref.name names the image', async () => {
      const store = await fresh();
      const bare = await ociOnly(['busybox:latest'], (i) => ({
        ...i,
        manifests: i.manifests.map((d) => ({
          ...d,
          annotations: { 'org.opencontainers.image.ref.name': 'latest' },
        })),
      }));
      const first = await load(store, bare);
      assert.deepEqual(first.lines, [`Loaded image ID: ${busybox.id}`]);
      assert.deepEqual(store.get(busybox.id)?.manifest, busybox.manifest);

      const full = await ociOnly(['busybox:latest'], (i) => ({
        ...i,
        manifests: i.manifests.map((d) => ({
          ...d,
          annotations: { 'org.opencontainers.image.ref.name': 'example.com/x/y:2' },
        })),
      }));
      assert.deepEqual((await load(store, full)).lines, ['Loaded image: example.com/x/y:2']);
      assert.deepEqual(store.get(busybox.id)?.tags, ['example.com/x/y:2']);
    });

    test("OCI layout: a name on an index that holds this platform's manifest", async () => {
      const platform = hostPlatform();
      const inner: Index = {
        schemaVersion: 2,
        mediaType: MediaType.OciIndex,
        manifests: [
          { ...busybox.manifest, platform: { architecture: 'no-such-arch', os: 'linux' } } as Descriptor,
          {
            ...busybox.manifest,
            platform: {
              architecture: platform.architecture,
              os: platform.os,
              ...(platform.variant ? { variant: platform.variant } : {}),
            },
          },
        ],
      };
      const innerBytes = Buffer.from(JSON.stringify(inner));
      const innerDigest = digestOf(innerBytes);
      const archive = await ociOnly(
        ['busybox:latest'],
        (i) => ({
          ...i,
          manifests: [
            {
              mediaType: MediaType.OciIndex,
              digest: innerDigest,
              size: innerBytes.length,
              annotations: { 'io.containerd.image.name': 'docker.io/library/nested:1' },
            },
          ],
        }),
        [[`blobs/sha256/${hex(innerDigest)}`, innerBytes]],
      );
      const store = await fresh();
      const { lines } = await load(store, archive);
      assert.deepEqual(lines, ['Loaded image: nested:1']);
      assert.equal(store.resolve('nested:1').id, busybox.id);
      const tag = store.db
        .prepare('SELECT target_digest AS d FROM tags WHERE name = ?')
        .get('docker.io/library/nested:1') as {
        d: string;
      };
      assert.equal(tag.d, innerDigest);
    });

    test('OCI archive written by skopeo', { skip: skopeoMissing }, async () => {
      const saved = join(work, 'for-skopeo.tar');
      writeFileSync(saved, await collect(saveImages(a.store, ['hello:1'])));
      const oci = join(work, 'skopeo-oci.tar');
      execFileSync('skopeo', ['copy', '--quiet', `docker-archive:${saved}`, `oci-archive:${oci}:hello:1`]);
      const raw = JSON.parse(
        execFileSync('skopeo', ['inspect', '--raw', `oci-archive:${oci}`], { encoding: 'utf8' }),
      );
      const store = await fresh();
      const { loaded } = await load(store, oci);
      assert.deepEqual(loaded, [{ name: 'docker.io/library/hello:1', id: raw.config.digest }]);
      // skopeo re-encodes the config while converting to OCI; a Go-canonical config keeps its digest.
      assert.equal(raw.config.digest, layered.id);
    });
  });
});
