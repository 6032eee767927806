// Small images made in memory for the registry client's tests: layers as tar
// (plain or gzip) of given files, a config naming their diff IDs, and an OCI
// manifest or index, all as the exact bytes a registry would serve.
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import type { Descriptor, Platform } from '../../oci/descriptor.ts';
import { type Digest, digestOf } from '../../oci/digest.ts';
import { MediaType } from '../../oci/media-types.ts';
import { hostPlatform } from '../../oci/platform.ts';

export interface Blob {
  bytes: Buffer;
  descriptor: Descriptor;
}

export interface TestLayer extends Blob {
  diffId: Digest;
}

export interface TestImage {
  config: Blob;
  layers: TestLayer[];
  manifest: Blob;
}

const blobOf = (bytes: Buffer, mediaType: string, extra: Partial<Descriptor> = {}): Blob => ({
  bytes,
  descriptor: { mediaType, digest: digestOf(bytes), size: bytes.length, ...extra },
});

/** A layer holding `files` (path to content); gzip unless told otherwise. */
export async function makeLayer(files: Record<string, string | Buffer>, gzip = true): Promise<TestLayer> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files)) {
    pack.entry({ name, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0 }, content);
  }
  pack.finalize();
  const parts: Buffer[] = [];
  for await (const chunk of pack) parts.push(chunk as Buffer);
  const plain = Buffer.concat(parts);
  const bytes = gzip ? gzipSync(plain) : plain;
  return { ...blobOf(bytes, gzip ? MediaType.OciLayerGzip : MediaType.OciLayer), diffId: digestOf(plain) };
}

/** A layer of `size` random bytes in one file: big enough to be cut mid-way. */
export function randomLayer(size: number, name = 'noise.bin'): Promise<TestLayer> {
  return makeLayer({ [name]: randomBytes(size) }, false);
}

/** An image of these layers for `platform` (the host's by default). */
export function makeImage(
  layers: TestLayer[],
  platform: Platform = hostPlatform(),
  label = 'test',
): TestImage {
  const config = Buffer.from(
    JSON.stringify({
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      config: { Labels: { made: label } },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: layers.map(() => ({ created_by: label })),
    }),
  );
  const configBlob = blobOf(config, MediaType.OciConfig);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: configBlob.descriptor,
      layers: layers.map((l) => l.descriptor),
    }),
  );
  return { config: configBlob, layers, manifest: blobOf(manifest, MediaType.OciManifest) };
}

/** An index of images, each entry with its platform. */
export function makeIndex(images: { image: TestImage; platform: Platform }[]): Blob {
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: images.map(({ image, platform }) => ({ ...image.manifest.descriptor, platform })),
    }),
  );
  return blobOf(bytes, MediaType.OciIndex);
}
