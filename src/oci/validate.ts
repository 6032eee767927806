// Validation of untrusted documents. The validators of each document live beside this file
// (validate-manifest.ts, validate-config.ts); here is the way in from bytes (a registry's
// answer, a blob of an archive or a layout) to a validated, typed document.
// A manifest's media type is decided here once: the document's own `mediaType` and the one its
// sender declared (Content-Type, the descriptor that pointed at it) must agree; without either,
// the shape tells a manifest (`config`, `layers`) from an index (`manifests`).
import { BerthError } from '../util/errors.ts';
import type { ImageConfig, ImageLayout, Index, Manifest } from './descriptor.ts';
import { isIndexType, isManifestType, MediaType } from './media-types.ts';
import { validateImageConfig } from './validate-config.ts';
import { isObject, type JsonObject } from './validate-fields.ts';
import { validateImageLayout, validateIndex, validateManifest } from './validate-manifest.ts';

export { validateImageConfig } from './validate-config.ts';
export {
  checkDescriptor,
  checkPlatform,
  validateDescriptor,
  validateImageLayout,
  validateIndex,
  validateManifest,
} from './validate-manifest.ts';

export type ManifestDocument =
  | { kind: 'manifest'; mediaType: string; doc: Manifest }
  | { kind: 'index'; mediaType: string; doc: Index };

export const SCHEMA1_NOT_SUPPORTED =
  'Docker Image manifest version 2, schema 1 is not supported; push the image again with a current client';

const SCHEMA1_TYPES = new Set<string>([
  MediaType.DockerSchema1Manifest,
  MediaType.DockerSchema1SignedManifest,
]);

function parseJson(bytes: Buffer | string, what: string): unknown {
  const text = typeof bytes === 'string' ? bytes : bytes.toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BerthError('InvalidArgument', `${what}: not valid JSON: ${(err as Error).message}`);
  }
}

/** A declared media type without parameters (`; charset=utf-8`), or undefined if none. */
function bareMediaType(t: string | undefined): string | undefined {
  const bare = t?.split(';')[0].trim().toLowerCase();
  return bare ? bare : undefined;
}

function docMediaType(doc: JsonObject, what: string): string | undefined {
  const t = doc.mediaType;
  if (t === undefined) return undefined;
  if (typeof t !== 'string') throw new BerthError('InvalidArgument', `${what}: mediaType: want a string`);
  return t;
}

function inferType(doc: JsonObject): string {
  const looksIndex = Array.isArray(doc.manifests);
  const looksManifest = 'config' in doc || 'layers' in doc;
  if (looksIndex && !looksManifest) return MediaType.OciIndex;
  if (looksManifest && !looksIndex) return MediaType.OciManifest;
  throw new BerthError(
    'InvalidArgument',
    'manifest: no mediaType given and the document is neither a manifest (config, layers) nor an index (manifests)',
  );
}

/**
 * Parse and validate a manifest or an index (OCI or Docker schema2). `declaredMediaType` is
 * what the sender said the bytes are; Docker schema1 is refused.
 */
export function parseManifestDocument(bytes: Buffer | string, declaredMediaType?: string): ManifestDocument {
  const declared = bareMediaType(declaredMediaType);
  const v = parseJson(bytes, 'manifest');
  if (!isObject(v)) throw new BerthError('InvalidArgument', 'manifest: want a JSON object');
  const own = docMediaType(v, 'manifest');
  const isSchema1 =
    v.schemaVersion === 1 ||
    (own !== undefined && SCHEMA1_TYPES.has(own)) ||
    (declared !== undefined && SCHEMA1_TYPES.has(declared));
  if (isSchema1) throw new BerthError('InvalidArgument', `manifest: ${SCHEMA1_NOT_SUPPORTED}`);
  // Some registries serve any manifest as application/json; that says nothing about which kind.
  const claimed = declared === 'application/json' ? undefined : declared;
  if (own !== undefined && claimed !== undefined && own !== claimed) {
    throw new BerthError(
      'InvalidArgument',
      `manifest: the document's mediaType "${own}" does not match the declared media type "${claimed}"`,
    );
  }
  const mediaType = own ?? claimed ?? inferType(v);
  if (isManifestType(mediaType)) {
    return { kind: 'manifest', mediaType, doc: validateManifest(v, 'manifest') };
  }
  if (isIndexType(mediaType)) {
    const docName = mediaType === MediaType.DockerManifestList ? 'manifest list' : 'index';
    return { kind: 'index', mediaType, doc: validateIndex(v, docName) };
  }
  throw new BerthError(
    'InvalidArgument',
    `manifest: unsupported media type "${mediaType}": want an OCI image manifest or index, or a Docker schema2 manifest or manifest list`,
  );
}

/** Parse and validate an image config (OCI or Docker). */
export function parseImageConfig(bytes: Buffer | string): ImageConfig {
  return validateImageConfig(parseJson(bytes, 'image config'));
}

/** Parse and validate the `oci-layout` file of an image layout. */
export function parseImageLayout(bytes: Buffer | string): ImageLayout {
  return validateImageLayout(parseJson(bytes, 'oci-layout'));
}
