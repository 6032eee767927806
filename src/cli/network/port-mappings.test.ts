import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allPortLines, joinHostPort, portLinesFor, privatePortKey } from './port-mappings.ts';

const PORTS = {
  '9876/tcp': [{ HostIp: '0.0.0.0', HostPort: '1234' }],
  '7890/tcp': [
    { HostIp: '0.0.0.0', HostPort: '4321' },
    { HostIp: '::', HostPort: '4321' },
  ],
  '53/udp': [{ HostIp: '127.0.0.1', HostPort: '10053' }],
  '443/tcp': null,
};

describe('berth port lines', () => {
  it('lists every published mapping in natural order, IPv6 hosts bracketed, unpublished ports left out', () => {
    assert.deepEqual(allPortLines(PORTS), [
      '53/udp -> 127.0.0.1:10053',
      '7890/tcp -> 0.0.0.0:4321',
      '7890/tcp -> [::]:4321',
      '9876/tcp -> 0.0.0.0:1234',
    ]);
    assert.deepEqual(allPortLines(null), []);
    assert.deepEqual(allPortLines({}), []);
  });

  it('gives the host addresses of one port, or undefined when it is not published', () => {
    assert.deepEqual(portLinesFor(PORTS, '7890/tcp'), ['0.0.0.0:4321', '[::]:4321']);
    assert.deepEqual(portLinesFor(PORTS, '53/udp'), ['127.0.0.1:10053']);
    assert.equal(portLinesFor(PORTS, '443/tcp'), undefined, 'exposed, not published');
    assert.equal(portLinesFor(PORTS, '53/tcp'), undefined);
    assert.equal(portLinesFor(undefined, '80/tcp'), undefined);
  });

  it('reads a private port as typed, tcp by default, and refuses a bad number', () => {
    assert.equal(privatePortKey('80'), '80/tcp');
    assert.equal(privatePortKey('80/'), '80/tcp');
    assert.equal(privatePortKey('53/udp'), '53/udp');
    assert.throws(() => privatePortKey('http'), {
      code: 'InvalidArgument',
      message: /^invalid port \(http\): want a number/,
    });
    assert.throws(() => privatePortKey('70000/tcp'), { message: /^invalid port \(70000\)/ });
  });

  it('joins hosts and ports as Go does', () => {
    assert.equal(joinHostPort('0.0.0.0', '80'), '0.0.0.0:80');
    assert.equal(joinHostPort('::1', '80'), '[::1]:80');
    assert.equal(joinHostPort('', '80'), ':80');
  });
});
