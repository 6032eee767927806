import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refused } from '../../test/helpers/errors.ts';
import { parseSubnet } from './ipv4.ts';
import {
  BRIDGE_NAME_OPTION,
  MTU_OPTION,
  type NetworkCreateRequest,
  networkRecordFromRequest,
} from './network-create.ts';
import type { NetworkRecord } from './network-record.ts';

const ID = 'a1b2c3d4e5f6'.padEnd(64, '0');
const NOW = '2024-05-01T10:00:00.000Z';

function existing(name: string, subnet: string, bridge: string): NetworkRecord {
  return {
    id: `${name}-id`.padEnd(64, 'f'),
    name,
    driver: 'bridge',
    created: NOW,
    bridge,
    subnet,
    gateway: subnet.replace(/0\/\d+$/, '1'),
    internal: false,
    attachable: false,
    options: {},
    labels: {},
    builtin: false,
  };
}

const builtins: NetworkRecord[] = [
  { ...existing('host', '', ''), driver: 'host', gateway: '', builtin: true },
  { ...existing('none', '', ''), driver: 'null', gateway: '', builtin: true },
];

function create(
  req: NetworkCreateRequest,
  others: NetworkRecord[] = [],
  routes: { base: number; prefix: number }[] = [],
) {
  return networkRecordFromRequest(req, { id: ID, existing: [...builtins, ...others], routes, now: NOW });
}

describe('networkRecordFromRequest: defaults', () => {
  it("gives a bare request Docker's defaults: a free /16, its first address as gateway, bridge br-<id12>", () => {
    assert.deepEqual(create({ Name: 'web' }), {
      id: ID,
      name: 'web',
      driver: 'bridge',
      created: NOW,
      bridge: 'br-a1b2c3d4e5f6',
      subnet: '172.17.0.0/16',
      gateway: '172.17.0.1',
      internal: false,
      attachable: false,
      options: {},
      labels: {},
      builtin: false,
    });
  });

  it('takes the next pool subnet past existing networks and host routes', () => {
    const others = [existing('a', '172.17.0.0/16', 'br-a'), existing('b', '172.19.0.0/16', 'br-b')];
    assert.equal(create({ Name: 'web' }, others).subnet, '172.18.0.0/16');
    assert.equal(create({ Name: 'web' }, others, [parseSubnet('172.18.9.0/24')]).subnet, '172.20.0.0/16');
  });

  it('accepts the fields Docker clients send with their zero values', () => {
    const r = create({
      Name: 'web',
      CheckDuplicate: true,
      Driver: '',
      Scope: 'local',
      Internal: false,
      Attachable: false,
      Ingress: false,
      EnableIPv6: false,
      IPAM: { Driver: '', Config: [], Options: {} },
      Options: null,
      Labels: null,
    });
    assert.equal(r.driver, 'bridge');
    assert.equal(r.subnet, '172.17.0.0/16');
    assert.deepEqual(r.options, {});
    assert.deepEqual(r.labels, {});
    assert.equal(
      create({ Name: 'x', Driver: 'bridge', IPAM: { Driver: 'default', Config: null } }).driver,
      'bridge',
    );
    assert.equal(create({ Name: 'x', IPAM: null }).subnet, '172.17.0.0/16');
  });

  it('keeps the subnet, gateway, ip-range, flags, options and labels asked for', () => {
    const options = { [BRIDGE_NAME_OPTION]: 'br-mine', [MTU_OPTION]: '1400', 'com.example.x': 'y' };
    const labels = { team: 'blue' };
    const r = create({
      Name: 'my_net.v2-a',
      Internal: true,
      Attachable: true,
      IPAM: { Config: [{ Subnet: '10.20.0.0/16', Gateway: '10.20.0.254', IPRange: '10.20.5.0/24' }] },
      Options: options,
      Labels: labels,
    });
    assert.equal(r.name, 'my_net.v2-a');
    assert.equal(r.subnet, '10.20.0.0/16');
    assert.equal(r.gateway, '10.20.0.254');
    assert.equal(r.ipRange, '10.20.5.0/24');
    assert.equal(r.internal, true);
    assert.equal(r.attachable, true);
    assert.equal(r.bridge, 'br-mine');
    assert.equal(r.mtu, 1400);
    assert.deepEqual(r.options, options);
    assert.deepEqual(r.labels, labels);
    // copies: the record does not share the request's objects
    assert.notEqual(r.options, options);
    assert.notEqual(r.labels, labels);
  });

  it('puts the gateway at the first address of a given subnet when none is given', () => {
    assert.equal(
      create({ Name: 'n', IPAM: { Config: [{ Subnet: '192.168.77.0/24' }] } }).gateway,
      '192.168.77.1',
    );
    assert.equal(
      create({ Name: 'n', IPAM: { Config: [{ Subnet: '192.168.77.0/30' }] } }).gateway,
      '192.168.77.1',
    );
  });

  it('a subnet next to an existing one does not overlap it', () => {
    const others = [existing('a', '10.1.0.0/24', 'br-a')];
    assert.equal(
      create({ Name: 'n', IPAM: { Config: [{ Subnet: '10.1.1.0/24' }] } }, others).subnet,
      '10.1.1.0/24',
    );
  });
});

