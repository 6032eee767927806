// registry auth over HTTP: the Authorizer in front of a small registry (a fake one
// holding one image, or a real distribution registry behind a proxy), driven with
// fetch for the exact answers and with skopeo as a real client. The last part turns
// it around: distribution's own registry, configured for token auth, accepts the
// tokens berth's token service signs.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { type AuthConfig, basicAuthorization, createAuthorizer } from '../src/registry/auth/index.ts';
import { cleanEnv, run } from './helpers/berth.ts';
import {
  type DistributionRegistry,
  DOCKER_REGISTRY,
  type FrontServer,
  fakeRegistry,
  proxyTo,
  startDistribution,
  startFront,
} from './helpers/registry-auth-server.ts';
import {
  makeSigningCertificate,
  makeTestCertificates,
  opensslMissing,
  type TestCertificates,
} from './helpers/registry-auth-tls.ts';

const SKOPEO = '/usr/bin/skopeo';
const skopeoMissing = existsSync(SKOPEO) ? undefined : 'skopeo is not installed';
const distributionMissing = existsSync(DOCKER_REGISTRY) ? undefined : 'docker-registry is not installed';

let dir: string;
let htpasswd: string;
let authFile: string;
const fake = fakeRegistry();

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-registry-auth-'));
  htpasswd = join(dir, 'htpasswd');
  await writeHtpasswd({ alice: 'wonderland', bob: 'builder' });
  // An empty auth file, so skopeo never picks up credentials of the machine's user.
  authFile = join(dir, 'auth.json');
  await writeFile(authFile, '{}');
});
after(() => rm(dir, { recursive: true, force: true }));

async function writeHtpasswd(users: Record<string, string>): Promise<void> {
  const lines = Object.entries(users).map(
    ([u, p]) => `${u}:${bcrypt.hashSync(p, 5).replace(/^\$2b\$/, '$2y$')}`,
  );
  await writeFile(htpasswd, `${lines.join('\n')}\n`);
}

const skopeo = (args: string[]) =>
  run(SKOPEO, args, { env: cleanEnv({ REGISTRY_AUTH_FILE: authFile }), timeoutMs: 120_000 });

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));

describe('htpasswd auth in front of a registry', () => {
  let front: FrontServer;
  before(async () => {
    const authorizer = await createAuthorizer({ htpasswd: { realm: 'berth test', path: htpasswd } });
    front = await startFront({ authorizer, backend: fake.handler });
  });
  after(() => front.close());

  it('asks for Basic credentials on the base check and on every route', async () => {
    for (const path of ['/v2/', '/v2/fake/image/manifests/latest', '/v2/_catalog']) {
      const r = await get(`http://${front.host}${path}`);
      assert.equal(r.status, 401, path);
      assert.equal(r.headers.get('www-authenticate'), 'Basic realm="berth test"');
      assert.equal(r.json.errors[0].code, 'UNAUTHORIZED');
    }
    const wrong = await get(`http://${front.host}/v2/`, {
      authorization: basicAuthorization('alice', 'nope'),
    });
    assert.equal(wrong.status, 401);
    const ok = await get(`http://${front.host}/v2/fake/image/tags/list`, {
      authorization: basicAuthorization('alice', 'wonderland'),
    });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json, { name: 'fake/image', tags: ['latest'] });
  });

  it('lets skopeo in with --creds, and not with a wrong password', { skip: skopeoMissing }, async () => {
    const ref = `docker://${front.host}/fake/image:latest`;
    const ok = await skopeo(['inspect', '--tls-verify=false', '--creds', 'alice:wonderland', ref]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).Digest, fake.manifestDigest);
    const bad = await skopeo(['inspect', '--tls-verify=false', '--creds', 'alice:wrong', ref]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /unauthorized|authentication required|invalid username or password/i);
    const none = await skopeo(['inspect', '--tls-verify=false', '--no-creds', ref]);
    assert.notEqual(none.code, 0);
  });
});

