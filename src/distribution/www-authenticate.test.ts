import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWwwAuthenticate } from './www-authenticate.ts';

describe('parseWwwAuthenticate', () => {
  it('reads a bearer challenge with quoted parameters', () => {
    assert.deepEqual(
      parseWwwAuthenticate(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
      ),
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://auth.docker.io/token',
            service: 'registry.docker.io',
            scope: 'repository:library/busybox:pull',
          },
        },
      ],
    );
  });

  it('reads a basic challenge, token values, spaces and case', () => {
    assert.deepEqual(parseWwwAuthenticate('BASIC Realm = "berth test" , charset=UTF-8'), [
      { scheme: 'basic', params: { realm: 'berth test', charset: 'UTF-8' } },
    ]);
  });

  it('splits several challenges in one header and across headers', () => {
    const got = parseWwwAuthenticate([
      'Bearer realm="https://a/token", error="insufficient_scope", Basic realm="b"',
      'Negotiate abc==',
    ]);
    assert.deepEqual(
      got.map((c) => c.scheme),
      ['bearer', 'basic', 'negotiate'],
    );
    assert.equal(got[0].params.error, 'insufficient_scope');
    assert.equal(got[1].params.realm, 'b');
    assert.equal(got[2].params[''], 'abc==');
  });

  it('unescapes quoted pairs and keeps commas inside quotes', () => {
    assert.deepEqual(parseWwwAuthenticate('Bearer realm="a\\"b", scope="repository:x:pull,push"')[0].params, {
      realm: 'a"b',
      scope: 'repository:x:pull,push',
    });
  });

  it('gives nothing for nothing', () => {
    assert.deepEqual(parseWwwAuthenticate(undefined), []);
    assert.deepEqual(parseWwwAuthenticate(''), []);
    assert.deepEqual(parseWwwAuthenticate('  ,  '), []);
  });
});
