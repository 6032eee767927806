import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { basicChallenge, bearerChallenge, quote } from './challenge.ts';

describe('challenges', () => {
  it('writes a Basic challenge', () => {
    assert.equal(basicChallenge('berth registry'), 'Basic realm="berth registry"');
  });

  it('quotes quotes and backslashes', () => {
    assert.equal(quote('a "b" \\c'), '"a \\"b\\" \\\\c"');
    assert.equal(basicChallenge('say "hi"'), 'Basic realm="say \\"hi\\""');
  });

  it('writes a Bearer challenge without scope for the base check', () => {
    assert.equal(
      bearerChallenge({ realm: 'https://auth.example/token', service: 'reg', access: [] }),
      'Bearer realm="https://auth.example/token",service="reg"',
    );
  });

  it('writes the scope asked', () => {
    assert.equal(
      bearerChallenge({
        realm: 'http://127.0.0.1:5000/token',
        service: 'berth',
        access: [{ type: 'repository', name: 'samalba/my-app', actions: ['pull', 'push'] }],
      }),
      'Bearer realm="http://127.0.0.1:5000/token",service="berth",scope="repository:samalba/my-app:pull,push"',
    );
  });

  it('puts several scopes space-separated into one parameter, merging each resource', () => {
    assert.equal(
      bearerChallenge({
        realm: '/token',
        service: 's',
        access: [
          { type: 'repository', name: 'dst', actions: ['pull'] },
          { type: 'repository', name: 'src', actions: ['pull'] },
          { type: 'repository', name: 'dst', actions: ['push'] },
        ],
      }),
      'Bearer realm="/token",service="s",scope="repository:dst:pull,push repository:src:pull"',
    );
  });

  it('adds the error parameter', () => {
    assert.equal(
      bearerChallenge({
        realm: '/token',
        service: 's',
        access: [{ type: 'registry', name: 'catalog', actions: ['*'] }],
        error: 'insufficient_scope',
      }),
      'Bearer realm="/token",service="s",scope="registry:catalog:*",error="insufficient_scope"',
    );
    assert.equal(
      bearerChallenge({ realm: '/token', service: 's', access: [], error: 'invalid_token' }),
      'Bearer realm="/token",service="s",error="invalid_token"',
    );
  });
});
