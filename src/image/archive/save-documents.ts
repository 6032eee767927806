// The JSON documents of a saved archive, as Docker 25+ writes them, so that one
// file is both a docker-archive (manifest.json, repositories) and an OCI image
// layout (oci-layout, index.json, blobs/). Keys are written in a fixed order and
// maps sorted, so the same images always give the same bytes.
import type { Descriptor, ImageConfig, Index, Platform } from '../../oci/descriptor.ts';
import { ANNOTATION_REF_NAME } from '../../oci/descriptor.ts';
import { algorithmOf, type Digest, hexOf } from '../../oci/digest.ts';
import { MediaType } from '../../oci/media-types.ts';
import { familiarName, familiarString, formatReference } from '../../oci/reference.ts';
import { ANNOTATION_IMAGE_NAME } from './annotations.ts';
import type { DockerArchiveItem } from './docker-manifest.ts';
import type { SavedImage } from './save-plan.ts';

export const OCI_LAYOUT_CONTENT = `${JSON.stringify({ imageLayoutVersion: '1.0.0' })}`;

/** A blob's member name: the same path in the OCI layout and in manifest.json. */
export const blobMember = (digest: Digest) => `blobs/${algorithmOf(digest)}/${hexOf(digest)}`;

function platformOf(config: ImageConfig): Platform | undefined {
  if (!config.architecture || !config.os) return undefined;
  const p: Platform = { architecture: config.architecture, os: config.os };
  if (config['os.version']) p['os.version'] = config['os.version'];
  if (config.variant) p.variant = config.variant;
  return p;
}

/** One descriptor per saved tag, and one without a name for an image saved by ID. */
export function indexDocument(images: readonly SavedImage[]): Index {
  const manifests: Descriptor[] = [];
  for (const img of images) {
    const { mediaType, digest, size } = img.record.manifest;
    const platform = platformOf(img.config);
    const base = (annotations?: Record<string, string>): Descriptor => ({
      mediaType,
      digest,
      size,
      ...(annotations ? { annotations } : {}),
      ...(platform ? { platform } : {}),
    });
    if (img.refs.length === 0) manifests.push(base());
    for (const ref of img.refs) {
      manifests.push(
        base({ [ANNOTATION_IMAGE_NAME]: formatReference(ref), [ANNOTATION_REF_NAME]: ref.tag ?? 'latest' }),
      );
    }
  }
  return { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests };
}

export function dockerManifest(images: readonly SavedImage[]): DockerArchiveItem[] {
  const ids = new Set(images.map((i) => i.record.id));
  return images.map((img) => {
    const item: DockerArchiveItem = {
      Config: blobMember(img.record.id),
      RepoTags: img.refs.length ? img.refs.map((r) => familiarString(r)) : null,
      Layers: img.manifest.layers.map((l) => blobMember(l.digest)),
    };
    // As Docker does, a parent is named only when it is saved too.
    if (img.record.parent && ids.has(img.record.parent)) item.Parent = img.record.parent;
    return item;
  });
}

/**
 * Docker's pre-1.10 table, `{"busybox":{"latest":"<hex>"}}`. Docker 25+ writes
 * the hex of the top layer's file in the archive (its diff ID, as Docker's
 * layers are uncompressed); berth writes the same thing, the hex of the top
 * layer blob's digest, so the value names a file in this archive. Current
 * readers ignore the file; undefined when no image has a tag and a layer.
 */
export function repositoriesDocument(
  images: readonly SavedImage[],
): Record<string, Record<string, string>> | undefined {
  const repos: Record<string, Record<string, string>> = {};
  for (const img of images) {
    const top = img.manifest.layers.at(-1);
    if (!top) continue;
    for (const ref of img.refs) {
      const name = familiarName(ref);
      repos[name] ??= {};
      repos[name][ref.tag ?? 'latest'] = hexOf(top.digest);
    }
  }
  const names = Object.keys(repos).sort();
  if (names.length === 0) return undefined;
  return Object.fromEntries(
    names.map((n) => [
      n,
      Object.fromEntries(Object.entries(repos[n]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    ]),
  );
}
