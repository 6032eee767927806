// How berth's registry server uses an Authorizer: the access each request asks for, the
// answer to a refusal, the user in the access log, the auth's own endpoints; with a
// recording stub and with the real htpasswd authorizer. And HTTPS from http.tls.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import {
  type AccessRequest,
  type AuthDecision,
  type Authorizer,
  createAuthorizer,
} from '../src/registry/auth/index.ts';
import { Registry } from '../src/registry/registry.ts';
import { RegistryServer } from '../src/registry/server/server.ts';
import { FsRegistryStorage } from '../src/registry/storage/fs-driver.ts';
import { errorCode, http, makeImage, sha256, startRegistry, type TestRegistry } from './registry-helpers.ts';

/** Lets in requests with `Authorization: ok`, as user alice, except deletes (403); records what was asked. */
class StubAuthorizer implements Authorizer {
  calls: AccessRequest[][] = [];
  async authorize(headers: IncomingHttpHeaders, access: AccessRequest[]): Promise<AuthDecision> {
    this.calls.push(access);
    if (headers.authorization !== 'ok') {
      return {
        ok: false,
        status: 401,
        headers: { 'WWW-Authenticate': 'Basic realm="test"' },
        code: 'UNAUTHORIZED',
        message: 'authentication required',
        detail: access,
      };
    }
    if (access.some((a) => a.actions.includes('delete'))) {
      return { ok: false, status: 403, headers: {}, code: 'DENIED', message: 'no deleting' };
    }
    return { ok: true, user: 'alice' };
  }
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (!req.url?.startsWith('/token')) return false;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"token":"t"}');
    return true;
  }
}

describe('registry access hook', () => {
  let r: TestRegistry;
  const auth = new StubAuthorizer();
  const ok = { Authorization: 'ok' };
  const lastCall = () => auth.calls[auth.calls.length - 1];
  before(async () => {
    r = await startRegistry({ authorizer: auth, deleteEnabled: true });
  });
  after(() => r.close());

  it('refuses with the decision: its status, headers and OCI error', async () => {
    const res = await http('GET', `${r.url}/v2/`);
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], 'Basic realm="test"');
    assert.equal(res.headers['docker-distribution-api-version'], 'registry/2.0');
    assert.deepEqual(res.json(), {
      errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: [] }],
    });
    const denied = await http('DELETE', `${r.url}/v2/x/manifests/latest`, { headers: ok });
    assert.equal(denied.status, 403);
    assert.equal(errorCode(denied), 'DENIED');
  });

  it('asks for the access each request needs', async () => {
    const repo = (name: string, ...actions: string[]) => ({ type: 'repository', name, actions });
    const cases: [string, string, unknown[]][] = [
      ['GET', '/v2/', []],
      ['GET', '/v2/_catalog', [{ type: 'registry', name: 'catalog', actions: ['*'] }]],
      ['GET', '/v2/a/b/manifests/latest', [repo('a/b', 'pull')]],
      ['HEAD', `/v2/a/blobs/${sha256('x')}`, [repo('a', 'pull')]],
      ['GET', '/v2/a/tags/list', [repo('a', 'pull')]],
      ['GET', `/v2/a/referrers/${sha256('x')}`, [repo('a', 'pull')]],
      ['PUT', '/v2/a/manifests/latest', [repo('a', 'pull', 'push')]],
      ['POST', '/v2/a/blobs/uploads/', [repo('a', 'pull', 'push')]],
      [
        'POST',
        `/v2/a/blobs/uploads/?mount=${sha256('x')}&from=c/d`,
        [repo('a', 'pull', 'push'), repo('c/d', 'pull')],
      ],
      ['PATCH', '/v2/a/blobs/uploads/00000000-0000-0000-0000-000000000000', [repo('a', 'pull', 'push')]],
      ['DELETE', `/v2/a/blobs/${sha256('x')}`, [repo('a', 'delete')]],
      ['DELETE', '/v2/a/manifests/latest', [repo('a', 'delete')]],
    ];
    for (const [method, path, want] of cases) {
      await http(method, `${r.url}${path}`, { headers: ok });
      assert.deepEqual(lastCall(), want, `${method} ${path}`);
    }
  });

  it('checks the repository name before asking, and logs the user', async () => {
    const before = auth.calls.length;
    const bad = await http('GET', `${r.url}/v2/Bad/tags/list`, { headers: ok });
    assert.equal(errorCode(bad), 'NAME_INVALID');
    assert.equal(auth.calls.length, before);
    await http('GET', `${r.url}/v2/?user=1`, { headers: ok });
    assert.ok(r.logs.some((l) => / - alice \[.*"GET \/v2\/\?user=1 HTTP\/1.1" 200 /.test(l)));
  });

  it("routes other paths to the authorizer's own endpoints, else 404", async () => {
    const token = await http('GET', `${r.url}/token?service=x`);
    assert.equal(token.status, 200);
    assert.deepEqual(token.json(), { token: 't' });
    assert.equal((await http('GET', `${r.url}/elsewhere`)).status, 404);
  });

  it('mounts without `from` only by uploading: no blob is reachable by its digest alone', async () => {
    const d = await pushBlobWith(r.url, 'secret', 'private bytes');
    const m = await http('POST', `${r.url}/v2/mine/blobs/uploads/?mount=${d}`, { headers: ok });
    assert.equal(m.status, 202);
    const withFrom = await http('POST', `${r.url}/v2/mine/blobs/uploads/?mount=${d}&from=secret`, {
      headers: ok,
    });
    assert.equal(withFrom.status, 201);
  });
});