describe('htpasswd auth over TLS with a test CA', { skip: skopeoMissing ?? opensslMissing() }, () => {
  let certs: TestCertificates;
  let front: FrontServer;
  before(async () => {
    certs = await makeTestCertificates();
    const authorizer = await createAuthorizer({ htpasswd: { realm: 'berth tls', path: htpasswd } });
    front = await startFront({
      authorizer,
      backend: fake.handler,
      tls: { cert: readFileSync(certs.cert), key: readFileSync(certs.key) },
    });
  });
  after(async () => {
    await front.close();
    await certs.cleanup();
  });

  it('is trusted by skopeo given the CA, and refused without it', async () => {
    const ref = `docker://${front.host}/fake/image:latest`;
    const ok = await skopeo(['inspect', '--cert-dir', certs.caDir, '--creds', 'bob:builder', ref]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).Digest, fake.manifestDigest);
    const untrusted = await skopeo(['inspect', '--creds', 'bob:builder', ref]);
    assert.notEqual(untrusted.code, 0);
    assert.match(untrusted.stderr, /certificate|x509/i);
  });
});

describe('token auth in front of a registry', () => {
  let front: FrontServer;
  const scope = 'repository:fake/image:pull';
  before(async () => {
    const authorizer = await createAuthorizer({
      token: {
        realm: '/token',
        service: 'berth-test',
        issuer: 'berth-test-issuer',
        htpasswd,
        acl: [
          { account: 'alice', actions: ['*'] },
          { account: 'alice', type: 'registry', name: 'catalog', actions: ['*'] },
          { account: 'bob', name: 'fake/*', actions: ['pull'] },
        ],
      },
    });
    front = await startFront({ authorizer, backend: fake.handler });
  });
  after(() => front.close());

  const tokenUrl = (params: [string, string][]) =>
    `http://${front.host}/token?${new URLSearchParams(params)}`;

  it('challenges with the token realm, the service and the scope the route needs', async () => {
    const base = await get(`http://${front.host}/v2/`);
    assert.equal(base.status, 401);
    assert.equal(
      base.headers.get('www-authenticate'),
      `Bearer realm="http://${front.host}/token",service="berth-test"`,
    );
    const manifest = await get(`http://${front.host}/v2/fake/image/manifests/latest`);
    assert.equal(
      manifest.headers.get('www-authenticate'),
      `Bearer realm="http://${front.host}/token",service="berth-test",scope="repository:fake/image:pull"`,
    );
    const basic = await get(`http://${front.host}/v2/`, {
      authorization: basicAuthorization('alice', 'wonderland'),
    });
    assert.equal(basic.status, 401, 'a registry in token mode takes no password');
  });

  it('hands out a token for the scope asked, in the Docker token spec shape, that opens the route', async () => {
    const r = await get(
      tokenUrl([
        ['service', 'berth-test'],
        ['scope', scope],
        ['account', 'alice'],
      ]),
      {
        authorization: basicAuthorization('alice', 'wonderland'),
      },
    );
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.equal(r.json.token, r.json.access_token);
    assert.equal(r.json.expires_in, 300);
    assert.ok(Math.abs(Date.parse(r.json.issued_at) - Date.now()) < 3600_000);
    assert.equal(r.json.refresh_token, undefined);
    const claims = claimsOf(r.json.token);
    assert.equal(claims.iss, 'berth-test-issuer');
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.aud, 'berth-test');
    assert.deepEqual(claims.access, [{ type: 'repository', name: 'fake/image', actions: ['pull'] }]);

    const bearer = { authorization: `Bearer ${r.json.token}` };
    assert.equal((await get(`http://${front.host}/v2/fake/image/manifests/latest`, bearer)).status, 200);
    assert.equal((await get(`http://${front.host}/v2/`, bearer)).status, 200);
    const other = await get(`http://${front.host}/v2/other/image/manifests/latest`, bearer);
    assert.equal(other.status, 401);
    assert.match(
      other.headers.get('www-authenticate') ?? '',
      /scope="repository:other\/image:pull",error="insufficient_scope"$/,
    );
    assert.deepEqual(other.json.errors[0].detail, [
      { type: 'repository', name: 'other/image', action: 'pull' },
    ]);
    const bad = await get(`http://${front.host}/v2/`, {
      authorization: `Bearer ${r.json.token.slice(0, -4)}AAAA`,
    });
    assert.match(bad.headers.get('www-authenticate') ?? '', /error="invalid_token"$/);
  });

  it('grants several scopes at once, and only what the ACL allows', async () => {
    const scopes: [string, string][] = [
      ['scope', 'repository:fake/image:pull,push'],
      ['scope', 'repository:other/thing:pull registry:catalog:*'],
    ];
    const alice = await get(tokenUrl([['service', 'berth-test'], ...scopes]), {
      authorization: basicAuthorization('alice', 'wonderland'),
    });
    assert.deepEqual(claimsOf(alice.json.token).access, [
      { type: 'repository', name: 'fake/image', actions: ['pull', 'push'] },
      { type: 'repository', name: 'other/thing', actions: ['pull'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
    const bob = await get(tokenUrl(scopes), { authorization: basicAuthorization('bob', 'builder') });
    assert.deepEqual(claimsOf(bob.json.token).access, [
      { type: 'repository', name: 'fake/image', actions: ['pull'] },
    ]);
    const catalog = await get(`http://${front.host}/v2/_catalog`, {
      authorization: `Bearer ${bob.json.token}`,
    });
    assert.equal(catalog.status, 401);
  });

  it('gives an anonymous request a token that opens nothing but the base check', async () => {
    const r = await get(tokenUrl([['scope', scope]]));
    assert.equal(r.status, 200);
    assert.equal(claimsOf(r.json.token).sub, '');
    assert.deepEqual(claimsOf(r.json.token).access, []);
    assert.equal(
      (await get(`http://${front.host}/v2/`, { authorization: `Bearer ${r.json.token}` })).status,
      200,
    );
    const m = await get(`http://${front.host}/v2/fake/image/manifests/latest`, {
      authorization: `Bearer ${r.json.token}`,
    });
    assert.equal(m.status, 401);
  });

  it('refuses a wrong password, a foreign account or service, and a bad scope, saying which', async () => {
    const wrong = await get(tokenUrl([['scope', scope]]), {
      authorization: basicAuthorization('alice', 'nope'),
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('www-authenticate'), 'Basic realm="/token"');
    assert.deepEqual(wrong.json.errors, [
      { code: 'UNAUTHORIZED', message: 'incorrect username or password' },
    ]);
    const alice = { authorization: basicAuthorization('alice', 'wonderland') };
    const account = await get(tokenUrl([['account', 'bob']]), alice);
    assert.equal(account.status, 400);
    assert.match(account.json.errors[0].message, /account "bob" is not the authenticated user/);
    const service = await get(tokenUrl([['service', 'elsewhere']]), alice);
    assert.equal(service.status, 400);
    assert.match(service.json.errors[0].message, /service "elsewhere" is not served here/);
    const badScope = await get(tokenUrl([['scope', 'repository:nothing']]), alice);
    assert.equal(badScope.status, 400);
    assert.equal(badScope.json.error, 'invalid_scope');
    const plugin = await get(
      tokenUrl([
        ['scope', 'repository(plugin):fake/p:pull'],
        ['scope', 'weird:x:pull'],
      ]),
      alice,
    );
    assert.equal(plugin.status, 200);
    assert.deepEqual(claimsOf(plugin.json.token).access, [
      { type: 'repository', class: 'plugin', name: 'fake/p', actions: ['pull'] },
    ]);
  });

  it('takes the OAuth2 password and refresh_token grants, and ends refresh tokens when the password changes', async () => {
    const post = async (form: Record<string, string>, type = 'application/x-www-form-urlencoded') => {
      const res = await fetch(`http://${front.host}/token`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: new URLSearchParams(form).toString(),
      });
      return { status: res.status, json: await res.json() };
    };
    const login = await post({
      grant_type: 'password',
      service: 'berth-test',
      client_id: 'docker',
      access_type: 'offline',
      username: 'bob',
      password: 'builder',
      scope: 'repository:fake/image:pull repository:fake/other:pull',
    });
    assert.equal(login.status, 200);
    assert.equal(claimsOf(login.json.access_token).sub, 'bob');
    assert.equal(claimsOf(login.json.access_token).access.length, 2);
    assert.equal(typeof login.json.refresh_token, 'string');
    assert.equal(
      (await get(`http://${front.host}/v2/`, { authorization: `Bearer ${login.json.refresh_token}` })).status,
      401,
    );

    const refreshed = await post({
      grant_type: 'refresh_token',
      refresh_token: login.json.refresh_token,
      scope,
    });
    assert.equal(refreshed.status, 200);
    assert.equal(claimsOf(refreshed.json.token).sub, 'bob');
    assert.equal(refreshed.json.refresh_token, undefined);

    const wrong = await post({ grant_type: 'password', username: 'bob', password: 'nope' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.error, 'invalid_grant');
    assert.equal((await post({ grant_type: 'refresh_token', refresh_token: 'x.y.z' })).status, 401);
    assert.equal((await post({ grant_type: 'client_credentials' })).json.error, 'unsupported_grant_type');
    assert.equal((await post({ grant_type: 'password' }, 'application/json')).status, 415);
    const put = await fetch(`http://${front.host}/token`, { method: 'PUT' });
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'GET, POST');

    await writeHtpasswd({ alice: 'wonderland', bob: 'new-builder' });
    try {
      const stale = await post({ grant_type: 'refresh_token', refresh_token: login.json.refresh_token });
      assert.equal(stale.status, 401);
      assert.match(stale.json.error_description, /password changed/);
    } finally {
      await writeHtpasswd({ alice: 'wonderland', bob: 'builder' });
    }
  });

  it('gives a refresh token to a GET with offline_token=true, as docker login asks', async () => {
    const r = await get(
      tokenUrl([
        ['offline_token', 'true'],
        ['client_id', 'docker'],
        ['account', 'alice'],
      ]),
      {
        authorization: basicAuthorization('alice', 'wonderland'),
      },
    );
    assert.equal(typeof r.json.refresh_token, 'string');
    const anonymous = await get(tokenUrl([['offline_token', 'true']]));
    assert.equal(anonymous.json.refresh_token, undefined);
  });

  it('lets skopeo in through the token service, and not with a wrong password', {
    skip: skopeoMissing,
  }, async () => {
    const ref = `docker://${front.host}/fake/image:latest`;
    const before = front.log.length;
    const ok = await skopeo(['inspect', '--tls-verify=false', '--creds', 'bob:builder', ref]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).Digest, fake.manifestDigest);
    const seen = front.log.slice(before);
    assert.ok(
      seen.some((l) => l.path.startsWith('/token?') && l.scheme === 'Basic'),
      JSON.stringify(seen),
    );
    assert.ok(
      seen.some((l) => l.path.includes('/manifests/') && l.scheme === 'Bearer'),
      JSON.stringify(seen),
    );
    const bad = await skopeo(['inspect', '--tls-verify=false', '--creds', 'bob:wrong', ref]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /unauthorized|incorrect username or password/i);
  });
});

describe('pushing and pulling through the auth front with skopeo', {
  skip: skopeoMissing ?? distributionMissing,
}, () => {
  let backend: DistributionRegistry;
  let source: FrontServer;
  const fronts: FrontServer[] = [];
  let layout: string;
  before(async () => {
    const storage = join(dir, 'plain-registry');
    await mkdir(storage);
    backend = await startDistribution(storage);
    source = await startFront({ authorizer: undefined, backend: fake.handler });
    layout = join(dir, 'layout');
    const r = await skopeo([
      'copy',
      '--src-tls-verify=false',
      `docker://${source.host}/fake/image:latest`,
      `oci:${layout}:v1`,
    ]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    for (const f of [...fronts, source]) await f?.close();
    await backend?.stop();
  });

  const configs: [string, AuthConfig][] = [
    ['htpasswd', { htpasswd: { realm: 'berth push', path: '' } }],
    [
      'token',
      { token: { realm: '/token', service: 'berth-push', issuer: 'berth-push-issuer', htpasswd: '' } },
    ],
  ];
  for (const [kind, config] of configs) {
    it(`pushes with --dest-creds and pulls back with --src-creds (${kind})`, async () => {
      if (config.htpasswd) config.htpasswd.path = htpasswd;
      if (config.token) config.token.htpasswd = htpasswd;
      const front = await startFront({
        authorizer: await createAuthorizer(config),
        backend: proxyTo(backend.port),
      });
      fronts.push(front);
      const target = `docker://${front.host}/alice/${kind}:v1`;
      const denied = await skopeo([
        'copy',
        '--dest-tls-verify=false',
        '--dest-creds',
        'alice:nope',
        `oci:${layout}:v1`,
        target,
      ]);
      assert.notEqual(denied.code, 0);
      const push = await skopeo([
        'copy',
        '--dest-tls-verify=false',
        '--dest-creds',
        'alice:wonderland',
        `oci:${layout}:v1`,
        target,
      ]);
      assert.equal(push.code, 0, push.stderr);
      const back = join(dir, `pulled-${kind}`);
      const pull = await skopeo([
        'copy',
        '--src-tls-verify=false',
        '--src-creds',
        'bob:builder',
        target,
        `dir:${back}`,
      ]);
      assert.equal(pull.code, 0, pull.stderr);
      assert.ok(existsSync(join(back, 'manifest.json')));
      const unauthenticated = await skopeo(['inspect', '--tls-verify=false', '--no-creds', target]);
      assert.notEqual(unauthenticated.code, 0);
    });
  }
});

describe("distribution's registry accepts berth's tokens", {
  skip: skopeoMissing ?? distributionMissing ?? opensslMissing(),
}, () => {
  let tokenFront: FrontServer;
  let registry: DistributionRegistry;
  let source: FrontServer;
  before(async () => {
    const keys = join(dir, 'signing');
    await mkdir(keys);
    const { key, cert } = makeSigningCertificate(keys);
    const authorizer = await createAuthorizer({
      token: {
        realm: '/token',
        service: 'berth-dist',
        issuer: 'berth-dist-issuer',
        htpasswd,
        key,
        acl: [
          { account: 'alice', actions: ['*'] },
          { account: 'bob', actions: ['pull'] },
        ],
      },
    });
    tokenFront = await startFront({ authorizer, backend: (_req, res) => res.writeHead(404).end() });
    const storage = join(dir, 'token-registry');
    await mkdir(storage);
    registry = await startDistribution(
      storage,
      [
        'token:',
        `  realm: http://${tokenFront.host}/token`,
        '  service: berth-dist',
        '  issuer: berth-dist-issuer',
        `  rootcertbundle: ${cert}`,
      ].join('\n'),
    );
    source = await startFront({ authorizer: undefined, backend: fake.handler });
  });
  after(async () => {
    await registry?.stop();
    await tokenFront?.close();
    await source?.close();
  });

  it('pushes and pulls with tokens berth signed, within the ACL', async () => {
    const target = `docker://127.0.0.1:${registry.port}/alice/app:v1`;
    const src = `docker://${source.host}/fake/image:latest`;
    const push = await skopeo([
      'copy',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      '--dest-creds',
      'alice:wonderland',
      src,
      target,
    ]);
    assert.equal(push.code, 0, `${push.stderr}\n${registry.output()}`);
    assert.ok(tokenFront.log.some((l) => l.path.startsWith('/token?') && l.path.includes('push')));
    const pull = await skopeo(['inspect', '--tls-verify=false', '--creds', 'bob:builder', target]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.equal(JSON.parse(pull.stdout).Digest, fake.manifestDigest);
    const bobPush = await skopeo([
      'copy',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      '--dest-creds',
      'bob:builder',
      src,
      `docker://127.0.0.1:${registry.port}/bob/app:v1`,
    ]);
    assert.notEqual(bobPush.code, 0, 'bob may only pull');
    assert.match(bobPush.stderr, /denied|unauthorized|authentication required/i);
  });
});
