// Every refused archive leaves the store as it was: no image, no tag, no blob
// and no unpacked layer more than before.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { busyboxMissing } from '../../../test/helpers/busybox.ts';
import type { ImageConfig, Manifest } from '../../oci/descriptor.ts';
import { type Digest, digestOf } from '../../oci/digest.ts';
import { MediaType } from '../../oci/media-types.ts';
import { type ErrorCode, isBerthError } from '../../util/errors.ts';
import type { ImageRecord } from '../image-store.ts';
import { loadArchive } from './load.ts';
import { saveImages } from './save.ts';
import {
  addLayeredImage,
  blobDigests,
  busyboxTarball,
  collect,
  imagesAndTags,
  importBusybox,
  makeTar,
  rewriteTar,
  type TarMember,
  type TempStore,
  tempStore,
} from './testing/fixtures.ts';

const skip = busyboxMissing();
const hex = (d: string) => d.slice('sha256:'.length);

describe('loadArchive refuses bad archives and changes nothing', { skip }, () => {
  let work: string;
  let a: TempStore;
  let b: TempStore;
  let busybox: ImageRecord;
  let layered: ImageRecord;
  /** berth's archive of hello:1 (whose base layer the target store already has). */
  let good: Buffer;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'berth-bad-archive-test-'));
    a = await tempStore();
    busybox = await importBusybox(a.store, busyboxTarball(work));
    layered = await addLayeredImage(a.store, busybox, 'hello:1');
    good = await collect(saveImages(a.store, ['hello:1']));
    b = await tempStore();
    await loadArchive(b.store, Readable.from([await collect(saveImages(a.store, ['busybox:latest']))]));
  });
  after(() => {
    a?.close();
    b?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const blob = (d: Digest) => a.store.content.readBytes(d, 64 << 20);

  /** Load `archive` into B, expect it refused with `code` and a message matching `message`, and B unchanged. */
  async function refused(archive: Buffer, code: ErrorCode, message: RegExp) {
    const before = { images: imagesAndTags(b.store), blobs: await blobDigests(b.store), snaps: snapshots() };
    await assert.rejects(loadArchive(b.store, Readable.from([archive])), (err: unknown) => {
      assert.ok(isBerthError(err, code), `want ${code}, got ${err}`);
      assert.match((err as Error).message, message);
      return true;
    });
    assert.deepEqual(imagesAndTags(b.store), before.images, 'no image or tag was created');
    assert.deepEqual(await blobDigests(b.store), before.blobs, 'what the archive left was collected');
    assert.deepEqual(snapshots(), before.snaps, 'no unpacked layer was left');
  }
  const snapshots = () =>
    b.store.snapshots
      .list()
      .map((s) => s.name)
      .sort();

  /** A docker-archive made of store A's blobs, with the given manifest.json. */
  async function classic(manifest: unknown, extra: TarMember[] = []) {
    const m = await a.store.readManifest(layered);
    return makeTar([
      { name: `${hex(layered.id)}.json`, data: await blob(layered.id) },
      { name: 'l0/layer.tar', data: await blob(m.layers[0].digest) },
      { name: 'l1/layer.tar', data: await blob(m.layers[1].digest) },
      ...extra,
      { name: 'manifest.json', data: typeof manifest === 'string' ? manifest : JSON.stringify(manifest) },
    ]);
  }

  /** An OCI layout holding one manifest (and the blobs given), named hello:bad. */
  async function oci(manifest: Manifest, blobs: Buffer[]) {
    const bytes = Buffer.from(JSON.stringify(manifest));
    const d = digestOf(bytes);
    return makeTar([
      { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
      ...[...blobs, bytes].map((data) => ({ name: `blobs/sha256/${hex(digestOf(data))}`, data })),
      {
        name: 'index.json',
        data: JSON.stringify({
          schemaVersion: 2,
          manifests: [
            {
              mediaType: MediaType.OciManifest,
              digest: d,
              size: bytes.length,
              annotations: { 'io.containerd.image.name': 'docker.io/library/hello:bad' },
            },
          ],
        }),
      },
    ]);
  }

  test('a member that climbs out with ..', async () => {
    await refused(await makeTar([{ name: '../x', data: 'x' }]), 'InvalidArgument', /"\.\.\/x" climbs out/);
    await refused(await makeTar([{ name: 'a/../../x', data: 'x' }]), 'InvalidArgument', /climbs out/);
    await refused(await makeTar([{ name: '/etc/x', data: 'x' }]), 'InvalidArgument', /absolute path/);
  });

  test('a blob whose content does not match its name', async () => {
    const m = await a.store.readManifest(layered);
    for (const layer of m.layers) {
      // The base layer is in the store already (checked without writing); the top one is new.
      const name = `blobs/sha256/${hex(layer.digest)}`;
      const tampered = await rewriteTar(good, (x) => {
        if (x.name !== name) return undefined;
        const data = Buffer.from(x.data);
        data[data.length - 1] ^= 0xff;
        return data;
      });
      await refused(
        tampered,
        'DigestMismatch',
        new RegExp(`archive member ${name} does not hash to the digest its name says`),
      );
    }
  });

  test('manifest.json naming a layer that is not in the archive', async () => {
    const archive = await classic([
      {
        Config: `${hex(layered.id)}.json`,
        RepoTags: ['hello:bad'],
        Layers: ['l0/layer.tar', 'l2/layer.tar'],
      },
    ]);
    await refused(
      archive,
      'InvalidArgument',
      /manifest\.json: \[0\]\.Layers\[1\]: "l2\/layer\.tar" is not in the archive/,
    );
  });

  test('a link that points outside the archive', async () => {
    const archive = await classic(
      [
        {
          Config: `${hex(layered.id)}.json`,
          RepoTags: ['hello:bad'],
          Layers: ['l0/layer.tar', 'l3/layer.tar'],
        },
      ],
      [{ name: 'l3/layer.tar', type: 'symlink', linkname: '../../etc/passwd' }],
    );
    await refused(archive, 'InvalidArgument', /"l3\/layer\.tar" is a link that points outside the archive/);
  });

  test('invalid JSON in manifest.json, index.json or a manifest; wrong shapes', async () => {
    await refused(await classic('[{"Config": '), 'InvalidArgument', /manifest\.json is not valid JSON/);
    await refused(
      await classic([{ Config: 1, Layers: [] }]),
      'InvalidArgument',
      /manifest\.json: \[0\]\.Config: want a string/,
    );
    await refused(
      await classic([
        {
          Config: `${hex(layered.id)}.json`,
          RepoTags: ['Not A Tag'],
          Layers: ['l0/layer.tar', 'l1/layer.tar'],
        },
      ]),
      'InvalidArgument',
      /RepoTags\[0\]/,
    );
    const badIndex = await rewriteTar(good, (x) =>
      x.name === 'index.json' ? '{"schemaVersion":2,' : undefined,
    );
    await refused(badIndex, 'InvalidArgument', /index\.json is not valid JSON/);
    await refused(await oci({ schemaVersion: 2 } as unknown as Manifest, []), 'InvalidArgument', /manifest/);
  });

  test('a truncated archive, and bytes that are no archive at all', async () => {
    await refused(
      good.subarray(0, Math.floor(good.length * 0.6)),
      'InvalidArgument',
      /could not be read.*truncated/,
    );
    await refused(good.subarray(0, 700), 'InvalidArgument', /could not be read/);
    await refused(
      Buffer.from('this is not a tar file at all, not even close'.repeat(40)),
      'InvalidArgument',
      /could not be read/,
    );
    await refused(Buffer.alloc(0), 'InvalidArgument', /neither manifest\.json nor index\.json/);
    await refused(
      await makeTar([{ name: 'manifest.json', data: '[]' }]),
      'InvalidArgument',
      /holds no image/,
    );
  });

  test('a layer with an unknown media type', async () => {
    const m = await a.store.readManifest(layered);
    const manifest: Manifest = {
      ...m,
      layers: [m.layers[0], { ...m.layers[1], mediaType: 'application/vnd.example.layer.v1+rar' }],
    };
    const archive = await oci(manifest, [
      await blob(layered.id),
      await blob(m.layers[0].digest),
      await blob(m.layers[1].digest),
    ]);
    await refused(
      archive,
      'InvalidArgument',
      /layer 1 has unknown media type "application\/vnd\.example\.layer\.v1\+rar"/,
    );
  });

  test('a layer whose content is not what the config says (diff ID); the good image beside it is not recorded either', async () => {
    const m = await a.store.readManifest(layered);
    const config = JSON.parse((await blob(layered.id)).toString()) as ImageConfig;
    config.rootfs.diff_ids[1] = digestOf('something else');
    const configBytes = Buffer.from(JSON.stringify(config));
    const bad = await classic(
      [
        {
          Config: `${hex(layered.id)}.json`,
          RepoTags: ['hello:good'],
          Layers: ['l0/layer.tar', 'l1/layer.tar'],
        },
        { Config: 'bad.json', RepoTags: ['hello:bad'], Layers: ['l0/layer.tar', 'l1/layer.tar'] },
      ],
      [{ name: 'bad.json', data: configBytes }],
    );
    assert.equal(m.layers.length, 2);
    await refused(bad, 'DigestMismatch', /diff ID|uncompressed digest/);
  });

  test('a device or fifo member, and a document over the size limit', async () => {
    await refused(await makeTar([{ name: 'fifo', type: 'fifo' }]), 'InvalidArgument', /is a fifo/);
    const huge = Buffer.alloc(9 << 20, 0x20);
    await refused(
      await makeTar([{ name: 'manifest.json', data: huge }]),
      'InvalidArgument',
      /manifest\.json is larger than 8 MiB/,
    );
  });
});
