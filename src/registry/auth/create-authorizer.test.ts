import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { isBerthError } from '../../util/errors.ts';
import { createAuthorizer } from './create-authorizer.ts';
import { basicAuthorization } from './credentials.ts';
import { generateSigningKey, loadSigningKey } from './signing-key.ts';
import { TokenIssuer } from './tokens.ts';
import type { AuthConfig } from './types.ts';

let dir: string;
let htpasswd: string;
let keyFile: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-auth-config-'));
  htpasswd = join(dir, 'htpasswd');
  await writeFile(htpasswd, `alice:${bcrypt.hashSync('wonderland', 4)}\n`);
  keyFile = join(dir, 'key.pem');
  await writeFile(keyFile, generateSigningKey().privateKey.export({ type: 'pkcs8', format: 'pem' }));
});
after(() => rm(dir, { recursive: true, force: true }));

const token = (over: Partial<NonNullable<AuthConfig['token']>> = {}): AuthConfig => ({
  token: { realm: '/token', service: 'berth', issuer: 'berth-auth', htpasswd, ...over },
});

async function rejectsWith(config: unknown, check: RegExp) {
  await assert.rejects(
    createAuthorizer(config as AuthConfig),
    (err) => isBerthError(err) && check.test(err.message),
  );
}

describe('createAuthorizer: config', () => {
  it('is undefined without auth', async () => {
    assert.equal(await createAuthorizer(undefined), undefined);
  });

  it('refuses an empty auth section and one with both kinds', async () => {
    await rejectsWith({}, /^auth: configure htpasswd \(realm, path\) or token/);
    await rejectsWith(
      { htpasswd: { realm: 'r', path: htpasswd }, ...token() },
      /^auth: configure htpasswd or token, not both/,
    );
  });

  it('names the missing or wrong key', async () => {
    await rejectsWith({ htpasswd: { path: htpasswd } }, /^auth\.htpasswd\.realm: must be a non-empty string/);
    await rejectsWith(
      { htpasswd: { realm: 'r', path: '' } },
      /^auth\.htpasswd\.path: must be a non-empty string/,
    );
    await rejectsWith({ token: { realm: '/token', issuer: 'i', htpasswd } }, /^auth\.token\.service:/);
    await rejectsWith({ token: { realm: '/token', service: 's', htpasswd } }, /^auth\.token\.issuer:/);
    await rejectsWith({ token: { realm: '/token', service: 's', issuer: 'i' } }, /^auth\.token\.htpasswd:/);
    await rejectsWith(token({ realm: 'token' }), /^auth\.token\.realm: "token" is neither a URL nor a path/);
    await rejectsWith(
      token({ realm: 'ftp://host/token' }),
      /^auth\.token\.realm: "ftp:\/\/host\/token" must be an http or https URL/,
    );
    await rejectsWith(token({ expiration: 0 }), /^auth\.token\.expiration: must be a whole number/);
    await rejectsWith(token({ expiration: 1.5 }), /^auth\.token\.expiration:/);
    await rejectsWith(token({ acl: [{ actions: ['fly'] }] }), /^auth\.token\.acl\[0\]\.actions:/);
  });

  it('names the config key and the file it cannot read', async () => {
    const missing = join(dir, 'missing');
    await rejectsWith(
      { htpasswd: { realm: 'r', path: missing } },
      new RegExp(`^auth\\.htpasswd\\.path: .*${missing}`),
    );
    await rejectsWith(token({ htpasswd: missing }), new RegExp(`^auth\\.token\\.htpasswd: .*${missing}`));
    await rejectsWith(
      token({ key: missing }),
      new RegExp(`^auth\\.token\\.key: cannot read the token signing key ${missing}`),
    );
    await rejectsWith(
      token({ key: htpasswd }),
      new RegExp(`^auth\\.token\\.key: ${htpasswd} holds no readable PEM`),
    );
  });
});

describe('createAuthorizer: htpasswd', () => {
  it('asks for Basic credentials and accepts the right ones, on the base check too', async () => {
    const auth = (await createAuthorizer({ htpasswd: { realm: 'berth "registry"', path: htpasswd } }))!;
    const refused = {
      ok: false,
      status: 401,
      headers: { 'WWW-Authenticate': 'Basic realm="berth \\"registry\\""' },
      code: 'UNAUTHORIZED',
    };
    const none = await auth.authorize({}, []);
    assert.deepEqual({ ...none, message: undefined }, { ...refused, message: undefined });
    const wrong = await auth.authorize({ authorization: basicAuthorization('alice', 'nope') }, []);
    assert.deepEqual({ ...wrong, message: undefined }, { ...refused, message: undefined });
    assert.equal(wrong.ok === false && wrong.message, 'invalid username or password');
    const bearer = await auth.authorize({ authorization: 'Bearer x.y.z' }, []);
    assert.equal(bearer.ok, false);
    assert.deepEqual(await auth.authorize({ authorization: basicAuthorization('alice', 'wonderland') }, []), {
      ok: true,
      user: 'alice',
    });
    assert.deepEqual(
      await auth.authorize({ authorization: basicAuthorization('alice', 'wonderland') }, [
        { type: 'repository', name: 'x', actions: ['pull', 'push', 'delete'] },
      ]),
      { ok: true, user: 'alice' },
    );
  });
});

