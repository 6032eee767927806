// The manifest endpoints of berth's registry server: push by tag and by digest, the checks
// on push (media type, JSON, references, schema1, size), pull by tag and digest.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  errorCode,
  http,
  makeImage,
  OCI_INDEX,
  OCI_MANIFEST,
  pushBlob,
  pushImage,
  sha256,
  startRegistry,
  type TestRegistry,
} from './registry-helpers.ts';

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

describe('registry manifests', () => {
  let r: TestRegistry;
  let base: string;
  before(async () => {
    r = await startRegistry({ limits: { manifestBytes: 64 * 1024 } });
    base = r.url;
  });
  after(() => r.close());

  it('pushes by tag and serves the exact bytes by tag and by digest, also to HEAD', async () => {
    const img = makeImage();
    const put = await pushImage(base, 'app', 'v1', img);
    assert.equal(put.status, 201, put.text);
    assert.equal(put.headers.location, `/v2/app/manifests/${img.digest}`);
    assert.equal(put.headers['docker-content-digest'], img.digest);
    for (const ref of ['v1', img.digest]) {
      const get = await http('GET', `${base}/v2/app/manifests/${ref}`, { headers: { Accept: OCI_MANIFEST } });
      assert.equal(get.status, 200);
      assert.deepEqual(get.body, img.manifest);
      assert.equal(get.headers['content-type'], OCI_MANIFEST);
      assert.equal(get.headers['docker-content-digest'], img.digest);
      const head = await http('HEAD', `${base}/v2/app/manifests/${ref}`);
      assert.equal(head.status, 200);
      assert.equal(head.headers['content-length'], String(img.manifest.length));
      assert.equal(head.headers['docker-content-digest'], img.digest);
      assert.equal(head.body.length, 0);
    }
  });

  it('keeps the bytes as sent: whitespace and key order are part of the digest', async () => {
    const img = makeImage([10]);
    const pretty = Buffer.from(`${JSON.stringify(JSON.parse(img.manifest.toString()), null, 3)}\n`);
    await pushBlob(base, 'pretty', img.config);
    await pushBlob(base, 'pretty', img.layers[0]);
    const put = await http('PUT', `${base}/v2/pretty/manifests/latest`, {
      body: pretty,
      headers: { 'Content-Type': OCI_MANIFEST },
    });
    assert.equal(put.headers['docker-content-digest'], sha256(pretty));
    assert.deepEqual((await http('GET', `${base}/v2/pretty/manifests/latest`)).body, pretty);
  });

  it('pushes by digest, and refuses a body whose digest is not the URL one', async () => {
    const img = makeImage([20]);
    const put = await pushImage(base, 'bydigest', img.digest, img);
    assert.equal(put.status, 201, put.text);
    const other = makeImage([20]);
    await pushBlob(base, 'bydigest', other.config);
    await pushBlob(base, 'bydigest', other.layers[0]);
    const wrong = await http('PUT', `${base}/v2/bydigest/manifests/${img.digest}`, {
      body: other.manifest,
      headers: { 'Content-Type': OCI_MANIFEST },
    });
    assert.equal(wrong.status, 400);
    assert.equal(errorCode(wrong), 'DIGEST_INVALID');
  });

  it('refuses a manifest whose config or layer is not in the repository with MANIFEST_BLOB_UNKNOWN', async () => {
    const img = makeImage([30, 40]);
    await pushBlob(base, 'partial', img.config);
    await pushBlob(base, 'partial', img.layers[0]);
    await pushBlob(base, 'elsewhere', img.layers[1]);
    const put = await http('PUT', `${base}/v2/partial/manifests/x`, {
      body: img.manifest,
      headers: { 'Content-Type': OCI_MANIFEST },
    });
    assert.equal(put.status, 400);
    assert.equal(errorCode(put), 'MANIFEST_BLOB_UNKNOWN');
    assert.equal(put.json().errors[0].detail.digest, sha256(img.layers[1]));
    assert.equal(errorCode(await http('GET', `${base}/v2/partial/manifests/x`)), 'MANIFEST_UNKNOWN');
  });

  it('accepts a foreign layer with urls that is not in the registry', async () => {
    const config = Buffer.from(
      '{"architecture":"amd64","os":"windows","rootfs":{"type":"layers","diff_ids":[]}}',
    );
    await pushBlob(base, 'foreign', config);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST,
        config: {
          mediaType: 'application/vnd.docker.container.image.v1+json',
          digest: sha256(config),
          size: config.length,
        },
        layers: [
          {
            mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
            digest: sha256('far away'),
            size: 8,
            urls: ['https://example.com/layer'],
          },
        ],
      }),
    );
    const put = await http('PUT', `${base}/v2/foreign/manifests/win`, {
      body: manifest,
      headers: { 'Content-Type': DOCKER_MANIFEST },
    });
    assert.equal(put.status, 201, put.text);
    assert.equal(
      (await http('GET', `${base}/v2/foreign/manifests/win`)).headers['content-type'],
      DOCKER_MANIFEST,
    );
  });

  it('refuses invalid JSON, a Content-Type that disagrees with mediaType, and a bad document, with MANIFEST_INVALID', async () => {
    const img = makeImage([5]);
    await pushImage(base, 'invalid', 'ok', img);
    const cases: [Buffer | string, string][] = [
      ['{not json', OCI_MANIFEST],
      [img.manifest, DOCKER_MANIFEST],
      [img.manifest, OCI_INDEX],
      [JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: {}, layers: [] }), OCI_MANIFEST],
      ['[]', OCI_MANIFEST],
      [JSON.stringify({ schemaVersion: 2, mediaType: 'application/x-other' }), 'application/x-other'],
    ];
    for (const [body, type] of cases) {
      const put = await http('PUT', `${base}/v2/invalid/manifests/bad`, {
        body,
        headers: { 'Content-Type': type },
      });
      assert.equal(put.status, 400, `${type} ${body}`);
      assert.equal(errorCode(put), 'MANIFEST_INVALID', `${type} ${body}`);
    }
    const badTag = await http('PUT', `${base}/v2/invalid/manifests/.dot`, {
      body: img.manifest,
      headers: { 'Content-Type': OCI_MANIFEST },
    });
    assert.equal(errorCode(badTag), 'MANIFEST_INVALID');
  });

  it('refuses Docker schema1 clearly', async () => {
    const schema1 = JSON.stringify({
      schemaVersion: 1,
      name: 'x',
      tag: 'y',
      architecture: 'amd64',
      fsLayers: [],
      history: [],
    });
    for (const type of [
      'application/vnd.docker.distribution.manifest.v1+prettyjws',
      'application/vnd.docker.distribution.manifest.v1+json',
    ]) {
      const put = await http('PUT', `${base}/v2/old/manifests/s1`, {
        body: schema1,
        headers: { 'Content-Type': type },
      });
      assert.equal(put.status, 400);
      assert.equal(errorCode(put), 'MANIFEST_INVALID');
      assert.match(put.json().errors[0].message, /schema 1 is not supported/);
    }
  });

  it('refuses a manifest over limits.manifestbytes with 413 SIZE_INVALID', async () => {
    const big = makeImage([5], { annotations: { pad: 'x'.repeat(70 * 1024) } });
    const put = await pushImage(base, 'big', 'huge', big);
    assert.equal(put.status, 413);
    assert.equal(errorCode(put), 'SIZE_INVALID');
  });

  it('takes Docker schema2 manifests and manifest lists, and OCI indexes whose children are present', async () => {
    const img = makeImage([15]);
    const docker = Buffer.from(
      JSON.stringify({
        ...JSON.parse(img.manifest.toString()),
        mediaType: DOCKER_MANIFEST,
        config: {
          ...JSON.parse(img.manifest.toString()).config,
          mediaType: 'application/vnd.docker.container.image.v1+json',
        },
      }),
    );
    await pushBlob(base, 'multi', img.config);
    await pushBlob(base, 'multi', img.layers[0]);
    const put = await http('PUT', `${base}/v2/multi/manifests/amd64`, {
      body: docker,
      headers: { 'Content-Type': DOCKER_MANIFEST },
    });
    assert.equal(put.status, 201, put.text);
    const entry = {
      mediaType: DOCKER_MANIFEST,
      digest: sha256(docker),
      size: docker.length,
      platform: { architecture: 'amd64', os: 'linux' },
    };
    const list = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: DOCKER_LIST, manifests: [entry] }),
    );
    const putList = await http('PUT', `${base}/v2/multi/manifests/latest`, {
      body: list,
      headers: { 'Content-Type': DOCKER_LIST },
    });
    assert.equal(putList.status, 201, putList.text);
    assert.equal(
      (await http('GET', `${base}/v2/multi/manifests/latest`)).headers['content-type'],
      DOCKER_LIST,
    );
    const missing = { ...entry, digest: sha256('not a manifest here') };
    const index = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [entry, missing] }),
    );
    const bad = await http('PUT', `${base}/v2/multi/manifests/idx`, {
      body: index,
      headers: { 'Content-Type': OCI_INDEX },
    });
    assert.equal(bad.status, 400);
    assert.equal(errorCode(bad), 'MANIFEST_BLOB_UNKNOWN');
    const good = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [entry] }));
    assert.equal(
      (
        await http('PUT', `${base}/v2/multi/manifests/idx`, {
          body: good,
          headers: { 'Content-Type': OCI_INDEX },
        })
      ).status,
      201,
    );
  });

  it('answers MANIFEST_UNKNOWN for an unknown tag or digest', async () => {
    for (const ref of ['nope', sha256('nope'), 'bad:ref']) {
      const get = await http('GET', `${base}/v2/app/manifests/${ref}`);
      assert.equal(get.status, 404, ref);
      assert.equal(errorCode(get), 'MANIFEST_UNKNOWN', ref);
    }
  });

  it('keeps one whole manifest under a tag that many clients push at once', async () => {
    const images = [makeImage([11]), makeImage([12]), makeImage([13])];
    for (const img of images) {
      await pushBlob(base, 'race', img.config);
      await pushBlob(base, 'race', img.layers[0]);
    }
    const puts = Array.from({ length: 24 }, (_, i) =>
      http('PUT', `${base}/v2/race/manifests/latest`, {
        body: images[i % 3].manifest,
        headers: { 'Content-Type': OCI_MANIFEST },
      }),
    );
    for (const p of await Promise.all(puts)) assert.equal(p.status, 201);
    const get = await http('GET', `${base}/v2/race/manifests/latest`);
    assert.ok(images.some((img) => img.digest === get.headers['docker-content-digest']));
    assert.equal(sha256(get.body), get.headers['docker-content-digest']);
  });

  it('commits each of many concurrent uploads of the same blob', async () => {
    const bytes = randomBytes(200_000);
    const digests = await Promise.all(
      Array.from({ length: 8 }, (_, i) => pushBlob(base, `same/r${i % 2}`, bytes)),
    );
    assert.ok(digests.every((d) => d === sha256(bytes)));
    for (const repo of ['same/r0', 'same/r1'])
      assert.deepEqual((await http('GET', `${base}/v2/${repo}/blobs/${sha256(bytes)}`)).body, bytes);
  });
});
