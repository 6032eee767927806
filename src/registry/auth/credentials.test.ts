import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { basicAuthorization, parseBasic, readCredentials } from './credentials.ts';

describe('readCredentials', () => {
  it('reads Basic credentials, splitting at the first colon', () => {
    assert.deepEqual(readCredentials({ authorization: basicAuthorization('alice', 'a:b:c') }), {
      scheme: 'basic',
      user: 'alice',
      password: 'a:b:c',
    });
  });

  it('takes the scheme name in any case', () => {
    const payload = Buffer.from('bob:pw').toString('base64');
    assert.deepEqual(readCredentials({ authorization: `basic ${payload}` }), {
      scheme: 'basic',
      user: 'bob',
      password: 'pw',
    });
    assert.deepEqual(readCredentials({ authorization: 'BEARER abc.def.ghi' }), {
      scheme: 'bearer',
      token: 'abc.def.ghi',
    });
  });

  it('keeps an empty password', () => {
    assert.deepEqual(parseBasic(Buffer.from('carol:').toString('base64')), {
      scheme: 'basic',
      user: 'carol',
      password: '',
    });
  });

  it('is undefined without a header', () => {
    assert.equal(readCredentials({}), undefined);
    assert.equal(readCredentials({ authorization: '  ' }), undefined);
  });

  it('calls unreadable what it cannot read', () => {
    for (const authorization of [
      `Basic ${Buffer.from('no-colon').toString('base64')}`,
      `Basic ${Buffer.from(':pw').toString('base64')}`,
      'Basic !!!notbase64',
      'Basic',
      'Digest username="x"',
      'Negotiate abc',
    ]) {
      assert.deepEqual(readCredentials({ authorization }), { scheme: 'unreadable' }, authorization);
    }
  });
});
