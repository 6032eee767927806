// What a reference names in a registry, down to one image manifest: a tag or
// a digest gives a manifest, or an index (OCI index, Docker manifest list), in
// which case the manifest for the platform asked for is picked with
// containerd's matching rules (the host's platform by default) and fetched too.
import type { Descriptor, Index, Manifest, Platform } from '../oci/descriptor.ts';
import { bestMatch, formatPlatform } from '../oci/platform.ts';
import { BerthError } from '../util/errors.ts';
import type { FetchedManifest, RepositoryClient } from './repository-client.ts';

export interface ResolvedImage {
  /** What the reference named: the manifest itself, or the index. */
  top: FetchedManifest;
  topDescriptor: Descriptor;
  /** The image manifest for the platform. */
  manifest: FetchedManifest & { doc: Manifest };
  manifestDescriptor: Descriptor;
  /** Whether `top` is an index. */
  fromIndex: boolean;
}

const descriptorOf = (m: FetchedManifest): Descriptor => ({
  mediaType: m.document.mediaType,
  digest: m.digest,
  size: m.bytes.length,
});

export async function resolveManifest(
  repo: RepositoryClient,
  reference: string,
  platform: Platform,
  signal?: AbortSignal,
): Promise<ResolvedImage> {
  const top = await repo.manifest(reference, signal);
  if (top.document.kind === 'manifest') {
    return {
      top,
      topDescriptor: descriptorOf(top),
      manifest: { ...top, doc: top.document.doc },
      manifestDescriptor: descriptorOf(top),
      fromIndex: false,
    };
  }
  const index = top.document.doc as Index;
  const picked = bestMatch(platform, index.manifests);
  if (!picked) {
    throw new BerthError(
      'NotFound',
      `no matching manifest for ${formatPlatform(platform)} in the manifest list entries`,
    );
  }
  const manifest = await repo.manifest(picked.digest, signal);
  if (manifest.document.kind !== 'manifest') {
    throw new BerthError('InvalidArgument', `index ${top.digest} points at ${picked.digest}, another index`);
  }
  if (manifest.document.mediaType !== picked.mediaType) {
    throw new BerthError(
      'InvalidArgument',
      `index ${top.digest} says ${picked.digest} is a ${picked.mediaType}, but it is a ${manifest.document.mediaType}`,
    );
  }
  return {
    top,
    topDescriptor: descriptorOf(top),
    manifest: { ...manifest, doc: manifest.document.doc },
    manifestDescriptor: descriptorOf(manifest),
    fromIndex: true,
  };
}
