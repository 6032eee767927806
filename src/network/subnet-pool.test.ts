import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isBerthError } from '../util/errors.ts';
import { formatSubnet, parseSubnet, type Subnet } from './ipv4.ts';
import { hostRoutes, pickSubnet } from './subnet-pool.ts';

// /proc/net/route prints each address as the hex of a host-order (little-endian) u32.
const ROUTE_TABLE = [
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
  'eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0', // default via 192.168.1.1
  'eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0', // 192.168.1.0/24
  'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0', // 172.17.0.0/16
  'wg0\t0A0A0A0A\t0101A8C0\t0007\t0\t0\t0\tFFFFFFFF\t0\t0\t0', // 10.10.10.10/32
  'tun0\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0', // 10.0.0.0/8
  '',
].join('\n');

const nets = (...texts: string[]): Subnet[] => texts.map((t) => parseSubnet(t));
const formatted = (subnets: readonly Subnet[]) => subnets.map(formatSubnet);

describe('hostRoutes', () => {
  it('reads every destination with its prefix, the default route and the header left out', () => {
    assert.deepEqual(formatted(hostRoutes(ROUTE_TABLE)), [
      '192.168.1.0/24',
      '172.17.0.0/16',
      '10.10.10.10/32',
      '10.0.0.0/8',
    ]);
  });

  it('skips short or blank lines', () => {
    assert.deepEqual(hostRoutes('Iface\tDestination\n\neth0 0001A8C0\n'), []);
    assert.deepEqual(hostRoutes(''), []);
  });

  it("parses this host's own table without a default route in it", () => {
    const text = readFileSync('/proc/net/route', 'utf8');
    const routes = hostRoutes();
    assert.deepEqual(routes, hostRoutes(text));
    assert.ok(routes.every((r) => r.prefix > 0 && r.prefix <= 32));
    const lines = text
      .split('\n')
      .slice(1)
      .filter((l) => l.trim().split(/\s+/).length >= 8);
    const defaults = lines.filter((l) => l.trim().split(/\s+/)[7] === '00000000').length;
    assert.equal(routes.length, lines.length - defaults);
  });
});

describe('pickSubnet', () => {
  it("starts with Docker's first pool, 172.17.0.0/16", () => {
    assert.equal(formatSubnet(pickSubnet([], [])), '172.17.0.0/16');
  });

  it('skips subnets of existing networks', () => {
    assert.equal(formatSubnet(pickSubnet(nets('172.17.0.0/16', '172.18.0.0/16'), [])), '172.19.0.0/16');
    // overlapping is enough: a small network inside a candidate takes all of it
    assert.equal(formatSubnet(pickSubnet(nets('172.17.200.0/24'), [])), '172.18.0.0/16');
  });

  it('skips subnets the host routes, a /32 included, and ignores the default route', () => {
    const routes = hostRoutes(ROUTE_TABLE); // 172.17/16 from docker0; no 0.0.0.0/0
    assert.equal(formatSubnet(pickSubnet([], routes)), '172.18.0.0/16');
    const withHost = [...routes, ...nets('172.18.3.4/32')];
    assert.equal(formatSubnet(pickSubnet([], withHost)), '172.19.0.0/16');
    assert.equal(formatSubnet(pickSubnet(nets('172.19.0.0/16'), withHost)), '172.20.0.0/16');
  });

  it('goes on to 192.168.0.0/20 and its /20 neighbours when 172.16.0.0/12 is used', () => {
    assert.equal(formatSubnet(pickSubnet([], nets('172.16.0.0/12'))), '192.168.0.0/20');
    // the host's LAN in 192.168.1.0/24 rules out 192.168.0.0/20
    assert.equal(formatSubnet(pickSubnet(nets('172.16.0.0/12'), hostRoutes(ROUTE_TABLE))), '192.168.16.0/20');
    assert.equal(formatSubnet(pickSubnet(nets('172.16.0.0/12', '192.168.0.0/19'), [])), '192.168.32.0/20');
    assert.equal(
      formatSubnet(pickSubnet(nets('172.16.0.0/12', '192.168.0.0/17'), nets('192.168.128.0/18'))),
      '192.168.192.0/20',
    );
  });

  it('says so, and what to do, when every pool is used', () => {
    const check = (err: unknown) => {
      assert.ok(isBerthError(err, 'FailedPrecondition'), String(err));
      assert.match(err.message, /all predefined address pools have been fully subnetted/);
      assert.match(err.message, /--subnet/);
      return true;
    };
    assert.throws(() => pickSubnet(nets('172.16.0.0/12', '192.168.0.0/16'), []), check);
    assert.throws(() => pickSubnet(nets('172.16.0.0/12'), nets('192.168.0.0/16')), check);
    assert.throws(() => pickSubnet([], nets('128.0.0.0/1')), check);
  });
});
