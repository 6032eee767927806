import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bridgeConfig, cniNetworkName, loopbackConfig } from './cni-config.ts';
import { CNI_VERSION } from './cni-plugin.ts';
import type { NetworkRecord } from './network-record.ts';

const network = (over: Partial<NetworkRecord> = {}): NetworkRecord => ({
  id: '0123456789abcdef'.repeat(4),
  name: 'web',
  driver: 'bridge',
  created: '2024-05-01T10:00:00.000Z',
  bridge: 'br-0123456789ab',
  subnet: '172.18.0.0/16',
  gateway: '172.18.0.1',
  internal: false,
  attachable: false,
  options: {},
  labels: {},
  builtin: false,
  ...over,
});

const IPAM_DIR = '/var/lib/berth/network/ipam';
const rangeOf = (n: NetworkRecord) =>
  bridgeConfig(n, { ipamDir: IPAM_DIR, defaultRoute: true }).ipam.ranges[0]![0]!;

describe('cniNetworkName', () => {
  it('is berth- and the first 12 of the ID, never the user-given name', () => {
    assert.equal(cniNetworkName(network({ name: '../../etc' })), 'berth-0123456789ab');
  });
});

describe('bridgeConfig', () => {
  it('the bridge plugin on the network bridge, host-local addresses under the IPAM dir, no masquerade by the plugin', () => {
    assert.deepEqual(bridgeConfig(network(), { ipamDir: IPAM_DIR, defaultRoute: true }), {
      cniVersion: CNI_VERSION,
      name: 'berth-0123456789ab',
      type: 'bridge',
      bridge: 'br-0123456789ab',
      isGateway: true,
      ipMasq: false,
      hairpinMode: true,
      ipam: {
        type: 'host-local',
        dataDir: IPAM_DIR,
        ranges: [[{ subnet: '172.18.0.0/16', gateway: '172.18.0.1' }]],
        routes: [{ dst: '0.0.0.0/0' }],
      },
    });
  });

  it('a default route only when asked for, and never on an internal network', () => {
    const routes = (n: NetworkRecord, defaultRoute: boolean) =>
      bridgeConfig(n, { ipamDir: IPAM_DIR, defaultRoute }).ipam.routes;
    assert.deepEqual(routes(network(), true), [{ dst: '0.0.0.0/0' }]);
    assert.equal(routes(network(), false), undefined);
    assert.equal(routes(network({ internal: true }), true), undefined);
    assert.equal(routes(network({ internal: true }), false), undefined);
  });

  it('passes the MTU when the network has one', () => {
    assert.equal(bridgeConfig(network({ mtu: 1400 }), { ipamDir: IPAM_DIR, defaultRoute: false }).mtu, 1400);
    assert.ok(!('mtu' in bridgeConfig(network(), { ipamDir: IPAM_DIR, defaultRoute: false })));
  });

  it("turns an ip-range into rangeStart/rangeEnd: the range's host addresses of the subnet", () => {
    // Docker's sub-pool: the range's own first and last addresses are host addresses of the /16
    assert.deepEqual(rangeOf(network({ ipRange: '172.18.5.0/24' })), {
      subnet: '172.18.0.0/16',
      gateway: '172.18.0.1',
      rangeStart: '172.18.5.0',
      rangeEnd: '172.18.5.255',
    });
    const wide = rangeOf(network({ ipRange: '172.18.128.0/17' }));
    assert.equal(wide.rangeStart, '172.18.128.0');
    assert.equal(wide.rangeEnd, '172.18.255.254');
    const pair = rangeOf(network({ ipRange: '172.18.9.8/31' }));
    assert.equal(pair.rangeStart, '172.18.9.8');
    assert.equal(pair.rangeEnd, '172.18.9.9');
    assert.ok(!('rangeStart' in rangeOf(network())));
  });

  it('an ip-range of one address (/32) hands out that address only', () => {
    const one = rangeOf(network({ ipRange: '172.18.9.8/32' }));
    assert.equal(one.rangeStart, '172.18.9.8');
    assert.equal(one.rangeEnd, '172.18.9.8');
  });
});

describe('loopbackConfig', () => {
  it('is the loopback plugin', () => {
    assert.deepEqual(loopbackConfig, { cniVersion: CNI_VERSION, name: 'berth-loopback', type: 'loopback' });
  });
});
