import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseExpose, parsePortRange, parsePublish } from './ports.ts';

describe('parsePublish', () => {
  // What Docker 28's CLI sends for these -p values.
  it('reads every short form and the long one', () => {
    const out = parsePublish([
      '80',
      '8080:80',
      '127.0.0.1:8081:81',
      '127.0.0.1::82/udp',
      '8000-8002:90-92',
      '[::1]:83:83',
      '7000-7010:84',
      'published=9000,target=9001,protocol=udp',
      '80/TCP',
    ]);
    assert.deepEqual(out.bindings, {
      '80/tcp': [
        { HostIp: '', HostPort: '' },
        { HostIp: '', HostPort: '8080' },
        { HostIp: '', HostPort: '' },
      ],
      '81/tcp': [{ HostIp: '127.0.0.1', HostPort: '8081' }],
      '82/udp': [{ HostIp: '127.0.0.1', HostPort: '' }],
      '90/tcp': [{ HostIp: '', HostPort: '8000' }],
      '91/tcp': [{ HostIp: '', HostPort: '8001' }],
      '92/tcp': [{ HostIp: '', HostPort: '8002' }],
      '83/tcp': [{ HostIp: '::1', HostPort: '83' }],
      '84/tcp': [{ HostIp: '', HostPort: '7000-7010' }],
      '9001/udp': [{ HostIp: '', HostPort: '9000' }],
    });
    assert.deepEqual(Object.keys(out.exposed).sort(), [
      '80/tcp',
      '81/tcp',
      '82/udp',
      '83/tcp',
      '84/tcp',
      '90/tcp',
      '9001/udp',
      '91/tcp',
      '92/tcp',
    ]);
  });
  it('takes the IP before the last two colons and any of tcp, udp, sctp', () => {
    assert.deepEqual(parsePublish(['::1:80:80/sctp']).bindings, {
      '80/sctp': [{ HostIp: '::1', HostPort: '80' }],
    });
    assert.deepEqual(parsePublish(['1-2-3']).bindings, {
      '1/tcp': [{ HostIp: '', HostPort: '' }],
      '2/tcp': [{ HostIp: '', HostPort: '' }],
    });
  });
  const invalid: [string, string][] = [
    ['1-3:1-2', 'invalid ranges specified for container and host Ports: 1-2 and 1-3'],
    ['80:90-91', 'invalid ranges specified for container and host Ports: 90-91 and 80'],
    ['notip:80:80/foo', 'invalid IP address: notip'],
    ['1.2.3.4:80:80/foo', 'invalid proto: foo'],
    ['80/Foo', 'invalid proto: Foo'],
    ['1:2:3:4', 'invalid IP address: 1:2'],
    ['80:80:80:80:80', 'invalid IP address: 80:80:80'],
    ['65536', 'invalid containerPort: 65536'],
    ['a:80', 'invalid hostPort: a'],
    ['', 'no port specified: <empty>'],
    ['published=1,target', "invalid publish opts format (should be name=value but got 'target')"],
  ];
  for (const [spec, message] of invalid) {
    it(`refuses ${JSON.stringify(spec)} as Docker does`, () =>
      assert.throws(() => parsePublish([spec]), { message }));
  }
});

describe('parseExpose', () => {
  it('lists each port of a range, with the protocol as given', () => {
    assert.deepEqual(parseExpose('80-82/tcp'), ['80/tcp', '81/tcp', '82/tcp']);
    assert.deepEqual(parseExpose('90/udp'), ['90/udp']);
    assert.deepEqual(parseExpose('100/Foo'), ['100/Foo']);
    assert.deepEqual(parseExpose('65535'), ['65535/tcp']);
  });
  const invalid: [string, string][] = [
    ['', 'invalid range format for --expose: , error: empty string specified for ports'],
    [
      '70000',
      'invalid range format for --expose: 70000, error: strconv.ParseUint: parsing "70000": value out of range',
    ],
    ['80-70', 'invalid range format for --expose: 80-70, error: invalid range specified for port: 80-70'],
    [
      '80-x',
      'invalid range format for --expose: 80-x, error: strconv.ParseUint: parsing "x": invalid syntax',
    ],
  ];
  for (const [spec, message] of invalid) {
    it(`refuses ${JSON.stringify(spec)}`, () => assert.throws(() => parseExpose(spec), { message }));
  }
  it('reads port ranges', () => {
    assert.deepEqual(parsePortRange('8000-8010'), [8000, 8010]);
    assert.deepEqual(parsePortRange('0'), [0, 0]);
  });
});
