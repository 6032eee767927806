import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalIp, isLoopbackIp } from './ip-address.ts';

describe('canonicalIp', () => {
  it('prints addresses as Go prints them', () => {
    assert.equal(canonicalIp('8.8.8.8'), '8.8.8.8');
    assert.equal(canonicalIp('0:0:0:0:0:0:0:1'), '::1');
    assert.equal(canonicalIp('2001:DB8:0::33'), '2001:db8::33');
    assert.equal(canonicalIp('::ffff:1.2.3.4'), '1.2.3.4');
  });
  it('refuses what is not an address', () => {
    for (const bad of ['notip', '1.2.3', '010.1.1.1', '1.2.3.4.5', 'fe80::1%eth0', '', '[::1]']) {
      assert.equal(canonicalIp(bad), undefined, bad);
    }
  });
  it('knows loopback addresses', () => {
    assert.equal(isLoopbackIp('127.0.0.53'), true);
    assert.equal(isLoopbackIp('::1'), true);
    assert.equal(isLoopbackIp('8.8.8.8'), false);
  });
});
