// Certificates for registry auth tests, made with the openssl command: a throwaway
// CA and a server certificate for 127.0.0.1 and localhost signed by it, and a
// self-signed certificate for a token signing key (what distribution's registry
// takes as its rootcertbundle). Everything lives in one temp dir the caller removes.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Why certificates cannot be made here, or undefined when they can. */
export function opensslMissing(): string | undefined {
  const r = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : 'the openssl command is not installed (apt package openssl)';
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: 'pipe' });

const P256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

export interface TestCertificates {
  readonly dir: string;
  /** The CA certificate (PEM). */
  readonly caCert: string;
  /** A directory holding only `ca.crt`: what skopeo's --cert-dir and docker's certs.d expect. */
  readonly caDir: string;
  /** The server certificate for 127.0.0.1 and localhost, and its key (PEM). */
  readonly cert: string;
  readonly key: string;
  cleanup(): Promise<void>;
}

export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-tls-'));
  try {
    openssl(
      [
        'req',
        '-x509',
        ...P256,
        '-keyout',
        'ca.key',
        '-out',
        'ca.crt',
        '-days',
        '2',
        '-subj',
        '/CN=berth test CA',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      dir,
    );
    openssl(['req', ...P256, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'], dir);
    writeFileSync(
      join(dir, 'server.ext'),
      [
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=serverAuth',
        '',
      ].join('\n'),
    );
    openssl(
      [
        'x509',
        '-req',
        '-in',
        'server.csr',
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        'server.crt',
        '-days',
        '2',
        '-extfile',
        'server.ext',
      ],
      dir,
    );
    const caDir = join(dir, 'ca');
    mkdirSync(caDir);
    openssl(['x509', '-in', 'ca.crt', '-out', join(caDir, 'ca.crt')], dir);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caDir: join(dir, 'ca'),
    cert: join(dir, 'server.crt'),
    key: join(dir, 'server.key'),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A P-256 token signing key and a self-signed certificate of it, written into `dir`. */
export function makeSigningCertificate(dir: string): { key: string; cert: string } {
  openssl(
    [
      'req',
      '-x509',
      ...P256,
      '-keyout',
      'signing.key',
      '-out',
      'signing.crt',
      '-days',
      '2',
      '-subj',
      '/CN=berth token signer',
    ],
    dir,
  );
  return { key: join(dir, 'signing.key'), cert: join(dir, 'signing.crt') };
}
