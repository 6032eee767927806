// `manifest.json`, the table of contents of a docker-archive: one item per
// image, naming its config file, its layer files (base first) and its tags.
// Docker wrote it since 1.10 and still does beside the OCI layout; skopeo
// writes it for `docker-archive:`. Paths in it are archive member names.
import { isDigest } from '../../oci/digest.ts';
import {
  At,
  optional,
  required,
  wantArray,
  wantObject,
  wantString,
  wantStringArray,
} from '../../oci/validate-fields.ts';
import { BerthError } from '../../util/errors.ts';

export const DOCKER_MANIFEST_FILE = 'manifest.json';
/** Docker's pre-1.10 name → tag → layer table; written for old readers, never needed to load. */
export const REPOSITORIES_FILE = 'repositories';

export interface DockerArchiveItem {
  /** The config file's member name. */
  Config: string;
  /** Familiar references (`busybox:latest`); null when saved by ID. */
  RepoTags: string[] | null;
  /** Layer files' member names, base first. */
  Layers: string[];
  /** The image ID of the parent image, when the parent is in the same archive. */
  Parent?: string;
}

/** Parse and check manifest.json; errors name the item and field. */
export function parseDockerManifest(bytes: Buffer): DockerArchiveItem[] {
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new BerthError(
      'InvalidArgument',
      `${DOCKER_MANIFEST_FILE} is not valid JSON: ${(err as Error).message}`,
    );
  }
  const at = new At(DOCKER_MANIFEST_FILE);
  return wantArray(v, at).map((raw, i) => {
    const iat = at.index(i);
    const item = wantObject(raw, iat);
    const config = wantString(required(item, 'Config', iat), iat.key('Config'));
    const tags = item.RepoTags;
    const repoTags = tags === null || tags === undefined ? null : wantStringArray(tags, iat.key('RepoTags'));
    const layers = wantStringArray(required(item, 'Layers', iat), iat.key('Layers'));
    optional(item, 'Parent', iat, (p, pat) => {
      if (typeof p !== 'string' || (p !== '' && !isDigest(p))) pat.fail('want an image ID (sha256:<64 hex>)');
    });
    const out: DockerArchiveItem = { Config: config, RepoTags: repoTags, Layers: layers };
    if (typeof item.Parent === 'string' && item.Parent !== '') out.Parent = item.Parent;
    return out;
  });
}
