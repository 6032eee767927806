// Tags, catalog, deletion and the referrers API of berth's registry server.
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

describe('registry tags and catalog', () => {
  let r: TestRegistry;
  let base: string;
  before(async () => {
    r = await startRegistry();
    base = r.url;
    const img = makeImage([10]);
    for (const tag of ['c', 'a', 'b', 'd', 'e']) await pushImage(base, 'lib/tags', tag, img);
    await pushImage(base, 'lib', 'x', img);
    await pushImage(base, 'zeta', 'x', img);
    await pushBlob(base, 'blobonly', 'x');
  });
  after(() => r.close());

  it('lists tags sorted, in pages with n and last and a Link to the next page', async () => {
    assert.deepEqual((await http('GET', `${base}/v2/lib/tags/tags/list`)).json(), {
      name: 'lib/tags',
      tags: ['a', 'b', 'c', 'd', 'e'],
    });
    const p1 = await http('GET', `${base}/v2/lib/tags/tags/list?n=2`);
    assert.deepEqual(p1.json().tags, ['a', 'b']);
    assert.equal(p1.headers.link, '</v2/lib/tags/tags/list?last=b&n=2>; rel="next"');
    const p2 = await http('GET', `${base}/v2/lib/tags/tags/list?n=2&last=b`);
    assert.deepEqual(p2.json().tags, ['c', 'd']);
    const p3 = await http('GET', `${base}/v2/lib/tags/tags/list?n=2&last=d`);
    assert.deepEqual(p3.json().tags, ['e']);
    assert.equal(p3.headers.link, undefined);
    assert.deepEqual((await http('GET', `${base}/v2/lib/tags/tags/list?n=0`)).json().tags, []);
    assert.deepEqual((await http('GET', `${base}/v2/lib/tags/tags/list?last=c`)).json().tags, ['d', 'e']);
    const bad = await http('GET', `${base}/v2/lib/tags/tags/list?n=-1`);
    assert.equal(bad.status, 400);
  });

  it('answers NAME_UNKNOWN for the tags of an unknown repository, and [] for one with blobs only', async () => {
    const r1 = await http('GET', `${base}/v2/no/such/tags/list`);
    assert.equal(r1.status, 404);
    assert.equal(errorCode(r1), 'NAME_UNKNOWN');
    assert.deepEqual((await http('GET', `${base}/v2/blobonly/tags/list`)).json().tags, []);
  });

  it('lists repositories in the catalog, nested ones too, in pages', async () => {
    assert.deepEqual((await http('GET', `${base}/v2/_catalog`)).json(), {
      repositories: ['blobonly', 'lib', 'lib/tags', 'zeta'],
    });
    const p1 = await http('GET', `${base}/v2/_catalog?n=3`);
    assert.deepEqual(p1.json().repositories, ['blobonly', 'lib', 'lib/tags']);
    assert.equal(p1.headers.link, '</v2/_catalog?last=lib%2Ftags&n=3>; rel="next"');
    const p2 = await http('GET', `${base}/v2/_catalog?n=3&last=lib%2Ftags`);
    assert.deepEqual(p2.json().repositories, ['zeta']);
  });
});

describe('registry deletion', () => {
  it('is refused with 405 UNSUPPORTED unless storage.delete.enabled', async () => {
    const r = await startRegistry();
    try {
      const img = makeImage([10]);
      await pushImage(r.url, 'keep', 'v1', img);
      for (const path of ['manifests/v1', `manifests/${img.digest}`, `blobs/${sha256(img.layers[0])}`]) {
        const del = await http('DELETE', `${r.url}/v2/keep/${path}`);
        assert.equal(del.status, 405, path);
        assert.equal(errorCode(del), 'UNSUPPORTED');
      }
      assert.equal((await http('GET', `${r.url}/v2/keep/manifests/v1`)).status, 200);
    } finally {
      await r.close();
    }
  });

  describe('when enabled', () => {
    let r: TestRegistry;
    before(async () => {
      r = await startRegistry({ deleteEnabled: true });
    });
    after(() => r.close());

    it('deletes a tag and keeps the manifest', async () => {
      const img = makeImage([10]);
      await pushImage(r.url, 'deltag', 'v1', img);
      await pushImage(r.url, 'deltag', 'v2', img);
      assert.equal((await http('DELETE', `${r.url}/v2/deltag/manifests/v1`)).status, 202);
      assert.equal(errorCode(await http('GET', `${r.url}/v2/deltag/manifests/v1`)), 'MANIFEST_UNKNOWN');
      assert.equal((await http('GET', `${r.url}/v2/deltag/manifests/${img.digest}`)).status, 200);
      assert.deepEqual((await http('GET', `${r.url}/v2/deltag/tags/list`)).json().tags, ['v2']);
    });

    it('deletes a manifest by digest with every tag pointing at it', async () => {
      const img = makeImage([10]);
      const other = makeImage([10]);
      await pushImage(r.url, 'delman', 'a', img);
      await pushImage(r.url, 'delman', 'b', img);
      await pushImage(r.url, 'delman', 'c', other);
      assert.equal((await http('DELETE', `${r.url}/v2/delman/manifests/${img.digest}`)).status, 202);
      assert.equal((await http('GET', `${r.url}/v2/delman/manifests/${img.digest}`)).status, 404);
      assert.deepEqual((await http('GET', `${r.url}/v2/delman/tags/list`)).json().tags, ['c']);
      const again = await http('DELETE', `${r.url}/v2/delman/manifests/${img.digest}`);
      assert.equal(again.status, 404);
      assert.equal(errorCode(again), 'MANIFEST_UNKNOWN');
    });

    it('deletes a blob from a repository', async () => {
      const d = await pushBlob(r.url, 'delblob', randomBytes(100));
      const del = await http('DELETE', `${r.url}/v2/delblob/blobs/${d}`);
      assert.equal(del.status, 202);
      assert.equal((await http('HEAD', `${r.url}/v2/delblob/blobs/${d}`)).status, 404);
      const again = await http('DELETE', `${r.url}/v2/delblob/blobs/${d}`);
      assert.equal(again.status, 404);
      assert.equal(errorCode(again), 'BLOB_UNKNOWN');
    });
  });
});