async function pushBlobWith(base: string, name: string, bytes: string): Promise<string> {
  const d = sha256(bytes);
  const res = await http('POST', `${base}/v2/${name}/blobs/uploads/?digest=${d}`, {
    body: bytes,
    headers: { Authorization: 'ok' },
  });
  assert.equal(res.status, 201, res.text);
  return d;
}

describe('registry with the htpasswd authorizer', () => {
  it('pushes and pulls with Basic credentials and refuses without them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-registry-htpasswd-'));
    const file = join(dir, 'htpasswd');
    await writeFile(file, `bob:${bcrypt.hashSync('secret', 4)}\n`);
    const authorizer = await createAuthorizer({ htpasswd: { realm: 'berth-test', path: file } });
    const r = await startRegistry({ authorizer });
    try {
      const anon = await http('GET', `${r.url}/v2/`);
      assert.equal(anon.status, 401);
      assert.match(String(anon.headers['www-authenticate']), /^Basic realm="berth-test"/);
      assert.equal(errorCode(anon), 'UNAUTHORIZED');
      const basic = { Authorization: `Basic ${Buffer.from('bob:secret').toString('base64')}` };
      assert.equal((await http('GET', `${r.url}/v2/`, { headers: basic })).status, 200);
      const wrong = { Authorization: `Basic ${Buffer.from('bob:nope').toString('base64')}` };
      assert.equal((await http('GET', `${r.url}/v2/`, { headers: wrong })).status, 401);
      const img = makeImage([10]);
      const d = sha256(img.layers[0]);
      const push = await http('POST', `${r.url}/v2/bob/app/blobs/uploads/?digest=${d}`, {
        body: img.layers[0],
        headers: basic,
      });
      assert.equal(push.status, 201, push.text);
      assert.equal((await http('GET', `${r.url}/v2/bob/app/blobs/${d}`)).status, 401);
      assert.equal((await http('GET', `${r.url}/v2/bob/app/blobs/${d}`, { headers: basic })).status, 200);
    } finally {
      await r.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('registry over HTTPS', () => {
  it('serves TLS with the configured certificate and key', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-registry-tls-'));
    try {
      try {
        execFileSync(
          'openssl',
          [
            'req',
            '-x509',
            '-newkey',
            'ec',
            '-pkeyopt',
            'ec_paramgen_curve:P-256',
            '-nodes',
            '-days',
            '1',
            '-subj',
            '/CN=127.0.0.1',
            '-keyout',
            join(dir, 'key.pem'),
            '-out',
            join(dir, 'cert.pem'),
          ],
          { stdio: 'ignore' },
        );
      } catch (err) {
        t.skip(`openssl cannot make a test certificate: ${(err as Error).message}`);
        return;
      }
      const { readFile } = await import('node:fs/promises');
      const registry = new Registry(new FsRegistryStorage(join(dir, 'root')));
      const server = await RegistryServer.listen(
        {
          registry,
          tls: { cert: await readFile(join(dir, 'cert.pem')), key: await readFile(join(dir, 'key.pem')) },
          log: () => {},
        },
        '127.0.0.1',
        0,
      );
      try {
        assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
        const status = await new Promise<number>((resolve, reject) => {
          httpsRequest(`${server.url}/v2/`, { rejectUnauthorized: false, agent: false }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
            .on('error', reject)
            .end();
        });
        assert.equal(status, 200);
      } finally {
        await server.close(1000);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
