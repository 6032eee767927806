// Bad requests to berth's registry server, each answered with its OCI error and each
// leaving the storage as it was: the registry root's files (paths and contents) are
// compared before and after. Cases the other registry tests answer without looking at
// the storage, and cases they do not have: an upload cut short by the client, a chunk
// longer than its Content-Range, malformed Content-Range values, bad names on every
// route, a push with no or too little token, and a token past its expiry.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { createAuthorizer } from '../src/registry/auth/index.ts';
import {
  errorCode,
  http,
  makeImage,
  OCI_MANIFEST,
  pushBlob,
  pushImage,
  type Reply,
  sha256,
  startRegistry,
  type TestRegistry,
} from './registry-helpers.ts';

/** Every file and directory under `root`: path to content hash ('dir' for directories). */
async function snapshot(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
    const path = join(e.parentPath ?? e.path, e.name);
    const rel = relative(root, path);
    if (e.isDirectory()) out.set(rel, 'dir');
    else
      out.set(
        rel,
        createHash('sha256')
          .update(await readFile(path))
          .digest('hex'),
      );
  }
  return out;
}

async function assertUntouched(root: string, before: Map<string, string>, what: string): Promise<void> {
  assert.deepEqual(await snapshot(root), before, `${what}: the storage changed`);
}

/** Poll `check` until it holds (the server finishes an aborted request after the client is gone). */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sameSnapshot = (a: Map<string, string>, b: Map<string, string>) =>
  a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

/** Send a request's head announcing `length` bytes, then only `body`, then close the connection. */
function cutShort(url: string, method: string, length: number, body: Buffer): Promise<void> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname, () => {
      socket.write(
        `${method} ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\n` +
          `Content-Type: application/octet-stream\r\nContent-Length: ${length}\r\n\r\n`,
      );
      socket.write(body, () => {
        socket.destroy();
        resolve();
      });
    });
    socket.on('error', reject);
  });
}

