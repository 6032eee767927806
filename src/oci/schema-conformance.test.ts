// berth's hand-written validators against image-spec's own JSON schemas, run here with ajv
// (a test-only dependency): every spec example must pass both, and every mutation in the table
// must get the same verdict from both, except the few rows that say why they differ (checks
// upstream's validator makes beyond the schema, which berth makes too, and one leniency).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv-draft-04';
import formatsModule from 'ajv-formats';
import { isBerthError } from '../util/errors.ts';
import { validateImageConfig } from './validate-config.ts';
import {
  validateDescriptor,
  validateImageLayout,
  validateIndex,
  validateManifest,
} from './validate-manifest.ts';

const SPEC_DIR = fileURLToPath(new URL('../../../shared/conformance/oci-image-spec/', import.meta.url));
const SKIP = existsSync(`${SPEC_DIR}schema`) ? false : `image-spec schemas not found at ${SPEC_DIR}schema`;

type Kind = 'descriptor' | 'layout' | 'manifest' | 'index' | 'config';

const KIND_OF_MEDIA_TYPE: Record<string, Kind> = {
  'application/vnd.oci.descriptor.v1+json': 'descriptor',
  'application/vnd.oci.layout.header.v1+json': 'layout',
  'application/vnd.oci.image.manifest.v1+json': 'manifest',
  'application/vnd.oci.image.index.v1+json': 'index',
  'application/vnd.oci.image.config.v1+json': 'config',
};

const ENTRY_ID: Record<Kind, string> = {
  descriptor: 'https://opencontainers.org/schema/descriptor',
  layout: 'https://opencontainers.org/schema/image/layout',
  manifest: 'https://opencontainers.org/schema/image/manifest',
  index: 'https://opencontainers.org/schema/image/index',
  config: 'https://opencontainers.org/schema/image/config',
};

const BERTH: Record<Kind, (doc: unknown) => unknown> = {
  descriptor: validateDescriptor,
  layout: validateImageLayout,
  manifest: validateManifest,
  index: validateIndex,
  config: validateImageConfig,
};

// Upstream's validator registers each file under its name and these URLs (see the README
// beside the schemas); references resolve against them.
const ALIASES: Record<string, string[]> = {
  'config-schema.json': ['https://opencontainers.org/schema/image/config'],
  'content-descriptor.json': [
    'https://opencontainers.org/schema/descriptor',
    'https://opencontainers.org/schema/image/content-descriptor.json',
  ],
  'defs-descriptor.json': [
    'https://opencontainers.org/schema/image/descriptor/mediaType',
    'https://opencontainers.org/schema/defs-descriptor.json',
    'https://opencontainers.org/schema/image/defs-descriptor.json',
  ],
  'defs.json': [
    'https://opencontainers.org/schema/defs.json',
    'https://opencontainers.org/schema/image/defs.json',
    'https://opencontainers.org/schema/image/descriptor/defs.json',
  ],
  'image-index-schema.json': ['https://opencontainers.org/schema/image/index'],
  'image-layout-schema.json': ['https://opencontainers.org/schema/image/layout'],
  'image-manifest-schema.json': ['https://opencontainers.org/schema/image/manifest'],
};

// Draft-04 ignores every keyword beside a `$ref`; an `id` there must not move the base URI.
function dropIdsBesideRefs(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropIdsBesideRefs);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'id' && '$ref' in v) continue;
    out[k] = dropIdsBesideRefs(x);
  }
  return out;
}

type Check = (doc: unknown) => boolean;

function loadAjv(): Record<Kind, Check> {
  const ajv = new AjvModule.default({ strict: false, allErrors: true });
  formatsModule.default(ajv);
  const files = readdirSync(`${SPEC_DIR}schema`).filter((f) => f.endsWith('.json'));
  assert.deepEqual(files.sort(), Object.keys(ALIASES).sort(), 'the schema folder holds the 7 expected files');
  for (const [file, aliases] of Object.entries(ALIASES)) {
    const schema = dropIdsBesideRefs(JSON.parse(readFileSync(`${SPEC_DIR}schema/${file}`, 'utf8'))) as object;
    for (const alias of aliases) {
      try {
        ajv.addSchema(schema, alias);
      } catch (err) {
        // A nested `id` may already have claimed an alias (defs-descriptor's mediaType).
        if (!/already exists/.test((err as Error).message)) throw err;
      }
    }
  }
  const checks = {} as Record<Kind, Check>;
  for (const kind of Object.keys(ENTRY_ID) as Kind[]) {
    const validate = ajv.getSchema(ENTRY_ID[kind]);
    assert.ok(validate, `schema ${ENTRY_ID[kind]} is registered`);
    checks[kind] = (doc) => validate(doc) === true;
  }
  return checks;
}

