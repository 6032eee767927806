import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildNetworkCreateRequest, keyValueMap } from './create-request.ts';

describe('buildNetworkCreateRequest', () => {
  it("sends Docker's body for a bare create", () => {
    assert.deepEqual(buildNetworkCreateRequest('n1', {}), {
      Name: 'n1',
      CheckDuplicate: true,
      Driver: 'bridge',
      EnableIPv6: false,
      IPAM: { Driver: 'default', Config: [], Options: {} },
      Internal: false,
      Attachable: false,
      Ingress: false,
      ConfigOnly: false,
      Options: {},
      Labels: {},
    });
  });

  it('carries subnets, flags, labels and driver options', () => {
    const body = buildNetworkCreateRequest('n2', {
      driver: 'bridge',
      subnets: ['10.5.0.0/24'],
      gateways: ['10.5.0.254'],
      ranges: ['10.5.0.128/25'],
      internal: true,
      attachable: true,
      labels: ['team=a', 'flag'],
      options: ['com.docker.network.bridge.name=br-test', 'com.docker.network.driver.mtu=1400'],
    });
    assert.deepEqual(body.IPAM.Config, [
      { Subnet: '10.5.0.0/24', Gateway: '10.5.0.254', IPRange: '10.5.0.128/25' },
    ]);
    assert.equal(body.Internal, true);
    assert.equal(body.Attachable, true);
    assert.deepEqual(body.Labels, { team: 'a', flag: '' });
    assert.deepEqual(body.Options, {
      'com.docker.network.bridge.name': 'br-test',
      'com.docker.network.driver.mtu': '1400',
    });
  });

  it('refuses other drivers, IPv6 and other IPAM drivers, saying what berth has', () => {
    assert.throws(
      () => buildNetworkCreateRequest('n', { driver: 'overlay' }),
      (err: Error & { code?: string }) => {
        assert.match(
          err.message,
          /network driver "overlay" is not supported: berth creates only "bridge" networks/,
        );
        assert.equal(err.code, 'InvalidArgument');
        return true;
      },
    );
    assert.throws(() => buildNetworkCreateRequest('n', { driver: 'host' }), /"host" is not supported/);
    assert.throws(
      () => buildNetworkCreateRequest('n', { ipv6: true }),
      /--ipv6 is not supported: berth networks are IPv4 only/,
    );
    assert.throws(
      () => buildNetworkCreateRequest('n', { ipamDriver: 'dhcp' }),
      /IPAM driver "dhcp" is not supported/,
    );
    assert.throws(() => buildNetworkCreateRequest('n', { gateways: ['10.0.0.1'] }), /corresponding subnet/);
  });
});

describe('keyValueMap', () => {
  it('splits at the first =, keeps bare keys with an empty value, refuses an empty name', () => {
    assert.deepEqual(keyValueMap(['a=b=c', 'k', 'e='], 'label'), { a: 'b=c', k: '', e: '' });
    assert.deepEqual(keyValueMap(undefined, 'label'), {});
    assert.throws(() => keyValueMap(['=x'], 'label'), /invalid label '=x': empty name/);
  });
});
