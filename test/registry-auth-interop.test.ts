// berth's own registry server (`openRegistry` from a config file's text, as
// `berth registry serve` runs it) with htpasswd and with token auth, driven by real
// clients: skopeo pushes and pulls with --dest-creds and --creds; a private dockerd
// logs in (keeping the token service's refresh token as its identity token), pulls,
// tags and pushes.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { openRegistry, parseConfig, type RegistryServer } from '../src/registry/index.ts';
import { cleanEnv, run } from './helpers/berth.ts';
import { dockerdMissing, type PrivateDockerd, startDockerd } from './helpers/registry-auth-dockerd.ts';
import { type FrontServer, fakeRegistry, freePort, startFront } from './helpers/registry-auth-server.ts';
import { makeTestCertificates, opensslMissing, type TestCertificates } from './helpers/registry-auth-tls.ts';

const SKOPEO = '/usr/bin/skopeo';
const skopeoMissing = existsSync(SKOPEO) ? undefined : 'skopeo is not installed';

let dir: string;
let htpasswd: string;
let authFile: string;
let layout: string;
let source: FrontServer;
const fake = fakeRegistry();
const servers: RegistryServer[] = [];
const logs: string[] = [];

const skopeo = (args: string[]) =>
  run(SKOPEO, args, { env: cleanEnv({ REGISTRY_AUTH_FILE: authFile }), timeoutMs: 120_000 });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-registry-auth-interop-'));
  htpasswd = join(dir, 'htpasswd');
  const users = { alice: 'wonderland', bob: 'builder' };
  await writeFile(
    htpasswd,
    Object.entries(users)
      .map(([u, p]) => `${u}:${bcrypt.hashSync(p, 5).replace(/^\$2b\$/, '$2y$')}\n`)
      .join(''),
  );
  authFile = join(dir, 'auth.json');
  await writeFile(authFile, '{}');
  // The image every test pushes: one empty layer, copied once into an OCI layout.
  source = await startFront({ authorizer: undefined, backend: fake.handler });
  layout = join(dir, 'layout');
  if (!skopeoMissing) {
    const r = await skopeo([
      'copy',
      '--src-tls-verify=false',
      `docker://${source.host}/fake/image:latest`,
      `oci:${layout}:v1`,
    ]);
    assert.equal(r.code, 0, r.stderr);
  }
});

after(async () => {
  for (const s of servers) await s.close(1000);
  await source?.close();
  await rm(dir, { recursive: true, force: true });
});

/** berth's registry from config text; `auth` is the YAML of its auth section. */
async function startRegistry(name: string, auth: string, http: string[] = ['  addr: 127.0.0.1:0']) {
  const root = join(dir, `registry-${name}`);
  await mkdir(root);
  const text = [
    'version: 0.1',
    'http:',
    ...http,
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${root}`,
    '  delete:',
    '    enabled: true',
    'auth:',
    ...auth.split('\n').map((l) => `  ${l}`),
    '',
  ].join('\n');
  const server = await openRegistry(parseConfig(text, `${name}.yml`), (line) => logs.push(line));
  servers.push(server);
  return { server, host: `127.0.0.1:${server.address.port}` };
}

const HTPASSWD_AUTH = () => ['htpasswd:', '  realm: berth interop', `  path: ${htpasswd}`].join('\n');
const TOKEN_AUTH = (realm = '/token') =>
  [
    'token:',
    `  realm: ${realm}`,
    '  service: berth-interop',
    '  issuer: berth-interop-issuer',
    `  htpasswd: ${htpasswd}`,
    '  acl:',
    '    - { account: alice, actions: ["*"] }',
    '    - { account: alice, type: registry, name: catalog, actions: ["*"] }',
    '    - { account: bob, actions: [pull] }',
    '    - { account: bob, name: "bob/*", actions: [pull, push] }',
  ].join('\n');

describe('berth registry with auth, driven by skopeo', { skip: skopeoMissing }, () => {
  it('htpasswd: pushes with --dest-creds, pulls with --creds, refuses the rest', async () => {
    const { host } = await startRegistry('htpasswd', HTPASSWD_AUTH());
    const target = `docker://${host}/alice/app:v1`;
    const anonymous = await skopeo([
      'copy',
      '--dest-tls-verify=false',
      '--dest-no-creds',
      `oci:${layout}:v1`,
      target,
    ]);
    assert.notEqual(anonymous.code, 0);
    const wrong = await skopeo([
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds',
      'alice:nope',
      `oci:${layout}:v1`,
      target,
    ]);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /unauthorized|invalid username or password/i);
    const push = await skopeo([
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds',
      'alice:wonderland',
      `oci:${layout}:v1`,
      target,
    ]);
    assert.equal(push.code, 0, push.stderr);
    const inspect = await skopeo(['inspect', '--tls-verify=false', '--creds', 'bob:builder', target]);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.equal(JSON.parse(inspect.stdout).Digest, fake.manifestDigest);
    const base = await fetch(`http://${host}/v2/`);
    assert.equal(base.status, 401);
    assert.equal(base.headers.get('www-authenticate'), 'Basic realm="berth interop"');
    assert.equal((await base.json()).errors[0].code, 'UNAUTHORIZED');
  });

  it('token: the ACL from the config decides who pushes where', async () => {
    const { host } = await startRegistry('token', TOKEN_AUTH());
    const challenge = await fetch(`http://${host}/v2/alice/app/manifests/v1`);
    assert.equal(challenge.status, 401);
    assert.equal(
      challenge.headers.get('www-authenticate'),
      `Bearer realm="http://${host}/token",service="berth-interop",scope="repository:alice/app:pull"`,
    );
    const copy = (creds: string, repo: string) =>
      skopeo([
        'copy',
        '--dest-tls-verify=false',
        '--dest-creds',
        creds,
        `oci:${layout}:v1`,
        `docker://${host}/${repo}:v1`,
      ]);
    const alice = await copy('alice:wonderland', 'alice/app');
    assert.equal(alice.code, 0, alice.stderr);
    const bobElsewhere = await copy('bob:builder', 'alice/other');
    assert.notEqual(bobElsewhere.code, 0, 'bob may not push outside bob/');
    const bobOwn = await copy('bob:builder', 'bob/app');
    assert.equal(bobOwn.code, 0, bobOwn.stderr);
    const pull = await skopeo([
      'inspect',
      '--tls-verify=false',
      '--creds',
      'bob:builder',
      `docker://${host}/alice/app:v1`,
    ]);
    assert.equal(pull.code, 0, pull.stderr);
    const wrong = await skopeo([
      'inspect',
      '--tls-verify=false',
      '--creds',
      'bob:nope',
      `docker://${host}/alice/app:v1`,
    ]);
    assert.notEqual(wrong.code, 0);
    assert.ok(
      logs.every((l) => !l.includes('wonderland') && !l.includes('builder')),
      'no password in the log',
    );
  });

  describe('over TLS', { skip: opensslMissing() }, () => {
    let certs: TestCertificates;
    before(async () => {
      certs = await makeTestCertificates();
    });
    after(() => certs?.cleanup());

    it('token: skopeo trusts the test CA and gets its token over https', async () => {
      const port = await freePort();
      const { host } = await startRegistry('tls', TOKEN_AUTH(`https://127.0.0.1:${port}/token`), [
        `  addr: 127.0.0.1:${port}`,
        '  tls:',
        `    certificate: ${certs.cert}`,
        `    key: ${certs.key}`,
      ]);
      const target = `docker://${host}/alice/tls:v1`;
      const push = await skopeo([
        'copy',
        '--dest-cert-dir',
        certs.caDir,
        '--dest-creds',
        'alice:wonderland',
        `oci:${layout}:v1`,
        target,
      ]);
      assert.equal(push.code, 0, push.stderr);
      const pull = await skopeo(['inspect', '--cert-dir', certs.caDir, '--creds', 'bob:builder', target]);
      assert.equal(pull.code, 0, pull.stderr);
      assert.equal(JSON.parse(pull.stdout).Digest, fake.manifestDigest);
      assert.ok(readFileSync(certs.caCert, 'utf8').includes('BEGIN CERTIFICATE'));
    });
  });
});

