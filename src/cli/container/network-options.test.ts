import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildNetworkSettings, parseIpFlag, parseNetworkFlag } from './network-options.ts';

const none = { networks: [], aliases: [], links: [] };

describe('buildNetworkSettings', () => {
  it('sends the default network and no endpoint when nothing is said about it', () => {
    assert.deepEqual(buildNetworkSettings(none), { networkMode: 'default', endpoints: {} });
    assert.deepEqual(buildNetworkSettings({ ...none, networks: ['mynet'] }), {
      networkMode: 'mynet',
      endpoints: {},
    });
  });
  it('puts --network-alias and --ip on the first network', () => {
    assert.deepEqual(
      buildNetworkSettings({ ...none, networks: ['mynet'], aliases: ['a1'], ip: '10.0.0.5' }),
      {
        networkMode: 'mynet',
        endpoints: { mynet: { Aliases: ['a1'], IPAMConfig: { IPv4Address: '10.0.0.5' } } },
      },
    );
    assert.deepEqual(buildNetworkSettings({ ...none, ip: '1.2.3.4' }), {
      networkMode: 'default',
      endpoints: { default: { IPAMConfig: { IPv4Address: '1.2.3.4' } } },
    });
  });
  it('lists every network when there are several', () => {
    assert.deepEqual(buildNetworkSettings({ ...none, networks: ['mynet', 'other'] }), {
      networkMode: 'mynet',
      endpoints: { mynet: {}, other: {} },
    });
  });
  it('reads the name=...,alias=... form, lower-casing as Docker does', () => {
    assert.deepEqual(buildNetworkSettings({ ...none, networks: ['name=My,alias=X'] }), {
      networkMode: 'my',
      endpoints: { my: { Aliases: ['x'] } },
    });
    assert.deepEqual(parseNetworkFlag('name=a,driver-opt=K=V,ip=10.0.0.2'), {
      target: 'a',
      aliases: [],
      links: [],
      driverOpts: { k: 'v' },
      ipv4: '10.0.0.2',
    });
  });
  const invalid: [Parameters<typeof buildNetworkSettings>[0], string][] = [
    [
      { ...none, networks: ['host'], aliases: ['a1'] },
      'network-scoped aliases are only supported for user-defined networks',
    ],
    [{ ...none, aliases: ['foo'] }, 'network-scoped aliases are only supported for user-defined networks'],
    [
      { ...none, networks: ['mynet', 'host'] },
      'conflicting options: cannot attach both user-defined and non-user-defined network-modes',
    ],
    [{ ...none, networks: ['a', 'a'] }, 'network "a" is specified multiple times'],
    [{ ...none, networks: ['name=a,foo=b'] }, 'invalid field key foo'],
    [
      { ...none, networks: ['name=a,alias=x'], aliases: ['y'] },
      'conflicting options: cannot specify both --network-alias and per-network alias',
    ],
  ];
  for (const [flags, message] of invalid) {
    it(`refuses ${JSON.stringify(flags)}`, () =>
      assert.throws(() => buildNetworkSettings(flags), { message }));
  }
  it('checks --ip and --ip6', () => {
    assert.equal(parseIpFlag('10.0.0.5', 4), '10.0.0.5');
    assert.equal(parseIpFlag('2001:db8::33', 6), '2001:db8::33');
    assert.throws(() => parseIpFlag('notip', 4), {
      message: 'invalid string being converted to IP address: notip',
    });
    assert.throws(() => parseIpFlag('2001:db8::33', 4), {
      message: 'invalid string being converted to IP address: 2001:db8::33',
    });
  });
});
