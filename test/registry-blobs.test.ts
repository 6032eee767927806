// The blob endpoints of berth's registry server over HTTP: every way to push (monolithic,
// one POST, chunked, streamed, mounted), pulling with and without Range, and the errors.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { errorCode, http, pushBlob, sha256, startRegistry, type TestRegistry } from './registry-helpers.ts';

describe('registry blobs', () => {
  let r: TestRegistry;
  let base: string;
  before(async () => {
    r = await startRegistry();
    base = r.url;
  });
  after(() => r.close());

  it('answers the base endpoint with 200 {} and the API version header, also to HEAD', async () => {
    const get = await http('GET', `${base}/v2/`);
    assert.equal(get.status, 200);
    assert.deepEqual(get.json(), {});
    assert.equal(get.headers['docker-distribution-api-version'], 'registry/2.0');
    assert.equal((await http('HEAD', `${base}/v2/`)).status, 200);
    assert.equal((await http('GET', `${base}/v2`)).status, 200);
  });

  it('answers unknown paths 404, and a wrong method 405 UNSUPPORTED', async () => {
    const v2 = await http('GET', `${base}/v2/some/thing/else`);
    assert.equal(v2.status, 404);
    assert.equal(errorCode(v2), 'UNSUPPORTED');
    assert.equal((await http('GET', `${base}/elsewhere`)).status, 404);
    const post = await http('POST', `${base}/v2/a/tags/list`);
    assert.equal(post.status, 405);
    assert.equal(errorCode(post), 'UNSUPPORTED');
  });

  it('pushes monolithically: POST gives an upload, PUT with the body and digest makes the blob', async () => {
    const bytes = randomBytes(5000);
    const start = await http('POST', `${base}/v2/mono/blobs/uploads/`);
    assert.equal(start.status, 202);
    const uuid = start.headers['docker-upload-uuid'] as string;
    assert.match(uuid, /^[0-9a-f-]{36}$/);
    assert.equal(start.headers.location, `/v2/mono/blobs/uploads/${uuid}`);
    assert.equal(start.headers.range, '0-0');
    const put = await http('PUT', `${base}${start.headers.location}?digest=${sha256(bytes)}`, {
      body: bytes,
    });
    assert.equal(put.status, 201, put.text);
    assert.equal(put.headers.location, `/v2/mono/blobs/${sha256(bytes)}`);
    assert.equal(put.headers['docker-content-digest'], sha256(bytes));
    const get = await http('GET', `${base}/v2/mono/blobs/${sha256(bytes)}`);
    assert.equal(get.status, 200);
    assert.deepEqual(get.body, bytes);
    assert.equal(get.headers['docker-content-digest'], sha256(bytes));
    assert.equal(get.headers['content-length'], '5000');
  });

  it('pushes a whole blob with one POST carrying the digest', async () => {
    const bytes = randomBytes(3000);
    const post = await http('POST', `${base}/v2/single/blobs/uploads/?digest=${sha256(bytes)}`, {
      body: bytes,
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    assert.equal(post.status, 201, post.text);
    assert.equal(post.headers.location, `/v2/single/blobs/${sha256(bytes)}`);
    assert.deepEqual((await http('GET', `${base}/v2/single/blobs/${sha256(bytes)}`)).body, bytes);
  });

  it('pushes in chunks with Content-Range, reports progress, refuses a chunk out of order with 416', async () => {
    const bytes = randomBytes(300);
    const start = await http('POST', `${base}/v2/chunked/blobs/uploads/`);
    const loc = `${base}${start.headers.location}`;
    const p1 = await http('PATCH', loc, {
      body: bytes.subarray(0, 100),
      headers: { 'Content-Range': '0-99', 'Content-Type': 'application/octet-stream' },
    });
    assert.equal(p1.status, 202, p1.text);
    assert.equal(p1.headers.range, '0-99');
    assert.equal(p1.headers.location, start.headers.location);
    assert.equal(p1.headers['docker-upload-uuid'], start.headers['docker-upload-uuid']);
    const status = await http('GET', loc);
    assert.equal(status.status, 204);
    assert.equal(status.headers.range, '0-99');
    const wrong = await http('PATCH', loc, {
      body: bytes.subarray(50, 61),
      headers: { 'Content-Range': '50-60' },
    });
    assert.equal(wrong.status, 416);
    assert.equal(errorCode(wrong), 'BLOB_UPLOAD_INVALID');
    const p2 = await http('PATCH', loc, {
      body: bytes.subarray(100, 200),
      headers: { 'Content-Range': '100-199' },
    });
    assert.equal(p2.status, 202);
    assert.equal(p2.headers.range, '0-199');
    const put = await http('PUT', `${loc}?digest=${sha256(bytes)}`, {
      body: bytes.subarray(200),
      headers: { 'Content-Range': '200-299' },
    });
    assert.equal(put.status, 201, put.text);
    assert.deepEqual((await http('GET', `${base}/v2/chunked/blobs/${sha256(bytes)}`)).body, bytes);
    assert.equal(errorCode(await http('GET', loc)), 'BLOB_UPLOAD_UNKNOWN', 'a finished upload is gone');
  });

  it('refuses a Content-Range that does not match Content-Length', async () => {
    const start = await http('POST', `${base}/v2/badrange/blobs/uploads/`);
    const r1 = await http('PATCH', `${base}${start.headers.location}`, {
      body: Buffer.alloc(10),
      headers: { 'Content-Range': '0-19' },
    });
    assert.equal(r1.status, 416);
    assert.equal(errorCode(r1), 'BLOB_UPLOAD_INVALID');
  });

  it('takes a streamed PATCH without Content-Range, then a PUT without a body', async () => {
    const parts = [randomBytes(70_000), randomBytes(70_000), randomBytes(1)];
    const all = Buffer.concat(parts);
    const start = await http('POST', `${base}/v2/streamed/blobs/uploads/`);
    const loc = `${base}${start.headers.location}`;
    const patch = await http('PATCH', loc, { body: Readable.from(parts) });
    assert.equal(patch.status, 202, patch.text);
    assert.equal(patch.headers.range, `0-${all.length - 1}`);
    const put = await http('PUT', `${loc}?digest=${sha256(all)}`);
    assert.equal(put.status, 201, put.text);
    assert.deepEqual((await http('GET', `${base}/v2/streamed/blobs/${sha256(all)}`)).body, all);
  });

  it('refuses a wrong digest with DIGEST_INVALID, drops the upload and shows no blob', async () => {
    const bytes = randomBytes(100);
    const claimed = sha256('something else');
    const start = await http('POST', `${base}/v2/wrong/blobs/uploads/`);
    const put = await http('PUT', `${base}${start.headers.location}?digest=${claimed}`, { body: bytes });
    assert.equal(put.status, 400);
    assert.equal(errorCode(put), 'DIGEST_INVALID');
    assert.equal(errorCode(await http('GET', `${base}${start.headers.location}`)), 'BLOB_UPLOAD_UNKNOWN');
    assert.equal((await http('HEAD', `${base}/v2/wrong/blobs/${claimed}`)).status, 404);
    assert.equal((await http('HEAD', `${base}/v2/wrong/blobs/${sha256(bytes)}`)).status, 404);
  });

  it('refuses a PUT without a digest, or with a malformed one, with DIGEST_INVALID', async () => {
    const start = await http('POST', `${base}/v2/nodigest/blobs/uploads/`);
    const none = await http('PUT', `${base}${start.headers.location}`);
    assert.equal(none.status, 400);
    assert.equal(errorCode(none), 'DIGEST_INVALID');
    const bad = await http('PUT', `${base}${start.headers.location}?digest=sha256:1234`);
    assert.equal(errorCode(bad), 'DIGEST_INVALID');
    const sha512 = await http('GET', `${base}/v2/nodigest/blobs/md5:abc`);
    assert.equal(sha512.status, 400);
    assert.equal(errorCode(sha512), 'DIGEST_INVALID');
  });

  it('verifies sha512 digests too', async () => {
    const bytes = randomBytes(1000);
    const { createHash } = await import('node:crypto');
    const d = `sha512:${createHash('sha512').update(bytes).digest('hex')}`;
    const post = await http('POST', `${base}/v2/sha512/blobs/uploads/?digest=${d}`, { body: bytes });
    assert.equal(post.status, 201, post.text);
    assert.deepEqual((await http('GET', `${base}/v2/sha512/blobs/${d}`)).body, bytes);
  });

  it('knows no upload by a random id, a malformed id, or from another repository', async () => {
    const a = await http('GET', `${base}/v2/up/blobs/uploads/${randomUUID()}`);
    assert.equal(a.status, 404);
    assert.equal(errorCode(a), 'BLOB_UPLOAD_UNKNOWN');
    assert.equal(
      errorCode(await http('PATCH', `${base}/v2/up/blobs/uploads/not-a-uuid`, { body: 'x' })),
      'BLOB_UPLOAD_UNKNOWN',
    );
    const start = await http('POST', `${base}/v2/up/blobs/uploads/`);
    const other = await http(
      'GET',
      `${base}${String(start.headers.location).replace('/v2/up/', '/v2/other/')}`,
    );
    assert.equal(errorCode(other), 'BLOB_UPLOAD_UNKNOWN');
  });

  it('cancels an upload with DELETE', async () => {
    const start = await http('POST', `${base}/v2/cancel/blobs/uploads/`);
    await http('PATCH', `${base}${start.headers.location}`, { body: 'partial' });
    const del = await http('DELETE', `${base}${start.headers.location}`);
    assert.equal(del.status, 204);
    assert.equal((await http('GET', `${base}${start.headers.location}`)).status, 404);
    assert.equal((await http('DELETE', `${base}${start.headers.location}`)).status, 404);
  });

  it('mounts a blob from another repository, and starts an upload when that one lacks it', async () => {
    const bytes = randomBytes(777);
    const d = await pushBlob(base, 'mount/src', bytes);
    const m = await http('POST', `${base}/v2/mount/dst/blobs/uploads/?mount=${d}&from=mount/src`);
    assert.equal(m.status, 201, m.text);
    assert.equal(m.headers.location, `/v2/mount/dst/blobs/${d}`);
    assert.equal(m.headers['docker-content-digest'], d);
    assert.deepEqual((await http('GET', `${base}/v2/mount/dst/blobs/${d}`)).body, bytes);
    const missing = sha256('not pushed anywhere');
    const fallback = await http(
      'POST',
      `${base}/v2/mount/dst/blobs/uploads/?mount=${missing}&from=mount/src`,
    );
    assert.equal(fallback.status, 202);
    assert.ok(fallback.headers['docker-upload-uuid']);
    const notThere = await http(
      'POST',
      `${base}/v2/mount/other/blobs/uploads/?mount=${d}&from=mount/nothing`,
    );
    assert.equal(notThere.status, 202);
  });

  it('mounts without `from` any blob of the registry when no authorizer guards it', async () => {
    const d = await pushBlob(base, 'anywhere/src', randomBytes(50));
    const m = await http('POST', `${base}/v2/anywhere/dst/blobs/uploads/?mount=${d}`);
    assert.equal(m.status, 201, m.text);
    assert.equal((await http('HEAD', `${base}/v2/anywhere/dst/blobs/${d}`)).status, 200);
  });

  it('serves HEAD with the size and digest and no body', async () => {
    const bytes = randomBytes(1234);
    const d = await pushBlob(base, 'head', bytes);
    const h = await http('HEAD', `${base}/v2/head/blobs/${d}`);
    assert.equal(h.status, 200);
    assert.equal(h.headers['content-length'], '1234');
    assert.equal(h.headers['docker-content-digest'], d);
    assert.equal(h.body.length, 0);
  });

  it('serves byte ranges with 206, and 416 for a range past the end', async () => {
    const bytes = randomBytes(100);
    const d = await pushBlob(base, 'ranges', bytes);
    const part = await http('GET', `${base}/v2/ranges/blobs/${d}`, { headers: { Range: 'bytes=10-19' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], 'bytes 10-19/100');
    assert.deepEqual(part.body, bytes.subarray(10, 20));
    const open = await http('GET', `${base}/v2/ranges/blobs/${d}`, { headers: { Range: 'bytes=90-' } });
    assert.deepEqual(open.body, bytes.subarray(90));
    const suffix = await http('GET', `${base}/v2/ranges/blobs/${d}`, { headers: { Range: 'bytes=-5' } });
    assert.deepEqual(suffix.body, bytes.subarray(95));
    const past = await http('GET', `${base}/v2/ranges/blobs/${d}`, { headers: { Range: 'bytes=100-200' } });
    assert.equal(past.status, 416);
    assert.equal(past.headers['content-range'], 'bytes */100');
  });

  it('answers BLOB_UNKNOWN for a blob not in the repository, even when another has it', async () => {
    const d = await pushBlob(base, 'has/it', randomBytes(10));
    const other = await http('GET', `${base}/v2/lacks/it/blobs/${d}`);
    assert.equal(other.status, 404);
    assert.equal(errorCode(other), 'BLOB_UNKNOWN');
    assert.equal(other.json().errors[0].detail.digest, d);
    assert.equal((await http('HEAD', `${base}/v2/has/it/blobs/${sha256('nope')}`)).status, 404);
  });

  it('refuses invalid repository names with NAME_INVALID', async () => {
    for (const name of ['UPPER', 'a//b', '-lead', 'trail-', 'a..b', 'x'.repeat(256)]) {
      const r1 = await http('POST', `${base}/v2/${name}/blobs/uploads/`);
      assert.equal(r1.status, 400, name);
      assert.equal(errorCode(r1), 'NAME_INVALID', name);
    }
    assert.equal((await http('POST', `${base}/v2/a__b/c-d/e.f/blobs/uploads/`)).status, 202);
  });

  it('allows an empty blob', async () => {
    const d = await pushBlob(base, 'empty', Buffer.alloc(0));
    const g = await http('GET', `${base}/v2/empty/blobs/${d}`);
    assert.equal(g.status, 200);
    assert.equal(g.body.length, 0);
  });

  it('logs one access line per request', async () => {
    await http('GET', `${base}/v2/?logme=1`);
    const line = r.logs.find((l) => l.includes('/v2/?logme=1'));
    assert.match(
      line ?? '',
      /^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/v2\/\?logme=1 HTTP\/1\.1" 200 2 [\d.]+ms$/,
    );
  });
});

describe('registry upload limits', () => {
  it('refuses uploads past limits.maxuploads with 429 TOOMANYREQUESTS, and purges stale uploads', async () => {
    const r = await startRegistry({ limits: { maxUploads: 1 } });
    try {
      const first = await http('POST', `${r.url}/v2/lim/blobs/uploads/`);
      assert.equal(first.status, 202);
      const second = await http('POST', `${r.url}/v2/lim/blobs/uploads/`);
      assert.equal(second.status, 429);
      assert.equal(errorCode(second), 'TOOMANYREQUESTS');
      const purged = await r.registry.purgeUploads(new Date(Date.now() + 25 * 3600_000));
      assert.deepEqual(purged, [first.headers['docker-upload-uuid']]);
      assert.equal((await http('GET', `${r.url}${first.headers.location}`)).status, 404);
      assert.equal((await http('POST', `${r.url}/v2/lim/blobs/uploads/`)).status, 202);
      assert.deepEqual(await r.registry.purgeUploads(), [], 'a fresh upload is not purged');
    } finally {
      await r.close();
    }
  });

  it('adds the configured headers to every answer', async () => {
    const r = await startRegistry({ headers: { 'X-Content-Type-Options': ['nosniff'] } });
    try {
      const res = await http('GET', `${r.url}/v2/nothing/tags/list`);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
    } finally {
      await r.close();
    }
  });
});