describe('berth registry with auth, driven by docker', { skip: skopeoMissing ?? dockerdMissing() }, () => {
  let dockerd: PrivateDockerd | undefined;
  let why: string | undefined;
  before(async () => {
    try {
      dockerd = await startDockerd(join(dir, 'dockerd'));
    } catch (err) {
      why = `no private dockerd: ${(err as Error).message.split('\n').slice(0, 3).join(' ')}`;
    }
  });
  after(() => dockerd?.stop());

  for (const kind of ['token', 'htpasswd'] as const) {
    it(`${kind}: docker login, pull, tag, push, logout`, async (t) => {
      if (!dockerd) return t.skip(why);
      const docker = dockerd.docker;
      const { host } = await startRegistry(
        `docker-${kind}`,
        kind === 'token' ? TOKEN_AUTH() : HTPASSWD_AUTH(),
      );
      const seed = await skopeo([
        'copy',
        '--dest-tls-verify=false',
        '--dest-creds',
        'alice:wonderland',
        `oci:${layout}:v1`,
        `docker://${host}/alice/seed:v1`,
      ]);
      assert.equal(seed.code, 0, seed.stderr);

      const anonymous = await docker(['pull', `${host}/alice/seed:v1`]);
      assert.notEqual(anonymous.code, 0, 'no pull before login');
      const bad = await docker(['login', '-u', 'alice', '-p', 'nope', host]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /unauthorized|incorrect username or password|invalid username or password/i);

      const login = await docker(['login', '-u', 'alice', '-p', 'wonderland', host]);
      assert.equal(login.code, 0, login.stderr);
      assert.match(login.stdout, /Login Succeeded/);
      const saved = readFileSync(join(dir, 'dockerd', 'cli', 'config.json'), 'utf8');
      if (kind === 'token') {
        assert.match(saved, /"identitytoken"/, 'docker keeps the refresh token, not the password');
      }

      const logged = logs.length;
      const pull = await docker(['pull', `${host}/alice/seed:v1`]);
      assert.equal(pull.code, 0, pull.stderr);
      if (kind === 'token') {
        const tokenLines = logs.slice(logged).filter((l) => l.includes(' /token'));
        assert.ok(
          tokenLines.some((l) => /"POST \/token HTTP\/1\.1" 200 /.test(l)),
          `docker trades its identity token with the refresh_token grant:\n${tokenLines.join('\n')}`,
        );
      }
      assert.equal((await docker(['tag', `${host}/alice/seed:v1`, `${host}/alice/pushed:v2`])).code, 0);
      const push = await docker(['push', `${host}/alice/pushed:v2`]);
      assert.equal(push.code, 0, push.stderr);
      const check = await skopeo([
        'inspect',
        '--tls-verify=false',
        '--creds',
        'bob:builder',
        `docker://${host}/alice/pushed:v2`,
      ]);
      assert.equal(check.code, 0, check.stderr);

      assert.equal((await docker(['logout', host])).code, 0);
      await docker(['rmi', `${host}/alice/seed:v1`, `${host}/alice/pushed:v2`]);
    });
  }
});
