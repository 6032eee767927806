import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../util/errors.ts';
import { digestOf } from './digest.ts';
import { MediaType } from './media-types.ts';
import {
  parseImageConfig,
  parseImageLayout,
  parseManifestDocument,
  SCHEMA1_NOT_SUPPORTED,
  validateDescriptor,
  validateImageConfig,
  validateIndex,
  validateManifest,
} from './validate.ts';
import { isDateTime, isUri } from './validate-formats.ts';

const d1 = digestOf('one');
const d2 = digestOf('two');
const d3 = digestOf('three');

const dockerManifest = {
  schemaVersion: 2,
  mediaType: MediaType.DockerManifest,
  config: { mediaType: MediaType.DockerConfig, size: 1469, digest: d1 },
  layers: [
    { mediaType: MediaType.DockerLayerGzip, size: 2819, digest: d2 },
    // Windows base layers are foreign: they carry urls and are fetched from elsewhere.
    {
      mediaType: MediaType.DockerForeignLayerGzip,
      size: 5,
      digest: d3,
      urls: ['https://mcr.microsoft.com/v2/windows/blobs/x'],
    },
  ],
};

const dockerList = {
  schemaVersion: 2,
  mediaType: MediaType.DockerManifestList,
  manifests: [
    {
      mediaType: MediaType.DockerManifest,
      size: 528,
      digest: d1,
      platform: { architecture: 'arm', os: 'linux', variant: 'v7', features: ['sse4'] },
    },
    {
      mediaType: MediaType.DockerManifest,
      size: 528,
      digest: d2,
      platform: { architecture: 'amd64', os: 'linux' },
    },
  ],
};

const ociManifest = {
  schemaVersion: 2,
  mediaType: MediaType.OciManifest,
  config: { mediaType: MediaType.OciConfig, size: 7, digest: d1 },
  layers: [{ mediaType: MediaType.OciLayerGzip, size: 32, digest: d2 }],
};

const ociIndex = {
  schemaVersion: 2,
  mediaType: MediaType.OciIndex,
  manifests: [
    {
      mediaType: MediaType.OciManifest,
      size: 7,
      digest: d3,
      platform: { architecture: 'amd64', os: 'linux' },
    },
  ],
};

/** The message of the BerthError('InvalidArgument') that `fn` throws. */
function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(isBerthError(err, 'InvalidArgument'), `want InvalidArgument, got ${err}`);
    return err.message;
  }
  assert.fail('did not throw');
}

const json = (v: unknown) => JSON.stringify(v);