/** berth's verdict: true, or the message of its BerthError('InvalidArgument'). */
function berthVerdict(kind: Kind, doc: unknown): true | string {
  try {
    BERTH[kind](doc);
    return true;
  } catch (err) {
    assert.ok(isBerthError(err, 'InvalidArgument'), `berth threw something else: ${err}`);
    return err.message;
  }
}

interface ExampleEntry {
  file: string;
  mediaType: string;
  expect: string;
}

function readExample(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${SPEC_DIR}examples/${file}`, 'utf8'));
}

// biome-ignore lint/suspicious/noExplicitAny: mutations reach anywhere into the documents
type Doc = any;
type Edit = (d: Doc) => void;
type Key = string | number;

interface Mutation {
  name: string;
  kind: Kind;
  base: string;
  edit: Edit;
  /** berth's verdict, and ajv's too unless `ajv` says otherwise. */
  valid: boolean;
  /** ajv's verdict where it differs from berth's on purpose, and why. */
  ajv?: { valid: boolean; why: string };
  /** A pattern berth's message must match (it names the path). */
  message?: RegExp;
}

/** The parent object and last key of a path like `layers.2.digest` or ['platform', 'os.version']. */
function walk(d: Doc, path: string | Key[]): [Doc, Key] {
  const keys =
    typeof path === 'string' ? path.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k)) : path;
  let parent = d;
  for (const k of keys.slice(0, -1)) parent = parent[k];
  return [parent, keys[keys.length - 1]];
}

const set =
  (path: string | Key[], value: unknown): Edit =>
  (d) => {
    const [parent, key] = walk(d, path);
    parent[key] = value;
  };
const del =
  (path: string | Key[]): Edit =>
  (d) => {
    const [parent, key] = walk(d, path);
    delete parent[key];
  };
const REPLACE = Symbol('replace');
/** Not a mutation: the whole document becomes `value`. */
const replace =
  (value: unknown): Edit =>
  (d) => {
    d[REPLACE] = value;
  };

type Extra = Pick<Mutation, 'ajv' | 'message'>;
const rows =
  (kind: Kind, base: string) =>
  (name: string, edit: Edit, valid: boolean, extra: Extra = {}): Mutation => ({
    name,
    kind,
    base,
    edit,
    valid,
    ...extra,
  });

const hex = (n: number, c = 'a') => c.repeat(n);
const UPSTREAM_DIGEST = "upstream's validator checks the digest beyond the schema's pattern";
const differs = (valid: boolean, why: string) => ({ ajv: { valid, why } });

const desc = rows('descriptor', 'descriptor-02.json');
const man = rows('manifest', 'manifest-01.json');
const idx = rows('index', 'image-index-01.json');
const lay = rows('layout', 'image-layout-01.json');
const cfg = rows('config', 'config-01.json');

const MUTATIONS: Mutation[] = [
  desc('descriptor without mediaType', del('mediaType'), false, {
    message: /^descriptor: missing required field "mediaType"$/,
  }),
  desc('descriptor without size', del('size'), false),
  desc('descriptor without digest', del('digest'), false),
  desc('negative size', set('size', -1), false, { message: /^descriptor: size: -1 is out of range/ }),
  desc('fractional size', set('size', 1.5), false),
  desc('size as a string', set('size', '7682'), false, { message: /size: want an integer, got a string/ }),
  desc('size zero', set('size', 0), true),
  desc('digest without algorithm', set('digest', hex(64)), false),
  desc('digest with uppercase algorithm', set('digest', `SHA256:${hex(64)}`), false),
  desc('digest with a bad character', set('digest', `sha256:${hex(63)}!`), false),
  desc('short sha256 digest', set('digest', 'sha256:abc'), false, {
    ...differs(true, UPSTREAM_DIGEST),
    message: /^descriptor: digest: invalid digest "sha256:abc"/,
  }),
  desc(
    'uppercase sha256 hex',
    set('digest', `sha256:${hex(64, 'A')}`),
    false,
    differs(true, UPSTREAM_DIGEST),
  ),
  desc(
    'sha384 digest',
    set('digest', `sha384:${hex(96)}`),
    false,
    differs(true, 'berth verifies only sha256 and sha512'),
  ),
  desc('sha512 digest', set('digest', `sha512:${hex(128)}`), true),
  desc('mediaType with spaces', set('mediaType', 'not a media type'), false, {
    message: /mediaType: invalid media type/,
  }),
  desc('mediaType with parameters', set('mediaType', 'application/json; charset=utf-8'), false),
  desc('mediaType as a number', set('mediaType', 42), false),
  desc('urls: ["value"]', set('urls', ['value']), false, {
    message: /^descriptor: urls\[0\]: invalid URI "value"/,
  }),
  desc('urls as a string', set('urls', 'https://example.com/x'), false),
  desc('url with a space', set('urls', ['https://example.com/a b']), false),
  desc('url with a bad port', set('urls', ['https://example.com:port/x']), false, {
    ...differs(true, 'ajv-formats reads `//` as `/` and an empty host; RFC 3986 wants a numeric port'),
  }),
  desc('url with a bad IPv6 host', set('urls', ['http://[::zz]/x']), false),
  desc('url with an empty hier-part', set('urls', ['https:']), false),
  desc('url with a bad percent-encoding', set('urls', ['https://example.com/%zz']), false),
  desc(
    'urls of several forms',
    set('urls', [
      'http://[::1]:8080/x',
      'ftp://u@example.com:21/x?y=1#z',
      'urn:isbn:0451450523',
      'file:///a%20b',
    ]),
    true,
  ),
  desc('annotation with a number value', set('annotations', { 'com.example.n': 1 }), false, {
    message: /^descriptor: annotations\["com.example.n"\]: want a string, got an integer$/,
  }),
  desc('annotations as an array', set('annotations', ['a=b']), false),
  desc('annotations null', set('annotations', null), false),
  desc('annotations empty', set('annotations', {}), true),
  desc('data as a number', set('data', 5), false),
  desc('data not base64', set('data', '!!!'), false, differs(true, 'upstream decodes data as base64')),
  desc('data base64', set('data', 'e30='), true),
  desc('artifactType not a media type', set('artifactType', 'sbom'), false),
  desc('unknown members are allowed', set(['com.example.extra'], { any: 'thing' }), true),
  desc('descriptor as an array', replace([]), false, {
    message: /^descriptor: want an object, got an array$/,
  }),

  man('manifest schemaVersion 1', set('schemaVersion', 1), false, {
    message: /^manifest: schemaVersion: want 2, got 1$/,
  }),
  man('manifest schemaVersion 3', set('schemaVersion', 3), false),
  man('manifest schemaVersion "2"', set('schemaVersion', '2'), false),
  man('manifest without schemaVersion', del('schemaVersion'), false),
  man('manifest without config', del('config'), false, {
    message: /^manifest: missing required field "config"$/,
  }),
  man('manifest without layers', del('layers'), false),
  man('manifest with empty layers', set('layers', []), false, {
    message: /^manifest: layers: want at least one layer/,
  }),
  man('manifest with layers as an object', set('layers', {}), false),
  man('layer digest "sha256:zz"', set('layers.2.digest', 'sha256:zz'), false, {
    ...differs(true, UPSTREAM_DIGEST),
    message: /^manifest: layers\[2\]\.digest: invalid digest "sha256:zz"/,
  }),
  man('layer digest with a slash', set('layers.2.digest', 'sha256:ab/cd'), false, {
    message: /layers\[2\]\.digest/,
  }),
  man('layer with negative size', set('layers.1.size', -5), false, {
    message: /^manifest: layers\[1\]\.size: /,
  }),
  man('layer with urls: ["value"]', set('layers.0.urls', ['value']), false),
  man(
    'layer with a foreign url',
    set('layers.0.urls', ['https://mcr.microsoft.com/v2/x/blobs/sha256:ab']),
    true,
  ),
  man('config without mediaType', del('config.mediaType'), false, {
    message: /^manifest: config: missing required field "mediaType"$/,
  }),
  man('subject as a string', set('subject', 'sha256:abc'), false),
  man('manifest annotation not a string', set('annotations.com', true), false),
  man('manifest without mediaType', del('mediaType'), true),
  man('manifest artifactType as a number', set('artifactType', 1), false),
  man('manifest as null', replace(null), false),
  man('manifest as a string', replace('manifest'), false, {
    message: /^manifest: want an object, got a string$/,
  }),

  idx('index without manifests', del('manifests'), false),
  idx('index with no manifests', set('manifests', []), true),
  idx('index schemaVersion 1', set('schemaVersion', 1), false),
  idx('platform without architecture', del('manifests.0.platform.architecture'), false, {
    message: /^index: manifests\[0\]\.platform: missing required field "architecture"$/,
  }),
  idx('platform without os', del('manifests.1.platform.os'), false),
  idx('platform os as a number', set('manifests.0.platform.os', 5), false),
  idx('platform as a string', set('manifests.0.platform', 'linux/amd64'), false),
  idx('platform os.features not an array', set(['manifests', 0, 'platform', 'os.features'], 'sse4'), false, {
    message: /manifests\[0\]\.platform\["os\.features"\]: want an array/,
  }),
  idx('platform variant as a number', set('manifests.0.platform.variant', 8), false),
  idx(
    'platform with variant and os.version',
    set('manifests.0.platform', {
      os: 'windows',
      architecture: 'arm64',
      variant: 'v8',
      'os.version': '10.0',
    }),
    true,
  ),
  idx('index entry without digest', del('manifests.0.digest'), false),
  idx('index entry annotation not a string', set('manifests.0.annotations', { k: true }), false),
  idx('index entry with negative size', set('manifests.1.size', -1), false, {
    ...differs(true, "the schema types an index entry's size as int64; the spec's text says >= 0"),
  }),
  idx('index entry of any media type', set('manifests.1.mediaType', 'application/xml'), true),

  lay('layout version 1.1.0', set('imageLayoutVersion', '1.1.0'), false, {
    message: /^oci-layout: imageLayoutVersion: unsupported image layout version "1\.1\.0"/,
  }),
  lay('layout without version', del('imageLayoutVersion'), false),
  lay('layout version as a number', set('imageLayoutVersion', 1), false),

  cfg('config without rootfs', del('rootfs'), false, {
    message: /^image config: missing required field "rootfs"$/,
  }),
  cfg('config without architecture', del('architecture'), false),
  cfg('config without os', del('os'), false),
  cfg('rootfs type "layer"', set('rootfs.type', 'layer'), false, {
    message: /^image config: rootfs\.type: want "layers"/,
  }),
  cfg('rootfs without diff_ids', del('rootfs.diff_ids'), false),
  cfg('rootfs diff_ids as a string', set('rootfs.diff_ids', 'sha256:abc'), false),
  cfg('rootfs with no diff_ids', set('rootfs.diff_ids', []), true),
  cfg('diff_id "sha256:zz"', set('rootfs.diff_ids.1', 'sha256:zz'), false, {
    ...differs(true, 'the schema types diff_ids as strings; the spec says digests'),
    message: /^image config: rootfs\.diff_ids\[1\]: invalid digest "sha256:zz"/,
  }),
  cfg('created "yesterday"', set('created', 'yesterday'), false, {
    message: /^image config: created: invalid date-time "yesterday"/,
  }),
  cfg('created with a space separator', set('created', '2015-10-31 22:22:56Z'), true),
  cfg('created with an offset', set('created', '2015-10-31T22:22:56.5+02:00'), true),
  cfg('created on February 30', set('created', '2015-02-30T00:00:00Z'), false),
  cfg('created on a leap day', set('created', '2016-02-29T00:00:00Z'), true),
  cfg('created without a time zone', set('created', '2015-10-31T22:22:56'), false),
  cfg('created at hour 24', set('created', '2015-10-31T24:00:00Z'), false),
  cfg('created at a leap second', set('created', '2016-12-31T23:59:60Z'), true),
  cfg('created at a leap second not at 23:59 UTC', set('created', '2016-12-31T22:59:60Z'), false),
  cfg('history empty_layer "yes"', set('history.1.empty_layer', 'yes'), false, {
    message: /^image config: history\[1\]\.empty_layer: want true or false, got a string$/,
  }),
  cfg('history created in month 13', set('history.0.created', '2015-13-01T00:00:00Z'), false),
  cfg('history as an object', set('history', {}), false),
  cfg('history created_by a number', set('history.2.created_by', 1), false),
  cfg('ExposedPorts value a string', set(['config', 'ExposedPorts', '8080/tcp'], 'yes'), false, {
    message: /^image config: config\.ExposedPorts\["8080\/tcp"\]: want an object/,
  }),
  cfg('ExposedPorts value null', set(['config', 'ExposedPorts', '8080/tcp'], null), false),
  cfg('Volumes null', set('config.Volumes', null), true),
  cfg('Volumes as an array', set('config.Volumes', ['/data']), false),
  cfg('Labels null', set('config.Labels', null), true),
  cfg('Labels value a number', set('config.Labels.n', 1), false),
  cfg('Entrypoint null', set('config.Entrypoint', null), true),
  cfg('Cmd as a string', set('config.Cmd', 'sh'), false),
  cfg('Cmd with a number', set('config.Cmd', ['sleep', 1]), false, {
    message: /^image config: config\.Cmd\[1\]: want a string/,
  }),
  cfg('Env entry without "="', set('config.Env.3', 'NOEQUALS'), false, {
    ...differs(true, "upstream's validator checks Env entries beyond the schema"),
    message: /^image config: config\.Env\[3\]: invalid environment entry "NOEQUALS"/,
  }),
  cfg(
    'Env null',
    set('config.Env', null),
    true,
    differs(false, "berth's leniency: Docker's builder writes Env: null"),
  ),
  cfg('Env as a string', set('config.Env', 'A=b'), false),
  cfg('ArgsEscaped "true"', set('config.ArgsEscaped', 'true'), false),
  cfg('User as a number', set('config.User', 0), false),
  cfg('os.features as a string', set(['os.features'], 'win32k'), false),
  cfg('variant as a number', set('variant', 8), false),
  cfg('config member as an array', set('config', []), false),
  cfg(
    'minimal config',
    (d) => {
      for (const k of ['created', 'author', 'config', 'history']) delete d[k];
    },
    true,
  ),
];

