import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../util/errors.ts';
import {
  contains,
  firstHost,
  formatIpv4,
  formatSubnet,
  lastHost,
  overlaps,
  parseAddressWithPrefix,
  parseIpv4,
  parseSubnet,
  subnetSize,
} from './ipv4.ts';

/** An InvalidArgument whose message contains every one of `words`. */
const invalid =
  (...words: string[]) =>
  (err: unknown) => {
    assert.ok(isBerthError(err, 'InvalidArgument'), `want InvalidArgument, got ${String(err)}`);
    for (const w of words) assert.ok(err.message.includes(w), `"${err.message}" should mention ${w}`);
    return true;
  };

const net = (text: string) => parseSubnet(text);

describe('parseIpv4 / formatIpv4', () => {
  it('turns dotted quads into 32-bit numbers and back', () => {
    assert.equal(parseIpv4('0.0.0.0'), 0);
    assert.equal(parseIpv4('0.0.0.1'), 1);
    assert.equal(parseIpv4('1.0.0.0'), 16777216);
    assert.equal(parseIpv4('172.18.0.5'), 172 * 2 ** 24 + 18 * 2 ** 16 + 5);
    assert.equal(parseIpv4('255.255.255.255'), 2 ** 32 - 1);
    for (const text of ['0.0.0.0', '10.1.2.3', '172.31.255.254', '192.168.0.1', '255.255.255.255'])
      assert.equal(formatIpv4(parseIpv4(text)), text);
  });

  it('refuses anything but four numbers 0-255, quoting the input and naming what it was', () => {
    for (const bad of [
      '',
      '1.2.3',
      '1.2.3.4.5',
      '256.0.0.1',
      '1.2.3.-4',
      'a.b.c.d',
      '1.2.3.4 ',
      ' 1.2.3.4',
      '1.2.3.4\n',
      '1..3.4',
      '1.2.3.1000',
      '0x1.2.3.4',
      '::1',
    ]) {
      assert.throws(() => parseIpv4(bad), invalid(`"${bad}"`, 'IP address', '0-255'), JSON.stringify(bad));
    }
    assert.throws(() => parseIpv4('10.0.0.300', '--ip'), invalid('invalid --ip "10.0.0.300"'));
  });
});

describe('parseSubnet / formatSubnet', () => {
  it('parses CIDR into base and prefix', () => {
    assert.deepEqual(net('172.18.0.0/16'), { base: parseIpv4('172.18.0.0'), prefix: 16 });
    assert.deepEqual(net('0.0.0.0/0'), { base: 0, prefix: 0 });
    assert.deepEqual(net('10.1.2.3/32'), { base: parseIpv4('10.1.2.3'), prefix: 32 });
    assert.deepEqual(net('255.255.255.255/32'), { base: 2 ** 32 - 1, prefix: 32 });
    assert.deepEqual(net('128.0.0.0/1'), { base: 2 ** 31, prefix: 1 });
    assert.equal(formatSubnet(net('192.168.16.0/20')), '192.168.16.0/20');
  });

  it('refuses host bits and suggests the subnet meant', () => {
    assert.throws(
      () => parseSubnet('172.18.0.1/16'),
      invalid('"172.18.0.1/16"', 'host bits', 'did you mean 172.18.0.0/16?'),
    );
    assert.throws(() => parseSubnet('10.0.0.1/0'), invalid('did you mean 0.0.0.0/0?'));
    assert.throws(
      () => parseSubnet('192.168.1.130/25', 'ip-range'),
      invalid('invalid ip-range', '192.168.1.128/25'),
    );
  });

  it('keeps host bits out of the base when they are allowed', () => {
    assert.deepEqual(parseSubnet('172.18.0.1/16', 'subnet', { allowHostBits: true }), net('172.18.0.0/16'));
    assert.deepEqual(parseSubnet('255.255.255.255/1', 'subnet', { allowHostBits: true }), net('128.0.0.0/1'));
  });

  it('refuses what is not CIDR, naming the field', () => {
    for (const bad of [
      '172.18.0.0',
      '172.18.0.0/',
      '172.18.0.0/33',
      '172.18.0.0/100',
      '/16',
      '172.18.0.0/16/1',
    ])
      assert.throws(() => parseSubnet(bad), invalid(`"${bad}"`, 'subnet'), bad);
    assert.throws(() => parseSubnet('10.0.0.0/33', '--subnet'), invalid('invalid --subnet', 'CIDR'));
    // a bad address part: the message quotes that part
    assert.throws(
      () => parseSubnet('10.0.0.256/24', '--subnet'),
      invalid('invalid --subnet "10.0.0.256"', '0-255'),
    );
    assert.throws(() => parseSubnet('x/8'), invalid('invalid subnet "x"'));
  });
});