describe('registry referrers', () => {
  let r: TestRegistry;
  let image: ReturnType<typeof makeImage>;
  const empty = Buffer.from('{}');
  const artifact = (artifactType: string, note: string) =>
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        artifactType,
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: 2 },
        layers: [{ mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: 2 }],
        subject: { mediaType: OCI_MANIFEST, digest: image.digest, size: image.manifest.length },
        annotations: { note },
      }),
    );
  before(async () => {
    r = await startRegistry({ deleteEnabled: true });
    image = makeImage([10]);
    await pushImage(r.url, 'ref', 'v1', image);
    await pushBlob(r.url, 'ref', empty);
  });
  after(() => r.close());

  it('answers a push with a subject with OCI-Subject, and lists it among the referrers', async () => {
    const sbom = artifact('application/vnd.example.sbom', 'sbom');
    const put = await http('PUT', `${r.url}/v2/ref/manifests/${sha256(sbom)}`, {
      body: sbom,
      headers: { 'Content-Type': OCI_MANIFEST },
    });
    assert.equal(put.status, 201, put.text);
    assert.equal(put.headers['oci-subject'], image.digest);
    const sig = artifact('application/vnd.example.sig', 'sig');
    await http('PUT', `${r.url}/v2/ref/manifests/${sha256(sig)}`, {
      body: sig,
      headers: { 'Content-Type': OCI_MANIFEST },
    });

    const all = await http('GET', `${r.url}/v2/ref/referrers/${image.digest}`);
    assert.equal(all.status, 200);
    assert.equal(all.headers['content-type'], OCI_INDEX);
    assert.equal(all.headers['oci-filters-applied'], undefined);
    const body = all.json();
    assert.equal(body.schemaVersion, 2);
    assert.equal(body.mediaType, OCI_INDEX);
    const byType = Object.fromEntries(
      body.manifests.map((m: { artifactType: string }) => [m.artifactType, m]),
    );
    assert.deepEqual(byType['application/vnd.example.sbom'], {
      mediaType: OCI_MANIFEST,
      digest: sha256(sbom),
      size: sbom.length,
      artifactType: 'application/vnd.example.sbom',
      annotations: { note: 'sbom' },
    });
    assert.equal(body.manifests.length, 2);

    const filtered = await http(
      'GET',
      `${r.url}/v2/ref/referrers/${image.digest}?artifactType=application/vnd.example.sig`,
    );
    assert.equal(filtered.headers['oci-filters-applied'], 'artifactType');
    assert.deepEqual(
      filtered.json().manifests.map((m: { digest: string }) => m.digest),
      [sha256(sig)],
    );

    assert.equal((await http('DELETE', `${r.url}/v2/ref/manifests/${sha256(sig)}`)).status, 202);
    assert.deepEqual(
      (await http('GET', `${r.url}/v2/ref/referrers/${image.digest}`))
        .json()
        .manifests.map((m: { digest: string }) => m.digest),
      [sha256(sbom)],
    );
  });

  it('takes a manifest whose subject is not in the registry, and lists an empty index for unknown subjects', async () => {
    const unknownSubject = sha256('never pushed');
    const m = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: 2 },
        layers: [{ mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: 2 }],
        subject: { mediaType: OCI_MANIFEST, digest: unknownSubject, size: 100 },
      }),
    );
    const put = await http('PUT', `${r.url}/v2/ref/manifests/${sha256(m)}`, {
      body: m,
      headers: { 'Content-Type': OCI_MANIFEST },
    });
    assert.equal(put.headers['oci-subject'], unknownSubject);
    const list = (await http('GET', `${r.url}/v2/ref/referrers/${unknownSubject}`)).json();
    assert.equal(
      list.manifests[0].artifactType,
      'application/vnd.oci.empty.v1+json',
      "the config's media type when no artifactType",
    );
    const none = await http('GET', `${r.url}/v2/other/referrers/${sha256('x')}`);
    assert.equal(none.status, 200);
    assert.deepEqual(none.json().manifests, []);
    const bad = await http('GET', `${r.url}/v2/ref/referrers/sha256:nothex`);
    assert.equal(bad.status, 400);
    assert.equal(errorCode(bad), 'DIGEST_INVALID');
  });
});
