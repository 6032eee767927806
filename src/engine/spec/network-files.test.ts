import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_HOSTS, etcHosts, parseExtraHosts, resolvConf, writeNetworkFiles } from './network-files.ts';

describe('/etc/hosts', () => {
  it("writes Docker's default lines, extra hosts, then the container's own name", () => {
    const text = etcHosts({
      extraHosts: parseExtraHosts(['db:10.0.0.5', 'v6:[fd00::1]', 'gw:host-gateway'], '172.17.0.1'),
      hostname: 'abc123',
      addresses: ['172.17.0.2'],
    });
    assert.equal(
      text,
      [...DEFAULT_HOSTS, '10.0.0.5\tdb', 'fd00::1\tv6', '172.17.0.1\tgw', '172.17.0.2\tabc123', ''].join(
        '\n',
      ),
    );
  });

  it('names the domain too, and has no own line without an address', () => {
    assert.match(
      etcHosts({ extraHosts: [], hostname: 'h', domainname: 'example.org', addresses: ['10.1.1.1'] }),
      /10\.1\.1\.1\th\.example\.org h\n$/,
    );
    assert.equal(etcHosts({ extraHosts: [], hostname: 'h' }), `${DEFAULT_HOSTS.join('\n')}\n`);
  });

  it("copies the host's file for the host's network", () => {
    assert.equal(
      etcHosts({
        hostHosts: '127.0.0.1 localhost\n10.0.0.1 box\n\n',
        extraHosts: [{ name: 'x', ip: '1.2.3.4' }],
        hostname: 'box',
      }),
      '127.0.0.1 localhost\n10.0.0.1 box\n1.2.3.4\tx\n',
    );
  });

  it('refuses malformed extra hosts', () => {
    for (const bad of ['nocolon', 'name:not-an-ip', ':1.2.3.4']) {
      assert.throws(() => parseExtraHosts([bad], '127.0.0.1'), /invalid ExtraHosts entry/);
    }
  });
});

describe('/etc/resolv.conf', () => {
  const HOST =
    '# from DHCP\nnameserver 10.0.0.53\nnameserver 127.0.0.1\nsearch corp.example\noptions ndots:2\n';

  it('drops loopback nameservers for a container network', () => {
    assert.equal(
      resolvConf({ hostResolvConf: HOST, hostNetwork: false }),
      'nameserver 10.0.0.53\nsearch corp.example\noptions ndots:2\n',
    );
  });

  it("keeps the host's file as it is for the host network", () => {
    assert.equal(resolvConf({ hostResolvConf: HOST, hostNetwork: true }), HOST);
  });

  it('keeps a file that needs no change as it is', () => {
    const text = '# comment\nnameserver 1.1.1.1\n';
    assert.equal(resolvConf({ hostResolvConf: text, hostNetwork: false }), text);
  });

  it("falls back to Docker's public nameservers when only loopback ones are left", () => {
    assert.equal(
      resolvConf({ hostResolvConf: 'nameserver 127.0.0.53\nnameserver ::1\n', hostNetwork: false }),
      'nameserver 8.8.8.8\nnameserver 8.8.4.4\n',
    );
    assert.equal(
      resolvConf({ hostResolvConf: '', hostNetwork: false }),
      'nameserver 8.8.8.8\nnameserver 8.8.4.4\n',
    );
  });

  it('replaces nameservers, search domains and options when asked', () => {
    assert.equal(
      resolvConf({
        hostResolvConf: HOST,
        hostNetwork: false,
        dns: ['9.9.9.9'],
        dnsSearch: ['a.test', 'b.test'],
        dnsOptions: ['rotate'],
      }),
      'nameserver 9.9.9.9\nsearch a.test b.test\noptions rotate\n',
    );
    assert.equal(
      resolvConf({ hostResolvConf: HOST, hostNetwork: true, dns: ['127.0.0.1'], dnsSearch: ['.'] }),
      'nameserver 127.0.0.1\noptions ndots:2\n',
    );
    assert.throws(
      () => resolvConf({ hostResolvConf: HOST, hostNetwork: false, dns: ['dns.google'] }),
      /want an IP address/,
    );
  });
});

describe('writeNetworkFiles', () => {
  it('writes the three files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-netfiles-'));
    try {
      const paths = writeNetworkFiles(dir, { hostname: 'h1', hosts: 'H\n', resolvConf: 'R\n' });
      assert.deepEqual(
        [
          readFileSync(paths.hostname, 'utf8'),
          readFileSync(paths.hosts, 'utf8'),
          readFileSync(paths['resolv.conf'], 'utf8'),
        ],
        ['h1\n', 'H\n', 'R\n'],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
