import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { networkRules, portRules } from './network-rules.ts';

describe('networkRules', () => {
  it('a network: isolation from the other bridges, forwarding in and out, masquerade of its subnet and of localhost', () => {
    assert.deepEqual(networkRules({ bridge: 'br-1', subnet: '172.18.0.0/16', internal: false }), [
      { table: 'filter', chain: 'BERTH-ISOLATION-2', spec: '-o br-1 -j DROP' },
      { table: 'filter', chain: 'BERTH-ISOLATION-1', spec: '-i br-1 ! -o br-1 -j BERTH-ISOLATION-2' },
      {
        table: 'filter',
        chain: 'BERTH-FORWARD',
        spec: '-o br-1 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      },
      { table: 'filter', chain: 'BERTH-FORWARD', spec: '-o br-1 -m conntrack --ctstate DNAT -j ACCEPT' },
      { table: 'filter', chain: 'BERTH-FORWARD', spec: '-i br-1 -j ACCEPT' },
      { table: 'nat', chain: 'BERTH-POSTROUTING', spec: '-s 172.18.0.0/16 ! -o br-1 -j MASQUERADE' },
      { table: 'nat', chain: 'BERTH-POSTROUTING', spec: '-s 127.0.0.0/8 -o br-1 -j MASQUERADE' },
    ]);
  });

  it('an internal network: traffic stays on its bridge, nothing is masqueraded', () => {
    const rules = networkRules({ bridge: 'br-in', subnet: '10.9.0.0/24', internal: true });
    assert.deepEqual(rules, [
      { table: 'filter', chain: 'BERTH-ISOLATION-2', spec: '-o br-in -j DROP' },
      { table: 'filter', chain: 'BERTH-ISOLATION-1', spec: '-i br-in ! -o br-in -j DROP' },
      { table: 'filter', chain: 'BERTH-ISOLATION-1', spec: '-o br-in ! -i br-in -j DROP' },
      { table: 'filter', chain: 'BERTH-FORWARD', spec: '-i br-in -o br-in -j ACCEPT' },
    ]);
    assert.ok(rules.every((r) => r.table === 'filter' && !r.spec.includes('MASQUERADE')));
  });

  it("uses only berth's own chains", () => {
    for (const internal of [false, true]) {
      for (const r of networkRules({ bridge: 'b', subnet: '10.0.0.0/8', internal }))
        assert.match(r.chain, /^BERTH-/);
    }
  });
});

describe('portRules', () => {
  it('DNATs the host port to the container, with a hairpin masquerade, per port', () => {
    assert.deepEqual(
      portRules([
        { protocol: 'tcp', hostIp: '', hostPort: 8080, containerIp: '172.18.0.2', containerPort: 80 },
        { protocol: 'udp', hostIp: '0.0.0.0', hostPort: 5353, containerIp: '172.18.0.2', containerPort: 53 },
      ]),
      [
        {
          table: 'nat',
          chain: 'BERTH-DNAT',
          spec: '-p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:80',
        },
        {
          table: 'nat',
          chain: 'BERTH-POSTROUTING',
          spec: '-s 172.18.0.2/32 -d 172.18.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE',
        },
        {
          table: 'nat',
          chain: 'BERTH-DNAT',
          spec: '-p udp -m udp --dport 5353 -j DNAT --to-destination 172.18.0.2:53',
        },
        {
          table: 'nat',
          chain: 'BERTH-POSTROUTING',
          spec: '-s 172.18.0.2/32 -d 172.18.0.2/32 -p udp -m udp --dport 53 -j MASQUERADE',
        },
      ],
    );
  });

  it('matches the host address when the port is published on one', () => {
    const [dnat] = portRules([
      { protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 18080, containerIp: '10.0.0.9', containerPort: 8000 },
    ]);
    assert.equal(
      dnat!.spec,
      '-d 127.0.0.1/32 -p tcp -m tcp --dport 18080 -j DNAT --to-destination 10.0.0.9:8000',
    );
  });

  it('no ports, no rules', () => {
    assert.deepEqual(portRules([]), []);
  });
});