describe('networkRecordFromRequest: refusals', () => {
  it('refuses a missing or bad name', () => {
    assert.throws(() => create({}), refused('InvalidArgument', 'invalid network name ""'));
    for (const name of ['-web', '.web', '_web', 'my net', 'a/b', 'caf\u00e9', 'x:y'])
      assert.throws(
        () => create({ Name: name }),
        refused('InvalidArgument', `"${name}"`, '[a-zA-Z0-9]'),
        name,
      );
  });

  it('refuses a name that is taken', () => {
    const others = [existing('web', '10.1.0.0/24', 'br-web')];
    assert.throws(
      () => create({ Name: 'web' }, others),
      refused('Conflict', 'network with name web already exists'),
    );
    assert.throws(
      () => create({ Name: 'host' }),
      refused('Conflict', 'network with name host already exists'),
    );
  });

  it('refuses drivers other than bridge', () => {
    for (const driver of ['overlay', 'macvlan', 'host', 'null'])
      assert.throws(
        () => create({ Name: 'n', Driver: driver }),
        refused('InvalidArgument', `"${driver}"`, 'bridge'),
        driver,
      );
  });

  it('refuses IPv6, ingress and other IPAM drivers', () => {
    assert.throws(() => create({ Name: 'n', EnableIPv6: true }), refused('NotImplemented', 'IPv6'));
    assert.throws(() => create({ Name: 'n', Ingress: true }), refused('InvalidArgument', 'swarm'));
    assert.throws(
      () => create({ Name: 'n', IPAM: { Driver: 'dhcp' } }),
      refused('InvalidArgument', 'IPAM driver "dhcp"'),
    );
  });

  it('refuses two IPAM configs', () => {
    assert.throws(
      () => create({ Name: 'n', IPAM: { Config: [{ Subnet: '10.1.0.0/24' }, { Subnet: '10.2.0.0/24' }] } }),
      refused('InvalidArgument', 'one subnet'),
    );
  });

  it('refuses a subnet with host bits, a bad one, or one too small', () => {
    assert.throws(
      () => create({ Name: 'n', IPAM: { Config: [{ Subnet: '10.1.0.5/24' }] } }),
      refused('InvalidArgument', '10.1.0.5/24', 'host bits', '10.1.0.0/24'),
    );
    assert.throws(
      () => create({ Name: 'n', IPAM: { Config: [{ Subnet: '10.1.0.0' }] } }),
      refused('InvalidArgument', '"10.1.0.0"'),
    );
    for (const s of ['10.1.0.0/31', '10.1.0.0/32'])
      assert.throws(
        () => create({ Name: 'n', IPAM: { Config: [{ Subnet: s }] } }),
        refused('InvalidArgument', s, 'too small'),
        s,
      );
  });

  it('refuses a subnet overlapping an existing network, naming it', () => {
    const others = [existing('backend', '10.1.0.0/16', 'br-backend')];
    for (const s of ['10.1.0.0/16', '10.1.200.0/24', '10.0.0.0/8'])
      assert.throws(
        () => create({ Name: 'n', IPAM: { Config: [{ Subnet: s }] } }, others),
        refused('Conflict', `${s} and network backend (10.1.0.0/16)`),
        s,
      );
  });

  it('refuses a gateway outside the subnet, on its network address, or unreadable', () => {
    const subnet = '10.1.0.0/24';
    for (const gw of ['10.1.1.1', '10.0.255.255', '10.1.0.0'])
      assert.throws(
        () => create({ Name: 'n', IPAM: { Config: [{ Subnet: subnet, Gateway: gw }] } }),
        refused('InvalidArgument', `gateway ${gw} is not a host address of subnet ${subnet}`),
        gw,
      );
    assert.throws(
      () => create({ Name: 'n', IPAM: { Config: [{ Subnet: subnet, Gateway: '10.1.0' }] } }),
      refused('InvalidArgument', 'invalid gateway "10.1.0"'),
    );
  });

  it("refuses the subnet's broadcast address as gateway (it is no host address)", () => {
    assert.throws(
      () => create({ Name: 'n', IPAM: { Config: [{ Subnet: '10.1.0.0/24', Gateway: '10.1.0.255' }] } }),
      refused('InvalidArgument', 'gateway 10.1.0.255'),
    );
  });

  it('refuses a gateway or ip-range without a subnet', () => {
    assert.throws(
      () => create({ Name: 'n', IPAM: { Config: [{ Gateway: '172.17.0.1' }] } }),
      refused('InvalidArgument', 'needs a subnet'),
    );
    assert.throws(
      () => create({ Name: 'n', IPAM: { Config: [{ IPRange: '172.17.1.0/24' }] } }),
      refused('InvalidArgument', 'needs a subnet'),
    );
  });

  it('refuses an ip-range outside the subnet or larger than it', () => {
    for (const range of ['10.2.0.0/24', '10.0.0.0/8', '10.0.0.0/15'])
      assert.throws(
        () => create({ Name: 'n', IPAM: { Config: [{ Subnet: '10.1.0.0/16', IPRange: range }] } }),
        refused('InvalidArgument', `ip-range ${range} is not inside subnet 10.1.0.0/16`),
        range,
      );
    assert.throws(
      () => create({ Name: 'n', IPAM: { Config: [{ Subnet: '10.1.0.0/16', IPRange: '10.1.5.1/24' }] } }),
      refused('InvalidArgument', 'invalid ip-range "10.1.5.1/24"'),
    );
  });

  it('refuses a bad bridge name', () => {
    for (const bridge of ['this-is-too-long', 'br 0', 'br/0', '-br0', 'br:0'])
      assert.throws(
        () => create({ Name: 'n', Options: { [BRIDGE_NAME_OPTION]: bridge } }),
        refused('InvalidArgument', `invalid bridge name "${bridge}"`),
        bridge,
      );
    assert.equal(
      create({ Name: 'n', Options: { [BRIDGE_NAME_OPTION]: 'exactly15chars_' } }).bridge,
      'exactly15chars_',
    );
  });

  it('refuses a bridge another network uses, naming that network', () => {
    const others = [existing('backend', '10.1.0.0/16', 'br-shared')];
    assert.throws(
      () => create({ Name: 'n', Options: { [BRIDGE_NAME_OPTION]: 'br-shared' } }, others),
      refused('Conflict', 'bridge br-shared is already used by network backend'),
    );
  });

  it('refuses an MTU that is not a whole number from 68 to 65535', () => {
    for (const mtu of ['0', '67', '65536', 'abc', '1500.5', '-1500', ''])
      assert.throws(
        () => create({ Name: 'n', Options: { [MTU_OPTION]: mtu } }),
        refused('InvalidArgument', `invalid MTU "${mtu}"`),
        mtu,
      );
    assert.equal(create({ Name: 'n', Options: { [MTU_OPTION]: '68' } }).mtu, 68);
    assert.equal(create({ Name: 'n', Options: { [MTU_OPTION]: '65535' } }).mtu, 65535);
  });
});
