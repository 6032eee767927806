// Other tools read the store as a plain OCI image layout: skopeo (and umoci,
// where installed) open an image that berth wrote, by the ref name in index.json.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ImageConfig, Manifest } from '../oci/descriptor.ts';
import { ANNOTATION_REF_NAME } from '../oci/descriptor.ts';
import { digestOf } from '../oci/digest.ts';
import { MediaType } from '../oci/media-types.ts';
import { FsContentStore } from './fs-content-store.ts';

const has = (tool: string) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
const REF_NAME = 'docker.io/library/tiny:latest';

let tmp: string;
let store: FsContentStore;
let manifestBytes: Buffer;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'berth-interop-'));
  store = await FsContentStore.open({ root: join(tmp, 'root') });

  // A one-file layer made by the tar command, as any image builder would.
  const files = join(tmp, 'files');
  await mkdir(files);
  await writeFile(join(files, 'hello.txt'), 'hello from berth\n');
  const layer = execFileSync('tar', ['-C', files, '--owner=0', '--group=0', '-cf', '-', 'hello.txt']);
  const layerInfo = await store.put(layer, { digest: digestOf(layer), size: layer.length });

  const config: ImageConfig = {
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: [layerInfo.digest] },
  };
  const configInfo = await store.put(JSON.stringify(config));

  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, ...configInfo },
    layers: [{ mediaType: MediaType.OciLayer, ...layerInfo }],
  };
  manifestBytes = Buffer.from(JSON.stringify(manifest));
  const manifestInfo = await store.put(manifestBytes);
  await store.writeIndex([
    { mediaType: MediaType.OciManifest, ...manifestInfo, annotations: { [ANNOTATION_REF_NAME]: REF_NAME } },
  ]);
});

after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

test('skopeo reads an image from the store by its ref name', {
  skip: !has('skopeo') && 'skopeo is not installed',
}, () => {
  const raw = execFileSync('skopeo', ['inspect', '--raw', `oci:${store.root}:${REF_NAME}`]);
  assert.deepEqual(raw, manifestBytes);
  // Without --raw skopeo also opens the config blob.
  const inspected = JSON.parse(
    execFileSync('skopeo', ['inspect', `oci:${store.root}:${REF_NAME}`]).toString(),
  );
  assert.equal(inspected.Architecture, 'amd64');
  assert.equal(inspected.Os, 'linux');
  // A copy reads every blob and checks its digest (skopeo may compress the layer on the way).
  const copy = join(tmp, 'copy');
  execFileSync('skopeo', ['copy', '--quiet', `oci:${store.root}:${REF_NAME}`, `oci:${copy}:tiny`]);
  const copied = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', `oci:${copy}:tiny`]).toString());
  const ours = JSON.parse(manifestBytes.toString());
  assert.equal(copied.config.digest, ours.config.digest);
  assert.equal(copied.layers.length, 1);
});

test('umoci lists and unpacks the image', { skip: !has('umoci') && 'umoci is not installed' }, async () => {
  const tags = execFileSync('umoci', ['ls', '--layout', store.root]).toString().split('\n').filter(Boolean);
  assert.deepEqual(tags, [REF_NAME]);
  const bundle = join(tmp, 'bundle');
  execFileSync('umoci', ['unpack', '--image', `${store.root}:${REF_NAME}`, bundle], { stdio: 'pipe' });
  assert.equal(await readFile(join(bundle, 'rootfs', 'hello.txt'), 'utf8'), 'hello from berth\n');
});