/** A request whose path goes out exactly as given (a URL would resolve `..` before sending). */
function rawPath(
  method: string,
  base: string,
  path: string,
  opts: { body?: Buffer; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, method, path, headers: opts.headers, agent: false },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(parts);
          const text = body.toString();
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text,
            json: () => JSON.parse(text),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('registry bad requests leave the storage untouched', () => {
  let r: TestRegistry;
  let base: string;
  before(async () => {
    r = await startRegistry({ limits: { manifestBytes: 64 * 1024, requestTimeoutMs: 5000 } });
    base = r.url;
    // Something in the store already, so "untouched" means more than "still empty".
    await pushImage(base, 'present', 'v1', makeImage([100]));
  });
  after(() => r.close());

  it('wrong digest, monolithic and after chunks: DIGEST_INVALID, no blob, no upload left', async () => {
    const bytes = randomBytes(500);
    const claimed = sha256('not these bytes');
    const snap = await snapshot(r.root);
    const single = await http('POST', `${base}/v2/present/blobs/uploads/?digest=${claimed}`, { body: bytes });
    assert.equal(single.status, 400, single.text);
    assert.equal(errorCode(single), 'DIGEST_INVALID');
    await assertUntouched(r.root, snap, 'monolithic POST with a wrong digest');

    const start = await http('POST', `${base}/v2/present/blobs/uploads/`);
    const loc = `${base}${start.headers.location}`;
    assert.equal(
      (await http('PATCH', loc, { body: bytes, headers: { 'Content-Range': '0-499' } })).status,
      202,
    );
    const put = await http('PUT', `${loc}?digest=${claimed}`);
    assert.equal(put.status, 400, put.text);
    assert.equal(errorCode(put), 'DIGEST_INVALID');
    await assertUntouched(r.root, snap, 'chunked upload finished with a wrong digest');
  });

  it('a chunk longer than its Content-Range: 416 BLOB_UPLOAD_INVALID, the upload as it was', async () => {
    const start = await http('POST', `${base}/v2/present/blobs/uploads/`);
    const loc = `${base}${start.headers.location}`;
    assert.equal(
      (await http('PATCH', loc, { body: randomBytes(10), headers: { 'Content-Range': '0-9' } })).status,
      202,
    );
    const snap = await snapshot(r.root);
    const over = await http('PATCH', loc, { body: randomBytes(20), headers: { 'Content-Range': '10-19' } });
    assert.equal(over.status, 416, over.text);
    assert.equal(errorCode(over), 'BLOB_UPLOAD_INVALID');
    await assertUntouched(r.root, snap, 'overlong chunk');
    assert.equal((await http('GET', loc)).headers.range, '0-9');
    await http('DELETE', loc);
  });

  it('malformed Content-Range values: 416 BLOB_UPLOAD_INVALID, nothing written', async () => {
    const start = await http('POST', `${base}/v2/present/blobs/uploads/`);
    const loc = `${base}${start.headers.location}`;
    const snap = await snapshot(r.root);
    for (const range of ['abc', '9-0', '0-', '-9', '0-9-10', 'bytes 0-x', '0x0-0x9']) {
      const bad = await http('PATCH', loc, { body: randomBytes(10), headers: { 'Content-Range': range } });
      assert.equal(bad.status, 416, `${range}: ${bad.text}`);
      assert.equal(errorCode(bad), 'BLOB_UPLOAD_INVALID', range);
    }
    const put = await http('PUT', `${loc}?digest=${sha256('x')}`, {
      body: 'x',
      headers: { 'Content-Range': '5-5' },
    });
    assert.equal(put.status, 416, put.text);
    assert.equal(errorCode(put), 'BLOB_UPLOAD_INVALID');
    await assertUntouched(r.root, snap, 'malformed Content-Range');
    assert.equal((await http('GET', loc)).status, 204, 'the upload is still there, empty');
    await http('DELETE', loc);
  });

  it('a monolithic upload cut short by the client makes no blob and leaves no upload', async () => {
    const bytes = randomBytes(200_000);
    const snap = await snapshot(r.root);
    await cutShort(
      `${base}/v2/present/blobs/uploads/?digest=${sha256(bytes)}`,
      'POST',
      bytes.length,
      bytes.subarray(0, 50_000),
    );
    await eventually(async () => sameSnapshot(await snapshot(r.root), snap), 'the storage back as it was');
    assert.equal((await http('HEAD', `${base}/v2/present/blobs/${sha256(bytes)}`)).status, 404);
  });

  it('a chunk cut short by the client: a retry of the chunk from the last good offset completes the blob', async () => {
    const bytes = randomBytes(100_000);
    const start = await http('POST', `${base}/v2/present/blobs/uploads/`);
    const loc = `${base}${start.headers.location}`;
    await cutShort(loc, 'PATCH', bytes.length, bytes.subarray(0, 30_000));
    // Whatever of the cut chunk the server kept, it says so in Range, and the rest continues from there.
    let range = '';
    await eventually(async () => {
      const status = await http('GET', loc);
      if (status.status !== 204) return false;
      const again = await http('GET', loc);
      range = String(again.headers.range ?? '');
      return range === String(status.headers.range ?? '');
    }, 'a stable upload status');
    const kept = range === '' || range === '0-0' ? 0 : Number(range.split('-')[1]) + 1;
    assert.ok(kept <= 30_000, `kept ${kept} bytes, more than were sent`);
    const put = await http('PUT', `${loc}?digest=${sha256(bytes)}`, { body: bytes.subarray(kept) });
    assert.equal(put.status, 201, put.text);
    assert.deepEqual((await http('GET', `${base}/v2/present/blobs/${sha256(bytes)}`)).body, bytes);
  });

  it('a manifest naming a missing blob: MANIFEST_BLOB_UNKNOWN, no manifest, no tag', async () => {
    const img = makeImage([30]);
    await pushBlob(base, 'present', img.config);
    const snap = await snapshot(r.root);
    const put = await http('PUT', `${base}/v2/present/manifests/missing`, {
      body: img.manifest,
      headers: { 'Content-Type': OCI_MANIFEST },
    });
    assert.equal(put.status, 400, put.text);
    assert.equal(errorCode(put), 'MANIFEST_BLOB_UNKNOWN');
    await assertUntouched(r.root, snap, 'manifest with a missing layer');
    assert.equal(
      errorCode(await http('GET', `${base}/v2/present/manifests/${img.digest}`)),
      'MANIFEST_UNKNOWN',
    );
  });

  it('an oversized manifest with Content-Length: 413 SIZE_INVALID, nothing stored', async () => {
    const img = makeImage([5], { annotations: { pad: 'x'.repeat(200 * 1024) } });
    await pushBlob(base, 'present', img.config);
    await pushBlob(base, 'present', img.layers[0]);
    const snap = await snapshot(r.root);
    const sized = await http('PUT', `${base}/v2/present/manifests/huge`, {
      body: img.manifest,
      headers: { 'Content-Type': OCI_MANIFEST },
    });
    assert.equal(sized.status, 413, sized.text);
    assert.equal(errorCode(sized), 'SIZE_INVALID');
    await assertUntouched(r.root, snap, 'oversized manifest');
    assert.equal(errorCode(await http('GET', `${base}/v2/present/manifests/huge`)), 'MANIFEST_UNKNOWN');
  });

  it('an oversized manifest sent chunked (no Content-Length): 413 SIZE_INVALID once past the limit, nothing stored', async () => {
    const img = makeImage([6], { annotations: { pad: 'y'.repeat(200 * 1024) } });
    await pushBlob(base, 'present', img.config);
    await pushBlob(base, 'present', img.layers[0]);
    const snap = await snapshot(r.root);
    const chunks: Buffer[] = [];
    for (let i = 0; i < img.manifest.length; i += 16 * 1024)
      chunks.push(img.manifest.subarray(i, i + 16 * 1024));
    const streamed = await http('PUT', `${base}/v2/present/manifests/huge2`, {
      body: Readable.from(chunks),
      headers: { 'Content-Type': OCI_MANIFEST },
    });
    assert.equal(streamed.status, 413, streamed.text);
    assert.equal(errorCode(streamed), 'SIZE_INVALID');
    await assertUntouched(r.root, snap, 'oversized chunked manifest');
  });

  it('repository names with .. or uppercase: NAME_INVALID on every route, nothing written anywhere', async () => {
    const img = makeImage([10]);
    const d = sha256(img.layers[0]);
    const snap = await snapshot(r.root);
    for (const name of ['a..b', 'x/a..b/y', 'Upper', 'present/UP']) {
      const tries = [
        rawPath('POST', base, `/v2/${name}/blobs/uploads/?digest=${d}`, { body: img.layers[0] }),
        rawPath('POST', base, `/v2/${name}/blobs/uploads/`),
        rawPath('PUT', base, `/v2/${name}/manifests/v1`, {
          body: img.manifest,
          headers: { 'Content-Type': OCI_MANIFEST },
        }),
        rawPath('GET', base, `/v2/${name}/manifests/v1`),
        rawPath('GET', base, `/v2/${name}/blobs/${d}`),
        rawPath('GET', base, `/v2/${name}/tags/list`),
      ];
      for (const t of await Promise.all(tries)) {
        assert.equal(t.status, 400, `${name}: ${t.status} ${t.text}`);
        assert.equal(errorCode(t), 'NAME_INVALID', name);
      }
    }
    await assertUntouched(r.root, snap, 'bad repository names');
  });

  it('a name with a `.` or `..` path segment is refused with NAME_INVALID, not resolved to another repository', async () => {
    const img = makeImage([12]);
    const d = sha256(img.layers[0]);
    const snap = await snapshot(r.root);
    // Percent-encoded dots too: a URL parser reads `%2e%2e` as `..`.
    for (const name of ['a/../present', 'x/..', '../present', 'present/./x', 'a/%2e%2e/present']) {
      const t = await rawPath('POST', base, `/v2/${name}/blobs/uploads/?digest=${d}`, {
        body: img.layers[0],
      });
      assert.equal(t.status, 400, `${name}: ${t.status} ${t.text}`);
      assert.equal(errorCode(t), 'NAME_INVALID', name);
    }
    await assertUntouched(r.root, snap, 'names with dot segments');
  });
});

describe('registry refusing pushes it is not authorised for', () => {
  let r: TestRegistry;
  let dir: string;
  let clock = Date.now();
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-registry-errors-'));
    const htpasswd = join(dir, 'htpasswd');
    await writeFile(
      htpasswd,
      `alice:${bcrypt.hashSync('wonderland', 4)}\nbob:${bcrypt.hashSync('builder', 4)}\n`,
    );
    const authorizer = await createAuthorizer(
      {
        token: {
          realm: '/token',
          service: 'berth-test',
          issuer: 'berth-test-issuer',
          htpasswd,
          acl: [
            { account: 'alice', actions: ['*'] },
            { account: 'bob', name: 'shared/*', actions: ['pull'] },
          ],
        },
      },
      { now: () => clock },
    );
    r = await startRegistry({ authorizer });
  });
  after(async () => {
    await r.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function token(user: string, password: string, scope: string): Promise<Record<string, string>> {
    const url = `${r.url}/token?${new URLSearchParams({ service: 'berth-test', scope })}`;
    const res = await http('GET', url, {
      headers: { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
    });
    assert.equal(res.status, 200, res.text);
    return { Authorization: `Bearer ${res.json().token}` };
  }

  /** Every step of a push, with these headers; each must be refused 401 UNAUTHORIZED. */
  async function assertPushRefused(headers: Record<string, string>, challenge: RegExp, what: string) {
    const img = makeImage([50]);
    const d = sha256(img.layers[0]);
    const steps = [
      await http('POST', `${r.url}/v2/shared/app/blobs/uploads/?digest=${d}`, {
        body: img.layers[0],
        headers,
      }),
      await http('POST', `${r.url}/v2/shared/app/blobs/uploads/`, { headers }),
      await http('PUT', `${r.url}/v2/shared/app/manifests/v1`, {
        body: img.manifest,
        headers: { ...headers, 'Content-Type': OCI_MANIFEST },
      }),
    ];
    for (const s of steps) {
      assert.equal(s.status, 401, `${what}: ${s.text}`);
      assert.equal(errorCode(s), 'UNAUTHORIZED', what);
      assert.match(String(s.headers['www-authenticate']), challenge, what);
    }
  }

  it('refuses a push with no token, and with a token that grants only pull; stores nothing', async () => {
    const snap = await snapshot(r.root);
    await assertPushRefused({}, /^Bearer realm=.*scope="repository:shared\/app:pull,push"$/, 'anonymous');
    const pullOnly = await token('bob', 'builder', 'repository:shared/app:pull,push');
    await assertPushRefused(pullOnly, /error="insufficient_scope"$/, 'bob, pull only');
    await assertUntouched(r.root, snap, 'unauthorised pushes');
  });

  it('refuses a push with an expired token (invalid_token), and takes it before expiry', async () => {
    const start = Date.now();
    clock = start;
    const pushToken = await token('alice', 'wonderland', 'repository:shared/app:pull,push');
    const snap = await snapshot(r.root);
    clock = start + 3600_000;
    await assertPushRefused(pushToken, /error="invalid_token"$/, 'expired token');
    await assertUntouched(r.root, snap, 'push with an expired token');
    clock = start;
    const ok = await http('POST', `${r.url}/v2/shared/app/blobs/uploads/`, { headers: pushToken });
    assert.equal(ok.status, 202, `the same token before its expiry: ${ok.text}`);
    await http('DELETE', `${r.url}${ok.headers.location}`, { headers: pushToken });
  });
});
