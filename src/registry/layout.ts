// Where the registry keeps things in its RegistryStorage (keys, '/'-separated):
//
//   blobs/<alg>/<hex[0:2]>/<hex>/data            every committed blob, once, by digest; a blob
//                                               appears only by move() of a verified, fsynced file
//   repositories/<name>/_layers/<alg>/<hex>/link            the blob belongs to the repository
//   repositories/<name>/_manifests/revisions/<alg>/<hex>/link  a manifest of the repository:
//                                               JSON {digest, mediaType, size}
//   repositories/<name>/_manifests/tags/<tag>/current/link  the digest the tag points at
//   repositories/<name>/_referrers/<alg>/<hex>/<alg>-<hex>  a manifest whose subject is
//                                               <alg>:<hex>: its descriptor, JSON
//   uploads/<uuid>/info                          an upload in progress: JSON {repository, startedAt}
//   uploads/<uuid>/data                          its bytes so far (the staging area)
//
// Repository name components start with [a-z0-9], so the '_'-prefixed folders of a
// repository never collide with the name of a nested repository ("a" and "a/b" share a tree).
// Order of writes makes a crash harmless: blob data before any link to it, the revision link
// before the tag, and removal of links before the data (which only gc removes).
import { algorithmOf, type Digest, hexOf } from '../oci/digest.ts';

const digestPath = (d: Digest) => `${algorithmOf(d)}/${hexOf(d)}`;

export const BLOBS = 'blobs';
export const REPOSITORIES = 'repositories';
export const UPLOADS = 'uploads';

export const blobDir = (d: Digest) => `${BLOBS}/${algorithmOf(d)}/${hexOf(d).slice(0, 2)}/${hexOf(d)}`;
export const blobData = (d: Digest) => `${blobDir(d)}/data`;

export const repoDir = (name: string) => `${REPOSITORIES}/${name}`;
export const layersDir = (name: string) => `${repoDir(name)}/_layers`;
export const layerLink = (name: string, d: Digest) => `${layersDir(name)}/${digestPath(d)}/link`;
export const layerLinkDir = (name: string, d: Digest) => `${layersDir(name)}/${digestPath(d)}`;

export const manifestsDir = (name: string) => `${repoDir(name)}/_manifests`;
export const revisionsDir = (name: string) => `${manifestsDir(name)}/revisions`;
export const revisionLinkDir = (name: string, d: Digest) => `${revisionsDir(name)}/${digestPath(d)}`;
export const revisionLink = (name: string, d: Digest) => `${revisionLinkDir(name, d)}/link`;
export const tagsDir = (name: string) => `${manifestsDir(name)}/tags`;
export const tagDir = (name: string, tag: string) => `${tagsDir(name)}/${tag}`;
export const tagLink = (name: string, tag: string) => `${tagDir(name, tag)}/current/link`;

export const referrersDir = (name: string, subject: Digest) =>
  `${repoDir(name)}/_referrers/${digestPath(subject)}`;
export const referrerEntry = (name: string, subject: Digest, d: Digest) =>
  `${referrersDir(name, subject)}/${algorithmOf(d)}-${hexOf(d)}`;

export const uploadDir = (uuid: string) => `${UPLOADS}/${uuid}`;
export const uploadInfo = (uuid: string) => `${uploadDir(uuid)}/info`;
export const uploadData = (uuid: string) => `${uploadDir(uuid)}/data`;

/** `<alg>/<hex>` path parts back to a digest, or undefined when they are not one. */
export function digestFromParts(alg: string, hex: string): Digest | undefined {
  const d = `${alg}:${hex}`;
  return /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/.test(d) ? (d as Digest) : undefined;
}
