import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { busyboxMissing } from '../../../test/helpers/busybox.ts';
import type { Index } from '../../oci/descriptor.ts';
import { isBerthError } from '../../util/errors.ts';
import type { ImageRecord } from '../image-store.ts';
import type { DockerArchiveItem } from './docker-manifest.ts';
import { saveImages } from './save.ts';
import {
  addLayeredImage,
  busyboxTarball,
  collect,
  importBusybox,
  type ReadMember,
  readTar,
  sha256,
  type TempStore,
  tempStore,
} from './testing/fixtures.ts';

const skip = busyboxMissing();

const hex = (d: string) => d.slice('sha256:'.length);
const json = (members: ReadMember[], name: string) => {
  const m = members.find((x) => x.name === name);
  assert.ok(m, `archive has ${name}`);
  return JSON.parse(m.data.toString('utf8'));
};

describe('saveImages', { skip }, () => {
  let work: string;
  let t: TempStore;
  let busybox: ImageRecord;
  let layered: ImageRecord;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'berth-save-test-'));
    t = await tempStore();
    busybox = await importBusybox(t.store, busyboxTarball(work));
    layered = await addLayeredImage(t.store, busybox, 'hello:1');
  });
  after(() => {
    t?.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('writes a Docker 25+ archive: blobs, oci-layout, index.json, manifest.json, repositories', async () => {
    const members = await readTar(await collect(saveImages(t.store, ['busybox:latest'])));
    const manifest = await t.store.readManifest(busybox);
    const layer = manifest.layers[0];
    const blobNames = [busybox.manifest.digest, busybox.id, layer.digest]
      .map((d) => `blobs/sha256/${hex(d)}`)
      .sort();
    assert.deepEqual(
      members.map((m) => m.name),
      ['blobs/', 'blobs/sha256/', ...blobNames, 'index.json', 'manifest.json', 'oci-layout', 'repositories'],
    );
    for (const m of members) {
      assert.equal(m.mtime.getTime(), 0, `${m.name} has the epoch as mtime`);
      if (m.name.startsWith('blobs/sha256/') && m.type === 'file')
        assert.equal(sha256(m.data), m.name.slice(13));
    }
    assert.deepEqual(json(members, 'oci-layout'), { imageLayoutVersion: '1.0.0' });
    const index = json(members, 'index.json') as Index;
    assert.equal(index.schemaVersion, 2);
    assert.equal(index.manifests.length, 1);
    assert.equal(index.manifests[0].digest, busybox.manifest.digest);
    assert.equal(index.manifests[0].size, busybox.manifest.size);
    assert.deepEqual(index.manifests[0].annotations, {
      'io.containerd.image.name': 'docker.io/library/busybox:latest',
      'org.opencontainers.image.ref.name': 'latest',
    });
    const items = json(members, 'manifest.json') as DockerArchiveItem[];
    assert.deepEqual(items, [
      {
        Config: `blobs/sha256/${hex(busybox.id)}`,
        RepoTags: ['busybox:latest'],
        Layers: [`blobs/sha256/${hex(layer.digest)}`],
      },
    ]);
    assert.deepEqual(json(members, 'repositories'), { busybox: { latest: hex(layer.digest) } });
  });

  test('the same images give the same bytes', async () => {
    const a = await collect(saveImages(t.store, ['busybox', 'hello:1']));
    const b = await collect(saveImages(t.store, ['busybox', 'hello:1']));
    assert.equal(sha256(a), sha256(b));
  });

  test('saving by ID writes no tags and no repositories file', async () => {
    for (const name of [busybox.id, hex(busybox.id), hex(busybox.id).slice(0, 12)]) {
      const members = await readTar(await collect(saveImages(t.store, [name])));
      const items = json(members, 'manifest.json') as DockerArchiveItem[];
      assert.equal(items.length, 1);
      assert.equal(items[0].RepoTags, null, `RepoTags of ${name}`);
      const index = json(members, 'index.json') as Index;
      assert.equal(index.manifests.length, 1);
      assert.equal(index.manifests[0].annotations, undefined);
      assert.ok(!members.some((m) => m.name === 'repositories'));
    }
  });

  test('two images that share a layer write that blob once, and the parent link is kept only within the archive', async () => {
    const members = await readTar(await collect(saveImages(t.store, ['hello:1', 'busybox:latest'])));
    const shared = `blobs/sha256/${hex((await t.store.readManifest(busybox)).layers[0].digest)}`;
    assert.equal(members.filter((m) => m.name === shared).length, 1);
    const names = members.map((m) => m.name);
    assert.equal(new Set(names).size, names.length, 'no member twice');
    const items = json(members, 'manifest.json') as DockerArchiveItem[];
    assert.deepEqual(
      items.map((i) => i.RepoTags),
      [['hello:1'], ['busybox:latest']],
    );
    assert.equal(items[0].Layers[0], shared);
    assert.equal(items[0].Layers.length, 2);
    for (const path of [...items.flatMap((i) => i.Layers), ...items.map((i) => i.Config)]) {
      assert.ok(names.includes(path), `${path} is in the archive`);
    }
    assert.equal((json(members, 'index.json') as Index).manifests.length, 2);
    assert.ok(layered.id);
  });

  test('a repository name without a tag saves every tag of it', async () => {
    await t.store.tag('busybox:latest', 'busybox:1.0');
    await t.store.tag('hello:1', 'busybox:hello');
    try {
      const members = await readTar(await collect(saveImages(t.store, ['busybox'])));
      const items = json(members, 'manifest.json') as DockerArchiveItem[];
      const tags = items.map((i) => i.RepoTags).sort();
      assert.deepEqual(tags, [['busybox:1.0', 'busybox:latest'], ['busybox:hello']]);
      assert.deepEqual(
        json(members, 'repositories').busybox && Object.keys(json(members, 'repositories').busybox),
        ['1.0', 'hello', 'latest'],
      );
      const index = json(members, 'index.json') as Index;
      assert.equal(index.manifests.length, 3);
    } finally {
      await t.store.remove('busybox:1.0');
      await t.store.remove('busybox:hello');
    }
  });

  test('unknown names are NotFound before any stream exists', () => {
    for (const names of [
      ['nosuch:latest'],
      ['busybox:latest', 'nosuch'],
      ['busybox:2.0'],
      ['sha256:' + '0'.repeat(64)],
    ]) {
      assert.throws(
        () => saveImages(t.store, names),
        (err: unknown) => isBerthError(err, 'NotFound') && /^No such image: /.test((err as Error).message),
        names.join(' '),
      );
    }
  });
});
