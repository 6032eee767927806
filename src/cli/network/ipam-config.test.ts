import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consolidateIpam, parseCidr } from './ipam-config.ts';

const none = { subnets: [], ranges: [], gateways: [], auxAddresses: {} };

describe('parseCidr', () => {
  it('reads IPv4 and IPv6 CIDRs and refuses what Go refuses', () => {
    assert.deepEqual(parseCidr('10.1.0.0/16'), {
      text: '10.1.0.0/16',
      address: '10.1.0.0',
      family: 'ipv4',
      prefix: 16,
    });
    assert.equal(parseCidr('fd00::/64')?.family, 'ipv6');
    for (const bad of ['10.1.0.0', '10.1.0/16', '10.1.0.0/33', 'fd00::/129', '10.1.0.0/x', '/8'])
      assert.equal(parseCidr(bad), undefined, bad);
  });
});

describe('consolidateIpam', () => {
  it('gives nothing for no flags', () => {
    assert.deepEqual(consolidateIpam(none), []);
  });

  it('puts each range, gateway and aux address with the subnet holding it', () => {
    assert.deepEqual(
      consolidateIpam({
        subnets: ['10.1.0.0/16', '10.2.0.0/24'],
        ranges: ['10.2.0.128/25'],
        gateways: ['10.1.0.254', '10.2.0.1'],
        auxAddresses: { router: '10.1.0.2' },
      }),
      [
        { Subnet: '10.1.0.0/16', Gateway: '10.1.0.254', AuxiliaryAddresses: { router: '10.1.0.2' } },
        { Subnet: '10.2.0.0/24', IPRange: '10.2.0.128/25', Gateway: '10.2.0.1' },
      ],
    );
  });

  it("refuses what Docker's CLI refuses, with its words", () => {
    const cases: [Parameters<typeof consolidateIpam>[0], RegExp][] = [
      [{ ...none, gateways: ['10.0.0.1'] }, /^every ip-range or gateway must have a corresponding subnet$/],
      [{ ...none, ranges: ['10.0.0.0/25'] }, /^every ip-range or gateway must have a corresponding subnet$/],
      [{ ...none, subnets: ['10.0.0.0/16', '10.0.5.0/24'] }, /^multiple overlapping subnet configuration/],
      [{ ...none, subnets: ['10.0.5.0/24', '10.0.0.0/16'] }, /^multiple overlapping subnet configuration/],
      [{ ...none, subnets: ['10.0.0/16'] }, /^invalid subnet: invalid CIDR address: 10\.0\.0\/16$/],
      [
        { ...none, subnets: ['10.0.0.0/24'], gateways: ['10.0.1.1'] },
        /^no matching subnet for gateway 10\.0\.1\.1$/,
      ],
      [
        { ...none, subnets: ['10.0.0.0/24'], ranges: ['10.9.0.0/25'] },
        /^no matching subnet for range 10\.9\.0\.0\/25$/,
      ],
      [
        { ...none, subnets: ['10.0.0.0/24', '10.1.0.0/24'], gateways: ['10.0.0.1', '10.0.0.2'] },
        /^cannot configure multiple gateways \(10\.0\.0\.2, 10\.0\.0\.1\) for the same subnet \(10\.0\.0\.0\/24\)$/,
      ],
      [
        { ...none, subnets: ['10.0.0.0/24', '10.1.0.0/24'], ranges: ['10.0.0.0/25', '10.0.0.128/25'] },
        /^cannot configure multiple ranges \(10\.0\.0\.128\/25, 10\.0\.0\.0\/25\) on the same subnet/,
      ],
      [
        { ...none, subnets: ['10.0.0.0/24'], gateways: ['nope'] },
        /^invalid gateway: "nope" is not an IP address$/,
      ],
      [
        { ...none, subnets: ['10.0.0.0/24'], ranges: ['10.0.0.1'] },
        /^invalid ip-range: invalid CIDR address/,
      ],
      [
        { ...none, subnets: ['10.0.0.0/24'], auxAddresses: { a: '10.3.0.1' } },
        /^no matching subnet for aux-address 10\.3\.0\.1$/,
      ],
    ];
    for (const [flags, message] of cases) {
      assert.throws(
        () => consolidateIpam(flags),
        (err: Error & { code?: string }) => {
          assert.match(err.message, message);
          assert.equal(err.code, 'InvalidArgument');
          return true;
        },
      );
    }
  });

  it('does not match an IPv4 gateway to an IPv6 subnet', () => {
    assert.throws(
      () => consolidateIpam({ ...none, subnets: ['fd00::/64'], gateways: ['10.0.0.1'] }),
      /no matching subnet for gateway 10\.0\.0\.1/,
    );
    assert.deepEqual(consolidateIpam({ ...none, subnets: ['fd00::/64'], gateways: ['fd00::1'] }), [
      { Subnet: 'fd00::/64', Gateway: 'fd00::1' },
    ]);
  });
});
