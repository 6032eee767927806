import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenCache } from './token-cache.ts';

describe('TokenCache', () => {
  it('keeps a token per scope set until shortly before it expires', () => {
    const cache = new TokenCache();
    const key = TokenCache.key('https://auth/token', 'svc', 'me', ['repository:a:pull', 'repository:b:pull']);
    assert.equal(
      key,
      TokenCache.key('https://auth/token', 'svc', 'me', ['repository:b:pull', 'repository:a:pull']),
    );
    assert.notEqual(
      key,
      TokenCache.key('https://auth/token', 'svc', 'you', ['repository:a:pull', 'repository:b:pull']),
    );
    cache.set(key, 't1', 60, 1_000_000);
    assert.equal(cache.get(key, 1_000_000 + 30_000), 't1');
    assert.equal(cache.get(key, 1_000_000 + 56_000), undefined);
    assert.equal(cache.size, 0);
  });
});
