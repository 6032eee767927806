// Validators for the JSON documents of the OCI image spec and their Docker schema2 twins:
// descriptor, image manifest, image index (and manifest list), and the `oci-layout` file.
// They follow the rules of the image-spec JSON schemas, plus the checks upstream's validator
// makes by decoding into typed structs: a digest must be exact (berth knows sha256 and
// sha512, the algorithms it can verify), descriptor `data` must be base64, and a `platform`
// is checked wherever a descriptor carries one. Where a schema is looser than the spec's text
// (an index entry's size may be negative in the schema), berth keeps the text: sizes are >= 0.
// Each returns the document, typed, or throws BerthError('InvalidArgument') naming the path.
import type { Descriptor, ImageLayout, Index, Manifest, Platform } from './descriptor.ts';
import {
  At,
  type JsonObject,
  optional,
  required,
  wantArray,
  wantArrayOf,
  wantBase64,
  wantDigest,
  wantInteger,
  wantMediaType,
  wantObject,
  wantString,
  wantStringArray,
  wantStringMap,
} from './validate-fields.ts';
import { wantUri } from './validate-formats.ts';

export function checkPlatform(v: unknown, at: At): Platform {
  const p = wantObject(v, at);
  wantString(required(p, 'architecture', at), at.key('architecture'));
  wantString(required(p, 'os', at), at.key('os'));
  optional(p, 'os.version', at, wantString);
  optional(p, 'os.features', at, wantStringArray);
  optional(p, 'variant', at, wantString);
  optional(p, 'features', at, wantStringArray);
  return p as unknown as Platform;
}

export function checkDescriptor(v: unknown, at: At): Descriptor {
  const d = wantObject(v, at);
  wantMediaType(required(d, 'mediaType', at), at.key('mediaType'));
  wantInteger(required(d, 'size', at), at.key('size'), 0);
  wantDigest(required(d, 'digest', at), at.key('digest'));
  optional(d, 'urls', at, (urls, uat) => wantArrayOf(urls, uat, wantUri));
  optional(d, 'data', at, wantBase64);
  optional(d, 'artifactType', at, wantMediaType);
  optional(d, 'annotations', at, wantStringMap);
  optional(d, 'platform', at, checkPlatform);
  return d as unknown as Descriptor;
}

function checkSchemaVersion(doc: JsonObject, at: At): void {
  const sv = required(doc, 'schemaVersion', at);
  if (sv !== 2) at.key('schemaVersion').fail(`want 2, got ${JSON.stringify(sv)}`);
}

/** The members a manifest and an index share. */
function checkCommon(doc: JsonObject, at: At): void {
  checkSchemaVersion(doc, at);
  optional(doc, 'mediaType', at, wantMediaType);
  optional(doc, 'artifactType', at, wantMediaType);
  optional(doc, 'subject', at, checkDescriptor);
  optional(doc, 'annotations', at, wantStringMap);
}

/** An OCI image manifest or a Docker schema2 manifest (the same shape). */
export function validateManifest(v: unknown, docName = 'manifest'): Manifest {
  const at = new At(docName);
  const doc = wantObject(v, at);
  checkCommon(doc, at);
  checkDescriptor(required(doc, 'config', at), at.key('config'));
  const lat = at.key('layers');
  const layers = wantArray(required(doc, 'layers', at), lat);
  if (layers.length === 0) lat.fail('want at least one layer, got none');
  wantArrayOf(layers, lat, checkDescriptor);
  return doc as unknown as Manifest;
}

/** An OCI image index or a Docker manifest list (the same shape). */
export function validateIndex(v: unknown, docName = 'index'): Index {
  const at = new At(docName);
  const doc = wantObject(v, at);
  checkCommon(doc, at);
  wantArrayOf(required(doc, 'manifests', at), at.key('manifests'), checkDescriptor);
  return doc as unknown as Index;
}

/** A content descriptor on its own (`application/vnd.oci.descriptor.v1+json`). */
export function validateDescriptor(v: unknown, docName = 'descriptor'): Descriptor {
  return checkDescriptor(v, new At(docName));
}

/** The `oci-layout` file of an image layout. */
export function validateImageLayout(v: unknown, docName = 'oci-layout'): ImageLayout {
  const at = new At(docName);
  const doc = wantObject(v, at);
  const vat = at.key('imageLayoutVersion');
  const version = wantString(required(doc, 'imageLayoutVersion', at), vat);
  if (version !== '1.0.0') vat.fail(`unsupported image layout version "${version}": want "1.0.0"`);
  return doc as unknown as ImageLayout;
}
