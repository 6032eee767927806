import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { credentialsKey, decodeRegistryAuth, encodeRegistryAuth } from './credentials.ts';
import { credentialKeyOf, hostnameOf, registryDomainOf } from './server-address.ts';

describe('X-Registry-Auth', () => {
  it('round-trips through base64url JSON', () => {
    const c = { username: 'alice', password: 'p?>s+/=', serveraddress: 'localhost:5000' };
    const header = encodeRegistryAuth(c);
    assert.doesNotMatch(header, /[+/]/);
    assert.deepEqual(decodeRegistryAuth(header), c);
  });

  it('reads what Go writes: padded standard or URL alphabet, any key case, empty fields dropped', () => {
    const json =
      '{"Username":"bob","Password":"x","Auth":"","ServerAddress":"https://index.docker.io/v1/","IdentityToken":""}';
    for (const header of [Buffer.from(json).toString('base64'), Buffer.from(json).toString('base64url')]) {
      assert.deepEqual(decodeRegistryAuth(header), {
        username: 'bob',
        password: 'x',
        serveraddress: 'https://index.docker.io/v1/',
      });
    }
  });

  it('an absent or empty header is no credentials; garbage is refused', () => {
    assert.equal(decodeRegistryAuth(undefined), undefined);
    assert.equal(decodeRegistryAuth(''), undefined);
    assert.equal(decodeRegistryAuth('e30='), undefined); // {}
    assert.throws(() => decodeRegistryAuth('!!!'), /not base64-encoded JSON/);
    assert.throws(() => decodeRegistryAuth(Buffer.from('[1]').toString('base64')), /JSON object/);
    assert.throws(() => decodeRegistryAuth(Buffer.from('{"username":1}').toString('base64')), /username/);
  });

  it('keys identities without the secrets in them', () => {
    const k = credentialsKey({ username: 'a', password: 'secret' });
    assert.doesNotMatch(k, /secret/);
    assert.notEqual(k, credentialsKey({ username: 'a', password: 'other' }));
    assert.equal(credentialsKey(undefined), 'anonymous');
  });
});

describe('server addresses', () => {
  it("names Docker Hub by its old index URL and others by host:port, as the docker CLI's config does", () => {
    for (const hub of [
      undefined,
      '',
      'docker.io',
      'index.docker.io',
      'https://index.docker.io/v1/',
      'registry-1.docker.io',
    ]) {
      assert.equal(credentialKeyOf(hub), 'https://index.docker.io/v1/', String(hub));
      assert.equal(registryDomainOf(hub), 'docker.io');
    }
    assert.equal(credentialKeyOf('http://127.0.0.1:5000/v2/'), '127.0.0.1:5000');
    assert.equal(credentialKeyOf('Registry.Example.com'), 'registry.example.com');
    assert.equal(hostnameOf('https://[::1]:5000/x'), '[::1]:5000');
  });
});
