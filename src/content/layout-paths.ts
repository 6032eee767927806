// Where things live in an OCI image layout (image-spec image-layout.md):
// `oci-layout`, `index.json`, and `blobs/<algorithm>/<hex>`.
import { join } from 'node:path';
import { algorithmOf, type Digest, type DigestAlgorithm, hexOf, parseDigest } from '../oci/digest.ts';

export const OCI_LAYOUT_FILE = 'oci-layout';
export const INDEX_FILE = 'index.json';
export const IMAGE_LAYOUT_VERSION = '1.0.0';
export const BLOB_ALGORITHMS: readonly DigestAlgorithm[] = ['sha256', 'sha512'];

export const blobsDir = (layoutDir: string, algorithm: DigestAlgorithm) =>
  join(layoutDir, 'blobs', algorithm);

/**
 * The path of a blob. The digest is validated first, so a digest string can
 * never point outside the blobs directory.
 */
export function blobPath(layoutDir: string, digest: Digest): string {
  const d = parseDigest(digest);
  return join(blobsDir(layoutDir, algorithmOf(d)), hexOf(d));
}