describe('image-spec schema conformance', { skip: SKIP }, () => {
  const ajv = SKIP ? undefined : loadAjv();

  describe('spec examples are valid for ajv and for berth', () => {
    const entries: ExampleEntry[] = SKIP
      ? []
      : JSON.parse(readFileSync(`${SPEC_DIR}examples/index.json`, 'utf8'));
    it('lists the 13 examples', () => assert.equal(entries.length, 13));
    for (const e of entries) {
      it(`${e.file} (${e.mediaType})`, () => {
        const kind = KIND_OF_MEDIA_TYPE[e.mediaType];
        assert.ok(kind, `no validator for ${e.mediaType}`);
        assert.equal(e.expect, 'valid');
        const doc = readExample(e.file);
        assert.equal(ajv![kind](doc), true, 'ajv');
        assert.equal(berthVerdict(kind, doc), true, 'berth');
      });
    }
  });

  describe('mutations get the intended verdict from both', () => {
    it('has enough cases', () => assert.ok(MUTATIONS.length >= 40));
    for (const m of MUTATIONS) {
      it(`${m.name}: ${m.valid ? 'valid' : 'invalid'}${m.ajv ? ` (ajv: ${m.ajv.valid ? 'valid' : 'invalid'}, ${m.ajv.why})` : ''}`, () => {
        let doc: Doc = structuredClone(readExample(m.base));
        m.edit(doc);
        if (REPLACE in doc) doc = doc[REPLACE];
        // The mutated document is a JSON document: what a parser could have produced.
        const json = JSON.parse(JSON.stringify(doc));
        const verdict = berthVerdict(m.kind, json);
        assert.equal(verdict === true, m.valid, `berth: ${verdict}`);
        assert.equal(ajv![m.kind](json), m.ajv ? m.ajv.valid : m.valid, 'ajv');
        if (m.message) assert.match(String(verdict), m.message);
      });
    }
  });
});