describe('parseAddressWithPrefix', () => {
  it('gives the address and the subnet it sits in', () => {
    const bip = parseAddressWithPrefix('172.31.7.1/24', '--bip');
    assert.equal(formatIpv4(bip.address), '172.31.7.1');
    assert.equal(formatSubnet(bip.subnet), '172.31.7.0/24');
  });

  it('names the flag in its errors', () => {
    assert.throws(() => parseAddressWithPrefix('172.31.7.1', '--bip'), invalid('invalid --bip "172.31.7.1"'));
    assert.throws(() => parseAddressWithPrefix('172.31.7.300/24', '--bip'), invalid('invalid --bip'));
  });
});

describe('contains / overlaps / host addresses', () => {
  const s = net('172.18.4.0/22'); // 172.18.4.0 - 172.18.7.255

  it('contains every address from the base to the broadcast address, and nothing else', () => {
    assert.equal(contains(s, parseIpv4('172.18.4.0')), true);
    assert.equal(contains(s, parseIpv4('172.18.5.77')), true);
    assert.equal(contains(s, parseIpv4('172.18.7.255')), true);
    assert.equal(contains(s, parseIpv4('172.18.3.255')), false);
    assert.equal(contains(s, parseIpv4('172.18.8.0')), false);
    assert.equal(contains(net('0.0.0.0/0'), 2 ** 32 - 1), true);
    assert.equal(contains(net('10.0.0.7/32'), parseIpv4('10.0.0.7')), true);
    assert.equal(contains(net('10.0.0.7/32'), parseIpv4('10.0.0.8')), false);
  });

  it('overlaps when the ranges share an address, either way round', () => {
    const cases: [string, string, boolean][] = [
      ['172.18.4.0/22', '172.18.4.0/22', true],
      ['172.18.4.0/22', '172.18.6.0/24', true],
      ['172.18.0.0/16', '172.18.6.0/24', true],
      ['172.18.4.0/22', '172.18.7.255/32', true],
      ['172.18.4.0/22', '172.18.8.0/22', false], // adjacent
      ['172.18.4.0/22', '172.18.0.0/22', false], // adjacent below
      ['172.17.0.0/16', '172.18.0.0/16', false],
      ['0.0.0.0/0', '192.168.1.0/24', true],
    ];
    for (const [a, b, want] of cases) {
      assert.equal(overlaps(net(a), net(b)), want, `${a} ${b}`);
      assert.equal(overlaps(net(b), net(a)), want, `${b} ${a}`);
    }
  });

  it('counts the addresses and finds the first and last host', () => {
    assert.equal(subnetSize(s), 1024);
    assert.equal(subnetSize(net('0.0.0.0/0')), 2 ** 32);
    assert.equal(subnetSize(net('10.0.0.0/32')), 1);
    assert.equal(formatIpv4(firstHost(s)), '172.18.4.1');
    assert.equal(formatIpv4(lastHost(s)), '172.18.7.254');
    assert.equal(formatIpv4(lastHost(net('192.168.0.0/30'))), '192.168.0.2');
  });
});