describe('createAuthorizer: token', () => {
  const pull = [{ type: 'repository' as const, name: 'alice/app', actions: ['pull'] }];
  const pushPull = [{ type: 'repository' as const, name: 'alice/app', actions: ['pull', 'push'] }];

  it('challenges with the realm, service and scope asked, completing a path realm from Host', async () => {
    const auth = (await createAuthorizer(token()))!;
    const d = await auth.authorize({ host: '127.0.0.1:5000' }, pushPull);
    assert.deepEqual(d, {
      ok: false,
      status: 401,
      headers: {
        'WWW-Authenticate':
          'Bearer realm="http://127.0.0.1:5000/token",service="berth",scope="repository:alice/app:pull,push"',
      },
      code: 'UNAUTHORIZED',
      message: 'authentication required',
    });
    const https = await auth.authorize({ host: 'reg.example', 'x-forwarded-proto': 'https' }, []);
    assert.equal(
      https.ok === false && https.headers['WWW-Authenticate'],
      'Bearer realm="https://reg.example/token",service="berth"',
    );
    const basic = await auth.authorize({ authorization: basicAuthorization('alice', 'wonderland') }, []);
    assert.equal(
      basic.ok === false && basic.headers['WWW-Authenticate'],
      'Bearer realm="/token",service="berth"',
    );
  });

  it('completes a path realm with https when the server serves HTTPS', async () => {
    const auth = (await createAuthorizer(token(), { https: true }))!;
    const d = await auth.authorize({ host: '127.0.0.1:5443' }, []);
    assert.equal(
      d.ok === false && d.headers['WWW-Authenticate'],
      'Bearer realm="https://127.0.0.1:5443/token",service="berth"',
    );
  });

  it('keeps a full realm URL as it is', async () => {
    const auth = (await createAuthorizer(token({ realm: 'https://auth.example:8443/v1/token' })))!;
    const d = await auth.authorize({ host: '127.0.0.1:5000' }, []);
    assert.equal(
      d.ok === false && d.headers['WWW-Authenticate'],
      'Bearer realm="https://auth.example:8443/v1/token",service="berth"',
    );
  });

  it('accepts a token with the access asked, and says insufficient_scope or invalid_token otherwise', async () => {
    const auth = (await createAuthorizer(token({ key: keyFile })))!;
    const issuer = new TokenIssuer({
      key: await loadSigningKey(keyFile, 'k'),
      issuer: 'berth-auth',
      service: 'berth',
    });
    const pullOnly = issuer.issueAccess('alice', [
      { type: 'repository', name: 'alice/app', actions: ['pull'] },
    ]).token;
    assert.deepEqual(await auth.authorize({ authorization: `Bearer ${pullOnly}` }, pull), {
      ok: true,
      user: 'alice',
    });
    assert.deepEqual(await auth.authorize({ authorization: `Bearer ${pullOnly}` }, []), {
      ok: true,
      user: 'alice',
    });

    const short = await auth.authorize({ authorization: `Bearer ${pullOnly}`, host: 'h:1' }, pushPull);
    assert.deepEqual(short, {
      ok: false,
      status: 401,
      headers: {
        'WWW-Authenticate':
          'Bearer realm="http://h:1/token",service="berth",scope="repository:alice/app:pull,push",error="insufficient_scope"',
      },
      code: 'UNAUTHORIZED',
      message: 'the token does not grant the access asked for',
      detail: [{ type: 'repository', name: 'alice/app', action: 'push' }],
    });

    const anonymous = issuer.issueAccess('', []).token;
    assert.deepEqual(await auth.authorize({ authorization: `Bearer ${anonymous}` }, []), { ok: true });
    assert.equal((await auth.authorize({ authorization: `Bearer ${anonymous}` }, pull)).ok, false);

    const foreign = new TokenIssuer({ key: generateSigningKey(), issuer: 'berth-auth', service: 'berth' });
    const bad = await auth.authorize(
      { authorization: `Bearer ${foreign.issueAccess('alice', pull).token}` },
      pull,
    );
    assert.equal(bad.ok, false);
    assert.match(bad.ok === false ? bad.headers['WWW-Authenticate'] : '', /,error="invalid_token"$/);
    assert.equal(bad.ok === false && bad.message, 'invalid token: token signed by an unknown key');
  });
});
