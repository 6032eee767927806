import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDnsSearch, parseDnsServer, parseExtraHost } from './host-names.ts';

describe('parseExtraHost', () => {
  it('takes name:ip, name=ip, [v6] and host-gateway, sending name:ip', () => {
    assert.equal(parseExtraHost('a=1.2.3.4'), 'a:1.2.3.4');
    assert.equal(parseExtraHost('b:[::1]'), 'b:::1');
    assert.equal(parseExtraHost('c:::1'), 'c:::1');
    assert.equal(parseExtraHost('d;e:host-gateway'), 'd;e:host-gateway');
  });
  it('refuses as Docker does', () => {
    assert.throws(() => parseExtraHost('foo'), { message: 'bad format for add-host: "foo"' });
    assert.throws(() => parseExtraHost('a:b:c'), { message: 'invalid IP address in add-host: "b:c"' });
    assert.throws(() => parseExtraHost(':1.2.3.4'), { message: 'bad format for add-host: ":1.2.3.4"' });
  });
});

describe('DNS flags', () => {
  it('canonicalises servers', () => {
    assert.equal(parseDnsServer('8.8.8.8'), '8.8.8.8');
    assert.equal(parseDnsServer('  ::1 '), '::1');
    assert.equal(parseDnsServer('0:0::1'), '::1');
    assert.throws(() => parseDnsServer('notip'), { message: 'IP address is not correctly formatted: notip' });
  });
  it('checks search domains', () => {
    assert.equal(parseDnsSearch('example.com'), 'example.com');
    assert.equal(parseDnsSearch('a.b.'), 'a.b');
    assert.equal(parseDnsSearch('.'), '.');
    assert.throws(() => parseDnsSearch('not valid!'), { message: 'not valid! is not a valid domain' });
    assert.throws(() => parseDnsSearch('123'), { message: '123 is not a valid domain' });
  });
});