describe('parseManifestDocument', () => {
  it('reads Docker schema2 manifests and manifest lists', () => {
    const m = parseManifestDocument(Buffer.from(json(dockerManifest)), MediaType.DockerManifest);
    assert.equal(m.kind, 'manifest');
    assert.equal(m.mediaType, MediaType.DockerManifest);
    assert.deepEqual(m.doc, dockerManifest);
    const l = parseManifestDocument(json(dockerList));
    assert.equal(l.kind, 'index');
    assert.equal(l.mediaType, MediaType.DockerManifestList);
    assert.equal(l.doc.manifests.length, 2);
  });

  it('reads OCI manifests and indexes, with or without a declared type', () => {
    assert.equal(parseManifestDocument(json(ociManifest)).kind, 'manifest');
    assert.equal(parseManifestDocument(json(ociIndex), MediaType.OciIndex).kind, 'index');
    // A Content-Type header's parameters do not matter.
    assert.equal(parseManifestDocument(json(ociIndex), `${MediaType.OciIndex}; charset=utf-8`).kind, 'index');
  });

  it('takes the type from the sender or the shape when the document has none', () => {
    const { mediaType: _m, ...bare } = ociManifest;
    const { mediaType: _i, ...bareIndex } = ociIndex;
    assert.deepEqual(
      [parseManifestDocument(json(bare)).mediaType, parseManifestDocument(json(bareIndex)).mediaType],
      [MediaType.OciManifest, MediaType.OciIndex],
    );
    const declared = parseManifestDocument(json(bare), MediaType.DockerManifest);
    assert.equal(declared.mediaType, MediaType.DockerManifest);
    assert.match(
      messageOf(() => parseManifestDocument(json({ schemaVersion: 2 }))),
      /neither a manifest/,
    );
  });

  it('refuses bytes that are not JSON, or not an object', () => {
    assert.match(
      messageOf(() => parseManifestDocument('{"schemaVersion": 2,')),
      /^manifest: not valid JSON: /,
    );
    assert.match(
      messageOf(() => parseManifestDocument(Buffer.from([0xff, 0xfe]))),
      /not valid JSON/,
    );
    assert.equal(
      messageOf(() => parseManifestDocument('[]')),
      'manifest: want a JSON object',
    );
  });

  it('refuses a document whose mediaType disagrees with the declared one', () => {
    assert.equal(
      messageOf(() => parseManifestDocument(json(ociManifest), MediaType.DockerManifest)),
      `manifest: the document's mediaType "${MediaType.OciManifest}" does not match the declared media type "${MediaType.DockerManifest}"`,
    );
    assert.match(
      messageOf(() => parseManifestDocument(json(ociIndex), MediaType.OciManifest)),
      /does not match/,
    );
  });

  it('refuses Docker schema1 with a message that says what to do', () => {
    const schema1 = { schemaVersion: 1, name: 'library/busybox', tag: 'latest', fsLayers: [], history: [] };
    const want = `manifest: ${SCHEMA1_NOT_SUPPORTED}`;
    assert.equal(
      messageOf(() => parseManifestDocument(json(schema1))),
      want,
    );
    assert.equal(
      messageOf(() => parseManifestDocument(json(schema1), MediaType.DockerSchema1SignedManifest)),
      want,
    );
    assert.equal(
      messageOf(() => parseManifestDocument(json(ociManifest), MediaType.DockerSchema1Manifest)),
      want,
    );
    assert.match(want, /push the image again with a current client/);
  });

  it('refuses an unknown media type, naming it', () => {
    const art = { ...ociManifest, mediaType: 'application/vnd.example.thing.v1+json' };
    assert.match(
      messageOf(() => parseManifestDocument(json(art))),
      /^manifest: unsupported media type "application\/vnd\.example\.thing\.v1\+json"/,
    );
    assert.match(
      messageOf(() => parseManifestDocument(json(ociIndex).replace(/"mediaType":"[^"]*",/, ''), 'text/html')),
      /unsupported media type "text\/html"/,
    );
    assert.match(
      messageOf(() => parseManifestDocument(json({ ...ociManifest, mediaType: 7 }))),
      /mediaType: want a string/,
    );
  });

  it('names the bad field by its path', () => {
    const bad = structuredClone(dockerManifest);
    bad.layers[1].digest = 'sha256:zz' as typeof d1;
    assert.match(
      messageOf(() => parseManifestDocument(json(bad))),
      /^manifest: layers\[1\]\.digest: invalid digest "sha256:zz"/,
    );
    const badList = structuredClone(dockerList);
    badList.manifests[0].platform.features = 'sse4' as unknown as string[];
    assert.match(
      messageOf(() => parseManifestDocument(json(badList))),
      /^manifest list: manifests\[0\]\.platform\.features: want an array, got a string$/,
    );
  });
});

describe('validators', () => {
  it('check a platform on any descriptor', () => {
    const layerWithPlatform = structuredClone(ociManifest) as Record<string, unknown> & typeof ociManifest;
    (layerWithPlatform.layers[0] as Record<string, unknown>).platform = { os: 'linux' };
    assert.match(
      messageOf(() => validateManifest(layerWithPlatform)),
      /^manifest: layers\[0\]\.platform: missing required field "architecture"$/,
    );
  });

  it('return the document itself, unknown members included', () => {
    const withExtra = { ...ociIndex, 'com.example': true };
    assert.equal(validateIndex(withExtra), withExtra);
    const desc = { mediaType: MediaType.OciEmpty, size: 2, digest: digestOf('{}'), data: 'e30=' };
    assert.equal(validateDescriptor(desc), desc);
  });

  it('refuse sizes JavaScript cannot hold exactly', () => {
    const big = { ...ociIndex.manifests[0], size: 2 ** 53 };
    assert.match(
      messageOf(() => validateDescriptor(big)),
      /^descriptor: size: 9007199254740992 is out of range/,
    );
  });
});

describe('parseImageConfig', () => {
  const config = {
    architecture: 'amd64',
    os: 'linux',
    created: '2024-01-31T12:00:00.123456789Z',
    config: {
      Env: ['PATH=/usr/bin'],
      Cmd: ['sh'],
      Healthcheck: { Test: ['CMD', 'true'], Interval: 30_000_000_000, Retries: 3 },
      OnBuild: null,
      Shell: ['/bin/sh', '-c'],
    },
    rootfs: { type: 'layers', diff_ids: [d1] },
    history: [{ created_by: 'ADD rootfs', comment: 'x' }],
    docker_version: '24.0.0',
  };

  it('reads a Docker config with its own members', () => {
    assert.deepEqual(parseImageConfig(Buffer.from(json(config))), config);
  });

  it('tolerates Env: null, as Docker writes it', () => {
    const c = parseImageConfig(json({ ...config, config: { Env: null } }));
    assert.equal(c.config?.Env, null);
  });

  it("type-checks Docker's members too", () => {
    const bad = structuredClone(config) as Record<string, unknown> & typeof config;
    bad.config.Healthcheck.Retries = -1;
    assert.match(
      messageOf(() => validateImageConfig(bad)),
      /^image config: config\.Healthcheck\.Retries: -1 is out of range/,
    );
    assert.match(
      messageOf(() => validateImageConfig({ ...config, docker_version: 24 })),
      /docker_version: want a string/,
    );
  });

  it('refuses what is not a config', () => {
    assert.match(
      messageOf(() => parseImageConfig('not json')),
      /^image config: not valid JSON/,
    );
    assert.equal(
      messageOf(() => parseImageConfig('null')),
      'image config: want an object, got null',
    );
    assert.match(
      messageOf(() => parseImageConfig(json({ ...config, rootfs: undefined }))),
      /missing required field "rootfs"/,
    );
  });
});

describe('parseImageLayout', () => {
  it('reads the oci-layout file', () => {
    assert.deepEqual(parseImageLayout('{"imageLayoutVersion":"1.0.0"}'), { imageLayoutVersion: '1.0.0' });
    assert.match(
      messageOf(() => parseImageLayout('{"imageLayoutVersion":"2.0.0"}')),
      /unsupported image layout version "2\.0\.0"/,
    );
    assert.match(
      messageOf(() => parseImageLayout('')),
      /^oci-layout: not valid JSON/,
    );
  });
});

describe('formats', () => {
  it('tells URIs', () => {
    for (const ok of [
      'https://example.com',
      'http://user:pw@host:8080/p/a?q=1&r#frag',
      'urn:x:y',
      'mailto:a@b.c',
      'http://[v1.x]/',
      'file:///x',
    ]) {
      assert.equal(isUri(ok), true, ok);
    }
    for (const bad of [
      '',
      'value',
      '/abs/path',
      '1http://x',
      'http://exa mple.com',
      'http://[::1/',
      'http://x/%2',
      'http://x/#a#b',
      'https:',
    ]) {
      assert.equal(isUri(bad), false, bad);
    }
  });

  it('tells RFC 3339 date-times', () => {
    for (const ok of [
      '2024-02-29T23:59:59Z',
      '1970-01-01t00:00:00.5+05:30',
      '0001-01-01T00:00:00Z',
      '2016-12-31T18:59:60-05:00',
    ]) {
      assert.equal(isDateTime(ok), true, ok);
    }
    for (const bad of [
      '2023-02-29T00:00:00Z',
      '2024-01-01',
      '2024-01-01T00:00Z',
      '2024-01-01T00:00:00+24:00',
      '2024-01-01TT00:00:00Z',
      '2024-1-01T00:00:00Z',
    ]) {
      assert.equal(isDateTime(bad), false, bad);
    }
  });
});
