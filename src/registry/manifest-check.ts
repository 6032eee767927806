// What a pushed manifest must be before the registry keeps it: JSON of a kind berth serves
// (OCI image manifest or index, Docker schema2 manifest or manifest list; never schema1),
// its declared Content-Type agreeing with its own mediaType, and everything it points at
// already in the repository: config and layers (except layers that carry `urls`, which
// live elsewhere: foreign and non-distributable layers), or an index's child manifests.
import type { Descriptor } from '../oci/descriptor.ts';
import { MediaType } from '../oci/media-types.ts';
import { type ManifestDocument, parseManifestDocument, SCHEMA1_NOT_SUPPORTED } from '../oci/validate.ts';
import { isBerthError } from '../util/errors.ts';
import { RegistryError } from './registry-error.ts';

const SCHEMA1 = new Set<string>([MediaType.DockerSchema1Manifest, MediaType.DockerSchema1SignedManifest]);

/** Parse and validate pushed bytes; MANIFEST_INVALID naming what is wrong. */
export function checkManifest(bytes: Buffer, contentType: string | undefined): ManifestDocument {
  const declared = contentType?.split(';')[0].trim().toLowerCase();
  if (declared && SCHEMA1.has(declared)) {
    throw new RegistryError(
      'MANIFEST_INVALID',
      `manifest: ${SCHEMA1_NOT_SUPPORTED} (Content-Type ${declared})`,
    );
  }
  try {
    return parseManifestDocument(bytes, contentType);
  } catch (err) {
    if (isBerthError(err, 'InvalidArgument')) throw new RegistryError('MANIFEST_INVALID', err.message);
    throw err;
  }
}

/** The blobs (config, layers) a manifest needs in the repository, and the child manifests an index needs. */
export function referencesOf(m: ManifestDocument): { blobs: Descriptor[]; manifests: Descriptor[] } {
  if (m.kind === 'index') return { blobs: [], manifests: m.doc.manifests };
  const layers = m.doc.layers.filter((l) => !(l.urls && l.urls.length > 0));
  return { blobs: [m.doc.config, ...layers], manifests: [] };
}

/** The descriptor of a manifest in a referrers list: its artifactType, else its config's media type. */
export function referrerDescriptor(
  m: ManifestDocument,
  digest: Descriptor['digest'],
  size: number,
): Descriptor {
  const d: Descriptor = { mediaType: m.mediaType, digest, size };
  const artifactType = m.doc.artifactType ?? (m.kind === 'manifest' ? m.doc.config.mediaType : undefined);
  if (artifactType) d.artifactType = artifactType;
  if (m.doc.annotations) d.annotations = m.doc.annotations;
  return d;
}
