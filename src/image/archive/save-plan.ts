// What `docker save NAME…` puts in the archive, decided before a byte is
// written. Names are read as Docker reads them:
// - an image ID (full, `sha256:…`, or an unambiguous prefix) or a digest
//   reference saves that image with no tag (RepoTags null);
// - `repo:tag` saves the image with that tag;
// - a repository name alone (`busybox`) saves every tag of that repository, or,
//   when it has none, is tried as an image ID prefix.
// An image named twice is saved once, with all the tags asked for.
import type { BlobInfo } from '../../content/content-store.ts';
import type { ImageConfig, Manifest } from '../../oci/descriptor.ts';
import type { Digest } from '../../oci/digest.ts';
import {
  formatReference,
  type ImageReference,
  isFullImageId,
  parseReference,
  parseReferenceLoose,
  repositoryOf,
} from '../../oci/reference.ts';
import { BerthError } from '../../util/errors.ts';
import type { ImageRecord, ImageStore } from '../image-store.ts';

export interface SelectedImage {
  record: ImageRecord;
  /** Tagged references to save it under, in the order asked. */
  refs: ImageReference[];
}

export interface SavedImage extends SelectedImage {
  manifest: Manifest;
  config: ImageConfig;
}

export interface SavePlan {
  images: SavedImage[];
  /** Every manifest, config and layer blob, each once, sorted by digest. */
  blobs: BlobInfo[];
}

/** Resolve the names to images, synchronously; NotFound names the first unknown name. */
export function selectImages(store: ImageStore, names: readonly string[]): SelectedImage[] {
  if (names.length === 0) throw new BerthError('InvalidArgument', 'save needs at least one image name or ID');
  const byId = new Map<string, SelectedImage>();
  const add = (record: ImageRecord, ref?: ImageReference) => {
    let sel = byId.get(record.id);
    if (!sel) {
      sel = { record, refs: [] };
      byId.set(record.id, sel);
    }
    if (ref && !sel.refs.some((r) => formatReference(r) === formatReference(ref))) sel.refs.push(ref);
  };
  for (const name of names) {
    for (const { record, ref } of lookUp(store, name)) add(record, ref);
  }
  return [...byId.values()];
}

function lookUp(store: ImageStore, name: string): { record: ImageRecord; ref?: ImageReference }[] {
  if (isFullImageId(name)) return [{ record: store.resolve(name) }];
  let ref: ImageReference | undefined;
  try {
    ref = parseReferenceLoose(name);
  } catch {
    // Not a reference: perhaps an ID prefix; resolve says NotFound otherwise.
  }
  if (!ref || ref.digest) return [{ record: store.resolve(name) }];
  if (ref.tag !== undefined) {
    if (!store.tagOf(name)) throw new BerthError('NotFound', `No such image: ${name}`);
    return [{ record: store.resolve(name), ref }];
  }
  const repo = `${repositoryOf(ref)}:`;
  const tagged = store
    .list()
    .flatMap((record) => record.tags.filter((t) => t.startsWith(repo)).map((t) => ({ record, tag: t })))
    .sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  if (tagged.length) return tagged.map(({ record, tag }) => ({ record, ref: parseReference(tag) }));
  // No tag of that repository (so not `name:latest` either): only an ID prefix can match.
  return [{ record: store.resolve(name) }];
}

/** Read each image's documents and size every blob: any failure comes before the first byte. */
export async function planSave(store: ImageStore, selected: readonly SelectedImage[]): Promise<SavePlan> {
  const blobs = new Map<string, BlobInfo>();
  const images: SavedImage[] = [];
  const need = async (digest: Digest, size: number, what: string) => {
    if (blobs.has(digest)) return;
    let info: BlobInfo;
    try {
      info = await store.content.stat(digest);
    } catch (err) {
      throw new BerthError(
        'NotFound',
        `${what} ${digest} is missing from the content store; pull the image again`,
        {
          cause: err,
        },
      );
    }
    if (info.size !== size) {
      throw new BerthError(
        'Internal',
        `${what} ${digest} is ${info.size} bytes, but its descriptor says ${size}`,
      );
    }
    blobs.set(digest, info);
  };
  for (const sel of selected) {
    const { record } = sel;
    const what = `image ${record.id}`;
    await need(record.manifest.digest, record.manifest.size, `the manifest of ${what}`);
    const manifest = await store.readManifest(record);
    await need(manifest.config.digest, manifest.config.size, `the config of ${what}`);
    for (const l of manifest.layers) await need(l.digest, l.size, `a layer of ${what}`);
    images.push({ ...sel, manifest, config: await store.readConfig(record) });
  }
  const sorted = [...blobs.values()].sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
  return { images, blobs: sorted };
}
