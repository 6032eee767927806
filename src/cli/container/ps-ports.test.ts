import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { displayablePorts } from './ps-ports.ts';

describe('displayablePorts', () => {
  // Each as Docker 28's `docker ps` prints the same Ports.
  it('prints a published port, on IPv4 and IPv6', () => {
    assert.equal(
      displayablePorts([
        { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
        { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
      ]),
      '0.0.0.0:8080->80/tcp, [::]:8080->80/tcp',
    );
  });
  it('collapses consecutive ports exposed alike, and lists ports published elsewhere after them', () => {
    assert.equal(
      displayablePorts([
        { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
        { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
        { PrivatePort: 443, Type: 'tcp' },
        { PrivatePort: 444, Type: 'tcp' },
        { PrivatePort: 446, Type: 'tcp' },
        { IP: '0.0.0.0', PrivatePort: 9000, PublicPort: 9000, Type: 'udp' },
        { IP: '0.0.0.0', PrivatePort: 9001, PublicPort: 9001, Type: 'udp' },
        { IP: '0.0.0.0', PrivatePort: 81, PublicPort: 8001, Type: 'tcp' },
        { IP: '0.0.0.0', PrivatePort: 82, PublicPort: 8002, Type: 'tcp' },
      ]),
      '443-444/tcp, 446/tcp, 0.0.0.0:9000-9001->9000-9001/udp, 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp, ' +
        '0.0.0.0:8001->81/tcp, 0.0.0.0:8002->82/tcp',
    );
  });
  it('groups by host IP and protocol', () => {
    assert.equal(
      displayablePorts([
        { IP: '::', PrivatePort: 9000, PublicPort: 9000, Type: 'udp' },
        { IP: '::', PrivatePort: 9001, PublicPort: 9001, Type: 'udp' },
        { IP: '::1', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
        { IP: '0.0.0.0', PrivatePort: 53, PublicPort: 53, Type: 'udp' },
        { IP: '0.0.0.0', PrivatePort: 53, PublicPort: 53, Type: 'tcp' },
        { PrivatePort: 53, Type: 'sctp' },
        { IP: '0.0.0.0', PrivatePort: 55, PublicPort: 55, Type: 'tcp' },
        { IP: '127.0.0.1', PrivatePort: 54, PublicPort: 54, Type: 'tcp' },
        { IP: '0.0.0.0', PrivatePort: 54, PublicPort: 54, Type: 'tcp' },
      ]),
      '53/sctp, 0.0.0.0:53-55->53-55/tcp, 0.0.0.0:53->53/udp, 127.0.0.1:54->54/tcp, ' +
        '[::]:9000-9001->9000-9001/udp, [::1]:8080->80/tcp',
    );
  });
  it('prints nothing for no ports', () => {
    assert.equal(displayablePorts([]), '');
    assert.equal(displayablePorts(null), '');
  });
});
