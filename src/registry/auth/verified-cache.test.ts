import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VerifiedCache } from './verified-cache.ts';

function counter(result: boolean) {
  const calls = { n: 0 };
  const verify = async () => {
    calls.n++;
    return result;
  };
  return { calls, verify };
}

describe('VerifiedCache', () => {
  it('remembers a success for the same user, password and hash until it expires', async () => {
    let now = 1_000;
    const cache = new VerifiedCache({ ttlMs: 60_000, now: () => now });
    const { calls, verify } = counter(true);
    assert.equal(await cache.check('alice', 'pw', 'H1', verify), true);
    assert.equal(await cache.check('alice', 'pw', 'H1', verify), true);
    assert.equal(calls.n, 1);
    now += 59_999;
    assert.equal(await cache.check('alice', 'pw', 'H1', verify), true);
    assert.equal(calls.n, 1);
    now += 2;
    assert.equal(await cache.check('alice', 'pw', 'H1', verify), true);
    assert.equal(calls.n, 2, 'expired: checked again');
  });

  it('misses for another password, user or hash', async () => {
    const cache = new VerifiedCache({ ttlMs: 60_000, now: () => 0 });
    const { calls, verify } = counter(true);
    await cache.check('alice', 'pw', 'H1', verify);
    await cache.check('alice', 'pw2', 'H1', verify);
    await cache.check('bob', 'pw', 'H1', verify);
    await cache.check('alice', 'pw', 'H2', verify);
    // the same characters split differently between user and password
    await cache.check('alic', 'epw', 'H1', verify);
    assert.equal(calls.n, 5);
  });

  it('never remembers a failure', async () => {
    const cache = new VerifiedCache({ ttlMs: 60_000, now: () => 0 });
    const { calls, verify } = counter(false);
    assert.equal(await cache.check('alice', 'bad', 'H1', verify), false);
    assert.equal(await cache.check('alice', 'bad', 'H1', verify), false);
    assert.equal(calls.n, 2);
    assert.equal(cache.size, 0);
  });

  it('shares one check among concurrent requests with the same credentials', async () => {
    const cache = new VerifiedCache({ ttlMs: 60_000, now: () => 0 });
    const { calls, verify } = counter(true);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => cache.check('alice', 'pw', 'H1', verify)),
    );
    assert.deepEqual(results, Array(8).fill(true));
    assert.equal(calls.n, 1);
  });
});
